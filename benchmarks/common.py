"""Helpers shared by benchmarks: a timer with peak memory, throwaway databases, and for the page benchmarks
the cached synthetic database (``benchmarks/data/``, named by size and seed-code hash), clean child
processes whose own peak memory is read with ``wait4``, and medians."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("MHPSS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
T = TypeVar("T")


def full() -> bool:
    """True when the slow sizes were asked for (``--full``)."""
    return os.environ.get("MHPSS_BENCH_FULL") == "1"


def timed(fn: Callable[[], T], *, trace_memory: bool = False) -> tuple[T, float, float]:
    """Run ``fn``; return its result, seconds, and peak Python heap in MB (traced) or max RSS in MB."""
    if trace_memory:
        tracemalloc.start()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
    return result, seconds, peak


@contextmanager
def postgres_database() -> Iterator[str | None]:
    """A throwaway PostgreSQL database URL (None if the server is not reachable)."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"mhpss_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:  # noqa: BLE001 - no server: the caller skips the PostgreSQL rows
        yield None
        return
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# --- the page benchmarks (bench_pages): a cached synthetic database, clean child processes, medians ---

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "benchmarks" / "data"
RESULTS_DIR = REPO / "benchmarks" / "results"
TODAY = date(2026, 11, 25)
# The code that decides what a seeded database holds: a change to any of these rebuilds the cached file.
SEED_CODE = ("data_sources/seed.py", "data_sources/demo.py", "data_sources/catalogue.py", "data_sources/reference.py",
             "data_sources/batches.py", "dashboard/store.py", "dashboard/migrations.py",
             "geo/admin.py")


def seed_code_hash() -> str:
    """A short digest of the seed code (:data:`SEED_CODE`) and the pinned date."""
    digest = hashlib.sha256(TODAY.isoformat().encode())
    for name in SEED_CODE:
        path = REPO / name
        digest.update(name.encode() + b"\0" + (path.read_bytes() if path.exists() else b""))
    return digest.hexdigest()[:10]


def database_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """Where the synthetic database of ``rows`` demo fact rows lives (named by size and seed-code hash)."""
    return data_dir / f"mhpss_{rows}_{seed_code_hash()}.db"


def ensure_database(rows: int, log: Callable[[str], None] = print, data_dir: Path = DATA_DIR) -> Path:
    """The cached SQLite database of ``rows`` demo fact rows, built with the demo generator if missing.

    Built in a child process into a temporary name and renamed when complete, so an interrupted build
    never leaves a half-seeded file that looks finished. Older files for the same size are removed."""
    path = database_path(rows, data_dir)
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".building")
    partial.unlink(missing_ok=True)
    log(f"building {path.name} ({rows:,} demo fact rows)…")
    started = time.perf_counter()
    code = ("import sys; from datetime import date; from dashboard import store; from data_sources.seed import seed; "
            "e = store.get_engine(sys.argv[1]); s = seed(e, int(sys.argv[2]), today=date.fromisoformat(sys.argv[3])); "
            "e.dispose(); print(s.demo_facts)")
    subprocess.run([sys.executable, "-c", code, f"sqlite:///{partial}", str(rows), TODAY.isoformat()],
                   cwd=REPO, env=child_env(None), check=True, capture_output=True, text=True)
    for old in data_dir.glob(f"mhpss_{rows}_*.db"):
        old.unlink()
    partial.rename(path)
    log(f"built {path.name} in {time.perf_counter() - started:.0f} s")
    return path


#: The application's own code, compiled to bytecode before the cold starts are measured.
APP_CODE = ("Home.py", "pages", "dashboard", "data_sources", "geo")


def compile_app(log: Callable[[str], None] = print) -> None:
    """Write the bytecode caches of the app's own modules, as a deployment's first start does (pip did the same
    for the installed packages). Without them every server start compiles the app's modules from source
    again: about 0.25 s of a cold start on a machine that sets ``PYTHONDONTWRITEBYTECODE`` (the development
    machines of this project do)."""
    import compileall

    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        log("  PYTHONDONTWRITEBYTECODE is set here: compiling the app's modules once, as a deployment's first "
            "start would")
    for name in APP_CODE:
        path = REPO / name
        ok = compileall.compile_file(path, quiet=1) if path.is_file() else compileall.compile_dir(path, quiet=1)
        if not ok:
            raise RuntimeError(f"{path} does not compile")


def code_version() -> str:
    """The commit measured, with ``+changes`` when the app's code has uncommitted edits (the figures then
    belong to the working tree, not to that commit)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "Home.py", "pages", "dashboard", "data_sources", "geo")
    return head + ("+changes" if dirty else "")


def child_env(db: Path | None, **extra: str) -> dict[str, str]:
    """The environment for a measured child: no ``MHPSS_*`` from the caller (so the local single-user role
    with full rights applies and no secrets change the run), the database and the pinned date."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHPSS_")}
    env["MHPSS_TODAY"] = TODAY.isoformat()
    if db is not None:
        env["MHPSS_DATABASE_URL"] = f"sqlite:///{db}"
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


@dataclass(frozen=True)
class Child:
    """A finished child process: exit code, output, wall seconds and its own peak resident memory."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_rss_mb: float

    def last_json(self) -> dict[str, Any]:
        """The last line of stdout as JSON (how measuring children report)."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        if self.returncode != 0 or not lines:
            tail = (self.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"exit {self.returncode}: {tail}")
        return dict(json.loads(lines[-1]))


def run_child(args: list[str], env: dict[str, str], timeout: float = 3600) -> Child:
    """Run ``args`` and wait for it with ``wait4``, which gives that child's own peak RSS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=err, text=True)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Child(proc.returncode, out.read(), err.read(), seconds, usage.ru_maxrss / 1024)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(times_ms: list[float]) -> dict[str, float | int | None]:
    """Median, min, max and count of ``times_ms`` (None when nothing was measured)."""
    if not times_ms:
        return {"median_ms": None, "min_ms": None, "max_ms": None, "runs": 0}
    return {"median_ms": round(statistics.median(times_ms), 1), "min_ms": round(min(times_ms), 1),
            "max_ms": round(max(times_ms), 1), "runs": len(times_ms)}
