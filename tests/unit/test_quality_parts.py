"""Alerts of a long period checked in parts of whole areas (dashboard.quality.compute_findings_in_parts): the same
alerts as every row checked at once, including the checks that look across areas (an organisation's monthly
series summed over its areas, reports for a future month listed once per organisation and month)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard.quality import (
    Alert,
    Findings,
    compute_alerts,
    compute_alerts_of,
    compute_findings,
    compute_findings_in_parts,
)
from dashboard.quality_completeness import compute_last_due_month
from dashboard.quality_outliers import rows_in
from tests.unit.quality_frames import fact, frame, monthly

TODAY = date(2025, 12, 10)
RECENT = datetime(2025, 12, 1)
DENOMINATORS = pd.DataFrame([
    {C.PCODE: "PL22", "measure": "residents", C.GROUP: "all", "ref_date": date(2024, 12, 31), "value": 150.0},
])


def problems() -> pd.DataFrame:
    """Problems of every kind in three areas (PL14, PL22, LT01)."""
    rows = (
        # In PL14: a breakdown above its total, a duplicate report from two organisations, a fractional count.
        [fact(value=100, month="2025-05", activity="1.1"), fact(value=70, sex="female", month="2025-05", activity="1.1"),
         fact(value=40, sex="male", month="2025-05", activity="1.1"),
         fact(value=300, organisation="Org D1", activity="1.4"), fact(value=300, organisation="Org D2", activity="1.4"),
         fact(value=2.5, organisation="Org F", indicator="REFERRALS")]
        # Org S's series: eight steady months in PL14, then three months in PL22, the last ten times the rest. Only
        # the series over both areas is long enough to judge (each area's alone is too short for the outlier).
        + monthly([100, 104, 98, 101, 99, 103, 97, 100], start="2024-01", organisation="Org S")
        + monthly([102, 99, 1000], start="2024-09", organisation="Org S", pcode="PL22")
        # Org F reports a month that has not started, in two areas: one alert naming both rows.
        + [fact(month="2026-01", organisation="Org F", pcode="PL14"), fact(month="2026-01", organisation="Org F",
                                                                          pcode="LT01")]
        # In PL22: more people reached than live there; overlapping periods from two imports (Org O).
        + [fact(value=200, month="2025-02", organisation="Org P", pcode="PL22"),
           fact(value=60, month="2025-03", organisation="Org O", pcode="PL22", activity="1.3", batch_id=1,
                period_start=date(2025, 3, 1), period_end=date(2025, 5, 31)),
           fact(value=20, month="2025-04", organisation="Org O", pcode="PL22", activity="1.3", batch_id=2)]
        # In LT01: trainings held above specialists trained; a negative value long ago.
        + [fact(indicator="TRAININGS_HELD", value=30, organisation="Org T", pcode="LT01", month="2025-06"),
           fact(indicator="SPECIALISTS_TRAINED", value=12, organisation="Org T", pcode="LT01", month="2025-06"),
           fact(value=-5, organisation="Org N", pcode="LT01", month="2024-03")]
    )
    return frame(*rows)


def in_parts(data: pd.DataFrame, areas: list[tuple[str, ...]]) -> list[pd.DataFrame]:
    return [data[data[C.PCODE].isin(part)] for part in areas]


def compute_alerts_in_parts(parts: list[pd.DataFrame], data: pd.DataFrame, last_import: datetime | None = RECENT,
                            denominators: pd.DataFrame | None = DENOMINATORS) -> list[Alert]:
    """Home's alerts from the findings of ``parts`` (as alert_cache keeps them and the cache reads them)."""
    findings = compute_findings_in_parts(parts, rows_in(data), TODAY, denominators, until=compute_last_due_month(TODAY))
    return compute_alerts_of(findings, TODAY, last_import)


def findings(alerts: list[Alert]) -> list[tuple[str, str, str, tuple[int, ...]]]:
    return sorted((a.severity, a.check, a.message, a.rows) for a in alerts)


