// The buyer's pages: concerts → performance → waiting room → seat map → hold → paid.
import { call, keepToken } from "./api.js";
import { h, notice, show, scene, explain, retryable } from "./dom.js";
import { again, go, state, views } from "./flow.js";
import { installSwitch, t, dateTime } from "./i18n.js";
import "./queue.js";
import "./seats.js";
import "./checkout.js";

const demoAllowed = ["local", "test"].includes(document.body.dataset.profile);

function userIdOf(token) {
  try {
    const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    return payload.sub;
  } catch {
    return null;
  }
}

function who() {
  const box = document.getElementById("who");
  state.userId = state.token ? userIdOf(state.token) : null;
  box.textContent = state.userId ? t("signedInAs", { id: state.userId }) : "";
}

async function demoUser() {
  try {
    const { data } = await call("/api/v1/dev/users", { method: "POST", body: {} });
    state.token = data.token;
    keepToken(data.token);
    who();
    again();
  } catch (error) {
    notice(explain(error)[0]);
  }
}

function signIn() {
  if (state.token) return null;
  if (!demoAllowed) return h("p", { class: "muted" }, t("noDemo"));
  return h("p", {}, t("signIn"), " ",
    h("button", { type: "button", id: "demo", onclick: demoUser }, t("demo")));
}

function opensLater(opensAt) {
  const opens = opensAt ? new Date(opensAt) : null;
  if (!opens || opens.getTime() <= Date.now()) return null;
  return h("p", { class: "opens" }, t("saleOpens", { t: dateTime(opens) }));
}

async function concerts() {
  const now = scene();
  try {
    const { data } = await call("/api/v1/concerts");
    const items = data.map((concert) =>
      h("li", { class: "card" },
        h("h2", {}, concert.title),
        h("p", { class: "muted" }, [concert.artist, concert.venue].filter(Boolean).join(" · ")),
        opensLater(concert.sale_opens_at),
        h("button", { type: "button", onclick: () => go("schedules", concert) }, t("choose"))));
    show(h("h1", {}, t("concerts")), signIn(),
      items.length ? h("ul", { class: "cards" }, items) : h("p", {}, t("noConcerts")));
  } catch (error) {
    const [message, wait] = explain(error);
    notice(message);
    if (retryable(error)) now.after(wait, concerts);
  }
}

async function schedules(concert) {
  const now = scene();
  state.concert = concert;
  try {
    const { data } = await call(`/api/v1/concerts/${concert.concert_id}/schedules`);
    const rows = data.map((schedule) =>
      h("li", { class: "card" },
        h("h2", {}, dateTime(new Date(schedule.starts_at))),
        h("p", { class: "muted" }, t("seatsLeft", { n: schedule.available_seats })),
        h("button", {
          type: "button",
          disabled: !state.token,
          onclick: () => { state.schedule = schedule; go("queue"); },
        }, t("choose"))));
    show(h("h1", {}, concert.title), h("p", { class: "muted" }, t("schedules")), signIn(),
      h("ul", { class: "cards" }, rows),
      h("p", {}, h("button", { type: "button", class: "link", onclick: () => go("concerts") }, t("again"))));
  } catch (error) {
    const [message, wait] = explain(error);
    notice(message);
    if (retryable(error)) now.after(wait, () => schedules(concert));
  }
}

// A user token the API refused (expired, or another deployment's): sign in again.
window.addEventListener("seatgate:signed-out", () => {
  state.token = null;
  who();
  go("concerts");
  notice(t("UNAUTHENTICATED"));
});

views.concerts = concerts;
views.schedules = schedules;
installSwitch(document.getElementById("lang"), () => {
  who();
  again();
});
who();
go("concerts");
