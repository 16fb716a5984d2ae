"""Boundary loading and matching on synthetic polygons (wrong CRS, invalid geometry, name-only files,
unreadable files, duplicates, admin-2) and, when ../shared/geo is present, on the real admin-1 files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon, box

from geo import boundaries as gb
from geo.admin import ADMIN_UNITS, resolve
from tests.conftest import SHARED

ADMIN1 = [u for u in ADMIN_UNITS if u.level == 1]


@pytest.fixture(autouse=True)
def _fresh_memory_cache() -> None:
    gb.clear_memory_cache()


def _square(lon: float, lat: float, half: float = 0.2) -> Polygon:
    return box(lon - half, lat - half, lon + half, lat + half)


def _write(frame: gpd.GeoDataFrame, path: Path, driver: str = "GeoJSON") -> Path:
    frame.to_file(path, driver=driver)
    return path


def test_codes_in_a_projected_crs_are_reprojected_to_lon_lat(tmp_path: Path) -> None:
    units = [u for u in ADMIN1 if u.country == "POL"]
    frame = gpd.GeoDataFrame(
        {"ADM1_PCODE": [u.pcode for u in units]}, geometry=[_square(u.lon, u.lat) for u in units], crs=4326
    ).to_crs(2180)  # the Polish national grid, in metres
    path = _write(frame, tmp_path / "poland_2180.gpkg", "GPKG")
    result = gb.load_boundaries(path, cache_dir=None)
    assert len(result.features) == 16
    assert result.unmatched.empty
    assert result.features.crs.to_epsg() == 4326
    masovia = result.features.set_index("pcode").loc["PL14"]
    centre = masovia.geometry.centroid
    assert centre.x == pytest.approx(21.09, abs=0.01)
    assert centre.y == pytest.approx(52.29, abs=0.01)
    assert masovia["matched_on"] == "ADM1_PCODE=PL14"


def test_invalid_geometry_is_repaired_not_dropped(tmp_path: Path) -> None:
    lviv = resolve("UA-46")
    assert lviv is not None
    x, y = lviv.lon, lviv.lat
    bowtie = Polygon([(x - 1, y - 1), (x + 1, y + 1), (x + 1, y - 1), (x - 1, y + 1)])
    assert not bowtie.is_valid
    path = tmp_path / "bowtie.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"iso_3166_2": "UA-46"}, "geometry": shapely.geometry.mapping(bowtie)},
    ]}), encoding="utf-8")
    result = gb.load_boundaries(path, cache_dir=None)
    assert list(result.features["pcode"]) == ["UA46"]
    geom = result.features.geometry.iloc[0]
    assert geom.is_valid
    assert geom.geom_type in ("Polygon", "MultiPolygon")
    assert geom.area == pytest.approx(2.0, rel=0.01)  # both triangles kept


def test_a_name_only_file_matches_through_the_alias_table(tmp_path: Path) -> None:
    names = {"Kiev": "UA80", "Odessa": "UA51", "Zaporizhzhya": "UA23", "Kirovohrad": "UA35",
             "Khmelnytsky": "UA68", "Šiaulių": "LT06", "województwo łódzkie": "PL10", "Lesser Poland Voivodeship": "PL12"}
    units = {u.pcode: u for u in ADMIN1}
    frame = gpd.GeoDataFrame({"name": list(names)},
                             geometry=[_square(units[p].lon, units[p].lat) for p in names.values()], crs=4326)
    path = _write(frame, tmp_path / "names.geojson")
    result = gb.load_boundaries(path, cache_dir=None)
    assert dict(zip(result.features["label"], result.features["pcode"], strict=True)) == names
    assert result.unmatched.empty


def test_unmatched_features_and_duplicates_are_listed_with_reasons(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"shapeName": ["Lviv Oblast", "Atlantis", "Lvivska", None], "shapeISO": ["UA-46", "XX-01", None, None]},
        geometry=[_square(24, 49.7), _square(10, 10), _square(24, 49.7), _square(25, 50)], crs=4326)
    path = _write(frame, tmp_path / "mixed.geojson")
    result = gb.load_boundaries(path, cache_dir=None)
    assert list(result.features["pcode"]) == ["UA46"]
    rows = result.unmatched.set_index("feature")
    assert list(rows.index) == [2, 3, 4]
    assert rows.loc[2, "label"] == "Atlantis"
    assert "no admin area matches" in rows.loc[2, "reason"] and "XX-01" in rows.loc[2, "reason"]
    assert "duplicate of feature 1 in mixed.geojson" in rows.loc[3, "reason"]
    assert rows.loc[4, "reason"].startswith("no P-code, ISO code or name property")
    from dashboard import i18n

    with i18n.language("uk"):  # the reasons in the reader's language, from the one shared (cached) result
        ukrainian = gb.describe_reasons(result.unmatched).tolist()
    with i18n.language("pl"):
        polish = gb.describe_reasons(result.unmatched).tolist()
    assert ukrainian[1] == "дублікат об'єкта 1 у файлі mixed.geojson (обидва — UA46 Lviv)"
    assert polish[1] == "duplikat obiektu 1 w pliku mixed.geojson (oba to UA46 Lviv)"
    assert ukrainian[0].startswith("жодна адміністративна одиниця не відповідає") and "XX-01" in ukrainian[0]
    assert gb.describe_reasons(result.unmatched).tolist() == result.unmatched["reason"].tolist()  # English


def test_admin2_features_match_known_pcodes_and_list_the_rest(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {"ADM2_PCODE": ["UA4606", "UA4608", "UA4699"], "ADM2_EN": ["Lvivskyi", "Stryiskyi", "Nowhere"],
         "ADM1_PCODE": ["UA46", "UA46", "UA46"]},
        geometry=[_square(24, 49.8, 0.1), _square(23.8, 49.2, 0.1), _square(25, 49, 0.1)], crs=4326)
    path = _write(frame, tmp_path / "adm2.geojson")
    known = {"UA4606": ("Lvivskyi", "UA46"), "UA4608": ("Stryiskyi", "UA46")}
    result = gb.load_boundaries(path, known, cache_dir=None)
    assert list(result.features["pcode"]) == ["UA4606", "UA4608"]
    assert set(result.features["admin_level"]) == {2}
    assert list(result.features["parent_pcode"]) == ["UA46", "UA46"]
    assert result.unmatched["reason"].tolist() == ["admin-2 P-code UA4699 (ADM2_PCODE) is not in the locations table"]
    assert result.levels() == [2]


def test_a_shapefile_folder_is_read(tmp_path: Path) -> None:
    units = [u for u in ADMIN1 if u.country == "LTU"]
    frame = gpd.GeoDataFrame({"ISO": [u.iso for u in units]}, geometry=[_square(u.lon, u.lat, 0.1) for u in units],
                             crs=4326)
    folder = tmp_path / "shp"
    folder.mkdir()
    _write(frame, folder / "lt.shp", "ESRI Shapefile")
    result = gb.load_boundaries(folder, cache_dir=None)
    assert sorted(result.features["pcode"]) == [f"LT{i:02d}" for i in range(1, 11)]


@pytest.mark.parametrize(("content", "message"), [
    ("this is not json", "broken.geojson: cannot be read as a boundary file"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature"', "broken.geojson: cannot be read"),
])
def test_an_unreadable_file_gives_one_clear_message(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(gb.BoundaryError) as err:
        gb.load_boundaries(path, cache_dir=None)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_missing_path_and_wrong_file_type_are_named(tmp_path: Path) -> None:
    with pytest.raises(gb.BoundaryError, match=r"MHPSS_BOUNDARIES: .*nowhere does not exist"):
        gb.load_boundaries(tmp_path / "nowhere", cache_dir=None)
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    with pytest.raises(gb.BoundaryError, match=r"notes.txt is not a GeoJSON, GeoPackage or Shapefile"):
        gb.load_boundaries(tmp_path / "notes.txt", cache_dir=None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(gb.BoundaryError, match="holds no GeoJSON"):
        gb.load_boundaries(empty, cache_dir=None)
    from dashboard import i18n

    with i18n.language("pl"), pytest.raises(gb.BoundaryError, match=r"notes.txt nie jest plikiem GeoJSON"):
        gb.load_boundaries(tmp_path / "notes.txt", cache_dir=None)


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_projected_coordinates_without_crs_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"ISO": "PL-MZ"},
         "geometry": shapely.geometry.mapping(box(600000, 480000, 700000, 520000))}]}), encoding="utf-8")
    # GeoJSON is WGS84 by definition, so GDAL assigns EPSG:4326; the check catches impossible lon/lat.
    frame = gpd.read_file(path)
    frame = frame.set_crs(None, allow_override=True)
    shp = tmp_path / "nocrs.shp"
    frame.to_file(shp)
    with pytest.raises(gb.BoundaryError, match="no coordinate reference system"):
        gb.load_boundaries(shp, cache_dir=None)


def test_prepared_boundaries_are_cached_on_disk_and_refreshed_when_the_file_changes(tmp_path: Path) -> None:
    unit = resolve("PL-MZ")
    assert unit is not None
    src = tmp_path / "src"
    src.mkdir()
    path = _write(gpd.GeoDataFrame({"ISO": ["PL-MZ"]}, geometry=[_square(unit.lon, unit.lat)], crs=4326),
                  src / "one.geojson")
    cache = tmp_path / "cache"
    first = gb.load_boundaries(path, cache_dir=cache)
    cached = list((cache / "simplified").glob("*.geojson"))
    assert len(cached) == 1
    gb.clear_memory_cache()
    again = gb.load_boundaries(path, cache_dir=cache)  # read from the disk cache
    assert again.features.geometry.iloc[0].equals(first.features.geometry.iloc[0])
    assert again.features["pcode"].tolist() == ["PL14"]
    # Replace the file (new content, new mtime): a second cache entry, and the new area is used.
    lublin = resolve("PL-LU")
    assert lublin is not None
    _write(gpd.GeoDataFrame({"ISO": ["PL-LU"]}, geometry=[_square(lublin.lon, lublin.lat)], crs=4326), path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    changed = gb.load_boundaries(path, cache_dir=cache)
    assert changed.features["pcode"].tolist() == ["PL06"]
    assert len(list((cache / "simplified").glob("*.geojson"))) == 2


def test_simplification_reduces_vertices_and_rounds_coordinates(tmp_path: Path) -> None:
    circle = shapely.Point(24.0, 49.7).buffer(1.0, quad_segs=512)  # 2,049 vertices
    frame = gpd.GeoDataFrame({"ISO": ["UA-46"]}, geometry=[circle], crs=4326)
    result = gb.load_boundaries(_write(frame, tmp_path / "c.geojson"), cache_dir=None)
    geom = result.features.geometry.iloc[0]
    assert shapely.get_num_coordinates(geom) < 300
    assert geom.area == pytest.approx(circle.area, rel=0.01)
    coords = shapely.get_coordinates(geom)
    assert (abs(coords * 10**4 - (coords * 10**4).round()) < 1e-6).all()


def test_unmatched_locations_lists_data_areas_without_a_boundary(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"ISO": ["PL-MZ"]}, geometry=[_square(21, 52)], crs=4326)
    result = gb.load_boundaries(_write(frame, tmp_path / "one.geojson"), cache_dir=None)
    assert gb.unmatched_locations(result, ["PL14", "UA46", "UA46", "LT10"]) == ["UA46", "LT10"]


def test_attribution_is_read_from_the_files(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame({"ISO": ["PL-MZ"], "wikidata": ["Q54169"]}, geometry=[_square(21, 52)], crs=4326)
    osm = gb.load_boundaries(_write(frame, tmp_path / "osm.geojson"), cache_dir=None)
    assert osm.attribution == "Boundaries: © OpenStreetMap contributors"
    other = tmp_path / "other"
    other.mkdir()
    plain = gpd.GeoDataFrame({"ISO": ["PL-MZ"]}, geometry=[_square(21, 52)], crs=4326)
    _write(plain, other / "mine.geojson")
    assert gb.load_boundaries(other, cache_dir=None).attribution == "Boundaries: mine.geojson"
    (other / "ATTRIBUTION.txt").write_text("\nStatistics Poland (GUS), CC BY 4.0\n", encoding="utf-8")
    assert gb.load_boundaries(other, cache_dir=None).attribution == "Boundaries: Statistics Poland (GUS), CC BY 4.0"


REAL = SHARED / "geo"


@pytest.mark.skipif(not (REAL / "ukraine_admin1.geojson").exists(), reason="../shared/geo is not present")
def test_real_boundaries_all_53_features_match(tmp_path: Path) -> None:
    result = gb.load_boundaries(REAL, cache_dir=tmp_path)
    assert result.unmatched.empty, result.unmatched.to_string()
    feats = result.features
    assert len(feats) == 53
    assert feats.groupby("country").size().to_dict() == {"LTU": 10, "POL": 16, "UKR": 27}
    assert sorted(feats["pcode"]) == sorted(u.pcode for u in ADMIN1)
    by_iso = dict(zip(feats["iso"], feats["pcode"], strict=True))
    assert [by_iso[i] for i in ("UA-43", "UA-09", "UA-77", "UA-30", "UA-40")] == ["UA01", "UA44", "UA73", "UA80", "UA85"]
    assert feats.geometry.is_valid.all()
    assert result.attribution == "Boundaries: © OpenStreetMap contributors"
    # Each feature contains its own reference centroid (a check that the geometry and code agree).
    units = {u.pcode: u for u in ADMIN1}
    for row in feats.itertuples():
        unit = units[row.pcode]
        assert row.geometry.buffer(0.05).contains(shapely.Point(unit.lon, unit.lat)), row.pcode
    size = len(json.dumps(result.geometry_json()))
    assert size < 400_000  # simplified for the web (the source files total about 510 KB)
