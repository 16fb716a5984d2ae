"""Map arithmetic and layers: values per area by the aggregation rule, denominators, % of target, class
breaks, the gap view, no-data versus zero, the deck's layers and the CSV download."""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box, mapping

from dashboard import columns as C
from dashboard import maps as M
from dashboard.filters import Filters, Period

PERIOD = Period("2025-01", "2025-12", "2025")


def _locations() -> pd.DataFrame:
    rows = [
        # pcode, iso, country, level, name, parent, lat, lon
        ("PL", "PL", "POL", 0, "Poland", None, 52.1, 19.4),
        ("UA", "UA", "UKR", 0, "Ukraine", None, 49.0, 31.4),
        ("PL14", "PL-MZ", "POL", 1, "Masovia", "PL", 52.29, 21.09),
        ("PL12", "PL-MA", "POL", 1, "Lesser Poland", "PL", 49.83, 20.26),
        ("PL06", "PL-LU", "POL", 1, "Lublin", "PL", 51.31, 22.78),
        ("UA46", "UA-46", "UKR", 1, "Lviv", "UA", 49.67, 23.82),
        ("UA4606", None, "UKR", 2, "Lvivskyi", "UA46", 49.8, 24.0),
        ("UA4608", None, "UKR", 2, "Stryiskyi", "UA46", 49.2, 23.8),
    ]
    return pd.DataFrame(rows, columns=["pcode", "iso_code", "country", "admin_level", "name_en", "parent_pcode",
                                       "lat", "lon"])


def _facts(rows: list[tuple[str, str, str, str, str, float]], indicator: str = "PPL") -> pd.DataFrame:
    """rows: (pcode, organisation, activity, population group, month, value)."""
    locs = _locations().set_index("pcode")
    frame = pd.DataFrame(rows, columns=[C.PCODE, C.ORGANISATION, C.ACTIVITY, C.GROUP, C.MONTH, C.VALUE])
    frame[C.INDICATOR] = indicator
    frame[C.AREA] = frame[C.PCODE].map(locs["name_en"])
    frame[C.ADMIN_LEVEL] = frame[C.PCODE].map(locs["admin_level"]).astype(int)
    frame[C.COUNTRY] = frame[C.PCODE].map(locs["country"])
    frame[C.IS_DEMO] = False
    frame[C.SOURCE] = None
    return frame


FACTS = _facts([
    # Masovia: two organisations reach refugees (unique rule: the larger, 300), one reaches hosts (50).
    ("PL14", "Org A", "2.1", "refugee", "2025-01", 100.0),
    ("PL14", "Org A", "2.1", "refugee", "2025-02", 200.0),
    ("PL14", "Org B", "2.2", "refugee", "2025-02", 250.0),
    ("PL14", "Org B", "2.2", "host", "2025-03", 50.0),
    # Lesser Poland: a reported zero.
    ("PL12", "Org A", "2.1", "refugee", "2025-03", 0.0),
    # Lviv: reported at admin-2 in two raions, each by one organisation (roll up: 70 + 30).
    ("UA4606", "Org C", "2.1", "idp", "2025-04", 70.0),
    ("UA4608", "Org C", "2.1", "idp", "2025-04", 30.0),
    # A country-wide figure for Poland: not on an admin-1 map.
    ("PL", "Org D", "2.1", "refugee", "2025-05", 999.0),
])


def test_values_per_area_follow_the_unique_rule_and_roll_up_admin2() -> None:
    values, off = M.compute_area_values(FACTS, "unique_max", _locations(), level=1)
    got = dict(zip(values[C.PCODE], values[C.VALUE], strict=True))
    assert got == {"PL14": 350.0, "PL12": 0.0, "UA46": 100.0}
    assert off[[C.PCODE, C.VALUE]].values.tolist() == [["PL", 999.0]]
    assert dict(zip(values[C.PCODE], values["rows"], strict=True)) == {"PL14": 4, "PL12": 1, "UA46": 2}


