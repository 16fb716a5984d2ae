"""Refreshing live sources, and their status.

A refresh pulls every page first (the connector's ``load``), then writes everything in ONE transaction: an
import batch, the facts (the previous snapshot's facts are marked ``replaced_by`` the new batch, and kept up to
MHPSS_SNAPSHOTS_KEPT snapshots), the denominators (upserted by place, measure, group and date) and the
``source_runs`` row. Either all of it is committed or none of it: a failed refresh keeps the last good data and
records the failure (its message redacted) in ``source_runs``.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, func, select, update
from sqlalchemy.exc import SQLAlchemyError

from dashboard import store
from dashboard.i18n import N_, _, format_datetime, ngettext
from dashboard.settings import LIVE_SOURCE_NAMES, Settings
from dashboard.vocab import LIVE_SOURCES
from data_sources.batches import Lookups, close_batch, insert_facts, open_batch, utcnow
from data_sources.connectors import CONNECTORS, Connector, ConnectorError, LoadResult, make_connector
from data_sources.connectors.base import Progress, quiet

log = logging.getLogger(__name__)

BATCH_PREFIX = "live:"  # import_batches.source of a refresh: "live:unhcr"
RUNNING_WINDOW = timedelta(minutes=15)  # a "running" row older than this was interrupted (process killed)
DEFAULT_ORG_TYPE = "nngo"
runs = store.source_runs
batches = store.import_batches


@dataclass(frozen=True)
class RunResult:
    """The outcome of one refresh, as the CLI and the Sources page report it."""

    source: str
    ok: bool
    message: str
    rows: int = 0
    warnings: tuple[str, ...] = ()
    batch_id: int | None = None
    changed: bool = False
    requests: int = 0
    seconds: float = 0.0

    @property
    def label(self) -> str:
        return LIVE_SOURCES[self.source]


@dataclass(frozen=True)
class SourceStatus:
    """One source's state: configuration, last success, last attempt, errors and when it is next due."""

    name: str
    configured: bool
    missing: tuple[str, ...]
    last_success: datetime | None = None
    last_success_rows: int | None = None
    last_attempt: datetime | None = None
    last_status: str | None = None
    last_message: str | None = None
    failures: int = 0  # failed attempts since the last success
    next_due: datetime | None = None
    running: bool = False
    age_days: int | None = None
    stale: bool = False
    warnings: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return LIVE_SOURCES[self.name]

    @property
    def due(self) -> bool:
        return self.configured and not self.running and (self.next_due is None or self.next_due <= utcnow())


# --- helpers -----------------------------------------------------------------------------------------------


def redact(settings: Settings, text: str) -> str:
    """``text`` without any configured token (a last guard: connectors already redact their messages)."""
    for secret in (settings.kobo_token, settings.activityinfo_token, settings.hapi_app_identifier):
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def _content_hash(result: LoadResult) -> str:
    digest = hashlib.sha256()
    for frame in (result.facts, result.denominators):
        ordered = frame.astype(str).sort_values(list(frame.columns)) if not frame.empty else frame
        digest.update(ordered.to_csv(index=False).encode())
    return digest.hexdigest()


def _add_organisations(conn: Connection, facts: pd.DataFrame, lookups: Lookups) -> int:
    new = facts.loc[~facts["organisation"].isin(list(lookups.organisations)), ["organisation", "org_type"]]
    new = new.drop_duplicates("organisation")
    for row in new.itertuples(index=False):
        conn.execute(store.organisations.insert().values(
            name=row.organisation, org_type=row.org_type or DEFAULT_ORG_TYPE, is_demo=False))
    return len(new)


