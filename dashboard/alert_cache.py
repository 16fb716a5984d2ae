"""Data-quality findings prepared ahead and kept on disk beside the snapshot.

Every check (:func:`dashboard.quality.compute_findings`) runs over all the reports of a period: seconds at a
million rows, too slow for a co-lead changing the period in a meeting, and lost whenever the server
restarts. So the findings of a period (rule violations and follow-up items, :class:`dashboard.quality.Findings`)
are computed once per snapshot (that is, per state of the facts) and written next to it as
``alerts-<snapshot signature>-<key>.pkl``; the key names the period, the date the checks were judged on and the
code of the checks, so a new day, another period or a new release of the checks never reads an old file.
Home's alerts are drawn from them when read (:func:`dashboard.quality.compute_alerts_of`), with the reviews and
the last import of that moment: a co-lead's review changes no kept file. Writing is atomic (a temporary file
renamed into place); a file that cannot be read is recomputed, never trusted.

The Data quality page's findings (outliers judged against :data:`HISTORY_MONTHS` more months) are kept the same
way, as a second kind of file (``kind`` :data:`FINDINGS`): the page then never reads a period's rows into the
app either.

When a large snapshot is first used, :func:`prepare_in_background` computes the alerts, then the findings, of
every standard period (year to date, last month, last quarter, since the meeting, everything) in a child
process at low priority, so the first reader of each period finds them ready (a page asking for a period being
prepared waits for it: a file lock, not a second computation). Custom month ranges are computed when first
asked for and then kept too. Neither holds translated text, so one file serves every language.

A long period is checked in parts of whole areas (:func:`plan_parts`), one part in memory at a time
(:func:`dashboard.quality.compute_findings_in_parts`), reading only the columns the checks use.

No streamlit here: :mod:`dashboard.cache` decides when to call it.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pickle
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard import columns as C
from dashboard import queries, readpath
from dashboard.filters import PRESETS, Filters, Period, month_add, resolve_period
from dashboard.quality import Findings, compute_findings, compute_findings_in_parts, compute_last_due_month

log = logging.getLogger(__name__)

FORMAT = 3  # bump when the fields of Findings, Violation or the items change
ALERTS, FINDINGS = "alerts", "findings"  # the kinds of file kept: for Home's alerts, for the Data quality page
HISTORY_MONTHS = 12  # the page's outliers are judged against this many months before the period as well
#: Snapshots smaller than this are quick to check on demand: no background preparation for them.
PREPARE_MIN_ROWS = 200_000
_QUALITY_MODULES = ("quality", "quality_rules", "quality_duplicates", "quality_outliers", "quality_completeness",
                    "quality_text")


def _code_version() -> str:
    """A hash of the checks' source: a new release of the checks never reads alerts an older one wrote."""
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    folder = Path(__file__).resolve().parent
    for name in _QUALITY_MODULES:
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()[:12]


_CODE = _code_version()


def snapshot_signature(snapshot_path: Path) -> str:
    """The signature part of a snapshot's file name (``facts-<sig>.parquet``)."""
    return snapshot_path.stem.removeprefix("facts-")


def path_for(snapshot_path: Path, period: Period, today: date, kind: str = ALERTS) -> Path:
    """Where the findings of ``kind`` of ``period``, judged on ``today``, for the snapshot at ``snapshot_path``
    are kept."""
    key = hashlib.sha256(f"{_CODE} {period.start} {period.end} {today.isoformat()}".encode()).hexdigest()[:16]
    return snapshot_path.with_name(f"{kind}-{snapshot_signature(snapshot_path)}-{key}.pkl")


def load(path: Path) -> Findings | None:
    """The findings kept at ``path``, or None when there are none or the file cannot be read (it is removed)."""
    try:
        with path.open("rb") as fh:
            got = pickle.load(fh)  # noqa: S301 - our own file, written by save() into our cache folder
    except FileNotFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 - a damaged or foreign file is recomputed, not trusted
        log.warning("ignoring unreadable findings file %s: %s", path, exc)
        path.unlink(missing_ok=True)
        return None
    if not isinstance(got, Findings):
        path.unlink(missing_ok=True)
        return None
    return got


