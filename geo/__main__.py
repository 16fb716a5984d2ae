"""Command line for boundaries.

    python -m geo fetch [--base-url URL] [--out DIR] [--timeout SECONDS]
        Download admin-1 boundaries for Ukraine, Poland and Lithuania from geoBoundaries into
        geo/cache/boundaries/ (git-ignored). Exit 0 on success; 2 with one line when offline or when a
        download fails (nothing is written then).
    python -m geo check [PATH]
        Load the boundaries at PATH (default: MHPSS_BOUNDARIES); list the features that match no area and
        the admin-1 areas that have no feature. Exit 0 when everything matched, 1 when something did not,
        2 when the boundaries cannot be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dashboard.settings import SettingsError, load_settings
from geo.admin import ADMIN_UNITS
from geo.boundaries import Boundaries, BoundaryError, load_boundaries, resolve_boundaries_path
from geo.fetch import DOWNLOAD_DIR, GEOBOUNDARIES_URL, FetchError, OfflineError, fetch_boundaries


def _fetch(args: argparse.Namespace) -> int:
    out = Path(args.out)
    try:
        downloaded = fetch_boundaries(args.base_url, out, timeout=args.timeout)
    except OfflineError as exc:
        print(f"geo fetch: offline, {exc}: no boundaries downloaded; maps keep using bubbles at area centroids.")
        return 2
    except (FetchError, BoundaryError, OSError) as exc:
        print(f"geo fetch: failed, {exc}: no boundaries written.")
        return 2
    for item in downloaded:
        print(f"{item.country}: {item.features} features from {item.source} ({item.licence}) -> {item.path}")
    print(f"Done. To use them, set MHPSS_BOUNDARIES={out}")
    return 0


def _check(args: argparse.Namespace) -> int:
    raw = args.path
    if raw is None:
        try:
            raw = load_settings().boundaries
        except SettingsError as exc:
            print(f"geo check: {exc}")
            return 2
    if not raw:
        print("geo check: no path given and MHPSS_BOUNDARIES is empty (maps use bubbles at area centroids).")
        return 2
    try:
        boundaries = load_boundaries(resolve_boundaries_path(raw))
    except BoundaryError as exc:
        print(f"geo check: {exc}")
        return 2
    feats = boundaries.features
    print(f"{len(feats)} areas matched from {', '.join(boundaries.files)}; {boundaries.attribution}")
    for level in boundaries.levels():
        counts = feats[feats["admin_level"] == level].groupby("country").size()
        print(f"  admin-{level}: " + ", ".join(f"{country} {n}" for country, n in counts.items()))
    for row in boundaries.unmatched.itertuples(index=False):
        print(f"  not matched: {row.source_file} feature {row.feature} {row.label!r}: {row.reason}")
    missing = missing_reference_areas(boundaries)
    for country, names in missing.items():
        print(f"  no boundary for {len(names)} {country} admin-1 areas: {', '.join(names)}")
    return 1 if len(boundaries.unmatched) or missing else 0


def missing_reference_areas(boundaries: Boundaries) -> dict[str, list[str]]:
    """Admin-1 areas of the reference table without a matched feature, by country (these are drawn as
    bubbles on the map)."""
    have = set(boundaries.features["pcode"])
    out: dict[str, list[str]] = {}
    for unit in ADMIN_UNITS:
        if unit.level == 1 and unit.pcode not in have:
            out.setdefault(unit.country, []).append(f"{unit.name_en} ({unit.pcode})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo", description="Admin boundaries for the maps.")
    sub = parser.add_subparsers(dest="command", required=True)
    fetch = sub.add_parser("fetch", help="download admin-1 boundaries (UKR, POL, LTU) from geoBoundaries")
    fetch.add_argument("--base-url", default=GEOBOUNDARIES_URL, help="geoBoundaries server (default: %(default)s)")
    fetch.add_argument("--out", default=str(DOWNLOAD_DIR), help="folder to write (default: %(default)s)")
    fetch.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default: %(default)s)")
    check = sub.add_parser("check", help="load boundaries and list what matches and what does not")
    check.add_argument("path", nargs="?", help="file or folder (default: MHPSS_BOUNDARIES)")
    args = parser.parse_args(argv)
    return _fetch(args) if args.command == "fetch" else _check(args)


if __name__ == "__main__":
    sys.exit(main())
