"""Download admin-1 boundaries for Ukraine, Poland and Lithuania from geoBoundaries (gbOpen, CC BY 4.0).

One API call per country (``{base}/api/current/gbOpen/{ISO3}/ADM1/``) gives metadata and download links;
the simplified GeoJSON is downloaded (the full one when there is no simplified link), checked (it must be
a FeatureCollection whose features match the admin reference table) and written atomically into the
git-ignored ``geo/cache/boundaries/`` folder with an ``ATTRIBUTION.txt`` beside it. Either every country
is written or none is. Never imports streamlit.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from geo.boundaries import CACHE_DIR

GEOBOUNDARIES_URL = "https://www.geoboundaries.org"
COUNTRIES = ("UKR", "POL", "LTU")
DOWNLOAD_DIR = CACHE_DIR / "boundaries"
EXPECTED_FEATURES = {"UKR": 27, "POL": 16, "LTU": 10}


class FetchError(RuntimeError):
    """A download failed for a reason other than being offline; the message says which and why."""


class OfflineError(FetchError):
    """The boundary server cannot be reached at all (no network, DNS failure, refused connection)."""


@dataclass(frozen=True)
class Downloaded:
    """One country's downloaded boundary file."""

    country: str
    path: Path
    features: int
    source: str
    licence: str


def _get(session: requests.Session, url: str, timeout: float) -> requests.Response:
    try:
        response = session.get(url, timeout=timeout)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise OfflineError(f"cannot reach {url.split('/api/')[0]} ({type(exc).__name__})") from None
    except requests.RequestException as exc:
        raise FetchError(f"{url}: {exc}") from None
    if response.status_code != 200:
        raise FetchError(f"{url} answered HTTP {response.status_code}")
    return response


def _feature_collection(payload: bytes, url: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        raise FetchError(f"{url} did not return JSON") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        raise FetchError(f"{url} did not return a GeoJSON FeatureCollection with features")
    return data


def fetch_country(session: requests.Session, base_url: str, iso3: str, timeout: float) -> tuple[dict[str, Any], bytes]:
    """Metadata and GeoJSON bytes of one country's ADM1 boundaries."""
    meta_url = f"{base_url.rstrip('/')}/api/current/gbOpen/{iso3}/ADM1/"
    response = _get(session, meta_url, timeout)
    try:
        meta = response.json()
    except ValueError:
        raise FetchError(f"{meta_url} did not return JSON metadata") from None
    if isinstance(meta, list):  # the API answers a list when several releases match
        meta = meta[0] if meta else {}
    link = meta.get("simplifiedGeometryGeoJSON") or meta.get("gjDownloadURL")
    if not link:
        raise FetchError(f"{meta_url}: no GeoJSON download link in the metadata")
    payload = _get(session, str(link), timeout).content
    _feature_collection(payload, str(link))
    return meta, payload


def fetch_boundaries(
    base_url: str = GEOBOUNDARIES_URL,
    out_dir: Path = DOWNLOAD_DIR,
    countries: tuple[str, ...] = COUNTRIES,
    timeout: float = 30.0,
) -> list[Downloaded]:
    """Download every country, then write them all (atomically, each file via a temporary name).

    Raises :class:`OfflineError` when the server cannot be reached and :class:`FetchError` for any other
    failure; nothing is written unless every country downloaded.
    """
    from geo.boundaries import load_boundaries

    session = requests.Session()
    session.headers["User-Agent"] = "mhpss-dashboard geo fetch"
    fetched = {iso3: fetch_country(session, base_url, iso3, timeout) for iso3 in countries}
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    credits = []
    for iso3, (meta, payload) in fetched.items():
        target = out_dir / f"geoBoundaries-{iso3}-ADM1.geojson"
        _write_atomic(target, payload)
        data = _feature_collection(payload, target.name)
        source = str(meta.get("boundarySource") or "geoBoundaries")
        licence = str(meta.get("boundaryLicense") or "CC BY 4.0")
        results.append(Downloaded(iso3, target, len(data["features"]), source, licence))
        credits.append(f"{iso3}: {source} ({licence})")
    attribution = "Boundaries: geoBoundaries (www.geoboundaries.org), " + "; ".join(credits)
    if any("openstreetmap" in c.lower() or "osm" in c.lower().split() for c in credits):
        attribution += "; © OpenStreetMap contributors"
    _write_atomic(out_dir / "ATTRIBUTION.txt", (attribution + "\n").encode("utf-8"))
    # Prepare and cache the simplified version now, not on the first page view (the cache sits beside the
    # download folder: geo/cache/simplified for the default geo/cache/boundaries).
    load_boundaries(out_dir, cache_dir=out_dir.parent)
    return results


def _write_atomic(target: Path, payload: bytes) -> None:
    with tempfile.NamedTemporaryFile("wb", dir=target.parent, suffix=".part", delete=False) as handle:
        handle.write(payload)
    os.replace(handle.name, target)
