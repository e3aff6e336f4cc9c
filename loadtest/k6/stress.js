// Ramping arrival rate of whole journeys, to find where latency bends (the knee).
// Thresholds are evaluated but do not abort: the point is to see the curve.
import { SUMMARY_TREND_STATS, findSchedules, journey, thresholds } from './lib/flow.js';

export { handleSummary } from './lib/summary.js';

const PEAK = Number(__ENV.PEAK_RATE || '60');
const DURATION_S = parseDuration(__ENV.DURATION || '2m');

function parseDuration(text) {
  const match = /^(\d+)(s|m)$/.exec(text);
  if (!match) return 120;
  return Number(match[1]) * (match[2] === 'm' ? 60 : 1);
}

export const options = {
  summaryTrendStats: SUMMARY_TREND_STATS,
  scenarios: {
    stress: {
      executor: 'ramping-arrival-rate',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: Number(__ENV.VUS || '50'),
      maxVUs: Number(__ENV.MAX_VUS || '400'),
      stages: [
        { target: PEAK, duration: `${Math.round(DURATION_S * 0.8)}s` },
        { target: PEAK, duration: `${Math.max(1, Math.round(DURATION_S * 0.2))}s` },
      ],
      gracefulStop: '30s',
    },
  },
  thresholds: thresholds(),
};

export function setup() {
  return { schedules: findSchedules() };
}

export default function (data) {
  journey(data.schedules, { thinkScale: 0.2 });
}
