"""Configuration, read once into a frozen object.

Precedence: environment variables ``MHPSS_*`` override ``.streamlit/secrets.toml``, which overrides the
defaults below. This module never imports streamlit, so the command line and loaders share it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any, Mapping

REPO_ROOT = Path(__file__).resolve().parent.parent
SECRETS_PATH = REPO_ROOT / ".streamlit" / "secrets.toml"
DEFAULT_DATABASE_URL = "sqlite:///data/mhpss.db"


class SettingsError(ValueError):
    """A setting has a value the application cannot use; the message names the setting."""


@dataclass(frozen=True)
class SettingSpec:
    """One documented setting: its environment variable, secrets key, default and meaning."""

    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "database_url",
        "MHPSS_DATABASE_URL",
        DEFAULT_DATABASE_URL,
        "SQLAlchemy URL of the system of record. Relative SQLite paths resolve from the repository root; "
        "use postgresql+psycopg://user@host/db for a shared deployment.",
    ),
    SettingSpec(
        "seed_rows",
        "MHPSS_SEED_ROWS",
        "100000",
        "Number of synthetic demo fact rows seeded on first run into an empty database (0 seeds only the "
        "real reference facts).",
    ),
    SettingSpec(
        "view",
        "MHPSS_VIEW",
        "local",
        "`local` (single user, full rights) or `public` (forces the public donor view).",
    ),
    SettingSpec(
        "boundaries",
        "MHPSS_BOUNDARIES",
        "",
        "File or folder of admin boundaries (GeoJSON, GeoPackage or Shapefile). Empty: maps use bubbles "
        "at area centroids.",
    ),
    SettingSpec(
        "today",
        "MHPSS_TODAY",
        "",
        "Pretend today is this date (YYYY-MM-DD) for reproducible demos, screenshots and tests; empty uses "
        "the real date.",
    ),
    SettingSpec(
        "suppression_threshold",
        "MHPSS_SUPPRESSION_THRESHOLD",
        "5",
        "Counts from 1 up to this value minus one are shown as '<N' in the public view.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The resolved configuration. Build it with :func:`load_settings`."""

    database_url: str
    seed_rows: int
    view: str
    boundaries: str
    today: date | None
    suppression_threshold: int

    def current_date(self) -> date:
        """Today, or the date MHPSS_TODAY pins."""
        return self.today or date.today()


def _read_secrets(path: Path) -> Mapping[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"{path}: cannot be read as TOML ({exc})") from exc
    # Settings may sit at the top level or in an [mhpss] table.
    merged: dict[str, Any] = dict(data)
    section = data.get("mhpss")
    if isinstance(section, dict):
        merged.update(section)
    return merged


def resolve_database_url(url: str) -> str:
    """Return ``url`` with a relative SQLite path made absolute against the repository root."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith("sqlite:////") and url != "sqlite:///:memory:":
        relative = url[len(prefix) :]
        if relative and not relative.startswith(":"):
            return prefix + str(REPO_ROOT / relative)
    return url


def _as_int(spec: SettingSpec, raw: str, minimum: int) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise SettingsError(f"{spec.env} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{spec.env} must be {minimum} or more, got {value}")
    return value


def _as_date(raw: str) -> date | None:
    text = str(raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SettingsError(f"MHPSS_TODAY must be a date like 2026-11-25, got {raw!r}") from None


def load_settings(
    environ: Mapping[str, str] | None = None, secrets_path: Path | None = None
) -> Settings:
    """Read the settings: environment over secrets over defaults. Raises :class:`SettingsError`."""
    env = os.environ if environ is None else environ
    secrets = _read_secrets(secrets_path or SECRETS_PATH)
    raw: dict[str, str] = {}
    for spec in SETTINGS:
        if spec.env in env and env[spec.env] != "":
            raw[spec.name] = env[spec.env]
        elif spec.env in secrets:
            raw[spec.name] = str(secrets[spec.env])
        elif spec.name in secrets:
            raw[spec.name] = str(secrets[spec.name])
        else:
            raw[spec.name] = spec.default
    specs = {spec.name: spec for spec in SETTINGS}
    view = raw["view"].strip().lower()
    if view not in {"local", "public"}:
        raise SettingsError(f"MHPSS_VIEW must be 'local' or 'public', got {raw['view']!r}")
    settings = Settings(
        database_url=resolve_database_url(raw["database_url"].strip()),
        seed_rows=_as_int(specs["seed_rows"], raw["seed_rows"], 0),
        view=view,
        boundaries=raw["boundaries"].strip(),
        today=_as_date(raw["today"]),
        suppression_threshold=_as_int(
            specs["suppression_threshold"], raw["suppression_threshold"], 1
        ),
    )
    assert {f.name for f in fields(settings)} == set(specs)
    return settings
