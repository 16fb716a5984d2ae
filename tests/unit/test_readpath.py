"""The read path: the columnar snapshot and SQL pushed down to the database give the same frames as the
original fact query, for a table of filters; the cube (the snapshot's file and the database's table) gives the
same totals by every indicator rule, and the database's cube is rebuilt after every change before it is read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, update

from dashboard import columns as C
from dashboard import queries, readpath, snapshot, store
from dashboard.figures import STATUS, compute_figure_table, compute_indicator_figures
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_monthly, compute_total
from dashboard.privacy import Audience

CASES = [
    pytest.param(Filters(), Period("2026-01", "2026-11"), id="year-to-date"),
    pytest.param(Filters(), None, id="everything"),
    pytest.param(Filters(countries=("POL",)), Period("2025-01", "2025-12"), id="poland-2025"),
    pytest.param(Filters(adm1=("UA-53", "PL-MZ")), None, id="two-areas"),
    pytest.param(Filters(org_types=("ingo",), layers=(3, 4)), Period("2024-01", "2026-11"), id="org-type-layers"),
    pytest.param(Filters(indicator="PEOPLE_REACHED", sexes=("female",), age_bands=("18-59",)),
                 Period("2023-01", "2026-11"), id="indicator-sex-age"),
    pytest.param(Filters(population_groups=("refugee",), activities=("2.1", "2.2")), None, id="group-activities"),
    pytest.param(Filters(countries=("LTU",), organisations=("nobody",)), None, id="nothing-matches"),
]


@pytest.fixture(scope="module")
def db_cube(engine: Engine) -> readpath.Reader:
    """The database read path with its cube table built for the fixture's data version."""
    readpath.refresh_database_cube(engine)
    return readpath.Reader(engine, database_cube=True)


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_snapshot_and_database_give_the_original_rows(engine: Engine, snap: readpath.Reader, filters: Filters,
                                                      period: Period | None) -> None:
    expected = queries.fetch_facts(engine, filters, period)
    pd.testing.assert_frame_equal(readpath.read_facts(snap, filters, period), expected)
    pd.testing.assert_frame_equal(readpath.read_facts(readpath.Reader(engine), filters, period), expected)
    assert readpath.count_facts(snap, filters, period) == len(expected)


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_cube_totals_equal_the_fact_totals_by_every_rule(engine: Engine, snap: readpath.Reader, db_cube: readpath.Reader,
                                                         filters: Filters, period: Period | None) -> None:
    facts = queries.fetch_facts(engine, filters, period, with_indicator=False)
    for source, rule in [(snap, None), (readpath.Reader(engine), None), (db_cube, None), (snap, "every"),
                         (db_cube, "every")]:
        cube = readpath.read_cube(source, filters, period, with_indicator=False, rule=rule)
        assert cube[queries.ROWS].sum() == len(facts)
        assert len(cube) <= len(facts)
        for rule in ("sum", "unique_max", "latest", "distinct_organisations"):
            for code in sorted(set(facts[C.INDICATOR]))[:4]:
                want = compute_total(facts[facts[C.INDICATOR] == code], rule)
                got = compute_total(cube[cube[C.INDICATOR] == code], rule)
                assert got == pytest.approx(want), (rule, code)
            if period is not None and not facts.empty:
                want_m = compute_monthly(facts, rule, period)
                got_m = compute_monthly(cube, rule, period)
                pd.testing.assert_frame_equal(got_m, want_m)


def test_cube_keeps_a_breakdown_asked_for(snap: readpath.Reader, db_cube: readpath.Reader, engine: Engine) -> None:
    period = Period("2026-01", "2026-11")
    facts = queries.fetch_facts(engine, Filters(), period)
    want = facts.groupby([C.SEX, C.AGE])[C.VALUE].sum()
    for source in (snap, db_cube):
        cube = readpath.read_cube(source, Filters(), period, dims=(C.SEX, C.AGE))
        got = cube.groupby([C.SEX, C.AGE])[C.VALUE].sum()
        pd.testing.assert_series_equal(got, want)


