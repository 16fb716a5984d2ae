"""The columnar snapshot: the read path's fast copy of the current facts.

The SQL database stays the system of record. For each state of the facts (every import, rollback and
refresh that brings new rows changes it) the flat fact view (:func:`dashboard.queries.flat_select`: current
facts of committed batches with their dimension columns) is written once to a Parquet file in
``MHPSS_CACHE_DIR``, sorted by month and indicator so that a period filter reads only the row groups it needs.
Pages then run the read path's statements (:mod:`dashboard.queries`, ``flat_*``) in DuckDB against that file:
the same SQLAlchemy statements that ``MHPSS_READ_PATH=database`` sends to the configured database.

Writing is streamed (chunks of :data:`CHUNK_ROWS` rows) and atomic: a temporary file is renamed into place
only when complete, so a crash leaves either the old snapshot or none, never half of one.

The file is named by a signature of what it holds (:func:`signature`): every import batch (id, status, content
hash, time), the newest fact id and the dimension tables. Facts only change through import batches, so two
databases with the same signature hold the same facts: copies of one database (test fixtures, a staging
copy) share one file, and a changed database never reads another's. The data version is not part of it: what
bumps the version without touching the facts (a co-lead's review, a reporting-plan entry, a refresh that found
nothing new) keeps the snapshot, which at ten million rows takes minutes to rebuild. Files not used for a day
are removed, keeping the most recent :data:`KEEP_FILES`.

No streamlit here: :mod:`dashboard.cache` decides when to call it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, Select
from sqlalchemy.dialects import postgresql

from dashboard import columns as C
from dashboard import queries
from dashboard.settings import load_settings

FORMAT = 2  # bump when the files' columns change (2: with the pre-aggregated cube)
CHUNK_ROWS = 250_000
ROW_GROUP_ROWS = 122_880  # DuckDB's own row-group size: min/max per group let it skip months

_SCHEMA = pa.schema([
    (C.ID, pa.int64()), (C.INDICATOR, pa.string()), (queries.ORDER, pa.int32()), (C.ORGANISATION, pa.string()),
    (C.ORG_TYPE, pa.string()), (C.ACTIVITY, pa.string()), (C.LAYER, pa.int32()), (C.COUNTRY, pa.string()),
    (C.PCODE, pa.string()), (C.ISO, pa.string()), (queries.ADM1, pa.string()), (C.AREA, pa.string()),
    (C.ADMIN_LEVEL, pa.int32()), (C.MONTH, pa.string()), (C.PERIOD_START, pa.date32()),
    (C.PERIOD_END, pa.date32()), (C.SEX, pa.string()), (C.AGE, pa.string()), (C.GROUP, pa.string()),
    (C.DISABILITY, pa.string()), (C.VALUE, pa.float64()), (C.IS_DEMO, pa.bool_()), (C.SOURCE, pa.string()),
    (C.NOTE, pa.string()), (C.BATCH, pa.int64()),
])
assert _SCHEMA.names == queries.FLAT_COLUMNS
# While building, organisation names and P-codes also travel as their rank: DuckDB sorts integers much faster.
_RANKS = ("_org_rank", "_pcode_rank")
_BUILD_SCHEMA = _SCHEMA.append(pa.field(_RANKS[0], pa.int32())).append(pa.field(_RANKS[1], pa.int32()))

_build_lock = threading.Lock()


KEEP_FILES = 8


def signature(engine: Engine) -> str:
    """What the snapshot of ``engine``'s database would hold, as a short hash (see the module docstring and
    :func:`dashboard.store.facts_state`)."""
    from dashboard import store

    with engine.connect() as conn:
        state = store.facts_state(conn)
    return hashlib.sha256(f"format {FORMAT} {state}".encode()).hexdigest()[:20]


def path_for(cache_dir: str | Path, sig: str) -> Path:
    """Where the snapshot with signature ``sig`` lives."""
    return Path(cache_dir) / f"facts-{sig}.parquet"


def cube_path(path: Path) -> Path:
    """The pre-aggregated companion of the snapshot at ``path`` (see :data:`dashboard.queries.cube_table`)."""
    return path.with_name(path.name.replace("facts-", "cube-", 1))


def ensure(engine: Engine, cache_dir: str | Path, sig: str) -> Path:
    """The snapshot file with signature ``sig`` (see :func:`signature`), built first if it does not exist."""
    path = path_for(cache_dir, sig)
    if path.exists():
        os.utime(path)  # in use: keep it
        return path
    with _build_lock:  # one build per process; a second caller waits and then finds the file
        if not path.exists():
            build(engine, path)
            _remove_unused(path.parent)
    return path


def build(engine: Engine, path: Path) -> int:
    """Write the flat view of ``engine``'s database to ``path`` (atomically); return the number of rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unsorted = path.with_name(f".{path.stem}-{uuid.uuid4().hex[:8]}.unsorted.parquet")
    final_tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex[:8]}.tmp.parquet")
    cube_tmp = path.with_name(f".{path.stem}-{uuid.uuid4().hex[:8]}.cube.parquet")
    rows = 0
    try:
        with pq.ParquetWriter(unsorted, _BUILD_SCHEMA) as writer, engine.connect() as conn:
            dims = queries.read_dimensions(conn)
            ranks = (_rank(dims.organisations["name"]), _rank(dims.locations["pcode"]))
            # The facts table alone, its dimensions added in pandas: much faster than the SQL join.
            result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
                queries.lean_facts_select())
            for part in result.partitions():
                chunk = [tuple(row) for row in part]
                writer.write_table(_to_arrow(queries.flat_from_lean(chunk, dims), ranks))
                rows += len(chunk)
            if rows == 0:
                writer.write_table(_BUILD_SCHEMA.empty_table())
        with duckdb.connect() as con:
            # DuckDB's working memory for the sort (it spills to disk beyond it): MHPSS_DUCKDB_MEMORY.
            con.execute(f"SET memory_limit = '{load_settings().duckdb_memory}'")
            con.execute("SET preserve_insertion_order = false")
            con.execute(
                f"COPY (SELECT {', '.join(queries.FLAT_COLUMNS)} FROM read_parquet('{_sql_path(unsorted)}') "
                f"ORDER BY {C.MONTH}, {queries.ORDER}, {_RANKS[0]}, {_RANKS[1]}, {C.ID}) TO '{_sql_path(final_tmp)}' (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
            keys = ", ".join([*queries.CUBE_KEYS, queries.ADM1])
            con.execute(
                f"COPY (SELECT {keys}, SUM({C.VALUE}) AS {C.VALUE}, MAX(CAST({C.IS_DEMO} AS INTEGER)) AS {C.IS_DEMO}, "
                f"COUNT(*) AS {queries.ROWS} FROM read_parquet('{_sql_path(final_tmp)}') GROUP BY {keys} "
                f"ORDER BY {C.MONTH}, {queries.ORDER}) TO '{_sql_path(cube_tmp)}' "
                f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})")
        cube_tmp.replace(cube_path(path))  # the cube first: a facts file in place means both are complete
        final_tmp.replace(path)
    finally:
        for tmp in (unsorted, final_tmp, cube_tmp):
            tmp.unlink(missing_ok=True)
    return rows


