"""Importing a 1,000,000-row partner CSV (template layout, one value per row) into SQLite and PostgreSQL:
validation only (dry run), the first import, and a newer version of the same file that replaces every row.

Each measurement runs in its own process so ``peak_mb`` is that step's own peak resident memory;
``cpu_seconds`` is that process's CPU time (the database server's work on PostgreSQL is not in it), which
shows what the wall-clock figure would be on an otherwise idle machine.
Usage alone: ``python -m benchmarks.bench_import [--rows N]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.common import postgres_database
from dashboard import store
from data_sources.reference import ORGANISATIONS
from data_sources.seed import seed
from geo.admin import ADMIN_UNITS

TODAY = date(2026, 11, 25)
ROWS = 1_000_000
TAGS = ["#org+name", "#activity+code", "#adm1+code", "#indicator+code", "#date+start", "#sex", "#age",
        "#population+group", "#indicator+value"]


def write_csv(path: Path, rows: int, version: int = 1) -> None:
    """A deterministic partner file: unique organisation × activity × area × month × sex × age × group rows."""
    orgs = [name for name, _, _ in ORGANISATIONS]
    areas = [u.pcode for u in ADMIN_UNITS if u.level == 1]
    months = pd.period_range("2022-03", "2026-10", freq="M").strftime("%Y-%m").tolist()
    dims = [(s, a, g) for s in ("female", "male", "other") for a in ("0-4", "5-11", "12-17", "18-59", "60+")
            for g in ("refugee", "host")]
    acts = ["2.1", "2.2", "1.4"]
    sizes = [len(orgs), len(acts), len(areas), len(months), len(dims)]
    total = int(np.prod(sizes))
    if rows > total:
        raise ValueError(f"at most {total:,} unique rows")
    pick = np.random.default_rng(7).permutation(total)[:rows]
    o, a, loc, m, d = np.unravel_index(pick, sizes)
    dim = np.array(dims, dtype=object)[d]
    values = np.random.default_rng(7 + version).integers(0, 400, rows)
    frame = pd.DataFrame({
        "Organisation": np.array(orgs, dtype=object)[o], "Activity": np.array(acts, dtype=object)[a],
        "Location": np.array(areas, dtype=object)[loc], "Indicator": "PPL_REACHED",
        "Period start": np.array(months, dtype=object)[m], "Sex": [x[0] for x in dim], "Age band": [x[1] for x in dim],
        "Population group": [x[2] for x in dim], "Value": values,
    })
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(frame.columns) + "\n" + ",".join(TAGS) + "\n")
        frame.to_csv(handle, index=False, header=False)


def write_xlsx(path: Path, rows: int) -> None:
    """The same layout as :func:`write_csv`, as a workbook (written in openpyxl's streaming mode)."""
    from openpyxl import Workbook

    csv_path = path.with_suffix(".csv")
    write_csv(csv_path, rows)
    frame = pd.read_csv(csv_path, skiprows=[1], dtype=object)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("4W data")
    sheet.append(list(frame.columns))
    sheet.append(TAGS)
    for record in frame.itertuples(index=False):
        sheet.append([*record[:-1], int(record[-1])])
    book.save(path)
    csv_path.unlink()


def _rollback_latest(url: str) -> dict[str, object]:
    """Roll back the newest file import (measured in its own process)."""
    from data_sources.importing import import_history, rollback_batch

    engine = store.get_engine(url)
    batch = int(import_history(engine, limit=1).iloc[0]["batch"])
    start, cpu = time.perf_counter(), time.process_time()
    result = rollback_batch(engine, batch, by="benchmark")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return {"rows": result.deleted, "values": result.deleted, "replaced": result.restored, "seconds": seconds,
            "cpu_seconds": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}


def _step(url: str, csv_path: str, dry_run: bool) -> dict[str, object]:
    """One measured import in this process (called through a subprocess)."""
    from data_sources.importing import import_file

    engine = store.get_engine(url)
    data = Path(csv_path).read_bytes()
    start, cpu = time.perf_counter(), time.process_time()
    result = import_file(engine, data, Path(csv_path).name, dry_run=dry_run, today=TODAY, created_by="benchmark")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return {"rows": result.plan.rows_read, "values": result.rows, "replaced": result.replaced,
            "seconds": seconds, "cpu_seconds": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}


def _measure(url: str, backend: str, first: Path, second: Path) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    seed(engine, 0, today=TODAY)  # catalogue and reference facts, no demo rows
    engine.dispose()
    out: list[dict[str, object]] = []
    for label, path, mode in (("validate (dry run)", first, "dry"), ("import", first, "write"),
                              ("import newer version (replaces every row)", second, "write"),
                              ("roll back that version (restores every row)", second, "rollback")):
        proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_import", "--step", url, str(path), mode],
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            out.append({"benchmark": f"{label} {path.stem}", "backend": backend,
                        "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]})
            continue
        got = json.loads(proc.stdout.strip().splitlines()[-1])
        out.append({"benchmark": f"{label}: {got['rows']:,}-row CSV", "backend": backend, "rows": got["rows"],
                    "seconds": round(got["seconds"], 2), "rows_per_s": round(got["rows"] / got["seconds"]),
                    "cpu_seconds": round(got["cpu_seconds"], 2),
                    "peak_mb": round(got["peak_mb"]), "replaced_or_restored": got["replaced"]})
    return out


def run(rows: int = ROWS) -> list[dict[str, object]]:
    """The benchmark rows for ``python -m benchmarks.run``."""
    results: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / f"partner_{rows}.csv", Path(tmp) / f"partner_{rows}_v2.csv"
        write_csv(first, rows, 1)
        write_csv(second, rows, 2)
        results += _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", first, second)
        with postgres_database() as url:
            if url:
                results += _measure(url, "postgresql", first, second)
        workbook = Path(tmp) / "partner_100000.xlsx"
        write_xlsx(workbook, min(rows, 100_000))
        results += _measure_one(f"sqlite:///{Path(tmp) / 'bench_xlsx.db'}", "sqlite", workbook, "import XLSX")
    return results


def _measure_one(url: str, backend: str, path: Path, label: str) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    seed(engine, 0, today=TODAY)
    engine.dispose()
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_import", "--step", url, str(path), "write"],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return [{"benchmark": label, "backend": backend, "error": (proc.stderr.strip().splitlines() or ["?"])[-1]}]
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    return [{"benchmark": f"{label}: {got['rows']:,} rows", "backend": backend, "rows": got["rows"],
             "seconds": round(got["seconds"], 2), "rows_per_s": round(got["rows"] / got["seconds"]),
             "cpu_seconds": round(got["cpu_seconds"], 2), "peak_mb": round(got["peak_mb"]), "replaced_or_restored": 0}]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_import")
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--step", nargs=3, metavar=("URL", "CSV", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        url, csv_path, mode = args.step
        print(json.dumps(_rollback_latest(url) if mode == "rollback" else _step(url, csv_path, mode == "dry")))
        return 0
    from benchmarks.run import format_table

    print(format_table(run(args.rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
