"""Schema migrations, applied in place by :func:`dashboard.store.upgrade`.

A new database is created directly at the current schema; an older one runs each step after its recorded
version. Steps use Alembic's operations (use batch mode where SQLite must rebuild a table) and must keep every row.
"""

from __future__ import annotations

from collections.abc import Callable

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import Boolean, Column, Connection, String, Text, text, true


def _ops(conn: Connection) -> Operations:
    return Operations(MigrationContext.configure(conn))


def _v2_publishing_and_authors(conn: Connection) -> None:
    """Version 2: indicators can be unpublished (public view) and batches record who imported them."""
    ops = _ops(conn)
    ops.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR(64) PRIMARY KEY, value VARCHAR(255) NOT NULL)")
    # Plain ADD COLUMN (SQLite supports it with a constant default), so no table is rebuilt.
    ops.add_column("indicators", Column("is_published", Boolean, nullable=False, server_default=true()))
    ops.add_column("import_batches", Column("created_by", String(120)))
    if conn.execute(text("SELECT COUNT(*) FROM meta WHERE key = 'data_version'")).scalar_one() == 0:
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('data_version', '1')"))


def _v3_workflow_tables(conn: Connection) -> None:
    """Version 3: saved import mappings, reporting plan, reviews, live-source runs and the audit log."""
    from dashboard import store

    for table in (store.column_mappings, store.reporting_plan, store.reviews, store.source_runs, store.audit_log):
        table.create(conn, checkfirst=True)


def _v4_translations(conn: Connection) -> None:
    """Version 4: Ukrainian and Polish names, definitions and units of indicators, names of activities.

    Nullable columns added with plain ADD COLUMN (no table rebuilt); they stay empty until the catalogue is
    seeded again (``data_sources.seed.ensure_seeded`` does it right after this upgrade), and readers fall back
    to English while they are empty.
    """
    ops = _ops(conn)
    for lang in ("uk", "pl"):
        ops.add_column("indicators", Column(f"name_{lang}", String(300)))
        ops.add_column("indicators", Column(f"definition_{lang}", Text))
        ops.add_column("indicators", Column(f"unit_{lang}", String(80)))
        ops.add_column("activities", Column(f"name_{lang}", String(300)))


def _v5_fact_cube(conn: Connection) -> None:
    """Version 5: the facts pre-aggregated for the read path in database mode (``fact_cube``, empty: it is
    built for the current data version on first read) and an index on the facts' month for period filters.

    The index is built in this transaction: on PostgreSQL it blocks writes to the facts while it builds
    (6 s at ten million rows); reads go on.
    """
    from dashboard import store

    store.fact_cube.create(conn, checkfirst=True)
    month = next(index for index in store.facts.indexes if index.name == "ix_facts_month")
    month.create(conn, checkfirst=True)


MIGRATIONS: dict[int, Callable[[Connection], None]] = {
    2: _v2_publishing_and_authors,
    3: _v3_workflow_tables,
    4: _v4_translations,
    5: _v5_fact_cube,
}
