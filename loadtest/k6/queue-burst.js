// A spike of queue-token requests: users made in setup, then a burst of arrivals that
// each take a token and poll a few times. Measures the waiting room alone.
import { sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import {
  BASE,
  SUMMARY_TREND_STATS,
  createUser,
  findSchedules,
  issueToken,
  thresholds,
} from './lib/flow.js';
import { record } from './lib/metrics.js';

export { handleSummary } from './lib/summary.js';

const USERS = Number(__ENV.BURST_USERS || '2000');
const RATE = Number(__ENV.BURST_RATE || '200');

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  setupTimeout: '5m',
  scenarios: {
    burst: {
      executor: 'ramping-arrival-rate',
      startRate: 10,
      timeUnit: '1s',
      preAllocatedVUs: Number(__ENV.VUS || '100'),
      maxVUs: Number(__ENV.MAX_VUS || '500'),
      stages: [
        { target: RATE, duration: '5s' },
        { target: RATE, duration: __ENV.DURATION || '15s' },
        { target: 0, duration: '5s' },
      ],
    },
  },
  // reservations are not exercised here: the report marks that row "not exercised"
  thresholds: (({ reservation_success: _, ...rest }) => rest)(thresholds()),
};

export function setup() {
  const schedules = findSchedules(1);
  const users = [];
  for (let i = 0; i < USERS; i += 1) {
    const user = createUser();
    if (user) users.push(user.auth);
  }
  return { concertId: schedules[0].concert_id, users };
}

export default function (data) {
  const index = exec.scenario.iterationInTest;
  if (index >= data.users.length) return;
  const user = { auth: data.users[index] };
  if (!issueToken(user, data.concertId)) return;
  for (let poll = 0; poll < 3; poll += 1) {
    sleep(0.5);
    const res = http.get(`${BASE}/api/v1/queue/tokens/current`, {
      headers: { Authorization: user.auth, 'X-Queue-Token': user.queue },
      tags: { name: 'GET /api/v1/queue/tokens/current' },
    });
    record('poll', res, res.status === 200);
  }
}
