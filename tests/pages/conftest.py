"""AppTest helpers: a seeded fixture database per test, cleared caches, and download bytes."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard import cache, i18n
from tests.conftest import FIXTURE_TODAY

_STORAGES: list[MemoryMediaFileStorage] = []
_MANAGERS: list[MediaFileManager] = []


class _RecordingStorage(MemoryMediaFileStorage):
    """Media storage that stays reachable after the run, so tests can read what a download would send."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(endpoint)
        _STORAGES.append(self)


class _RecordingManager(MediaFileManager):
    """Media file manager that stays reachable after the run, so tests can press a deferred download."""

    def __init__(self, storage: MemoryMediaFileStorage) -> None:
        super().__init__(storage)
        _MANAGERS.append(self)


@pytest.fixture(autouse=True)
def _app_env(fixture_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("MHPSS_TODAY", FIXTURE_TODAY.isoformat())
    monkeypatch.setattr("streamlit.testing.v1.app_test.MemoryMediaFileStorage", _RecordingStorage)
    monkeypatch.setattr("streamlit.testing.v1.app_test.MediaFileManager", _RecordingManager)
    cache.clear()
    _STORAGES.clear()
    _MANAGERS.clear()
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
    """The bytes the download button ``key`` serves. A deferred download is built as a click in the browser
    would build it: its function runs in another thread, where the page's language is not set."""
    button = at.get("download_button")
    proto = next(b.proto for b in button if b.proto.id.endswith(key) or key in b.proto.id)
    url = proto.url
    if proto.HasField("deferred_file_id"):
        urls: list[str] = []
        worker = threading.Thread(target=lambda: urls.append(_MANAGERS[-1].execute_deferred(proto.deferred_file_id)))
        worker.start()
        worker.join()
        assert urls, f"the deferred download {key} failed"
        url = urls[0]
    filename = url.rsplit("/", 1)[-1]
    for storage in reversed(_STORAGES):
        try:
            return bytes(storage.get_file(filename).content)
        except Exception:  # noqa: BLE001 - try the next run's storage
            continue
    raise AssertionError(f"no stored file for download {key}")


def choose_tab(at: AppTest, tab: str, *, key: str, lang: str = "en") -> AppTest:
    """Rerun ``at`` with ``tab`` (its label as the reader sees it) chosen in the tabs whose state is ``key``: a
    page with lazy tabs draws only the open one."""
    at.session_state[key] = tab
    with i18n.language(lang):  # AppTest formats the widgets' options in the test's thread, as the reader sees them
        return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