def test_values_per_area_with_the_sum_rule_and_at_admin2() -> None:
    values, _ = M.compute_area_values(FACTS, "sum", _locations(), level=1)
    assert dict(zip(values[C.PCODE], values[C.VALUE], strict=True))["PL14"] == 600.0
    admin2, off2 = M.compute_area_values(FACTS, "sum", _locations(), level=2)
    assert dict(zip(admin2[C.PCODE], admin2[C.VALUE], strict=True)) == {"UA4606": 70.0, "UA4608": 30.0}
    assert set(off2[C.PCODE]) == {"PL", "PL14", "PL12"}  # reported above admin-2: listed, not dropped


def test_denominator_is_the_latest_on_or_before_the_period_end_else_the_earliest_after() -> None:
    dens = pd.DataFrame({
        C.PCODE: ["PL14", "PL14", "PL14", "PL12", "PL12"],
        "measure": ["residents"] * 5, C.GROUP: ["all"] * 5,
        "ref_date": [date(2023, 12, 31), date(2024, 12, 31), date(2026, 6, 30), date(2026, 6, 30), date(2027, 1, 1)],
        "value": [5_000_000.0, 5_500_000.0, 6_000_000.0, 3_400_000.0, 3_500_000.0],
        "source": ["GUS 2023", "GUS 2024", "GUS 2026", "GUS 2026", "GUS 2027"], C.IS_DEMO: [False] * 5,
    })
    out = M.compute_denominators(dens, "residents", PERIOD).set_index(C.PCODE)
    assert out.loc["PL14", M.DENOM] == 5_500_000.0 and out.loc["PL14", "denominator_source"] == "GUS 2024"
    assert out.loc["PL12", M.DENOM] == 3_400_000.0
    assert M.compute_denominators(dens, "refugees_present", PERIOD).empty


def _denoms() -> pd.DataFrame:
    return pd.DataFrame({
        C.PCODE: ["PL14", "PL12", "PL06", "UA46"], M.DENOM: [200_000.0, 100_000.0, 150_000.0, 50_000.0],
        "denominator_group": ["refugee", "refugee", "refugee", "idp"],
        "denominator_date": [date(2025, 12, 31)] * 4, "denominator_source": ["UNHCR"] * 3 + ["demo estimate"],
        "denominator_is_demo": [False, False, False, True],
    })


def _frame(measure: str, targets: dict[str, float] | None = None) -> pd.DataFrame:
    values, _ = M.compute_area_values(FACTS, "unique_max", _locations(), level=1)
    return M.compute_map_frame(_locations(), values, _denoms(), pd.Series(targets or {}, dtype=float), measure)


def test_map_frame_per_10000_and_status_for_no_data_and_zero() -> None:
    frame = _frame("per_refugees").set_index(C.PCODE)
    assert list(frame.index) == ["PL12", "PL06", "PL14", "UA46"]  # every admin-1 area, sorted by country and name
    assert frame.loc["PL14", M.METRIC] == pytest.approx(350 / 200_000 * 10_000)  # 17.5
    assert frame.loc["UA46", M.METRIC] == pytest.approx(20.0)
    assert frame.loc["PL12", M.STATUS] == "zero" and frame.loc["PL12", M.METRIC] == 0.0
    assert frame.loc["PL06", M.STATUS] == "no data" and np.isnan(frame.loc["PL06", M.METRIC])


def test_map_frame_filters_countries_and_areas() -> None:
    values, _ = M.compute_area_values(FACTS, "sum", _locations())
    only_pl = M.compute_map_frame(_locations(), values, pd.DataFrame(), pd.Series(dtype=float), "value",
                                  countries=("POL",))
    assert sorted(only_pl[C.PCODE]) == ["PL06", "PL12", "PL14"]
    one = M.compute_map_frame(_locations(), values, pd.DataFrame(), pd.Series(dtype=float), "value", adm1=("UA-46",))
    assert one[C.PCODE].tolist() == ["UA46"] and one[C.VALUE].tolist() == [100.0]


