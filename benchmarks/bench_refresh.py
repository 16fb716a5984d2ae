"""Refreshing live sources from a local server into SQLite and PostgreSQL: a KoboToolbox form of 20,000
submissions (100,000 with ``--full``) in pages of 1,000, summed into a few hundred facts; and an ActivityInfo
reporting form of 25,000 records (women/men columns) that become 50,000 facts, which measures the write.
A second refresh of the same data measures the "no change" path.

Usage alone: ``python -m benchmarks.bench_refresh``.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from benchmarks.common import full, postgres_database
from dashboard import store
from dashboard.settings import load_settings
from data_sources import refresh as live
from data_sources.seed import seed
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Replay, serve

PAGE = 1_000


def submissions(count: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(11)
    oblasts = rng.choice(["ua46", "ua53", "pl_maz"], count)
    sexes = rng.choice(["1", "2"], count)
    days = rng.integers(0, 900, count)
    start = date(2023, 1, 1)
    return [fx.kobo_submission(i, (start + timedelta(days=int(d))).isoformat(), str(o), "loh", str(s))
            for i, (o, s, d) in enumerate(zip(oblasts, sexes, days, strict=True))]


def add_routes(srv: Replay, rows: list[dict[str, Any]]) -> None:
    pages = [fx.kobo_page(rows[i:i + PAGE], len(rows), i + PAGE if i + PAGE < len(rows) else None)
             for i in range(0, len(rows), PAGE)]
    for page in pages:  # the next links carry limit=2 in the fixture; the server ignores the query
        page["next"] = page["next"] and page["next"].replace("limit=2", f"limit={PAGE}")
    srv.add(f"/api/v2/assets/{fx.KOBO_UID}/", fx.kobo_asset())
    srv.add(f"/api/v2/assets/{fx.KOBO_UID}/data.json", *pages)


def timed_refresh(engine: Any, settings: Any, name: str) -> tuple[live.RunResult, dict[str, float]]:
    """Refresh ``name``; time the pull (until the write starts) and the one-transaction write."""
    marks: dict[str, float] = {}

    def mark(message: str) -> None:
        if "writing" in message:
            marks["write"] = time.perf_counter()

    start = time.perf_counter()
    result = live.refresh(engine, settings, name, progress=mark)
    end = time.perf_counter()
    split = marks.get("write", end)
    return result, {"pull_s": split - start, "write_s": end - split, "total_s": end - start}


def measure(backend: str, url: str, rows: list[dict[str, Any]]) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    seed(engine, 0, today=date(2026, 11, 25))
    out = []
    with serve() as srv:
        settings = replace(load_settings({}), kobo_url=srv.url, kobo_token="bench-token",
                           kobo_forms=fx.kobo_forms_setting(page_size=PAGE))
        for label in ("first refresh", "unchanged refresh"):
            add_routes(srv, rows)
            result, timings = timed_refresh(engine, settings, "kobo")
            out.append({"benchmark": f"refresh kobo ({label})", "backend": backend, "submissions": len(rows),
                        "pages": -(-len(rows) // PAGE), "facts": result.rows, **timings, "ok": result.ok})
    engine.dispose()
    return out


def activityinfo_answer(records: int) -> tuple[dict[str, Any], str]:
    """A column set of ``records`` distinct partner × activity × oblast × month × group rows, and its mapping."""
    from data_sources.connectors.activityinfo import ActivityInfoConnector
    from geo.admin import ADMIN_UNITS

    mapping = {"indicator": "PPL_REACHED", "organisation": {"field": "Partner.Name"}, "org_type": "nngo",
               "activity": {"field": "ACT"}, "location": {"field": "Oblast.Code"}, "date": {"field": "MONTH"},
               "population_group": {"field": "GROUP"},
               "values": [{"field": "WOMEN", "sex": "female"}, {"field": "MEN", "sex": "male"}]}
    rng = np.random.default_rng(5)
    areas = [u.pcode for u in ADMIN_UNITS if u.level == 1]
    months = [f"{y}-{m:02d}" for y in range(2022, 2027) for m in range(1, 13)]
    keys = rng.permutation(40 * 4 * len(areas) * len(months) * 2)[:records]
    partner, rest = np.divmod(keys, 4 * len(areas) * len(months) * 2)
    act, rest = np.divmod(rest, len(areas) * len(months) * 2)
    area, rest = np.divmod(rest, len(months) * 2)
    month, group = np.divmod(rest, 2)
    columns = {
        "Partner.Name": [f"Partner {p:02d}" for p in partner], "ACT": [["2.1", "2.2", "1.4", "3.2"][a] for a in act],
        "Oblast.Code": [areas[a] for a in area], "MONTH": [months[m] for m in month],
        "GROUP": [["refugee", "host"][g] for g in group],
        "WOMEN": rng.integers(0, 300, records).tolist(), "MEN": rng.integers(0, 200, records).tolist(),
    }
    settings = replace(load_settings({}), activityinfo_mapping=json.dumps(mapping))
    fields = ActivityInfoConnector(settings).mapping().fields()
    body = {"rows": records, "columns": {"_id": {"storage": "array", "values": list(range(records))},
                                         **{f"c{i}": {"storage": "array", "values": columns[f]}
                                            for i, f in enumerate(fields)}}}
    return body, json.dumps(mapping)


def measure_activityinfo(backend: str, url: str, body: dict[str, Any], mapping: str) -> list[dict[str, object]]:
    engine = store.get_engine(url)
    seed(engine, 0, today=date(2026, 11, 25))
    out = []
    with serve() as srv:
        settings = replace(load_settings({}), activityinfo_url=srv.url, activityinfo_token="bench-token",
                           activityinfo_form="bench", activityinfo_mapping=mapping)
        for label in ("first refresh", "unchanged refresh"):
            srv.add("/resources/query/columns", body, method="POST")
            result, timings = timed_refresh(engine, settings, "activityinfo")
            out.append({"benchmark": f"refresh activityinfo ({label})", "backend": backend,
                        "submissions": body["rows"], "pages": 1, "facts": result.rows, **timings, "ok": result.ok})
    engine.dispose()
    return out


def run() -> list[dict[str, object]]:
    rows = submissions(100_000 if full() else 20_000)
    body, mapping = activityinfo_answer(25_000)
    results = []
    with tempfile.TemporaryDirectory() as folder:
        results += measure("sqlite", f"sqlite:///{folder}/bench.db", rows)
        results += measure_activityinfo("sqlite", f"sqlite:///{folder}/bench_ai.db", body, mapping)
    for step in (lambda u: measure("postgresql", u, rows),
                 lambda u: measure_activityinfo("postgresql", u, body, mapping)):
        with postgres_database() as url:
            if url is None:
                results.append({"benchmark": "refresh", "backend": "postgresql", "error": "server not reachable"})
            else:
                results += step(url)
    return results


if __name__ == "__main__":
    from benchmarks.run import format_table

    print(format_table(run()))
