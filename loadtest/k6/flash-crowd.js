// A flash crowd at a scheduled on-sale: CROWD_FILE lists every user (bearer token, arrival
// offset from the opening in ms, and when a leaver stops polling), prepared by
// `seatgate loadtest --scenario flash-crowd`. One k6 VU per user would cost ~MBs each, so a
// bounded number of VUs ("carriers") each drive many users: a carrier keeps its users'
// next-due times and sends whatever is due as one parallel http.batch. Each user takes a
// queue token on arrival, polls at the advertised `poll_after_seconds` plus 0–30 % jitter
// (honouring Retry-After on a 429), and once ACTIVE browses, holds a seat and pays.
// Every user ends in one JSON line `{"crowd": …}` on the console (what the report's
// admission curve, ETA accuracy and fairness check are computed from).
import { sleep } from 'k6';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { BASE, SUMMARY_TREND_STATS, thresholds } from './lib/flow.js';
import { flowsCompleted, queueWait, record, soldOut } from './lib/metrics.js';

export { handleSummary } from './lib/summary.js';

const CARRIERS = Number(__ENV.VUS || '32');
const CONCERT_ID = Number(__ENV.CONCERT_ID || '0');
const SCHEDULE_IDS = (__ENV.SCHEDULE_IDS || '').split(',').filter(Boolean).map(Number);
const OPENS_AT_MS = Number(__ENV.OPENS_AT_MS || '0');
// The API sheds past SEATGATE_MAX_IN_FLIGHT_REQUESTS (128) per worker with 503 OVERLOADED:
// carriers × batch stays under it unless BATCH says otherwise.
const BATCH = Number(__ENV.BATCH || String(Math.max(1, Math.floor(96 / CARRIERS))));
const MAX_RETRIES = 10;
const DEFAULT_POLL_S = Number(__ENV.POLL_INTERVAL_S || '1');
const THINK_S = Number(__ENV.THINK_S || '1');
const HOLD_ATTEMPTS = 3;

// [authorization, arrival offset from the opening (ms), leaves after waiting this long (ms) or -1]
const crowd = new SharedArray('crowd', () => JSON.parse(open(__ENV.CROWD_FILE)));

const rateLimited = new Counter('rate_limited');
const abandoned = new Counter('crowd_abandoned');
const admitted = new Counter('crowd_admitted');
const pollLateness = new Trend('poll_lateness', true);
const etaRatio = new Trend('eta_ratio');

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  // bounded by CARRIERS × BATCH: what the server sees in flight at most
  batch: BATCH,
  batchPerHost: BATCH,
  scenarios: {
    crowd: {
      executor: 'per-vu-iterations',
      vus: CARRIERS,
      iterations: 1,
      maxDuration: __ENV.DURATION || '170s',
      gracefulStop: '10s',
    },
  },
  thresholds: thresholds(),
};

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const DEADLINE_MS = Date.now() + durationMs(__ENV.DURATION || '170s') - 2000;

function durationMs(text) {
  const match = /^(\d+)(s|m)$/.exec(text);
  return match ? Number(match[1]) * (match[2] === 'm' ? 60000 : 1000) : 170000;
}

function jsonOf(res) {
  try {
    return res.json();
  } catch (_) {
    return null;
  }
}

// Never sooner than advertised: a poll before the interval is answered from the last
// status (the server's cache), which would tell the user nothing new.
function jitter(seconds) {
  return seconds * 1000 * (1 + 0.3 * Math.random());
}

function retryAfterMs(res) {
  const value = Number(res.headers['Retry-After'] || '1');
  return Math.max(0.2, Number.isFinite(value) ? value : 1) * 1000;
}

function newUser(index) {
  const [auth, offsetMs, leavesAfterMs] = crowd[index];
  return {
    index,
    auth,
    step: 'arrive',
    due: OPENS_AT_MS + offsetMs,
    arrivedAt: null,
    leavesAfterMs,
    token: null,
    prequeue: null,
    seen: null, // {position, eta, at} of the first answer that had a position
    admittedAt: null,
    waitedAt: null, // when the last WAITING answer was asked for: admission came after
    sentAt: null,
    soldOutAt: null, // the first SOLD_OUT answer
    lastStatus: null,
    holdAttempts: 0,
    reservation: null,
    outcome: null,
    limited: 0,
    retries: 0,
  };
}

