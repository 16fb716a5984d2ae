"""Small fact frames with the read path's columns (dashboard/columns.py) for the data-quality tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from dashboard import columns as C

DEFAULTS: dict[str, Any] = {
    C.INDICATOR: "PPL_REACHED", C.ORGANISATION: "Org A", C.ORG_TYPE: "nngo", C.ACTIVITY: "2.1", C.LAYER: 3,
    C.COUNTRY: "POL", C.PCODE: "PL14", C.ISO: "PL-MZ", C.AREA: "Mazowieckie", C.ADMIN_LEVEL: 1,
    C.MONTH: "2025-03", C.SEX: "all", C.AGE: "all", C.GROUP: "all", C.DISABILITY: "all", C.VALUE: 10.0,
    C.IS_DEMO: False, C.SOURCE: None, C.NOTE: None, C.BATCH: 1,
}


def fact(**values: Any) -> dict[str, Any]:
    """One fact row: the defaults overridden by ``values``; period dates follow the month unless given."""
    row = {**DEFAULTS, **values}
    month = str(row[C.MONTH])
    start = date(int(month[:4]), int(month[5:7]), 1)
    row.setdefault(C.PERIOD_START, start)
    row.setdefault(C.PERIOD_END, (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date())
    return row


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """A fact frame; ids are 1, 2, 3… in order unless a row gives its own."""
    out = pd.DataFrame([{C.ID: i + 1, **row} for i, row in enumerate(rows)])
    if out.empty:
        return pd.DataFrame(columns=[C.ID, *DEFAULTS, C.PERIOD_START, C.PERIOD_END])
    out[C.VALUE] = out[C.VALUE].astype(float)
    for col in (C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH, C.SEX, C.AGE, C.GROUP, C.DISABILITY):
        out[col] = out[col].astype("str")
    return out


def monthly(values: list[float], start: str = "2024-01", **fixed: Any) -> list[dict[str, Any]]:
    """One row per month from ``start`` with the given values (None: no report that month)."""
    rows = []
    year, month = int(start[:4]), int(start[5:7])
    for value in values:
        if value is not None:
            rows.append(fact(**{C.MONTH: f"{year:04d}-{month:02d}", C.VALUE: value, **fixed}))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return rows
