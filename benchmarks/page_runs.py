"""The measuring side of :mod:`benchmarks.bench_pages`: one scenario per child process, so its peak memory is
its own. Each prints one JSON line (times in ms). The database and the date come from the environment
(``MHPSS_DATABASE_URL``, ``MHPSS_TODAY``), set by the parent.

Usage (by bench_pages): ``python -m benchmarks.page_runs SCENARIO [PAGE] [--runs K] [--t0 EPOCH]`` with
SCENARIO one of ``cold`` (Home in AppTest; ``--t0`` is the parent's clock when it started this process),
``warm PAGE``, ``filter PAGE``, ``baseline-cold``, ``baseline-warm PAGE``, ``baseline-filter PAGE``,
``export-csv``, ``export-xlsx``, ``browser-cold`` (``streamlit run`` in headless Chromium). ``--profile OUT`` writes a cProfile of the measured runs of ``warm`` or
``filter`` (for example ``python -m benchmarks.page_runs filter pages/2_Explorer.py --runs 3 --profile
/tmp/explorer.prof`` with ``MHPSS_DATABASE_URL`` and ``MHPSS_TODAY`` set).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import sys
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

from dashboard.filters import Filters

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 900  # seconds for one script run: a first run at 10M rows can take minutes
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header row
XLSX_MEMORY_GB = 16
EXPORT_ROWS = 1_000_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
_PRESETS = ("last_quarter", "last_month", "all", "since_meeting", "ytd")
_COUNTRIES: tuple[tuple[str, ...], ...] = (("POL",), ("UKR",), (), ("LTU",))


def filter_cycle() -> Iterator[Filters]:
    """Distinct (period preset, country) choices, never the default one the page opens with; consecutive
    choices differ in both (5 presets × 4 countries, stepped together). After all 19 the cycle starts again,
    and from then on a result may come from cache."""
    combos = [Filters(preset=_PRESETS[i % len(_PRESETS)], countries=_COUNTRIES[i % len(_COUNTRIES)])
              for i in range(len(_PRESETS) * len(_COUNTRIES))]
    ordered = [c for c in combos if c != Filters()]
    while True:
        yield from ordered


def describe(filters: Filters) -> str:
    return f"{filters.preset}/{','.join(filters.countries) or 'all countries'}"


def _today() -> date:
    return date.fromisoformat(os.environ["MHPSS_TODAY"])


EMPTY_PAGE = "(empty)"  # a script that only writes one line: what a bare Streamlit rerun costs


def _app(page: str) -> Any:
    from streamlit.testing.v1 import AppTest

    if page == EMPTY_PAGE:
        return AppTest.from_string("import streamlit as st\nst.write('nothing to compute')", default_timeout=TIMEOUT)
    return AppTest.from_file(str(REPO / page), default_timeout=TIMEOUT)


class _Profile:
    """cProfile of the measured script runs only (``--profile``). AppTest runs the script in its own thread,
    so the profiler is switched on inside that thread."""

    profiler: cProfile.Profile | None = None
    measuring = False

    @classmethod
    def install(cls) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        cls.profiler = cProfile.Profile()
        original = LocalScriptRunner._run_script_thread

        def profiled(runner: Any) -> None:
            if not (cls.measuring and cls.profiler):
                return original(runner)
            cls.profiler.enable()
            try:
                return original(runner)
            finally:
                cls.profiler.disable()

        LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign,assignment]


def _run(at: Any, measured: bool = True) -> float:
    """One script run in ms; a page exception fails the scenario (a figure for a broken page is no figure)."""
    _Profile.measuring = measured
    started = time.perf_counter()
    at.run()
    elapsed = (time.perf_counter() - started) * 1000
    _Profile.measuring = False
    if at.exception:
        raise RuntimeError(f"page exception: {at.exception[0].value}"[:500])
    return elapsed


def cold(t0: float) -> dict[str, Any]:
    """Home rendered in AppTest, from this process's start (the parent's clock ``t0``) to the run's end."""
    _run(_app("Home.py"))
    return {"times_ms": [(time.time() - t0) * 1000]}


def warm(page: str, runs: int) -> dict[str, Any]:
    """The first run of ``page`` (not counted), then ``runs`` reruns with nothing changed."""
    at = _app(page)
    first = _run(at, measured=False)
    return {"first_ms": first, "times_ms": [_run(at) for _ in range(runs)]}


