"""Duplicates and double counting: tables of cases with the items each check must raise."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from dashboard import columns as C
from dashboard.quality_duplicates import (
    compute_duplicate_reports,
    compute_duplicates,
    compute_near_duplicates,
    compute_overlaps,
)
from tests.unit.quality_frames import fact, frame

A, B, X = {C.ORGANISATION: "Org A"}, {C.ORGANISATION: "Org B"}, {C.ORGANISATION: "Org C"}
F, M = {C.SEX: "female"}, {C.SEX: "male"}


def cells(org: dict[str, str], female: float, male: float, **extra: Any) -> list[dict[str, Any]]:
    return [fact(value=female, **org, **F, **extra), fact(value=male, **org, **M, **extra)]


DUPLICATE_CASES = [
    # (case, rows, expected items as (organisations, fact ids))
    ("implementing and reporting partner send the same report", cells(A, 60, 40) + cells(B, 60, 40),
     [(("Org A", "Org B"), (1, 2, 3, 4))]),
    ("same total, different cells", cells(A, 60, 40) + cells(B, 40, 60), []),
    ("same cells, one cell missing", cells(A, 60, 40) + [fact(value=60, **B, **F)], []),
    ("same report from three organisations", cells(A, 60, 40) + cells(B, 60, 40) + cells(X, 60, 40),
     [(("Org A", "Org B", "Org C"), (1, 2, 3, 4, 5, 6))]),
    ("same values in another area", cells(A, 60, 40) + cells(B, 60, 40, pcode="PL12"), []),
    ("same values for another activity", cells(A, 60, 40) + cells(B, 60, 40, activity="2.2"), []),
    ("same values for another month", cells(A, 60, 40) + cells(B, 60, 40, month="2025-04"), []),
    ("small reports coincide by chance (5 trainings each)", [fact(value=5, **A), fact(value=5, **B)], []),
    ("a single-cell report of 12 from two organisations", [fact(value=12, **A), fact(value=12, **B)],
     [(("Org A", "Org B"), (1, 2))]),
    ("one organisation's own rows are not a duplicate", cells(A, 60, 40) + cells(A, 60, 40, activity="2.2"), []),
    ("reports without an activity", [fact(value=30, activity=None, **A), fact(value=30, activity=None, **B)],
     [(("Org A", "Org B"), (1, 2))]),
]


@pytest.mark.parametrize(("case", "rows", "expected"), DUPLICATE_CASES, ids=[c[0] for c in DUPLICATE_CASES])
def test_duplicate_reports(case: str, rows: list[dict[str, Any]], expected: list[tuple[tuple[str, ...], tuple[int, ...]]]
                           ) -> None:
    out = compute_duplicate_reports(frame(*rows))
    assert list(zip(out["organisations"], out["rows"], strict=True)) == expected


NEAR_CASES = [
    ("values within 2%", [fact(value=1000, **A), fact(value=985, **B)], [(("Org A", "Org B"), (1, 2))]),
    ("values 3% apart", [fact(value=1000, **A), fact(value=970, **B)], []),
    ("equal but small values (2% of 20 is less than a person)", [fact(value=20, **A), fact(value=20, **B)], []),
    ("within 2% but different breakdown cells", [fact(value=100, **A, **F), fact(value=100, **B, **M)], []),
    ("one matching row in otherwise different reports",
     cells(A, 500, 40) + cells(B, 495, 90), [(("Org A", "Org B"), (1, 3))]),
    ("same organisation, two activities", [fact(value=100, **A), fact(value=100, activity="2.2", **A)], []),
    ("one matching row of three is a coincidence",
     [*cells(A, 500, 40), fact(value=30, sex="other", **A), *cells(B, 495, 90), fact(value=70, sex="other", **B)],
     []),
    ("two matching rows of three",
     [*cells(A, 500, 400), fact(value=30, sex="other", **A), *cells(B, 495, 404), fact(value=70, sex="other", **B)],
     [(("Org A", "Org B"), (1, 2, 4, 5))]),
]


@pytest.mark.parametrize(("case", "rows", "expected"), NEAR_CASES, ids=[c[0] for c in NEAR_CASES])
def test_near_duplicates(case: str, rows: list[dict[str, Any]], expected: list[tuple[tuple[str, ...], tuple[int, ...]]]
                         ) -> None:
    out = compute_near_duplicates(frame(*rows))
    assert list(zip(out["organisations"], out["rows"], strict=True)) == expected


def test_exact_duplicates_are_not_also_near_duplicates() -> None:
    data = frame(*cells(A, 600, 400), *cells(B, 600, 400))
    out = compute_duplicates(data)
    assert out["check"].tolist() == ["duplicate"]
    assert str(out.iloc[0]["detail"]) == ("Org A and Org B reported the same figures adding up to 1,000 (cells: 2): "
                                          "probably one activity reported by the implementing and the reporting "
                                          "partner")


def q1(**extra: Any) -> dict[str, Any]:
    return fact(month="2025-01", period_start=date(2025, 1, 1), period_end=date(2025, 3, 31), **extra)


OVERLAP_CASES = [
    ("a quarter in one import, a month of it in another",
     [q1(value=90, batch_id=1), fact(month="2025-02", value=30, batch_id=2)], [(1, 2)]),
    ("the same overlap within one import is not this check",
     [q1(value=90, batch_id=1), fact(month="2025-02", value=30, batch_id=1)], []),
    ("consecutive months from two imports", [fact(month="2025-01", batch_id=1), fact(month="2025-02", batch_id=2)],
     []),
    ("periods touching on one day overlap",
     [fact(month="2025-01", period_end=date(2025, 2, 1), batch_id=1), fact(month="2025-02", batch_id=2)], [(1, 2)]),
    ("another organisation's report", [q1(value=90, batch_id=1), fact(month="2025-02", batch_id=2, **B)], []),
    ("another breakdown cell", [q1(value=90, batch_id=1), fact(month="2025-02", batch_id=2, **F)], []),
    ("another area", [q1(value=90, batch_id=1), fact(month="2025-02", batch_id=2, pcode="PL12")], []),
]


@pytest.mark.parametrize(("case", "rows", "expected"), OVERLAP_CASES, ids=[c[0] for c in OVERLAP_CASES])
def test_overlapping_periods(case: str, rows: list[dict[str, Any]], expected: list[tuple[int, ...]]) -> None:
    out = compute_overlaps(frame(*rows))
    assert out["rows"].tolist() == expected


def test_overlap_detail_names_periods_and_imports() -> None:
    out = compute_overlaps(frame(q1(value=90, batch_id=1), fact(month="2025-02", value=30, batch_id=2)))
    assert str(out.iloc[0]["detail"]) == ("Org A: 1 January 2025 to 31 March 2025 (import #1, 90) overlaps "
                                          "1 February 2025 to 28 February 2025 (import #2, 30); the overlap is "
                                          "counted twice")


def test_no_items_on_an_empty_frame() -> None:
    assert compute_duplicates(frame()).empty
