"""Boundary loading: read admin boundaries from a file or folder, prepare them once for the web, match
them to the admin reference table, and list whatever does not match.

Pipeline: read (GeoJSON, GeoPackage or Shapefile) → reproject to EPSG:4326 → repair invalid geometries
(``shapely.make_valid``, keeping the polygonal part) → simplify once → round coordinates to 4 decimals
(about 10 m) → cache. The prepared features are cached on disk in ``geo/cache/simplified/`` (keyed by the
files' paths, modification times and sizes, so an edited file is prepared again) and in memory.

Matching runs on every load (it is cheap): each feature is tried on P-code properties, then ISO 3166-2
properties, then name properties, through :func:`geo.admin.resolve`. Admin-2 features are matched on
their P-code against the admin-2 P-codes the caller knows (the locations table). Features that match
nothing, repeat an area already matched, or have no polygon are returned in ``Boundaries.unmatched``
with a reason; nothing is dropped silently. Never imports streamlit.

Messages for people (a :class:`BoundaryError`, an unmatched feature's reason) are in the current language
(:mod:`dashboard.i18n`). :class:`BoundaryError` is raised afresh on every load, so it is written when raised;
the reasons are stored in English with their template and values (a loaded set is shared by every reader)
and :func:`describe_reasons` gives them in the reader's language.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from dashboard.i18n import N_, _
from geo.admin import AdminUnit, resolve

log = logging.getLogger(__name__)

GEO_DIR = Path(__file__).resolve().parent
CACHE_DIR = GEO_DIR / "cache"
SUPPORTED_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")
DEFAULT_TOLERANCE = 0.005  # degrees, about 500 m: invisible at the zoom that shows a whole country
COORD_DECIMALS = 4
_PREPARE_VERSION = "1"  # bump when the preparation changes, so old disk caches are not reused
OSM_ATTRIBUTION = "© OpenStreetMap contributors"

# Property names tried for each kind of key, most specific first (compared case-insensitively).
PCODE_FIELDS = ("ADM2_PCODE", "admin2Pcode", "ADM1_PCODE", "admin1Pcode", "pcode", "p_code", "adm_pcode")
ADMIN2_PCODE_FIELDS = ("ADM2_PCODE", "admin2Pcode")
PARENT_PCODE_FIELDS = ("ADM1_PCODE", "admin1Pcode")
ISO_FIELDS = ("shapeISO", "iso_3166_2", "ISO_3166_2", "iso3166_2", "iso_3166", "ISO_CODE", "iso_code", "ISO", "iso",
              "HASC_1")
NAME_FIELDS = ("ADM2_EN", "ADM1_EN", "name_en", "NAME_EN", "shapeName", "NAME_1", "name", "NAME", "ADM1_UA",
               "ADM1_PL", "ADM1_LT", "name_local", "name_ru")
_SOURCE = "_source_file"
_ADMIN2_PCODE = re.compile(r"^[A-Z]{2}\d{4,}$")


class BoundaryError(ValueError):
    """A boundary file or folder cannot be used; the message names it and says why."""


@dataclass(frozen=True)
class Boundaries:
    """Matched boundary features and everything that did not match.

    ``features`` is a GeoDataFrame in EPSG:4326 with columns pcode, iso, name, country, admin_level,
    parent_pcode, matched_on, source_file and geometry, one row per area. ``unmatched`` lists features
    that were not used, with source_file, feature (1-based position in its file), label and reason (in
    English; :func:`describe_reasons` gives it in the reader's language).
    """

    features: Any  # geopandas.GeoDataFrame (kept as Any so importing this module stays light)
    unmatched: pd.DataFrame
    attribution: str
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    _geometry_json: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)

    def geometry_json(self) -> dict[str, dict[str, Any]]:
        """GeoJSON geometry dicts keyed by P-code, computed once per loaded boundary set."""
        if not self._geometry_json and len(self.features):
            import shapely

            texts = shapely.to_geojson(self.features.geometry.values)
            self._geometry_json.update(
                {pcode: json.loads(text) for pcode, text in zip(self.features["pcode"], texts, strict=True)})
        return self._geometry_json

    def levels(self) -> list[int]:
        """Admin levels that have at least one matched feature."""
        return sorted({int(v) for v in self.features["admin_level"]}) if len(self.features) else []


# --- reading ---------------------------------------------------------------------------------------


def resolve_boundaries_path(setting: str, base: Path | None = None) -> Path:
    """The path MHPSS_BOUNDARIES names: absolute, or relative to the working folder or the repository."""
    path = Path(setting).expanduser()
    if path.is_absolute() or path.exists():
        return path
    root = base or GEO_DIR.parent
    return root / path


def boundary_files(path: Path) -> list[Path]:
    """The boundary files at ``path``: the file itself, or the supported files in a folder (sorted,
    not descending into ``geo/cache/simplified``). Raises :class:`BoundaryError`."""
    if not path.exists():
        raise BoundaryError(_("MHPSS_BOUNDARIES: {path} does not exist").format(path=path))
    if path.is_file():
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise BoundaryError(
                _("MHPSS_BOUNDARIES: {name} is not a GeoJSON, GeoPackage or Shapefile (expected one of "
                  "{suffixes})").format(name=path.name, suffixes=", ".join(SUPPORTED_SUFFIXES)))
        return [path]
    found = sorted(
        p for p in path.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and "simplified" not in p.parts
    )
    if not found:
        raise BoundaryError(
            _("MHPSS_BOUNDARIES: the folder {path} holds no GeoJSON, GeoPackage or Shapefile").format(path=path))
    return found


def files_signature(files: Iterable[Path]) -> str:
    """A key that changes when any file is replaced, edited or touched (path, mtime, size)."""
    parts = []
    for f in files:
        stat = f.stat()
        parts.append(f"{f.resolve()}|{stat.st_mtime_ns}|{stat.st_size}")
        if f.suffix.lower() == ".shp":  # the attributes and projection live beside the .shp
            for sidecar in (f.with_suffix(".dbf"), f.with_suffix(".prj")):
                if sidecar.exists():
                    st = sidecar.stat()
                    parts.append(f"{sidecar.name}|{st.st_mtime_ns}|{st.st_size}")
    return hashlib.sha1("\n".join(parts).encode()).hexdigest()


def read_boundary_file(path: Path) -> Any:
    """Read every polygon layer of one file into a GeoDataFrame with a ``_source_file`` column.

    Raises :class:`BoundaryError` naming the file when it cannot be read.
    """
    import geopandas as gpd
    import pyogrio

    try:
        layers = [name for name, _kind in pyogrio.list_layers(path)] if path.suffix.lower() == ".gpkg" else [None]
        frames = []
        for layer in layers:
            frame = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
            frames.append(frame)
    except Exception as exc:  # noqa: BLE001 - GDAL/OGR raise many kinds; each becomes one message
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BoundaryError(_("{name}: cannot be read as a boundary file ({reason})").format(
            name=path.name, reason=reason)) from None
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    if not isinstance(frame, gpd.GeoDataFrame) or "geometry" not in frame:
        raise BoundaryError(_("{name}: has no geometry column").format(name=path.name))
    if frame.crs is None and len(frame):
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
            raise BoundaryError(
                _("{name}: has no coordinate reference system and its coordinates are not longitude/latitude; "
                  "add a .prj file or save it with its CRS").format(name=path.name))
        frame = frame.set_crs(4326)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=frame.crs)
    frame[_SOURCE] = path.name
    return frame


# --- preparing -------------------------------------------------------------------------------------


def prepare_boundaries(frame: Any, tolerance: float = DEFAULT_TOLERANCE) -> Any:
    """Reproject to EPSG:4326, repair, keep polygons, simplify and round coordinates.

    Features whose geometry is missing, empty or not polygonal keep an empty geometry (they are listed
    as unmatched later, not dropped here). Property values become text.
    """
    import geopandas as gpd
    import shapely

    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    geoms = np.where(pd.isna(geoms), shapely.Polygon(), geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10.0 ** -COORD_DECIMALS)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)  # rounding may leave lines behind
    props = frame.drop(columns=frame.geometry.name)
    props = props.astype(object).where(props.notna(), None)
    for column in props.columns:
        props[column] = [None if v is None else str(v) for v in props[column]]
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(geoms, crs=4326, index=props.index), crs=4326)


def _polygonal(geom: Any) -> Any:
    """The (multi)polygon part of ``geom``; an empty polygon when it has none."""
    import shapely

    if geom is None or geom.is_empty:
        return shapely.Polygon()
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    if geom.geom_type == "GeometryCollection":
        parts = [g for g in geom.geoms if g.geom_type in ("Polygon", "MultiPolygon") and not g.is_empty]
        if not parts:
            return shapely.Polygon()
        return shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return shapely.Polygon()


# --- caching ---------------------------------------------------------------------------------------

_MEMORY: dict[tuple[str, str, float], Any] = {}
_MEMORY_LIMIT = 4


def load_prepared(path: Path, tolerance: float = DEFAULT_TOLERANCE,
                  cache_dir: Path | None | Literal[True] = True) -> Any:
    """Prepared features of every file at ``path``, from memory, the disk cache, or read afresh.

    ``cache_dir`` True uses :data:`CACHE_DIR` (looked up at call time), None disables the disk cache.
    Raises :class:`BoundaryError` when a file cannot be read.
    """
    import geopandas as gpd

    if cache_dir is True:
        cache_dir = CACHE_DIR

    files = boundary_files(path)
    signature = files_signature(files)
    key = (str(path.resolve()), signature, tolerance)
    if key in _MEMORY:
        return _MEMORY[key]
    digest = hashlib.sha1(f"{signature}|{tolerance}|{_PREPARE_VERSION}".encode()).hexdigest()[:20]
    cached = cache_dir / "simplified" / f"{digest}.geojson" if cache_dir is not None else None
    prepared = None
    if cached is not None and cached.exists():
        try:
            prepared = _read_cache(cached)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("ignoring unreadable boundary cache %s: %s", cached, exc)
    if prepared is None:
        frames = [prepare_boundaries(read_boundary_file(f), tolerance) for f in files]
        prepared = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        prepared = gpd.GeoDataFrame(prepared, geometry="geometry", crs=4326)
        if cached is not None:
            _write_cache(prepared, cached)
    if len(_MEMORY) >= _MEMORY_LIMIT:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[key] = prepared
    return prepared


def _write_cache(frame: Any, target: Path) -> None:
    """Write the prepared features as compact GeoJSON, atomically; a read-only cache is only logged."""
    import shapely

    texts = shapely.to_geojson(frame.geometry.values)
    props = frame.drop(columns="geometry").to_dict(orient="records")
    features = [
        {"type": "Feature", "properties": p, "geometry": json.loads(t)} for p, t in zip(props, texts, strict=True)
    ]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False,
                                         encoding="utf-8") as handle:
            json.dump({"type": "FeatureCollection", "columns": list(frame.columns.drop("geometry")),
                       "features": features}, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(handle.name, target)
    except OSError as exc:
        log.warning("cannot write the boundary cache %s: %s", target, exc)


def _read_cache(path: Path) -> Any:
    import geopandas as gpd
    import shapely

    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    columns = data["columns"]
    props = pd.DataFrame([f["properties"] for f in data["features"]], columns=columns).astype(object)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in data["features"]]) if data["features"] else []
    return gpd.GeoDataFrame(props, geometry=gpd.GeoSeries(list(geoms), crs=4326, index=props.index), crs=4326)


def clear_memory_cache() -> None:
    """Forget prepared boundaries held in memory (tests use this)."""
    _MEMORY.clear()


# --- matching --------------------------------------------------------------------------------------


def _field_lookup(columns: Iterable[str]) -> dict[str, str]:
    return {c.lower(): c for c in columns}


def _values(row: dict[str, Any], lookup: dict[str, str], names: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    for name in names:
        column = lookup.get(name.lower())
        value = row.get(column) if column else None
        if value is not None and str(value).strip() and str(value).strip().lower() not in ("none", "nan", "null"):
            out.append((column or name, str(value).strip()))
    return out


@dataclass(frozen=True)
class _Match:
    pcode: str
    iso: str
    name: str
    country: str
    admin_level: int
    parent_pcode: str | None
    matched_on: str


@dataclass(frozen=True)
class _Reason:
    """Why a feature is not used: an English message id with named placeholders, and their values."""

    template: str
    values: dict[str, object]

    def __str__(self) -> str:
        return self.template.format(**self.values)


def _match_row(row: dict[str, Any], lookup: dict[str, str],
               admin2: dict[str, tuple[str, str | None]]) -> _Match | _Reason:
    """The area one feature's properties name, or the reason it matches none."""
    for column, value in _values(row, lookup, ADMIN2_PCODE_FIELDS):
        code = value.upper()
        if code in admin2:
            name, parent = admin2[code]
            return _Match(code, "", name, _country_of(code), 2, parent, f"{column}={value}")
        if _ADMIN2_PCODE.match(code):
            return _Reason(N_("admin-2 P-code {value} ({column}) is not in the locations table"),
                           {"value": value, "column": column})
    tried: list[str] = []
    for kind, names in (("P-code", PCODE_FIELDS), ("ISO code", ISO_FIELDS), ("name", NAME_FIELDS)):
        for column, value in _values(row, lookup, names):
            if kind != "name" and value.upper() in admin2:
                name, parent = admin2[value.upper()]
                return _Match(value.upper(), "", name, _country_of(value), 2, parent, f"{column}={value}")
            unit = resolve(value)
            if unit is not None:
                return _from_unit(unit, f"{column}={value}")
            tried.append(f"{column}={value!r}")
    if not tried:
        return _Reason(N_("no P-code, ISO code or name property (tried {fields})"),
                       {"fields": ", ".join(PCODE_FIELDS[:4] + ISO_FIELDS[:3] + NAME_FIELDS[:4])})
    return _Reason(N_("no admin area matches {tried}"), {"tried": ", ".join(tried[:4])})


def _from_unit(unit: AdminUnit, how: str) -> _Match:
    return _Match(unit.pcode, unit.iso, unit.name_en, unit.country, unit.level, unit.parent, how)


def _country_of(pcode: str) -> str:
    unit = resolve(pcode[:2])
    return unit.country if unit is not None else pcode[:2]


def _label(row: dict[str, Any], lookup: dict[str, str]) -> str:
    found = _values(row, lookup, (*NAME_FIELDS, *PCODE_FIELDS, *ISO_FIELDS))
    return found[0][1] if found else ""


def match_boundaries(prepared: Any, admin2: dict[str, tuple[str, str | None]] | None = None) -> tuple[Any, pd.DataFrame]:
    """Split prepared features into matched areas (one per P-code) and unmatched features with reasons.

    ``admin2`` maps known admin-2 P-codes to (name, parent P-code), typically from the locations table.
    """
    import geopandas as gpd

    admin2 = {k.upper(): v for k, v in (admin2 or {}).items()}
    lookup = _field_lookup(c for c in prepared.columns if c != "geometry")
    records = prepared.drop(columns="geometry").to_dict(orient="records")
    position: dict[str, int] = {}
    matched_rows: list[dict[str, Any]] = []
    keep: list[int] = []
    unmatched: list[dict[str, Any]] = []
    seen: dict[str, tuple[str, int]] = {}
    geoms = prepared.geometry.values
    for i, row in enumerate(records):
        source = str(row.get(_SOURCE) or "")
        position[source] = position.get(source, 0) + 1
        label = _label(row, lookup)
        result = _match_row(row, lookup, admin2)
        reason = None
        if isinstance(result, _Reason):
            reason = result
        elif geoms[i] is None or geoms[i].is_empty:
            reason = _Reason(N_("no polygon geometry (matched {pcode})"), {"pcode": result.pcode})
        elif result.pcode in seen:
            first_file, first_pos = seen[result.pcode]
            reason = _Reason(N_("duplicate of feature {position} in {file} (both are {pcode} {name})"),
                             {"position": first_pos, "file": first_file, "pcode": result.pcode, "name": result.name})
        if reason is not None:
            unmatched.append({"source_file": source, "feature": position[source], "label": label,
                              "reason": str(reason), "reason_template": reason.template, "reason_values": reason.values})
            continue
        assert not isinstance(result, _Reason)
        seen[result.pcode] = (source, position[source])
        keep.append(i)
        matched_rows.append({
            "pcode": result.pcode, "iso": result.iso, "name": result.name, "country": result.country,
            "admin_level": result.admin_level, "parent_pcode": result.parent_pcode, "matched_on": result.matched_on,
            "source_file": source, "label": label,
        })
    columns = ["pcode", "iso", "name", "country", "admin_level", "parent_pcode", "matched_on", "source_file", "label"]
    matched = gpd.GeoDataFrame(
        pd.DataFrame(matched_rows, columns=columns),
        geometry=gpd.GeoSeries(list(geoms[keep]) if keep else [], crs=4326), crs=4326,
    )
    matched["admin_level"] = matched["admin_level"].astype(int)
    return matched, pd.DataFrame(unmatched, columns=UNMATCHED_COLUMNS)


#: The columns of ``Boundaries.unmatched``: ``reason`` in English, its template and values for translation.
UNMATCHED_COLUMNS = ["source_file", "feature", "label", "reason", "reason_template", "reason_values"]


def describe_reasons(unmatched: pd.DataFrame) -> pd.Series:
    """Each unmatched feature's reason in the current language (the English ``reason`` when a row has no
    template, e.g. a table built elsewhere)."""
    if "reason_template" not in unmatched:
        return unmatched["reason"].astype(str) if "reason" in unmatched else pd.Series("", index=unmatched.index)
    out = []
    for template, values, english in zip(unmatched["reason_template"], unmatched["reason_values"],
                                         unmatched["reason"], strict=True):
        out.append(_(template).format(**values) if isinstance(template, str) and isinstance(values, dict)
                   else str(english))
    return pd.Series(out, index=unmatched.index, dtype=object)


# --- attribution and the one entry point ------------------------------------------------------------


def detect_attribution(path: Path, files: list[Path], prepared: Any) -> str:
    """The credit line for the boundaries.

    An ``ATTRIBUTION*`` text file beside the boundaries (``python -m geo fetch`` writes one) gives it
    verbatim (first line). Otherwise a SOURCES*/README* file that mentions OpenStreetMap, or OSM-style
    properties (wikidata, osm_id), give "© OpenStreetMap contributors"; geoBoundaries properties
    (shapeID) and COD-AB properties (ADM1_PCODE) name those sources; failing all, the file names.
    """
    folder = path if path.is_dir() else path.parent
    for doc in sorted(folder.glob("ATTRIBUTION*")):
        if doc.is_file():
            lines = [ln.strip() for ln in doc.read_text(encoding="utf-8", errors="replace").splitlines()]
            first = next((ln for ln in lines if ln), "")
            if first:
                return first if first.lower().startswith("boundaries") else f"Boundaries: {first}"
    text = ""
    for pattern in ("SOURCES*", "README*"):
        for doc in sorted(folder.glob(pattern)):
            if doc.is_file() and doc.stat().st_size < 200_000:
                text += doc.read_text(encoding="utf-8", errors="replace").lower()
    columns = {c.lower() for c in prepared.columns}
    credits = []
    if "openstreetmap" in text or columns & {"wikidata", "osm_id", "osm_type"}:
        credits.append(OSM_ATTRIBUTION)
    if "shapeid" in columns:
        credits.append("geoBoundaries (CC BY 4.0)")
    if "adm1_pcode" in columns and "shapeid" not in columns:
        credits.append("OCHA COD-AB via HDX")
    if credits:
        return "Boundaries: " + "; ".join(credits)
    return "Boundaries: " + ", ".join(f.name for f in files)


def load_boundaries(
    path: Path | str,
    admin2: dict[str, tuple[str, str | None]] | None = None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    cache_dir: Path | None | Literal[True] = True,
) -> Boundaries:
    """Load, prepare (cached) and match the boundaries at ``path``. Raises :class:`BoundaryError`."""
    path = resolve_boundaries_path(str(path)) if isinstance(path, str) else path
    files = boundary_files(path)
    prepared = load_prepared(path, tolerance, cache_dir)
    matched, unmatched = match_boundaries(prepared, admin2)
    notes = []
    if prepared.empty:
        notes.append(f"{path.name}: the file holds no features")
    return Boundaries(matched, unmatched, detect_attribution(path, files, prepared),
                      tuple(f.name for f in files), tuple(notes))


def unmatched_locations(boundaries: Boundaries, pcodes: Iterable[str]) -> list[str]:
    """The data P-codes (in the order given) that have no matched boundary feature."""
    have = set(boundaries.features["pcode"])
    return [p for p in dict.fromkeys(pcodes) if p not in have]
