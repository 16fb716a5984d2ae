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
