"""Timelines: target path, breakdowns over time, events in the period, the chart specs (cumulative line
against the target, event rules, period brush) and PNG/SVG rendering through vl-convert."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import timelines as T
from dashboard.filters import Period

PERIOD = Period("2025-01", "2025-06", "H1 2025")


def _monthly(values: list[float]) -> pd.DataFrame:
    months = pd.period_range(PERIOD.start, PERIOD.end, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame({C.MONTH: months, C.VALUE: values})
    frame["cumulative"] = frame[C.VALUE].cumsum()
    return frame


def _events() -> pd.DataFrame:
    return pd.DataFrame({
        "event_date": [date(2024, 12, 12), date(2025, 2, 13), date(2025, 3, 20), date(2025, 6, 6), date(2025, 7, 1)],
        "title": ["tWG meeting (demo)", "tWG coordination meeting (demo)", "Training of trainers in psychological first aid (demo)",
                  "Mental Health Forum, co-organised by the Ministry of Health", "Later"],
        "kind": ["twg_meeting", "twg_meeting", "training", "forum", "milestone"],
        "status": ["held", "held", "held", "planned", "planned"],
        "place": ["Warsaw", "Warsaw", "Kraków", "Warsaw", "Kyiv"],
        "source": [None, None, None, "tWG highlights", None],
        "is_demo": [True, True, True, False, False],
    })


def _walk(spec: Any) -> list[dict[str, Any]]:
    """Every dict in a Vega-Lite spec (to find marks, encodings and params wherever nesting put them)."""
    out: list[dict[str, Any]] = []
    if isinstance(spec, dict):
        out.append(spec)
        for v in spec.values():
            out += _walk(v)
    elif isinstance(spec, list):
        for v in spec:
            out += _walk(v)
    return out


def _marks(spec: dict[str, Any]) -> list[str]:
    return [d["mark"]["type"] if isinstance(d["mark"], dict) else d["mark"] for d in _walk(spec) if "mark" in d]


def _data(spec: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return spec["datasets"][name]


def test_target_path_rises_evenly_to_the_target() -> None:
    out = T.compute_target_path(_monthly([1, 2, 3, 4, 5, 6]), 1200.0)
    assert out["target_path"].tolist() == [200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0]
    assert T.compute_target_path(_monthly([1, 2, 3, 4, 5, 6]), None)["target_path"].isna().all()


def test_monthly_breakdown_fills_every_month_and_labels_categories() -> None:
    facts = pd.DataFrame({
        C.MONTH: ["2025-01", "2025-01", "2025-03", "2025-03", "2025-03"],
        C.SEX: ["female", "male", "female", "female", "all"],
        C.VALUE: [10.0, 4.0, 7.0, 3.0, 100.0],
        C.PCODE: ["PL14"] * 5, C.GROUP: ["refugee"] * 5,
        C.ORGANISATION: ["A", "A", "A", "B", "A"], C.ACTIVITY: ["2.1"] * 5,
    })
    summed = T.compute_monthly_breakdown(facts, "sum", PERIOD, C.SEX)
    assert len(summed) == 12  # 6 months x 2 categories; "all" rows are not a category
    pivot = summed.pivot(index=C.MONTH, columns=C.SEX, values=C.VALUE)
    assert list(pivot.columns) == ["Female", "Male"]
    assert pivot.loc["2025-03", "Female"] == 10.0 and pivot.loc["2025-02", "Female"] == 0.0
    unique = T.compute_monthly_breakdown(facts, "unique_max", PERIOD, C.SEX)
    assert unique.pivot(index=C.MONTH, columns=C.SEX, values=C.VALUE).loc["2025-03", "Female"] == 7.0
    assert T.compute_monthly_breakdown(facts.assign(**{C.SEX: "all"}), "sum", PERIOD, C.SEX).empty


def test_events_in_the_period_get_short_labels() -> None:
    events = T.compute_events(_events(), PERIOD)
    assert events["label"].tolist() == ["tWG", "Training of trainers in psy…", "Mental Health Forum, co-org… (planned)"]
    assert events["source"].tolist() == ["demo", "demo", "tWG highlights"]
    assert events["kind_label"].tolist() == ["tWG meeting", "Training", "Forum"]


def test_meeting_labels_are_dropped_when_there_are_many() -> None:
    many = pd.DataFrame({
        "event_date": [date(2025, m, 10) for m in range(1, 7)] + [date(2025, m, 20) for m in range(1, 3)],
        "title": ["tWG meeting"] * 8, "kind": ["twg_meeting"] * 8, "status": ["held"] * 8, "place": [""] * 8,
        "source": [""] * 8, "is_demo": [False] * 8,
    })
    events = T.compute_events(many, PERIOD)
    assert len(events) == 8 and set(events["label"]) == {""}  # rules stay, with their tooltips


def test_timeline_spec_has_cumulative_line_target_events_and_a_brush() -> None:
    chart = T.build_timeline(_monthly([100, 150, 120, 90, 200, 140]), "people", 1200.0, T.compute_events(_events(), PERIOD),
                             title="People reached")
    spec = chart.to_dict()
    marks = _marks(spec)
    assert marks.count("bar") == 1 and marks.count("rule") == 2 and "area" in marks
    assert marks.count("line") == 2  # cumulative and the on-track path
    encodings = [d["encoding"] for d in _walk(spec) if "encoding" in d]
    cumulative = next(e for e in encodings if e.get("y", {}).get("field") == "cumulative")
    assert cumulative["y"]["axis"]["orient"] == "right"
    target_rule = next(e for e in encodings if e.get("y", {}).get("field") == "target")
    assert target_rule["y"]["scale"]["domain"] == cumulative["y"]["scale"]["domain"]  # same axis as the cumulative
    params = [p for d in _walk(spec) for p in d.get("params", [])]
    assert any(p.get("name") == T.BRUSH and p["select"]["type"] == "interval" for p in params)
    assert any(d.get("domain") == {"param": T.BRUSH} for d in _walk(spec))
    datasets = list(spec["datasets"].values())
    assert [1200.0] in [[r["target"] for r in ds] for ds in datasets if ds and "target" in ds[0]]
    event_rows = next(ds for ds in datasets if ds and "kind_label" in ds[0])
    assert [r["label"] for r in event_rows] == ["tWG", "Training of trainers in psy…", "Mental Health Forum, co-org… (planned)"]
    cumulative_rows = next(ds for ds in datasets if ds and "cumulative" in ds[0])
    assert [r["cumulative"] for r in cumulative_rows] == [100, 250, 370, 460, 660, 800]


def test_timeline_without_target_events_or_brush() -> None:
    spec = T.build_timeline(_monthly([1, 2, 3, 4, 5, 6]), "trainings", None, None, brush=False).to_dict()
    marks = _marks(spec)
    assert "rule" not in marks and "area" not in marks and "vconcat" not in spec
    assert not any(p.get("name") == T.BRUSH for d in _walk(spec) for p in d.get("params", []))


def test_breakdown_stacked_and_small_multiples() -> None:
    frame = pd.DataFrame({C.MONTH: ["2025-01", "2025-01", "2025-02", "2025-02"],
                          C.GROUP: ["Refugees", "Host community"] * 2, C.VALUE: [5.0, 3.0, 6.0, 2.0]})
    stacked = T.build_breakdown_timeline(frame, C.GROUP, "Population group", "people",
                                         events=T.compute_events(_events(), PERIOD)).to_dict()
    bar = next(d for d in _walk(stacked) if d.get("mark") in ("bar", {"type": "bar"}))
    assert bar["encoding"]["color"]["field"] == C.GROUP and bar["encoding"]["y"]["stack"] == "zero"
    assert "rule" in _marks(stacked)
    facets = T.build_breakdown_timeline(frame, C.GROUP, "Population group", "people", mode="small_multiples").to_dict()
    assert facets["facet"]["field"] == C.GROUP and facets["columns"] == 3
    assert facets["facet"]["sort"] == ["Refugees", "Host community"]


def test_sparkline_marks_the_latest_month() -> None:
    spec = T.build_sparkline(_monthly([1, 2, 3, 4, 5, 6])).to_dict()
    assert sorted(_marks(spec)) == ["area", "point"]
    last = next(ds for ds in spec["datasets"].values() if len(ds) == 1)
    assert last[0][C.MONTH] == "2025-06"


@pytest.fixture(scope="module")
def chart() -> Any:
    return T.build_timeline(_monthly([100, 150, 120, 90, 200, 140]), "people", 1200.0,
                            T.compute_events(_events(), PERIOD), title="People reached")


def test_png_download_is_a_png_image(chart: Any) -> None:
    png = T.build_chart_image(chart, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= T.EXPORT_WIDTH  # "container" widths were replaced with a real width (2x scale)


def test_svg_download_holds_the_title_and_target(chart: Any) -> None:
    svg = T.build_chart_image(chart, "svg").decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert "People reached" in svg and "Target 1,200" in svg
    with pytest.raises(ValueError, match="unknown image kind"):
        T.build_chart_image(chart, "gif")


def test_fixed_width_replaces_container_widths_only() -> None:
    spec = {"width": "container", "vconcat": [{"width": "container"}, {"width": 100}], "title": "container"}
    assert T._fixed_width(spec, 640) == {"width": 640, "vconcat": [{"width": 640}, {"width": 100}], "title": "container"}
    json.dumps(T._fixed_width(spec, 640))


def test_breakdown_categories_follow_the_vocabulary_order_and_skip_missing_values() -> None:
    facts = pd.DataFrame({
        C.MONTH: ["2025-01"] * 5,
        C.AGE: ["60+", "5-11", "18-59", "0-4", "all"],
        C.LAYER: pd.array([4, 2, pd.NA, 2, 3], dtype="Int64"),
        C.VALUE: [1.0, 2.0, 3.0, 4.0, 50.0],
        C.PCODE: ["PL14"] * 5, C.GROUP: ["refugee"] * 5, C.ORGANISATION: ["A"] * 5, C.ACTIVITY: ["2.1"] * 5,
    })
    ages = T.compute_monthly_breakdown(facts, "sum", PERIOD, C.AGE)
    assert list(dict.fromkeys(ages[C.AGE])) == ["0–4", "5–11", "18–59", "60+"]
    assert ages.loc[ages[C.MONTH] == "2025-01", C.VALUE].tolist() == [4.0, 2.0, 3.0, 1.0]
    layers = T.compute_monthly_breakdown(facts, "sum", PERIOD, C.LAYER)
    jan = layers[layers[C.MONTH] == "2025-01"]
    assert jan[C.LAYER].tolist() == ["2 Community and family supports", "3 Focused, non-specialised supports",
                                     "4 Specialised services"]
    assert jan[C.VALUE].tolist() == [6.0, 50.0, 1.0]  # the row without a layer is left out
    spec = T.build_breakdown_timeline(ages, C.AGE, "Age band", "people").to_dict()
    bar = next(d for d in _walk(spec) if d.get("mark") in ("bar", {"type": "bar"}))
    assert bar["encoding"]["color"]["scale"]["domain"] == ["0–4", "5–11", "18–59", "60+"]
    assert bar["encoding"]["order"]["field"] == "rank"


def test_events_and_timeline_in_ukrainian() -> None:
    from dashboard import i18n

    with i18n.language("uk"):
        events = T.compute_events(_events(), PERIOD)
        assert events["label"].tolist() == ["ТРГ", "Training of trainers in psy…",
                                            "Mental Health Forum, co-org… (заплановано)"]
        assert events["kind_label"].tolist() == ["Зустріч ТРГ", "Навчання", "Форум"]
        assert events["source"].tolist() == ["демо", "демо", "tWG highlights"]
        chart = T.build_timeline(_monthly([100, 150, 120, 90, 200, 140]), "осіб", 1200.0, events)
        svg = T.build_chart_image(chart, "svg").decode("utf-8")
    spec = chart.to_dict()
    assert spec["config"]["locale"]["time"]["shortMonths"][0] == "січ."
    text = json.dumps(spec, ensure_ascii=False)
    assert "осіб за місяць" in text and "Наростаючим підсумком" in text and "Подія" in text
    # Axis months and the target label as Ukrainian writes them (no-break space between thousands).
    assert "січ. 2025" in svg and "Ціль 1\u00a0200" in svg and "Target" not in svg


def test_polish_chart_formats_and_english_default() -> None:
    from dashboard import i18n

    with i18n.language("pl"):
        spec = T.build_sparkline(_monthly([1, 2, 3, 4, 5, 6])).to_dict()
    assert spec["config"]["locale"]["time"]["months"][0] == "styczeń"
    assert spec["config"]["locale"]["number"] == {"decimal": ",", "thousands": "\u00a0", "grouping": [3],
                                                  "currency": ["", ""]}
    english = T.build_sparkline(_monthly([1, 2, 3, 4, 5, 6])).to_dict()
    assert english["config"]["locale"]["number"]["thousands"] == ","
    assert english["config"]["locale"]["time"]["shortMonths"][8] == "Sep"
