// The buyer's state and the views by name: a view moves on with go("name", …) and does
// not import the next view, so the modules form no cycle.
import { takeToken } from "./api.js";
import { notice } from "./dom.js";

export const state = { token: takeToken(), userId: null, concert: null, schedule: null };
export const views = {};

let redraw = () => {};

export function go(name, ...args) {
  notice("");
  redraw = () => views[name](...args);
  redraw();
}

// The language switch draws the view on screen again, with the same arguments.
export function again() {
  redraw();
}
