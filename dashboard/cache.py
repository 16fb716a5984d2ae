"""The one module that caches. Cached functions take only hashable arguments (the database URL, the data
version, the filters object, the period); the data version changes with every import, so new data shows at
once and unchanged data is never re-read.

Whatever depends on who is looking takes the :class:`~dashboard.privacy.Audience` (role and suppression
threshold), so it is part of the cache key: the public never gets a frame cached for an analyst. For the
public, facts cover published indicators only, organisations are pseudonymised and organisation filters
are ignored; the figure sets are suppressed. Reference tables (places, activities, denominators, events,
freshness) are the same for everyone."""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from dashboard import alert_cache, i18n, queries, readpath, snapshot, staleness
from dashboard.figures import (
    TABS,
    IndicatorFigures,
    compute_figure_table,
    compute_indicator_figures,
    indicator_filters,
)
from dashboard.filters import AllowLists, Filters, Period, month_add
from dashboard.privacy import FULL_ACCESS, Audience, compute_public_facts, compute_public_filters
from dashboard.quality import Alert, Findings, compute_alerts_of
from geo.boundaries import Boundaries

#: How the cached functions' key arguments are hashed: Streamlit hashes a dataclass field by field through
#: ``dataclasses.asdict`` (0.1-0.4 ms for a Filters, on every call, dozens of calls per page run); these are
#: frozen and their repr names every field (the same key, for a fraction of the cost).
HASH_FUNCS: dict[Any, Any] = {Filters: repr, Period: repr, Audience: repr}


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner=False)
def engine(url: str) -> Engine:
    """One engine (connection pool) per database URL per process."""
    from dashboard.store import get_engine

    return get_engine(url)


def reader(url: str, version: int) -> readpath.Reader:
    """Where this data version is read from: the columnar snapshot (built on first use after a change, with a
    spinner) or, with ``MHPSS_READ_PATH=database``, the database itself, whose cube table is rebuilt first
    (with the same spinner) when it was built for another data version."""
    from dashboard.settings import load_settings

    settings = load_settings()
    if settings.read_path == "database":
        database = engine(url)
        if not readpath.database_cube_is_current(database):
            with st.spinner(i18n._("Preparing the data for fast reading (once after each import)…")):
                readpath.refresh_database_cube(database)
        source = readpath.Reader(database, database_cube=True)
    else:
        sig = _signature(url, version)
        path = snapshot.path_for(settings.cache_dir, sig)
        if not path.exists():
            with st.spinner(i18n._("Preparing the data for fast reading (once after each import)…")):
                snapshot.ensure(engine(url), settings.cache_dir, sig)
        source = readpath.Reader(engine(url), path)
    keep_at, rows = _alerts_home(url, version, source.path)
    snapshot.remove_stale_files(Path(settings.cache_dir))  # once per data version and process
    alert_cache.prepare_in_background(source, settings.current_date(), rows, keep_at)
    return source


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=16)
def _signature(url: str, version: int) -> str:
    return snapshot.signature(engine(url))


def data_version(url: str) -> int:
    """The current data version (one cheap query, deliberately not cached)."""
    from dashboard.store import read_data_version

    with engine(url).connect() as conn:
        return read_data_version(conn)


