// A tiny DOM builder, the notice line and the scene: a view's timers end with the view.
import { serverNow } from "./api.js";
import { t } from "./i18n.js";

export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// Draws a view and moves focus to its heading, as a new page would.
export function show(...nodes) {
  replace(...nodes);
  const heading = document.getElementById("app").querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: true });
  }
}

// Draws the same view again with new figures, leaving focus where it is.
export function replace(...nodes) {
  document.getElementById("app").replaceChildren(...nodes.filter((node) => node));
}

export function notice(message, kind = "error") {
  const box = document.getElementById("notice");
  box.textContent = message || "";
  box.className = message ? `notice ${kind}` : "notice";
  box.hidden = !message;
}

// What a person reads for an API error, and how long to wait before trying again.
export function explain(error) {
  if (error.status === undefined) {
    console.error(error); // a fault of the page itself, not an answer of the API
    return [t("failed", { code: String(error.message || error) }), null];
  }
  const wait = error.retryAfter || 2;
  if (error.status === 429) return [t("RATE_LIMITED", { s: wait }), wait];
  if (error.status === 503) return [t("unavailable", { s: wait }), wait];
  if (error.status === 0) return [t("offline", { s: wait }), wait];
  const known = t(error.code);
  return [known === error.code ? t("failed", { code: error.code }) : known, null];
}

export function retryable(error) {
  return error.status === 0 || error.status === 429 || error.status === 503;
}

let current = { stop() {} };

// A scene owns the timers of the view on screen; showing another view stops them.
export function scene() {
  current.stop();
  const timers = new Set();
  let live = true;
  current = {
    stop() {
      live = false;
      timers.forEach(clearTimeout);
      timers.clear();
    },
  };
  return {
    get live() {
      return live;
    },
    after(seconds, fn) {
      if (!live) return;
      const id = setTimeout(() => {
        timers.delete(id);
        if (live) fn();
      }, seconds * 1000);
      timers.add(id);
    },
  };
}

// Rewrites `node` every second with the time left until `untilMs` (server clock), then
// calls `done` once.
export function countdown(now, node, untilMs, done, format) {
  const tick = () => {
    if (!node.isConnected && node.textContent) return; // the view was drawn again
    const left = (untilMs - serverNow()) / 1000;
    node.textContent = format(Math.max(0, left));
    if (left <= 0) done();
    else now.after(Math.min(1, left), tick);
  };
  tick();
}
