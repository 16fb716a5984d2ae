"""Helpers shared by benchmarks: a timer with peak memory, throwaway databases."""

from __future__ import annotations

import os
import resource
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

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
