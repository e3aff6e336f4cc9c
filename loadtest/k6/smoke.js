// CI-sized: a few users through the whole flow, well under a minute.
import { SUMMARY_TREND_STATS, findSchedules, journey, thresholds } from './lib/flow.js';

export { handleSummary } from './lib/summary.js';

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    smoke: {
      executor: 'constant-vus',
      vus: Number(__ENV.VUS || '3'),
      duration: __ENV.DURATION || '20s',
      gracefulStop: '10s',
    },
  },
  thresholds: thresholds(),
};

export function setup() {
  return { schedules: findSchedules() };
}

export default function (data) {
  journey(data.schedules, { thinkScale: 0.3 });
}