@pytest.mark.parametrize(("filters", "period"), [c for c in CASES if c.values[1] is not None])
def test_staff_figures_from_the_cube_equal_the_figures_from_the_rows(engine: Engine, snap: readpath.Reader,
                                                                     filters: Filters, period: Period) -> None:
    """The Indicators page computes staff figures from the cube, with the sex × age table from sums by those:
    every table of every indicator is what the report rows give."""
    staff, locations = Audience("analyst", 5), queries.fetch_locations(engine)
    catalogue = queries.fetch_indicators(engine)
    for _, row in catalogue.iterrows():
        code, own = str(row["code"]), row["aggregation"] != "distinct_organisations"
        chosen = replace(filters, indicator=code) if own else filters
        want = compute_indicator_figures(readpath.read_facts(snap, chosen, period, with_indicator=own), row, period,
                                         locations, staff)
        got = compute_indicator_figures(
            readpath.read_cube(snap, chosen, period, with_indicator=own), row, period, locations, staff,
            detail=lambda dims, chosen=chosen, own=own, rule=str(row["aggregation"]): readpath.read_cube(
                snap, chosen, period, with_indicator=own, dims=dims, rule=rule))
        assert set(got.tables) == set(want.tables)
        for name, table in want.tables.items():
            keys = [c for c in table.columns if c != C.VALUE]
            pd.testing.assert_frame_equal(got.tables[name].sort_values(keys, ignore_index=True),
                                          table.sort_values(keys, ignore_index=True), check_dtype=False,
                                          obj=f"{code} {name}")
        if want.tables["total"][C.VALUE].iloc[0]:
            assert want.tables["age_sex"].empty or want.tables["age_sex"][C.VALUE].sum() > 0
        # What the page reads for staff: the figure set without the table by sex and age band, and that table
        # apart, when its tab is opened.
        lean = compute_indicator_figures(readpath.read_cube(snap, chosen, period, with_indicator=own), row, period,
                                         locations, staff)
        assert set(lean.tables) == set(want.tables) - {"age_sex"}
        apart = compute_figure_table(readpath.read_cube(snap, chosen, period, with_indicator=own, dims=(C.AGE, C.SEX),
                                                        rule=str(row["aggregation"])), row, "age_sex")
        keys = [C.AGE, C.SEX, STATUS]
        pd.testing.assert_frame_equal(apart.sort_values(keys, ignore_index=True),
                                      want.tables["age_sex"].sort_values(keys, ignore_index=True), check_dtype=False,
                                      obj=f"{code} age_sex read apart")


def test_provenance_names_the_batches_notes_and_breakdowns_of_the_rows(engine: Engine, snap: readpath.Reader,
                                                                        db_cube: readpath.Reader) -> None:
    from dashboard.indicator_view import compute_provenance

    for filters, period in [(Filters(), Period("2026-01", "2026-11")), (Filters(countries=("UKR",)), None),
                            (Filters(countries=("LTU",), organisations=("nobody",)), None)]:
        rows = readpath.read_facts(snap, filters, period)
        want = compute_provenance(rows).sort_values([C.BATCH, C.NOTE], ignore_index=True, na_position="first")
        for source in (snap, db_cube):
            got = readpath.read_provenance(source, filters, period).sort_values([C.BATCH, C.NOTE], ignore_index=True,
                                                                                na_position="first")
            assert sorted(set(got[C.BATCH])) == sorted(set(rows[C.BATCH]))
            assert tidy(got[want.columns]) == tidy(want)
    year = readpath.read_provenance(snap, Filters(), Period("2026-01", "2026-11"))
    assert year["by_sex"].any() and year["by_age"].any() and not year["by_sex"].all()