function headers(user) {
  return { Authorization: user.auth, 'X-Queue-Token': user.token || '' };
}

function request(user) {
  const schedule = SCHEDULE_IDS[user.index % SCHEDULE_IDS.length];
  switch (user.step) {
    case 'arrive':
      return ['POST', `${BASE}/api/v1/queue/tokens`, JSON.stringify({ concert_id: CONCERT_ID }),
        { headers: { ...JSON_HEADERS, Authorization: user.auth }, tags: { name: 'POST /api/v1/queue/tokens' } }];
    case 'poll':
      return ['GET', `${BASE}/api/v1/queue/tokens/current`, null,
        { headers: headers(user), tags: { name: 'GET /api/v1/queue/tokens/current' } }];
    case 'browse':
      return ['GET', `${BASE}/api/v1/schedules/${schedule}/seats?status=AVAILABLE`, null,
        { headers: headers(user), tags: { name: 'GET /api/v1/schedules/{id}/seats' } }];
    case 'hold':
      return ['POST', `${BASE}/api/v1/reservations`,
        JSON.stringify({ schedule_id: schedule, seat_id: user.seat }),
        { headers: { ...JSON_HEADERS, ...headers(user) }, tags: { name: 'POST /api/v1/reservations' } }];
    default:
      return ['POST', `${BASE}/api/v1/payments`,
        JSON.stringify({ reservation_id: user.reservation }),
        { headers: { ...JSON_HEADERS, ...headers(user) }, tags: { name: 'POST /api/v1/payments' } }];
  }
}

function finish(user, outcome, now) {
  user.outcome = outcome;
  user.step = 'done';
  console.log(JSON.stringify({
    crowd: outcome,
    token: user.token,
    arrived: user.arrivedAt,
    prequeue: user.prequeue,
    seen: user.seen,
    admitted: user.admittedAt,
    waited: user.waitedAt,
    ended: now,
    last_sent: user.sentAt, // the last answer was decided between this and `ended`
    sold_out: user.soldOutAt,
    limited: user.limited,
  }));
}

// 429 RATE_LIMITED and 503 (shed, or a dependency down) say "not now": like a browser,
// retry the same step after Retry-After, a few times. True when the answer was one.
function retried(user, endpoint, res, now) {
  if (res.status !== 429 && res.status !== 503) return false;
  record(endpoint, res, false);
  if (res.status === 429) {
    rateLimited.add(1);
    user.limited += 1;
  }
  user.retries += 1;
  if (user.retries > MAX_RETRIES) {
    finish(user, 'ERROR', now);
  } else {
    user.due = now + retryAfterMs(res);
  }
  return true;
}

function onQueueStatus(user, body, now, sent) {
  const placed = body.status === 'WAITING' && body.position !== null && body.position !== undefined;
  if (user.seen === null && placed) {
    user.seen = { position: body.position, eta: body.estimated_wait_seconds, at: now, sent };
  }
  if (body.status === 'ACTIVE') {
    user.admittedAt = now;
    admitted.add(1);
    queueWait.add(now - user.arrivedAt);
    if (user.seen !== null && user.seen.eta > 0) {
      etaRatio.add((now - user.seen.at) / 1000 / user.seen.eta);
    }
    user.step = 'browse';
    user.due = now + jitter(THINK_S);
  } else if (body.status === 'WAITING' || body.status === 'SOLD_OUT') {
    // still in line: SOLD_OUT turns back into WAITING when a hold lapses, so a user keeps
    // polling like the buyer page does
    user.waitedAt = sent;
    if (body.status === 'SOLD_OUT' && user.soldOutAt === null) {
      user.soldOutAt = now;
      soldOut.add(1);
    }
    user.lastStatus = body.status;
    const leaves = user.leavesAfterMs >= 0 && now - user.arrivedAt >= user.leavesAfterMs;
    if (leaves) {
      // closes the tab: no DELETE, the server must notice the silence itself
      abandoned.add(1);
      finish(user, 'ABANDONED', now);
      return;
    }
    user.step = 'poll';
    user.due = now + jitter(body.poll_after_seconds || DEFAULT_POLL_S);
  } else {
    finish(user, body.status || 'UNKNOWN', now);
  }
}

