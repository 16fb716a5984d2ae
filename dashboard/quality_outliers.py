"""Outliers in each indicator × organisation monthly series (pure pandas): robust z-scores and month-over-month
jumps, as follow-up items that co-leads review.

The series value of a month is the sum of the organisation's report rows for the indicator in that month. A
month without reports is missing, not zero: it is a completeness problem, not an outlier.

Robust z-score (Iglewicz and Hoaglin's modified z): ``z = 0.6745 × (x − median) / MAD`` with MAD the median
absolute deviation from the median; ``|z| > 3.5`` flags. When more than half the months share one value
(MAD = 0), the mean absolute deviation stands in: ``z = (x − median) / (1.253314 × MeanAD)``.

An item's ``detail`` is a :class:`~dashboard.quality_text.Text`, put into words in the reader's language when it
is shown (``str(detail)``).

The checks need only the series (:func:`compute_series`) and, for the months they flag, the report rows behind
them: :func:`compute_follow_up_of_series` takes the series already summed (for instance from parts of a period
read one after another) and a function that finds those rows (:data:`RowsOf`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from dashboard import columns as C
from dashboard.i18n import N_
from dashboard.quality_text import Num, Text

Z_THRESHOLD = 3.5
MIN_MONTHS = 6  # fewer months than this give no stable median
# A month must also differ from the median by at least 20 and by at least a quarter of the median: smooth
# series have tiny MADs, and a 15% seasonal dip is not worth a meeting's time.
MIN_DEVIATION = 20.0
MIN_RELATIVE = 0.25
JUMP_FACTOR = 4.0
JUMP_MINIMUM = 200.0
ITEM_COLUMNS = ["check", "key", "severity", C.INDICATOR, C.ORGANISATION, C.MONTH, C.VALUE, "reference", "detail",
                "rows"]
SERIES_KEYS = [C.INDICATOR, C.ORGANISATION, C.MONTH]
#: Given series months (a frame of :data:`SERIES_KEYS`), the report rows behind them: those keys and ``id``.
RowsOf = Callable[[pd.DataFrame], pd.DataFrame]


def item_key(*parts: object) -> str:
    """A stable review key from readable parts; hashed when longer than the store's 255 characters."""
    import hashlib

    text = "|".join(str(p) for p in parts)
    if len(text) <= 255:
        return text
    return text[:200] + "|" + hashlib.sha256(text.encode()).hexdigest()[:40]


def compute_series(frame: pd.DataFrame) -> pd.DataFrame:
    """Monthly value per indicator × organisation: indicator, organisation, month, value (sorted by month)."""
    if frame.empty:
        return pd.DataFrame(columns=[*SERIES_KEYS, C.VALUE])
    return frame.groupby(SERIES_KEYS, sort=True)[C.VALUE].sum().reset_index()


def rows_in(frame: pd.DataFrame) -> RowsOf:
    """:data:`RowsOf` for report rows all in ``frame``."""
    return lambda wanted: frame[[*SERIES_KEYS, C.ID]].merge(wanted, on=SERIES_KEYS)


def compute_robust_z(values: pd.Series, groups: list[pd.Series]) -> pd.DataFrame:
    """Per row: the group's median, MAD and the modified z-score of ``values`` within ``groups``."""
    grouped = values.groupby(groups, sort=False)
    median = grouped.transform("median")
    deviation = (values - median).abs()
    mad = deviation.groupby(groups, sort=False).transform("median")
    mean_ad = deviation.groupby(groups, sort=False).transform("mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad > 0, 0.6745 * (values - median) / mad,
                     np.where(mean_ad > 0, (values - median) / (1.253314 * mean_ad), 0.0))
    return pd.DataFrame({"median": median, "mad": mad, "z": z}, index=values.index)


def compute_outliers(frame: pd.DataFrame, since: str | None = None, threshold: float = Z_THRESHOLD,
                     min_months: int = MIN_MONTHS, min_deviation: float = MIN_DEVIATION,
                     min_relative: float = MIN_RELATIVE) -> pd.DataFrame:
    """Months whose value is far from the series' median (|robust z| > ``threshold``, and at least
    ``min_deviation`` and ``min_relative`` × median away); one follow-up item each (columns
    :data:`ITEM_COLUMNS`). Series shorter than ``min_months`` are not judged. With ``since`` (YYYY-MM) the
    whole frame sets the median but only months from ``since`` on are flagged."""
    return _outliers(compute_series(frame), rows_in(frame), since, threshold, min_months, min_deviation, min_relative)


