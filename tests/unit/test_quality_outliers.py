"""Outliers (robust z-score) and month-over-month jumps: tables of series with the months they must flag."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.quality_outliers import compute_follow_up, compute_jumps, compute_outliers, compute_robust_z, item_key
from tests.unit.quality_frames import fact, frame, monthly

STEADY = [100, 104, 98, 101, 99, 103, 97, 100]

OUTLIER_CASES = [
    # (case, monthly values from 2024-01, flagged months)
    ("a steady series", STEADY, []),
    ("one month ten times the usual", [*STEADY, 1000], ["2024-09"]),
    ("one month near zero", [*STEADY, 2], ["2024-09"]),
    ("a spike in the middle", [100, 104, 98, 900, 99, 103, 97, 100], ["2024-04"]),
    ("too few months to judge", [100, 104, 98, 1000], []),
    ("a spike smaller than 20 in absolute terms", [10, 10, 11, 10, 10, 10, 10, 25], []),
    ("a 17% seasonal dip is not worth a meeting", [840, 846, 850, 845, 848, 844, 702, 846], []),
    ("constant series with one change (MAD 0, mean deviation used)", [50, 50, 50, 50, 50, 50, 50, 300],
     ["2024-08"]),
    ("gaps are not zeros", [100, None, 104, None, 98, 101, None, 99, 103], []),
]


@pytest.mark.parametrize(("case", "values", "expected"), OUTLIER_CASES, ids=[c[0] for c in OUTLIER_CASES])
def test_outliers(case: str, values: list[float], expected: list[str]) -> None:
    out = compute_outliers(frame(*monthly(values)))
    assert out[C.MONTH].tolist() == expected
    assert set(out["check"]) <= {"outlier"}


def test_modified_z_score_values() -> None:
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 100.0])
    groups = [pd.Series(["a"] * 5)]
    stats = compute_robust_z(values, groups)
    # median 3, absolute deviations 2,1,0,1,97 -> MAD 1; z = 0.6745 * (x - 3)
    assert stats["median"].tolist() == [3.0] * 5
    assert stats["mad"].tolist() == [1.0] * 5
    assert stats["z"].round(4).tolist() == [-1.349, -0.6745, 0.0, 0.6745, 65.4265]


def test_series_are_per_indicator_and_organisation() -> None:
    rows = (monthly([*STEADY, 1000]) + monthly([*STEADY, 100], organisation="Org B")
            + monthly([1000, *STEADY], indicator="REFERRALS"))
    out = compute_outliers(frame(*rows))
    assert list(zip(out[C.INDICATOR], out[C.ORGANISATION], out[C.MONTH], strict=True)) == [
        ("PPL_REACHED", "Org A", "2024-09"), ("REFERRALS", "Org A", "2024-01")]


def test_outlier_lists_every_fact_of_the_month_and_explains() -> None:
    rows = monthly([*STEADY, 700]) + monthly([0] * 8 + [300], activity="2.2")
    out = compute_outliers(frame(*rows))
    assert len(out) == 1
    item = out.iloc[0]
    assert item["rows"] == (9, 18)
    assert item["key"] == "PPL_REACHED|Org A|2024-09"
    assert str(item["detail"]).startswith("1,000 against a usual 100 (robust z-score +")


def test_since_judges_with_history_but_flags_only_recent_months() -> None:
    data = frame(*monthly([100, 1000, 98, 101, 99, 103, 97, 100, 1000]))
    assert compute_outliers(data)[C.MONTH].tolist() == ["2024-02", "2024-09"]
    assert compute_outliers(data, since="2024-06")[C.MONTH].tolist() == ["2024-09"]


JUMP_CASES = [
    ("four times the previous month and +300", [100, 100, 400.5], ["2024-03"]),
    ("exactly four times is not a jump", [100, 100, 400], []),
    ("ten times, but a change below 200", [10, 10, 100], []),
    ("a fall to under a quarter", [1000, 1000, 200], ["2024-03"]),
    ("a gap month is not a jump", [100, None, 1000], []),
    ("a steady series", STEADY, []),
]


@pytest.mark.parametrize(("case", "values", "expected"), JUMP_CASES, ids=[c[0] for c in JUMP_CASES])
def test_jumps(case: str, values: list[float], expected: list[str]) -> None:
    assert compute_jumps(frame(*monthly(values)))[C.MONTH].tolist() == expected


def test_jump_detail_in_words() -> None:
    out = compute_jumps(frame(*monthly([100, 500, 100])))
    assert [str(d) for d in out["detail"]] == ["500, 5.0× the previous month (100)",
                                               "100, down from 500 the month before"]


def test_follow_up_merges_both_checks_newest_first() -> None:
    data = frame(*monthly([100, 104, 98, 101, 99, 103, 97, 100, 1000]))
    out = compute_follow_up(data)
    assert list(zip(out["check"], out[C.MONTH], strict=True)) == [("jump", "2024-09"), ("outlier", "2024-09")]


def test_empty_frame() -> None:
    assert compute_follow_up(frame()).empty
    assert compute_outliers(frame(fact())).empty


def test_long_item_keys_fit_the_store() -> None:
    key = item_key("PPL_REACHED", "x" * 300, "2024-01")
    assert len(key) <= 255
    assert key != item_key("PPL_REACHED", "x" * 299 + "y", "2024-01")
    assert item_key("A", "B", "2024-01") == "A|B|2024-01"
