// Many users racing for a few seats of one schedule: most holds must answer
// 409 SEAT_UNAVAILABLE (expected, counted apart in seat_conflicts), never a double sale.
import { SUMMARY_TREND_STATS, findSchedules, journey, thresholds } from './lib/flow.js';

export { handleSummary } from './lib/summary.js';

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    contention: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || '50'),
      duration: __ENV.DURATION || '30s',
      gracefulStop: '10s',
    },
  },
  thresholds: thresholds(),
};

export function setup() {
  // the schedule with the fewest free seats among the first found: the hottest one
  const schedules = findSchedules();
  return { schedules: [schedules[schedules.length - 1]] };
}

export default function (data) {
  journey(data.schedules, { spread: 3, attempts: 5, thinkScale: 0.1 });
}
