"""Home's alerts: every check feeds them, errors first, reviewed items left out."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import i18n
from dashboard.quality import check_label, check_stale, compute_alerts, compute_items, compute_review_status
from tests.unit.quality_frames import fact, frame, monthly

TODAY = date(2025, 12, 10)
RECENT = datetime(2025, 12, 1)


def problem_frame() -> pd.DataFrame:
    """A breakdown above its total, a duplicate report, an outlier month and a fractional count."""
    rows = (
        [fact(value=100, month="2025-05", activity="1.1"), fact(value=70, sex="female", month="2025-05",
                                                                  activity="1.1"),
         fact(value=40, sex="male", month="2025-05", activity="1.1")]
        + monthly([100, 104, 98, 101, 99, 103, 97, 100, 1000], organisation="Org S")
        + [fact(value=300, organisation="Org D1", activity="1.4"), fact(value=300, organisation="Org D2",
                                                                        activity="1.4")]
        + [fact(value=2.5, organisation="Org F", indicator="REFERRALS")]
    )
    return frame(*rows)


def test_every_check_feeds_the_alerts_errors_first() -> None:
    alerts = compute_alerts(problem_frame(), TODAY, RECENT)
    assert [(a.severity, a.check) for a in alerts] == [
        ("error", "breakdown_exceeds_total"), ("warning", "fractional_count"), ("warning", "duplicate"),
        ("warning", "outlier"), ("warning", "jump")]
    assert alerts[0].rows == (1, 2, 3)
    assert alerts[2].message.startswith("PPL_REACHED · PL14 · 2025-03: Org D1 and Org D2 reported the same")
    assert alerts[3].message.startswith("Org S · PPL_REACHED · 2024-09: 1,000 against a usual 100")


def test_reviewed_items_leave_the_alerts() -> None:
    reviews = pd.DataFrame([{"check_name": "outlier", "item_key": "PPL_REACHED|Org S|2024-09", "status": "reviewed",
                             "comment": "campaign month", "reviewed_by": "x", "reviewed_at": datetime(2025, 12, 2)},
                            {"check_name": "jump", "item_key": "PPL_REACHED|Org S|2024-09", "status": "open",
                             "comment": None, "reviewed_by": "x", "reviewed_at": datetime(2025, 12, 3)}])
    checks = [a.check for a in compute_alerts(problem_frame(), TODAY, RECENT, reviews=reviews)]
    assert "outlier" not in checks and "jump" in checks


def test_review_status_joins_comments() -> None:
    items = compute_items(problem_frame())
    reviews = pd.DataFrame([{"check_name": "duplicate", "item_key": items.loc[items["check"] == "duplicate",
                                                                                 "key"].iloc[0],
                             "status": "reviewed", "comment": "two partners, one activity", "reviewed_by": "WHO",
                             "reviewed_at": datetime(2025, 12, 2)}])
    status = compute_review_status(items, reviews)
    dup = status[status["check"] == "duplicate"].iloc[0]
    assert (dup["status"], dup["comment"]) == ("reviewed", "two partners, one activity")
    assert set(status.loc[status["check"] != "duplicate", "status"]) == {"open"}


def test_denominators_add_the_population_rule() -> None:
    dens = pd.DataFrame([{C.PCODE: "PL14", "measure": "residents", C.GROUP: "all", "ref_date": date(2024, 1, 1),
                          "value": 50.0}])
    data = frame(fact(value=80))
    assert [a.check for a in compute_alerts(data, TODAY, RECENT)] == []
    assert [a.check for a in compute_alerts(data, TODAY, RECENT, denominators=dens)] == ["people_within_population"]


STALE_CASES = [
    (None, ["No import has been committed yet."]),
    (datetime(2025, 10, 1), ["The last import was 70 days ago."]),
    (datetime(2025, 10, 26), []),  # 45 days: not yet stale
]


@pytest.mark.parametrize(("last_import", "messages"), STALE_CASES)
def test_stale(last_import: datetime | None, messages: list[str]) -> None:
    assert [a.message for a in check_stale(last_import, TODAY)] == messages


def test_stale_comes_before_other_warnings() -> None:
    alerts = compute_alerts(problem_frame(), TODAY, None)
    assert [a.check for a in alerts][:3] == ["breakdown_exceeds_total", "stale", "fractional_count"]


def test_months_still_being_reported_are_not_judged_for_outliers() -> None:
    """A partial current month looks like a drop: Home leaves months not yet due out of the outlier checks."""
    data = frame(*monthly([100, 104, 98, 101, 99, 103, 97, 100, 5], start="2025-03"))  # 2025-11 is partial
    items = compute_items(data)
    assert list(zip(items["check"], items["month"], strict=True)) == [("outlier", "2025-11")]
    assert compute_items(data, until="2025-10").empty
    assert [a.check for a in compute_alerts(data, TODAY, RECENT)] == []


def test_alerts_read_in_ukrainian_and_polish() -> None:
    """The same alerts, read in another language: where (codes) stays, what is wrong is translated."""
    alerts = compute_alerts(problem_frame(), TODAY, datetime(2025, 10, 1))
    stale = next(a for a in alerts if a.check == "stale")
    outlier = next(a for a in alerts if a.check == "outlier")
    with i18n.language("uk"):
        assert stale.message == "Останній імпорт був 70 днів тому."
        assert outlier.message.startswith("Org S · PPL_REACHED · 2024-09: 1\xa0000 при звичному рівні 100 (робастна")
        assert check_label("outlier") == "Викид (робастна z-оцінка)"
    with i18n.language("pl"):
        assert stale.message == "Ostatni import odbył się 70 dni temu."
    assert stale.message == "The last import was 70 days ago."
