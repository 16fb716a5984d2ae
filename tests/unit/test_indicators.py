"""Indicator arithmetic: each aggregation rule on small tables with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_breakdown, compute_monthly, compute_plain_sum, compute_target, compute_total


def facts(rows: list[tuple]) -> pd.DataFrame:  # type: ignore[type-arg]
    cols = [C.ORGANISATION, C.ACTIVITY, C.PCODE, C.GROUP, C.MONTH, C.SEX, C.VALUE]
    frame = pd.DataFrame(rows, columns=cols)
    frame[C.AGE] = "all"
    frame[C.DISABILITY] = "all"
    frame[C.IS_DEMO] = False
    return frame


# Two organisations reach refugees in Mazovia (100 and 60): the unique rule keeps 100, the sum says 160.
REACH = facts([
    ("A", "2.1", "PL14", "refugee", "2024-01", "female", 60), ("A", "2.1", "PL14", "refugee", "2024-02", "female", 40),
    ("B", "2.2", "PL14", "refugee", "2024-01", "female", 60),
    ("B", "2.2", "PL14", "host", "2024-01", "male", 30),
    ("C", "1.4", "PL12", "refugee", "2024-02", "male", 25),
])


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", 215.0), ("unique_max", 100.0 + 30.0 + 25.0), ("distinct_organisations", 3.0), ("latest", 40 + 60 + 30 + 25)],
)
def test_compute_total_by_rule(aggregation: str, expected: float) -> None:
    assert compute_total(REACH, aggregation) == expected


def test_unique_rule_by_group() -> None:
    by_area = compute_total(REACH, "unique_max", [C.PCODE])
    assert by_area.to_dict() == {"PL12": 25.0, "PL14": 130.0}


def test_plain_sum_double_counts() -> None:
    assert compute_plain_sum(REACH) == 215.0


def test_monthly_series_fills_missing_months_and_accumulates() -> None:
    monthly = compute_monthly(REACH, "sum", Period("2023-12", "2024-03"))
    assert monthly[C.VALUE].tolist() == [0.0, 150.0, 65.0, 0.0]
    assert monthly["cumulative"].tolist() == [0.0, 150.0, 215.0, 215.0]
    unique = compute_monthly(REACH, "unique_max", Period("2024-01", "2024-02"))
    assert unique["cumulative"].tolist() == [90.0, 155.0]


def test_breakdown_leaves_out_rows_not_disaggregated() -> None:
    frame = pd.concat([REACH, facts([("D", "2.1", "PL14", "refugee", "2024-01", "all", 500)])])
    out = compute_breakdown(frame, "sum", [C.SEX])
    assert dict(zip(out[C.SEX], out[C.VALUE], strict=True)) == {"female": 160.0, "male": 55.0}


TARGETS = pd.DataFrame({
    C.INDICATOR: ["X", "X", "X", "X"], C.PCODE: [None, None, "PL14", "PL12"], C.ISO: [None, None, "PL-MZ", "PL-MA"],
    C.COUNTRY: [None, None, "POL", "POL"], C.ADMIN_LEVEL: [None, None, 1, 1],
    "period_start": pd.to_datetime(["2024-01-01", "2025-01-01", "2024-01-01", "2024-01-01"]).date,
    C.TARGET: [1000.0, 2000.0, 300.0, 200.0],
})


@pytest.mark.parametrize(
    ("filters", "period", "expected"),
    [
        (Filters(), Period("2024-01", "2024-12"), 1000.0),
        (Filters(), Period("2024-06", "2025-03"), 3000.0),
        (Filters(adm1=("PL-MZ",)), Period("2024-01", "2024-12"), 300.0),
        (Filters(countries=("POL",)), Period("2024-01", "2024-12"), 500.0),
        (Filters(countries=("UKR",)), Period("2024-01", "2024-12"), None),
        (Filters(), Period("2023-01", "2023-12"), None),
    ],
)
def test_compute_target(filters: Filters, period: Period, expected: float | None) -> None:
    assert compute_target(TARGETS, "X", filters, period) == expected
    assert compute_target(TARGETS, "Y", filters, period) is None
