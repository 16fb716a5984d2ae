"""Seeding the demo dataset at benchmark sizes (1M rows; 10M with --full) into SQLite and PostgreSQL,
and reading a year of one indicator back through the dashboard's query."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from benchmarks.common import full, postgres_database, timed
from dashboard import store
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_total
from dashboard.queries import fetch_facts
from data_sources.seed import seed

TODAY = date(2026, 11, 25)


def _measure(url: str, backend: str, rows: int) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    summary, seconds, peak = timed(lambda: seed(engine, rows, today=TODAY))
    out: list[dict[str, object]] = [{
        "benchmark": f"seed-demo {rows:,} rows", "backend": backend, "rows": summary.demo_facts,
        "seconds": round(seconds, 2), "rows_per_s": round(summary.demo_facts / seconds), "peak_rss_mb": round(peak),
    }]
    filters = Filters(indicator="PPL_REACHED")
    frame, seconds, _ = timed(lambda: fetch_facts(engine, filters, Period("2025-01", "2025-12")))
    value, rule_seconds, _ = timed(lambda: compute_total(frame, "unique_max"))
    out.append({"benchmark": f"read 1 indicator × 1 year ({rows:,}-row db)", "backend": backend, "rows": len(frame),
                "seconds": round(seconds, 2), "rule_seconds": round(rule_seconds, 3)})
    engine.dispose()
    return out


def run() -> list[dict[str, object]]:
    sizes = [1_000_000] + ([10_000_000] if full() else [])
    results: list[dict[str, object]] = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            results += _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", "sqlite", rows)
        with postgres_database() as url:
            if url:
                results += _measure(url, "postgresql", rows)
    return results


if __name__ == "__main__":
    from benchmarks.run import format_table

    print(format_table(run()))