def save(path: Path, findings: Findings) -> None:
    """Write ``findings`` to ``path`` atomically (see :func:`write_atomically`)."""
    write_atomically(path, pickle.dumps(findings, protocol=pickle.HIGHEST_PROTOCOL))


def write_atomically(path: Path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` so that a reader sees the old file, the new one or none, never a part; a
    failed write leaves no temporary file behind."""
    tmp = path.with_name(f".{path.name}-{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_bytes(payload)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


#: The columns the checks look at (the rest of a report row is never read for them).
CHECKED_COLUMNS = (C.ID, C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH, C.PERIOD_START, C.PERIOD_END,
                   C.SEX, C.AGE, C.GROUP, C.DISABILITY, C.VALUE, C.BATCH)
#: A period with more rows than this is checked in parts of whole areas (P-codes), one part in memory at a time:
#: the checks hold several times their rows in memory, which for five years of ten million rows is gigabytes.
PART_ROWS = 400_000


def compute(reader: readpath.Reader, period: Period, today: date, denominators: pd.DataFrame,
            part_rows: int = PART_ROWS, kind: str = ALERTS) -> Findings:
    """Every check over all the current reports of ``period`` (no filter: pages filter the findings); in parts
    of at most about ``part_rows`` rows (:func:`plan_parts`, :func:`dashboard.quality.compute_findings_in_parts`).
    For Home's alerts (``kind`` :data:`ALERTS`) over the period itself; for the Data quality page
    (:data:`FINDINGS`) with outliers judged against :data:`HISTORY_MONTHS` more months. Review status is left
    to the reader."""
    until = compute_last_due_month(today)
    since = period.start if kind == FINDINGS else None
    read = Period(month_add(period.start, -HISTORY_MONTHS), period.end) if since else period
    parts = plan_parts(readpath.count_by_place(reader, read), part_rows)
    if len(parts) <= 1:
        rows = readpath.read_facts(reader, Filters(), read, with_indicator=False, columns=CHECKED_COLUMNS)
        return compute_findings(rows, today, denominators, since, until)
    frames = (readpath.read_facts(reader, Filters(), read, with_indicator=False, columns=CHECKED_COLUMNS,
                                  places=places) for places in parts)
    return compute_findings_in_parts(frames, lambda months: readpath.read_series_rows(reader, months), today,
                                     denominators, since, until)


def plan_parts(counts: dict[str, int], part_rows: int) -> list[tuple[str, ...]]:
    """The P-codes of ``counts`` (rows per P-code) in parts of at most ``part_rows`` rows, as few as this simple
    rule gives: largest P-code first, each into the first part with room (one with more rows than that is a
    part of its own). Each part's P-codes sorted; the same counts always give the same parts."""
    parts: list[list[str]] = []
    sizes: list[int] = []
    for pcode, rows in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        room = next((i for i, size in enumerate(sizes) if size + rows <= part_rows), None)
        if room is None:
            parts.append([pcode])
            sizes.append(rows)
        else:
            parts[room].append(pcode)
            sizes[room] += rows
    return [tuple(sorted(part)) for part in parts]


class AlertsPending(Exception):
    """The findings of a period are being checked in a child process and the caller chose not to wait."""


def get(reader: readpath.Reader, period: Period, today: date, denominators: Callable[[], pd.DataFrame],
        rows: int = 0, keep_at: Path | None = None, wait: bool = True, kind: str = ALERTS) -> Findings:
    """The findings of ``kind`` of ``period``: from the file beside the snapshot, else computed and kept there.
    ``denominators`` gives the populations when the checks have to run. For a large database
    (``rows`` of at least :data:`PREPARE_MIN_ROWS`) they run in a child process, so the app never holds every
    row of a long period in memory. The database read path has no snapshot file: ``keep_at`` (the snapshot
    path its signature would have) names where its alerts are kept; without either they are computed every
    time the caller asks. With ``wait=False`` a large database's child is started (once) and
    :class:`AlertsPending` raised until its file is there, instead of waiting for it: the checks of a long
    period can queue behind the preparation of every standard period for minutes after an import."""
    base = reader.path or keep_at
    if base is None:
        return compute(reader, period, today, denominators(), kind=kind)
    path = path_for(base, period, today, kind)
    got = load(path)
    if got is not None:
        return got
    path.parent.mkdir(parents=True, exist_ok=True)
    if rows >= PREPARE_MIN_ROWS and not _in_child and not wait:
        with _locks_guard:
            child = _pending.get(path)
            if child is None:
                child = subprocess.Popen(_child_command(base, today, [period], kind), env=_child_env(reader), cwd=_REPO,
                                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
                _pending[path] = child
                threading.Thread(target=child.wait, name="mhpss-check-period", daemon=True).start()
        got = load(path)
        if got is not None:
            return got
        if child.poll() is None:
            raise AlertsPending(f"{period.start}:{period.end}")
        log.warning("checking %s in a child process failed (exit %s); checking here", period, child.returncode)
    elif rows >= PREPARE_MIN_ROWS and not _in_child:
        done = subprocess.run(_child_command(base, today, [period], kind), env=_child_env(reader),
                              cwd=_REPO, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        got = load(path)
        if got is not None:
            return got
        log.warning("checking %s in a child process failed (%s); checking here", period,
                    done.stderr.decode(errors="replace").strip().splitlines()[-1:] or done.returncode)
    with _locked(path):  # the preparing process (or another thread) may be computing this very period: wait
        got = load(path)
        if got is None:
            # One computation at a time in the whole cache folder (all processes): each holds a part of its
            # period (up to PART_ROWS rows) and the checks' working copies in memory.
            with _locked(path.with_name("alerts-computing")):
                got = compute(reader, period, today, denominators(), kind=kind)
            save(path, got)
    return got


_pending: dict[Path, subprocess.Popen[bytes]] = {}  # children checking one period for a caller not waiting
_locks: dict[Path, threading.Lock] = {}
_locks_guard = threading.Lock()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Held by one thread of one process at a time for ``path``: a thread lock within the process, an exclusive
    ``flock`` on a lock file beside it across processes (the preparing child and the app)."""
    with _locks_guard:
        lock = _locks.setdefault(path, threading.Lock())
    with lock, path.with_name(f".{path.name}.lock").open("a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def standard_periods(today: date, first_month: str, last_meeting: date | None) -> list[Period]:
    """The periods of every preset (the ones people pick), distinct, the default (year to date) first."""
    out: list[Period] = []
    for preset in ("ytd", *(p for p in PRESETS if p not in ("ytd", "custom"))):
        period = resolve_period(replace(Filters(), preset=preset), today, first_month, last_meeting)
        if period not in out:
            out.append(period)
    return out


_started: set[Path] = set()


def prepare_in_background(reader: readpath.Reader, today: date, rows: int,
                          keep_at: Path | None = None) -> subprocess.Popen[bytes] | None:
    """Start computing the alerts of every standard period for the snapshot ``reader`` reads, once per
    snapshot per process, in a child process at low priority (``python -m dashboard.alert_cache``): the checks
    over every row of a long period need several times the snapshot's rows in memory, which the app's own
    process then never holds, and they do not hold the app's interpreter lock. Not for small snapshots, where
    the checks take well under a second. ``keep_at`` as for :func:`get` (the database read path)."""
    base = reader.path or keep_at
    if base is None or rows < PREPARE_MIN_ROWS:
        return None
    with _locks_guard:
        if base in _started:
            return None
        _started.add(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    # The child lowers its own priority (``--low-priority``): a preexec_fn is not safe in a threaded app.
    child = subprocess.Popen(
        [*_child_command(base, today), "--low-priority"], env=_child_env(reader), cwd=_REPO,
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    threading.Thread(target=child.wait, name="mhpss-prepare-alerts", daemon=True).start()  # reaped when done
    return child


_REPO = Path(__file__).resolve().parent.parent
_in_child = False  # True in ``python -m dashboard.alert_cache``: it computes, never starts another child


def _child_command(snapshot_path: Path, today: date, periods: Iterable[Period] = (),
                   kind: str | None = None) -> list[str]:
    """The child's command line: every kind of the standard periods when ``kind`` is None."""
    return [sys.executable, "-m", "dashboard.alert_cache", str(snapshot_path), today.isoformat(),
            *(f"{p.start}:{p.end}" for p in periods), *([f"--kind={kind}"] if kind else [])]


def _child_env(reader: readpath.Reader) -> dict[str, str]:
    """The child's environment: this one, with the database URL (in the environment, not on the command line,
    where a password would show in the process list)."""
    return {**os.environ, "MHPSS_DATABASE_URL": reader.engine.url.render_as_string(hide_password=False)}


def prepare(reader: readpath.Reader, today: date, periods: Iterable[Period] | None = None,
            keep_at: Path | None = None, kinds: tuple[str, ...] = (ALERTS, FINDINGS)) -> int:
    """Compute and keep the alerts, then the findings (``kinds``), of ``periods`` (default:
    :func:`standard_periods`) not kept yet; return how many were computed. Failures are logged, never raised
    (it is only a head start)."""
    base = reader.path or keep_at
    computed = 0
    try:
        engine = reader.engine
        freshness = queries.fetch_freshness(engine)
        if periods is None:
            periods = standard_periods(today, str(freshness.first_month),
                                       queries.last_meeting(queries.fetch_events(engine), today))
        denominators = _denominators_of(engine)
        periods = list(periods)
        for kind in kinds:
            for period in periods:
                if base is not None and load(path_for(base, period, today, kind)) is None:
                    get(reader, period, today, denominators, keep_at=base, kind=kind)
                    computed += 1
    except Exception:  # noqa: BLE001 - the page computes what is missing when it is asked for
        log.exception("preparing the data-quality alerts failed")
    return computed


def _denominators_of(engine: object) -> Callable[[], pd.DataFrame]:
    """The populations, read once when first needed."""
    cached: list[pd.DataFrame] = []

    def denominators() -> pd.DataFrame:
        if not cached:
            cached.append(queries.fetch_denominators(engine))  # type: ignore[arg-type]
        return cached[0]
    return denominators


def main(argv: list[str] | None = None) -> int:
    """``python -m dashboard.alert_cache SNAPSHOT TODAY [START:END ...] [--kind=alerts|findings] [--low-priority]``:
    prepare the alerts and findings (or only the ``--kind`` given) of the periods given (default: the standard
    periods) for the snapshot file SNAPSHOT of the database ``MHPSS_DATABASE_URL`` names (read from the
    database itself when no such file exists: the database read path), judged on TODAY (YYYY-MM-DD);
    ``--low-priority`` runs it at nice 10."""
    from dashboard.store import get_engine

    global _in_child
    _in_child = True
    args = sys.argv[1:] if argv is None else argv
    if "--low-priority" in args:
        args = [a for a in args if a != "--low-priority"]
        with contextlib.suppress(OSError):
            os.nice(10)
    kinds = tuple(a.removeprefix("--kind=") for a in args if a.startswith("--kind=")) or (ALERTS, FINDINGS)
    args = [a for a in args if not a.startswith("--kind=")]
    if len(args) < 2 or "MHPSS_DATABASE_URL" not in os.environ or not set(kinds) <= {ALERTS, FINDINGS}:
        print("usage: MHPSS_DATABASE_URL=... python -m dashboard.alert_cache SNAPSHOT YYYY-MM-DD [YYYY-MM:YYYY-MM ...] "
              "[--kind=alerts|findings] [--low-priority]", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO)
    periods = [Period(*text.split(":", 1)) for text in args[2:]] or None
    engine = get_engine(os.environ["MHPSS_DATABASE_URL"])
    base = Path(args[0])
    # No snapshot file at SNAPSHOT: the database read path, whose alerts are kept under that name.
    reader = readpath.Reader(engine, base) if base.exists() else readpath.Reader(engine)
    try:
        done = prepare(reader, date.fromisoformat(args[1]), periods, keep_at=base, kinds=kinds)
    finally:
        engine.dispose()
    log.info("prepared %d file(s) of alerts or findings for %s", done, args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
