"""Staleness: how old each live source's figures are and the sentence figures that depend on it carry."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard import staleness, store

TODAY = date(2026, 11, 25)
STALE = {"kobo": 2, "activityinfo": 7, "hapi": 45, "unhcr": 7}


@pytest.mark.parametrize(("finished", "sentence", "stale"), [
    (datetime(2026, 11, 16, 23, 59), "UNHCR figures are 9 days old", True),
    (datetime(2026, 11, 18, 6, 0), "UNHCR figures are 7 days old", False),
    (datetime(2026, 11, 24, 6, 0), "UNHCR figures are 1 day old", False),
    (datetime(2026, 11, 25, 0, 1), "UNHCR figures were refreshed today", False),
])
def test_age_and_sentence(finished: datetime, sentence: str, stale: bool) -> None:
    ages = {a.name: a for a in staleness.compute_ages({"unhcr": finished}, TODAY, STALE)}
    assert ages["unhcr"].sentence == sentence and ages["unhcr"].is_stale is stale
    assert ages["kobo"].age_days is None and ages["kobo"].sentence == "" and not ages["kobo"].is_stale


def test_notes_name_only_the_stale_sources_a_frame_depends_on() -> None:
    ages = staleness.compute_ages({"unhcr": datetime(2026, 11, 16), "kobo": datetime(2026, 11, 1),
                                   "hapi": datetime(2026, 11, 1)}, TODAY, STALE)
    denominators = pd.DataFrame({"source": ["UNHCR: Operational Data Portal, Ukraine Refugee Situation",
                                            "HDX HAPI: baseline population (COD-PS)", "demo estimate", None]})
    assert staleness.notes_for(ages, denominators) == ["UNHCR figures are 9 days old"]  # HAPI: 24 days < 45
    facts = pd.DataFrame({"source": ["KoboToolbox: PFA training attendance", "tWG factsheet: 2024"]})
    assert staleness.notes_for(ages, facts) == ["KoboToolbox figures are 24 days old"]
    assert staleness.notes_for(ages, pd.DataFrame({"value": [1]})) == []
    assert staleness.stale_notes(ages) == ["KoboToolbox figures are 24 days old", "UNHCR figures are 9 days old"]
    assert staleness.stale_notes(ages, ["activityinfo"]) == []


@pytest.mark.parametrize(("text", "name"), [
    ("UNHCR: Operational Data Portal, Ukraine Refugee Situation", "unhcr"), ("HDX HAPI: x", "hapi"),
    ("ActivityInfo: Protection cluster 5W", "activityinfo"), ("UNHCR Operational Data Portal", None),
    ("demo estimate", None), (None, None), (float("nan"), None),
])
def test_source_of(text: object, name: str | None) -> None:
    assert staleness.source_of(text) == name


def test_ages_are_read_from_successful_runs_only(empty_sqlite: Engine) -> None:
    store.upgrade(empty_sqlite)
    with empty_sqlite.begin() as conn:
        conn.execute(store.source_runs.insert(), [
            {"source": "unhcr", "started_at": datetime(2026, 11, 10), "finished_at": datetime(2026, 11, 10, 0, 5),
             "status": "success", "rows": 3},
            {"source": "unhcr", "started_at": datetime(2026, 11, 16), "finished_at": datetime(2026, 11, 16, 0, 5),
             "status": "success", "rows": 3},
            {"source": "unhcr", "started_at": datetime(2026, 11, 24), "finished_at": datetime(2026, 11, 24, 0, 5),
             "status": "failed", "rows": 0},
            {"source": "kobo", "started_at": datetime(2026, 11, 24), "finished_at": None, "status": "running",
             "rows": 0},
        ])
    ages = {a.name: a for a in staleness.fetch_source_ages(empty_sqlite, TODAY, STALE)}
    assert ages["unhcr"].age_days == 9 and ages["unhcr"].is_stale  # the failed attempt does not make it fresh
    assert ages["kobo"].age_days is None