@pytest.mark.parametrize("areas", [
    [("PL14",), ("PL22",), ("LT01",)],
    [("LT01", "PL22"), ("PL14",)],
    [("LT01", "PL14", "PL22")],
], ids=["each area a part", "two parts", "one part"])
def test_parts_of_whole_areas_give_the_same_alerts(areas: list[tuple[str, ...]]) -> None:
    data = problems()
    whole = compute_alerts(data, TODAY, RECENT, DENOMINATORS)
    parts = compute_alerts_in_parts(in_parts(data, areas), data)
    assert findings(parts) == findings(whole)
    # Errors first, then the checks in the same order; only alerts of one check may swap places.
    assert [(a.severity, a.check) for a in parts] == [(a.severity, a.check) for a in whole]


def test_the_checks_across_areas_are_found_in_parts() -> None:
    """What a part alone cannot tell: Org S's outlier and jump (its series spans two areas), and Org F's future
    month reported in two areas (one alert, both rows)."""
    data = problems()
    ids = dict(zip(zip(data[C.ORGANISATION], data[C.PCODE], data[C.MONTH], strict=True), data[C.ID], strict=True))
    alerts = compute_alerts_in_parts(in_parts(data, [("PL14",), ("PL22",), ("LT01",)]), data)
    by_check = {check: [a for a in alerts if a.check == check] for check in {a.check for a in alerts}}
    assert {"breakdown_exceeds_total", "duplicate", "fractional_count", "people_within_population", "overlap",
            "indicator_order"} <= set(by_check)
    assert [a.rows for a in by_check["outlier"]] == [(ids["Org S", "PL22", "2024-11"],)]
    assert [a.rows for a in by_check["jump"]] == [(ids["Org S", "PL22", "2024-11"],)]
    assert [a.rows for a in by_check["future_month"]] == [(ids["Org F", "PL14", "2026-01"],
                                                          ids["Org F", "LT01", "2026-01"])]
    assert by_check["future_month"][0].message == "Org F: reports for January 2026, a month that has not started yet (report rows: 2)"


def test_no_parts_no_alerts_but_a_stale_import() -> None:
    assert compute_alerts_in_parts([], problems()) == []
    assert [a.check for a in compute_alerts_in_parts([], problems(), None)] == ["stale"]


def test_findings_from_a_month_on_are_the_same_in_parts() -> None:
    """The Data quality page's findings: rules over the months from ``since`` on only, outliers judged on the
    whole series (the months before ``since`` set the usual level), duplicates from ``since`` on."""
    data = problems()
    since, until = "2024-11", "2025-10"
    whole = compute_findings(data, TODAY, DENOMINATORS, since, until)
    parts = compute_findings_in_parts(in_parts(data, [("PL14",), ("PL22",), ("LT01",)]), rows_in(data), TODAY,
                                      DENOMINATORS, since, until)

    def found(f: Findings) -> list[tuple[object, ...]]:
        return sorted([(v.rule, v.message, v.rows) for v in f.violations]
                      + [(i["check"], i["key"], str(i["detail"]), tuple(i["rows"])) for i in f.items.to_dict("records")])

    assert found(parts) == found(whole)
    rules = {v.rule for v in parts.violations}
    # The breakdown (May 2025) and the future month are in; the negative value of March 2024 is not.
    assert {"breakdown_exceeds_total", "future_month"} <= rules and "impossible_value" not in rules
    assert "impossible_value" in {v.rule for v in compute_findings(data, TODAY, DENOMINATORS, None, until).violations}
    assert min(v.month for v in parts.violations) >= since and min(parts.items[C.MONTH]) >= since
    # Org S's outlier (November 2024) is judged against its earlier months, which are not in the findings.
    assert list(parts.items.loc[parts.items["check"] == "outlier", C.MONTH]) == ["2024-11"]
