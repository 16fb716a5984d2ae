"""Indicator arithmetic on fact frames (pure pandas): totals by each aggregation rule, monthly series,
breakdowns, targets and progress.

Unique people (aggregation ``unique_max``) are never summed across organisations or activities: for each
area and population group the largest figure reported by any one organisation × activity counts, then the
areas and groups are added up (the cluster rule). ``plain_sum`` is available for comparison and always
labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard.filters import Filters, Period

_SERIES_KEYS = [C.ORGANISATION, C.ACTIVITY, C.PCODE]


def compute_coded(frame: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """``frame`` with its text ``keys`` as categories: each groupby or filter on them then works on small codes
    instead of hashing or copying the text again (the rules give the same figures). Months stay text: the
    rules compare them with month strings."""
    return frame.assign(**{k: frame[k].astype("category") for k in keys
                           if k in frame and not isinstance(frame[k].dtype, pd.CategoricalDtype)})


def compute_total(frame: pd.DataFrame, aggregation: str, by: list[str] | None = None) -> pd.Series | float:
    """The indicator value of ``frame`` by its aggregation rule, overall (float) or per ``by`` group."""
    by = by or []
    if frame.empty:
        return pd.Series(dtype=float) if by else 0.0
    if aggregation == "unique_max":
        area_keys = [C.PCODE, C.GROUP]
        per_series = frame.groupby(by + area_keys + [C.ORGANISATION, C.ACTIVITY], dropna=False, observed=True)[
            C.VALUE].sum()
        per_area = per_series.groupby(level=list(range(len(by) + len(area_keys))), dropna=False).max()
        result = per_area.groupby(level=list(range(len(by))), dropna=False).sum() if by else per_area.sum()
    elif aggregation == "latest":
        keys = by + _SERIES_KEYS
        last_month = frame.groupby(keys, dropna=False, observed=True)[C.MONTH].transform("max")
        latest = frame[frame[C.MONTH] == last_month]
        result = latest.groupby(by, dropna=False, observed=True)[C.VALUE].sum() if by else latest[C.VALUE].sum()
    elif aggregation == "distinct_organisations":
        result = frame.groupby(by, dropna=False, observed=True)[C.ORGANISATION].nunique() if by else float(
            frame[C.ORGANISATION].nunique())
    else:
        result = frame.groupby(by, dropna=False, observed=True)[C.VALUE].sum() if by else frame[C.VALUE].sum()
    if isinstance(result, pd.Series):
        return result.astype(float)
    return float(result)


def compute_plain_sum(frame: pd.DataFrame) -> float:
    """The plain sum of values, with double counting: only for comparison with the unique rule."""
    return float(frame[C.VALUE].sum()) if not frame.empty else 0.0


def compute_monthly(frame: pd.DataFrame, aggregation: str, period: Period) -> pd.DataFrame:
    """Value per month over the whole period (months without reports are 0) with a cumulative column.

    The cumulative value applies the rule to everything up to that month (for ``latest`` the latest
    value, for unique people the unique rule over the running totals).
    """
    months = pd.period_range(period.start, period.end, freq="M").strftime("%Y-%m")
    monthly = compute_total(frame, aggregation, [C.MONTH]) if not frame.empty else pd.Series(dtype=float)
    out = pd.DataFrame({C.MONTH: months})
    out[C.VALUE] = out[C.MONTH].map(monthly).fillna(0.0).astype(float)
    if aggregation in ("sum",):
        out["cumulative"] = out[C.VALUE].cumsum()
    elif frame.empty:
        out["cumulative"] = 0.0
    elif aggregation in _CUMULATIVE:
        out["cumulative"] = _CUMULATIVE[aggregation](frame, list(out[C.MONTH]))
    else:
        cumulative = []
        for month in out[C.MONTH]:
            upto = frame[frame[C.MONTH] <= month]
            cumulative.append(compute_total(upto, aggregation) if not upto.empty else 0.0)
        out["cumulative"] = np.array(cumulative, dtype=float)
    return out


# The cumulative value of a month is the rule applied to every row up to that month. Computed for all months
# at once on a series × month matrix (the same figures as applying compute_total month by month, which took
# seconds over five years of a million rows).

def _series_by_month(frame: pd.DataFrame, keys: list[str], months: list[str]) -> tuple[
        np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """For the series ``keys`` identify: each row's series number, the value summed per series × month and
    the rows per series × month (months: every month of ``frame`` and of ``months``, in order)."""
    codes, seen = pd.factorize(frame[C.MONTH].astype(str))
    all_months = sorted({str(m) for m in seen} | set(months))
    month = np.searchsorted(np.array(all_months), np.array([str(m) for m in seen]))[codes]
    series = frame.groupby(keys, dropna=False, observed=True, sort=False).ngroup().to_numpy()
    shape = (int(series.max()) + 1, len(all_months))
    cell = series * shape[1] + month
    values = np.bincount(cell, weights=np.nan_to_num(frame[C.VALUE].to_numpy(dtype=float)),
                         minlength=shape[0] * shape[1]).reshape(shape)
    rows = np.bincount(cell, minlength=shape[0] * shape[1]).reshape(shape)
    return series, values, rows, all_months


def _wanted(all_months: list[str], months: list[str]) -> np.ndarray:
    return np.searchsorted(np.array(all_months), np.array(months))


def _cumulative_unique_max(frame: pd.DataFrame, months: list[str]) -> np.ndarray:
    """Unique people: per area and group the largest running total of any organisation × activity (among
    those that have reported by then), added up."""
    keys = [C.PCODE, C.GROUP, C.ORGANISATION, C.ACTIVITY]
    series, values, rows, all_months = _series_by_month(frame, keys, months)
    running = np.where(np.cumsum(rows, axis=1) > 0, np.cumsum(values, axis=1), -np.inf)
    area = frame.groupby([C.PCODE, C.GROUP], dropna=False, observed=True, sort=False).ngroup().to_numpy()
    area_of_series = np.zeros(values.shape[0], dtype=np.int64)
    area_of_series[series] = area
    best = np.full((int(area.max()) + 1, values.shape[1]), -np.inf)
    np.maximum.at(best, area_of_series, running)
    total = np.where(np.isfinite(best), best, 0.0).sum(axis=0)
    return total[_wanted(all_months, months)]


def _cumulative_latest(frame: pd.DataFrame, months: list[str]) -> np.ndarray:
    """Latest value: each organisation × activity × area series counts with its last month reported by then."""
    _series, values, rows, all_months = _series_by_month(frame, _SERIES_KEYS, months)
    last = pd.DataFrame(np.where(rows > 0, values, np.nan)).ffill(axis=1).fillna(0.0).to_numpy()
    return last.sum(axis=0)[_wanted(all_months, months)]


def _cumulative_organisations(frame: pd.DataFrame, months: list[str]) -> np.ndarray:
    """Organisations reporting: those with any report up to the month."""
    first = frame.dropna(subset=[C.ORGANISATION]).groupby(C.ORGANISATION, observed=True)[C.MONTH].min().astype(str)
    return np.searchsorted(np.sort(first.to_numpy()), np.array(months), side="right").astype(float)


_CUMULATIVE = {"unique_max": _cumulative_unique_max, "latest": _cumulative_latest,
               "distinct_organisations": _cumulative_organisations}


def compute_breakdown(frame: pd.DataFrame, aggregation: str, dims: list[str]) -> pd.DataFrame:
    """Value per combination of ``dims``, largest first, leaving out rows not disaggregated on them."""
    sub = frame
    for dim in dims:
        if dim in (C.SEX, C.AGE, C.GROUP, C.DISABILITY):
            sub = sub[sub[dim] != "all"]
    if sub.empty:
        return pd.DataFrame(columns=[*dims, C.VALUE])
    values = compute_total(sub, aggregation, dims)
    assert isinstance(values, pd.Series)
    return values.rename(C.VALUE).reset_index().sort_values(C.VALUE, ascending=False, ignore_index=True)


def years_of(period: Period) -> list[int]:
    return list(range(int(period.start[:4]), int(period.end[:4]) + 1))


def compute_target(targets: pd.DataFrame, indicator: str, filters: Filters, period: Period) -> float | None:
    """The target matching the indicator, the period's years and the place filter, or None.

    Annual targets of every year the period touches are added. With an area or country filter the
    targets of those areas are added; without one the overall target is used.
    """
    return compute_targets(targets, filters, period).get(indicator)


def compute_targets(targets: pd.DataFrame, filters: Filters, period: Period) -> dict[str, float]:
    """:func:`compute_target` of every indicator that has one for the filters and period, by indicator code
    (one pass over the targets table instead of one per indicator)."""
    years = years_of(period)
    sub = targets[np.array([d.year in years for d in targets["period_start"]], dtype=bool)]
    if filters.adm1:
        sub = sub[sub[C.ISO].isin(filters.adm1)]
    elif filters.countries:
        sub = sub[sub[C.COUNTRY].isin(filters.countries) & (sub[C.ADMIN_LEVEL] == 1)]
    else:
        sub = sub[sub[C.PCODE].isna()]
    totals = sub.groupby(C.INDICATOR, observed=True)[C.TARGET].sum()
    return {str(code): float(total) for code, total in totals.items()}


@dataclass(frozen=True)
class Headline:
    """One indicator's figure for the period against its target and the previous period."""

    code: str
    name: str
    unit: str
    aggregation: str
    value: float
    previous: float
    target: float | None
    has_demo: bool
    reported: bool = True  # False: no report at all for the period (not the same as a reported zero)

    @property
    def pct_of_target(self) -> float | None:
        return None if not self.target else 100.0 * self.value / self.target

    @property
    def change(self) -> float:
        return self.value - self.previous


