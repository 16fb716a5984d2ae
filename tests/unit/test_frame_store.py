"""The frames pages read are kept under a memory budget (MHPSS_MEMORY_CACHE_MB), least recently used dropped
first: a server that had been asked for every period of a ten-million-row database no longer keeps them all."""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

from dashboard import cache
from dashboard.cache import FrameStore, frame_bytes
from dashboard.filters import Filters, Period
from dashboard.privacy import FULL_ACCESS
from dashboard.settings import SettingsError, load_settings

MB = 1024 * 1024


def frame_of(mb: int) -> pd.DataFrame:
    return pd.DataFrame({"value": np.zeros(mb * MB // 8)})


def test_the_least_recently_used_frames_go_first_once_past_the_budget() -> None:
    store, reads = FrameStore(), []

    def read(name: str, mb: int):  # type: ignore[no-untyped-def]
        return lambda: reads.append(name) or frame_of(mb)

    for name in ("a", "b", "c"):
        store.get(name, read(name, 1), 3.5 * MB)
    store.get("a", read("a", 1), 3.5 * MB)  # a hit: "a" is now the most recent
    assert reads == ["a", "b", "c"]
    store.get("d", read("d", 1), 3.5 * MB)  # over the budget: "b", the least recently used, goes
    assert store.kept_bytes <= 3.5 * MB
    store.get("a", read("a", 1), 3.5 * MB)
    store.get("b", read("b", 1), 3.5 * MB)
    assert reads == ["a", "b", "c", "d", "b"]


def test_the_newest_frame_is_kept_even_when_larger_than_the_budget() -> None:
    store = FrameStore()
    store.get("small", lambda: frame_of(1), 4 * MB)
    big = store.get("big", lambda: frame_of(8), 4 * MB)
    assert len(store) == 1
    assert store.get("big", lambda: pytest.fail("read again"), 4 * MB) is big  # type: ignore[arg-type,return-value]


def test_sessions_asking_for_a_frame_being_read_wait_for_that_one_read() -> None:
    store, reads = FrameStore(), []

    def slow() -> pd.DataFrame:
        reads.append(1)
        time.sleep(0.2)
        return frame_of(1)

    got: list[pd.DataFrame] = []
    threads = [threading.Thread(target=lambda: got.append(store.get("k", slow, 64 * MB))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reads) == 1 and all(g is got[0] for g in got)


def test_frame_bytes_counts_text_columns() -> None:
    frame = pd.DataFrame({"pcode": ["UA53"] * 100_000, "value": np.ones(100_000)})
    assert frame_bytes(frame) >= 100_000 * (8 + 4)


def test_the_cube_is_read_again_after_it_was_dropped_and_gives_the_same_figures(
        fixture_db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()
    monkeypatch.setattr(cache, "_budget_bytes", lambda: 200_000)  # the fixture's frames are small
    version = cache.data_version(fixture_db_url)
    year, everything = Period("2025-01", "2025-12"), None
    first = cache.cube(fixture_db_url, version, Filters(), year, True, FULL_ACCESS).copy()
    assert frame_bytes(first) > 0
    everything = cache.cube(fixture_db_url, version, Filters(preset="all"), everything, True, FULL_ACCESS)
    assert frame_bytes(first) + frame_bytes(everything) > 200_000, "the frames should pass the budget together"
    assert len(cache._frames) == 1  # the year's cube was dropped
    again = cache.cube(fixture_db_url, version, Filters(), year, True, FULL_ACCESS)
    pd.testing.assert_frame_equal(again, first)
    cache.clear()


@pytest.mark.parametrize(("env", "value", "message"), [
    ("MHPSS_MEMORY_CACHE_MB", "lots", "MHPSS_MEMORY_CACHE_MB must be a whole number, got 'lots'"),
    ("MHPSS_MEMORY_CACHE_MB", "0", "MHPSS_MEMORY_CACHE_MB must be 1 or more, got 0"),
    ("MHPSS_DUCKDB_MEMORY", "512", "MHPSS_DUCKDB_MEMORY must be an amount of memory such as 512MB or 2GB, got '512'"),
])
def test_a_bad_memory_setting_is_named(env: str, value: str, message: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SettingsError, match=message):
        load_settings({env: value}, secrets_path=tmp_path / "none.toml")


def test_memory_settings_are_read() -> None:
    settings = load_settings({"MHPSS_MEMORY_CACHE_MB": "2048", "MHPSS_DUCKDB_MEMORY": "2 GB"})
    assert (settings.memory_cache_mb, settings.duckdb_memory) == (2048, "2 GB")
