"""Command line for live sources: ``refresh [SOURCE]`` and ``status``, registered on ``python -m data_sources``.

Errors a user can cause (unknown or unconfigured source, unreachable server, bad answer) exit 2 with one line
each and never a traceback; no token ever appears in the output.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine

from dashboard import store
from dashboard.settings import LIVE_SOURCE_NAMES, Settings, load_settings, resolve_database_url
from data_sources import refresh as live
from data_sources.connectors import ConnectorError
from data_sources.connectors.base import Progress


def _engine(args: argparse.Namespace, settings: Settings) -> Engine:
    url = resolve_database_url(args.db) if getattr(args, "db", None) else settings.database_url
    engine = store.get_engine(url)
    store.upgrade(engine)
    return engine


def _progress(enabled: bool) -> Progress:
    def report(message: str) -> None:
        if enabled:
            print(f"  {message}", file=sys.stderr, flush=True)

    return report


def cmd_refresh(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = _engine(args, settings)
    try:
        if args.source is None:
            for status in live.status(engine, settings):
                if not status.configured:
                    print(f"skipped {status.label}: not configured (set {' and '.join(status.missing)})")
            if not live.configured_sources(settings):
                print("error: no live source is configured", file=sys.stderr)
                return 2
        names = [args.source] if args.source else None
        results = live.refresh_sources(engine, settings, names, only_due=args.due, progress=_progress(args.verbose))
    except ConnectorError as exc:
        print(f"error: {live.redact(settings, str(exc))}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if not results:
        print("nothing to refresh: no configured source is due")
    for result in results:
        if result.ok:
            plural = "s" if result.requests != 1 else ""
            print(f"{result.label}: {result.message} ({result.requests} request{plural}, {result.seconds:.1f} s)")
            for warning in result.warnings:
                print(f"  warning: {warning}")
        else:
            print(f"error: {result.message}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 2


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings()
    engine = _engine(args, settings)
    try:
        statuses = live.status(engine, settings)
    finally:
        engine.dispose()
    failed = False
    for status in statuses:
        print(live.describe(status))
        if args.check and status.configured:
            try:
                print(f"  connection: {live.check(settings, status.name)}")
            except ConnectorError as exc:
                failed = True
                print(f"  connection failed: {exc}")
    return 2 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``refresh`` and ``status`` to the ``python -m data_sources`` parser."""
    names = ", ".join(LIVE_SOURCE_NAMES)
    refresh = sub.add_parser("refresh", help="pull configured live sources (one transaction per source)")
    refresh.add_argument("source", nargs="?", metavar="SOURCE", help=f"one of {names}; default: every configured source")
    refresh.add_argument("--due", action="store_true", help="only sources whose refresh interval has passed")
    refresh.add_argument("--db", help="database URL (default MHPSS_DATABASE_URL or the embedded SQLite file)")
    refresh.add_argument("-v", "--verbose", action="store_true", help="print progress (pages) to stderr")
    refresh.set_defaults(func=cmd_refresh)
    status = sub.add_parser("status", help="last success, last attempt, rows, errors and next due per source")
    status.add_argument("--check", action="store_true", help="also test each configured source's connection")
    status.add_argument("--db", help="database URL (default MHPSS_DATABASE_URL or the embedded SQLite file)")
    status.set_defaults(func=cmd_status)
