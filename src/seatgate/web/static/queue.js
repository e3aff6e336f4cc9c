// The waiting room: place, people ahead, estimated wait, a progress bar, polled at the
// interval the API advertises; pre-sale, sold out and expired each have their own view.
import { call, serverNow } from "./api.js";
import { countdown, explain, h, notice, replace, retryable, scene, show } from "./dom.js";
import { go, state, views } from "./flow.js";
import { dateTime, duration, t } from "./i18n.js";

// Without poll_after_seconds (an older server), check every 2 s.
const DEFAULT_POLL_SECONDS = 2;
// Before the line opens, how often the page asks again at most.
const LINE_RETRY_SECONDS = 30;

function queue() {
  const now = scene();
  const concertId = state.concert.concert_id;
  const auth = { token: state.token };
  let first = null; // the first place seen in line: the progress bar's 0 %
  let shown = "";

  // A screen reader hears the place in line when it changes, not every redraw.
  function speak(text) {
    const region = document.getElementById("spoken");
    if (region.textContent !== text) region.textContent = text;
  }

  function draw(mode, ...nodes) {
    (mode === shown ? replace : show)(...nodes);
    shown = mode;
  }

  function trouble(error, retry) {
    const [message, wait] = explain(error);
    notice(message, retryable(error) ? "warn" : "error");
    if (retryable(error)) now.after(wait, retry);
  }

  async function join() {
    try {
      const body = { concert_id: concertId };
      const { data } = await call("/api/v1/queue/tokens", { method: "POST", body, ...auth });
      state.queueToken = data.token;
      step(data);
    } catch (error) {
      if (error.code === "SALE_NOT_OPEN") return notYet(error.problem);
      trouble(error, join);
    }
  }

  // Before the pre-queue opens: the opening's countdown, and a new try when the line opens.
  function notYet(problem) {
    const line = problem.prequeue_opens_at ? Date.parse(problem.prequeue_opens_at) : NaN;
    const status = { sale_opens_at: problem.sale_opens_at, position: null };
    draw("closed", ...preSale(status, null, false),
      Number.isNaN(line) ? null : h("p", {}, t("lineNotOpen", { t: dateTime(new Date(line)) })));
    const wait = Number.isNaN(line) ? LINE_RETRY_SECONDS : (line - serverNow()) / 1000;
    now.after(Math.min(LINE_RETRY_SECONDS, Math.max(1, wait)), join);
  }

  async function poll() {
    try {
      const { data } = await call("/api/v1/queue/tokens/current", {
        ...auth,
        queueToken: state.queueToken,
      });
      step(data);
    } catch (error) {
      // A queue token the server no longer knows: take a place again.
      if (error.code === "QUEUE_TOKEN_INVALID") join();
      else trouble(error, poll);
    }
  }

  async function leave() {
    try {
      await call("/api/v1/queue/tokens/current", {
        method: "DELETE", ...auth, queueToken: state.queueToken,
      });
    } catch {
      // Leaving is a courtesy: the token expires by itself once it is no longer polled.
    }
    go("concerts");
  }

  function step(status) {
    if (!now.live) return;
    notice("");
    const every = status.poll_after_seconds ?? DEFAULT_POLL_SECONDS;
    if (status.status === "ACTIVE") return go("seats");
    if (status.status === "EXPIRED") return draw("expired", ...ended("expired", "expiredNote"));
    if (status.status === "SOLD_OUT") {
      draw("sold", ...ended("soldOut", "soldOutNote", false)); // a lapsed hold reopens it
    } else if (status.position === null || status.position === undefined) {
      draw("pre", ...preSale(status, every));
    } else {
      first = Math.max(first ?? status.position, status.position);
      draw("waiting", ...waiting(status, every));
      speak(`${t("position")}: ${status.position}`);
    }
    now.after(every, poll);
  }

  function heading() {
    return [h("h1", {}, t("waitingRoom")), h("p", { class: "muted" }, state.concert.title)];
  }

  function figure(label, value, id) {
    return h("div", { class: "figure" }, h("span", { class: "label" }, label),
      h("span", { class: "value", id }, value));
  }

  function remaining(status) {
    if (status.seats_remaining === undefined || status.seats_remaining === null) return null;
    return h("p", { class: "muted" }, t("seatsLeftNow", { n: status.seats_remaining }));
  }

  function waiting(status, every) {
    const done = first > 1 ? Math.round((100 * (first - status.position)) / (first - 1)) : 100;
    return [
      ...heading(),
      h("div", { class: "figures" },
        figure(t("position"), status.position, "position"),
        figure(t("ahead"), Math.max(0, status.position - 1), "ahead"),
        figure(t("eta"), duration(status.estimated_wait_seconds), "eta")),
      h("progress", { max: 100, value: Math.min(100, Math.max(0, done)), "aria-label": t("position") }),
      remaining(status),
      h("p", { class: "muted", id: "poll" }, t("pollEvery", { s: every })),
      h("button", { type: "button", class: "link", onclick: leave }, t("leave")),
    ];
  }

  function preSale(status, every, inLine = true) {
    const opens = status.sale_opens_at ? new Date(status.sale_opens_at) : null;
    const left = h("p", { class: "big", id: "opens-in" });
    if (opens) {
      countdown(now, left, opens.getTime(), () => {}, (s) => t("opensIn", { d: duration(s) }));
    }
    return [
      ...heading(),
      h("h2", { id: "pre-sale" }, t("preSale")),
      opens ? h("p", {}, t("opensAt", { t: dateTime(opens) })) : null,
      left,
      inLine ? h("p", { class: "muted" }, t("preSaleNote")) : null,
      remaining(status),
      every ? h("p", { class: "muted", id: "poll" }, t("pollEvery", { s: every })) : null,
    ];
  }

  function ended(title, note, over = true) {
    return [
      ...heading(),
      h("h2", { id: title }, t(title)),
      h("p", {}, t(note)),
      over ? h("button", { type: "button", onclick: () => go("queue") }, t("joinAgain")) : null,
      h("button", { type: "button", class: "link", onclick: over ? () => go("concerts") : leave },
        over ? t("again") : t("leave")),
    ];
  }

  join();
}

views.queue = queue;
