"""The one loader interface for live sources, the frames every connector returns, and their validation.

A connector declares its ``name`` (the key in ``source_runs``), its ``label`` (what people read), the settings
it needs, how to check the connection and how to load. ``load`` pulls every page first and returns a
:class:`LoadResult` holding validated frames; it never writes. Writing is :mod:`data_sources.refresh`'s job, in
one transaction.
"""

from __future__ import annotations

import calendar
import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from dashboard.settings import REPO_ROOT, SETTINGS, Settings
from dashboard.vocab import AGE_BANDS, DENOMINATOR_MEASURES, DISABILITY, LIVE_SOURCES, ORG_TYPES, POPULATION_GROUPS, SEX

FACT_COLUMNS: tuple[str, ...] = (
    "indicator", "organisation", "org_type", "activity", "location", "period_start", "period_end",
    "period_month", "sex", "age_band", "population_group", "disability", "value", "source", "note",
)
DENOMINATOR_COLUMNS: tuple[str, ...] = ("location", "measure", "population_group", "ref_date", "value", "source")

Progress = Callable[[str], None]
ENV = {spec.name: spec.env for spec in SETTINGS}


class ConnectorError(RuntimeError):
    """A live source failed in a way a user can act on; the message is one line and holds no secret."""


class NotConfigured(ConnectorError):
    """The settings a source needs are missing; the message names them."""


def quiet(_message: str) -> None:
    """A progress callback that says nothing."""
    return None


@dataclass
class LoadResult:
    """What one pull returned: facts and/or denominators (either may be empty), warnings, requests made."""

    facts: pd.DataFrame = field(default_factory=lambda: empty_facts())
    denominators: pd.DataFrame = field(default_factory=lambda: empty_denominators())
    warnings: list[str] = field(default_factory=list)
    requests: int = 0

    @property
    def rows(self) -> int:
        return len(self.facts) + len(self.denominators)


class Connector(ABC):
    """Base class of every live source. Subclasses set the class attributes and implement the two methods."""

    name: ClassVar[str]
    required: ClassVar[tuple[str, ...]] = ()  # Settings attributes that must not be empty

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep,
                 backoff: float = 1.0) -> None:
        self.settings = settings
        self.sleep = sleep
        self.backoff = backoff

    @property
    def label(self) -> str:
        return LIVE_SOURCES[self.name]

    def missing_settings(self) -> list[str]:
        """Environment names of the required settings that are empty."""
        return [ENV[attr] for attr in self.required if not getattr(self.settings, attr)]

    def ensure_configured(self) -> None:
        missing = self.missing_settings()
        if missing:
            raise NotConfigured(f"{self.label} is not configured: set {' and '.join(missing)}")

    @abstractmethod
    def check_connection(self) -> str:
        """Make one cheap request; return a one-line description of what answered. Raises ConnectorError."""

    @abstractmethod
    def load(self, progress: Progress = quiet) -> LoadResult:
        """Pull everything (all pages) and return validated frames. Raises ConnectorError; writes nothing."""


def read_json_setting(value: str, env: str) -> Any:
    """A setting holding JSON inline, or the path of a .json file (relative paths from the repository root)."""
    text = value.strip()
    if not text.startswith(("{", "[")):
        path = Path(text)
        path = path if path.is_absolute() else REPO_ROOT / path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConnectorError(f"{env}: cannot read {path} ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConnectorError(f"{env} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def empty_facts() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in FACT_COLUMNS})


def empty_denominators() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in DENOMINATOR_COLUMNS})


def month_bounds(day: date) -> tuple[date, date, str]:
    """First day, last day and ``YYYY-MM`` of the month holding ``day``."""
    start = day.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start, end, f"{start.year:04d}-{start.month:02d}"


def _bad_values(frame: pd.DataFrame, column: str, allowed: object) -> list[str]:
    values = frame[column].dropna().astype(str)
    return sorted(set(values[~values.isin(list(allowed))]))[:5]  # type: ignore[call-overload]


