"""Figures that depend on a stale live source say so on the page ("UNHCR figures are 20 days old")."""

from __future__ import annotations

import os
from datetime import date, datetime

import pytest
from sqlalchemy import select

from dashboard import queries, store
from dashboard.filters import Filters
from dashboard.map_page import pick_map_indicator
from tests.pages.conftest import no_exception, run_page


def add_unhcr_denominator(refreshed: datetime) -> None:
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.begin() as conn:
        pl = conn.execute(select(store.locations.c.id).where(store.locations.c.pcode == "PL14")).scalar_one()
        conn.execute(store.denominators.insert().values(
            location_id=pl, measure="refugees_present", population_group="refugee", ref_date=date(2026, 10, 31),
            value=190_000, source="UNHCR: Operational Data Portal, Ukraine Refugee Situation", is_demo=False))
        conn.execute(store.source_runs.insert().values(
            source="unhcr", started_at=refreshed, finished_at=refreshed, status="success", rows=1))
        store.bump_data_version(conn)
    engine.dispose()


def captions(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(c.value for c in at.caption)


def test_map_says_when_its_unhcr_denominators_are_stale() -> None:
    add_unhcr_denominator(datetime(2026, 11, 5, 9, 0))
    at = run_page("pages/3_Map.py")
    no_exception(at)
    assert "UNHCR figures are 20 days old" in captions(at)


def test_fresh_source_gives_no_note() -> None:
    add_unhcr_denominator(datetime(2026, 11, 24, 9, 0))
    at = run_page("pages/3_Map.py")
    no_exception(at)
    assert "UNHCR figures" not in captions(at)


def mark_facts_from_kobo(month_from: str, month_to: str, refreshed: datetime, indicator: str | None = None) -> None:
    """Say the facts of those months (of one ``indicator``, or all) came from KoboToolbox (last refreshed at
    ``refreshed``), as a committed batch of that source would: a new batch row, so the read path sees new facts."""
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.begin() as conn:
        batch = conn.execute(store.import_batches.insert().values(
            source="kobo", started_at=refreshed, finished_at=refreshed, rows=0, status="committed",
            content_hash=f"kobo {month_from}..{month_to} {indicator}")).inserted_primary_key[0]
        f = store.facts
        chosen = f.c.period_month.between(month_from, month_to)
        if indicator:
            chosen &= f.c.indicator_id == select(store.indicators.c.id).where(
                store.indicators.c.code == indicator).scalar_subquery()
        conn.execute(f.update().where(chosen).values(source="KoboToolbox: form MHPSS 4W", batch_id=batch))
        conn.execute(store.source_runs.insert().values(
            source="kobo", started_at=refreshed, finished_at=refreshed, status="success", rows=1))
        store.bump_data_version(conn)
    engine.dispose()


@pytest.mark.parametrize("view", ["staff", "public"])
def test_home_says_when_its_period_figures_come_from_a_stale_source(view: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    if view == "public":
        monkeypatch.setenv("MHPSS_VIEW", "public")
    mark_facts_from_kobo("2026-01", "2026-11", datetime(2026, 11, 5, 9, 0))
    at = run_page("Home.py")  # year to date: the Kobo months
    no_exception(at)
    assert "KoboToolbox figures are 20 days old" in captions(at)


def test_home_names_no_source_that_only_the_previous_period_used() -> None:
    # Home reads the period before too (for the change against it); only the period's own sources count.
    mark_facts_from_kobo("2025-01", "2025-12", datetime(2026, 11, 5, 9, 0))
    at = run_page("Home.py")
    no_exception(at)
    assert "KoboToolbox figures" not in captions(at)
    assert "KoboToolbox figures are 20 days old" in captions(run_page("Home.py", period="all"))


def test_the_map_names_the_stale_sources_of_the_indicator_it_shows() -> None:
    mark_facts_from_kobo("2026-01", "2026-11", datetime(2026, 11, 5, 9, 0), indicator="TRAININGS_HELD")
    shown = run_page("pages/3_Map.py", indicator="TRAININGS_HELD")
    no_exception(shown)
    assert "KoboToolbox figures are 20 days old" in captions(shown)
    other = run_page("pages/3_Map.py")  # no indicator chosen: the map shows the first headline indicator
    no_exception(other)
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    assert pick_map_indicator(queries.fetch_indicators(engine), Filters()) != "TRAININGS_HELD"
    engine.dispose()
    assert "KoboToolbox figures" not in captions(other)
