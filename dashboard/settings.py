"""Configuration, read once into a frozen object.

Precedence: environment variables ``MHPSS_*`` override ``.streamlit/secrets.toml``, which overrides the
defaults below. This module never imports streamlit, so the command line and loaders share it.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from typing import Any

from dashboard.i18n import _

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
    # --- read path (dashboard/snapshot.py; README "Performance") ---
    SettingSpec(
        "read_path",
        "MHPSS_READ_PATH",
        "snapshot",
        "`snapshot` (default): pages read a columnar copy of the current facts (a Parquet file per data "
        "version, queried with DuckDB) that is rebuilt from the database after every import; `database`: "
        "every filter and aggregation runs as SQL in the configured database (a shared PostgreSQL server "
        "does the heavy work; no local copy).",
    ),
    SettingSpec(
        "cache_dir",
        "MHPSS_CACHE_DIR",
        "data/cache",
        "Folder for the columnar snapshot (relative paths resolve from the repository root). Safe to "
        "delete: it is rebuilt from the database.",
    ),
    SettingSpec(
        "memory_cache_mb",
        "MHPSS_MEMORY_CACHE_MB",
        "512",
        "Most memory, in MB, the app keeps for frames read for pages (summed values and report rows), shared by "
        "every session; the least recently used are dropped first and read again when asked for. The newest "
        "frame is always kept.",
    ),
    SettingSpec(
        "duckdb_memory",
        "MHPSS_DUCKDB_MEMORY",
        "512MB",
        "DuckDB's working memory while it writes a snapshot (sorting beyond it spills to disk), e.g. 512MB or 2GB.",
    ),
    # --- access roles (dashboard/roles.py); used only when sign-in ([auth] in secrets.toml) is configured ---
    SettingSpec(
        "admins",
        "MHPSS_ADMINS",
        "",
        "E-mail addresses (name@org.org) or whole domains (@org.org) of the tWG co-leads/admins: everything, "
        "including imports, refresh, publishing indicators and the audit log. Comma-separated, or a list in "
        "secrets.toml under [mhpss.roles] admins = [...]. Only read when sign-in is configured.",
    ),
    SettingSpec(
        "analysts",
        "MHPSS_ANALYSTS",
        "",
        "E-mail addresses or @domains of analysts: explorer, data quality and exports. Signed-in people on "
        "neither list see the public view. Secrets: [mhpss.roles] analysts = [...].",
    ),
    # --- live data sources (data_sources/connectors); tokens only from the environment or secrets ---
    SettingSpec(
        "kobo_url",
        "MHPSS_KOBO_URL",
        "https://kf.kobotoolbox.org",
        "KoboToolbox server (e.g. https://kobo.unhcr.org or https://eu.kobotoolbox.org).",
    ),
    SettingSpec(
        "kobo_token",
        "MHPSS_KOBO_TOKEN",
        "",
        "KoboToolbox API token (Account settings → Security). Secret: never shown or logged.",
    ),
    SettingSpec(
        "kobo_forms",
        "MHPSS_KOBO_FORMS",
        "",
        "Which KoboToolbox forms to pull and how their questions map onto indicators: a JSON list, or the "
        "path of a .json file holding it (see the README section on live sources).",
    ),
    SettingSpec(
        "activityinfo_url",
        "MHPSS_ACTIVITYINFO_URL",
        "https://www.activityinfo.org",
        "ActivityInfo server.",
    ),
    SettingSpec(
        "activityinfo_token",
        "MHPSS_ACTIVITYINFO_TOKEN",
        "",
        "ActivityInfo personal API token. Secret: never shown or logged.",
    ),
    SettingSpec(
        "activityinfo_form",
        "MHPSS_ACTIVITYINFO_FORM",
        "",
        "Id of the ActivityInfo form whose records are pulled (the response-plan reporting form).",
    ),
    SettingSpec(
        "activityinfo_mapping",
        "MHPSS_ACTIVITYINFO_MAPPING",
        "",
        "How the ActivityInfo form's fields map onto indicators: a JSON object, or the path of a .json file.",
    ),
    SettingSpec(
        "hapi_url",
        "MHPSS_HAPI_URL",
        "https://hapi.humdata.org",
        "HDX HAPI server.",
    ),
    SettingSpec(
        "hapi_app_identifier",
        "MHPSS_HAPI_APP_IDENTIFIER",
        "",
        "HDX HAPI app identifier (base64 of 'application:email', from the HAPI encode_identifier endpoint). "
        "Treated as a secret.",
    ),
    SettingSpec(
        "hapi_themes",
        "MHPSS_HAPI_THEMES",
        "population,refugees",
        "HAPI themes to pull, comma-separated: population (residents per area), refugees (refugees from "
        "Ukraine per host country), presence (3W operational presence, written as facts of "
        "MHPSS_HAPI_PRESENCE_INDICATOR).",
    ),
    SettingSpec(
        "hapi_locations",
        "MHPSS_HAPI_LOCATIONS",
        "UKR,POL,LTU",
        "ISO3 codes of the countries pulled from HAPI.",
    ),
    SettingSpec(
        "hapi_sectors",
        "MHPSS_HAPI_SECTORS",
        "PRO",
        "HAPI sector codes kept from operational presence (PRO = Protection, where MHPSS sits).",
    ),
    SettingSpec(
        "hapi_presence_indicator",
        "MHPSS_HAPI_PRESENCE_INDICATOR",
        "ORGS_REPORTING",
        "Indicator code under which HAPI operational presence is stored (one per organisation, area, period).",
    ),
    SettingSpec(
        "unhcr_url",
        "MHPSS_UNHCR_URL",
        "https://data.unhcr.org",
        "UNHCR Operational Data Portal server.",
    ),
    SettingSpec(
        "unhcr_situation",
        "MHPSS_UNHCR_SITUATION",
        "54",
        "Operational Data Portal situation view id (54 = Ukraine Refugee Situation).",
    ),
    SettingSpec(
        "unhcr_population_group",
        "MHPSS_UNHCR_POPULATION_GROUP",
        "5478",
        "Operational Data Portal population group id (5478 = individual refugees from Ukraine recorded "
        "across Europe).",
    ),
    SettingSpec(
        "unhcr_timeseries",
        "MHPSS_UNHCR_TIMESERIES",
        "PL=10781,LT=10888",
        "Daily time series to pull, as P-code=geomaster id pairs (the portal's country ids); `none` pulls only "
        "the latest figure per host country.",
    ),
    SettingSpec(
        "refresh_hours",
        "MHPSS_REFRESH_HOURS",
        "kobo=6,activityinfo=24,hapi=168,unhcr=24",
        "How often each live source is due for a refresh, in hours (source=hours pairs).",
    ),
    SettingSpec(
        "stale_days",
        "MHPSS_STALE_DAYS",
        "kobo=2,activityinfo=7,hapi=45,unhcr=7",
        "After how many days without a successful refresh a source's figures are flagged as out of date "
        "(source=days pairs).",
    ),
    SettingSpec(
        "http_timeout",
        "MHPSS_HTTP_TIMEOUT",
        "30",
        "Seconds to wait for a live source to answer one request.",
    ),
    SettingSpec(
        "http_retries",
        "MHPSS_HTTP_RETRIES",
        "4",
        "Retries after a timeout, HTTP 429 or 5xx answer, waiting longer each time (Retry-After is honoured).",
    ),
    SettingSpec(
        "snapshots_kept",
        "MHPSS_SNAPSHOTS_KEPT",
        "12",
        "Earlier refreshes (snapshots) kept per live source for comparison; older ones are deleted.",
    ),
)

LIVE_SOURCE_NAMES = ("kobo", "activityinfo", "hapi", "unhcr")


@dataclass(frozen=True)
class Settings:
    """The resolved configuration. Build it with :func:`load_settings`."""

    database_url: str
    seed_rows: int
    view: str
    boundaries: str
    today: date | None
    suppression_threshold: int
    read_path: str = "snapshot"
    cache_dir: str = "data/cache"
    memory_cache_mb: int = 512
    duckdb_memory: str = "512MB"
    kobo_url: str = "https://kf.kobotoolbox.org"
    kobo_token: str = field(default="", repr=False)
    kobo_forms: str = field(default="", repr=False)
    activityinfo_url: str = "https://www.activityinfo.org"
    activityinfo_token: str = field(default="", repr=False)
    activityinfo_form: str = ""
    activityinfo_mapping: str = field(default="", repr=False)
    hapi_url: str = "https://hapi.humdata.org"
    hapi_app_identifier: str = field(default="", repr=False)
    hapi_themes: tuple[str, ...] = ("population", "refugees")
    hapi_locations: tuple[str, ...] = ("UKR", "POL", "LTU")
    hapi_sectors: tuple[str, ...] = ("PRO",)
    hapi_presence_indicator: str = "ORGS_REPORTING"
    unhcr_url: str = "https://data.unhcr.org"
    unhcr_situation: str = "54"
    unhcr_population_group: str = "5478"
    unhcr_timeseries: tuple[tuple[str, str], ...] = (("PL", "10781"), ("LT", "10888"))
    refresh_hours: tuple[tuple[str, int], ...] = (("kobo", 6), ("activityinfo", 24), ("hapi", 168), ("unhcr", 24))
    stale_days: tuple[tuple[str, int], ...] = (("kobo", 2), ("activityinfo", 7), ("hapi", 45), ("unhcr", 7))
    http_timeout: float = 30.0
    http_retries: int = 4
    snapshots_kept: int = 12
    admins: tuple[str, ...] = field(default=(), repr=False)
    analysts: tuple[str, ...] = field(default=(), repr=False)

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
        raise SettingsError(_("{path}: cannot be read as TOML ({reason})").format(path=path, reason=exc)) from exc
    # Settings may sit at the top level or in an [mhpss] table.
    merged: dict[str, Any] = dict(data)
    section = data.get("mhpss")
    if isinstance(section, dict):
        merged.update(section)
    roles = merged.get("roles")  # [mhpss.roles] admins = [...], analysts = [...]
    if isinstance(roles, dict):
        for key in ("admins", "analysts"):
            if key in roles:
                merged.setdefault(key, roles[key])
    return merged


def secrets_section(name: str) -> Any:
    """One table or value of ``.streamlit/secrets.toml`` (top level or under [mhpss]), e.g. ``"auth"``;
    None when absent or unreadable (reading the settings reports an unreadable file)."""
    try:
        return _read_secrets(SECRETS_PATH).get(name)
    except SettingsError:
        return None


def _secret_text(value: object) -> str:
    """A secrets.toml value as text; tables and arrays (e.g. a form mapping) become JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    return str(value)


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
        raise SettingsError(_("{setting} must be a whole number, got {value}").format(setting=spec.env, value=repr(raw))) \
            from None
    if value < minimum:
        raise SettingsError(_("{setting} must be {minimum} or more, got {value}").format(
            setting=spec.env, minimum=minimum, value=value))
    return value