def validate_facts(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """Check a connector's fact frame against the store's vocabularies; return it with clean dtypes.

    Raises :class:`ConnectorError` naming the column and up to five bad values. Row-level problems (an
    unknown place in one submission) are the connector's to skip and report; anything left here is a bug or
    a mapping that produces values the store cannot hold.
    """
    missing = [c for c in FACT_COLUMNS if c not in frame.columns and c not in ("note", "org_type", "activity")]
    if missing:
        raise ConnectorError(f"{label}: the loaded facts lack the column(s) {', '.join(missing)}")
    out = frame.copy()
    for optional in ("note", "org_type", "activity"):
        if optional not in out.columns:
            out[optional] = None
    checks = {"sex": SEX, "age_band": AGE_BANDS, "population_group": POPULATION_GROUPS, "disability": DISABILITY}
    for column, allowed in checks.items():
        bad = _bad_values(out, column, allowed)
        if bad or out[column].isna().any():
            raise ConnectorError(f"{label}: column {column} has values the store does not know: {bad or ['(empty)']}")
    bad_types = _bad_values(out, "org_type", ORG_TYPES)
    if bad_types:
        raise ConnectorError(f"{label}: unknown organisation type(s) {bad_types} (known: {', '.join(ORG_TYPES)})")
    for column in ("indicator", "organisation", "location", "period_start", "period_end", "period_month"):
        if out[column].isna().any() or (out[column].astype(str).str.strip() == "").any():
            raise ConnectorError(f"{label}: column {column} is empty in {int(out[column].isna().sum())} row(s)")
    values = pd.to_numeric(out["value"], errors="coerce")
    if values.isna().any():
        raise ConnectorError(f"{label}: column value is not a number in {int(values.isna().sum())} row(s)")
    if (values < 0).any():
        raise ConnectorError(f"{label}: column value is negative in {int((values < 0).sum())} row(s)")
    out["value"] = values.astype(float)
    for column in ("indicator", "organisation", "location", "period_month", "sex", "age_band",
                   "population_group", "disability", "source", "note", "org_type", "activity"):
        out[column] = out[column].astype("str").where(out[column].notna(), None)
    return out[list(FACT_COLUMNS)].reset_index(drop=True)


def validate_denominators(frame: pd.DataFrame, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Check a denominator frame; duplicates of one (location, measure, group, date) keep the last value.

    Returns the clean frame and warnings. Raises :class:`ConnectorError` for values the store cannot hold.
    """
    missing = [c for c in DENOMINATOR_COLUMNS if c not in frame.columns]
    if missing:
        raise ConnectorError(f"{label}: the loaded denominators lack the column(s) {', '.join(missing)}")
    out = frame[list(DENOMINATOR_COLUMNS)].copy()
    bad = _bad_values(out, "measure", DENOMINATOR_MEASURES)
    if bad:
        raise ConnectorError(f"{label}: unknown denominator measure(s) {bad}")
    bad = _bad_values(out, "population_group", POPULATION_GROUPS)
    if bad:
        raise ConnectorError(f"{label}: unknown population group(s) {bad}")
    values = pd.to_numeric(out["value"], errors="coerce")
    if values.isna().any() or (values < 0).any():
        raise ConnectorError(f"{label}: {int((values.isna() | (values < 0)).sum())} denominator(s) are not a count")
    out["value"] = values.astype(float)
    if out["ref_date"].isna().any() or out["location"].isna().any():
        raise ConnectorError(f"{label}: a denominator has no date or no place")
    key = ["location", "measure", "population_group", "ref_date"]
    duplicated = out.duplicated(key, keep="last")
    warnings = []
    if duplicated.any():
        warnings.append(f"{int(duplicated.sum())} repeated figure(s) for the same place, measure and date: the last kept")
    return out[~duplicated].reset_index(drop=True), warnings
