"""The system of record: SQLAlchemy tables, engine creation, schema migrations and the data version.

Every write path goes through one transaction that also bumps ``meta.data_version``, so caches keyed by
the data version show new data at once. Nothing here imports streamlit. Error messages are in the current
language (English on the command line).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    select,
    text,
    true,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from dashboard.i18n import _

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

SCHEMA_VERSION = 5  # bump together with a new entry in dashboard.migrations.MIGRATIONS

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("acronym", String(40)),
    Column("org_type", String(20), nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
)

locations = Table(
    "locations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pcode", String(20), nullable=False, unique=True),
    Column("iso_code", String(10)),
    Column("country", String(3), nullable=False),
    Column("admin_level", Integer, nullable=False),
    Column("name_en", String(120), nullable=False),
    Column("name_local", String(120)),
    Column("parent_pcode", String(20)),
    Column("lat", Float),
    Column("lon", Float),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(10), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("activity_group", String(40), nullable=False),
    Column("pyramid_layer", Integer),  # 1-4; empty for general activities (training, coordination…)
    # v4: the name in Ukrainian and Polish (empty: people read the English name), see dashboard.names
    Column("name_uk", String(300)),
    Column("name_pl", String(300)),
)

indicators = Table(
    "indicators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("definition", Text, nullable=False),
    Column("unit", String(40), nullable=False),
    Column("aggregation", String(30), nullable=False),
    Column("framework_ref", Text),
    Column("disaggregations", String(80), nullable=False, default=""),  # e.g. "sex,age_band,population_group"
    Column("is_headline", Boolean, nullable=False, default=False),
    Column("sort_order", Integer, nullable=False, default=0),
    Column("is_published", Boolean, nullable=False, default=True, server_default=true()),  # v2
    # v4: name, definition and unit in Ukrainian and Polish (empty: the English text), see dashboard.names
    Column("name_uk", String(300)),
    Column("name_pl", String(300)),
    Column("definition_uk", Text),
    Column("definition_pl", Text),
    Column("unit_uk", String(80)),
    Column("unit_pl", String(80)),
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(80), nullable=False),
    Column("file_name", String(255)),
    Column("content_hash", String(64)),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("rows", Integer, nullable=False, default=0),
    Column("status", String(20), nullable=False),  # running, committed, failed, rolled_back
    Column("messages", Text, nullable=False, default=""),
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("created_by", String(120)),  # v2
)

targets = Table(
    "targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id"), nullable=False),
    Column("location_id", ForeignKey("locations.id")),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source", Text),
    Column("is_demo", Boolean, nullable=False, default=False),
)

facts = Table(
    "facts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator_id", ForeignKey("indicators.id"), nullable=False),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("activity_id", ForeignKey("activities.id")),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("period_month", String(7), nullable=False),  # YYYY-MM of period_start, for portable grouping
    Column("sex", String(10), nullable=False),
    Column("age_band", String(10), nullable=False),
    Column("population_group", String(12), nullable=False),
    Column("disability", String(10), nullable=False),
    Column("value", Float, nullable=False),
    Column("batch_id", ForeignKey("import_batches.id"), nullable=False),
    Column("replaced_by", ForeignKey("import_batches.id")),  # set when a newer report replaces this one
    Column("is_demo", Boolean, nullable=False, default=False),
    Column("source", Text),
    Column("note", Text),
    Index("ix_facts_indicator_month", "indicator_id", "period_month"),
    Index("ix_facts_batch", "batch_id"),
    Index("ix_facts_org", "organisation_id"),
    Index("ix_facts_location", "location_id"),
    Index("ix_facts_month", "period_month"),  # v5: a period filter without an indicator
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("event_date", Date, nullable=False),
    Column("end_date", Date),
    Column("date_precision", String(5), nullable=False, default="day"),  # day or month
    Column("title", String(255), nullable=False),
    Column("place", String(120)),
    Column("kind", String(20), nullable=False),
    Column("status", String(12), nullable=False, default="held"),  # held or planned
    Column("source", Text),
    Column("is_demo", Boolean, nullable=False, default=False),
    UniqueConstraint("event_date", "title", name="uq_events_date_title"),
)

denominators = Table(
    "denominators",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("location_id", ForeignKey("locations.id"), nullable=False),
    Column("measure", String(20), nullable=False),  # refugees_present, residents, refugee_arrivals
    Column("population_group", String(12), nullable=False),
    Column("ref_date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("source", Text, nullable=False),
    Column("is_demo", Boolean, nullable=False, default=False),
    UniqueConstraint("location_id", "measure", "population_group", "ref_date", name="uq_denominator"),
)

# --- version 3: tables for saved import mappings, the reporting plan, reviews, live-source runs, audit ---

column_mappings = Table(
    "column_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("header_key", String(64), nullable=False, unique=True),  # sha256 of the normalised header row
    Column("headers", Text, nullable=False),  # JSON list of the file's headers
    Column("mapping", Text, nullable=False),  # JSON {file header: store column}
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(120)),
)

reporting_plan = Table(
    "reporting_plan",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), nullable=False),
    Column("month_from", String(7), nullable=False),
    Column("month_to", String(7)),  # empty: open-ended
    Column("note", Text),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(120)),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("check_name", String(40), nullable=False),
    Column("item_key", String(255), nullable=False),
    Column("status", String(20), nullable=False),  # reviewed, open
    Column("comment", Text),
    Column("reviewed_by", String(120)),
    Column("reviewed_at", DateTime, nullable=False),
    UniqueConstraint("check_name", "item_key", name="uq_review_item"),
)

source_runs = Table(
    "source_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(40), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(20), nullable=False),  # running, success, failed
    Column("rows", Integer, nullable=False, default=0),
    Column("message", Text),
    Column("batch_id", ForeignKey("import_batches.id")),
    Index("ix_source_runs_source", "source", "started_at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(60), nullable=False),
    Column("detail", Text),
)


# --- version 5: the facts pre-aggregated for the read path in database mode ---

#: The current facts summed at the grain every indicator rule needs: the database's copy of the snapshot's
#: cube (same columns as :data:`dashboard.queries.cube_table`, built by :func:`dashboard.readpath.refresh_database_cube`
#: for the data version recorded in ``meta`` under :data:`CUBE_VERSION`). Derived data: rebuilt, never edited.
fact_cube = Table(
    "fact_cube",
    metadata,
    Column("indicator", String(40), nullable=False),
    Column("ind_order", Integer, nullable=False),
    Column("organisation", String(200), nullable=False),
    Column("org_type", String(20), nullable=False),
    Column("activity", String(10)),
    Column("pyramid_layer", Integer),
    Column("country", String(3), nullable=False),
    Column("pcode", String(20), nullable=False),
    Column("iso_code", String(10)),
    Column("area", String(120), nullable=False),
    Column("admin_level", Integer, nullable=False),
    Column("month", String(7), nullable=False),
    Column("population_group", String(12), nullable=False),
    Column("source", Text),
    Column("adm1_iso", String(10)),
    Column("value", Float, nullable=False),
    Column("is_demo", Integer, nullable=False),
    Column("rows", Integer, nullable=False),
    Index("ix_fact_cube_month", "month"),
    Index("ix_fact_cube_indicator_month", "indicator", "month"),
)
CUBE_VERSION = "cube_version"  # meta key: the state of the facts (facts_state) fact_cube was built for


class StoreError(RuntimeError):
    """The database cannot be reached or used; the message names the setting and the cause."""


def _describe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return _("(unparseable URL)")


def get_engine(url: str) -> Engine:
    """Return an engine for ``url``, checking that it parses, its driver exists and it answers.

    A SQLite file's folder is created on first use. Raises :class:`StoreError` with a one-line reason.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(_(
            "MHPSS_DATABASE_URL is not a valid database URL: {url} "
            "(expected e.g. sqlite:///data/mhpss.db or postgresql+psycopg://user@host/db)"
        ).format(url=repr(url))) from None
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        try:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(_("MHPSS_DATABASE_URL: cannot create the folder for {path}: {reason}").format(
                path=parsed.database, reason=exc.strerror)) from None
    try:
        engine = create_engine(parsed, future=True, pool_pre_ping=True)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise StoreError(_(
            "MHPSS_DATABASE_URL names a database driver that is not installed or not known: {url} ({reason})"
        ).format(url=_describe_url(url), reason=exc)) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise StoreError(_("MHPSS_DATABASE_URL: cannot connect to {url}: {reason}").format(
            url=_describe_url(url), reason=reason)) from None
    return engine


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def current_schema_version(conn: Connection) -> int:
    """Return the schema version recorded in the database, 0 for an empty database."""
    names = set(inspect(conn).get_table_names())
    if "meta" not in names:
        return 1 if "facts" in names else 0
    row = conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 1