def _rank(values: pd.Series) -> dict[str, int]:
    """Each distinct text's position in code-point order (how pandas and DuckDB sort text)."""
    return {text: i for i, text in enumerate(sorted({str(v) for v in values}))}


def _to_arrow(frame: pd.DataFrame, ranks: tuple[dict[str, int], dict[str, int]]) -> pa.Table:
    out = frame.assign(**{_RANKS[0]: frame[C.ORGANISATION].map(ranks[0]).astype("int32"),
                          _RANKS[1]: frame[C.PCODE].map(ranks[1]).astype("int32")})
    return pa.Table.from_pandas(out, schema=_BUILD_SCHEMA, preserve_index=False)


def row_count(path: Path) -> int:
    """How many fact rows the snapshot at ``path`` holds (from the file's footer)."""
    return int(pq.ParquetFile(path).metadata.num_rows)


#: The files kept beside the snapshots per state of the facts, period and day (``alerts-<signature>-<key>.pkl``
#: for Home, ``findings-…`` for the Data quality page: see :mod:`dashboard.alert_cache`), with their lock files.
KEPT_CHECKS = ("alerts", "findings")
#: How long kept checks and freshness figures stay once written (seconds): they were judged on another day or
#: belong to an older state of the facts by then, and are computed again when next needed.
KEEP_CHECKS_FOR = 2 * 86_400


def _remove_unused(folder: Path) -> None:
    """Drop snapshots not used for a day, beyond the :data:`KEEP_FILES` most recent, with their cube and kept
    checks (a file still open in a query stays readable until closed), then what :func:`remove_stale_files`
    drops."""
    import time

    files = sorted(folder.glob("facts-*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP_FILES:]:
        if time.time() - old.stat().st_mtime > 86_400:
            cube_path(old).unlink(missing_ok=True)
            sig = old.stem.removeprefix("facts-")
            for kept in (p for kind in KEPT_CHECKS for p in folder.glob(f"{kind}-{sig}-*.pkl")):
                kept.unlink(missing_ok=True)
            old.unlink(missing_ok=True)
    remove_stale_files(folder)


def remove_stale_files(folder: Path) -> None:
    """Drop the kept checks (alerts and findings, with their lock files) and freshness figures written more than
    :data:`KEEP_CHECKS_FOR` ago, on either read path (the database read path keeps them in the same folder and
    writes no snapshot). A file that vanishes meanwhile (another process swept it) is skipped."""
    import time

    stale = [*(p for kind in KEPT_CHECKS for pattern in (f"{kind}-*.pkl", f".{kind}-*.lock")
               for p in folder.glob(pattern)), *folder.glob("freshness-*.json")]
    for path in stale:
        try:
            if time.time() - path.stat().st_mtime > KEEP_CHECKS_FOR:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def compile_sql(stmt: Select) -> str:  # type: ignore[type-arg]
    """A read-path statement as DuckDB SQL (DuckDB speaks PostgreSQL's dialect; values inlined)."""
    return str(stmt.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


#: Open DuckDB databases, one per snapshot, with the ``flat`` and ``cube`` views defined (most recent last).
_databases: dict[Path, duckdb.DuckDBPyConnection] = {}
_databases_lock = threading.Lock()
KEEP_OPEN = 4


def _database(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database whose views read the snapshot at ``path``: opened once per snapshot (about
    ten milliseconds saved on every statement). Each statement runs on its own cursor, so threads may share it;
    a database dropped from the few kept open closes when its last cursor is done."""
    with _databases_lock:
        con = _databases.pop(path, None)
        if con is None:
            con = duckdb.connect(config={"threads": 2})
            con.execute(f"CREATE VIEW flat AS SELECT * FROM read_parquet('{_sql_path(path)}')")
            if cube_path(path).exists():
                con.execute(f"CREATE VIEW cube AS SELECT * FROM read_parquet('{_sql_path(cube_path(path))}')")
        _databases[path] = con
        while len(_databases) > KEEP_OPEN:
            del _databases[next(iter(_databases))]
        return con


def run(path: Path, stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
    """Run ``stmt`` (written against :data:`dashboard.queries.flat_table`) over the snapshot at ``path``."""
    with _database(path).cursor() as cur:
        return cur.execute(compile_sql(stmt)).to_arrow_table().to_pandas()
