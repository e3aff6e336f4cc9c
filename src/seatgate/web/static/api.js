// The public API as the pages use it: JSON in and out, problem+json as ApiError.

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? "OFFLINE" : `HTTP_${status}`);
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

// The bearer token: the identity provider's hook (window.seatgateToken, or #token=… in
// the URL, which is taken out of the address bar at once), else the demo user's.
const TOKEN_KEY = "seatgate.token";

export function takeToken() {
  const match = location.hash.match(/(?:^#|&)token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (typeof window.seatgateToken === "string" && window.seatgateToken) {
    sessionStorage.setItem(TOKEN_KEY, window.seatgateToken);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

// The server's clock minus ours, from the Date header: countdowns use the server's time.
let skewMs = 0;

export async function call(path, { method = "GET", body, token, queueToken, key, etag } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (queueToken) headers["X-Queue-Token"] = queueToken;
  if (key) headers["Idempotency-Key"] = key;
  if (etag) headers["If-None-Match"] = etag;
  let answer;
  try {
    answer = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch (error) {
    throw new ApiError(0, { detail: String(error) }, 2);
  }
  const date = Date.parse(answer.headers.get("Date") || "");
  // The header has whole seconds: a difference under 2 s is its rounding, not a skew.
  if (!Number.isNaN(date)) skewMs = Math.abs(date - Date.now()) < 2000 ? 0 : date - Date.now();
  if (answer.status === 304) return { status: 304, etag, data: null };
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) {
    if (answer.status === 401 && token && data?.code === "UNAUTHENTICATED") {
      sessionStorage.removeItem(TOKEN_KEY); // expired or from another deployment
      window.dispatchEvent(new Event("seatgate:signed-out"));
    }
    const retry = Number(answer.headers.get("Retry-After"));
    throw new ApiError(answer.status, data || {}, Number.isFinite(retry) && retry > 0 ? retry : null);
  }
  return { status: answer.status, etag: answer.headers.get("ETag"), data };
}

export function serverNow() {
  return Date.now() + skewMs;
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}
