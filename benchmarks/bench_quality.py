"""Data-quality checks on seeded demo data (100,000 and 1,000,000 rows; 10M with --full), SQLite: the
validation rules, the follow-up checks (outliers, jumps, duplicates, overlaps), Home's alerts, and the
completeness query and computation, for year to date and for everything."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path

from benchmarks.common import full, timed
from dashboard import store
from dashboard.filters import Filters, Period
from dashboard.quality import compute_alerts, compute_items, evaluate_rules
from dashboard.quality_completeness import compute_completeness, months_between
from dashboard.queries import fetch_denominators, fetch_facts, fetch_report_arrivals, fetch_reporting_plan
from data_sources.seed import seed

TODAY = date(2026, 11, 25)
PERIODS = {"year to date": Period("2026-01", "2026-11"), "everything": Period("2022-03", "2026-11")}


def _measure(url: str, rows: int) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    seed(engine, rows, today=TODAY)
    denominators = fetch_denominators(engine)
    plan = fetch_reporting_plan(engine)
    out: list[dict[str, object]] = []
    for label, period in PERIODS.items():
        frame = fetch_facts(engine, Filters(), period)
        violations, rules_s, _ = timed(lambda f=frame: evaluate_rules(f, denominators, TODAY))  # type: ignore[misc]
        items, items_s, _ = timed(lambda f=frame: compute_items(f))  # type: ignore[misc]
        alerts, alerts_s, _ = timed(lambda f=frame: compute_alerts(f, TODAY, datetime(2026, 11, 25), denominators))  # type: ignore[misc]
        arrivals, arrivals_s, _ = timed(lambda p=period: fetch_report_arrivals(engine, Filters(), p))  # type: ignore[misc]
        _, completeness_s, _ = timed(lambda a=arrivals, p=period: compute_completeness(  # type: ignore[misc]
            a, plan, months_between(p.start, p.end), TODAY))
        out.append({
            "benchmark": f"quality checks, {label} ({rows:,}-row db)", "backend": "sqlite", "rows": len(frame),
            "rules_s": round(rules_s, 2), "violations": len(violations), "follow_up_s": round(items_s, 2),
            "items": len(items), "home_alerts_s": round(alerts_s, 2), "alerts": len(alerts),
            "arrivals_query_s": round(arrivals_s, 2), "completeness_s": round(completeness_s, 2),
        })
    engine.dispose()
    return out


def run() -> list[dict[str, object]]:
    sizes = [100_000, 1_000_000] + ([10_000_000] if full() else [])
    results: list[dict[str, object]] = []
    for rows in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            results += _measure(f"sqlite:///{Path(tmp) / 'bench.db'}", rows)
    return results


if __name__ == "__main__":
    from benchmarks.run import format_table

    print(format_table(run()))
