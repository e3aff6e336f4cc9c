// Small inline SVG line charts: no library, nothing loaded from elsewhere.
const SVG = "http://www.w3.org/2000/svg";

function node(tag, attrs) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

// `values` left to right, oldest first; `guide` draws a dashed level (e.g. a configured rate).
export function sparkline(values, { guide = null, label = "" } = {}) {
  const width = 100;
  const height = 30;
  const top = Math.max(1, guide ?? 0, ...values) * 1.1;
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none", role: "img" });
  svg.append(Object.assign(node("title", {}), { textContent: label }));
  const pad = 2; // a line at zero or at the top stays inside the box, stroke and all
  const y = (value) => (height - pad - (value / top) * (height - 2 * pad)).toFixed(2);
  if (guide !== null) {
    svg.append(node("line", { class: "guide", x1: 0, x2: width, y1: y(guide), y2: y(guide) }));
  }
  if (values.length > 1) {
    const step = width / (values.length - 1);
    const points = values.map((value, index) => `${(index * step).toFixed(2)},${y(value)}`);
    svg.append(node("polyline", { points: points.join(" ") }));
  }
  return svg;
}