def upgrade(engine: Engine) -> int:
    """Create the schema on an empty database or migrate an older one in place; return the old version.

    Runs in one transaction (SQLite and PostgreSQL both have transactional DDL).
    """
    with engine.begin() as conn:
        found = current_schema_version(conn)
        if found > SCHEMA_VERSION:
            raise StoreError(_(
                "the database is at schema version {found}, newer than this code ({current}); update the dashboard"
            ).format(found=found, current=SCHEMA_VERSION))
        if found == SCHEMA_VERSION:  # the usual case: nothing to write (and Alembic is not imported)
            return found
        if found == 0:
            metadata.create_all(conn)
        else:
            from dashboard.migrations import MIGRATIONS

            for version in range(found + 1, SCHEMA_VERSION + 1):
                log.info("migrating schema to version %s", version)
                MIGRATIONS[version](conn)
        _set_meta(conn, "schema_version", str(SCHEMA_VERSION))
        if found == 0:
            _set_meta(conn, "data_version", "0")
    return found


def _set_meta(conn: Connection, key: str, value: str) -> None:
    updated = conn.execute(meta.update().where(meta.c.key == key).values(value=value)).rowcount
    if not updated:
        conn.execute(meta.insert().values(key=key, value=value))


def refresh_statistics(engine: Engine) -> None:
    """After a bulk write (the demo seed): have PostgreSQL refresh the planner's statistics now instead of when
    autovacuum gets to it. Without them the first reads after seeding a million rows were planned for empty
    tables (a nested loop over every fact row: 2.5 s instead of 0.7 s for one indicator's provenance). Other
    databases: nothing."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")


def bump_data_version(conn: Connection) -> int:
    """Increment the data version inside the caller's transaction; return the new version."""
    version = read_data_version(conn) + 1
    _set_meta(conn, "data_version", str(version))
    return version


