"""Where the read path's statements run: the columnar snapshot (DuckDB over Parquet, the default) or the
configured database itself (``MHPSS_READ_PATH=database``, every filter and aggregation pushed down as SQL).

The statements are the same either way (``flat_*`` in :mod:`dashboard.queries`); only the ``flat`` they are
written against differs: the snapshot's file, or the facts joined to their dimensions in the database. Frames
come back with the column names and types of :func:`dashboard.queries.fetch_facts`, so the rules in
:mod:`dashboard.indicators` work on either.

Each side keeps the facts pre-aggregated at the grain the indicator rules need, for every read that does not
need the report rows (no sex, age or disability filter or breakdown): the snapshot's cube file, and in the
database the ``fact_cube`` table (:data:`dashboard.queries.database_cube`), rebuilt in one transaction by
:func:`refresh_database_cube` for each state of the facts (:func:`dashboard.store.facts_state`). A reader uses
the table only when told it is current (``Reader.database_cube``; :mod:`dashboard.cache` checks and rebuilds it
first), so a stale cube is never read.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Engine,
    Float,
    FromClause,
    Integer,
    Select,
    String,
    delete,
    insert,
    text,
)

from dashboard import columns as C
from dashboard import fact_queries, queries, snapshot, store
from dashboard.filters import Filters, Period


@dataclass(frozen=True)
class Reader:
    """Runs read-path statements against the snapshot at ``path``, or in the database when it is None; there,
    ``database_cube`` says the database's cube table is current and may answer (see
    :func:`refresh_database_cube`)."""

    engine: Engine
    path: Path | None = None
    database_cube: bool = False

    @property
    def flat(self) -> FromClause:
        return queries.flat_table if self.path is not None else queries.flat_select().subquery("flat")

    def frame(self, stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
        if self.path is not None:
            return snapshot.run(self.path, stmt)
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                return _copied(conn, stmt)
            result = conn.execute(stmt)
            return pd.DataFrame(result.cursor.fetchall(), columns=list(result.keys()))  # type: ignore[union-attr]


def _copied(conn: Connection, stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
    """``stmt``'s rows from PostgreSQL as ``COPY … TO STDOUT`` CSV parsed by Arrow: no Python object per value
    (a million cube rows arrive several times faster, and ten million fact rows in a fraction of the memory
    that driver tuples take). Values are inlined as for DuckDB (:func:`dashboard.snapshot.compile_sql`); each
    column is parsed as its SQL type says, and an unquoted empty field is NULL, a quoted one an empty text."""
    names = list(stmt.selected_columns.keys())
    types = {name: _ARROW_TYPES.get(col.type._type_affinity, pa.string())  # type: ignore[arg-type]
             for name, col in zip(names, stmt.selected_columns, strict=True)}
    buffer = io.BytesIO()
    sql = f"COPY ({snapshot.compile_sql(stmt)}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with conn.connection.dbapi_connection.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    table = pacsv.read_csv(
        buffer, parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True,
                                             quoted_strings_can_be_null=False, true_values=["t"],
                                             false_values=["f"]))
    return table.to_pandas()


_ARROW_TYPES = {String: pa.string(), Integer: pa.int64(), Float: pa.float64(), Boolean: pa.bool_(),
                Date: pa.date32()}


def read_facts(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True,
               limit: int | None = None, columns: Sequence[str] | None = None,
               places: Sequence[str] | None = None) -> pd.DataFrame:
    """Current fact rows matching the filters (as :func:`dashboard.queries.fetch_facts`), at most ``limit``;
    only ``columns`` and the P-codes ``places`` when given."""
    stmt = queries.flat_rows_stmt(reader.flat, filters, period, with_indicator=with_indicator, limit=limit,
                                  ordered=reader.path is None, columns=columns, places=places)
    return _typed(reader.frame(stmt))


def count_by_place(reader: Reader, period: Period | None) -> dict[str, int]:
    """How many current fact rows of ``period`` each P-code has."""
    frame = reader.frame(queries.flat_place_counts_stmt(reader.flat, period))
    return {str(pcode): int(rows) for pcode, rows in zip(frame[C.PCODE], frame[queries.ROWS], strict=True)}


def read_series_rows(reader: Reader, months: pd.DataFrame) -> pd.DataFrame:
    """The ids of the fact rows of each indicator × organisation × month in ``months`` (those three columns),
    with those columns: the rows behind months of the outlier checks' series."""
    if months.empty:
        return months.assign(**{C.ID: pd.Series(dtype="int64")})
    frame = _typed(reader.frame(queries.flat_series_rows_stmt(reader.flat, months)))
    return frame.merge(months, on=[C.INDICATOR, C.ORGANISATION, C.MONTH])


