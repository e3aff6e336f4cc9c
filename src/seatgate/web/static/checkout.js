// A held seat: a countdown to its expiry, payment (with a top-up when the balance is
// short), then the confirmation. An expired hold is shown once the server says so.
import { call, newKey } from "./api.js";
import { countdown, explain, h, notice, retryable, scene, show } from "./dom.js";
import { go, state, views } from "./flow.js";
import { dateTime, duration, t, won } from "./i18n.js";

function hold(held, seat, row) {
  const now = scene();
  const auth = { token: state.token, queueToken: state.queueToken };
  // One key per payment attempt: a retry after a lost answer repeats it, while an
  // attempt after a definitive refusal (402) is a new one, since the API replays refusals.
  held.payKey ??= newKey();
  const left = h("p", { class: "big", id: "time-left" });
  const balance = h("span", { id: "balance" }, "…");
  const actions = h("div", { class: "actions" });
  let cash = null;
  let over = false; // the hold ran out: no more pay buttons

  async function readBalance() {
    try {
      const { data } = await call("/api/v1/users/me/balance", { token: state.token });
      cash = data.balance;
      balance.textContent = `₩${won(cash)}`;
      if (!over && !actions.querySelector("button:disabled")) buttons(Math.max(0, held.price - cash));
    } catch (error) {
      notice(explain(error)[0], "warn");
    }
  }

  function buttons(short) {
    if (over) return;
    const pay = h("button", { type: "button", id: "pay", onclick: () => settle(short) },
      short ? t("charge", { a: won(short) }) : t("pay", { p: won(held.price) }));
    actions.replaceChildren(pay);
  }

  async function settle(short) {
    actions.querySelectorAll("button").forEach((button) => { button.disabled = true; });
    notice(t("paying"), "info");
    try {
      if (short) {
        const body = { amount: short };
        await call("/api/v1/users/me/balance/charge", { method: "POST", body, token: state.token, key: newKey() });
      }
      const body = { reservation_id: held.reservation_id };
      await call("/api/v1/payments", { method: "POST", body, ...auth, key: held.payKey });
      go("done", held.reservation_id, seat, row);
    } catch (error) {
      if (error.code === "ALREADY_PAID") return go("done", held.reservation_id, seat, row);
      if (error.code === "RESERVATION_EXPIRED") return expired();
      notice(explain(error)[0], retryable(error) ? "warn" : "error");
      if (!retryable(error)) held.payKey = newKey();
      if (error.code === "INSUFFICIENT_BALANCE") {
        await readBalance();
        return buttons(Math.max(1, held.price - (cash ?? 0)));
      }
      buttons(short);
    }
  }

  // The countdown reached zero: the hold is over for the buyer; the note that the seat is
  // free again waits for the server to have released it.
  async function expired() {
    if (!now.live) return;
    over = true;
    left.textContent = t("holdExpired");
    actions.replaceChildren(h("button", { type: "button", onclick: () => go("seats") }, t("another")));
    try {
      const { data } = await call(`/api/v1/reservations/${held.reservation_id}`, { token: state.token });
      if (data.status === "CONFIRMED") return go("done", held.reservation_id, seat, row);
      if (data.status === "HELD") return now.after(1, expired);
      notice(`${t("holdExpired")}. ${t("holdExpiredNote")}`, "warn");
    } catch (error) {
      now.after(explain(error)[1] || 2, expired);
    }
  }

  show(
    h("h1", {}, t("holdTitle")),
    h("p", { class: "muted" }, state.concert.title),
    h("dl", { class: "facts" },
      h("dt", {}, t("seat")), h("dd", {}, t("row", { r: row }), " ", seat.number),
      h("dt", {}, t("price")), h("dd", {}, `₩${won(held.price)}`),
      h("dt", {}, t("balance")), h("dd", {}, balance)),
    h("p", { class: "label" }, t("timeLeft")),
    left,
    actions,
  );
  buttons(0);
  readBalance();
  countdown(now, left, Date.parse(held.expires_at), expired, duration);
}

async function done(reservationId, seat, row) {
  const now = scene();
  try {
    const { data } = await call(`/api/v1/reservations/${reservationId}`, { token: state.token });
    show(
      h("h1", { id: "confirmed" }, t("done")),
      h("p", { class: "muted" }, state.concert.title),
      h("dl", { class: "facts" },
        h("dt", {}, t("reservation")), h("dd", { id: "reservation" }, `#${data.reservation_id}`),
        h("dt", {}, t("seat")), h("dd", {}, t("row", { r: row }), " ", seat.number),
        h("dt", {}, t("price")), h("dd", {}, `₩${won(data.price)}`),
        h("dt", {}, t("status")), h("dd", {}, data.status),
        h("dt", {}, t("confirmedAt")),
        h("dd", {}, data.confirmed_at ? dateTime(new Date(data.confirmed_at)) : "")),
      h("button", { type: "button", onclick: () => go("concerts") }, t("again")),
    );
  } catch (error) {
    const [message, wait] = explain(error);
    notice(message);
    now.after(wait || 2, () => done(reservationId, seat, row));
  }
}

views.hold = hold;
views.done = done;
