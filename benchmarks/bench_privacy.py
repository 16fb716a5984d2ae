"""Small-cell suppression: building and suppressing each indicator's figure set (every table the public
Indicators, Home and Map pages show) on the default 100,000-row demo database, for a few selections,
against the same tables for staff (no suppression). ``--full`` seeds 1,000,000 rows.

Usage alone: ``python -m benchmarks.bench_privacy``.
"""

from __future__ import annotations

import tempfile
from datetime import date
from functools import partial
from pathlib import Path

from benchmarks.common import full, timed
from dashboard import queries, store
from dashboard.figures import compute_indicator_figures
from dashboard.filters import Filters, resolve_period
from dashboard.privacy import FULL_ACCESS, Audience
from data_sources.seed import seed

TODAY = date(2026, 11, 25)
SELECTIONS = {
    "year to date": Filters(preset="ytd"),
    "last month": Filters(preset="last_month"),
    "everything": Filters(preset="all"),
    "one area, everything": Filters(preset="all", adm1=("PL-MZ",)),
    "Lithuania, women, ytd": Filters(preset="ytd", countries=("LTU",), sexes=("female",)),
}


def run() -> list[dict[str, object]]:
    rows = 1_000_000 if full() else 100_000
    public = Audience("public", 5)
    out: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.get_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        seed(engine, rows, today=TODAY)
        inds = queries.fetch_indicators(engine)
        locs = queries.fetch_locations(engine)
        for label, filters in SELECTIONS.items():
            period = resolve_period(filters, TODAY, "2022-03", None)
            facts = queries.fetch_facts(engine, filters, period, with_indicator=False)
            staff_seconds = public_seconds = worst = 0.0
            cells = hidden = 0
            for _, row in inds.iterrows():
                _, seconds, _ = timed(partial(compute_indicator_figures, facts, row, period, locs, FULL_ACCESS))
                staff_seconds += seconds
                figures, seconds, _ = timed(partial(compute_indicator_figures, facts, row, period, locs, public))
                public_seconds += seconds
                worst = max(worst, seconds)
                cells += sum(len(t) for t in figures.tables.values())
                hidden += figures.hidden_count
            out.append({"benchmark": "privacy", "rows": rows, "selection": label, "indicators": len(inds),
                        "public_cells": cells, "hidden": hidden, "staff_s": round(staff_seconds, 2),
                        "public_s": round(public_seconds, 2), "worst_indicator_s": round(worst, 2)})
        engine.dispose()
    return out


if __name__ == "__main__":
    from benchmarks.run import format_table

    print(format_table(run()))
