// The seed report's flow, one iteration per new user:
// new user → queue token → poll until ACTIVE → list seats → reserve → pay.
import http from 'k6/http';
import { sleep } from 'k6';
import exec from 'k6/execution';
import {
  flowsCompleted,
  queueTimeouts,
  queueWait,
  record,
  soldOut,
} from './metrics.js';

// TARGET from seatgate loadtest, BASE_URL from compose.yaml's k6 service.
export const BASE = (__ENV.TARGET || __ENV.BASE_URL || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const BALANCE = Number(__ENV.USER_BALANCE || '100000000');
const QUEUE_TIMEOUT_S = Number(__ENV.QUEUE_TIMEOUT_S || '120');
const POLL_INTERVAL_S = Number(__ENV.POLL_INTERVAL_S || '0.5');
const THINK_S = Number(__ENV.THINK_S || '1');

// 409 SEAT_UNAVAILABLE under contention is a correct answer, not a failed request.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 399 }, 409));

const JSON_HEADERS = { 'Content-Type': 'application/json' };

// The seed report's acceptance line; every scenario uses it.
export function thresholds() {
  return {
    http_req_duration: ['p(95)<1000'],
    http_req_failed: ['rate<0.01'],
    reservation_success: ['rate>0.99'],
    token_success: ['rate>0.99'],
  };
}

export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'];
const FAILURE_PAUSE_S = Number(__ENV.FAILURE_PAUSE_S || '1');

export function think(scale = 1) {
  if (THINK_S > 0) {
    sleep(THINK_S * scale * (0.5 + Math.random()));
  }
}

function items(body, ...keys) {
  if (Array.isArray(body)) {
    return body;
  }
  for (const key of keys) {
    if (body && Array.isArray(body[key])) {
      return body[key];
    }
  }
  return [];
}

function jsonOf(res) {
  try {
    return res.json();
  } catch (_) {
    return null;
  }
}

// Every schedule with free seats, found through the public catalog; k6 setup() runs it once.
export function findSchedules(limit = 50) {
  const concerts = http.get(`${BASE}/api/v1/concerts`, { tags: { name: 'concerts' } });
  if (concerts.status !== 200) {
    exec.test.abort(`GET /api/v1/concerts answered ${concerts.status}: is ${BASE} seatgate?`);
  }
  const found = [];
  for (const concert of items(jsonOf(concerts), 'items', 'concerts')) {
    const concertId = concert.concert_id || concert.id;
    const res = http.get(`${BASE}/api/v1/concerts/${concertId}/schedules`, {
      tags: { name: 'schedules' },
    });
    for (const schedule of items(jsonOf(res), 'items', 'schedules')) {
      const free = schedule.available_seats === undefined ? 1 : schedule.available_seats;
      if (free > 0) {
        found.push({
          concert_id: concertId,
          schedule_id: schedule.schedule_id || schedule.id,
          available_seats: free,
        });
      }
    }
  }
  if (found.length === 0) {
    exec.test.abort('no schedule with available seats; run `seatgate seed` against the target');
  }
  found.sort((a, b) => b.available_seats - a.available_seats);
  return found.slice(0, limit);
}

export function createUser() {
  const res = http.post(`${BASE}/api/v1/dev/users`, JSON.stringify({ balance: BALANCE }), {
    headers: JSON_HEADERS,
    tags: { name: 'POST /api/v1/dev/users' },
  });
  const body = record('user', res, res.status === 201) ? jsonOf(res) : null;
  return body && body.token ? { auth: `Bearer ${body.token}` } : null;
}

export function issueToken(user, concertId) {
  const res = http.post(`${BASE}/api/v1/queue/tokens`, JSON.stringify({ concert_id: concertId }), {
    headers: { ...JSON_HEADERS, Authorization: user.auth },
    tags: { name: 'POST /api/v1/queue/tokens' },
  });
  const body = jsonOf(res);
  const ok = (res.status === 201 || res.status === 200) && body !== null && !!body.token;
  if (!record('token', res, ok)) {
    return null;
  }
  user.queue = body.token;
  return body;
}

function userHeaders(user) {
  return { Authorization: user.auth, 'X-Queue-Token': user.queue };
}

// Polls until ACTIVE; false on timeout or failure (counted on the poll endpoint).
export function waitUntilActive(user, first) {
  const started = Date.now();
  let status = first.status;
  while (status !== 'ACTIVE') {
    if ((Date.now() - started) / 1000 > QUEUE_TIMEOUT_S) {
      queueTimeouts.add(1);
      return false;
    }
    sleep(POLL_INTERVAL_S);
    const res = http.get(`${BASE}/api/v1/queue/tokens/current`, {
      headers: userHeaders(user),
      tags: { name: 'GET /api/v1/queue/tokens/current' },
    });
    const body = jsonOf(res);
    if (!record('poll', res, res.status === 200 && body !== null && !!body.status)) {
      return false;
    }
    status = body.status;
  }
  queueWait.add(Date.now() - started);
  return true;
}

export function availableSeats(user, scheduleId) {
  const res = http.get(`${BASE}/api/v1/schedules/${scheduleId}/seats?status=AVAILABLE`, {
    headers: userHeaders(user),
    tags: { name: 'GET /api/v1/schedules/{id}/seats' },
  });
  const body = jsonOf(res);
  if (!record('seats', res, res.status === 200 && body !== null)) {
    return null;
  }
  return items(body, 'items', 'seats').filter((seat) => !seat.status || seat.status === 'AVAILABLE');
}

// 201 (held) and 409 (taken by someone else) are both correct answers.
export function reserve(user, scheduleId, seat) {
  const res = http.post(
    `${BASE}/api/v1/reservations`,
    JSON.stringify({ schedule_id: scheduleId, seat_id: seat.seat_id || seat.id }),
    {
      headers: { ...JSON_HEADERS, ...userHeaders(user) },
      tags: { name: 'POST /api/v1/reservations' },
    },
  );
  const body = jsonOf(res);
  const held = res.status === 201 && body !== null && !!body.reservation_id;
  record('reservation', res, held || res.status === 409);
  return held ? body : null;
}

export function pay(user, reservation) {
  const res = http.post(
    `${BASE}/api/v1/payments`,
    JSON.stringify({ reservation_id: reservation.reservation_id }),
    {
      headers: { ...JSON_HEADERS, ...userHeaders(user) },
      tags: { name: 'POST /api/v1/payments' },
    },
  );
  return record('payment', res, res.status === 201);
}

function pick(list, spread) {
  const window = Math.max(1, Math.min(list.length, spread));
  return list[Math.floor(Math.random() * window)];
}

// One user's whole journey. `spread` bounds how many of the free seats a user picks from:
// small → users race for the same seats (contention); large → few collisions.
// A failed step pauses the user, so a dead target is not hammered in a tight loop.
export function journey(schedules, options = {}) {
  if (!attemptJourney(schedules, options)) {
    sleep(FAILURE_PAUSE_S);
  }
}

function attemptJourney(schedules, { spread = 1000, attempts = 3, thinkScale = 1 }) {
  const target = schedules[Math.floor(Math.random() * schedules.length)];
  const user = createUser();
  if (!user) return false;
  think(thinkScale);
  const token = issueToken(user, target.concert_id);
  if (!token || !waitUntilActive(user, token)) return false;
  think(thinkScale);
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const seats = availableSeats(user, target.schedule_id);
    if (seats === null) return false;
    if (seats.length === 0) {
      soldOut.add(1);
      return true;
    }
    think(thinkScale);
    const reservation = reserve(user, target.schedule_id, pick(seats, spread));
    if (reservation) {
      think(thinkScale);
      const paid = pay(user, reservation);
      if (paid) flowsCompleted.add(1);
      return paid;
    }
  }
  return true;
}