def _as_memory(spec: SettingSpec, raw: str) -> str:
    """An amount of memory as DuckDB reads it: a number and a unit (``512MB``, ``2 GB``, ``1.5GiB``)."""
    text = str(raw).strip()
    if not re.fullmatch(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", text, flags=re.IGNORECASE):
        raise SettingsError(_("{setting} must be an amount of memory such as 512MB or 2GB, got {value}").format(
            setting=spec.env, value=repr(raw)))
    return text


def _as_date(raw: str) -> date | None:
    text = str(raw).strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise SettingsError(_("{setting} must be a date like 2026-11-25, got {value}").format(
            setting="MHPSS_TODAY", value=repr(raw))) from None


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
            raw[spec.name] = _secret_text(secrets[spec.env])
        elif spec.name in secrets:
            raw[spec.name] = _secret_text(secrets[spec.name])
        else:
            raw[spec.name] = spec.default
    specs = {spec.name: spec for spec in SETTINGS}
    view = raw["view"].strip().lower()
    if view not in {"local", "public"}:
        raise SettingsError(_("{setting} must be {first} or {second}, got {value}").format(
            setting="MHPSS_VIEW", first="'local'", second="'public'", value=repr(raw["view"])))
    read_path = raw["read_path"].strip().lower()
    if read_path not in {"snapshot", "database"}:
        raise SettingsError(_("{setting} must be {first} or {second}, got {value}").format(
            setting="MHPSS_READ_PATH", first="'snapshot'", second="'database'", value=repr(raw["read_path"])))
    settings = Settings(
        database_url=resolve_database_url(raw["database_url"].strip()),
        seed_rows=_as_int(specs["seed_rows"], raw["seed_rows"], 0),
        view=view,
        boundaries=raw["boundaries"].strip(),
        today=_as_date(raw["today"]),
        suppression_threshold=_as_int(
            specs["suppression_threshold"], raw["suppression_threshold"], 1
        ),
        read_path=read_path,
        cache_dir=str(_resolve_folder(raw["cache_dir"].strip() or "data/cache")),
        memory_cache_mb=_as_int(specs["memory_cache_mb"], raw["memory_cache_mb"], 1),
        duckdb_memory=_as_memory(specs["duckdb_memory"], raw["duckdb_memory"]),
        **_live_source_settings(raw, specs),
        admins=_as_people(specs["admins"], raw["admins"]),
        analysts=_as_people(specs["analysts"], raw["analysts"]),
    )
    assert {f.name for f in fields(settings)} == set(specs)
    return settings


def _resolve_folder(path: str) -> Path:
    """A folder setting: relative paths resolve from the repository root."""
    folder = Path(path).expanduser()
    return folder if folder.is_absolute() else REPO_ROOT / folder


def _as_people(spec: SettingSpec, raw: str) -> tuple[str, ...]:
    """E-mail addresses and @domains, lower-case: from a JSON list (secrets.toml) or a comma/space list."""
    text = str(raw).strip()
    items: list[str]
    if text.startswith("["):
        try:
            items = [str(item) for item in json.loads(text)]
        except ValueError:
            raise SettingsError(_("{setting} must be a list of e-mail addresses or @domains, got {value}").format(
                setting=spec.env, value=repr(raw))) from None
    else:
        items = text.replace(";", ",").replace(" ", ",").split(",")
    people = tuple(dict.fromkeys(item.strip().lower() for item in items if item.strip()))
    for item in people:
        name, at, domain = item.rpartition("@")
        if not at or not domain or "." not in domain or "@" in name or any(c.isspace() for c in item):
            raise SettingsError(_("{setting}: {value} is neither an e-mail address (name@org.org) nor a domain "
                                  "(@org.org)").format(setting=spec.env, value=repr(item)))
    return people


def _as_list(raw: str, upper: bool = False) -> tuple[str, ...]:
    items = [item.strip() for item in str(raw).split(",") if item.strip()]
    return tuple(item.upper() if upper else item for item in items)


def _as_pairs(spec: SettingSpec, raw: str) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    if str(raw).strip().lower() in ("none", "off", "-"):
        return ()
    for item in _as_list(raw):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SettingsError(_("{setting} must be a list of name=value pairs separated by commas, got {value}").format(
                setting=spec.env, value=repr(raw)))
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _as_source_ints(spec: SettingSpec, raw: str) -> tuple[tuple[str, int], ...]:
    """``kobo=6,unhcr=24`` over the spec's defaults; every live source gets a value of at least 1."""
    values = {key: int(value) for key, value in _as_pairs(spec, spec.default)}
    for key, value in _as_pairs(spec, raw):
        if key not in LIVE_SOURCE_NAMES:
            raise SettingsError(_("{setting}: unknown source {value} (known: {known})").format(
                setting=spec.env, value=repr(key), known=", ".join(LIVE_SOURCE_NAMES)))
        values[key] = _as_int(spec, value, 1)
    return tuple((name, values[name]) for name in LIVE_SOURCE_NAMES)


def _live_source_settings(raw: dict[str, str], specs: dict[str, SettingSpec]) -> dict[str, Any]:
    timeout_spec = specs["http_timeout"]
    try:
        timeout = float(str(raw["http_timeout"]).strip())
    except ValueError:
        raise SettingsError(_("{setting} must be a number of seconds, got {value}").format(
            setting=timeout_spec.env, value=repr(raw["http_timeout"]))) from None
    if timeout <= 0:
        raise SettingsError(_("{setting} must be more than 0, got {value}").format(
            setting=timeout_spec.env, value=repr(raw["http_timeout"])))
    themes = _as_list(raw["hapi_themes"])
    unknown = sorted(set(themes) - {"population", "refugees", "presence"})
    if unknown:
        raise SettingsError(_("{setting}: unknown theme(s) {value} (known: {known})").format(
            setting=specs["hapi_themes"].env, value=", ".join(unknown), known="population, refugees, presence"))
    return {
        "kobo_url": raw["kobo_url"].strip().rstrip("/"),
        "kobo_token": raw["kobo_token"].strip(),
        "kobo_forms": raw["kobo_forms"].strip(),
        "activityinfo_url": raw["activityinfo_url"].strip().rstrip("/"),
        "activityinfo_token": raw["activityinfo_token"].strip(),
        "activityinfo_form": raw["activityinfo_form"].strip(),
        "activityinfo_mapping": raw["activityinfo_mapping"].strip(),
        "hapi_url": raw["hapi_url"].strip().rstrip("/"),
        "hapi_app_identifier": raw["hapi_app_identifier"].strip(),
        "hapi_themes": themes,
        "hapi_locations": _as_list(raw["hapi_locations"], upper=True),
        "hapi_sectors": _as_list(raw["hapi_sectors"], upper=True),
        "hapi_presence_indicator": raw["hapi_presence_indicator"].strip(),
        "unhcr_url": raw["unhcr_url"].strip().rstrip("/"),
        "unhcr_situation": raw["unhcr_situation"].strip(),
        "unhcr_population_group": raw["unhcr_population_group"].strip(),
        "unhcr_timeseries": _as_pairs(specs["unhcr_timeseries"], raw["unhcr_timeseries"]),
        "refresh_hours": _as_source_ints(specs["refresh_hours"], raw["refresh_hours"]),
        "stale_days": _as_source_ints(specs["stale_days"], raw["stale_days"]),
        "http_timeout": timeout,
        "http_retries": _as_int(specs["http_retries"], raw["http_retries"], 0),
        "snapshots_kept": _as_int(specs["snapshots_kept"], raw["snapshots_kept"], 1),
    }
