"""The store on SQLite: schema creation, migration from an older version, seeding, errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard import store
from data_sources.__main__ import main as cli
from tests import store_cases


def test_new_database_is_created_at_the_current_schema(empty_sqlite: Engine) -> None:
    assert store.upgrade(empty_sqlite) == 0
    with empty_sqlite.connect() as conn:
        assert store.current_schema_version(conn) == store.SCHEMA_VERSION
        assert store.read_data_version(conn) == 0
        assert store.is_empty(conn)


def test_seed_writes_reference_facts_and_demo(empty_sqlite: Engine) -> None:
    store_cases.check_seed_writes_reference_and_demo(empty_sqlite)


def test_seeding_twice_duplicates_nothing(empty_sqlite: Engine) -> None:
    store_cases.check_seed_twice_duplicates_nothing(empty_sqlite)


def test_older_database_upgrades_in_place_without_losing_data(empty_sqlite: Engine) -> None:
    store_cases.check_upgrade_from_v1_keeps_data(empty_sqlite, store_cases.V1_SQL.read_text())


def test_app_start_on_an_older_database_fills_the_translations(empty_sqlite: Engine) -> None:
    store_cases.check_upgrade_fills_translations(empty_sqlite, str(empty_sqlite.url), store_cases.V1_SQL.read_text())


def test_reseeding_updates_changed_translations(empty_sqlite: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from data_sources import catalogue
    from data_sources.seed import seed

    seed(empty_sqlite, 0, today=store_cases.TODAY)
    first, *rest = catalogue.INDICATORS
    monkeypatch.setattr(catalogue, "INDICATORS", (replace(first, name_pl="Nowa nazwa", definition_uk=""), *rest))
    seed(empty_sqlite, 0, today=store_cases.TODAY)
    row = store_cases.translated(empty_sqlite, "indicators", first.code)
    assert row["name_pl"] == "Nowa nazwa"
    assert row["definition_uk"] is None  # an empty translation is stored as NULL: readers get English
    assert row["name_uk"] == first.name_uk


def test_catalogue_has_every_translation() -> None:
    from data_sources import catalogue

    for item in (*catalogue.INDICATORS, *catalogue.ACTIVITIES):
        table = "indicators" if isinstance(item, catalogue.Indicator) else "activities"
        for name in catalogue.TRANSLATED_FIELDS[table]:
            english = getattr(item, name)
            for lang in catalogue.LANGUAGES:
                text = getattr(item, f"{name}_{lang}")
                assert text.strip() and text != english, (item.code, name, lang)
    # Ukrainian in Cyrillic, Polish with Polish letters somewhere in the catalogue (not English left in place).
    assert all(any("а" <= ch <= "я" for ch in i.name_uk.lower()) for i in (*catalogue.INDICATORS, *catalogue.ACTIVITIES))
    assert any(ch in "ąćęłńóśźż" for i in catalogue.INDICATORS for ch in i.definition_pl)


def test_newer_database_than_code_is_refused(empty_sqlite: Engine) -> None:
    store.upgrade(empty_sqlite)
    with empty_sqlite.begin() as conn:
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version").values(value="99"))
    with pytest.raises(store.StoreError, match="newer than this code"):
        store.upgrade(empty_sqlite)


def test_every_write_changes_the_data_version(empty_sqlite: Engine) -> None:
    store.upgrade(empty_sqlite)
    with empty_sqlite.begin() as conn:
        first = store.bump_data_version(conn)
        second = store.bump_data_version(conn)
    assert second == first + 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a valid database URL"),
        ("nosuchdb://user@host/db", "driver that is not installed or not known"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/x", "cannot connect"),
        ("sqlite:////proc/no/such/dir/x.db", "MHPSS_DATABASE_URL"),
    ],
)
def test_bad_database_url_gives_one_clear_message(url: str, message: str) -> None:
    with pytest.raises(store.StoreError, match=message):
        store.get_engine(url)


def test_cli_seed_demo_and_bad_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cli.db"
    assert cli(["seed-demo", "--rows", "1500", "--db", f"sqlite:///{db}"]) == 0
    assert "1,500 demo fact rows" in capsys.readouterr().out
    assert cli(["seed-demo", "--rows", "10", "--db", "bogus://x"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: MHPSS_DATABASE_URL") and "Traceback" not in err


def test_cli_seed_demo_reports_up_to_the_pinned_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MHPSS_TODAY pins the reporting date for the app; the demo data it seeds must end there too, not today."""
    from sqlalchemy import text

    db = tmp_path / "pinned.db"
    monkeypatch.setenv("MHPSS_TODAY", "2025-06-15")
    assert cli(["seed-demo", "--rows", "1500", "--db", f"sqlite:///{db}"]) == 0
    engine = store.get_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        last = conn.execute(text("SELECT MAX(period_month) FROM facts WHERE is_demo")).scalar_one()
    engine.dispose()
    assert "2025-04" <= last <= "2025-06"


def test_relative_sqlite_path_resolves_from_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard.settings import REPO_ROOT, load_settings

    monkeypatch.setenv("MHPSS_DATABASE_URL", "sqlite:///data/other.db")
    assert load_settings().database_url == f"sqlite:///{REPO_ROOT / 'data' / 'other.db'}"


def test_reseeding_changed_reference_keeps_other_denominators(empty_sqlite: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import date

    from sqlalchemy import select

    from data_sources import reference
    from data_sources.seed import seed

    seed(empty_sqlite, 0, today=store_cases.TODAY)
    with empty_sqlite.begin() as conn:
        pl = conn.execute(select(store.locations.c.id).where(store.locations.c.pcode == "PL14")).scalar_one()
        conn.execute(store.denominators.insert().values(
            location_id=pl, measure="refugees_present", population_group="refugee", ref_date=date(2025, 12, 31),
            value=190_000, source="UNHCR: sublocation", is_demo=False))
    changed = (*reference.EVENTS[:-1],)
    monkeypatch.setattr(reference, "EVENTS", changed)
    assert seed(empty_sqlite, 0, today=store_cases.TODAY).reference_facts == len(reference.FACTS)
    assert store_cases.count(empty_sqlite, "denominators", "source = 'UNHCR: sublocation'") == 1
    assert store_cases.count(empty_sqlite, "events", "is_demo = FALSE") == len(changed)
