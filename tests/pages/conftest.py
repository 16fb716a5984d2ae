"""AppTest helpers: a seeded fixture database per test, cleared caches, and download bytes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard import cache
from tests.conftest import FIXTURE_TODAY

_STORAGES: list[MemoryMediaFileStorage] = []


class _RecordingStorage(MemoryMediaFileStorage):
    """Media storage that stays reachable after the run, so tests can read what a download would send."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        _STORAGES.append(self)


@pytest.fixture(autouse=True)
def _app_env(fixture_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MHPSS_TODAY", FIXTURE_TODAY.isoformat())
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _RecordingStorage)
    cache.clear()
    _STORAGES.clear()
    yield fixture_db_url
    cache.clear()


REPO_ROOT = Path(__file__).resolve().parents[2]


def run_page(path: str, *, state: Mapping[str, Any] | None = None, **params: str) -> AppTest:
    """Run ``path`` (relative to the repository root) with URL parameters ``params`` and the session state
    ``state`` set before the first run (a chosen tab, for instance)."""
    at = AppTest.from_file(str(REPO_ROOT / path), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    return at.run()


def download_bytes(at: AppTest, key: str) -> bytes:
    """The bytes the download button ``key`` serves (eager data only)."""
    button = at.get("download_button")
    proto = next(b.proto for b in button if b.proto.id.endswith(key) or key in b.proto.id)
    filename = proto.url.rsplit("/", 1)[-1]
    for storage in reversed(_STORAGES):
        try:
            return bytes(storage.get_file(filename).content)
        except Exception:  # noqa: BLE001 - try the next run's storage
            continue
    raise AssertionError(f"no stored file for download {key}")


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
