"""The read path on PostgreSQL: every filter and aggregation pushed down as SQL (MHPSS_READ_PATH=database)
gives the same frames as the original fact query and as the snapshot built from the same database, and the
database's cube table the same totals as the facts, rebuilt after every change before it is read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import queries, readpath, snapshot, store
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_monthly, compute_total
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_readpath import CASES

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def seeded_pg(tmp_path_factory: pytest.TempPathFactory) -> object:
    from data_sources.seed import seed
    from tests.conftest import PG_ADMIN_URL, _pg_database

    with _pg_database(PG_ADMIN_URL) as url:
        engine = store.get_engine(url)
        seed(engine, 5_000, today=FIXTURE_TODAY)
        folder = tmp_path_factory.mktemp("pgsnap")
        assert readpath.refresh_database_cube(engine)
        yield (engine, readpath.Reader(engine, snapshot.ensure(engine, folder, snapshot.signature(engine))),
               readpath.Reader(engine, database_cube=True))
        engine.dispose()


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_pushed_down_sql_and_snapshot_match_on_postgres(seeded_pg: tuple, filters: Filters,
                                                        period: Period | None) -> None:
    engine, snap, db_cube = seeded_pg
    expected = queries.fetch_facts(engine, filters, period)
    pd.testing.assert_frame_equal(readpath.read_facts(readpath.Reader(engine), filters, period), expected)
    pd.testing.assert_frame_equal(readpath.read_facts(snap, filters, period), expected)
    facts = queries.fetch_facts(engine, filters, period, with_indicator=False)
    for source in (snap, readpath.Reader(engine), db_cube):
        cube = readpath.read_cube(source, filters, period, with_indicator=False)
        assert int(cube[queries.ROWS].sum()) == len(facts)
        for rule in ("sum", "unique_max", "latest", "distinct_organisations"):
            assert compute_total(cube, rule) == pytest.approx(compute_total(facts, rule)), rule
            for code in sorted(set(facts[C.INDICATOR]))[:4]:
                assert compute_total(cube[cube[C.INDICATOR] == code], rule) == pytest.approx(
                    compute_total(facts[facts[C.INDICATOR] == code], rule)), (rule, code)
        if period is not None and not facts.empty:
            pd.testing.assert_frame_equal(compute_monthly(cube, "sum", period), compute_monthly(facts, "sum", period))
    flt = Filters(countries=("UKR",))
    want = queries.fetch_first_reports(engine, flt).sort_values(C.ORGANISATION, ignore_index=True)
    got = readpath.read_first_reports(db_cube, flt).sort_values(C.ORGANISATION, ignore_index=True)
    pd.testing.assert_frame_equal(got[[C.ORGANISATION, C.IS_DEMO, "first_month", "last_month"]],
                                  want[[C.ORGANISATION, C.IS_DEMO, "first_month", "last_month"]])


def test_staff_reads_match_the_rows_on_postgres(seeded_pg: tuple) -> None:
    """What the Indicators and Home pages read pushed down to PostgreSQL: the sums by one rule's keys and sex or
    age band, the cube without its dependent keys, and the provenance of the rows (batches, notes, breakdowns)."""
    from dashboard.indicator_view import compute_provenance
    from tests.unit.test_readpath import tidy

    engine, _snap, db_cube = seeded_pg
    period = Period("2025-01", "2026-11")
    facts = queries.fetch_facts(engine, Filters(), period, with_indicator=False)
    for source in (readpath.Reader(engine), db_cube):
        every = readpath.read_cube(source, Filters(), period, with_indicator=False, rule="every")
        assert int(every[queries.ROWS].sum()) == len(facts)
        for rule in ("sum", "unique_max", "latest", "distinct_organisations"):
            for code in sorted(set(facts[C.INDICATOR]))[:4]:
                rows = facts[facts[C.INDICATOR] == code]
                detail = readpath.read_cube(source, Filters(indicator=code), period, dims=(C.SEX,), rule=rule)
                assert compute_total(detail, rule, [C.SEX]).to_dict() == pytest.approx(
                    compute_total(rows, rule, [C.SEX]).to_dict()), (rule, code)
                assert compute_total(every[every[C.INDICATOR] == code], rule) == pytest.approx(
                    compute_total(rows, rule)), (rule, code)
        got = readpath.read_provenance(source, Filters(), period)
        want = compute_provenance(facts)
        assert sorted(tidy(got[want.columns]), key=str) == sorted(tidy(want), key=str)


def test_snapshot_path_is_independent_of_the_url(seeded_pg: tuple) -> None:
    engine, snap, _db_cube = seeded_pg
    assert isinstance(snap.path, Path) and snap.path.exists()
    assert snap.path.name == f"facts-{snapshot.signature(engine)}.parquet"
    assert readpath.count_facts(snap, Filters(), None) == len(queries.fetch_facts(engine, Filters(), None))
    assert C.ID in readpath.read_facts(snap, Filters(), None, limit=5)


def test_a_change_rebuilds_the_database_cube_before_it_is_read_pg(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import cache
    from data_sources.importing import import_file, rollback_batch
    from data_sources.seed import seed
    from tests.unit.test_import_helpers import hxl_csv
    from tests.unit.test_readpath import _cube_matches_the_facts

    monkeypatch.setenv("MHPSS_READ_PATH", "database")
    cache.clear()
    seed(store.get_engine(pg_url), 3_000, today=FIXTURE_TODAY)
    engine = cache.engine(pg_url)
    assert not readpath.database_cube_is_current(engine)
    before = _cube_matches_the_facts(cache.reader(pg_url, cache.data_version(pg_url)))
    batch = import_file(engine, hxl_csv(), "report.csv", today=FIXTURE_TODAY).batch_id
    assert batch is not None and not readpath.database_cube_is_current(engine)
    assert _cube_matches_the_facts(cache.reader(pg_url, cache.data_version(pg_url))) == before + 3
    rollback_batch(engine, batch)
    assert _cube_matches_the_facts(cache.reader(pg_url, cache.data_version(pg_url))) == before
    cache.clear()


def test_app_processes_sharing_a_database_rebuild_its_cube_once_pg(pg_url: str) -> None:
    """Two processes' rebuilds meet at PostgreSQL's advisory lock: the second waits, then finds the cube current."""
    import subprocess
    import sys
    import time

    from sqlalchemy import text

    from data_sources.seed import seed

    engine = store.get_engine(pg_url)
    seed(engine, 3_000, today=FIXTURE_TODAY)
    code = ("import sys; from dashboard import readpath, store; "
            "print(readpath.refresh_database_cube(store.get_engine(sys.argv[1])))")
    waiting = text("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    with engine.connect() as holder:  # a rebuild in progress elsewhere: both processes must wait for it
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": readpath.CUBE_LOCK})
        runs = [subprocess.Popen([sys.executable, "-c", code, pg_url], stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
        deadline = time.monotonic() + 60
        while holder.execute(waiting).scalar_one() < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert holder.execute(waiting).scalar_one() == 2
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": readpath.CUBE_LOCK})
        holder.commit()
    outputs = sorted(run.communicate(timeout=120)[0].strip() for run in runs)
    assert outputs == ["False", "True"]
    assert readpath.database_cube_is_current(engine)
    engine.dispose()


def test_rows_copied_from_postgres_keep_every_value(seeded_pg: tuple) -> None:
    """The database read path reads PostgreSQL through COPY: texts with commas, quotes and line breaks, empty
    texts and NULLs, dates, booleans and numbers come back as the driver would give them."""
    from datetime import date

    from sqlalchemy import Boolean, Date, Float, Integer, String, literal, null, select, union_all

    engine = seeded_pg[0]
    rows = [('a, "quoted"\nsecond line', "", 3, 2.5, True, date(2026, 1, 31)),
            (None, "x", None, None, False, None)]
    stmt = union_all(*(select(*(literal(v, t) if v is not None else null() for v, t in
                                zip(row, (String(), String(), Integer(), Float(), Boolean(), Date()), strict=True)))
                       for row in rows))
    cols = ["note", "empty", "n", "x", "flag", "day"]
    stmt = select(*(c.label(name) for c, name in zip(stmt.subquery().c, cols, strict=True)))
    got = readpath.Reader(engine).frame(stmt)
    assert list(got.columns) == cols
    first, second = got.iloc[0], got.iloc[1]
    assert (first["note"], first["empty"], first["n"], first["x"], bool(first["flag"]), first["day"]) == rows[0]
    assert pd.isna(second["note"]) and second["empty"] == "x" and pd.isna(second["n"]) and pd.isna(second["x"])
    assert not bool(second["flag"]) and pd.isna(second["day"])


def test_alerts_checked_in_parts_match_all_rows_at_once_pg(seeded_pg: tuple) -> None:
    """The alerts of a long period read from PostgreSQL one part of its areas at a time (the parts' rows and the
    rows behind flagged series months come from the database) are those of every row checked at once."""
    from datetime import date

    from dashboard import alert_cache
    from dashboard.quality import compute_alerts, compute_alerts_of

    engine, _, _ = seeded_pg
    period, today = Period("2022-03", "2026-11"), date(2026, 11, 25)
    inputs = (queries.fetch_freshness(engine).last_import, queries.fetch_denominators(engine),
              queries.fetch_reviews(engine))
    database = readpath.Reader(engine)
    assert len(alert_cache.plan_parts(readpath.count_by_place(database, period), 200)) > 2
    got = compute_alerts_of(alert_cache.compute(database, period, today, inputs[1], part_rows=200), today,
                            inputs[0], inputs[2])
    expected = compute_alerts(queries.fetch_facts(engine, Filters(), period, with_indicator=False), today, *inputs)
    assert any(a.check == "outlier" for a in expected)
    assert sorted((a.check, a.message, a.rows) for a in got) == sorted((a.check, a.message, a.rows) for a in expected)
