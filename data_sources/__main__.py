"""Command line: ``python -m data_sources COMMAND``. Errors a user can cause exit 2 with one line each."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence

from dashboard.settings import SettingsError, load_settings, resolve_database_url
from dashboard.store import StoreError, get_engine

COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _engine_for(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    url = resolve_database_url(args.db) if getattr(args, "db", None) else load_settings().database_url
    return get_engine(url)


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from data_sources.seed import seed

    engine = _engine_for(args)
    started = time.perf_counter()
    summary = seed(engine, args.rows, today=load_settings().current_date())  # MHPSS_TODAY pins the demo's months
    elapsed = time.perf_counter() - started
    print(
        f"seeded {engine.url.render_as_string(hide_password=True)}: {summary.reference_facts} reference "
        f"facts written (0 = unchanged), {summary.demo_facts:,} demo fact rows in {elapsed:.1f} s"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data_sources", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    seed = sub.add_parser("seed-demo", help="(re)build the database with reference facts and demo rows")
    seed.add_argument("--rows", type=int, default=None, help="demo fact rows (default MHPSS_SEED_ROWS)")
    seed.add_argument("--db", help="database URL (default MHPSS_DATABASE_URL or the embedded SQLite file)")
    seed.set_defaults(func=cmd_seed_demo)
    for register in _EXTENSIONS:
        register(sub)
    return parser


# Other modules add their sub-commands here (import, template, refresh, status).
_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []  # type: ignore[type-arg]

from data_sources.cli_import import register as _register_import  # noqa: E402

_EXTENSIONS.append(_register_import)

from data_sources.cli_sources import register as _register_sources  # noqa: E402

_EXTENSIONS.append(_register_sources)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "rows", 0) is None:
            args.rows = load_settings().seed_rows
        if getattr(args, "rows", None) is not None and args.rows < 0:
            print("error: --rows must be 0 or more", file=sys.stderr)
            return 2
        return int(args.func(args))
    except (SettingsError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was committed by the unfinished step", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