def test_percent_of_target_and_areas_without_target() -> None:
    frame = _frame("pct_target", {"PL14": 700.0}).set_index(C.PCODE)
    assert frame.loc["PL14", M.METRIC] == pytest.approx(50.0)
    assert frame.loc["UA46", M.STATUS] == "no target" and np.isnan(frame.loc["UA46", M.METRIC])


def test_area_targets_add_the_years_the_period_touches() -> None:
    targets = pd.DataFrame({
        C.INDICATOR: ["PPL", "PPL", "PPL", "PPL", "OTHER"], C.PCODE: ["PL14", "PL14", "PL14", None, "PL14"],
        "period_start": [date(2024, 1, 1), date(2025, 1, 1), date(2026, 1, 1), date(2025, 1, 1), date(2025, 1, 1)],
        C.TARGET: [10.0, 20.0, 40.0, 1000.0, 5.0],
    })
    assert M.compute_area_targets(targets, "PPL", Period("2025-06", "2026-03")).to_dict() == {"PL14": 60.0}
    assert M.compute_area_targets(targets, "NONE", Period("2025-06", "2026-03")).empty  # no targets at all


@pytest.mark.parametrize(("value", "expected"), [(1234.0, 1200.0), (0.0456, 0.046), (17.5, 18.0), (99.6, 100.0)])
def test_nice_numbers(value: float, expected: float) -> None:
    assert M.nice_number(value) == pytest.approx(expected)


