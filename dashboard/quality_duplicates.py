"""Duplicates and double counting across organisations and imports (pure pandas), as follow-up items.

Three checks:

- **duplicate reports**: the same activity reported by two organisations (an implementing and a reporting
  partner): same indicator, activity, area and month, and every breakdown cell with the same value. Reports
  adding up to fewer than :data:`MIN_TOTAL` are left out (two partners each holding 5 trainings in one region
  in the same month is a coincidence, not evidence).
- **near-identical rows**: rows of two organisations for the same indicator, activity, area, month and
  breakdown cell whose values are within 2% of each other (of the larger), at least :data:`MIN_NEAR_VALUE`
  (below it 2% is less than one person, so "near" means "equal"), not already part of a duplicate report.
  Flagged when such rows make up at least half of the larger of the two reports: one matching cell out of
  thirty is a coincidence.
- **overlapping periods**: one organisation's rows for the same indicator, activity, area and breakdown cell
  whose periods (period_start..period_end) overlap, from different import batches: the overlap is counted
  twice. (A newer report for exactly the same period replaces the older one on import and is not current.)

An item's ``detail`` is a :class:`~dashboard.quality_text.Text`, put into words in the reader's language when it
is shown (``str(detail)``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard.i18n import N_
from dashboard.quality_outliers import item_key
from dashboard.quality_text import And, Num, Text

MIN_TOTAL = 10.0
NEAR_TOLERANCE = 0.02
MIN_NEAR_VALUE = 50.0
MIN_NEAR_SHARE = 0.5
DIMS = [C.SEX, C.AGE, C.GROUP, C.DISABILITY]
SAME = [C.INDICATOR, C.ACTIVITY, C.PCODE, C.MONTH]  # what two organisations' reports must share
ITEM_COLUMNS = ["check", "key", "severity", C.INDICATOR, C.ACTIVITY, C.PCODE, C.MONTH, "organisations", C.VALUE,
                "detail", "rows"]


def _prepared(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(**{C.ACTIVITY: frame[C.ACTIVITY].fillna("").astype(str)})


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=ITEM_COLUMNS)


def _texts(texts: Iterable[Text]) -> pd.Series:
    """Details as an object column (they become words only when shown)."""
    return pd.Series(list(texts), dtype=object)


def _day(value: object) -> date | str:
    """A period bound as a date (shown per locale), or as it is when it cannot be read."""
    when = pd.to_datetime(value, errors="coerce")
    return str(value) if pd.isna(when) else when.date()


def compute_duplicate_reports(frame: pd.DataFrame, min_total: float = MIN_TOTAL) -> pd.DataFrame:
    """Reports identical cell for cell from two or more organisations (columns :data:`ITEM_COLUMNS`)."""
    if frame.empty:
        return _empty()
    data = _prepared(frame)
    # An order-free signature of a report's cells: the sum of per-cell hashes (shifted so sums cannot wrap).
    cell_hash = pd.util.hash_pandas_object(data[[*DIMS, C.VALUE]], index=False).to_numpy() >> np.uint64(12)
    data = data.assign(_hash=cell_hash)
    report = [*SAME, C.ORGANISATION]
    reports = data.groupby(report, sort=False).agg(
        _sig=("_hash", "sum"), _cells=(C.VALUE, "size"), total=(C.VALUE, "sum")).reset_index()
    reports = reports[reports["total"] >= min_total]
    same = [*SAME, "_sig", "_cells"]
    orgs = reports.groupby(same, sort=False)[C.ORGANISATION].transform("nunique")
    dup = reports[orgs >= 2]
    if dup.empty:
        return _empty()
    rows = data.merge(dup[report], on=report)
    ids = rows.groupby(SAME)[C.ID].agg(lambda s: tuple(sorted(int(i) for i in s)))
    items = dup.groupby(same, sort=False).agg(
        organisations=(C.ORGANISATION, lambda s: tuple(sorted(s))), total=("total", "first")).reset_index()
    return pd.DataFrame({
        "check": "duplicate",
        "key": [item_key("dup", r.indicator, r.activity, r.pcode, r.month, *r.organisations)
                for r in items.itertuples()],
        "severity": "warning",
        C.INDICATOR: items[C.INDICATOR], C.ACTIVITY: items[C.ACTIVITY], C.PCODE: items[C.PCODE],
        C.MONTH: items[C.MONTH], "organisations": items["organisations"], C.VALUE: items["total"],
        "detail": _texts(Text.of(N_("{organisations} reported the same figures adding up to {total} (cells: {cells}): "
                                    "probably one activity reported by the implementing and the reporting partner"),
                                 organisations=And(tuple(orgs)), total=Num(total, 0), cells=int(n))
                         for orgs, n, total in zip(items["organisations"], items["_cells"], items["total"],
                                                   strict=True)),
        "rows": [ids.get((r.indicator, r.activity, r.pcode, r.month), ()) for r in items.itertuples()],
    })[ITEM_COLUMNS]


def compute_near_duplicates(frame: pd.DataFrame, tolerance: float = NEAR_TOLERANCE,
                            min_value: float = MIN_NEAR_VALUE, min_share: float = MIN_NEAR_SHARE,
                            exclude: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pairs of organisations with rows within ``tolerance`` of each other, making up at least ``min_share``
    of the larger of their two reports (one item per pair and report key). ``exclude``: duplicate-report
    items whose organisation pairs are left out."""
    if frame.empty:
        return _empty()
    data = _prepared(frame)
    report_cells = data.groupby([*SAME, C.ORGANISATION], sort=False).size().rename("cells").reset_index()
    data = data[data[C.VALUE] >= min_value * (1 - tolerance)]
    cell = [*SAME, *DIMS]
    data = data[data.groupby(cell, sort=False)[C.ORGANISATION].transform("nunique") >= 2]
    if data.empty:
        return _empty()
    cols = [*cell, C.ORGANISATION, C.VALUE, C.ID]
    pairs = data[cols].merge(data[cols], on=cell, suffixes=("_a", "_b"))
    pairs = pairs[pairs[f"{C.ORGANISATION}_a"] < pairs[f"{C.ORGANISATION}_b"]]
    high = pairs[[f"{C.VALUE}_a", f"{C.VALUE}_b"]].max(axis=1)
    close = (pairs[f"{C.VALUE}_a"] - pairs[f"{C.VALUE}_b"]).abs() <= tolerance * high
    pairs = pairs[close & (high >= min_value)]
    if exclude is not None and not exclude.empty:
        known = {(r.indicator, r.activity, r.pcode, r.month, a, b)
                 for r in exclude.itertuples() for a in r.organisations for b in r.organisations if a < b}
        keep = [(r[0], r[1], r[2], r[3], r[4], r[5]) not in known for r in pairs[
            [*SAME, f"{C.ORGANISATION}_a", f"{C.ORGANISATION}_b"]].itertuples(index=False)]
        pairs = pairs[keep]
    if pairs.empty:
        return _empty()
    pair_key = [*SAME, f"{C.ORGANISATION}_a", f"{C.ORGANISATION}_b"]
    items = pairs.groupby(pair_key, sort=False).agg(
        n=(C.VALUE + "_a", "size"), value_a=(C.VALUE + "_a", "sum"), value_b=(C.VALUE + "_b", "sum"),
        ids_a=(C.ID + "_a", tuple), ids_b=(C.ID + "_b", tuple)).reset_index()
    for side in ("a", "b"):
        names = {C.ORGANISATION: f"{C.ORGANISATION}_{side}", "cells": f"cells_{side}"}
        items = items.merge(report_cells.rename(columns=names), on=[*SAME, f"{C.ORGANISATION}_{side}"], how="left")
    items["cells"] = items[["cells_a", "cells_b"]].max(axis=1).astype(int)
    items = items[items["n"] >= min_share * items["cells"]].reset_index(drop=True)
    if items.empty:
        return _empty()
    orgs = list(zip(items[f"{C.ORGANISATION}_a"], items[f"{C.ORGANISATION}_b"], strict=True))
    return pd.DataFrame({
        "check": "near_duplicate",
        "key": [item_key("near", r.indicator, r.activity, r.pcode, r.month, *o)
                for r, o in zip(items.itertuples(), orgs, strict=True)],
        "severity": "warning",
        C.INDICATOR: items[C.INDICATOR], C.ACTIVITY: items[C.ACTIVITY], C.PCODE: items[C.PCODE],
        C.MONTH: items[C.MONTH], "organisations": orgs, C.VALUE: items["value_a"],
        "detail": _texts(Text.of(N_("rows within {tolerance} of each other: {n} of {cells}; {first} {first_value}, "
                                    "{second} {second_value}"),
                                 tolerance=Num(100 * tolerance, percent=True), n=int(r.n), cells=int(r.cells),
                                 first=o[0], first_value=Num(r.value_a, 0), second=o[1],
                                 second_value=Num(r.value_b, 0))
                         for r, o in zip(items.itertuples(), orgs, strict=True)),
        "rows": [tuple(sorted(int(i) for i in a + b)) for a, b in zip(items["ids_a"], items["ids_b"], strict=True)],
    })[ITEM_COLUMNS]


