"""The cumulative column of a monthly series (a headline's trend, the Indicators timeline): computed for all
months at once, it must equal the rule applied to every row up to each month, which is what the figure
means (and how it was first computed, month by month)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import queries, store
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_monthly, compute_total

RULES = ["unique_max", "latest", "distinct_organisations"]


def month_by_month(frame: pd.DataFrame, aggregation: str, months: list[str]) -> np.ndarray:
    """The definition: the rule over every row up to the month."""
    out = []
    for month in months:
        upto = frame[frame[C.MONTH] <= month]
        out.append(compute_total(upto, aggregation) if not upto.empty else 0.0)
    return np.array(out, dtype=float)


def rows(*records: tuple[str, str, str, str, str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=[C.ORGANISATION, C.ACTIVITY, C.PCODE, C.GROUP, C.MONTH, C.INDICATOR,
                                          C.VALUE])


TRICKY = rows(
    ("A", "2.1", "PL14", "refugee", "2025-11", "X", 50.0),   # before the period: counts from its first month
    ("A", "2.1", "PL14", "refugee", "2026-01", "X", 10.0),
    ("B", "2.1", "PL14", "refugee", "2026-01", "X", 30.0),
    ("A", "2.1", "PL14", "refugee", "2026-03", "X", 40.0),   # A overtakes B in March
    ("A", "3.2", "PL14", "host", "2026-02", "X", -5.0),      # a negative correction: the max of one negative
    ("B", "3.2", "PL14", "host", "2026-03", "X", 2.0),       # … until B reports in that area and group
    ("C", "2.1", "UA53", "all", "2026-02", "X", float("nan")),  # a missing value
    ("C", "2.1", "UA53", "all", "2026-02", "X", 7.0),
    (None, "2.1", None, "all", "2026-03", "X", 3.0),         # missing keys stay a group of their own
    ("D", "2.1", "UA53", "all", "2026-05", "X", 9.0),        # after the period: never counted
)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("period", [Period("2026-01", "2026-04"), Period("2025-10", "2026-02"),
                                    Period("2026-06", "2026-07")], ids=["period", "before", "after"])
def test_cumulative_is_the_rule_up_to_each_month_on_tricky_rows(rule: str, period: Period) -> None:
    got = compute_monthly(TRICKY, rule, period)
    np.testing.assert_allclose(got["cumulative"].to_numpy(), month_by_month(TRICKY, rule, list(got[C.MONTH])))


def test_the_tricky_rows_mean_what_they_say() -> None:
    got = compute_monthly(TRICKY, "unique_max", Period("2026-01", "2026-04")).set_index(C.MONTH)["cumulative"]
    # January: PL14 refugees max(A 60, B 30) = 60; February adds the host group's -5 and UA53's 7.
    assert got["2026-01"] == 60 and got["2026-02"] == 62
    # March: A reaches 100 (over B), B's 2 hosts replace the -5, and the report without organisation or area
    # adds 3.
    assert got["2026-03"] == 112 and got["2026-04"] == 112


@pytest.fixture(scope="module")
def facts(fixture_db_path: Path) -> pd.DataFrame:
    engine = store.get_engine(f"sqlite:///{fixture_db_path}")
    try:
        return queries.fetch_facts(engine, Filters(), None)
    finally:
        engine.dispose()


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("period", [Period("2026-01", "2026-11"), Period("2022-03", "2026-11"),
                                    Period("2024-07", "2024-09")], ids=["ytd", "everything", "quarter"])
def test_cumulative_equals_the_definition_on_the_demo_data(facts: pd.DataFrame, rule: str, period: Period) -> None:
    for code in ("PPL_REACHED", "REFERRALS"):
        sub = facts[facts[C.INDICATOR] == code]
        sub = sub[sub[C.MONTH].between(period.start, period.end)]
        got = compute_monthly(sub, rule, period)
        want = month_by_month(sub, rule, list(got[C.MONTH]))
        assert want[-1] > 0
        np.testing.assert_allclose(got["cumulative"].to_numpy(), want)