def split_by_indicator(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``frame``'s rows per indicator code, split in one pass (a filter per indicator copies the frame's
    columns once per indicator)."""
    if frame.empty:
        return {}
    return {str(code): rows for code, rows in frame.groupby(C.INDICATOR, observed=True, sort=False)}


def compute_headlines(
    catalogue: pd.DataFrame, current: pd.DataFrame, previous: pd.DataFrame, targets: pd.DataFrame,
    filters: Filters, period: Period, *, current_split: dict[str, pd.DataFrame] | None = None,
) -> list[Headline]:
    """Headline figure of each indicator row of ``catalogue`` given the current and previous-period facts of
    every indicator (``distinct_organisations`` counts organisations over all of them); ``current_split``:
    ``current`` already split by :func:`split_by_indicator`."""
    cur_by = split_by_indicator(current) if current_split is None else current_split
    prev_by = split_by_indicator(previous)
    goals = compute_targets(targets, filters, period)
    headlines = []
    for row in catalogue.itertuples(index=False):
        code, aggregation = str(row.code), str(row.aggregation)
        if aggregation == "distinct_organisations":
            cur, prev = current, previous
        else:
            cur, prev = cur_by.get(code, current.iloc[:0]), prev_by.get(code, previous.iloc[:0])
        value = compute_total(cur, aggregation)
        before = compute_total(prev, aggregation)
        assert isinstance(value, float) and isinstance(before, float)
        headlines.append(Headline(
            code=code, name=str(row.name), unit=str(row.unit), aggregation=aggregation, value=value,
            previous=before, target=goals.get(code),
            has_demo=bool(cur[C.IS_DEMO].any()) if not cur.empty else False, reported=not cur.empty,
        ))
    return headlines


def compute_not_reported(first_last: pd.DataFrame, org_months: pd.DataFrame, month: str,
                         lookback: int = 3) -> pd.DataFrame:
    """Organisations that reported in the ``lookback`` months before ``month`` but not in ``month``."""
    from dashboard.filters import month_add

    window = org_months[(org_months[C.MONTH] >= month_add(month, -lookback)) & (org_months[C.MONTH] < month)]
    expected = set(window[C.ORGANISATION])
    reported = set(org_months.loc[org_months[C.MONTH] == month, C.ORGANISATION])
    missing = sorted(expected - reported)
    out = first_last[first_last[C.ORGANISATION].isin(missing)][[C.ORGANISATION, C.ORG_TYPE, "last_month", C.IS_DEMO]]
    return out.sort_values(["last_month", C.ORGANISATION], ascending=[False, True], ignore_index=True)


def compute_first_time(first_last: pd.DataFrame, since_month: str) -> pd.DataFrame:
    """Organisations whose first report is for ``since_month`` or later."""
    out = first_last[first_last["first_month"] >= since_month]
    return out.sort_values("first_month", ignore_index=True)


def today() -> date:
    return date.today()