function onArrive(user, res, now, sent) {
  const body = jsonOf(res);
  const ok = (res.status === 201 || res.status === 200) && body !== null && !!body.token;
  if (retried(user, 'token', res, now)) return;
  if (!record('token', res, ok)) {
    finish(user, 'ERROR', now);
    return;
  }
  user.token = body.token;
  user.prequeue = body.status === 'WAITING' && body.position === null;
  onQueueStatus(user, body, now, sent);
}

function onPoll(user, res, now, sent) {
  const body = jsonOf(res);
  if (retried(user, 'poll', res, now)) return;
  if (!record('poll', res, res.status === 200 && body !== null && !!body.status)) {
    finish(user, 'ERROR', now);
    return;
  }
  onQueueStatus(user, body, now, sent);
}

function onBrowse(user, res, now) {
  const body = jsonOf(res);
  if (retried(user, 'seats', res, now)) return;
  if (!record('seats', res, res.status === 200 && body !== null)) {
    finish(user, 'ERROR', now);
    return;
  }
  const seats = (Array.isArray(body) ? body : body.seats || []).filter(
    (seat) => !seat.status || seat.status === 'AVAILABLE',
  );
  if (seats.length === 0) {
    soldOut.add(1);
    finish(user, 'NO_SEAT', now);
    return;
  }
  user.seat = seats[Math.floor(Math.random() * seats.length)].seat_id;
  user.step = 'hold';
  user.due = now + jitter(THINK_S);
}

function onHold(user, res, now) {
  const body = jsonOf(res);
  if (retried(user, 'reservation', res, now)) return;
  const held = res.status === 201 && body !== null && !!body.reservation_id;
  const code = body && body.code;
  // 409 SEAT_UNAVAILABLE (taken first) and TICKET_LIMIT_REACHED are correct answers
  record('reservation', res, held || res.status === 409);
  if (held) {
    user.reservation = body.reservation_id;
    user.step = 'pay';
    user.due = now + jitter(THINK_S);
  } else if (res.status === 409 && code !== 'TICKET_LIMIT_REACHED' && ++user.holdAttempts < HOLD_ATTEMPTS) {
    user.step = 'browse';
    user.due = now;
  } else {
    finish(user, res.status === 409 ? 'NO_SEAT' : 'ERROR', now);
  }
}

function onPay(user, res, now) {
  if (retried(user, 'payment', res, now)) return;
  const paid = record('payment', res, res.status === 201);
  if (paid) flowsCompleted.add(1);
  finish(user, paid ? 'PAID' : 'ERROR', now);
}

function endOfRun(user) {
  if (user.step === 'arrive') return 'NOT_ARRIVED';
  return user.step === 'poll' && user.lastStatus === 'SOLD_OUT' ? 'SOLD_OUT' : 'TIMEOUT';
}

const HANDLERS = { arrive: onArrive, poll: onPoll, browse: onBrowse, hold: onHold, pay: onPay };

function carried() {
  const users = [];
  for (let index = exec.vu.idInTest - 1; index < crowd.length; index += CARRIERS) {
    users.push(newUser(index));
  }
  return users;
}

export default function () {
  if (!CONCERT_ID || !OPENS_AT_MS || SCHEDULE_IDS.length === 0) {
    exec.test.abort('CONCERT_ID, SCHEDULE_IDS and OPENS_AT_MS come from `seatgate loadtest`');
  }
  let live = carried();
  while (live.length > 0) {
    const now = Date.now();
    if (now >= DEADLINE_MS) {
      live.forEach((user) => finish(user, endOfRun(user), now));
      return;
    }
    const due = live.filter((user) => user.due <= now).sort((a, b) => a.due - b.due).slice(0, BATCH);
    if (due.length === 0) {
      const next = Math.min(...live.map((user) => user.due));
      sleep(Math.min(1, Math.max(0.01, (next - now) / 1000)));
      continue;
    }
    due.forEach((user) => {
      user.sentAt = now;
      pollLateness.add(now - user.due);
      if (user.step === 'arrive' && user.arrivedAt === null) user.arrivedAt = now;
    });
    const answers = http.batch(due.map(request));
    const answered = Date.now();
    due.forEach((user, n) => HANDLERS[user.step](user, answers[n], answered, now));
    live = live.filter((user) => user.step !== 'done');
  }
  // The app counts a leaver only once its token idles out, and the runner reads its
  // metrics when k6 ends: the run lasts its whole duration either way.
  const rest = DEADLINE_MS - Date.now();
  if (rest > 0) sleep(rest / 1000);
}
