"""Completeness and timeliness of reporting (pure pandas): who was expected to report each month, who did,
and whether on time.

The rules, also shown on the Data quality page:

- **Expected**: an organisation is expected to report for a month when it reported for any of the
  :data:`LOOKBACK` months before, or when the reporting plan (kept by the co-leads) lists it for that month.
- **On time / late**: a month's report is due by the :data:`DEADLINE_DAY`\\ th of the following month. It is
  late when the first import batch carrying it finished (``import_batches.finished_at``, UTC) after that day.
  A batch that back-fills many months at once (such as the demo data) makes every month whose due date had
  passed late.
- **Missing**: expected, no report, and the due date has passed. Before the due date the month is
  **not due yet**, and it does not count against completeness.

Statuses are codes (:data:`STATUSES`); :func:`status_label` says them in the current language.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from dashboard import columns as C
from dashboard.filters import month_add
from dashboard.i18n import pgettext

LOOKBACK = 3
DEADLINE_DAY = 15
FIRST_IMPORT = "first_import"  # column of report arrivals: when the first batch carrying the report finished
ON_TIME, LATE, MISSING, NOT_DUE, NOT_EXPECTED = "on time", "late", "missing", "not due yet", ""
STATUSES = (ON_TIME, LATE, MISSING, NOT_DUE)


def status_label(status: str) -> str:
    """A completeness status (:data:`STATUSES`) in the current language; blank (not expected) stays blank."""
    labels = {ON_TIME: pgettext("report status", "on time"), LATE: pgettext("report status", "late"),
              MISSING: pgettext("report status", "missing"), NOT_DUE: pgettext("report status", "not due yet")}
    return labels.get(status, status)


def months_between(start: str, end: str) -> list[str]:
    """Every YYYY-MM month from ``start`` to ``end`` inclusive."""
    out, month = [], start
    while month <= end:
        out.append(month)
        month = month_add(month, 1)
    return out


def compute_deadline(month: str, deadline_day: int = DEADLINE_DAY) -> date:
    """The last day a report for ``month`` is on time: the ``deadline_day`` of the following month."""
    following = month_add(month, 1)
    return date(int(following[:4]), int(following[5:7]), deadline_day)


def compute_last_due_month(today: date, deadline_day: int = DEADLINE_DAY) -> str:
    """The latest month whose reports were due before ``today`` (later months are still being reported)."""
    month = month_add(f"{today.year:04d}-{today.month:02d}", -1)
    return month if today > compute_deadline(month, deadline_day) else month_add(month, -1)


def is_late(month: str, finished_at: datetime | pd.Timestamp | None, deadline_day: int = DEADLINE_DAY) -> bool:
    """True when a report for ``month`` whose batch finished at ``finished_at`` missed its deadline (a batch
    finishing any time on the deadline day is on time; an unknown finish time is not called late)."""
    if finished_at is None or pd.isna(finished_at):
        return False
    return pd.Timestamp(finished_at).date() > compute_deadline(month, deadline_day)


def compute_plan_months(plan: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """(organisation, month) pairs the reporting plan lists among ``months`` (``month_to`` empty: open-ended)."""
    rows = [(r[C.ORGANISATION], m) for r in plan.to_dict("records") for m in months
            if str(r["month_from"]) <= m and (pd.isna(r["month_to"]) or not r["month_to"] or m <= str(r["month_to"]))]
    return pd.DataFrame(rows, columns=[C.ORGANISATION, C.MONTH]).drop_duplicates(ignore_index=True)


def compute_expected(arrivals: pd.DataFrame, plan: pd.DataFrame, months: list[str],
                     lookback: int = LOOKBACK) -> pd.DataFrame:
    """Who is expected to report for each of ``months``: organisation, month, ``by_history``, ``by_plan``.

    ``arrivals`` must cover the ``lookback`` months before the first of ``months``.
    """
    reported = arrivals[[C.ORGANISATION, C.MONTH]].drop_duplicates()
    history = [reported.assign(**{C.MONTH: reported[C.MONTH].map(lambda m, d=d: month_add(m, d))})
               for d in range(1, lookback + 1)]
    by_history = pd.concat(history, ignore_index=True).drop_duplicates() if history else reported.iloc[0:0]
    by_history = by_history[by_history[C.MONTH].isin(months)].assign(by_history=True)
    by_plan = compute_plan_months(plan, months).assign(by_plan=True)
    expected = by_history.merge(by_plan, on=[C.ORGANISATION, C.MONTH], how="outer")
    expected["by_history"] = expected["by_history"].fillna(False).astype(bool)
    expected["by_plan"] = expected["by_plan"].fillna(False).astype(bool)
    return expected.sort_values([C.ORGANISATION, C.MONTH], ignore_index=True)


def compute_completeness(arrivals: pd.DataFrame, plan: pd.DataFrame, months: list[str], today: date,
                         lookback: int = LOOKBACK, deadline_day: int = DEADLINE_DAY) -> pd.DataFrame:
    """One row per organisation × month that was expected or reported: organisation, month, expected,
    reported, first_import, deadline, status (:data:`STATUSES`)."""
    expected = compute_expected(arrivals, plan, months, lookback)
    got = (arrivals[arrivals[C.MONTH].isin(months)].groupby([C.ORGANISATION, C.MONTH], as_index=False)[FIRST_IMPORT]
           .min())
    got["reported"] = True
    frame = expected.merge(got, on=[C.ORGANISATION, C.MONTH], how="outer")
    frame["expected"] = frame["by_history"].fillna(False).astype(bool) | frame["by_plan"].fillna(False).astype(bool)
    frame["reported"] = frame["reported"].fillna(False).astype(bool)
    frame["deadline"] = frame[C.MONTH].map(lambda m: compute_deadline(m, deadline_day))
    late = [is_late(m, f, deadline_day) for m, f in zip(frame[C.MONTH], frame[FIRST_IMPORT], strict=True)]
    frame["status"] = [
        (LATE if lt else ON_TIME) if rep else ((MISSING if today > dl else NOT_DUE) if exp else NOT_EXPECTED)
        for rep, exp, lt, dl in zip(frame["reported"], frame["expected"], late, frame["deadline"], strict=True)
    ]
    cols = [C.ORGANISATION, C.MONTH, "expected", "by_history", "by_plan", "reported", FIRST_IMPORT, "deadline",
            "status"]
    return frame[cols].sort_values([C.ORGANISATION, C.MONTH], ignore_index=True)


def compute_trend(completeness: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Per month: expected, reported (of those expected), on time, late, missing, not due yet, new (reported
    without being expected), completeness % and on-time % of expected reporters (empty when nobody was
    expected) and whether the month is still open (some reports not due yet)."""
    c = completeness
    exp = c[c["expected"]]
    count = lambda frame: frame.groupby(C.MONTH).size().reindex(months, fill_value=0)  # noqa: E731
    out = pd.DataFrame({
        C.MONTH: months,
        "expected": count(exp).to_numpy(),
        "reported": count(exp[exp["reported"]]).to_numpy(),
        "on_time": count(exp[exp["status"] == ON_TIME]).to_numpy(),
        "late": count(exp[exp["status"] == LATE]).to_numpy(),
        "missing": count(exp[exp["status"] == MISSING]).to_numpy(),
        "not_due": count(exp[exp["status"] == NOT_DUE]).to_numpy(),
        "new": count(c[~c["expected"] & c["reported"]]).to_numpy(),
    })
    due = out["expected"] - out["not_due"]
    out["completeness_pct"] = (100.0 * out["reported"] / out["expected"]).where(out["expected"] > 0)
    out["on_time_pct"] = (100.0 * out["on_time"] / out["expected"]).where(out["expected"] > 0)
    out["open"] = out["not_due"] > 0
    out["due"] = due
    return out


