"""Reporting-plan and review writes against the local PostgreSQL server."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from dashboard import store
from tests import quality_store_cases as cases


@pytest.mark.parametrize("check", [cases.check_plan_entries, cases.check_bad_plan_entries_write_nothing,
                                   cases.check_reviews, cases.check_report_arrivals])
def test_quality_store_pg(pg_url: str, check: Callable[[Engine], None]) -> None:
    engine = store.get_engine(pg_url)
    try:
        check(engine)
    finally:
        engine.dispose()