def test_class_breaks_are_rounded_quantiles_and_zero_and_no_data_have_their_own_classes() -> None:
    metric = pd.Series([np.nan, 0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0, 100.0])
    breaks = M.compute_class_breaks(metric, "value")
    assert breaks == [28.0, 46.0, 64.0, 82.0]
    classes = M.compute_classes(metric, breaks).tolist()
    assert classes == [-1, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert M.compute_class_breaks(metric, "pct_target") == [25.0, 50.0, 75.0, 100.0]
    assert M.compute_class_breaks(pd.Series([np.nan, 0.0]), "value") == []


def test_legend_marks_zero_with_the_lightest_colour_and_no_data_as_grey_outline() -> None:
    frame, legend = M.compute_legend(_frame("value"), "value", "people")
    by_code = frame.set_index(C.PCODE)
    assert by_code.loc["PL12", "colour"] == M.SEQUENTIAL[0]  # reported zero
    assert by_code.loc["PL06", "colour"] == ""  # no reports: drawn grey
    assert by_code.loc["PL14", "colour"] not in ("", M.SEQUENTIAL[0])
    labels = [label for _, label, _ in legend.entries]
    assert labels[0] == "0 (reported, none)" and labels[-1] == "no reports"
    assert legend.entries[-1][2] is True and legend.entries[0][2] is False
    assert legend.title == "people (by the indicator's rule)"


def test_gap_view_flags_many_people_with_no_or_low_services() -> None:
    areas = pd.DataFrame({
        C.PCODE: list("ABCDEF"), M.DENOM: [900.0, 800.0, 700.0, 100.0, 50.0, np.nan],
        C.VALUE: [np.nan, 1.0, 70.0, 10.0, np.nan, 5.0],
    })
    areas["per_10k"] = areas[C.VALUE].fillna(0) / areas[M.DENOM] * 10_000
    out = M.compute_gaps(areas).set_index(C.PCODE)
    assert out["gap"].to_dict() == {"A": "no_services", "B": "low", "C": "other", "D": "other", "E": "other",
                                    "F": "no_denominator"}
    assert out.loc["A", "gap_rank"] == 1 and out.loc["B", "gap_rank"] == 2
    assert out.attrs["gap_rule"].startswith("Many people: at least 700 (the median of the areas shown). "
                                            "Low coverage: at most 506 per 10,000")


def _view(measure: str = "value", geometry: dict | None = None) -> M.MapView:
    row = pd.Series({"code": "PPL", "name": "People reached", "unit": "people", "aggregation": "unique_max"})
    dens = pd.DataFrame({
        C.PCODE: ["PL14", "PL12", "PL06", "UA46"], "measure": ["refugees_present"] * 4,
        C.GROUP: ["refugee", "refugee", "refugee", "idp"], "ref_date": [date(2025, 12, 31)] * 4,
        "value": [200_000.0, 100_000.0, 150_000.0, 50_000.0], "source": ["UNHCR"] * 4, C.IS_DEMO: [False] * 4,
    })
    targets = pd.DataFrame({C.INDICATOR: ["PPL"], C.PCODE: ["PL14"], "period_start": [date(2025, 1, 1)],
                            C.TARGET: [700.0]})
    view = M.compute_map_view(FACTS, row, _locations(), dens, targets, Filters(), PERIOD, measure)
    return M.with_boundaries(view, _FakeBoundaries(geometry)) if geometry else view


class _FakeBoundaries:
    def __init__(self, geometry: dict) -> None:
        self._geometry = geometry
        self.features = pd.DataFrame({"pcode": list(geometry), "admin_level": [1] * len(geometry)})
        self.unmatched = pd.DataFrame({"source_file": ["x.geojson"], "feature": [9], "label": ["Atlantis"],
                                       "reason": ["no admin area matches"]})
        self.attribution = "Boundaries: © OpenStreetMap contributors"

    def geometry_json(self) -> dict:
        return self._geometry


def _layers(deck: object) -> dict[str, dict]:
    spec = json.loads(deck.to_json())  # type: ignore[attr-defined]
    return {layer["id"]: layer for layer in spec["layers"]}


def test_bubble_deck_without_boundaries() -> None:
    view = _view("value")
    deck = M.build_map_deck(view)
    assert deck.map_style is None
    layers = _layers(deck)
    assert layers["bubbles"]["@@type"] == "ScatterplotLayer"
    filled = {d["pcode"]: d for d in layers["bubbles"]["data"]}
    assert {p: d["value"] for p, d in filled.items()} == {"PL14": 350.0, "PL12": 0.0, "UA46": 100.0}
    assert filled["PL14"]["radius"] > filled["UA46"]["radius"] > filled["PL12"]["radius"] - 1
    rings = layers["bubbles-no-data"]
    assert [d["pcode"] for d in rings["data"]] == ["PL06"] and rings["filled"] is False
    assert filled["PL14"]["value_text"] == "350 people"
    assert rings["data"][0]["value_text"] == "No reports for these filters"
    assert layers["bubbles-labels"]["@@type"] == "TextLayer"
    assert view.mode == "bubbles"
    tooltip = deck._tooltip  # what Streamlit shows on hover: name, value, measure, denominator, source
    assert all(f"{{{key}}}" in tooltip["html"] for key in ("name", "code_text", "headline_text", "detail_text"))
    assert filled["PL14"]["detail_text"] == "Reports: partner 4W reports"
    assert rings["data"][0]["detail_text"] == "Poland"  # never an empty line


def test_choropleth_deck_with_boundaries_and_a_missing_polygon() -> None:
    geometry = {p: mapping(box(lon - 0.5, lat - 0.5, lon + 0.5, lat + 0.5))
                for p, lat, lon in [("PL14", 52.3, 21.1), ("PL12", 49.8, 20.3), ("PL06", 51.3, 22.8)]}
    view = _view("per_refugees", geometry)
    assert view.mode == "choropleth" and view.without_boundary == ["UA46"]
    assert view.attribution == "Boundaries: © OpenStreetMap contributors"
    layers = _layers(M.build_map_deck(view))
    features = {f["properties"]["pcode"]: f["properties"] for f in layers["choropleth"]["data"]["features"]}
    assert set(features) == {"PL14", "PL12", "PL06"}
    assert features["PL14"]["metric"] == pytest.approx(17.5)
    assert features["PL06"]["fill"] == M.NO_DATA_FILL and features["PL06"]["line"] == M.NO_DATA_LINE
    assert features["PL12"]["fill"][:3] == [255, 255, 204]  # zero: the lightest colour, not grey
    assert features["PL14"]["denominator_text"].startswith("Refugees present: 200,000 on 31 Dec 2025")
    assert "UNHCR" in features["PL14"]["denominator_text"]
    assert features["PL14"]["headline_text"] == "350 people · 17.5 per 10,000"
    assert features["PL14"]["detail_text"].startswith("Refugees present: 200,000") and \
        features["PL14"]["detail_text"].endswith("Reports: partner 4W reports")
    assert [d["pcode"] for d in layers["missing-polygons"]["data"]] == ["UA46"]  # drawn as a bubble, not dropped


def test_view_state_fits_the_areas() -> None:
    frame = pd.DataFrame({C.PCODE: ["A", "B"], "lat": [49.0, 55.0], "lon": [14.0, 40.0]})
    state = M.compute_view_state(frame)
    assert 4.0 < state.zoom < 5.5
    assert state.longitude == pytest.approx(27.0) and 51.0 < state.latitude < 53.0


def test_csv_download_has_one_row_per_area_with_value_denominator_and_source() -> None:
    view = _view("per_refugees")
    table = pd.read_csv(io.BytesIO(M.compute_map_csv(view)))
    assert len(table) == 4
    row = table.set_index("pcode").loc["PL14"]
    assert row["value"] == 350.0 and row["denominator"] == 200_000.0 and row["per_10000"] == 17.5
    assert row["denominator_source"] == "UNHCR" and row["measure_shown"] == "Per 10,000 refugees (IDPs in Ukraine)"
    assert table.set_index("pcode").loc["PL06", "status"] == "no data"


def test_off_map_reports_are_described() -> None:
    view = _view()
    assert M.describe_off_map(view.off_map, "people") == (
        "Not on the map (reported for a whole country, not an area): 999 people for Poland as a whole.")


def test_gap_view_deck_sizes_bubbles_by_population() -> None:
    view = _view("gap")
    assert [e[1] for e in view.legend.entries][0] == "Many people, no services reported"
    layers = _layers(M.build_map_deck(view))
    everyone = {d["pcode"]: d for d in layers["bubbles"]["data"] + layers["bubbles-no-data"]["data"]}
    assert everyone["PL14"]["radius"] > everyone["UA46"]["radius"]
    assert everyone["PL06"]["metric_text"].startswith("Many people, no services reported")


def test_tooltip_lines_follow_texts_rewritten_after_compute_tooltips() -> None:
    view = _view("value")
    areas = view.areas.copy()
    masovia = areas[C.PCODE] == "PL14"
    areas.loc[masovia, "value_text"] = "<5 people (hidden to protect privacy)"  # as the public view does
    layers = _layers(M.build_map_deck(M.replace(view, areas=areas)))
    rows = {d["pcode"]: d for d in layers["bubbles"]["data"]}
    assert rows["PL14"]["headline_text"] == "<5 people (hidden to protect privacy)"
    assert "350" not in json.dumps(rows["PL14"]["headline_text"])


def test_outlines_only_for_a_moderate_number_of_polygons() -> None:
    frame = pd.DataFrame({C.PCODE: [f"A{i}" for i in range(M.MAX_OUTLINED + 1)], "colour": ["#41b6c4"] * (M.MAX_OUTLINED + 1)})
    geometry = {p: mapping(box(0, 0, 1, 1)) for p in frame[C.PCODE]}
    assert M.build_choropleth_layer(frame.iloc[:53], geometry).stroked is True
    many = M.build_choropleth_layer(frame, geometry)
    assert many.stroked is False and len(many.data["features"]) == M.MAX_OUTLINED + 1


def _view_in(lang: str, measure: str = "per_refugees") -> M.MapView:
    from dashboard import i18n

    row = pd.Series({"code": "PPL", "name": "People reached", "unit": "people", "aggregation": "unique_max",
                     "name_uk": "Охоплені особи", "unit_uk": "осіб", "name_pl": "Osoby objęte", "unit_pl": "osób"})
    locations = _locations().assign(name_local=["Polska", "Україна", "mazowieckie", "małopolskie", "lubelskie",
                                                "Львівська область", None, None])
    dens = pd.DataFrame({
        C.PCODE: ["PL14", "UA46"], "measure": ["refugees_present"] * 2, C.GROUP: ["refugee", "all"],
        "ref_date": [date(2025, 12, 31)] * 2, "value": [200_000.0, 50_000.0], "source": ["UNHCR"] * 2,
        C.IS_DEMO: [False, True],
    })
    targets = pd.DataFrame(columns=[C.INDICATOR, C.PCODE, "period_start", C.TARGET])
    with i18n.language(lang):
        return M.compute_map_view(FACTS, row, locations, dens, targets, Filters(), PERIOD, measure)


def test_the_view_in_ukrainian_names_areas_units_and_numbers_for_the_reader() -> None:
    view = _view_in("uk")
    by_code = view.areas.set_index(C.PCODE)
    assert view.indicator_name == "Охоплені особи" and view.unit == "осіб"
    assert by_code.loc["UA46", M.NAME] == "Львівська область"  # a Ukrainian oblast in Ukrainian
    assert by_code.loc["PL14", M.NAME] == "Masovia"  # a Polish voivodeship: in English for Ukrainian readers
    assert view.legend.title == "осіб на 10 000 біженців / ВПО на території"
    assert {"немає звітів", "є звіти, але немає даних про населення"} <= {e[1] for e in view.legend.entries}
    assert by_code.loc["PL14", "value_text"] == "350 осіб"
    assert by_code.loc["PL14", "metric_text"] == "17,5 на 10 000"  # a decimal comma on screen
    assert by_code.loc["PL14", "denominator_text"] == (
        "Біженці на території: 200\xa0000 станом на 31 грудня 2025, джерело: UNHCR")
    assert by_code.loc["UA46", "denominator_text"].startswith("Мешканці: 50\xa0000 станом на 31 грудня 2025 "
                                                               "(демонстраційна оцінка)")
    assert by_code.loc["PL14", "source_text"] == "Звіти: звіти партнерів 4W"
    assert by_code.loc["PL06", "value_text"] == "Немає звітів для цих фільтрів"
    from dashboard import i18n

    with i18n.language("uk"):
        assert M.describe_off_map(view.off_map, view.unit) == (
            "Не показано на карті (повідомлено для всієї країни, а не для території): 999 осіб — Польща загалом.")


def test_the_view_in_polish_names_polish_areas_in_polish() -> None:
    view = _view_in("pl", "value")
    by_code = view.areas.set_index(C.PCODE)
    assert by_code.loc["PL14", M.NAME] == "Mazowieckie" and by_code.loc["UA46", M.NAME] == "Lviv"
    assert view.legend.title == "osób (według reguły wskaźnika)"
    assert view.legend.note == "Klasy: kwantyle obszarów z raportami, zaokrąglone."


def test_the_map_csv_keeps_its_values_in_every_language_and_translates_its_headers() -> None:
    from dashboard import i18n

    tables = {}
    for lang in ("en", "uk", "pl"):
        view = _view_in(lang)
        with i18n.language(lang):
            tables[lang] = pd.read_csv(io.BytesIO(M.compute_map_csv(view)), dtype=str)
    assert list(tables["en"].columns[:4]) == ["pcode", "iso_3166_2", "area", "country"]
    assert list(tables["uk"].columns[:4]) == ["P-код", "код ISO 3166-2", "територія", "країна"]
    assert "na 10 000" in tables["pl"].columns
    for lang in ("uk", "pl"):
        assert tables[lang].fillna("").to_numpy().tolist() == tables["en"].fillna("").to_numpy().tolist()
    english = tables["en"].set_index("pcode")
    assert english.loc["PL14", "per_10000"] == "17.5" and english.loc["PL14", "area"] == "Masovia"
    assert english.loc["PL14", "denominator_date"] == "2025-12-31" and english.loc["PL14", "period"] == "2025-01 to 2025-12"
