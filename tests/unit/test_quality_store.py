"""Reporting-plan and review writes against SQLite (the same checks run on PostgreSQL in tests/postgres)."""

from __future__ import annotations

from sqlalchemy import Engine

from tests import quality_store_cases as cases


def test_plan_entries_are_added_listed_and_removed(empty_sqlite: Engine) -> None:
    cases.check_plan_entries(empty_sqlite)


def test_bad_plan_entries_write_nothing(empty_sqlite: Engine) -> None:
    cases.check_bad_plan_entries_write_nothing(empty_sqlite)


def test_reviews_are_stored_once_per_item(empty_sqlite: Engine) -> None:
    cases.check_reviews(empty_sqlite)


def test_report_arrivals_include_replaced_reports(empty_sqlite: Engine) -> None:
    cases.check_report_arrivals(empty_sqlite)
