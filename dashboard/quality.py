"""Data-quality alerts for Home and the briefing, and the entry point to every check (pure pandas).

The checks live in one module each: validation rules (:mod:`dashboard.quality_rules`, re-exported here as
:data:`RULES` and :func:`evaluate_rules`), outliers and jumps (:mod:`dashboard.quality_outliers`),
duplicates and overlapping periods (:mod:`dashboard.quality_duplicates`), completeness
(:mod:`dashboard.quality_completeness`) and the unique-people comparison (:mod:`dashboard.quality_unique`).
:func:`compute_alerts` turns their findings into :class:`Alert` rows, most serious first; follow-up items a
co-lead has marked as reviewed are left out.

Alerts hold no translated text: their message (:class:`~dashboard.quality_text.Text`) is put into words in the
reader's language when it is read (``alert.message``), so alerts may be computed once and shown in any
language. Check labels (:data:`CHECK_LABELS`) are marked with ``N_``: translate them where shown
(:func:`check_label`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from dashboard import columns as C
from dashboard.i18n import N_, _
from dashboard.quality_completeness import compute_last_due_month
from dashboard.quality_duplicates import compute_duplicates
from dashboard.quality_outliers import (
    SERIES_KEYS,
    RowsOf,
    compute_follow_up,
    compute_follow_up_of_series,
    compute_series,
)
from dashboard.quality_rules import ACROSS_PLACES, RULES, Rule, Violation, evaluate_rules, ordered
from dashboard.quality_text import Ago, Text

__all__ = ["RULES", "Alert", "Findings", "Rule", "Violation", "evaluate_rules", "compute_alerts", "compute_alerts_from",
           "compute_alerts_of", "compute_findings", "compute_findings_in_parts", "compute_items",
           "compute_review_status", "check_stale", "check_label", "describe_item", "describe_where"]

STALE_DAYS = 45
# Warnings in the order a co-lead should read them (errors always come first).
CHECK_ORDER = ("stale", "duplicate", "overlap", "near_duplicate", "outlier", "jump")
CHECK_LABELS = {
    "duplicate": N_("Same report from two organisations"),
    "near_duplicate": N_("Near-identical rows from two organisations"),
    "overlap": N_("Overlapping periods from different imports"),
    "outlier": N_("Outlier (robust z-score)"),
    "jump": N_("Month-over-month jump"),
    "stale": N_("No recent import"),
}


def check_label(check: str) -> str:
    """A follow-up check's code (``outlier``) as its label in the current language."""
    return _(CHECK_LABELS[check]) if check in CHECK_LABELS else check


@dataclass(frozen=True)
class Alert:
    """One finding for Home and the briefing: severity, the check or rule code, what is wrong (``text``, put
    into words when read), the fact ids concerned and where (codes)."""

    severity: str  # "error" or "warning"
    check: str
    text: Text
    rows: tuple[int, ...] = ()  # fact ids concerned, when the alert is about report rows
    where: str = ""

    @property
    def message(self) -> str:
        """Where, then what is wrong, in the current language."""
        return f"{self.where}: {self.text}" if self.where else str(self.text)


def check_stale(last_import: datetime | None, today: date, days: int = STALE_DAYS) -> list[Alert]:
    """An alert when nothing was imported for more than ``days`` days (or ever)."""
    if last_import is None or pd.isna(last_import):
        return [Alert("warning", "stale", Text.of(N_("No import has been committed yet.")))]
    age = (today - pd.Timestamp(last_import).date()).days
    if age > days:
        # Translators: {when} is a duration with its direction, e.g. "70 days ago".
        return [Alert("warning", "stale", Text.of(N_("The last import was {when}."), when=Ago(age)))]
    return []


