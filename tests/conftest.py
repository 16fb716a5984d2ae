"""Shared fixtures: one deterministic fixture database builder, SQLite and PostgreSQL engines.

Tests never read the developer's own ``data/`` folder or secrets: every engine here is a throwaway.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from dashboard import store
from data_sources.seed import seed

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
PG_ADMIN_URL = os.environ.get("MHPSS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURE_TODAY = date(2026, 11, 25)
FIXTURE_ROWS = 20_000


def build_fixture_database(url: str, rows: int = FIXTURE_ROWS) -> Engine:
    """Create and seed a database at ``url`` with the reference facts and ``rows`` demo facts,
    deterministically (fixed seed and a fixed 'today')."""
    engine = store.get_engine(url)
    seed(engine, rows, today=FIXTURE_TODAY)
    return engine


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's secrets or database: settings come from the environment only."""
    monkeypatch.setenv("MHPSS_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    monkeypatch.setattr("dashboard.settings.SECRETS_PATH", tmp_path / "no-secrets.toml")


@pytest.fixture(scope="session", autouse=True)
def _charts_checked_against_the_schema() -> None:
    """Every chart a test draws is checked against the Vega-Lite schema (the app skips the check, see
    dashboard.charts.VALIDATE)."""
    from dashboard import charts

    charts.VALIDATE = True


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> Iterator[Engine]:
    """An empty SQLite database file (no schema yet)."""
    engine = store.get_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def _snapshot_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One folder for the read path's columnar snapshots in the whole session (never the developer's
    data/cache): copies of the fixture database share one snapshot (see dashboard/snapshot.py)."""
    folder = tmp_path_factory.mktemp("snapshots")
    before = os.environ.get("MHPSS_CACHE_DIR")
    os.environ["MHPSS_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("MHPSS_CACHE_DIR", None)
    else:
        os.environ["MHPSS_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def fixture_db_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded SQLite fixture database built once per session; copy it before writing to it."""
    path = tmp_path_factory.mktemp("fixture") / "fixture.db"
    engine = build_fixture_database(f"sqlite:///{path}")
    engine.dispose()
    return path


@pytest.fixture
def fixture_db_url(fixture_db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the fixture database; MHPSS_DATABASE_URL points at it."""
    import shutil

    target = tmp_path / "fixture.db"
    shutil.copy(fixture_db_path, target)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("MHPSS_DATABASE_URL", url)
    return url


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a throwaway PostgreSQL database, dropped afterwards. In CI this must not skip."""
    with _pg_database(PG_ADMIN_URL) as url:
        yield url


@contextmanager
def _pg_database(admin_url: str) -> Iterator[str]:
    """A throwaway PostgreSQL database (skips, or fails in CI, when the server is not reachable)."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {admin_url} (required in CI)")
        pytest.skip(f"PostgreSQL is not reachable at {admin_url}")
    name = f"mhpss_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
            ), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
