"""Completeness and timeliness: deadlines, who is expected, statuses, the trend and the matrix."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.quality_completeness import (
    FIRST_IMPORT,
    LATE,
    MISSING,
    NOT_DUE,
    ON_TIME,
    compute_backfills,
    compute_completeness,
    compute_deadline,
    compute_expected,
    compute_last_due_month,
    compute_matrix,
    compute_trend,
    is_late,
    months_between,
)

TODAY = date(2025, 6, 20)
MONTHS = months_between("2025-03", "2025-06")


def arrivals(*rows: tuple[str, str, str, int]) -> pd.DataFrame:
    """(organisation, month, first import finished 'YYYY-MM-DD HH:MM', batch id) rows."""
    return pd.DataFrame([{C.ORGANISATION: o, C.MONTH: m, FIRST_IMPORT: pd.Timestamp(t), C.BATCH: b}
                         for o, m, t, b in rows], columns=[C.ORGANISATION, C.MONTH, FIRST_IMPORT, C.BATCH])


def plan(*rows: tuple[str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame([{C.ORGANISATION: o, "month_from": f, "month_to": t} for o, f, t in rows],
                        columns=[C.ORGANISATION, "month_from", "month_to"])


DEADLINE_CASES = [
    ("2025-03", date(2025, 4, 15)),
    ("2024-12", date(2025, 1, 15)),
    ("2024-02", date(2024, 3, 15)),
]


@pytest.mark.parametrize(("month", "deadline"), DEADLINE_CASES)
def test_deadline_is_the_15th_of_the_following_month(month: str, deadline: date) -> None:
    assert compute_deadline(month) == deadline


LATE_CASES = [
    ("2025-03", datetime(2025, 4, 10, 9, 0), False),
    ("2025-03", datetime(2025, 4, 15, 23, 59), False),  # any time on the 15th is on time
    ("2025-03", datetime(2025, 4, 16, 0, 1), True),
    ("2025-03", datetime(2025, 3, 20), False),  # reported early, within the month
    ("2024-12", datetime(2025, 1, 16), True),  # across the year
    ("2025-03", None, False),  # an unknown finish time is not called late
]


@pytest.mark.parametrize(("month", "finished", "late"), LATE_CASES)
def test_late_rule(month: str, finished: datetime | None, late: bool) -> None:
    assert is_late(month, finished) is late


def test_expected_from_recent_reports_and_from_the_plan() -> None:
    got = arrivals(("Org A", "2025-01", "2025-02-01", 1), ("Org B", "2025-05", "2025-06-01", 2))
    expected = compute_expected(got, plan(("Org C", "2025-04", "2025-05"), ("Org D", "2025-06", None)), MONTHS)
    pairs = {(r.organisation, r.month, r.by_history, r.by_plan) for r in expected.itertuples()}
    assert pairs == {
        # Org A reported for January: expected in February, March and April (3 months back).
        ("Org A", "2025-03", True, False), ("Org A", "2025-04", True, False),
        ("Org B", "2025-06", True, False),
        ("Org C", "2025-04", False, True), ("Org C", "2025-05", False, True),
        ("Org D", "2025-06", False, True),
    }


def status_of(table: pd.DataFrame, org: str, month: str) -> str:
    row = table[(table[C.ORGANISATION] == org) & (table[C.MONTH] == month)]
    return str(row["status"].iloc[0]) if len(row) else "(no row)"


STATUS_CASES = [
    # (case, arrivals, plan, organisation, month, status)
    ("reported by the deadline", [("Org A", "2025-03", "2025-04-15 12:00", 1)], [], "Org A", "2025-03", ON_TIME),
    ("reported after the deadline", [("Org A", "2025-03", "2025-04-16 08:00", 1)], [], "Org A", "2025-03", LATE),
    ("expected from history, no report, deadline passed", [("Org A", "2025-03", "2025-04-01", 1)], [], "Org A",
     "2025-04", MISSING),
    ("expected, no report, deadline passed five days ago", [("Org A", "2025-03", "2025-04-01", 1)], [], "Org A",
     "2025-05", MISSING),
    ("expected three months on, deadline not yet passed", [("Org A", "2025-03", "2025-04-01", 1)], [], "Org A",
     "2025-06", NOT_DUE),
    ("the current month is never missing", [("Org A", "2025-05", "2025-06-01", 1)], [], "Org A", "2025-06",
     NOT_DUE),
    ("in the plan, never reported", [], [("Org P", "2025-03", None)], "Org P", "2025-03", MISSING),
    ("reported without being expected", [("Org N", "2025-04", "2025-05-02", 1)], [], "Org N", "2025-04", ON_TIME),
    ("not expected and no report: no row", [], [], "Org Z", "2025-04", "(no row)"),
    ("history older than three months does not count",
     [("Org A", "2025-01", "2025-02-01", 1)], [], "Org A", "2025-05", "(no row)"),
    ("a corrected report: the first import decides",
     [("Org A", "2025-03", "2025-04-10", 1), ("Org A", "2025-03", "2025-05-20", 2)], [], "Org A", "2025-03",
     ON_TIME),
]


@pytest.mark.parametrize(("case", "got", "planned", "org", "month", "status"), STATUS_CASES,
                         ids=[c[0] for c in STATUS_CASES])
def test_statuses(case: str, got: list[tuple[str, str, str, int]], planned: list[tuple[str, str, str | None]],
                  org: str, month: str, status: str) -> None:
    table = compute_completeness(arrivals(*got), plan(*planned), MONTHS, TODAY)
    assert status_of(table, org, month) == status


def test_trend_counts_and_percentages() -> None:
    got = arrivals(
        ("Org A", "2025-02", "2025-03-10", 1), ("Org B", "2025-02", "2025-03-10", 1),
        ("Org C", "2025-02", "2025-03-10", 1), ("Org D", "2025-02", "2025-03-10", 1),
        ("Org A", "2025-03", "2025-04-10", 2), ("Org B", "2025-03", "2025-04-20", 3),
        ("Org C", "2025-03", "2025-04-10", 2), ("Org E", "2025-03", "2025-04-10", 2),
    )
    table = compute_completeness(got, plan(), ["2025-03"], TODAY)
    trend = compute_trend(table, ["2025-03"])
    row = trend.iloc[0]
    assert (row["expected"], row["reported"], row["on_time"], row["late"], row["missing"], row["new"]) == (
        4, 3, 2, 1, 1, 1)
    assert row["completeness_pct"] == 75.0
    assert row["on_time_pct"] == 50.0
    assert not row["open"]


def test_trend_of_a_month_nobody_was_expected_in() -> None:
    trend = compute_trend(compute_completeness(arrivals(), plan(), ["2025-03"], TODAY), ["2025-03"])
    assert trend["expected"].tolist() == [0]
    assert trend["completeness_pct"].isna().all()


def test_matrix_lists_most_missing_first() -> None:
    got = arrivals(("Org A", "2025-02", "2025-03-01", 1), ("Org B", "2025-02", "2025-03-01", 1),
                   ("Org B", "2025-03", "2025-04-01", 1), ("Org B", "2025-04", "2025-05-20", 2))
    months = ["2025-03", "2025-04", "2025-05"]
    matrix = compute_matrix(compute_completeness(got, plan(), months, TODAY), months)
    assert matrix.to_dict("records") == [
        {C.ORGANISATION: "Org A", "2025-03": MISSING, "2025-04": MISSING, "2025-05": MISSING},
        {C.ORGANISATION: "Org B", "2025-03": ON_TIME, "2025-04": LATE, "2025-05": MISSING},
    ]


def test_backfills_are_batches_with_many_months() -> None:
    got = arrivals(*[("Org A", m, "2025-06-01", 7) for m in months_between("2024-01", "2024-12")],
                   ("Org B", "2025-05", "2025-06-01", 8))
    assert compute_backfills(got).to_dict("records") == [
        {C.BATCH: 7, "months": 12, "first_month": "2024-01", "last_month": "2024-12"}]


def test_months_between() -> None:
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert months_between("2025-02", "2025-01") == []


LAST_DUE_CASES = [
    (date(2026, 11, 25), "2026-10"),  # October was due on 15 November
    (date(2026, 11, 15), "2026-09"),  # the due day itself: October is still on time
    (date(2026, 11, 16), "2026-10"),
    (date(2026, 1, 20), "2025-12"),
    (date(2026, 1, 5), "2025-11"),
]


@pytest.mark.parametrize(("today", "month"), LAST_DUE_CASES)
def test_last_due_month(today: date, month: str) -> None:
    assert compute_last_due_month(today) == month
