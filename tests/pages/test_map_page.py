"""Map page (AppTest): the deck holds bubbles (no boundaries) or a choropleth (boundaries) with the right
areas and values, per-capita and gap measures, a broken boundary file falls back to bubbles with a clear
message, and the map's data downloads as CSV."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from shapely.geometry import box, mapping
from sqlalchemy import create_engine, text

from geo import boundaries as gb
from geo.admin import ADMIN_UNITS
from tests.conftest import SHARED
from tests.pages.conftest import download_bytes, no_exception, run_page

PAGE = "pages/3_Map.py"


@pytest.fixture(autouse=True)
def _private_geo_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gb, "CACHE_DIR", tmp_path / "geo-cache")
    gb.clear_memory_cache()


def _sql(query: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(query), params)]
    engine.dispose()
    return rows


def _sum_by_area(indicator: str) -> dict[str, float]:
    """Admin-1 totals of a summed indicator over all time, straight from the database."""
    return {p: float(v) for p, v in _sql(
        "SELECT l.pcode, SUM(f.value) FROM facts f JOIN indicators i ON i.id = f.indicator_id "
        "JOIN locations l ON l.id = f.location_id JOIN import_batches b ON b.id = f.batch_id "
        "WHERE i.code = :code AND l.admin_level = 1 AND f.replaced_by IS NULL AND b.status = 'committed' "
        "GROUP BY l.pcode", code=indicator)}


def _layers(at: Any) -> dict[str, dict[str, Any]]:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    spec = json.loads(decks[0].proto.json)
    assert spec.get("mapStyle") is None  # never a dict
    return {layer["id"]: layer for layer in spec["layers"]}


def _bubble_values(layers: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    rows = layers["bubbles"]["data"] + layers["bubbles-no-data"]["data"]
    return {r["pcode"]: r["value"] for r in rows}


def _square_boundaries(folder: Path, skip: tuple[str, ...] = ()) -> Path:
    """Synthetic admin-1 boundaries: a square around each reference centroid, keyed by ISO code."""
    features = [
        {"type": "Feature", "properties": {"iso_3166_2": u.iso, "name_en": u.name_en},
         "geometry": mapping(box(u.lon - 0.3, u.lat - 0.2, u.lon + 0.3, u.lat + 0.2))}
        for u in ADMIN_UNITS if u.level == 1 and u.pcode not in skip
    ]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "squares.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def test_without_boundaries_the_map_is_bubbles_with_the_right_values() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    layers = _layers(at)
    assert layers["bubbles"]["@@type"] == "ScatterplotLayer"
    values = _bubble_values(layers)
    assert len(values) == 53  # every admin-1 area of the three countries, with data or not
    expected = _sum_by_area("TRAININGS_HELD")
    assert {p: v for p, v in values.items() if v is not None} == pytest.approx(expected)
    assert all(values[p] is None for p in values if p not in expected)  # no data stays no data, not zero
    captions = " ".join(c.value for c in at.caption)
    assert "Bubbles at area centres" in captions and "MHPSS_BOUNDARIES" in captions


def test_with_boundaries_the_map_is_a_choropleth_with_attribution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(_square_boundaries(tmp_path / "geo")))
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    layers = _layers(at)
    features = layers["choropleth"]["data"]["features"]
    assert layers["choropleth"]["@@type"] == "GeoJsonLayer"
    props = {f["properties"]["pcode"]: f["properties"] for f in features}
    assert len(props) == 53
    expected = _sum_by_area("TRAININGS_HELD")
    assert {p: v["value"] for p, v in props.items() if v["value"] is not None} == pytest.approx(expected)
    no_data = [p for p in props if p not in expected]
    assert no_data and all(props[p]["fill"] == [189, 189, 189, 70] for p in no_data)
    assert "Boundaries: squares.geojson" in " ".join(c.value for c in at.caption)
    assert "missing-polygons" not in layers


def test_areas_without_a_polygon_are_drawn_as_bubbles_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(_square_boundaries(tmp_path / "geo", skip=("PL14", "UA80"))))
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    layers = _layers(at)
    assert len(layers["choropleth"]["data"]["features"]) == 51
    missing = layers["missing-polygons"]["data"] + layers["missing-polygons-no-data"]["data"]
    assert sorted(r["pcode"] for r in missing) == ["PL14", "UA80"]
    assert any("2 areas have no polygon in the boundary file" in c.value and "Masovia" in c.value for c in at.caption)


def test_a_broken_boundary_file_falls_back_to_bubbles_with_a_message(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(broken))
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    assert [w.value for w in at.warning if "boundary file could not be used" in w.value] == [
        next(w.value for w in at.warning if "boundary file could not be used" in w.value)]
    message = next(w.value for w in at.warning if "boundary file could not be used" in w.value)
    assert "broken.geojson: cannot be read as a boundary file" in message and "bubbles" in message
    assert "bubbles" in _layers(at)


def test_per_10000_residents_uses_the_denominators_table() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all", country="POL")
    at.radio(key="w_map_measure").set_value("per_residents").run()
    no_exception(at)
    values = {r["pcode"]: r for r in _layers(at)["bubbles"]["data"]}
    assert set(values) <= {u.pcode for u in ADMIN_UNITS if u.country == "POL"}
    residents = {p: float(v) for p, v in _sql(
        "SELECT l.pcode, d.value FROM denominators d JOIN locations l ON l.id = d.location_id "
        "WHERE d.measure = 'residents' AND l.country = 'POL'")}
    expected = _sum_by_area("TRAININGS_HELD")
    for pcode, row in values.items():
        assert row["metric"] == pytest.approx(expected[pcode] / residents[pcode] * 10_000)
        assert row["denominator_text"].startswith(f"Residents: {residents[pcode]:,.0f}")
        assert "demo estimate" in row["denominator_text"]
    legend = " ".join(m.value for m in at.markdown)
    assert "per 10,000 residents" in legend and "no reports" in legend


def test_gap_view_lists_areas_with_many_people_and_few_services() -> None:
    at = run_page(PAGE, indicator="PPL_REACHED", period="ytd")
    at.radio(key="w_map_measure").set_value("gap").run()
    no_exception(at)
    assert "Service gaps" in [s.value for s in at.subheader]
    table = at.dataframe[0].value
    assert len(table) >= 1
    assert set(table["Gap"]) <= {"Many people, no services reported", "Many people, low coverage"}
    order = table["Gap"].map({"Many people, no services reported": 0, "Many people, low coverage": 1})
    assert order.is_monotonic_increasing  # no services first, then low coverage
    for _, group in table.groupby("Gap"):
        assert group["People (denominator)"].is_monotonic_decreasing  # most people first
    legend = " ".join(m.value for m in at.markdown)
    assert "Many people: at least" in legend and "the median of the areas shown" in legend


def test_country_filter_limits_the_areas_and_the_csv_matches_the_map() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all", country="LTU")
    no_exception(at)
    values = _bubble_values(_layers(at))
    assert sorted(values) == [f"LT{i:02d}" for i in range(1, 11)]
    table = pd.read_csv(io.BytesIO(download_bytes(at, "dl_map_csv")))
    assert len(table) == 10
    assert dict(zip(table["pcode"], table["value"], strict=True)) == pytest.approx(
        {p: (float("nan") if v is None else v) for p, v in values.items()}, nan_ok=True)
    assert set(table["indicator"]) == {"TRAININGS_HELD"}


@pytest.mark.skipif(not (SHARED / "geo" / "ukraine_admin1.geojson").exists(), reason="../shared/geo is not present")
def test_real_boundaries_draw_all_53_areas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(SHARED / "geo"))
    at = run_page(PAGE, indicator="PPL_REACHED", period="all")
    no_exception(at)
    features = _layers(at)["choropleth"]["data"]["features"]
    assert len(features) == 53
    assert any("© OpenStreetMap contributors" in c.value for c in at.caption)
    assert not any("matched no area" in e.label for e in at.expander)


def _add_admin2(url: str) -> dict[str, float]:
    """Three admin-2 areas under Lviv (UA46) with one report each in 2026; returns value per P-code."""
    from dashboard import store
    from data_sources.batches import Lookups, close_batch, insert_facts, open_batch

    engine = store.get_engine(url)
    areas = pd.DataFrame({"pcode": ["UA4606", "UA4608", "UA4612"], "iso_code": [None] * 3, "country": ["UKR"] * 3,
                          "admin_level": [2] * 3, "name_en": ["Lvivskyi", "Stryiskyi", "Zolochivskyi"],
                          "name_local": [None] * 3, "parent_pcode": ["UA46"] * 3,
                          "lat": [49.8, 49.25, 49.8], "lon": [24.0, 23.85, 24.9]})
    values = {"UA4606": 120.0, "UA4608": 45.0}
    facts = pd.DataFrame([{
        "organisation": "Test Org", "indicator": "TRAININGS_HELD", "activity": "3.2", "location": p,
        "period_start": "2026-03-01", "period_end": "2026-03-31", "period_month": "2026-03", "sex": "all",
        "age_band": "all", "population_group": "all", "disability": "all", "value": v} for p, v in values.items()])
    with engine.begin() as conn:
        store.bulk_insert(conn, store.locations, areas)
        conn.execute(store.organisations.insert().values(name="Test Org", org_type="ingo", is_demo=False))
        batch = open_batch(conn, "test")
        close_batch(conn, batch, insert_facts(conn, facts, Lookups.read(conn), batch, is_demo=False))
    engine.dispose()
    return values


def test_admin2_choropleth_when_data_and_boundaries_have_it(fixture_db_url: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    values = _add_admin2(fixture_db_url)
    features = [{"type": "Feature", "properties": {"ADM2_PCODE": p, "ADM2_EN": n, "ADM1_PCODE": "UA46"},
                 "geometry": mapping(box(lon - 0.2, lat - 0.15, lon + 0.2, lat + 0.15))}
                for p, n, lat, lon in [("UA4606", "Lvivskyi", 49.8, 24.0), ("UA4608", "Stryiskyi", 49.25, 23.85),
                                       ("UA4699", "Unknown raion", 49.5, 23.0)]]
    folder = tmp_path / "adm2"
    folder.mkdir()
    (folder / "ukr_adm2.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                                             encoding="utf-8")
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(folder))
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="ytd", adm1="UA-46")
    no_exception(at)
    # Admin-1 first: the boundary file has no admin-1 areas, so the map says so and shows bubbles.
    assert any("hold no admin-1 areas" in w.value for w in at.warning)
    lviv = {r["pcode"]: r["value"] for r in _layers(at)["bubbles"]["data"]}
    admin1_expected = _sql(
        "SELECT SUM(f.value) FROM facts f JOIN indicators i ON i.id = f.indicator_id JOIN locations l "
        "ON l.id = f.location_id WHERE i.code = 'TRAININGS_HELD' AND f.period_month >= '2026-01' "
        "AND (l.pcode = 'UA46' OR l.parent_pcode = 'UA46')")[0][0]
    assert lviv == {"UA46": pytest.approx(admin1_expected)}  # admin-2 reports roll up into Lviv
    at.radio(key="w_map_level").set_value(2).run()
    no_exception(at)
    layers = _layers(at)
    props = {f["properties"]["pcode"]: f["properties"]["value"] for f in layers["choropleth"]["data"]["features"]}
    assert props == values  # the third admin-2 area has no polygon: drawn as a ring, not dropped
    assert [r["pcode"] for r in layers["missing-polygons-no-data"]["data"]] == ["UA4612"]
    with_reason = [e for e in at.expander if "1 boundary feature matched no area" in e.label]
    assert len(with_reason) == 1


MEASURE_KEYS = ["value", "per_refugees", "per_residents", "pct_target", "gap"]


@pytest.mark.parametrize("period", ["all", "last_month"])
def test_every_indicator_and_measure_draws_all_53_areas(period: str) -> None:
    codes = [c for (c,) in _sql("SELECT code FROM indicators ORDER BY sort_order")]
    assert len(codes) >= 8
    at = run_page(PAGE, indicator=codes[0], period=period)
    for code in codes:
        at.query_params["indicator"] = code
        for measure in MEASURE_KEYS:
            at.radio(key="w_map_measure").set_value(measure)
            at.run()
            no_exception(at)
            values = _bubble_values(_layers(at))
            assert len(values) == 53, (code, measure)
            legend = " ".join(m.value for m in at.markdown)
            assert ("no reports" in legend or "Gap view" in legend), (code, measure)


def _tooltips(at: Any) -> dict[str, dict[str, Any]]:
    layers = _layers(at)
    rows = layers["bubbles"]["data"] + layers["bubbles-no-data"]["data"]
    return {r["pcode"]: r for r in rows}


@pytest.mark.parametrize(("lang", "caption", "legend_word", "lviv", "masovia", "people"), [
    ("uk", "Індикатор: **", "немає звітів", "Львівська область", "Masovia", "осіб"),
    ("pl", "Wskaźnik: **", "brak raportów", "Lviv", "Mazowieckie", "osób"),
])
def test_the_map_in_ukrainian_and_polish(lang: str, caption: str, legend_word: str, lviv: str, masovia: str,
                                         people: str) -> None:
    at = run_page(PAGE, lang=lang, indicator="PPL_REACHED", period="all")
    no_exception(at)
    assert at.title[0].value == {"uk": "Карта", "pl": "Mapa"}[lang]
    assert any(c.value.startswith(caption) for c in at.caption)
    legend = " ".join(m.value for m in at.markdown)
    assert legend_word in legend and "no reports" not in legend
    radio = at.radio(key="w_map_measure")
    assert radio.label == {"uk": "Показник", "pl": "Miara"}[lang]
    assert {"uk": "На 10 000 мешканців", "pl": "Na 10 000 mieszkańców"}[lang] in radio.options
    tips = _tooltips(at)
    # Area names per names.area_name: a Ukrainian oblast in Ukrainian for Ukrainian readers, a Polish
    # voivodeship in Polish for Polish readers, English otherwise.
    assert tips["UA46"]["name"] == lviv and tips["PL14"]["name"] == masovia
    pcode, value = max(((p, t["value"]) for p, t in tips.items() if t["value"] is not None), key=lambda pv: pv[1])
    assert value >= 1000 and float(value).is_integer()
    whole = int(value)
    assert tips[pcode]["headline_text"].startswith(f"{whole // 1000}\xa0{whole % 1000:03d} {people}")
    assert not any("No reports for these filters" in str(t["headline_text"]) for t in tips.values())
    captions = " ".join(c.value for c in at.caption)
    assert "Bubbles at area centres" not in captions and "MHPSS_BOUNDARIES" in captions


def test_the_gap_view_and_the_csv_in_polish_keep_machine_values() -> None:
    from dashboard import i18n

    english = run_page(PAGE, indicator="PPL_REACHED", period="ytd", country="POL")
    at = run_page(PAGE, lang="pl", indicator="PPL_REACHED", period="ytd", country="POL")
    for page in (english, at):
        with i18n.language("pl" if page is at else "en"):  # AppTest formats the option in the test's thread
            page.radio(key="w_map_measure").set_value("gap").run()
        no_exception(page)
    assert "Luki w usługach" in [s.value for s in at.subheader]
    gaps = at.dataframe[0].value
    assert list(gaps.columns[:3]) == ["Obszar", "Kraj", "Osoby (mianownik)"]
    assert set(gaps["Luka"]) <= {"Wiele osób, nie zgłoszono usług", "Wiele osób, niskie pokrycie"}
    legend = " ".join(m.value for m in at.markdown)
    assert "Wiele osób: co najmniej" in legend
    polish = pd.read_csv(io.BytesIO(download_bytes(at, "dl_map_csv")), dtype=str)
    same = pd.read_csv(io.BytesIO(download_bytes(english, "dl_map_csv")), dtype=str)
    assert list(polish.columns[:4]) == ["P-kod", "kod ISO 3166-2", "obszar", "kraj"]
    assert list(same.columns[:4]) == ["pcode", "iso_3166_2", "area", "country"]
    assert polish.fillna("").to_numpy().tolist() == same.fillna("").to_numpy().tolist()  # values: the same
    assert same["period"].iloc[0] == "2026-01 to 2026-11"


def test_a_broken_boundary_file_is_explained_in_ukrainian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(broken))
    at = run_page(PAGE, lang="uk", indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    message = next(w.value for w in at.warning if "файл меж" in w.value)
    assert message.startswith("Не вдалося використати файл меж: broken.geojson: не вдається прочитати як файл меж")
    assert "бульбашки" in message


def test_unmatched_boundary_features_are_listed_in_ukrainian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _square_boundaries(tmp_path / "geo")
    collection = json.loads(path.read_text(encoding="utf-8"))
    collection["features"].append({"type": "Feature", "properties": {"name_en": "Atlantis"},
                                   "geometry": mapping(box(0, 0, 1, 1))})
    path.write_text(json.dumps(collection), encoding="utf-8")
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(path))
    at = run_page(PAGE, lang="uk", indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    assert any(c.value.startswith("Межі: squares.geojson") for c in at.caption)
    expander = next(e for e in at.expander if "файлу меж не відповідає жодній території" in e.label)
    assert expander.label.startswith("1 об'єкт")
    listed = at.dataframe[0].value
    assert list(listed.columns) == ["Файл", "Об'єкт", "Позначка", "Причина"]
    assert len(listed) == 1
    assert listed["Причина"].iloc[0].startswith("жодна адміністративна одиниця не відповідає name_en='Atlantis'")


def test_an_edited_boundary_file_is_drawn_afresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page keeps its map between reruns; replacing the boundary file must still show at the next rerun."""
    path = _square_boundaries(tmp_path / "geo")
    monkeypatch.setenv("MHPSS_BOUNDARIES", str(path))
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all")
    assert len(_layers(at)["choropleth"]["data"]["features"]) == 53
    _square_boundaries(tmp_path / "geo", skip=("PL14",))
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    at.run()
    no_exception(at)
    layers = _layers(at)
    assert len(layers["choropleth"]["data"]["features"]) == 52
    missing = layers["missing-polygons"]["data"] + layers["missing-polygons-no-data"]["data"]
    assert [r["pcode"] for r in missing] == ["PL14"]


def test_each_measure_draws_its_own_map_and_coming_back_draws_the_first_again() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD", period="all", country="POL")
    first = at.get("deck_gl_json_chart")[0].proto.json
    first_csv = download_bytes(at, "dl_map_csv")
    at.radio(key="w_map_measure").set_value("per_residents").run()
    no_exception(at)
    assert at.get("deck_gl_json_chart")[0].proto.json != first
    assert "per 10,000 residents" in " ".join(m.value for m in at.markdown)
    assert pd.read_csv(io.BytesIO(download_bytes(at, "dl_map_csv")))["measure_shown"].eq(
        "Per 10,000 residents").all()
    at.radio(key="w_map_measure").set_value("value").run()
    assert at.get("deck_gl_json_chart")[0].proto.json == first
    assert download_bytes(at, "dl_map_csv") == first_csv