def _outliers(series: pd.DataFrame, rows_of: RowsOf, since: str | None = None, threshold: float = Z_THRESHOLD,
              min_months: int = MIN_MONTHS, min_deviation: float = MIN_DEVIATION,
              min_relative: float = MIN_RELATIVE) -> pd.DataFrame:
    if series.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    groups = [series[C.INDICATOR], series[C.ORGANISATION]]
    length = series.groupby(groups, sort=False)[C.VALUE].transform("size")
    stats = compute_robust_z(series[C.VALUE], groups)
    series = pd.concat([series, stats], axis=1)
    distance = (series[C.VALUE] - series["median"]).abs()
    flagged = series[(length >= min_months) & (series["z"].abs() > threshold) & (distance >= min_deviation)
                     & (distance >= min_relative * series["median"].abs())
                     & (series[C.MONTH] >= (since or ""))]
    return _items(rows_of, flagged, "outlier", "median",
                  [Text.of(N_("{value} against a usual {median} (robust z-score {z})"), value=Num(r.value, 0),
                           median=Num(r.median, 0), z=Num(round(r.z, 1), 1, sign=True))
                   for r in flagged.itertuples()])


def compute_jumps(frame: pd.DataFrame, since: str | None = None, factor: float = JUMP_FACTOR,
                  minimum: float = JUMP_MINIMUM) -> pd.DataFrame:
    """Month-over-month jumps: a month above ``factor`` × the previous calendar month (a rise) or below it ÷
    ``factor`` (a fall), with a change of at least ``minimum``. Both months must have reports: a gap is a
    completeness problem. One follow-up item each (columns :data:`ITEM_COLUMNS`)."""
    return _jumps(compute_series(frame), rows_in(frame), since, factor, minimum)


def _jumps(series: pd.DataFrame, rows_of: RowsOf, since: str | None = None, factor: float = JUMP_FACTOR,
           minimum: float = JUMP_MINIMUM) -> pd.DataFrame:
    if series.empty:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    keys = [C.INDICATOR, C.ORGANISATION]
    month_index = series[C.MONTH].str.slice(0, 4).astype(int) * 12 + series[C.MONTH].str.slice(5, 7).astype(int)
    previous = series.groupby(keys, sort=False)[C.VALUE].shift()
    gap = month_index - month_index.groupby([series[k] for k in keys], sort=False).shift()
    previous = previous.where(gap == 1)
    change = (series[C.VALUE] - previous).abs()
    rise = series[C.VALUE] > factor * previous
    fall = series[C.VALUE] * factor < previous
    flagged = series.assign(previous=previous)[(rise | fall) & (change >= minimum)
                                               & (series[C.MONTH] >= (since or ""))]
    return _items(rows_of, flagged, "jump", "previous",
                  [Text.of(N_("{value}, {factor}× the previous month ({previous})"), value=Num(r.value, 0),
                           factor=Num(r.value / r.previous, 1), previous=Num(r.previous, 0))
                   if r.value > r.previous else
                   Text.of(N_("{value}, down from {previous} the month before"), value=Num(r.value, 0),
                           previous=Num(r.previous, 0))
                   for r in flagged.itertuples()])


def _items(rows_of: RowsOf, flagged: pd.DataFrame, check: str, reference: str,
           details: list[Text]) -> pd.DataFrame:
    """Follow-up items (columns :data:`ITEM_COLUMNS`) for the ``flagged`` series months of one check, with the
    fact ids ``rows_of`` finds for them; ``reference`` names the column the value is compared with."""
    out = pd.DataFrame({
        "check": check,
        "key": [item_key(r.indicator, r.organisation, r.month) for r in flagged.itertuples()],
        "severity": "warning",
        C.INDICATOR: flagged[C.INDICATOR], C.ORGANISATION: flagged[C.ORGANISATION], C.MONTH: flagged[C.MONTH],
        C.VALUE: flagged[C.VALUE], "reference": flagged[reference],
        "detail": pd.Series(details, index=flagged.index, dtype=object),
    })
    out["rows"] = _fact_ids(rows_of, out)
    return out.reset_index(drop=True)[ITEM_COLUMNS]


def _fact_ids(rows_of: RowsOf, items: pd.DataFrame) -> list[tuple[int, ...]]:
    if items.empty:
        return []
    hit = rows_of(items[SERIES_KEYS].drop_duplicates())
    ids = {k: tuple(sorted(int(i) for i in g)) for k, g in hit.groupby(SERIES_KEYS)[C.ID]}
    return [ids.get((r.indicator, r.organisation, r.month), ()) for r in items.itertuples()]


def compute_follow_up(frame: pd.DataFrame, since: str | None = None) -> pd.DataFrame:
    """Outliers and jumps together (months from ``since`` on), newest month first (columns
    :data:`ITEM_COLUMNS`)."""
    return compute_follow_up_of_series(compute_series(frame), rows_in(frame), since)


def compute_follow_up_of_series(series: pd.DataFrame, rows_of: RowsOf, since: str | None = None) -> pd.DataFrame:
    """:func:`compute_follow_up` judged on ``series`` (as :func:`compute_series` returns it), the fact ids of
    flagged months found by ``rows_of``."""
    parts = [p for p in (_outliers(series, rows_of, since), _jumps(series, rows_of, since)) if not p.empty]
    if not parts:
        return pd.DataFrame(columns=ITEM_COLUMNS)
    both = pd.concat(parts, ignore_index=True)
    return both.sort_values([C.MONTH, C.INDICATOR, C.ORGANISATION, "check"], ascending=[False, True, True, True],
                            ignore_index=True)
