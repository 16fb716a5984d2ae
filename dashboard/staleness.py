"""How old each live source's figures are: read-only, from ``source_runs`` (last successful refresh).

Figures from a live source carry ``"<source label>: <detail>"`` in their ``source`` column (facts and
denominators alike), so :func:`notes_for` can tell which sources a frame depends on and say, for each one
whose last successful refresh is older than its MHPSS_STALE_DAYS, "UNHCR figures are 9 days old". Cached in
``dashboard.cache.source_ages``; pages show the notes next to the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard import store
from dashboard.i18n import _, format_number, ngettext
from dashboard.vocab import LIVE_SOURCES

_BY_LABEL = {label: name for name, label in LIVE_SOURCES.items()}


@dataclass(frozen=True)
class SourceAge:
    """One live source's age: days since its last successful refresh (None: never refreshed)."""

    name: str
    last_success: datetime | None
    age_days: int | None
    stale_after_days: int

    @property
    def label(self) -> str:
        return LIVE_SOURCES[self.name]

    @property
    def is_stale(self) -> bool:
        return self.age_days is not None and self.age_days > self.stale_after_days

    @property
    def sentence(self) -> str:
        """'UNHCR figures are 9 days old' (or 'were refreshed today') in the current language; empty when never
        refreshed. Built when read, so a cached :class:`SourceAge` holds no translated text."""
        if self.age_days is None:
            return ""
        if self.age_days <= 0:
            return _("{source} figures were refreshed today").format(source=self.label)
        return ngettext("{source} figures are {n} day old", "{source} figures are {n} days old",
                        self.age_days).format(source=self.label, n=format_number(self.age_days))


def compute_ages(last_success: Mapping[str, datetime | None], today: date,
                 stale_days: Mapping[str, int]) -> tuple[SourceAge, ...]:
    """Ages of every live source, from their last successful refresh times (naive UTC) and today's date."""
    out = []
    for name in LIVE_SOURCES:
        when = last_success.get(name)
        age = max((today - when.date()).days, 0) if when is not None else None
        out.append(SourceAge(name, when, age, int(stale_days.get(name, 7))))
    return tuple(out)


def fetch_source_ages(engine: Engine, today: date, stale_days: Mapping[str, int]) -> tuple[SourceAge, ...]:
    """Read each source's last successful refresh from ``source_runs`` and return the ages."""
    runs = store.source_runs
    with engine.connect() as conn:
        rows = conn.execute(select(runs.c.source, func.max(runs.c.finished_at))
                            .where(runs.c.status == "success").group_by(runs.c.source)).all()
    return compute_ages({str(source): when for source, when in rows}, today, stale_days)


def source_of(text: object) -> str | None:
    """The live source a figure's ``source`` text names ('UNHCR: Operational Data Portal…' → 'unhcr')."""
    if not isinstance(text, str) or ":" not in text:
        return None
    return _BY_LABEL.get(text.split(":", 1)[0].strip())


def stale_notes(ages: Iterable[SourceAge], sources: Iterable[str] | None = None) -> list[str]:
    """Sentences for the stale sources among ``sources`` (all sources when None)."""
    wanted = None if sources is None else set(sources)
    return [a.sentence for a in ages if a.is_stale and (wanted is None or a.name in wanted)]


def notes_for(ages: Iterable[SourceAge], frame: pd.DataFrame, column: str = "source") -> list[str]:
    """Sentences for the stale live sources the figures in ``frame`` come from (by its ``source`` column)."""
    if frame.empty or column not in frame.columns:
        return []
    used = {name for name in (source_of(t) for t in frame[column].dropna().unique()) if name}
    return stale_notes(ages, used) if used else []
