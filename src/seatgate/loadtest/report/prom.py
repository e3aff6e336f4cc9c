"""The app's /metrics scraped before and after the run, and what changed."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Scrape:
    samples: dict[tuple[str, Labels], float]

    def value(self, name: str, **labels: str) -> float | None:
        return self.samples.get((name, tuple(sorted(labels.items()))))

    def total(self, name: str, **match: str) -> float:
        """Sum of every series of `name` whose labels include `match`."""
        return sum(
            value
            for (sample, labels), value in self.samples.items()
            if sample == name and all((k, v) in labels for k, v in match.items())
        )

    def series(self, name: str) -> dict[Labels, float]:
        return {labels: v for (sample, labels), v in self.samples.items() if sample == name}


def parse_scrape(text: str) -> Scrape:
    samples: dict[tuple[str, Labels], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return Scrape(samples)


def delta(before: Scrape | None, after: Scrape, name: str) -> dict[Labels, float]:
    """Increase of each series of a counter over the run (a series new in `after` counts whole)."""
    found: dict[Labels, float] = {}
    for labels, value in after.series(name).items():
        previous = before.samples.get((name, labels), 0.0) if before else 0.0
        if value - previous:
            found[labels] = value - previous
    return found


def histogram_quantile(
    before: Scrape | None, after: Scrape, name: str, fraction: float
) -> float | None:
    """Upper bound of the bucket holding the quantile, over the run (server-side latency)."""
    buckets: dict[float, float] = {}
    for labels, count in delta(before, after, f"{name}_bucket").items():
        bound = float(dict(labels)["le"])
        buckets[bound] = buckets.get(bound, 0.0) + count
    if not buckets:
        return None
    total = buckets.get(float("inf"), max(buckets.values()))
    for bound in sorted(buckets):
        if total and buckets[bound] >= fraction * total:
            return bound
    return None
