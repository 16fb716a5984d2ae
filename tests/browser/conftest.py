"""Real-browser fixtures: a Streamlit server on a free port against a seeded fixture database, and a page
in Debian's headless Chromium (no browser download)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_TODAY, REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def streamlit_server(db: Path, **extra_env: str) -> Iterator[str]:
    """``streamlit run Home.py`` on a free port against the SQLite file ``db``; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "MHPSS_DATABASE_URL": f"sqlite:///{db}", "MHPSS_TODAY": FIXTURE_TODAY.isoformat(), **extra_env}
    log_path = db.parent / f"server-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "Home.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{base}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError(f"streamlit did not start; log: {log_path.read_text()[-2000:]}")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (required in CI)")
        pytest.skip("chromium is not installed")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, fixture_db_path: Path) -> Iterator[str]:
    """Base URL of ``streamlit run Home.py`` on a free port, using a copy of the fixture database."""
    require_chromium()
    db = tmp_path_factory.mktemp("browser") / "browser.db"
    shutil.copy(fixture_db_path, db)
    with streamlit_server(db) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def wait_until_rendered(pg: object) -> None:
    """Wait for the script run to finish (and for charts, if any, to draw)."""
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)  # type: ignore[attr-defined]
    pg.wait_for_timeout(500)  # type: ignore[attr-defined]
    pg.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=90_000)  # type: ignore[attr-defined]


def screenshot(pg: object, name: str) -> Path:
    """Full-page screenshot into docs/screenshots (the page scrolls inside stMain)."""
    height = pg.evaluate(  # type: ignore[attr-defined]
        "() => { const m = document.querySelector('[data-testid=\"stMain\"]'); return m ? m.scrollHeight : 900; }")
    pg.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 6000)})  # type: ignore[attr-defined]
    pg.wait_for_timeout(800)  # type: ignore[attr-defined]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    pg.screenshot(path=str(path))  # type: ignore[attr-defined]
    return path