def tidy(frame: pd.DataFrame) -> list[tuple[object, ...]]:
    """Rows as tuples, a missing value as None however the engine gave it."""
    return [tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False)]


def test_first_reports_and_org_months_match_the_database(engine: Engine, snap: readpath.Reader,
                                                         db_cube: readpath.Reader) -> None:
    flt, period = Filters(countries=("UKR",)), Period("2026-06", "2026-10")
    want = queries.fetch_first_reports(engine, flt).sort_values(C.ORGANISATION, ignore_index=True)
    pairs = {tuple(r) for r in queries.fetch_org_months(engine, flt, period)[[C.ORGANISATION, C.MONTH]].to_numpy()}
    assert pairs
    for source in (snap, db_cube):
        got = readpath.read_first_reports(source, flt).sort_values(C.ORGANISATION, ignore_index=True)
        pd.testing.assert_frame_equal(got[[C.ORGANISATION, C.IS_DEMO, "first_month", "last_month"]],
                                      want[[C.ORGANISATION, C.IS_DEMO, "first_month", "last_month"]])
        got_pairs = {tuple(r) for r in readpath.read_org_months(source, flt, period)[[C.ORGANISATION, C.MONTH]]
                     .to_numpy()}
        assert got_pairs == pairs


def test_a_change_to_the_data_gives_a_new_snapshot(tmp_path: Path, fixture_db_path: Path) -> None:
    import shutil

    shutil.copy(fixture_db_path, tmp_path / "a.db")
    shutil.copy(fixture_db_path, tmp_path / "b.db")
    first, second = (store.get_engine(f"sqlite:///{tmp_path / n}") for n in ("a.db", "b.db"))
    assert snapshot.signature(first) == snapshot.signature(second)  # copies share one file
    before = readpath.read_facts(readpath.Reader(first, snapshot.ensure(first, tmp_path, snapshot.signature(first))),
                                 Filters(), None)
    with first.begin() as conn:  # a rollback-like change: one batch's rows stop being current
        batch = conn.execute(store.import_batches.select().limit(1)).first()
        assert batch is not None
        conn.execute(update(store.import_batches).where(store.import_batches.c.id == batch.id)
                     .values(status="rolled_back"))
        store.bump_data_version(conn)
    sig = snapshot.signature(first)
    assert sig != snapshot.signature(second)
    after = readpath.read_facts(readpath.Reader(first, snapshot.ensure(first, tmp_path, sig)), Filters(), None)
    assert len(after) < len(before)
    assert len(after) == len(queries.fetch_facts(first, Filters(), None))


