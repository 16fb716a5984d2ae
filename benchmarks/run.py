"""Run every ``benchmarks/bench_*.py`` module's ``run()``, print one table and write it as JSON.

Usage: ``python -m benchmarks.run [--only NAME] [--full]``. ``--full`` adds the slow sizes (10 million seeded
rows). Results go to ``benchmarks/results/latest.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(p.stem for p in HERE.glob("bench_*.py"))


def format_table(rows: list[dict[str, object]]) -> str:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument("--only", action="append", help="run only bench_NAME (repeatable)")
    parser.add_argument("--full", action="store_true", help="include the slow sizes (10M rows)")
    args = parser.parse_args(argv)
    if args.full:
        os.environ["MHPSS_BENCH_FULL"] = "1"
    names = [n for n in discover() if not args.only or n.removeprefix("bench_") in args.only or n in args.only]
    results: list[dict[str, object]] = []
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"running {name}…", file=sys.stderr, flush=True)
        try:
            rows = module.run()
        except Exception as exc:  # noqa: BLE001 - a failed benchmark is reported, the others still run
            rows = [{"benchmark": name, "error": f"{type(exc).__name__}: {exc}"}]
        results += rows
        print(format_table(rows), flush=True)
        print(flush=True)
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    payload = {
        "generated_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "results": results,
    }
    (out_dir / "latest.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    print("== all results ==")
    print(format_table(results))
    print(f"written to {out_dir / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
