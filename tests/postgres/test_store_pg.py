"""The same store checks against the local PostgreSQL server (a throwaway database per test)."""

from __future__ import annotations

from dashboard import store
from tests import store_cases


def test_seed_writes_reference_facts_and_demo_pg(pg_url: str) -> None:
    engine = store.get_engine(pg_url)
    try:
        store_cases.check_seed_writes_reference_and_demo(engine)
    finally:
        engine.dispose()


def test_seeding_twice_duplicates_nothing_pg(pg_url: str) -> None:
    engine = store.get_engine(pg_url)
    try:
        store_cases.check_seed_twice_duplicates_nothing(engine)
    finally:
        engine.dispose()


def test_older_database_upgrades_in_place_pg(pg_url: str) -> None:
    engine = store.get_engine(pg_url)
    sql = store_cases.V1_SQL.read_text().replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY")
    # Rows inserted with explicit ids leave the sequences behind; move them on as a real v1 database would have.
    sql += ";" + ";".join(
        f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), 10)" for t in
        ("organisations", "locations", "activities", "indicators", "import_batches", "facts"))
    try:
        store_cases.check_upgrade_from_v1_keeps_data(engine, sql)
    finally:
        engine.dispose()


def test_app_start_on_an_older_database_fills_the_translations_pg(pg_url: str) -> None:
    engine = store.get_engine(pg_url)
    sql = store_cases.V1_SQL.read_text().replace("id INTEGER PRIMARY KEY", "id SERIAL PRIMARY KEY")
    try:
        store_cases.check_upgrade_fills_translations(engine, pg_url, sql)
    finally:
        engine.dispose()


def test_queries_give_the_same_rows_on_postgresql_and_sqlite(pg_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dashboard.filters import Filters, Period
    from dashboard.indicators import compute_total
    from dashboard.queries import fetch_facts, fetch_freshness

    engines = [store.get_engine(pg_url), store.get_engine(f"sqlite:///{tmp_path / 'same.db'}")]
    try:
        frames = []
        for engine in engines:
            store_cases.seed(engine, 4000, today=store_cases.TODAY)
            frame = fetch_facts(engine, Filters(countries=("POL", "UKR"), org_types=("ingo", "nngo", "un")),
                                Period("2023-01", "2026-11"))
            frames.append(frame.drop(columns=["id", "batch_id"]))
            assert fetch_freshness(engine).rows == 4006
        assert len(frames[0]) > 100
        assert frames[0].equals(frames[1])
        assert compute_total(frames[0], "unique_max") == compute_total(frames[1], "unique_max")
    finally:
        for engine in engines:
            engine.dispose()


def test_seeding_leaves_the_planner_statistics_current_pg(pg_url: str) -> None:
    """Reads right after a seed are planned for the rows written, not for empty tables."""
    from sqlalchemy import text

    from data_sources.seed import seed
    from tests.conftest import FIXTURE_TODAY

    engine = store.get_engine(pg_url)
    try:
        seed(engine, 500, today=FIXTURE_TODAY)
        with engine.connect() as conn:
            estimated = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = 'facts'")).scalar_one()
            stored = conn.execute(text("SELECT count(*) FROM facts")).scalar_one()
        assert stored >= 500 and estimated == stored
    finally:
        engine.dispose()
