"""The report files: deterministic from their inputs, self-contained HTML that a
headless browser renders."""

from __future__ import annotations

from pathlib import Path

from seatgate.loadtest.report.generate import generate_report
from tests.ops_tools import screenshot

FIXTURES = Path(__file__).parents[1] / "fixtures" / "loadtest"


def test_the_same_inputs_give_byte_identical_reports(tmp_path: Path) -> None:
    first = generate_report(FIXTURES / "db-down-503", "ko", tmp_path / "a")
    second = generate_report(FIXTURES / "db-down-503", "ko", tmp_path / "b")
    for name in ("report.md", "report.html", "latency.svg", "throughput.svg", "errors.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert first.passed is second.passed is False


def test_markdown_links_its_charts_and_html_embeds_them(tmp_path: Path) -> None:
    report = generate_report(FIXTURES / "target-killed", "en", tmp_path)
    markdown, html = report.markdown.read_text(), report.html.read_text()
    for chart in ("latency.svg", "throughput.svg", "errors.svg"):
        assert f"]({chart})" in markdown
        assert (tmp_path / chart).read_text().startswith("<svg")
    assert html.count("<svg") == 3
    assert "src=" not in html
    assert "<link" not in html
    assert "<td>❌ fail</td>" in html


def test_the_html_renders_in_headless_chromium(tmp_path: Path) -> None:
    report = generate_report(FIXTURES / "internal-500", "ko", tmp_path)
    # A blank page compresses to a few KB; tables, text and three charts do not.
    assert len(screenshot(report.html, tmp_path / "report.png")) > 60_000
