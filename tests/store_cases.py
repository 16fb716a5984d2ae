"""Store and seeding checks shared by the SQLite tests (tests/unit) and the PostgreSQL tests (tests/postgres)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text

from dashboard import store
from data_sources import catalogue, reference
from data_sources.seed import seed

V1_SQL = Path(__file__).parent / "fixtures" / "schema_v1.sql"
TODAY = date(2026, 11, 25)


def count(engine: Engine, table: str, where: str = "1=1") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table} WHERE {where}")).scalar_one())


def check_seed_writes_reference_and_demo(engine: Engine) -> None:
    summary = seed(engine, 3000, today=TODAY)
    assert summary.reference_facts == len(reference.FACTS)
    assert summary.demo_facts == 3000
    assert count(engine, "facts", "is_demo = FALSE") == len(reference.FACTS)
    assert count(engine, "facts", "is_demo = TRUE") == 3000
    # Every reference fact carries its source; the 250 specialists in Poltava are there.
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT f.value, f.source, l.pcode FROM facts f JOIN indicators i ON f.indicator_id = i.id "
            "JOIN locations l ON f.location_id = l.id WHERE i.code = 'SPECIALISTS_TRAINED' AND f.is_demo = FALSE"
        )).all()
    assert sorted((r.pcode, r.value) for r in rows) == [("LT10", 145.0), ("UA53", 250.0)]
    assert all(r.source for r in rows)
    assert count(engine, "locations", "admin_level = 1") == 53
    assert count(engine, "events", "is_demo = FALSE") == len(reference.EVENTS)
    assert count(engine, "organisations", "is_demo = TRUE") == 60


def check_seed_twice_duplicates_nothing(engine: Engine) -> None:
    seed(engine, 2000, today=TODAY)
    before = {t: count(engine, t) for t in ("facts", "organisations", "events", "targets", "denominators", "locations",
                                            "indicators", "activities")}
    again = seed(engine, 2000, today=TODAY)
    after = {t: count(engine, t) for t in before}
    assert again.reference_facts == 0
    assert after == before
    assert translated(engine, "indicators", "PPL_REACHED")["unit_pl"] == "osób"


def check_upgrade_from_v1_keeps_data(engine: Engine, sql: str) -> None:
    with engine.begin() as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
        assert store.current_schema_version(conn) == 1
    old = store.upgrade(engine)
    assert old == 1
    with engine.connect() as conn:
        assert store.current_schema_version(conn) == store.SCHEMA_VERSION
        fact = conn.execute(select(store.facts.c.value, store.facts.c.source)).one()
        published = conn.execute(select(store.indicators.c.is_published)).scalar_one()
    assert fact.value == 250.0 and fact.source == "Poltava Regional Military Administration"
    assert published is True or published == 1
    # The upgraded schema has the same tables and columns as a new database.
    insp = inspect(engine)
    for table in store.metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == set(table.c.keys()), table.name
    # The v5 indexes: the facts' month (a period filter), the cube table's month and indicator.
    assert "ix_facts_month" in {i["name"] for i in insp.get_indexes("facts")}
    assert {i["name"] for i in insp.get_indexes("fact_cube")} == {i.name for i in store.fact_cube.indexes}
    # The translation columns (v4) start empty: readers fall back to English.
    assert translated(engine, "indicators", "SPECIALISTS_TRAINED") == {f: None for f in INDICATOR_TRANSLATIONS}
    # And it can be seeded on top without losing the old report; seeding writes the translations.
    seed(engine, 500, today=TODAY)
    with engine.connect() as conn:
        kept = conn.execute(select(func.count()).select_from(store.facts).where(store.facts.c.batch_id == 1)).scalar_one()
    assert kept == 1
    assert translated(engine, "indicators", "SPECIALISTS_TRAINED")["name_uk"] == "Фахівці, які пройшли навчання з ПЗПСП"
    assert translated(engine, "activities", "3.2") == {"name_uk": "Навчання та супервізія працівників",
                                                       "name_pl": "Szkolenia i superwizja pracowników"}


INDICATOR_TRANSLATIONS = ("name_uk", "name_pl", "definition_uk", "definition_pl", "unit_uk", "unit_pl")


def translated(engine: Engine, table: str, code: str) -> dict[str, object]:
    """The Ukrainian and Polish columns of one indicator or activity."""
    columns = INDICATOR_TRANSLATIONS if table == "indicators" else ("name_uk", "name_pl")
    t = store.metadata.tables[table]
    with engine.connect() as conn:
        row = conn.execute(select(*(t.c[c] for c in columns)).where(t.c.code == code)).one()
    return dict(zip(columns, row, strict=True))


def check_upgrade_fills_translations(engine: Engine, url: str, sql: str) -> None:
    """The app's first-run set-up on an existing older database upgrades it and fills the translations of
    the stored catalogue rows, leaving the rest of those rows (an edited definition) alone."""
    from dataclasses import replace

    from dashboard.settings import load_settings
    from data_sources.seed import ensure_seeded

    with engine.begin() as conn:
        for statement in sql.split(";"):
            if statement.strip():
                conn.exec_driver_sql(statement)
    assert ensure_seeded(replace(load_settings(), database_url=url)) is False  # not empty: not seeded
    row = translated(engine, "indicators", "SPECIALISTS_TRAINED")
    expected = next(i for i in catalogue.INDICATORS if i.code == "SPECIALISTS_TRAINED")
    assert row == {f: getattr(expected, f) for f in INDICATOR_TRANSLATIONS}
    assert translated(engine, "activities", "3.2")["name_pl"] == "Szkolenia i superwizja pracowników"
    with engine.connect() as conn:
        definition = conn.execute(select(store.indicators.c.definition)).scalar_one()
        assert conn.execute(select(func.count()).select_from(store.indicators)).scalar_one() == 1
    assert definition == "old definition"