def parse_choice(text: str) -> Filters:
    """``PRESET[/COUNTRY,…]`` (e.g. ``all/`` or ``ytd/POL``) as filters."""
    preset, _, countries = text.partition("/")
    return Filters(preset=preset, countries=tuple(sorted(c for c in countries.split(",") if c)))


def filter_change(page: str, runs: int, choices: list[Filters] | None = None) -> dict[str, Any]:
    """The first run, then ``runs`` reruns each after choosing a period preset and country not chosen before
    (or the given ``choices``, one rerun each)."""
    at = _app(page)
    first = _run(at, measured=False)
    times, chosen = [], []
    for _, filters in zip(range(len(choices) if choices else runs), choices or filter_cycle(), strict=False):
        at.selectbox(key="w_preset").set_value(filters.preset)
        at.multiselect(key="w_country").set_value(list(filters.countries))
        times.append(_run(at))
        chosen.append(describe(filters))
    return {"first_ms": first, "times_ms": times, "filters": chosen}


def _baseline_engine() -> Any:
    from sqlalchemy import create_engine

    return create_engine(os.environ["MHPSS_DATABASE_URL"])


def baseline(page: str, runs: int, change: bool) -> dict[str, Any]:
    """The naive read path for ``page``: the same filters as :func:`warm` (defaults) or :func:`filter_change`."""
    from benchmarks.baseline import PAGES

    compute, engine, today = PAGES[page], _baseline_engine(), _today()
    choices: Iterator[Filters] = filter_cycle() if change else iter(lambda: Filters(), None)
    times = []
    for _, filters in zip(range(runs), choices, strict=False):
        started = time.perf_counter()
        compute(engine, filters, today)
        times.append((time.perf_counter() - started) * 1000)
    return {"times_ms": times}


def baseline_cold(t0: float) -> dict[str, Any]:
    """A naive app's cold start: import Streamlit, read everything, compute Home (from process start)."""
    import streamlit  # noqa: F401 - a naive app imports it too

    from benchmarks.baseline import compute_home

    compute_home(_baseline_engine(), Filters(), _today())
    return {"times_ms": [(time.time() - t0) * 1000]}


def explorer_download_source() -> Callable[[], Any]:
    """What the Explorer's downloads are built from, for "Everything": a function returning its rows.

    The page's ``explorer.render_downloads(ctx, rows_or_listing, …)`` is replaced by a hook that keeps its
    arguments. A data frame is the rows; a listing (``total``, ``rows``, ``complete``) that holds only the
    first rows is completed the way the page does when a download button is pressed
    (``explorer.read_all_rows(ctx)``), so the figure includes that read."""
    import pandas as pd

    from dashboard import explorer

    kept: list[tuple[Any, Any]] = []

    def keep(ctx: Any, rows: Any, *args: Any, **kwargs: Any) -> None:
        kept.append((ctx, rows))

    explorer.render_downloads = keep  # type: ignore[assignment]
    at = _app("pages/2_Explorer.py")
    at.query_params["period"] = "all"
    _run(at, measured=False)
    if not kept:
        raise RuntimeError("the Explorer page did not call explorer.render_downloads(ctx, rows)")
    ctx, rows = kept[-1]
    if isinstance(rows, pd.DataFrame):
        return lambda: rows
    if getattr(rows, "complete", False):
        return lambda: rows.rows
    read_all = getattr(explorer, "read_all_rows", None)
    if read_all is None:
        raise RuntimeError(f"cannot tell how the Explorer reads all the rows of a {type(rows).__name__}")
    return lambda: read_all(ctx)


