"""Figures that depend on a stale live source say so on the page ("UNHCR figures are 20 days old")."""

from __future__ import annotations

import os
from datetime import date, datetime

from sqlalchemy import select

from dashboard import store
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
