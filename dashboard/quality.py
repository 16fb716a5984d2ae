"""Data-quality checks whose alerts show on Home and in the briefing (pure pandas over fact frames).

Each check returns :class:`Alert` rows naming the organisation, indicator, area and month concerned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from dashboard import columns as C
from dashboard.filters import month_of

_DIMS = [C.SEX, C.AGE, C.GROUP, C.DISABILITY]
_KEY = [C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH]


@dataclass(frozen=True)
class Alert:
    severity: str  # "error" or "warning"
    check: str
    message: str


def check_disaggregation_exceeds_total(frame: pd.DataFrame) -> list[Alert]:
    """A report whose disaggregated rows add up to more than the total row reported for the same key."""
    if frame.empty:
        return []
    is_total = (frame[_DIMS] == "all").all(axis=1)
    totals = frame[is_total].groupby(_KEY, dropna=False)[C.VALUE].sum()
    parts = frame[~is_total].groupby(_KEY, dropna=False)[C.VALUE].sum()
    both = pd.concat([totals.rename("total"), parts.rename("parts")], axis=1, join="inner")
    bad = both[both["parts"] > both["total"]]
    return [
        Alert("error", "disaggregation", f"{org} · {ind} · {pcode} · {month}: breakdown adds up to "
              f"{row.parts:,.0f}, more than the reported total {row.total:,.0f}")
        for (ind, org, _act, pcode, month), row in bad.iterrows()
    ]


def check_future_months(frame: pd.DataFrame, today: date) -> list[Alert]:
    """Reports dated after the current month."""
    future = frame[frame[C.MONTH] > month_of(today)]
    grouped = future.groupby([C.ORGANISATION, C.MONTH]).size()
    return [Alert("error", "future", f"{org}: {n} report rows for {month}, a month that has not started")
            for (org, month), n in grouped.items()]


def check_jumps(frame: pd.DataFrame, factor: float = 4.0, minimum: float = 200.0) -> list[Alert]:
    """Month-over-month jumps: an organisation's monthly total for an indicator above ``factor`` times the
    previous month and above ``minimum``."""
    if frame.empty:
        return []
    monthly = frame.groupby([C.INDICATOR, C.ORGANISATION, C.MONTH])[C.VALUE].sum().reset_index()
    monthly = monthly.sort_values([C.INDICATOR, C.ORGANISATION, C.MONTH])
    monthly["previous"] = monthly.groupby([C.INDICATOR, C.ORGANISATION])[C.VALUE].shift()
    jumps = monthly[(monthly[C.VALUE] > factor * monthly["previous"]) & (monthly[C.VALUE] >= minimum)]
    return [Alert("warning", "jump", f"{r.organisation} · {r.indicator} · {r.month}: {r.value:,.0f}, "
                  f"{r.value / r.previous:,.1f}× the previous month ({r.previous:,.0f})")
            for r in jumps.itertuples(index=False)]


def check_stale(last_import: datetime | None, today: date, days: int = 45) -> list[Alert]:
    if last_import is None:
        return [Alert("warning", "stale", "No import has been committed yet.")]
    age = (today - pd.Timestamp(last_import).date()).days
    if age > days:
        return [Alert("warning", "stale", f"The last import was {age} days ago.")]
    return []


def compute_alerts(frame: pd.DataFrame, today: date, last_import: datetime | None) -> list[Alert]:
    """Every check over ``frame``, errors first."""
    alerts = (check_disaggregation_exceeds_total(frame) + check_future_months(frame, today)
              + check_jumps(frame) + check_stale(last_import, today))
    return sorted(alerts, key=lambda a: (a.severity != "error", a.check))
