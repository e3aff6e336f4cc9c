// The seed report's test: 100 VUs for 5 minutes, each iteration a new user through
// queue token → poll until ACTIVE → list seats → reserve → pay, with think time.
import { SUMMARY_TREND_STATS, findSchedules, journey, thresholds } from './lib/flow.js';

export { handleSummary } from './lib/summary.js';

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    seed: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || '100'),
      duration: __ENV.DURATION || '5m',
      gracefulStop: '30s',
    },
  },
  thresholds: thresholds(),
};

export function setup() {
  return { schedules: findSchedules() };
}

export default function (data) {
  journey(data.schedules);
}
