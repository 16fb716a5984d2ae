"""The benchmark harness runs end to end on a tiny database and writes the JSON the issue asks for: every
object has a name, the database size, a median, a baseline median (or null) and peak memory; every page has
a warm rerun and Home, Indicators, Explorer and Map a filter change with a baseline. No timing is asserted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from benchmarks import run
from benchmarks.bench_pages import BASELINE_PAGES, CHROMIUM, FILTER_PAGES, PAGES
from benchmarks.page_runs import filter_cycle

ROWS = 2_000
KEYS = {"name", "rows", "median_ms", "baseline_median_ms", "peak_rss_mb"}


@pytest.mark.timeout(1200)
def test_harness_writes_every_figure_for_every_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results.json"
    argv = ["--rows", str(ROWS), "--runs", "1", "--json", str(out), "--data-dir", str(tmp_path / "data")]
    if Path(CHROMIUM).exists():
        # As in a full pytest run, where the browser tests' session-wide Playwright is already running in this
        # thread: the harness's own browser must not clash with it (it runs in a child process). Run alone,
        # this test opens one itself.
        import asyncio

        from playwright.sync_api import sync_playwright

        try:
            asyncio.get_running_loop()
            playwright_running = True
        except RuntimeError:
            playwright_running = False
        if playwright_running:
            assert run.main(argv) == 0
        else:
            with sync_playwright():
                assert run.main(argv) == 0
    else:
        assert run.main([*argv, "--skip", "browser"]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(results, list)
    assert all(set(row) >= KEYS for row in results), [sorted(row) for row in results]
    assert [row for row in results if row.get("error") or row.get("baseline_error")] == []
    assert {row["rows"] for row in results} == {ROWS}
    by_name = {row["name"]: row for row in results}
    for label in PAGES.values():
        assert by_name[f"warm rerun: {label}"]["median_ms"] > 0
    for page in FILTER_PAGES:
        changed = by_name[f"filter change: {PAGES[page]}"]
        assert changed["filters"] == ["last_quarter/POL"] and changed["median_ms"] > 0
        if page in BASELINE_PAGES:
            assert changed["baseline_median_ms"] > 0 and changed["speedup"] > 0
    assert by_name["filter change: Data quality"]["baseline_median_ms"] is None
    assert by_name["warm rerun: Data quality"]["baseline_median_ms"] is None
    assert by_name["cold start to Home rendered (AppTest)"]["baseline_median_ms"] > 0
    csv = by_name["export CSV of the Explorer's rows (Everything)"]
    assert csv["export_rows"] >= ROWS and csv["bytes"] > 0
    assert by_name["import a 4W CSV (python -m data_sources import)"]["rows_per_s"] > 0
    assert all(row["peak_rss_mb"] > 0 for row in results)
    if Path(CHROMIUM).exists():
        home = by_name["cold start to Home rendered (Chromium)"]
        floor = by_name["cold start to a page with one chart that reads nothing (Chromium; reference)"]
        assert home["median_ms"] > 0 and floor["median_ms"] > 0 and floor["target_ms"] is None
    printed = capsys.readouterr().out
    assert "filter change: Explorer" in printed and "× faster" in printed
    assert len(list((tmp_path / "data").glob(f"mhpss_{ROWS}_*.db"))) == 1


def test_filter_cycle_never_repeats_a_choice_before_all_are_used() -> None:
    from itertools import islice

    first = list(islice(filter_cycle(), 19))
    assert len(set(first)) == 19
    assert all(a.preset != b.preset and a.countries != b.countries for a, b in zip(first, first[1:], strict=False))


def test_unknown_skip_group_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run.main(["--skip", "nonsense"])
    assert "unknown --skip nonsense" in capsys.readouterr().err


def test_the_database_name_changes_with_the_seed_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from benchmarks import common

    repo = tmp_path / "repo"
    for name in common.SEED_CODE:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(common.REPO / name, repo / name)
    monkeypatch.setattr(common, "REPO", repo)
    before = common.database_path(ROWS, tmp_path)
    (repo / "data_sources" / "demo.py").write_text("# changed generator\n", encoding="utf-8")
    after = common.database_path(ROWS, tmp_path)
    assert before != after and after.name.startswith(f"mhpss_{ROWS}_")
