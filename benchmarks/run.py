"""Run the benchmarks, print one table and write it as JSON.

Usage: ``python -m benchmarks.run [--rows N] [--json OUT] [--runs K] [--skip GROUP] [--only NAME] [--full]``.

Without ``--only`` it runs the page benchmarks (:mod:`benchmarks.bench_pages`) on a synthetic database of N
fact rows (default 1,000,000), each figure the median of K runs (default 5). ``--only NAME`` (repeatable)
runs ``benchmarks/bench_NAME.py`` instead (``--only pages`` for the page benchmarks, ``--only all`` for
every module); ``--full`` adds the other modules' slow sizes (10 million seeded rows).

The JSON (default ``benchmarks/results/latest.json``, git-ignored) is a list of objects, each with at least
``name``, ``rows``, ``median_ms``, ``baseline_median_ms`` (null where no baseline applies) and
``peak_rss_mb``; the other modules' rows are given these keys from their own.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_JSON = HERE / "results" / "latest.json"


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def format_table(rows: list[dict[str, object]]) -> str:
    """Any list of result rows as a text table (every key a column)."""
    if not rows:
        return "(no results)"
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]

    def cell(value: object) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
        if isinstance(value, int):
            return f"{value:,}"
        return str(value)
    widths = {k: max(len(k), *(len(cell(r.get(k, ""))) for r in rows)) for k in keys}
    lines = [" | ".join(k.ljust(widths[k]) for k in keys), "-+-".join("-" * widths[k] for k in keys)]
    lines += [" | ".join(cell(r.get(k, "")).ljust(widths[k]) for k in keys) for r in rows]
    return "\n".join(lines)


def normalise(row: dict[str, object]) -> dict[str, object]:
    """Give another module's row the common keys (its single timing becomes the median of one run)."""
    if "name" in row and "median_ms" in row:
        return row
    labels = [str(v) for k, v in row.items() if isinstance(v, str) and k not in ("benchmark", "error")]
    name = str(row.get("benchmark", "?")) + (f" [{', '.join(labels)}]" if labels else "")
    seconds = row.get("seconds")
    peak = row.get("peak_rss_mb", row.get("peak_mb"))
    return {"name": name, "rows": row.get("rows"),
            "median_ms": round(float(seconds) * 1000, 1) if isinstance(seconds, int | float) else None,
            "baseline_median_ms": None, "peak_rss_mb": peak, "runs": 1 if seconds is not None else 0, **row}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="fact rows of the page benchmarks' database")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is reported)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the results")
    parser.add_argument("--skip", action="append", default=[],
                        help="page benchmark group to leave out (cold, browser, warm, filter, export, xlsx, import, "
                             "baseline); repeatable")
    parser.add_argument("--import-rows", type=int, default=None, help="rows of the imported CSV (default min(N, 100,000))")
    parser.add_argument("--xlsx-rows", type=int, default=None,
                        help="most rows in the XLSX export (default 1,000,000; openpyxl takes minutes per 100,000)")
    parser.add_argument("--data-dir", type=Path, default=None, help="where the synthetic databases are kept "
                        "(default benchmarks/data)")
    parser.add_argument("--only", action="append", help="run only bench_NAME (repeatable; 'all' for every module)")
    parser.add_argument("--full", action="store_true", help="include the other modules' slow sizes (10M rows)")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.rows < 1:
        parser.error("--rows and --runs must be at least 1")
    if args.full:
        os.environ["MHPSS_BENCH_FULL"] = "1"
    only = args.only or ["pages"]
    names = [n for n in discover() if "all" in only or n.removeprefix("bench_") in only or n in only]
    if not names:
        parser.error(f"no benchmark named {', '.join(only)} (have: {', '.join(discover())})")
    from benchmarks.bench_pages import GROUPS, format_results

    if bad := [g for g in args.skip if g not in GROUPS]:
        parser.error(f"unknown --skip {', '.join(bad)} (groups: {', '.join(GROUPS)})")
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.platform()}; "
          f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC", flush=True)
    results: list[dict[str, object]] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name}…", file=sys.stderr, flush=True)
        params = inspect.signature(module.run).parameters
        kwargs = {k: v for k, v in {"rows": args.rows, "runs": args.runs, "skip": args.skip,
                                    "import_rows": args.import_rows, "xlsx_rows": args.xlsx_rows,
                                    "data_dir": args.data_dir}.items()
                  if k in params and v is not None}
        if name == "bench_pages":
            kwargs["log"] = lambda line: print(line, file=sys.stderr, flush=True)
        try:
            rows = [normalise(r) for r in module.run(**kwargs)]
        except Exception as exc:  # noqa: BLE001 - a failed benchmark is reported, the others still run
            rows = [normalise({"benchmark": name, "error": f"{type(exc).__name__}: {exc}"})]
        if name != "bench_pages":  # the module's own columns, as it reports them
            print(format_table(rows) + "\n", flush=True)
        results += rows
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print(format_results(results))
    print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