def compute_items(frame: pd.DataFrame, since: str | None = None, until: str | None = None) -> pd.DataFrame:
    """Every follow-up item (duplicates, overlaps, near-duplicates, outliers, jumps) with columns check, key,
    severity, indicator, organisation, activity, pcode, month, organisations, value, detail, rows.

    Outliers and jumps are judged on months up to ``until`` only (YYYY-MM; see
    :func:`dashboard.quality_completeness.compute_last_due_month`): a month still being reported looks like a
    drop and would pull the median down. Duplicates are listed for every month from ``since``.
    """
    return _items(compute_duplicates(frame), compute_follow_up(frame[frame[C.MONTH] <= until] if until else frame,
                                                               since), since)


def _items(dups: pd.DataFrame, follow: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """Duplicate items (from ``since`` on) and follow-up items as one table (see :func:`compute_items`)."""
    follow = follow.assign(organisations=[(o,) for o in follow[C.ORGANISATION]], **{C.ACTIVITY: "", C.PCODE: ""})
    if since:
        dups = dups[dups[C.MONTH] >= since]
    dups = dups.assign(**{C.ORGANISATION: [", ".join(o) for o in dups["organisations"]]})
    columns = ["check", "key", "severity", C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH,
               "organisations", C.VALUE, "detail", "rows"]
    parts = [p[columns] for p in (dups, follow) if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def compute_review_status(items: pd.DataFrame, reviews: pd.DataFrame | None) -> pd.DataFrame:
    """``items`` with their review: status ("open" or "reviewed"), comment, reviewed_by, reviewed_at."""
    out = items.copy()
    if reviews is None or reviews.empty or items.empty:
        out["status"] = "open"
        for col in ("comment", "reviewed_by", "reviewed_at"):
            out[col] = None
        return out
    latest = reviews.rename(columns={"check_name": "check", "item_key": "key"})[
        ["check", "key", "status", "comment", "reviewed_by", "reviewed_at"]].drop_duplicates(["check", "key"])
    out = out.merge(latest, on=["check", "key"], how="left")
    out["status"] = out["status"].fillna("open")
    return out


def describe_where(item: pd.Series | dict[str, object]) -> str:
    """Where a follow-up item is, as codes: organisation · indicator · area · month."""
    where = [str(item.get(k) or "") for k in (C.ORGANISATION, C.INDICATOR, C.PCODE, C.MONTH)]
    if item.get("check") in ("duplicate", "near_duplicate", "overlap"):
        where[0] = ""  # the detail names the organisations
    return " · ".join(w for w in where if w)


def describe_item(item: pd.Series | dict[str, object]) -> str:
    """One line for a follow-up item in the current language: where it is, then what is wrong."""
    return f"{describe_where(item)}: {item.get('detail')}"


def compute_alerts_from(violations: list[Violation], items: pd.DataFrame, stale: list[Alert]) -> list[Alert]:
    """Alerts from findings already computed: rule ``violations``, follow-up ``items`` (with their review
    status; reviewed ones are left out) and ``stale``. Errors first, then warnings: no recent import, rule
    warnings (in :data:`RULES` order), then the follow-up checks in :data:`CHECK_ORDER`."""
    alerts = [Alert(v.severity, v.rule, v.text, v.rows, v.where) for v in violations]
    pending = items[items["status"] != "reviewed"] if "status" in items else items
    for item in pending.to_dict("records"):
        alerts.append(Alert(str(item["severity"]), str(item["check"]), item["detail"],  # type: ignore[arg-type]
                            tuple(item["rows"]), describe_where(item)))  # type: ignore[arg-type]
    alerts += stale
    rule_order = [rule.name for rule in RULES]
    order = {name: i for i, name in enumerate((*CHECK_ORDER[:1], *rule_order, *CHECK_ORDER[1:]))}
    return sorted(alerts, key=lambda a: (a.severity != "error", order.get(a.check, len(order))))


@dataclass(frozen=True)
class Findings:
    """What the checks found over the reports of a period: rule ``violations`` (most serious first) and
    follow-up ``items`` (:func:`compute_items`' columns, without their review status)."""

    violations: list[Violation]
    items: pd.DataFrame


def compute_findings(frame: pd.DataFrame, today: date, denominators: pd.DataFrame | None = None,
                     since: str | None = None, until: str | None = None) -> Findings:
    """Every check over ``frame``: the rules over its months from ``since`` on, the follow-up items as
    :func:`compute_items` (earlier months only set the outliers' medians and the first month's jump)."""
    in_period = frame[frame[C.MONTH] >= since] if since and not frame.empty else frame
    return Findings(evaluate_rules(in_period, denominators, today), compute_items(frame, since, until))


def compute_findings_in_parts(parts: Iterable[pd.DataFrame], rows_of: RowsOf, today: date,
                              denominators: pd.DataFrame | None = None, since: str | None = None,
                              until: str | None = None) -> Findings:
    """:func:`compute_findings` over the reports of a period given in ``parts``, so that only one part need be
    in memory at a time. Every row of a P-code must be in the same part: the checks compare reports of one
    area (duplicates across organisations, breakdowns, overlaps, populations). What looks across areas is put
    together first: each organisation's monthly series (outliers and jumps) from the parts' sums, with
    ``rows_of`` finding the report rows behind a flagged month; the rules of
    :data:`~dashboard.quality_rules.ACROSS_PLACES` from the rows they look at. The same findings as
    :func:`compute_findings` over all the rows at once; those of one check may come in another order."""
    by_place = tuple(rule for rule in RULES if rule.name not in ACROSS_PLACES)
    across = tuple(rule for rule in RULES if rule.name in ACROSS_PLACES)
    violations: list[Violation] = []
    series: list[pd.DataFrame] = []
    duplicates: list[pd.DataFrame] = []
    looked_at: list[pd.DataFrame] = []
    for part in parts:
        in_period = part[part[C.MONTH] >= since] if since else part
        violations += evaluate_rules(in_period, denominators, today, by_place)
        series.append(compute_series(part[part[C.MONTH] <= until] if until else part))
        duplicates.append(compute_duplicates(part))
        wanted = pd.Series(False, index=in_period.index)
        for rule in across:
            wanted |= ACROSS_PLACES[rule.name](in_period, today)
        looked_at.append(in_period[wanted])
    if looked_at:
        violations += evaluate_rules(pd.concat(looked_at), denominators, today, across)
    summed = (pd.concat(series).groupby(SERIES_KEYS, sort=True)[C.VALUE].sum().reset_index() if series
              else compute_series(pd.DataFrame()))
    dups = pd.concat(duplicates or [compute_duplicates(pd.DataFrame())], ignore_index=True).sort_values(
        [C.MONTH, "check", C.INDICATOR], ascending=[False, True, True], ignore_index=True)
    return Findings(ordered(violations), _items(dups, compute_follow_up_of_series(summed, rows_of, since), since))


def compute_alerts_of(findings: Findings, today: date, last_import: datetime | None,
                      reviews: pd.DataFrame | None = None) -> list[Alert]:
    """Alerts from ``findings`` (see :func:`compute_alerts_from`); items reviewed by a co-lead are left out."""
    return compute_alerts_from(findings.violations, compute_review_status(findings.items, reviews),
                               check_stale(last_import, today))


def compute_alerts(frame: pd.DataFrame, today: date, last_import: datetime | None,
                   denominators: pd.DataFrame | None = None, reviews: pd.DataFrame | None = None) -> list[Alert]:
    """Every check over ``frame`` (rule violations, duplicates, outliers and jumps in months already due,
    staleness), most serious first (see :func:`compute_alerts_from`). Items reviewed by a co-lead (``reviews``)
    are left out; rules needing ``denominators`` are skipped without them."""
    return compute_alerts_of(compute_findings(frame, today, denominators, until=compute_last_due_month(today)),
                             today, last_import, reviews)

