// Per-endpoint metrics: a Rate of correct answers and a Trend of latency for each step
// of the flow, plus the expected 409s counted apart and every failure counted by
// endpoint, status and problem code (tags reach k6's --out json/csv points).
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';

export const ENDPOINTS = ['user', 'token', 'poll', 'seats', 'reservation', 'payment'];

const success = {};
const duration = {};
for (const name of ENDPOINTS) {
  success[name] = new Rate(`${name}_success`);
  duration[name] = new Trend(`${name}_duration`, true);
}

export const seatConflicts = new Counter('seat_conflicts');
export const requestErrors = new Counter('request_errors');
export const queueWait = new Trend('queue_wait', true);
export const queueTimeouts = new Counter('queue_timeouts');
export const soldOut = new Counter('sold_out');
export const flowsCompleted = new Counter('flows_completed');

const SAMPLE = Number(__ENV.FAILURE_LOG_SAMPLE || '0.1');
const ALWAYS_LOGGED = 5;
let logged = 0;

export function problemCode(res) {
  if (res.status === 0) {
    return `K6_${res.error_code || 'TRANSPORT'}`;
  }
  try {
    const body = res.json();
    if (body && typeof body.code === 'string') {
      return body.code;
    }
  } catch (_) {
    // not JSON: a proxy or a crash page; the status says enough
  }
  return 'NO_CODE';
}

function problemDetail(res) {
  try {
    const body = res.json();
    return body && typeof body.detail === 'string' ? body.detail.slice(0, 200) : null;
  } catch (_) {
    return null;
  }
}

// Logs the first failures of each VU, then a sample, as one JSON line each
// (status, code, X-Request-ID): the seed report's mid-term item "failure logging".
function logFailure(endpoint, res, code) {
  logged += 1;
  if (logged > ALWAYS_LOGGED && Math.random() >= SAMPLE) {
    return;
  }
  console.warn(
    JSON.stringify({
      failure: endpoint,
      status: res.status,
      code,
      request_id: res.headers['X-Request-Id'] || res.headers['X-Request-ID'] || null,
      error: res.error || null,
      detail: problemDetail(res),
      vu: __VU,
      iter: __ITER,
    }),
  );
}

// Records one answer; `ok` says whether it was a correct, definitive answer.
export function record(endpoint, res, ok) {
  duration[endpoint].add(res.timings.duration);
  success[endpoint].add(ok);
  // k6's own `checks` rate: what the load-test dashboard shows as checks passing.
  check(res, { [`${endpoint} answered correctly`]: () => ok });
  if (res.status === 409 && endpoint === 'reservation') {
    seatConflicts.add(1);
  }
  if (!ok) {
    const code = problemCode(res);
    requestErrors.add(1, { endpoint, status: String(res.status), code });
    logFailure(endpoint, res, code);
  }
  return ok;
}
