"""`make monitor`: Debian's Prometheus and Alertmanager with the project's configs, on
loopback, against a running stack, plus a webhook receiver that appends what it gets to a
file — the report's detect → alert path, runnable here.

The configs are ops/prometheus and ops/alertmanager, rendered for loopback: the same rules,
jobs, routes and receivers, with 1 s scrape/evaluation and `group_wait` so that an alert
arrives seconds after a failure, and the Slack URL pointing at the local receiver.
Prometheus also receives remote write, so `seatgate loadtest --prometheus URL` streams
k6's own metrics into it (the load-test dashboard and SeatgateLoadTestFailing read them).
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from seatgate.observability.ops import OPS_DIR_HELP, ops_dir

SIDE_JOBS = ("relay", "consumer", "scheduler")
YamlConfig = dict[str, Any]  # a Prometheus or Alertmanager config, as YAML loads it


@dataclass(frozen=True)
class MonitorPorts:
    prometheus: int
    alertmanager: int
    webhook: int


@dataclass(frozen=True)
class Targets:
    """host:port of each process to scrape; a side process left out is not scraped."""

    api: str
    side: dict[str, str] = field(default_factory=dict)


def render_prometheus(ops: Path, targets: Targets, ports: MonitorPorts) -> YamlConfig:
    config: YamlConfig = yaml.safe_load((ops / "prometheus" / "prometheus.yml").read_text())
    config["global"].update({"scrape_interval": "1s", "evaluation_interval": "1s"})
    config["rule_files"] = [str(ops / "prometheus" / rules) for rules in config["rule_files"]]
    alertmanager = f"127.0.0.1:{ports.alertmanager}"
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [alertmanager]}]}]
    where = {
        "seatgate-api": targets.api,
        "prometheus": f"127.0.0.1:{ports.prometheus}",
        "alertmanager": alertmanager,
    }
    where.update({f"seatgate-{name}": target for name, target in targets.side.items()})
    jobs = []
    for job in config["scrape_configs"]:
        if job["job_name"] in where:
            # compose finds replicas through Docker's DNS; here each target is one address.
            job.pop("dns_sd_configs", None)
            job["static_configs"] = [{"targets": [where[job["job_name"]]]}]
            job["scrape_timeout"] = "1s"
            jobs.append(job)
    config["scrape_configs"] = jobs
    return config


def render_alertmanager(ops: Path, webhook_port: int, secrets: Path) -> YamlConfig:
    config: YamlConfig = yaml.safe_load((ops / "alertmanager" / "alertmanager.yml").read_text())
    config["route"].update({"group_wait": "1s", "group_interval": "5s"})
    receiver = f"http://127.0.0.1:{webhook_port}"
    slack_url_file = secrets / "slack_webhook_url"
    slack_url_file.write_text(f"{receiver}/slack\n")
    for entry in config["receivers"]:
        for slack in entry.get("slack_configs", []):
            slack["api_url_file"] = str(slack_url_file)
        for hook in entry.get("webhook_configs", []):
            hook["url"] = f"{receiver}/alerts"
    return config


class WebhookReceiver:
    """Appends every POST as one JSON line `{received_at, path, body}` to `path`."""

    def __init__(self, port: int, path: Path, host: str = "127.0.0.1") -> None:
        self.path = path
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                line = {"received_at": datetime.now(UTC).isoformat(), "path": self.path}
                line["body"] = body
                with lock, path.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(line, ensure_ascii=False) + "\n")
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _binary(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(
        f"seatgate monitor: {names[0]} is not installed; "
        "fix: apt-get install prometheus prometheus-alertmanager"
    )


class Monitor:
    """Prometheus + Alertmanager + webhook receiver; `start()`, then `stop()`."""

    def __init__(
        self, data_dir: Path, targets: Targets, ports: MonitorPorts, ops: Path | None = None
    ):
        self.data_dir = data_dir
        self.ports = ports
        self.received = data_dir / "webhook.jsonl"
        self._targets = targets
        self._ops = ops_dir(ops)
        self._processes: list[subprocess.Popen[bytes]] = []
        self._receiver = WebhookReceiver(ports.webhook, self.received)

    def _write(self, name: str, config: YamlConfig) -> Path:
        path = self.data_dir / name
        path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
        return path

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        secrets = self.data_dir / "secrets"
        secrets.mkdir(exist_ok=True)
        self.received.write_text("")
        prometheus_yml = self._write(
            "prometheus.yml", render_prometheus(self._ops, self._targets, self.ports)
        )
        alertmanager_yml = self._write(
            "alertmanager.yml", render_alertmanager(self._ops, self.ports.webhook, secrets)
        )
        logs = self.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        self._receiver.start()
        self._spawn(
            "alertmanager",
            _binary("prometheus-alertmanager", "alertmanager"),
            f"--config.file={alertmanager_yml}",
            f"--storage.path={self.data_dir / 'alertmanager'}",
            f"--web.listen-address=127.0.0.1:{self.ports.alertmanager}",
            "--cluster.listen-address=",
        )
        self._spawn(
            "prometheus",
            _binary("prometheus"),
            f"--config.file={prometheus_yml}",
            f"--storage.tsdb.path={self.data_dir / 'prometheus'}",
            f"--web.listen-address=127.0.0.1:{self.ports.prometheus}",
            # k6's metrics arrive by remote write while a load test runs.
            "--web.enable-remote-write-receiver",
        )

    def _spawn(self, name: str, *command: str) -> None:
        log = (self.data_dir / "logs" / f"{name}.log").open("ab")
        self._processes.append(
            subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir)
        )

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        self._receiver.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="make monitor", description=__doc__)
    parser.add_argument("--api", default="127.0.0.1:8000", help="host:port of the API")
    for name in SIDE_JOBS:
        parser.add_argument(f"--{name}", metavar="HOST:PORT", help=f"{name}'s /metrics")
    parser.add_argument("--prometheus-port", type=int, default=9090)
    parser.add_argument("--alertmanager-port", type=int, default=9093)
    parser.add_argument("--webhook-port", type=int, default=9095)
    parser.add_argument("--data-dir", type=Path, default=Path(".seatgate/monitor"))
    parser.add_argument("--ops-dir", type=Path, help=OPS_DIR_HELP)
    parser.add_argument(
        "--webhook-only",
        metavar="HOST",
        help="run only the webhook receiver, bound to HOST (compose's alert-webhook service)",
    )
    return parser


def _wait_for_stop() -> None:
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.webhook_only:
        args.data_dir.mkdir(parents=True, exist_ok=True)
        receiver = WebhookReceiver(
            args.webhook_port, args.data_dir / "webhook.jsonl", args.webhook_only
        )
        receiver.start()
        print(f"webhook receiver on {args.webhook_only}:{args.webhook_port}", file=sys.stderr)
        try:
            _wait_for_stop()
        finally:
            receiver.stop()
        return 0
    side = {name: getattr(args, name) for name in SIDE_JOBS if getattr(args, name)}
    ports = MonitorPorts(args.prometheus_port, args.alertmanager_port, args.webhook_port)
    monitor = Monitor(args.data_dir.resolve(), Targets(args.api, side), ports, args.ops_dir)
    monitor.start()
    print(
        f"monitor: Prometheus http://127.0.0.1:{ports.prometheus} "
        f"(scraping {args.api}{''.join(' ' + t for t in side.values())}), "
        f"Alertmanager http://127.0.0.1:{ports.alertmanager}, "
        f"webhook http://127.0.0.1:{ports.webhook} -> {monitor.received}; "
        f"stream a load test here: seatgate loadtest --prometheus http://127.0.0.1:{ports.prometheus}",
        file=sys.stderr,
        flush=True,
    )
    try:
        _wait_for_stop()
    finally:
        monitor.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