def read_data_version(conn: Connection) -> int:
    """Return the data version, a counter that changes with every write."""
    row = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).first()
    return int(row[0]) if row else 0


def facts_state(conn: Connection) -> str:
    """What the current facts are, as a hash: every import batch (id, status, content hash, time), the newest
    fact id and the dimension tables. Facts only change through import batches, so the same state means the
    same facts. The data version is not part of it: it also changes when the facts do not (a review, a
    reporting-plan entry, a refresh that found nothing new), and what is built from the facts (the snapshot,
    the database's cube, the kept data-quality checks) need not be built again then."""
    import hashlib

    from sqlalchemy import func

    digest = hashlib.sha256()
    b = import_batches
    for stmt in (select(func.max(facts.c.id)),
                 select(b.c.id, b.c.status, b.c.content_hash, b.c.finished_at).order_by(b.c.id),
                 *(select(t).order_by(t.c.id) for t in (indicators, organisations, activities, locations))):
        for row in conn.execute(stmt):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def cube_state(conn: Connection) -> str | None:
    """The state of the facts (:func:`facts_state`) :data:`fact_cube` was built for, None before it ever was."""
    return conn.execute(select(meta.c.value).where(meta.c.key == CUBE_VERSION)).scalar()


def cube_is_current(conn: Connection) -> bool:
    """True when :data:`fact_cube` was built for the current state of the facts (:func:`facts_state`)."""
    return cube_state(conn) == facts_state(conn)


def set_cube_version(conn: Connection, state: str) -> None:
    """Record, inside the transaction that rebuilt :data:`fact_cube`, the state of the facts it holds."""
    _set_meta(conn, CUBE_VERSION, state)


def is_empty(conn: Connection) -> bool:
    """True when the store holds no indicators yet (a new database to seed)."""
    return conn.execute(select(indicators.c.id).limit(1)).first() is None


def describe_error(exc: BaseException) -> str:
    """One line for a database error raised while reading or writing."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, OperationalError):
        return _("database error: {reason}").format(reason=str(exc.orig).splitlines()[0])
    return f"{type(exc).__name__}: {exc}"


def bulk_insert(conn: Connection, table: Table, frame: "pd.DataFrame", *, keys_checked: bool = False) -> int:
    """Insert a frame whose columns are a subset of ``table``'s, fast, inside the caller's transaction.

    PostgreSQL gets COPY (no parameter limit); other dialects get a DBAPI executemany. Dates and
    booleans must already be Python/ISO values; missing values must be None or NaN. Returns rows written.

    ``keys_checked``: the caller has resolved every foreign key from the store in this same transaction, so
    PostgreSQL may skip its per-row foreign-key triggers during the COPY (five times faster). That needs a
    role allowed to set ``session_replication_role``; without it the triggers simply run.
    """
    import io

    if frame.empty:
        return 0
    columns = list(frame.columns)
    unknown = set(columns) - set(table.c.keys())
    if unknown:
        raise ValueError(f"{table.name} has no columns {sorted(unknown)}")
    dbapi = conn.connection.dbapi_connection
    if conn.dialect.name == "postgresql":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, header=False, na_rep="\\N")
        column_list = ", ".join(f'"{name}"' for name in columns)
        sql = f"COPY {table.name} ({column_list}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        skipped = keys_checked and _skip_fk_triggers(conn)
        with dbapi.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            copy.write(buffer.getvalue())
        if skipped:
            conn.exec_driver_sql("SET LOCAL session_replication_role = DEFAULT")
        return len(frame)
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    cleaned = frame.astype(object).where(frame.notna(), None)
    cursor = dbapi.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, cleaned.itertuples(index=False, name=None))
    finally:
        cursor.close()
    return len(frame)


def _skip_fk_triggers(conn: Connection) -> bool:
    """Turn off PostgreSQL's foreign-key triggers for the rest of this transaction if the role may."""
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
    except SQLAlchemyError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True
