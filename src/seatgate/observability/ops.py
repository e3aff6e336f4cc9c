"""Where the ops/ tree is: Prometheus and Alertmanager configs, Grafana dashboards.

ops/ ships with the repository, not inside the wheel. The tools that read or write it
(`make monitor`, the dashboards generator) take it from `--ops-dir`, else from
`SEATGATE_OPS_DIR`, else from the source checkout seatgate is installed from.
"""

from __future__ import annotations

import os
from pathlib import Path

OPS_DIR_ENV = "SEATGATE_OPS_DIR"
# src/seatgate/observability/ops.py -> the checkout's root; meaningless in a wheel.
CHECKOUT_OPS = Path(__file__).resolve().parents[3] / "ops"
_MARKER = Path("prometheus") / "prometheus.yml"
OPS_DIR_HELP = f"the repository's ops/ (default: ${OPS_DIR_ENV}, else the checkout's)"


def ops_dir(given: Path | None = None) -> Path:
    """The ops/ directory to use; exits with one line when it is not an ops/ tree."""
    from_env = os.environ.get(OPS_DIR_ENV)
    chosen = given or (Path(from_env) if from_env else CHECKOUT_OPS)
    if not (chosen / _MARKER).is_file():
        raise SystemExit(
            f"seatgate: {chosen} is not seatgate's ops/ directory (no {_MARKER}); "
            f"fix: run from a source checkout, or pass --ops-dir or set {OPS_DIR_ENV} "
            "to the repository's ops/"
        )
    return chosen