class FrameStore:
    """Read frames shared between reruns and sessions, least recently used dropped first once together they
    pass a memory budget (``MHPSS_MEMORY_CACHE_MB``). A count of entries cannot bound memory: at ten million
    rows one period's cube takes 250 MB and another's 1 MB, and a server kept every frame any session had asked
    for until the data changed. The newest frame is always kept, however large. One computation per key at a
    time: a second session asking for a frame being read waits for it instead of reading it again."""

    def __init__(self) -> None:
        self._frames: OrderedDict[Hashable, tuple[pd.DataFrame, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._reading: dict[Hashable, threading.Lock] = {}

    @property
    def kept_bytes(self) -> int:
        with self._lock:
            return sum(size for _frame, size in self._frames.values())

    def __len__(self) -> int:
        return len(self._frames)

    def get(self, key: Hashable, read: Callable[[], pd.DataFrame], budget_bytes: float) -> pd.DataFrame:
        """The frame kept for ``key``, or ``read()`` kept under ``budget_bytes`` with the others."""
        with self._lock:
            if key in self._frames:
                self._frames.move_to_end(key)
                return self._frames[key][0]
            reading = self._reading.setdefault(key, threading.Lock())
        with reading:
            with self._lock:
                if key in self._frames:  # read meanwhile by another session
                    self._frames.move_to_end(key)
                    return self._frames[key][0]
            try:
                frame = read()
            except BaseException:
                with self._lock:
                    self._reading.pop(key, None)
                raise
            with self._lock:
                self._reading.pop(key, None)
                self._frames[key] = (frame, size_read := frame_bytes(frame))
                total = sum(size for _frame, size in self._frames.values())
                dropped = 0
                while total > budget_bytes and len(self._frames) > 1:
                    _key, (_frame, size) = self._frames.popitem(last=False)
                    total -= size
                    dropped += size
            if max(dropped, size_read) > RELEASE_BYTES:  # a large read leaves its conversions' memory behind too
                release_memory()
            return frame

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()


#: Frames read or dropped worth handing memory back to the system for (see :func:`release_memory`).
RELEASE_BYTES = 32 * 1024 * 1024


def release_memory() -> None:
    """Hand freed memory back to the system: the C allocator keeps what each script thread freed in arenas of
    its own, and Arrow's pool keeps its pages (at ten million rows the app's memory stayed 0.4 GB above what its
    frames held). A few milliseconds; only after a frame of :data:`RELEASE_BYTES` or more was read, or frames
    worth that dropped."""
    import ctypes
    import ctypes.util

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    libc = ctypes.util.find_library("c")
    if libc and hasattr(ctypes.CDLL(libc), "malloc_trim"):  # glibc only
        ctypes.CDLL(libc).malloc_trim(0)


_frozen = False


def freeze_long_lived() -> None:
    """Once per process, when the first page has imported what it needs: move the objects that live as long as
    the process (modules, classes, functions, about 170,000 of them) out of the garbage collector's sight
    (``gc.freeze``). Its full collections otherwise walked them all every few filter changes: about 70 ms in
    the middle of a rerun."""
    global _frozen  # noqa: PLW0603 - one flag for the process
    if not _frozen:
        _frozen = True
        gc.freeze()


def frame_bytes(frame: pd.DataFrame) -> int:
    """A frame's memory, cheaply: column buffers and index (text held as Python objects counted by reference;
    pyarrow deduplicates repeated texts when it hands a result to pandas)."""
    return int(frame.memory_usage(index=True, deep=False).sum())


_frames = FrameStore()


def _budget_bytes() -> int:
    from dashboard.settings import load_settings

    return load_settings().memory_cache_mb * 1024 * 1024


def facts(url: str, version: int, filters: Filters, period: Period | None, with_indicator: bool,
          audience: Audience) -> pd.DataFrame:
    """Fact rows for the filters, as ``audience`` may see them. Shared, not copied (unpickling a copy on each
    hit cost 0.1 s per 700,000 rows): callers derive new frames and never assign into this one. Kept in
    :class:`FrameStore` with the cubes."""
    return _frames.get(("facts", url, version, filters, period, with_indicator, audience),
                       lambda: _read_facts(url, version, filters, period, with_indicator, audience), _budget_bytes())


def _read_facts(url: str, version: int, filters: Filters, period: Period | None, with_indicator: bool,
                audience: Audience) -> pd.DataFrame:
    source = reader(url, version)
    if not audience.public:
        return readpath.read_facts(source, filters, period, with_indicator=with_indicator)
    frame = readpath.read_facts(source, compute_public_filters(filters), period, with_indicator=with_indicator)
    return compute_public_facts(frame, frozenset(indicators(url, version, audience)["code"]))


def cube(url: str, version: int, filters: Filters, period: Period | None, with_indicator: bool,
         audience: Audience, dims: tuple[str, ...] = (), rule: str | None = None) -> pd.DataFrame:
    """Values summed at the grain the indicator rules need (see :func:`dashboard.readpath.read_cube`): the
    same totals as :func:`facts` by every rule, from a fraction of the rows. Not for row listings. Shared, not
    copied, and kept, like :func:`facts`."""
    return _frames.get(("cube", url, version, filters, period, with_indicator, audience, dims, rule),
                       lambda: _read_cube(url, version, filters, period, with_indicator, audience, dims, rule),
                       _budget_bytes())


def _read_cube(url: str, version: int, filters: Filters, period: Period | None, with_indicator: bool,
               audience: Audience, dims: tuple[str, ...], rule: str | None) -> pd.DataFrame:
    source = reader(url, version)
    if not audience.public:
        return readpath.read_cube(source, filters, period, with_indicator=with_indicator, dims=dims, rule=rule)
    frame = readpath.read_cube(source, compute_public_filters(filters), period, with_indicator=with_indicator,
                               dims=dims, rule=rule)
    return compute_public_facts(frame, frozenset(indicators(url, version, audience)["code"]))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def provenance(url: str, version: int, filters: Filters, period: Period | None, with_indicator: bool,
               audience: Audience) -> pd.DataFrame:
    """Import batches and notes of the facts for the filters, with whether they are broken down by sex, age or
    disability (see :func:`dashboard.readpath.read_provenance`): what a page says about figures it computes
    from the cube, without reading the rows."""
    return readpath.read_provenance(reader(url, version), compute_public_filters(filters) if audience.public
                                    else filters, period, with_indicator=with_indicator)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def indicators(url: str, version: int, audience: Audience = FULL_ACCESS) -> pd.DataFrame:
    """The indicator catalogue; the public sees the published indicators only."""
    frame = queries.fetch_indicators(engine(url))
    if audience.public:
        frame = frame[frame["is_published"].astype(bool)].reset_index(drop=True)
    return frame


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=64)
def indicator_figures(url: str, version: int, filters: Filters, period: Period, code: str,
                      audience: Audience) -> IndicatorFigures:
    """Every table the pages show for one indicator and selection, suppressed for the public."""
    row, chosen, own = _indicator_selection(url, version, filters, code, audience)
    if audience.public:  # the public's figures come from the rows it may see (compute_public_facts)
        rows = facts(url, version, chosen, period, own, audience)
        return compute_indicator_figures(rows, row, period, locations(url, version), audience)
    # Everyone else's from the cube; the table by sex and age band is read apart when shown (indicator_table).
    return compute_indicator_figures(cube(url, version, chosen, period, own, audience), row, period,
                                     locations(url, version), audience)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def indicator_table(url: str, version: int, filters: Filters, period: Period, code: str, audience: Audience,
                    name: str) -> pd.DataFrame:
    """Table ``name`` of an indicator's figures that :func:`indicator_figures` leaves out for staff (the one by sex
    and age band), from the values summed by its dimensions too: read only when the page shows it or the
    figures file is built (at ten million rows on PostgreSQL that read takes seconds)."""
    if audience.suppresses:
        raise ValueError("the public's figure set holds every table (suppressed together)")
    row, chosen, own = _indicator_selection(url, version, filters, code, audience)
    dims = tuple(d for d in TABS[name] if d in queries.DETAIL_FLAGS)
    return compute_figure_table(cube(url, version, chosen, period, own, audience, dims, str(row["aggregation"])),
                                row, name)


def _indicator_selection(url: str, version: int, filters: Filters, code: str,
                         audience: Audience) -> tuple[pd.Series, Filters, bool]:
    """Indicator ``code``'s catalogue row and the filters its figures are read with (see
    :func:`dashboard.figures.indicator_filters`)."""
    row = indicators(url, version, audience).set_index("code", drop=False).loc[code]
    chosen, own = indicator_filters(filters, code, str(row["aggregation"]))
    return row, chosen, own


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def targets(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_targets(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def events(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_events(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def organisations(url: str, version: int, audience: Audience = FULL_ACCESS) -> pd.DataFrame:
    """Organisations; none for the public (no organisation-level figures)."""
    frame = queries.fetch_organisations(engine(url))
    return frame.iloc[0:0] if audience.public else frame


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def locations(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_locations(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def activities(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_activities(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def denominators(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_denominators(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def batches(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_batches(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def allow_lists(url: str, version: int, audience: Audience = FULL_ACCESS) -> AllowLists:
    """What URL parameters may hold; for the public no organisations and published indicators only."""
    allow = queries.fetch_allow_lists(engine(url))
    if not audience.public:
        return allow
    published = frozenset(indicators(url, version, audience)["code"])
    return AllowLists(allow.adm1, frozenset(), allow.activities, allow.indicators & published)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def freshness(url: str, version: int) -> queries.Freshness:
    """:func:`dashboard.queries.fetch_freshness`, its figures from the facts kept on disk per state of the facts
    (``freshness-<signature>.json`` in ``MHPSS_CACHE_DIR``, beside the snapshot): a new server's first page view
    then skips counting the facts table twice (0.1 s at a million rows, 1 s at ten million). The data version
    is read each time (it also changes when the facts do not). A missing or damaged file is computed again;
    a folder that cannot be written only costs the counts."""
    from dashboard.settings import load_settings

    folder = Path(load_settings().cache_dir)
    sig = _signature(url, version)
    kept = folder / f"freshness-{sig}.json"
    try:
        return replace(queries.decode_freshness(kept.read_text(encoding="utf-8")), data_version=version)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    fresh = queries.fetch_freshness(engine(url))
    if _signature(url, version) == sig:  # no import committed while counting: the figures are this state's
        try:
            folder.mkdir(parents=True, exist_ok=True)
            alert_cache.write_atomically(kept, queries.encode_freshness(fresh).encode("utf-8"))
        except OSError:
            pass
    return fresh


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def first_reports(url: str, version: int, filters: Filters) -> pd.DataFrame:
    return readpath.read_first_reports(reader(url, version), filters)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def org_months(url: str, version: int, filters: Filters, period: Period) -> pd.DataFrame:
    return readpath.read_org_months(reader(url, version), filters, period)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def report_arrivals(url: str, version: int, filters: Filters, period: Period) -> pd.DataFrame:
    """When each organisation's months arrived (:func:`dashboard.queries.fetch_report_arrivals`): from the arrival
    cells read once per state of the facts, unless a breakdown value is chosen (then from the facts)."""
    if not queries.arrival_cells_answer(filters):
        return queries.fetch_report_arrivals(engine(url), filters, period)
    return queries.compute_report_arrivals(_arrival_cells(url, _signature(url, version)), filters, period)


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=4)
def _arrival_cells(url: str, state: str) -> pd.DataFrame:
    """The arrival cells (:func:`dashboard.queries.fetch_arrival_cells`) of the facts in ``state`` (the snapshot
    signature: a review does not read them again). Shared, not copied: callers derive new frames."""
    return queries.fetch_arrival_cells(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def reporting_plan(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_reporting_plan(engine(url))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def reviews(url: str, version: int) -> pd.DataFrame:
    return queries.fetch_reviews(engine(url))


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner="Preparing the map boundaries…", max_entries=4)
def boundaries(path: str, signature: str, url: str, version: int) -> Boundaries:
    """Boundaries at ``path`` matched to the admin reference table and to the admin-2 areas of the
    locations table. ``signature`` (the files' paths, times and sizes) makes an edited file load afresh.
    Shared, not copied: callers must not modify it. Raises ``geo.boundaries.BoundaryError``."""
    from geo.boundaries import load_boundaries

    locs = locations(url, version)
    admin2 = locs[locs["admin_level"] == 2]
    known = {str(p): (str(n), str(parent) if isinstance(parent, str) else None)
             for p, n, parent in zip(admin2["pcode"], admin2["name_en"], admin2["parent_pcode"], strict=True)}
    return load_boundaries(Path(path), known)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=16)
def source_ages(url: str, version: int, today: date,
                stale_days: tuple[tuple[str, int], ...]) -> tuple[staleness.SourceAge, ...]:
    """Age of each live source's figures; every successful refresh bumps the version, and ``today`` moves on
    by itself, so the notes never lag (pass ``settings.stale_days``)."""
    return staleness.fetch_source_ages(engine(url), today, dict(stale_days))


def clear() -> None:
    """Forget every cached frame and engine (tests call this between runs)."""
    st.cache_data.clear()
    st.cache_resource.clear()
    _frames.clear()


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def alerts(url: str, version: int, filters: Filters, period: Period, today: date, wait: bool = True) -> list[Alert]:
    """Data-quality alerts for what the filters show: every check runs once per state of the facts and period over
    all the period's reports (:func:`_period_alerts`), then only the alerts about rows the filters keep are
    listed (with any alert not about rows, such as a stale import). A filter change costs one id query, not
    the checks again; an alert about a report shows whichever part of it the filters keep. ``wait=False``: raise
    :class:`dashboard.alert_cache.AlertsPending` (not cached) while a large database's checks still run."""
    everything = _period_alerts(url, version, period, today, wait)
    unfiltered = replace(filters, preset=Filters().preset, month_from=None, month_to=None, indicator=None)
    if unfiltered == Filters() or not any(alert.rows for alert in everything):
        return everything
    ids = readpath.read_ids(reader(url, version), filters, period, with_indicator=False).to_numpy()
    kept = _about_kept_rows([alert.rows for alert in everything], ids)
    return [alert for alert, keep in zip(everything, kept, strict=True) if keep]


def _about_kept_rows(rows: list[tuple[int, ...]], ids: np.ndarray) -> list[bool]:
    """For each finding's ``rows`` (fact ids), whether it concerns one of ``ids`` (a finding about no rows
    always does): one vectorised look-up over all their rows in a table of the kept ids (fact ids are
    positive integers up to the number of facts ever written), not a set of ids or a sort of millions."""
    owner = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    kept = np.array([not r for r in rows], dtype=bool)
    if len(owner):
        concerned = np.fromiter((i for r in rows for i in r), dtype="int64", count=len(owner))
        table = np.zeros(int(max(concerned.max(), ids.max(initial=0))) + 1, dtype=bool)
        table[ids] = True
        kept[owner[table[concerned]]] = True
    return kept.tolist()


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def _period_alerts(url: str, version: int, period: Period, today: date, wait: bool = True) -> list[Alert]:
    """Every check over the period's reports, prepared ahead or kept beside the snapshot
    (:mod:`dashboard.alert_cache`): computed at most once per state of the facts, period and day; the reviews
    and the last import are those of this data version (a review changes the alerts, not the kept findings)."""
    return compute_alerts_of(_kept(url, version, period, today, wait, alert_cache.ALERTS), today,
                             freshness(url, version).last_import, reviews(url, version))


def _kept(url: str, version: int, period: Period, today: date, wait: bool, kind: str) -> Findings:
    source = reader(url, version)
    keep_at, rows = _alerts_home(url, version, source.path)
    return alert_cache.get(source, period, today, lambda: denominators(url, version), rows=rows, keep_at=keep_at,
                           wait=wait, kind=kind)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=16)
def quality_findings(url: str, version: int, filters: Filters, period: Period, today: date) -> Findings:
    """The Data quality page's findings for what the filters show (review status left to the page): every
    check runs once per state of the facts and period over all the period's reports (outliers against
    :data:`~dashboard.alert_cache.HISTORY_MONTHS` more months; kept beside the snapshot like the alerts), then
    only the findings about rows the filters keep are listed, as for :func:`alerts`. A filter change costs one
    id query, and the app never holds the period's rows: a large database is checked in a child process."""
    everything = _period_findings(url, version, period, today)
    unfiltered = replace(filters, preset=Filters().preset, month_from=None, month_to=None)
    if unfiltered == Filters():
        return everything
    history = Period(month_add(period.start, -alert_cache.HISTORY_MONTHS), period.end)
    ids = readpath.read_ids(reader(url, version), filters, history).to_numpy()
    violations = [v for v, keep in zip(everything.violations, _about_kept_rows(
        [v.rows for v in everything.violations], ids), strict=True) if keep]
    # A boolean array, not a list: an empty list would select no columns instead of no rows.
    items = everything.items.loc[np.array(_about_kept_rows([tuple(r) for r in everything.items["rows"]], ids),
                                          dtype=bool)]
    return Findings(violations, items.reset_index(drop=True))


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def _period_findings(url: str, version: int, period: Period, today: date) -> Findings:
    return _kept(url, version, period, today, True, alert_cache.FINDINGS)


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=8)
def _alerts_home(url: str, version: int, snapshot_path: Path | None) -> tuple[Path | None, int]:
    """Where the alerts of this data version are kept and about how many current fact rows there are (whether a
    child checks them): beside the snapshot at ``snapshot_path`` with its row count; on the database read path
    (no snapshot) under the name its signature's snapshot would have (nothing else is written there), with one
    count on the facts table, without the flat view's joins."""
    from sqlalchemy import func, select

    from dashboard import store
    from dashboard.settings import load_settings

    if snapshot_path is not None:
        return None, snapshot.row_count(snapshot_path)
    with engine(url).connect() as conn:
        rows = conn.execute(select(func.count()).select_from(store.facts)
                            .where(store.facts.c.replaced_by.is_(None))).scalar_one()
    return snapshot.path_for(load_settings().cache_dir, _signature(url, version)), int(rows)


@st.cache_resource(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=96)
def computed(target: str, key: str, lang: str, args: tuple[Any, ...], _ctx: Any) -> Any:
    """A page's whole computation, memoised: ``target`` names a function (``"dashboard.home:compute_overview"``)
    called as ``function(_ctx, *args)`` in language ``lang``. The key is the page context's ``key`` (database
    URL, data version, filters, period, today, settings and who is looking; the context itself is not hashed),
    the language and ``args``, so a rerun
    with the same choices (a click elsewhere on the page, a widget that changes nothing here) costs a cache
    hit, and new data or another viewer never sees a stale or someone else's result.

    The result is shared, not copied (``st.cache_resource``): a cache hit costs nothing, where unpickling a
    page's frames on every rerun took half a second at a million rows. Callers treat it as read-only (derive
    new frames; never assign into the result's frames)."""
    import importlib

    module, _sep, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    with i18n.language(lang):
        return function(_ctx, *args)


@st.cache_data(hash_funcs=HASH_FUNCS, show_spinner=False, max_entries=32)
def listing(url: str, version: int, filters: Filters, period: Period, audience: Audience,
            limit: int) -> tuple[int, pd.DataFrame]:
    """How many fact rows match, and the first ``limit`` of them (all of them when they are that few):
    a table on screen never needs a million rows, and counting and reading a page is fast on any size."""
    count = readpath.count_facts(reader(url, version), compute_public_filters(filters) if audience.public
                                 else filters, period)
    if count <= limit:
        return count, facts(url, version, filters, period, True, audience)
    if audience.public:
        return count, facts(url, version, filters, period, True, audience).head(limit)
    return count, readpath.read_facts(reader(url, version), filters, period, limit=limit)
