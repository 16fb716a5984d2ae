"""Where the read path's statements run: the columnar snapshot (DuckDB over Parquet, the default) or the
configured database itself (``MHPSS_READ_PATH=database``, every filter and aggregation pushed down as SQL).

The statements are the same either way (``flat_*`` in :mod:`dashboard.queries`); only the ``flat`` they are
written against differs: the snapshot's file, or the facts joined to their dimensions in the database. Frames
come back with the column names and types of :func:`dashboard.queries.fetch_facts`, so the rules in
:mod:`dashboard.indicators` work on either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, FromClause, Select

from dashboard import columns as C
from dashboard import queries, snapshot
from dashboard.filters import Filters, Period


@dataclass(frozen=True)
class Reader:
    """Runs read-path statements against the snapshot at ``path``, or in the database when it is None."""

    engine: Engine
    path: Path | None = None

    @property
    def flat(self) -> FromClause:
        return queries.flat_table if self.path is not None else queries.flat_select().subquery("flat")

    def frame(self, stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
        if self.path is not None:
            return snapshot.run(self.path, stmt)
        with self.engine.connect() as conn:
            result = conn.execute(stmt)
            return pd.DataFrame(result.cursor.fetchall(), columns=list(result.keys()))  # type: ignore[union-attr]


def read_facts(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True,
               limit: int | None = None) -> pd.DataFrame:
    """Current fact rows matching the filters (as :func:`dashboard.queries.fetch_facts`), at most ``limit``."""
    stmt = queries.flat_rows_stmt(reader.flat, filters, period, with_indicator=with_indicator, limit=limit,
                                  ordered=reader.path is None)
    return _typed(reader.frame(stmt))


def read_ids(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> pd.Series:
    """The ids of the fact rows matching the filters."""
    stmt = queries.flat_ids_stmt(reader.flat, filters, period, with_indicator=with_indicator)
    return reader.frame(stmt)[C.ID].astype("int64")


def count_facts(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> int:
    frame = reader.frame(queries.flat_count_stmt(reader.flat, filters, period, with_indicator=with_indicator))
    return int(frame.iloc[0, 0]) if not frame.empty else 0


def read_cube(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True,
              dims: tuple[str, ...] = ()) -> pd.DataFrame:
    """Values summed at the grain every indicator rule needs (:data:`dashboard.queries.CUBE_KEYS`, plus
    ``dims``), with ``rows`` (fact rows behind each), in month and indicator order."""
    source = _cube_source(reader, filters, dims)
    stmt = queries.flat_cube_stmt(source, filters, period, with_indicator=with_indicator, dims=dims)
    frame = _typed(reader.frame(stmt))
    frame[queries.ROWS] = frame[queries.ROWS].astype("int64")
    if source is not queries.cube_table:  # the cube file is stored in month and indicator order already
        frame = frame.sort_values([C.MONTH, queries.ORDER], kind="stable", ignore_index=True)
    return frame.drop(columns=queries.ORDER)


def _cube_source(reader: Reader, filters: Filters, dims: tuple[str, ...]) -> FromClause:
    """The snapshot's pre-aggregated cube when it can answer (no sex, age or disability filter or breakdown),
    else the flat view."""
    needs_rows = filters.sexes or filters.age_bands or any(d in queries.NOT_IN_CUBE for d in dims)
    if reader.path is not None and not needs_rows and snapshot.cube_path(reader.path).exists():
        return queries.cube_table
    return reader.flat


def read_first_reports(reader: Reader, filters: Filters) -> pd.DataFrame:
    frame = reader.frame(queries.flat_first_reports_stmt(_cube_source(reader, filters, ()), filters))
    frame[C.IS_DEMO] = frame[C.IS_DEMO].astype(bool)
    return frame


def read_org_months(reader: Reader, filters: Filters, period: Period) -> pd.DataFrame:
    return reader.frame(queries.flat_org_months_stmt(_cube_source(reader, filters, ()), filters, period))


_STR = (C.INDICATOR, C.ORGANISATION, C.ORG_TYPE, C.ACTIVITY, C.COUNTRY, C.PCODE, C.ISO, C.AREA, C.MONTH, C.SEX,
        C.AGE, C.GROUP, C.DISABILITY)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The types :func:`dashboard.queries.fetch_facts` returns, whatever engine produced the frame."""
    out = frame.copy()
    for name in _STR:
        if name in out:
            out[name] = out[name].astype("str")
    for name in (C.ID, C.BATCH, C.ADMIN_LEVEL):
        if name in out:
            out[name] = out[name].astype("int64")
    if C.LAYER in out:
        out[C.LAYER] = out[C.LAYER].astype("Int64")
    for name in (C.PERIOD_START, C.PERIOD_END):
        if name in out and not (len(out) and isinstance(out[name].iloc[0], date)):  # SQLite: text
            out[name] = pd.to_datetime(out[name].astype("str").str.slice(0, 10), format="%Y-%m-%d").dt.date
    if C.VALUE in out:
        out[C.VALUE] = out[C.VALUE].astype(float)
    if C.IS_DEMO in out:
        out[C.IS_DEMO] = out[C.IS_DEMO].astype(bool)
    for name in (C.SOURCE, C.NOTE):
        if name in out:
            # As pandas infers it from driver rows: NaN for missing text, None when nothing is filled in.
            filled = out[name].notna().any()
            out[name] = out[name].astype("str").astype(object) if filled else pd.Series(
                [None] * len(out), index=out.index, dtype=object)
    return out