def _known_codes(facts: pd.DataFrame, lookups: Lookups, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Drop rows whose indicator, activity or place the store does not know; say which values were unknown."""
    warnings = []
    keep = pd.Series(True, index=facts.index)
    for column, known, required in (("indicator", lookups.indicators, True), ("activity", lookups.activities, False),
                                    ("location", lookups.locations, True)):
        values = facts[column]
        unknown = ~values.isin(list(known)) & (values.notna() if not required else True)
        if unknown.any():
            shown = ", ".join(sorted(set(values[unknown].astype(str)))[:5])
            warnings.append(f"{int(unknown.sum())} row(s) left out: {column} not in the catalogue ({shown})")
            keep &= ~unknown
    if len(facts) and not keep.any():
        raise ConnectorError(f"{label}: none of the {len(facts)} rows can be stored: {'; '.join(warnings)}")
    return facts[keep], warnings


def _upsert_denominators(conn: Connection, frame: pd.DataFrame, lookups: Lookups) -> tuple[int, int]:
    """Insert denominators, replacing rows with the same place, measure, group and date, and demo rows for the
    same place, measure and group. Returns (written, replaced rows that came from another source)."""
    if frame.empty:
        return 0, 0
    d = store.denominators
    incoming = frame.assign(location_id=frame["location"].map(lookups.locations))
    incoming = incoming[incoming["location_id"].notna()]
    existing = pd.DataFrame(conn.execute(
        select(d.c.id, d.c.location_id, d.c.measure, d.c.population_group, d.c.ref_date, d.c.source, d.c.is_demo)
        .where(d.c.location_id.in_([int(x) for x in incoming["location_id"].unique()]),
               d.c.measure.in_(list(incoming["measure"].unique())))
    ).all(), columns=["id", "location_id", "measure", "population_group", "ref_date", "source", "is_demo"])
    replaced_other = 0
    if not existing.empty:
        existing["ref_date"] = pd.to_datetime(existing["ref_date"]).dt.date
        existing["location_id"] = existing["location_id"].astype(int)
        keys = incoming.assign(location_id=incoming["location_id"].astype(int))
        same_key = existing.merge(keys[["location_id", "measure", "population_group", "ref_date", "source"]],
                                  on=["location_id", "measure", "population_group", "ref_date"],
                                  suffixes=("", "_new"))
        demo = existing[existing["is_demo"].astype(bool)].merge(
            keys[["location_id", "measure", "population_group"]].drop_duplicates(),
            on=["location_id", "measure", "population_group"])
        replaced_other = int((same_key["source"] != same_key["source_new"]).sum())
        ids = sorted(set(same_key["id"].astype(int)) | set(demo["id"].astype(int)))
        statement = delete(d).where(d.c.id.in_(bindparam("ids", expanding=True)))
        for start in range(0, len(ids), 500):
            conn.execute(statement, {"ids": ids[start:start + 500]})
    rows = pd.DataFrame({
        "location_id": incoming["location_id"].astype(int), "measure": incoming["measure"],
        "population_group": incoming["population_group"], "ref_date": incoming["ref_date"].astype(str),
        "value": incoming["value"].astype(float), "source": incoming["source"], "is_demo": False,
    })
    return store.bulk_insert(conn, d, rows), replaced_other


def _prune(conn: Connection, source_key: str, keep: int) -> int:
    """Delete the facts of snapshots beyond the newest ``keep`` of one source; return how many were pruned."""
    ids = [row[0] for row in conn.execute(
        select(batches.c.id).where(batches.c.source == source_key, batches.c.status == "committed")
        .order_by(batches.c.id.desc()))]
    old = ids[keep:]
    if old:
        conn.execute(delete(store.facts).where(store.facts.c.batch_id.in_(old)))
        conn.execute(update(batches).where(batches.c.id.in_(old)).values(status="pruned"))
    return len(old)


def _write(conn: Connection, connector: Connector, result: LoadResult, run_id: int,
           settings: Settings) -> RunResult:
    """Everything a successful refresh writes, inside the caller's transaction."""
    name, label = connector.name, connector.label
    source_key = BATCH_PREFIX + name
    digest = _content_hash(result)
    last = conn.execute(select(batches.c.id, batches.c.content_hash)
                        .where(batches.c.source == source_key, batches.c.status == "committed")
                        .order_by(batches.c.id.desc()).limit(1)).first()
    if last is not None and last.content_hash == digest:
        message = f"no change since the last refresh ({result.rows:,} rows)"
        _finish_run(conn, run_id, "success", result.rows, message, result.warnings, last.id)
        store.bump_data_version(conn)  # the figures' age changed: cached staleness notes must be re-read
        return RunResult(name, True, message, result.rows, tuple(result.warnings), last.id, False, result.requests)
    lookups = Lookups.read(conn)
    added = _add_organisations(conn, result.facts, lookups) if not result.facts.empty else 0
    if added:
        lookups = Lookups.read(conn)
    facts, dropped = _known_codes(result.facts, lookups, label)
    warnings = [*result.warnings, *dropped]
    batch_id = open_batch(conn, source_key, file_name=f"{label} refresh", content_hash=digest, created_by="refresh")
    previous = select(batches.c.id).where(batches.c.source == source_key, batches.c.id != batch_id)
    conn.execute(update(store.facts).where(store.facts.c.batch_id.in_(previous), store.facts.c.replaced_by.is_(None))
                 .values(replaced_by=batch_id))
    written = insert_facts(conn, facts, lookups, batch_id, is_demo=False)
    denominators, replaced_other = _upsert_denominators(conn, result.denominators, lookups)
    _prune(conn, source_key, settings.snapshots_kept)
    parts = [f"{written:,} facts" if written or not denominators else "",
             f"{denominators:,} denominators" if denominators else ""]
    message = " and ".join(p for p in parts if p) + " written"
    if added:
        message += f"; {added} organisation(s) added"
    if replaced_other:
        message += f"; {replaced_other} figure(s) from another source replaced"
    close_batch(conn, batch_id, written + denominators, [message, *warnings])
    _finish_run(conn, run_id, "success", written + denominators, message, warnings, batch_id)
    return RunResult(name, True, message, written + denominators, tuple(warnings), batch_id, True, result.requests)


def _finish_run(conn: Connection, run_id: int, status: str, rows: int, message: str,
                warnings: Sequence[str] = (), batch_id: int | None = None) -> None:
    text = "\n".join([message, *warnings])
    conn.execute(update(runs).where(runs.c.id == run_id).values(
        status=status, finished_at=utcnow(), rows=rows, message=text, batch_id=batch_id))


# --- refresh -----------------------------------------------------------------------------------------------


def _start_run(engine: Engine, name: str, force: bool) -> int:
    with engine.begin() as conn:
        if store.is_empty(conn):
            raise ConnectorError("the database has no catalogue yet: open the dashboard once or run "
                                 "`python -m data_sources seed-demo` first")
        running = conn.execute(select(runs.c.started_at).where(
            runs.c.source == name, runs.c.status == "running", runs.c.started_at > utcnow() - RUNNING_WINDOW)
            .order_by(runs.c.started_at.desc()).limit(1)).first()
        if running is not None and not force:
            raise ConnectorError(f"{LIVE_SOURCES[name]} is already being refreshed (started "
                                 f"{running.started_at:%H:%M} UTC); try again in a few minutes")
        result = conn.execute(runs.insert().values(source=name, started_at=utcnow(), status="running", rows=0))
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def _fail_run(engine: Engine, run_id: int, message: str) -> None:
    try:
        with engine.begin() as conn:
            _finish_run(conn, run_id, "failed", 0, message)
    except SQLAlchemyError:  # the database itself is the problem; the message is still returned to the caller
        log.warning("could not record the failed refresh: %s", message)


def refresh(engine: Engine, settings: Settings, name: str, *, progress: Progress = quiet,
            sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0, force: bool = False) -> RunResult:
    """Refresh one source: pull all pages, then write in one transaction. Never raises for a source failure
    (the result says ok=False); raises ConnectorError only when the refresh cannot start (unknown or
    unconfigured source, empty database, another refresh running). A KeyboardInterrupt is recorded, then
    re-raised."""
    connector = make_connector(name, settings, sleep=sleep, backoff=backoff)
    connector.ensure_configured()
    run_id = _start_run(engine, connector.name, force)
    started = time.perf_counter()
    try:
        progress(f"{connector.label}: pulling…")
        loaded = connector.load(progress)
        progress(f"{connector.label}: writing {loaded.rows:,} rows in one transaction…")
        with engine.begin() as conn:
            result = _write(conn, connector, loaded, run_id, settings)
    except ConnectorError as exc:
        message = redact(settings, f"{exc}; the last good data is kept")
        _fail_run(engine, run_id, message)
        return RunResult(connector.name, False, message, seconds=time.perf_counter() - started)
    except SQLAlchemyError as exc:
        message = redact(settings, f"{connector.label}: {store.describe_error(exc)}; nothing was written")
        _fail_run(engine, run_id, message)
        return RunResult(connector.name, False, message, seconds=time.perf_counter() - started)
    except Exception as exc:  # a bug: record it, keep the data, and tell the user without a traceback
        log.exception("refresh of %s failed unexpectedly", connector.name)
        message = redact(settings, f"{connector.label}: unexpected error ({type(exc).__name__}: {exc}); "
                                   "the last good data is kept")
        _fail_run(engine, run_id, message)
        return RunResult(connector.name, False, message, seconds=time.perf_counter() - started)
    except BaseException:
        _fail_run(engine, run_id, f"{connector.label}: interrupted; the last good data is kept")
        raise
    return RunResult(result.source, True, result.message, result.rows, result.warnings, result.batch_id,
                     result.changed, result.requests, time.perf_counter() - started)


def configured_sources(settings: Settings) -> list[str]:
    return [n for n in LIVE_SOURCE_NAMES if not make_connector(n, settings).missing_settings()]


def refresh_sources(engine: Engine, settings: Settings, names: Iterable[str] | None = None, *,
                    only_due: bool = False, progress: Progress = quiet,
                    sleep: Callable[[float], None] = time.sleep, backoff: float = 1.0) -> list[RunResult]:
    """Refresh several sources one after the other (default: every configured source; ``only_due``: those
    whose refresh interval has passed). One source failing does not stop the others."""
    chosen = [make_connector(n, settings).name for n in names] if names is not None else configured_sources(settings)
    if only_due:
        due = {s.name for s in status(engine, settings) if s.due}
        chosen = [n for n in chosen if n in due]
    results = []
    for name in chosen:
        try:
            results.append(refresh(engine, settings, name, progress=progress, sleep=sleep, backoff=backoff))
        except ConnectorError as exc:  # could not start (not configured, already running…): report, go on
            results.append(RunResult(name, False, redact(settings, str(exc))))
    return results


def check(settings: Settings, name: str) -> str:
    """Test one source's connection (one cheap request). Raises ConnectorError with a redacted message."""
    connector = make_connector(name, settings)
    try:
        return connector.check_connection()
    except ConnectorError as exc:
        raise ConnectorError(redact(settings, str(exc))) from None


# --- status ------------------------------------------------------------------------------------------------


def status(engine: Engine, settings: Settings, *, now: datetime | None = None) -> list[SourceStatus]:
    """Every live source's status, in a fixed order (configured or not)."""
    now = now or utcnow()
    today = settings.current_date()
    hours = dict(settings.refresh_hours)
    stale_after = dict(settings.stale_days)
    out = []
    with engine.connect() as conn:
        for name in CONNECTORS:
            missing = tuple(make_connector(name, settings).missing_settings())
            success = conn.execute(select(runs.c.finished_at, runs.c.rows, runs.c.message).where(
                runs.c.source == name, runs.c.status == "success").order_by(runs.c.finished_at.desc()).limit(1)).first()
            attempt = conn.execute(select(runs.c.started_at, runs.c.status, runs.c.message).where(
                runs.c.source == name).order_by(runs.c.started_at.desc(), runs.c.id.desc()).limit(1)).first()
            failed = select(func.count()).select_from(runs).where(runs.c.source == name, runs.c.status == "failed")
            if success is not None:
                failed = failed.where(runs.c.started_at > success.finished_at)
            failures = int(conn.execute(failed).scalar_one())
            running = bool(attempt and attempt.status == "running" and attempt.started_at > now - RUNNING_WINDOW)
            last_status = attempt.status if attempt else None
            if attempt and attempt.status == "running" and not running:
                last_status = "interrupted"
            # A refresh after the reporting date (MHPSS_TODAY set earlier than the clock) is as fresh as can be.
            age = max((today - success.finished_at.date()).days, 0) if success else None
            lines = (success.message or "").splitlines() if success else []
            out.append(SourceStatus(
                name=name, configured=not missing, missing=missing,
                last_success=success.finished_at if success else None,
                last_success_rows=int(success.rows) if success else None,
                last_attempt=attempt.started_at if attempt else None, last_status=last_status,
                last_message=(attempt.message or "").splitlines()[0] if attempt and attempt.message else None,
                failures=failures,
                next_due=(success.finished_at + timedelta(hours=hours[name])) if success and not missing else None,
                running=running, age_days=age, stale=age is not None and age > stale_after[name],
                warnings=tuple(lines[1:]),
            ))
    return out


def _when(value: datetime | None) -> str:
    return f"{value:%-d %b %Y %H:%M} UTC" if value else "never"


def describe(s: SourceStatus, now: datetime | None = None) -> str:
    """One line about a source, for the command line."""
    if not s.configured:
        return f"{s.label}: not configured (set {' and '.join(s.missing)})"
    now = now or utcnow()
    parts = [f"last success {_when(s.last_success)}"]
    if s.last_success is not None:
        parts[0] += f" ({s.last_success_rows:,} rows, {s.age_days} day{'s' if s.age_days != 1 else ''} old"
        parts[0] += ", out of date)" if s.stale else ")"
    if s.last_attempt is not None and s.last_status != "success":
        parts.append(f"last attempt {_when(s.last_attempt)} {s.last_status}: {s.last_message or ''}".rstrip(": "))
    if s.failures:
        parts.append(f"{s.failures} failed attempt{'s' if s.failures != 1 else ''} since the last success")
    due = "now" if s.next_due is None or s.next_due <= now else _when(s.next_due)
    parts.append("refreshing now" if s.running else f"next due {due}")
    return f"{s.label}: " + "; ".join(parts)


def status_frame(statuses: Sequence[SourceStatus], now: datetime | None = None, *, public: bool = False) -> pd.DataFrame:
    """The status table the Sources page shows: one row per source, plain text columns. The public view
    leaves out configuration and error details (they name settings and servers)."""
    now = now or utcnow()
    rows = []
    for s in statuses:
        due = "—" if not s.configured else _("refreshing now") if s.running else (
            _("now") if s.next_due is None or s.next_due <= now else _shown_when(s.next_due))
        status = _(RUN_STATUSES[s.last_status]) if s.last_status in RUN_STATUSES else str(s.last_status)
        rows.append({
            "Source": s.label,
            "Configured": _("yes") if s.configured else _("no: set {settings}").format(settings=", ".join(s.missing)),
            "Last success": _shown_when(s.last_success),
            "Rows": s.last_success_rows,
            "Age (days)": s.age_days,
            "Last attempt": f"{_shown_when(s.last_attempt)} ({status})" if s.last_attempt else _("never"),
            "Errors": (ngettext("{n} since last success: {message}", "{n} since last success: {message}", s.failures)
                       .format(n=s.failures, message=s.last_message) if s.failures else ""),
            "Next due": due,
        })
    frame = pd.DataFrame(rows)
    frame["Rows"] = frame["Rows"].astype("Int64")
    frame["Age (days)"] = frame["Age (days)"].astype("Int64")
    frame = frame.drop(columns=["Configured", "Errors"]) if public else frame
    return frame.rename(columns={column: _(column) for column in STATUS_COLUMNS})


#: The Sources page's status table headers (English in the code, translated where the frame is built).
STATUS_COLUMNS = (N_("Source"), N_("Configured"), N_("Last success"), N_("Rows"), N_("Age (days)"),
                  N_("Last attempt"), N_("Errors"), N_("Next due"))
#: A refresh run's status as people read it.
RUN_STATUSES = {"success": N_("success"), "failed": N_("failed"), "interrupted": N_("interrupted"),
                "running": N_("running")}


def _shown_when(value: datetime | None) -> str:
    """A time for the Sources page, in the current language ('16 November 2026, 08:01 UTC')."""
    return _("{when} UTC").format(when=format_datetime(value)) if value else _("never")


# --- for the Sources page ----------------------------------------------------------------------------------


def refresh_one(engine: Engine, settings: Settings, name: str, progress: Progress = quiet) -> RunResult:
    """Refresh one source and always return a result (a refresh that cannot start becomes ok=False)."""
    return refresh_sources(engine, settings, [name], progress=progress)[0]


def check_one(settings: Settings, name: str) -> tuple[bool, str]:
    """Test one source's connection: (ok, one-line message)."""
    try:
        return True, check(settings, name)
    except ConnectorError as exc:
        return False, str(exc)


def configured_labels(statuses: Iterable[SourceStatus]) -> dict[str, str]:
    """Name → label of the configured sources (what the refresh button offers)."""
    return {s.name: s.label for s in statuses if s.configured}


def status_details(statuses: Iterable[SourceStatus]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(label, last error if the last attempt failed, warnings of the last success) per source."""
    return [(s.label, s.last_message or "" if s.last_status in ("failed", "interrupted") else "", s.warnings)
            for s in statuses]
