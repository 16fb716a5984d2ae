"""Sub-commands for partner files: ``import FILE``, ``template OUT.xlsx``, ``rollback BATCH_ID``, ``history``.

Exit 0 with a one-line summary on success; exit 2 with one line per problem on rejected input (each line
names the row, column and value); never a traceback for a problem a user can cause. The command line speaks
English (the catalogue's source language), whatever language the calling process last used; the template it
writes is the English one.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from dashboard import i18n
from dashboard.settings import load_settings, resolve_database_url
from dashboard.store import StoreError, describe_error, get_engine, upgrade

WARNINGS_SHOWN = 200
CHANGES_SHOWN = 50  # on success; a rejected file lists every problem
_DB_HELP = "database URL (default MHPSS_DATABASE_URL or the embedded SQLite file)"


def _engine(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    url = resolve_database_url(args.db) if getattr(args, "db", None) else load_settings().database_url
    engine = get_engine(url)
    upgrade(engine)
    return engine


def _user() -> str:
    try:
        return f"{getpass.getuser()} (command line)"
    except (KeyError, OSError):
        return "command line"


def _fail(lines: list[str]) -> int:
    for line in lines:
        print(line, file=sys.stderr)
    return 2


def cmd_import(args: argparse.Namespace) -> int:
    from data_sources.importing import ImportFileError, import_file

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail([f"error: cannot read {path}: {exc.strerror or exc}"])
    engine = _engine(args)
    today = load_settings().current_date()
    try:
        result = import_file(engine, data, path.name, dry_run=args.dry_run, allow_partial=args.allow_partial,
                             created_by=_user(), today=today)
    except ImportFileError as exc:
        lines = exc.lines()
        head = str(exc) if len(exc.problems) > 1 or str(exc) != lines[0] else None
        return _fail(([f"rejected: {head}"] if head else []) + lines)
    finally:
        engine.dispose()
    plan = result.plan
    lines = plan.report.lines()
    for line in lines[:WARNINGS_SHOWN]:  # errors (a partial import) come first, then warnings
        print(line, file=sys.stderr)
    if len(lines) > WARNINGS_SHOWN:
        print(f"… and {len(lines) - WARNINGS_SHOWN:,} more (the Import page lists them all)",
              file=sys.stderr)
    print(result.summary())
    if args.dry_run and result.status == "dry_run" and not plan.changes.examples.empty:
        print("values that would change (old → new):")
        for row in plan.changes.examples.head(CHANGES_SHOWN).itertuples(index=False):
            print(f"  row {row.row}, {row.organisation}, {row.indicator}, {row.location}, {row.period_start}, "
                  f"{row.sex}/{row.age_band}/{row.population_group}/{row.disability}: "
                  f"{row.old_value:g} → {row.value:g} (batch {row.old_batch})")
        if plan.changes.changed > CHANGES_SHOWN:
            print(f"  … and {plan.changes.changed - CHANGES_SHOWN:,} more (the Import page downloads them all)")
    return 0


def cmd_template(args: argparse.Namespace) -> int:
    from data_sources.importing.template import write_template

    engine = _engine(args)
    try:
        with engine.connect() as conn:
            content = write_template(conn)
    finally:
        engine.dispose()
    out = Path(args.out)
    try:
        out.write_bytes(content)
    except OSError as exc:
        return _fail([f"error: cannot write {out}: {exc.strerror or exc}"])
    print(f"wrote the blank 4W template to {out}")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    from data_sources.importing import ImportFileError, rollback_batch

    engine = _engine(args)
    try:
        result = rollback_batch(engine, args.batch_id, by=_user())
    except ImportFileError as exc:
        return _fail([f"error: {line}" for line in exc.lines()])
    finally:
        engine.dispose()
    print(result.summary())
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from data_sources.importing import import_history

    engine = _engine(args)
    try:
        frame = import_history(engine, limit=args.limit)
    finally:
        engine.dispose()
    if frame.empty:
        print("no file imports yet")
        return 0
    for row in frame.itertuples(index=False):
        print(f"batch {row.batch}  {row.when:%Y-%m-%d %H:%M}  {row.status:<11} {row.rows:>9,} values  "
              f"{row.file}  by {row.by or 'unknown'}")
    return 0


def _guarded(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A database failure half-way (locked file, lost connection) is one line and exit 2: the transaction
    was rolled back, so nothing was written. The command runs in English."""
    def run(args: argparse.Namespace) -> int:
        with i18n.language(i18n.DEFAULT):
            try:
                return command(args)
            except SQLAlchemyError as exc:
                return _fail([f"error: {describe_error(exc)}; nothing was written"])

    return run


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the import, template, rollback and history sub-commands to ``python -m data_sources``."""
    imp = sub.add_parser("import", help="import a partner 4W / HXL file (CSV or XLSX)")
    imp.add_argument("file", help="the CSV or XLSX file")
    imp.add_argument("--dry-run", action="store_true", help="validate and show what would change; write nothing")
    imp.add_argument("--allow-partial", action="store_true",
                     help="import the valid rows and leave out rows with errors (default: reject the whole file)")
    imp.add_argument("--db", help=_DB_HELP)
    imp.set_defaults(func=_guarded(cmd_import))
    tpl = sub.add_parser("template", help="write the blank 4W reporting template (XLSX with drop-down lists)")
    tpl.add_argument("out", help="output .xlsx file")
    tpl.add_argument("--db", help=_DB_HELP)
    tpl.set_defaults(func=_guarded(cmd_template))
    rb = sub.add_parser("rollback", help="undo a file import: delete its values, restore what it replaced")
    rb.add_argument("batch_id", type=int, help="the batch number shown by `history`")
    rb.add_argument("--db", help=_DB_HELP)
    rb.set_defaults(func=_guarded(cmd_rollback))
    hist = sub.add_parser("history", help="list file imports, newest first")
    hist.add_argument("--limit", type=int, default=50, help="how many to list (default 50)")
    hist.add_argument("--db", help=_DB_HELP)
    hist.set_defaults(func=_guarded(cmd_history))


__all__ = ["register", "StoreError"]
