"""``python -m geo fetch``: the download path against a geoBoundaries-like server on loopback, the offline
path (nothing listening), and a failing server (nothing written)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from geo import boundaries as gb
from geo.__main__ import main
from geo.admin import ADMIN_UNITS

COUNTRY_NAMES = {"UKR": "Ukraine", "POL": "Poland", "LTU": "Lithuania"}


def _collection(iso3: str) -> bytes:
    units = [u for u in ADMIN_UNITS if u.level == 1 and u.country == iso3]
    features = [
        {"type": "Feature",
         "properties": {"shapeName": f"{u.name_en}", "shapeISO": u.iso, "shapeID": f"{iso3}-ADM1-{i}",
                        "shapeGroup": iso3, "shapeType": "ADM1"},
         "geometry": shapely.geometry.mapping(box(u.lon - 0.2, u.lat - 0.2, u.lon + 0.2, u.lat + 0.2))}
        for i, u in enumerate(units)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the repository's geo/cache untouched."""
    monkeypatch.setattr(gb, "CACHE_DIR", tmp_path / "geo-cache")
    gb.clear_memory_cache()


class _Handler(BaseHTTPRequestHandler):
    fail_country: str | None = None
    requests: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        type(self).requests.append(self.path)
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        parts = [p for p in self.path.split("/") if p]
        if parts[:3] == ["api", "current", "gbOpen"] and len(parts) >= 5:
            iso3 = parts[3]
            body = json.dumps({
                "boundaryISO": iso3, "boundaryName": COUNTRY_NAMES.get(iso3, iso3), "boundaryType": "ADM1",
                "boundarySource": "OpenStreetMap, Wikipedia", "boundaryLicense": "Open Data Commons Open Database License 1.0",
                "gjDownloadURL": f"{host}/data/{iso3}-full.geojson",
                "simplifiedGeometryGeoJSON": f"{host}/data/{iso3}-simplified.geojson",
            }).encode()
            self._send(200, body, "application/json")
        elif parts[:1] == ["data"] and parts[1].endswith("-simplified.geojson"):
            iso3 = parts[1][:3]
            if iso3 == type(self).fail_country:
                self._send(500, b"internal error", "text/plain")
            else:
                self._send(200, _collection(iso3), "application/geo+json")
        else:
            self._send(404, b"not found", "text/plain")

    def _send(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    _Handler.fail_country = None
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_downloads_all_three_countries_and_they_match(server: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "boundaries"
    code = main(["fetch", "--base-url", server, "--out", str(out), "--timeout", "5"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert sorted(p.name for p in out.glob("*.geojson")) == [
        "geoBoundaries-LTU-ADM1.geojson", "geoBoundaries-POL-ADM1.geojson", "geoBoundaries-UKR-ADM1.geojson"]
    assert "UKR: 27 features" in printed and "POL: 16 features" in printed and "LTU: 10 features" in printed
    assert f"MHPSS_BOUNDARIES={out}" in printed
    assert "/api/current/gbOpen/UKR/ADM1/" in _Handler.requests
    gb.clear_memory_cache()
    loaded = gb.load_boundaries(out, cache_dir=tmp_path / "cache")
    assert len(loaded.features) == 53 and loaded.unmatched.empty
    assert loaded.attribution.startswith("Boundaries: geoBoundaries (www.geoboundaries.org)")
    assert "© OpenStreetMap contributors" in loaded.attribution


def test_fetch_offline_prints_one_line_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "boundaries"
    code = main(["fetch", "--base-url", f"http://127.0.0.1:{port}", "--out", str(out), "--timeout", "2"])
    printed = capsys.readouterr().out
    assert code == 2
    assert printed.count("\n") == 1
    assert printed.startswith("geo fetch: offline, cannot reach http://127.0.0.1:")
    assert "maps keep using bubbles" in printed
    assert not out.exists()


def test_fetch_writes_nothing_when_one_country_fails(server: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _Handler.fail_country = "LTU"
    out = tmp_path / "boundaries"
    code = main(["fetch", "--base-url", server, "--out", str(out), "--timeout", "5"])
    printed = capsys.readouterr().out
    assert code == 2
    assert "LTU-simplified.geojson answered HTTP 500" in printed and "no boundaries written" in printed
    assert not out.exists() or not list(out.iterdir())


def test_check_lists_unmatched_features(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "two.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Odessa"},
         "geometry": shapely.geometry.mapping(box(30, 46, 31, 47))},
        {"type": "Feature", "properties": {"name": "Atlantis"},
         "geometry": shapely.geometry.mapping(box(10, 10, 11, 11))},
    ]}), encoding="utf-8")
    gb.clear_memory_cache()
    assert main(["check", str(path)]) == 1
    printed = capsys.readouterr().out
    assert "1 areas matched from two.geojson" in printed
    assert "not matched: two.geojson feature 2 'Atlantis': no admin area matches name='Atlantis'" in printed
    assert "no boundary for 26 UKR admin-1 areas: Vinnytsia (UA05)" in printed
    assert "no boundary for 16 POL admin-1 areas" in printed and "no boundary for 10 LTU admin-1 areas" in printed


def test_check_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.gpkg"
    path.write_bytes(b"not a geopackage")
    assert main(["check", str(path)]) == 2
    assert capsys.readouterr().out.startswith("geo check: bad.gpkg: cannot be read as a boundary file")
