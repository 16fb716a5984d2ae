"""Fixtures shared by the read-path tests (tests/unit/test_readpath.py, tests/unit/test_fact_queries.py); a
module that defines its own ``engine`` or ``snap`` uses its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from dashboard import readpath, snapshot, store


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, fixture_db_path: Path) -> Engine:
    """An engine on a copy of the fixture database, one per test module."""
    import shutil

    target = tmp_path_factory.mktemp("readpath") / "fixture.db"
    shutil.copy(fixture_db_path, target)
    return store.get_engine(f"sqlite:///{target}")


@pytest.fixture(scope="module")
def snap(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> readpath.Reader:
    """The snapshot read path over :func:`engine`'s database."""
    folder = tmp_path_factory.mktemp("snap")
    return readpath.Reader(engine, snapshot.ensure(engine, folder, snapshot.signature(engine)))