def compute_matrix(completeness: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """Organisation × month table of statuses (blank: not expected and no report), organisations with the
    most missing months first, then by name. Only organisations expected or reporting in ``months``."""
    if completeness.empty:
        return pd.DataFrame(columns=[C.ORGANISATION, *months])
    # A month nobody is expected or reported in is a new column: filled as blank, not as NaN in a float column.
    table = completeness.pivot(index=C.ORGANISATION, columns=C.MONTH, values="status").reindex(
        columns=months, fill_value=NOT_EXPECTED)
    table = table.fillna(NOT_EXPECTED)
    missing = (table == MISSING).sum(axis=1).rename("_missing")
    table = table.join(missing).reset_index().sort_values(["_missing", C.ORGANISATION], ascending=[False, True])
    return table.drop(columns="_missing").reset_index(drop=True)


def compute_backfills(arrivals: pd.DataFrame, minimum_months: int = 6) -> pd.DataFrame:
    """Batches that brought reports for at least ``minimum_months`` months at once (back-fills such as the
    demo data): batch id, months, first and last month."""
    if arrivals.empty or C.BATCH not in arrivals:
        return pd.DataFrame(columns=[C.BATCH, "months", "first_month", "last_month"])
    per_batch = arrivals.groupby(C.BATCH).agg(months=(C.MONTH, "nunique"), first_month=(C.MONTH, "min"),
                                              last_month=(C.MONTH, "max")).reset_index()
    return per_batch[per_batch["months"] >= minimum_months].reset_index(drop=True)