def compute_overlaps(frame: pd.DataFrame) -> pd.DataFrame:
    """One organisation's rows with overlapping periods from different import batches (one item per pair of
    overlapping reports)."""
    if frame.empty:
        return _empty()
    data = _prepared(frame)
    key = [C.ORGANISATION, C.INDICATOR, C.ACTIVITY, C.PCODE, *DIMS]
    data = data[data.groupby(key, sort=False)[C.BATCH].transform("nunique") >= 2]
    if data.empty:
        return _empty()
    # Pair up only the series where some period starts before an earlier one has ended (a sweep over the
    # periods in start order): a monthly series from monthly imports has none, and pairing every month with
    # every other month of a five-year series would cost millions of pairs.
    data = data.sort_values([*key, C.PERIOD_START], kind="stable")
    series = data.groupby(key, sort=False)
    ended = pd.to_datetime(data[C.PERIOD_END])
    latest_end = ended.groupby([data[k] for k in key], sort=False).cummax()
    before = latest_end.groupby([data[k] for k in key], sort=False).shift(1)
    overlapping = pd.to_datetime(data[C.PERIOD_START]) <= before
    if not overlapping.any():
        return _empty()
    data = data[series.ngroup().isin(series.ngroup()[overlapping])]
    cols = [*key, C.PERIOD_START, C.PERIOD_END, C.BATCH, C.VALUE, C.ID, C.MONTH]
    pairs = data[cols].merge(data[cols], on=key, suffixes=("_a", "_b"))
    start_a, end_a = pd.to_datetime(pairs[f"{C.PERIOD_START}_a"]), pd.to_datetime(pairs[f"{C.PERIOD_END}_a"])
    start_b, end_b = pd.to_datetime(pairs[f"{C.PERIOD_START}_b"]), pd.to_datetime(pairs[f"{C.PERIOD_END}_b"])
    pairs = pairs[(pairs[f"{C.BATCH}_a"] < pairs[f"{C.BATCH}_b"]) & (start_a <= end_b) & (start_b <= end_a)]
    if pairs.empty:
        return _empty()
    report = [C.ORGANISATION, C.INDICATOR, C.ACTIVITY, C.PCODE, f"{C.PERIOD_START}_a", f"{C.PERIOD_END}_a",
              f"{C.BATCH}_a", f"{C.PERIOD_START}_b", f"{C.PERIOD_END}_b", f"{C.BATCH}_b"]
    items = pairs.groupby(report, sort=False).agg(
        month=(f"{C.MONTH}_b", "first"), value_a=(f"{C.VALUE}_a", "sum"), value_b=(f"{C.VALUE}_b", "sum"),
        ids_a=(f"{C.ID}_a", lambda s: tuple(set(s))), ids_b=(f"{C.ID}_b", lambda s: tuple(set(s)))).reset_index()
    recs = items.to_dict("records")
    return pd.DataFrame({
        "check": "overlap",
        "key": [item_key("overlap", r[C.ORGANISATION], r[C.INDICATOR], r[C.ACTIVITY], r[C.PCODE],
                         r[f"{C.PERIOD_START}_a"], r[f"{C.PERIOD_START}_b"], r[f"{C.BATCH}_a"], r[f"{C.BATCH}_b"])
                for r in recs],
        "severity": "warning",
        C.INDICATOR: items[C.INDICATOR], C.ACTIVITY: items[C.ACTIVITY], C.PCODE: items[C.PCODE],
        C.MONTH: items["month"], "organisations": [(r[C.ORGANISATION],) for r in recs], C.VALUE: items["value_b"],
        "detail": _texts(Text.of(N_("{organisation}: {start} to {end} (import #{batch}, {value}) overlaps {other_start} "
                                    "to {other_end} (import #{other_batch}, {other_value}); the overlap is counted "
                                    "twice"),
                                 organisation=r[C.ORGANISATION], start=_day(r[f"{C.PERIOD_START}_a"]),
                                 end=_day(r[f"{C.PERIOD_END}_a"]), batch=str(r[f"{C.BATCH}_a"]),
                                 value=Num(r["value_a"], 0), other_start=_day(r[f"{C.PERIOD_START}_b"]),
                                 other_end=_day(r[f"{C.PERIOD_END}_b"]), other_batch=str(r[f"{C.BATCH}_b"]),
                                 other_value=Num(r["value_b"], 0))
                         for r in recs),
        "rows": [tuple(sorted(int(i) for i in set(r["ids_a"]) | set(r["ids_b"]))) for r in recs],
    })[ITEM_COLUMNS]


def compute_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """All three checks' items (columns :data:`ITEM_COLUMNS`), newest month first."""
    exact = compute_duplicate_reports(frame)
    parts = [p for p in (exact, compute_near_duplicates(frame, exclude=exact), compute_overlaps(frame))
             if not p.empty]
    if not parts:
        return _empty()
    both = pd.concat(parts, ignore_index=True)
    return both.sort_values([C.MONTH, "check", C.INDICATOR], ascending=[False, True, True], ignore_index=True)
