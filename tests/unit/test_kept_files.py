"""Kept checks (alerts for Home, findings for the Data quality page) and freshness figures are written per state
of the facts and per day; those not written for two days are removed, on either read path, so a long-running
deployment's cache folder does not grow without end."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dashboard import cache, snapshot

OLD = time.time() - 3 * 86_400


def make(folder: Path, name: str, *, old: bool) -> Path:
    path = folder / name
    path.write_bytes(b"x")
    if old:
        os.utime(path, (OLD, OLD))
    return path


NAMES = ["alerts-abc-1.pkl", "findings-abc-1.pkl", ".findings-abc-1.pkl.lock", ".alerts-abc-1.pkl.lock",
         "freshness-abc.json"]


def test_kept_checks_and_freshness_figures_older_than_two_days_are_removed(tmp_path: Path) -> None:
    old = [make(tmp_path, name, old=True) for name in NAMES]
    fresh = [make(tmp_path, name.replace("abc", "def"), old=False) for name in NAMES]
    snapshot_file = make(tmp_path, "facts-abc.parquet", old=True)  # snapshots follow their own rule
    snapshot.remove_stale_files(tmp_path)
    assert [p.name for p in old if p.exists()] == []
    assert all(p.exists() for p in fresh) and snapshot_file.exists()


def test_the_database_read_path_sweeps_them_too(fixture_db_url: str, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_READ_PATH", "database")
    monkeypatch.setenv("MHPSS_CACHE_DIR", str(tmp_path))
    cache.clear()
    stale = [make(tmp_path, name, old=True) for name in NAMES]
    cache.reader(fixture_db_url, cache.data_version(fixture_db_url))
    assert [p.name for p in stale if p.exists()] == []
    cache.clear()