def test_a_failed_build_leaves_no_file(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(snapshot, "_to_arrow", broken)
    with pytest.raises(RuntimeError):
        snapshot.ensure(engine, tmp_path, "sig")
    assert list(tmp_path.iterdir()) == []


def test_the_snapshot_keeps_a_pre_aggregated_cube_that_answers_without_breakdowns(snap: readpath.Reader) -> None:
    import duckdb

    assert snap.path is not None
    cube_file = snapshot.cube_path(snap.path)
    facts_rows = duckdb.sql(f"SELECT COUNT(*) FROM read_parquet('{snap.path}')").fetchone()
    cube_rows, summed = duckdb.sql(f"SELECT COUNT(*), SUM(rows) FROM read_parquet('{cube_file}')").fetchone()  # type: ignore[misc]
    assert facts_rows is not None and cube_rows < facts_rows[0] == summed
    assert readpath._cube_source(snap, Filters(), ()) is queries.cube_table
    assert readpath._cube_source(snap, Filters(sexes=("female",)), ()) is not queries.cube_table
    assert readpath._cube_source(snap, Filters(), (C.AGE,)) is not queries.cube_table


def test_the_database_cube_holds_the_snapshot_cube(engine: Engine, snap: readpath.Reader,
                                                   db_cube: readpath.Reader) -> None:
    """The database's cube table has the snapshot cube's rows: the same keys, row counts and sums."""
    assert snap.path is not None
    keys = [*queries.CUBE_KEYS, queries.ADM1]
    with engine.connect() as conn:
        table = pd.read_sql(queries.database_cube.select(), conn)
    file = pd.read_parquet(snapshot.cube_path(snap.path))
    table, file = ((frame.astype({k: "str" for k in keys}).sort_values(keys, ignore_index=True)
                    .astype({queries.ROWS: "int64", C.IS_DEMO: "int64"})) for frame in (table, file))
    pd.testing.assert_frame_equal(table[keys + [queries.ROWS, C.IS_DEMO]], file[keys + [queries.ROWS, C.IS_DEMO]])
    assert table[C.VALUE].to_numpy() == pytest.approx(file[C.VALUE].to_numpy())
    assert readpath._cube_source(db_cube, Filters(), ()) is queries.database_cube
    assert readpath._cube_source(db_cube, Filters(age_bands=("0-17",)), ()) is not queries.database_cube
    assert readpath._cube_source(db_cube, Filters(), (C.DISABILITY,)) is not queries.database_cube
    assert readpath._cube_source(readpath.Reader(engine), Filters(), ()) is not queries.database_cube


def _cube_matches_the_facts(reader: readpath.Reader) -> int:
    """Check the database cube's totals against the facts by every rule; return the fact rows behind it."""
    facts = queries.fetch_facts(reader.engine, Filters(), None, with_indicator=False)
    cube = readpath.read_cube(reader, Filters(), None, with_indicator=False)
    assert readpath._cube_source(reader, Filters(), ()) is queries.database_cube
    assert cube[queries.ROWS].sum() == len(facts)
    for rule in ("sum", "unique_max", "latest", "distinct_organisations"):
        assert compute_total(cube, rule) == pytest.approx(compute_total(facts, rule)), rule
    return len(facts)


def test_a_change_rebuilds_the_database_cube_before_it_is_read(fixture_db_url: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """In database mode every import and rollback leaves the cube stale, and the next reader rebuilds it first."""
    from dashboard import cache
    from data_sources.importing import import_file, rollback_batch
    from tests.conftest import FIXTURE_TODAY
    from tests.unit.test_import_helpers import hxl_csv

    monkeypatch.setenv("MHPSS_READ_PATH", "database")
    cache.clear()
    engine = cache.engine(fixture_db_url)
    assert not readpath.database_cube_is_current(engine)  # a database never read in this mode
    before = _cube_matches_the_facts(cache.reader(fixture_db_url, cache.data_version(fixture_db_url)))
    assert readpath.database_cube_is_current(engine)
    assert readpath.refresh_database_cube(engine) is False  # current: nothing to do
    with engine.begin() as conn:  # a new data version that leaves the facts alone (a review, a plan entry)
        store.bump_data_version(conn)
    assert readpath.database_cube_is_current(engine)

    batch = import_file(engine, hxl_csv(), "report.csv", today=FIXTURE_TODAY).batch_id
    assert not readpath.database_cube_is_current(engine)
    assert _cube_matches_the_facts(cache.reader(fixture_db_url, cache.data_version(fixture_db_url))) == before + 3
    assert batch is not None
    rollback_batch(engine, batch)
    assert not readpath.database_cube_is_current(engine)
    assert _cube_matches_the_facts(cache.reader(fixture_db_url, cache.data_version(fixture_db_url))) == before
    cache.clear()


def test_concurrent_readers_rebuild_the_database_cube_once(fixture_db_url: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    engine = store.get_engine(fixture_db_url)
    with ThreadPoolExecutor(3) as pool:
        rebuilt = list(pool.map(lambda _i: readpath.refresh_database_cube(engine), range(3)))
    assert rebuilt.count(True) == 1 and readpath.database_cube_is_current(engine)
    engine.dispose()