def export(kind: str, runs: int, limit: int = EXPORT_ROWS) -> dict[str, Any]:
    """What a user waits for after pressing the CSV (``runs`` times) or XLSX (once) download of the Explorer's
    rows for "Everything": reading them if the page holds only the first ones, then the file of the first
    ``limit`` (XLSX: at most Excel's row limit). The XLSX child may use at most :data:`XLSX_MEMORY_GB` of
    address space, so a workbook too big for the machine fails with MemoryError instead of pushing other
    processes out."""
    from dashboard import columns as C
    from dashboard import exports
    from dashboard.filters import Period

    if kind == "xlsx":
        cap = XLSX_MEMORY_GB * 1024**3
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        runs, limit = 1, min(limit, XLSX_MAX_ROWS)
    source = explorer_download_source()
    times, read_times, size, frame = [], [], 0, None
    for _ in range(runs):
        started = time.perf_counter()
        frame = source().head(limit)
        read_times.append((time.perf_counter() - started) * 1000)
        if kind == "csv":
            size = len(exports.build_csv(frame))
        else:
            period = Period(str(frame[C.MONTH].min()), str(frame[C.MONTH].max())) if len(frame) else Period("", "")
            size = len(exports.build_xlsx(frame, Filters(preset="all"), period, exports.utcnow()))
        times.append((time.perf_counter() - started) * 1000)
    assert frame is not None
    extra: dict[str, Any] = {"read_ms": round(sorted(read_times)[len(read_times) // 2], 1)}
    if kind == "csv":
        started = time.perf_counter()
        frame.to_csv(index=False)
        extra["pandas_to_csv_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return {"times_ms": times, "export_rows": len(frame), "bytes": size, **extra}


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


#: What the Chromium cold start is compared with: a page that draws a title, a metric and one chart and reads
#: nothing, so its time is what Streamlit and the browser cost on this machine before the dashboard does anything.
REFERENCE_SCRIPT = """import streamlit as st
st.title("Reference page")
st.metric("A figure", 250)
st.vega_lite_chart({"mark": "bar", "data": {"values": [{"month": "2026-01", "value": 3}]},
                    "encoding": {"x": {"field": "month", "type": "nominal"},
                                 "y": {"field": "value", "type": "quantitative"}}})
"""


def browser_cold(runs: int, page: str = "Home.py") -> dict[str, Any]:
    """``streamlit run PAGE`` started afresh per run (with this process's environment); milliseconds from
    the server's start until the page has finished its run in headless Chromium and drawn a chart, and the
    largest peak memory of the servers. ``page`` :data:`EMPTY_PAGE`: :data:`REFERENCE_SCRIPT` instead."""
    import socket
    import subprocess
    import tempfile
    import urllib.request

    from playwright.sync_api import sync_playwright

    folder, script = REPO, page
    if page == EMPTY_PAGE:
        folder, script = Path(tempfile.mkdtemp(prefix="mhpss-reference-")), "reference.py"
        (folder / script).write_text(REFERENCE_SCRIPT, encoding="utf-8")
    times, peak = [], 0.0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", 0))
                port = int(sock.getsockname()[1])
            base = f"http://127.0.0.1:{port}"
            started = time.perf_counter()
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats",
                 "false", "--server.fileWatcherType", "none"],
                cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                while time.perf_counter() - started < 120:
                    try:
                        if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                            break
                    except OSError:
                        time.sleep(0.05)
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                tab = context.new_page()
                tab.set_default_timeout(TIMEOUT * 1000)
                tab.goto(base)
                tab.wait_for_selector('[data-testid="stVegaLiteChart"] svg, '
                                      '[data-testid="stVegaLiteChart"] canvas')
                tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
                times.append((time.perf_counter() - started) * 1000)
                if tab.query_selector('[data-testid="stException"]'):
                    raise RuntimeError(f"{script} shows an exception in the browser")
                context.close()
                peak = max(peak, _vm_hwm_mb(proc.pid) or 0.0)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        browser.close()
    return {"times_ms": times, "server_peak_mb": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.page_runs")
    parser.add_argument("scenario")
    parser.add_argument("page", nargs="?", default="Home.py")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--t0", type=float, default=0.0)
    parser.add_argument("--limit", type=int, default=EXPORT_ROWS, help="most rows exported")
    parser.add_argument("--choice", action="append", type=parse_choice, help="filter: PRESET[/COUNTRY] to choose "
                        "instead of the cycle (repeatable), e.g. all/ or ytd/POL")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the measured page runs here and print "
                        "its top functions to stderr (warm, filter)")
    args = parser.parse_args(argv)
    if args.profile:
        _Profile.install()
    scenarios: dict[str, Callable[[], dict[str, Any]]] = {
        "cold": lambda: cold(args.t0),
        "warm": lambda: warm(args.page, args.runs),
        "filter": lambda: filter_change(args.page, args.runs, args.choice),
        "baseline-cold": lambda: baseline_cold(args.t0),
        "baseline-warm": lambda: baseline(args.page, args.runs, change=False),
        "baseline-filter": lambda: baseline(args.page, args.runs, change=True),
        "export-csv": lambda: export("csv", args.runs, args.limit),
        "export-xlsx": lambda: export("xlsx", args.runs, args.limit),
        "browser-cold": lambda: browser_cold(args.runs, args.page),
    }
    result = scenarios[args.scenario]()
    if args.profile and _Profile.profiler:
        _Profile.profiler.dump_stats(args.profile)
        pstats.Stats(_Profile.profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
