// The seat map: seats by row, free/held/sold, refreshed live (If-None-Match when the API
// gives an ETag), usable from the keyboard: arrow keys move, Enter or Space holds.
import { call, newKey } from "./api.js";
import { explain, h, notice, retryable, scene, show } from "./dom.js";
import { go, state, views } from "./flow.js";
import { clock, t, won } from "./i18n.js";

const ROW_SIZE = 10;
const REFRESH_SECONDS = 3;
const KINDS = { AVAILABLE: "free", HELD: "held", CONFIRMED: "sold" };
// Back to the waiting room: the turn ended, or the sale is not open yet.
const BACK_TO_QUEUE = new Set(["TOKEN_NOT_ACTIVE", "SALE_NOT_OPEN", "QUEUE_TOKEN_INVALID"]);

export function rowName(index) {
  return index < 26 ? String.fromCharCode(65 + index) : String(index + 1);
}

export function placeOf(seats, seat) {
  const index = seats.indexOf(seat);
  return { row: rowName(Math.floor(index / ROW_SIZE)), index };
}

function seatMap() {
  const now = scene();
  const schedule = state.schedule;
  const auth = { token: state.token, queueToken: state.queueToken };
  let etag = null;
  let seats = [];
  let focused = 0;
  let busy = false;
  const grid = h("div", { class: "seatmap", role: "group", "aria-label": t("pickSeat") });
  const stamp = h("p", { class: "muted", id: "live" });
  grid.addEventListener("keydown", move);

  function legend() {
    return h("p", { class: "legend" }, ...Object.values(KINDS).map((kind) =>
      h("span", { class: `key ${kind}` }, t(kind))));
  }

  function label(seat, row) {
    return t("seatLabel", { r: row, n: seat.number, p: won(seat.price), s: t(KINDS[seat.status]) });
  }

  function draw() {
    const hadFocus = grid.contains(document.activeElement);
    const rows = [];
    for (let start = 0; start < seats.length; start += ROW_SIZE) {
      const row = rowName(start / ROW_SIZE);
      const buttons = seats.slice(start, start + ROW_SIZE).map((seat, offset) =>
        h("button", {
          type: "button",
          class: `seat ${KINDS[seat.status]}`,
          "data-seat": seat.seat_id,
          "aria-label": label(seat, row),
          "aria-disabled": seat.status !== "AVAILABLE",
          tabindex: start + offset === focused ? 0 : -1,
          onclick: () => choose(seat),
          onfocus: () => { focused = start + offset; },
        }, seat.number));
      rows.push(h("div", { class: "row" }, h("span", { class: "rowname" }, t("row", { r: row })), ...buttons));
    }
    grid.replaceChildren(...rows);
    if (hadFocus) grid.querySelectorAll(".seat")[focused]?.focus();
  }

  function move(event) {
    const steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -ROW_SIZE, ArrowDown: ROW_SIZE };
    let next = focused + (steps[event.key] ?? 0);
    if (event.key === "Home") next = 0;
    if (event.key === "End") next = seats.length - 1;
    if (next === focused || next < 0 || next >= seats.length) return;
    event.preventDefault();
    const buttons = grid.querySelectorAll(".seat");
    buttons[focused]?.setAttribute("tabindex", "-1");
    focused = next;
    buttons[focused].setAttribute("tabindex", "0");
    buttons[focused].focus();
  }

  async function load() {
    try {
      const path = `/api/v1/schedules/${schedule.schedule_id}/seats`;
      const answer = await call(path, { ...auth, etag });
      if (!now.live) return;
      if (answer.status !== 304) {
        seats = answer.data.seats;
        etag = answer.etag;
        draw();
      }
      stamp.textContent = t("live", { t: clock(new Date()) });
      now.after(REFRESH_SECONDS, load);
    } catch (error) {
      if (BACK_TO_QUEUE.has(error.code)) return go("queue");
      const [message, wait] = explain(error);
      notice(message, retryable(error) ? "warn" : "error");
      now.after(retryable(error) ? wait : REFRESH_SECONDS, load);
    }
  }

  async function choose(seat) {
    if (seat.status !== "AVAILABLE") return notice(t("taken"));
    if (busy) return;
    busy = true;
    notice("");
    try {
      const body = { schedule_id: schedule.schedule_id, seat_id: seat.seat_id };
      const { data } = await call("/api/v1/reservations", {
        method: "POST", body, ...auth, key: newKey(),
      });
      go("hold", data, seat, placeOf(seats, seat).row);
    } catch (error) {
      busy = false;
      if (BACK_TO_QUEUE.has(error.code)) return go("queue");
      if (error.code === "SEAT_UNAVAILABLE") {
        seat.status = "HELD";
        draw();
      }
      notice(explain(error)[0], retryable(error) ? "warn" : "error");
    }
  }

  show(
    h("h1", {}, t("pickSeat")),
    h("p", { class: "muted" }, state.concert.title),
    h("p", { class: "muted" }, t("mapHelp")),
    legend(), grid, stamp,
  );
  load();
}

views.seats = seatMap;