def read_ids(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> pd.Series:
    """The ids of the fact rows matching the filters."""
    stmt = queries.flat_ids_stmt(reader.flat, filters, period, with_indicator=with_indicator)
    return reader.frame(stmt)[C.ID].astype("int64")


def count_facts(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> int:
    frame = reader.frame(queries.flat_count_stmt(reader.flat, filters, period, with_indicator=with_indicator))
    return int(frame.iloc[0, 0]) if not frame.empty else 0


def read_cube(reader: Reader, filters: Filters, period: Period | None, *, with_indicator: bool = True,
              dims: tuple[str, ...] = (), rule: str | None = None) -> pd.DataFrame:
    """Values summed at the grain every indicator rule needs (:data:`dashboard.queries.CUBE_KEYS`, plus
    ``dims``), with ``rows`` (fact rows behind each), in month and indicator order. ``rule``: only the keys that
    rule looks at (:data:`dashboard.queries.RULE_KEYS`) and ``dims``, for a table by ``dims`` by that rule."""
    source = _cube_source(reader, filters, dims)
    if reader.path is None and not queries.is_cube(source):  # the database's report rows: summed by their ids
        stmt = fact_queries.fact_sums_stmt(filters, period, with_indicator=with_indicator, dims=dims, rule=rule)
    else:
        stmt = queries.flat_cube_stmt(source, filters, period, with_indicator=with_indicator, dims=dims, rule=rule)
    frame = _typed(reader.frame(stmt))
    frame[queries.ROWS] = frame[queries.ROWS].astype("int64")
    # The cube file is stored in month and indicator order already (when read without grouping again).
    if source is not queries.cube_table or queries.regroups(source, queries.cube_read_keys(dims, rule)):
        frame = frame.sort_values([k for k in (C.MONTH, queries.ORDER) if k in frame], kind="stable",
                                  ignore_index=True)
    return frame.drop(columns=queries.ORDER)


def _cube_source(reader: Reader, filters: Filters, dims: tuple[str, ...]) -> FromClause:
    """The pre-aggregated cube (the snapshot's file, or the database's table when it is current) when it can
    answer (no sex, age or disability filter or breakdown), else the flat view."""
    if filters.sexes or filters.age_bands or any(d in queries.NOT_IN_CUBE for d in dims):
        return reader.flat
    if reader.path is not None:
        return queries.cube_table if snapshot.cube_path(reader.path).exists() else reader.flat
    return queries.database_cube if reader.database_cube else reader.flat


# --- the database's cube (MHPSS_READ_PATH=database) ---

#: PostgreSQL advisory lock held while the cube is rebuilt: app processes sharing one database rebuild it once.
CUBE_LOCK = 0x6D68_7073_7363  # "mhpssc"
_cube_lock = threading.Lock()  # the same within one process (and all SQLite has)


def database_cube_is_current(engine: Engine) -> bool:
    """True when the database's cube was built for the current state of its facts (small queries)."""
    with engine.connect() as conn:
        return store.cube_is_current(conn)


def refresh_database_cube(engine: Engine) -> bool:
    """Rebuild the database's cube for the current state of the facts unless it already is; True if it rebuilt.

    One transaction replaces every row and records the state of the facts read before them, so the cube holds at
    least that version's facts and readers meanwhile keep the previous rows (a write landing during the
    rebuild only makes the next check rebuild again). Concurrent callers wait for one rebuild, then find it done.
    """
    cube = queries.database_cube
    with _cube_lock:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CUBE_LOCK})
            state = store.facts_state(conn)  # read once: the check and the tag (batches and dimension tables)
            if store.cube_state(conn) == state:
                return False
            conn.execute(delete(cube))
            conn.execute(insert(cube).from_select(queries.CUBE_COLUMNS, queries.cube_build_stmt()))
            store.set_cube_version(conn, state)
        if engine.dialect.name == "postgresql":  # the old rows are gone for every reader now: reclaim them
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f"VACUUM (ANALYZE) {cube.name}"))
    return True



def read_first_reports(reader: Reader, filters: Filters) -> pd.DataFrame:
    frame = reader.frame(queries.flat_first_reports_stmt(_cube_source(reader, filters, ()), filters))
    frame[C.IS_DEMO] = frame[C.IS_DEMO].astype(bool)
    return frame


def read_provenance(reader: Reader, filters: Filters, period: Period | None, *,
                    with_indicator: bool = True) -> pd.DataFrame:
    """Import batch, note and breakdown flags of the matching facts (:func:`dashboard.queries.flat_provenance_stmt`)."""
    stmt = (fact_queries.fact_provenance_stmt(filters, period, with_indicator=with_indicator) if reader.path is None
            else queries.flat_provenance_stmt(reader.flat, filters, period, with_indicator=with_indicator))
    frame = reader.frame(stmt)
    frame[C.BATCH] = frame[C.BATCH].astype("int64")
    for flag in queries.DETAIL_FLAGS.values():
        frame[flag] = frame[flag].astype(bool)
    frame[C.NOTE] = frame[C.NOTE].astype(object).where(frame[C.NOTE].notna(), None)
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
