// The operator console: every sale live from GET /api/v1/ops/overview, every 2 s.
import { call } from "./api.js";
import { sparkline } from "./charts.js";
import { explain, h, notice, replace } from "./dom.js";
import { clock, duration, extra, installSwitch, t, won } from "./i18n.js";

Object.assign(extra.en, {
  console: "Operator console", tokenLabel: "Operator token", open: "Open",
  tokenHelp: "SEATGATE_OPERATOR_TOKEN; it stays in this tab only.",
  updated: "Updated {t}", pipeline: "Pipeline", waiting: "Waiting", active: "Active",
  rate: "Admitted /s, measured / configured", rateOf: "{m} / {c}", holds: "Live holds",
  sales: "Sales", revenue: "Revenue", seatsFree: "Seats free", outbox: "Outbox pending",
  outboxAge: "Oldest outbox event", lag: "Consumer lag", eta: "ETA accuracy (actual ÷ predicted)",
  notHere: "not reported here yet", alerts: "Alerts firing", none: "none firing",
  notConnected: "not connected: {d}", badToken: "That operator token was refused.",
  noConcerts: "No concerts yet.",
});
Object.assign(extra.ko, {
  console: "운영 콘솔", tokenLabel: "운영자 토큰", open: "열기",
  tokenHelp: "SEATGATE_OPERATOR_TOKEN 값이며 이 탭에만 보관됩니다.",
  updated: "{t} 갱신", pipeline: "파이프라인", waiting: "대기", active: "입장",
  rate: "초당 입장, 측정 / 설정", rateOf: "{m} / {c}", holds: "선점 중",
  sales: "판매", revenue: "매출", seatsFree: "잔여 좌석", outbox: "아웃박스 대기",
  outboxAge: "가장 오래된 아웃박스 이벤트", lag: "컨슈머 지연", eta: "예상 대기 정확도 (실제 ÷ 예상)",
  notHere: "아직 보고되지 않음", alerts: "발생 중인 알림", none: "없음",
  notConnected: "연결되지 않음: {d}", badToken: "운영자 토큰이 거부되었습니다.",
  noConcerts: "아직 공연이 없습니다.",
});

const KEY = "seatgate.ops.token";
const EVERY_SECONDS = 2;
const KEEP = 90; // three minutes of points per chart
const points = new Map();
let last = null;

function token() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY);
}

function remember(name, value) {
  const series = points.get(name) || [];
  series.push(value ?? 0);
  if (series.length > KEEP) series.shift();
  points.set(name, series);
}

// One point per answer, whatever the number of redraws (the language switch redraws).
function record(data) {
  remember("outbox", data.outbox_pending);
  remember("outbox.age", data.outbox_oldest_age_seconds);
  remember("lag", data.consumer_lag);
  for (const c of data.concerts) {
    for (const name of ["waiting", "active", "holds", "sales", "revenue"]) {
      remember(`${c.concert_id}.${name}`, c[name]);
    }
    remember(`${c.concert_id}.rate`, c.admission_rate_measured);
  }
}

function tile(name, label, value, guide = null) {
  const series = points.get(name);
  return h("div", { class: "tile", "data-metric": name },
    h("span", { class: "label" }, label),
    h("span", { class: "value" }, value),
    series ? sparkline(series, { guide, label }) : null);
}

function concertCard(c) {
  const id = c.concert_id;
  const measured = c.admission_rate_measured;
  const rate = t("rateOf", { m: measured === null ? "–" : measured.toFixed(1), c: c.admission_rate_configured });
  return h("section", { class: "concert", "data-concert": id },
    h("h2", {}, `${c.title} · #${id}`),
    h("div", { class: "tiles" },
      tile(`${id}.waiting`, t("waiting"), won(c.waiting)),
      tile(`${id}.active`, t("active"), won(c.active)),
      tile(`${id}.rate`, t("rate"), rate, c.admission_rate_configured),
      tile(`${id}.holds`, t("holds"), won(c.holds)),
      tile(`${id}.sales`, t("sales"), won(c.sales)),
      tile(`${id}.revenue`, t("revenue"), `₩${won(c.revenue)}`),
      tile(`${id}.seats`, t("seatsFree"), `${won(c.seats_available)} / ${won(c.seats_total)}`)));
}

function alertList(alerts) {
  if (!alerts.connected) return h("p", { class: "muted", id: "alerts" }, t("notConnected", { d: alerts.detail }));
  if (!alerts.firing.length) return h("p", { id: "alerts" }, t("none"));
  return h("ul", { class: "alerts", id: "alerts" }, alerts.firing.map((alert) =>
    h("li", { class: "firing" }, `${alert.name} (${alert.severity}) ${alert.summary}`)));
}

function draw(data) {
  const notHere = t("notHere");
  replace(
    h("h1", {}, t("console")),
    h("p", { class: "muted", id: "updated" }, t("updated", { t: clock(new Date(data.at)) })),
    h("h2", {}, t("pipeline")),
    h("div", { class: "tiles" },
      tile("outbox", t("outbox"), won(data.outbox_pending)),
      tile("outbox.age", t("outboxAge"), duration(data.outbox_oldest_age_seconds)),
      tile("lag", t("lag"), data.consumer_lag ?? notHere),
      tile("eta", t("eta"), data.eta_accuracy === null ? notHere : data.eta_accuracy.toFixed(2))),
    h("h2", {}, t("alerts")),
    alertList(data.alerts),
    ...(data.concerts.length ? data.concerts.map(concertCard) : [h("p", {}, t("noConcerts"))]),
  );
}

function login(message) {
  sessionStorage.removeItem(KEY);
  if (message) notice(message);
  const input = h("input", { type: "password", id: "token", autocomplete: "off", "aria-describedby": "token-help" });
  replace(
    h("h1", {}, t("console")),
    h("form", { class: "login", onsubmit: (event) => {
      event.preventDefault();
      sessionStorage.setItem(KEY, input.value.trim());
      notice("");
      refresh();
    } },
      h("label", { for: "token" }, t("tokenLabel")), input, h("button", { type: "submit" }, t("open"))),
    h("p", { class: "muted", id: "token-help" }, t("tokenHelp")),
  );
  input.focus();
}

let timer = null;

async function refresh() {
  clearTimeout(timer);
  const secret = token();
  if (!secret) return login();
  try {
    const { data } = await call("/api/v1/ops/overview", { token: secret });
    notice("");
    last = data;
    record(data);
    draw(data);
    timer = setTimeout(refresh, EVERY_SECONDS * 1000);
  } catch (error) {
    if (error.status === 401) return login(t("badToken"));
    const [message, wait] = explain(error);
    notice(message, "warn");
    timer = setTimeout(refresh, (wait || EVERY_SECONDS) * 1000);
  }
}

installSwitch(document.getElementById("lang"), () => (last ? draw(last) : login()));
refresh();
