// handleSummary: the whole summary as JSON (what `seatgate loadtest` reads) plus one
// line on stdout; k6's own text summary would need a jslib from the network.
export function handleSummary(data) {
  const path = __ENV.SUMMARY_JSON || 'summary.json';
  const failed = Object.entries(data.metrics)
    .filter(([, metric]) => metric.thresholds)
    .flatMap(([name, metric]) =>
      Object.entries(metric.thresholds)
        .filter(([, verdict]) => !verdict.ok)
        .map(([expr]) => `${name} ${expr}`),
    );
  const reqs = data.metrics.http_reqs ? data.metrics.http_reqs.values.count : 0;
  const line = failed.length
    ? `k6: ${reqs} requests; thresholds FAILED: ${failed.join(', ')}\n`
    : `k6: ${reqs} requests; all thresholds passed\n`;
  return { [path]: JSON.stringify(data, null, 1), stdout: line };
}
