"""The chart cache (dashboard.charts.render_chart / cached_spec): every page chart is drawn exactly as
``st.altair_chart`` drew it (same spec, data, theme and width, in English and Ukrainian), a rerun with the same
data reuses the spec, and new data, another language or a full cache give a new one."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import charts, i18n
from dashboard import columns as C
from dashboard import quality_charts as Q
from dashboard import timelines as T
from dashboard.filters import Period

PERIOD = Period("2025-01", "2025-06", "H1 2025")
Case = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any], str]


def _monthly(values: list[float]) -> pd.DataFrame:
    months = pd.period_range(PERIOD.start, PERIOD.end, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame({C.MONTH: months, C.VALUE: values})
    frame["cumulative"] = frame[C.VALUE].cumsum()
    return frame


def _events(kinds: slice = slice(None)) -> pd.DataFrame:
    """Three events of three kinds, or those ``kinds`` picks: which kinds a period holds is in the legend, not in
    the chart's shape."""
    return T.compute_events(pd.DataFrame({
        "event_date": [date(2025, 2, 13), date(2025, 3, 20), date(2025, 6, 6)],
        "title": ["tWG coordination meeting (demo)", "Training of trainers (demo)", "Mental Health Forum"],
        "kind": ["twg_meeting", "training", "forum"], "status": ["held", "held", "planned"],
        "place": ["Warsaw", "Kraków", "Warsaw"], "source": [None, None, "tWG highlights"],
        "is_demo": [True, True, False],
    }).iloc[kinds].reset_index(drop=True), PERIOD)


def _groups(k: int = 1) -> pd.DataFrame:
    return pd.DataFrame({C.MONTH: ["2025-01", "2025-01", "2025-02", "2025-02"],
                         C.GROUP: ["Refugees", "Host community" if k == 1 else "Returnees"] * 2,
                         C.VALUE: [5.0 * k, 3.0, 6.0, 2.0 + k]})


def _places(k: int = 1) -> pd.DataFrame:
    return pd.DataFrame({C.AREA: [f"Area {i}" for i in range(6 + k)], C.VALUE: [10.0 * i for i in range(6 + k)]})


def _months_from(k: int, n: int) -> list[str]:
    return pd.period_range(f"2025-{k:02d}", periods=n, freq="M").strftime("%Y-%m").tolist()


def _trend(k: int = 1) -> pd.DataFrame:
    months = _months_from(k, 3)
    out = pd.DataFrame({C.MONTH: months, "expected": [4, 4, 4], "reported": [4, 2 + k, 1], "on_time": [3, 1 + k, 0]})
    out["completeness_pct"] = 100.0 * out["reported"] / out["expected"]
    out["on_time_pct"] = 100.0 * out["on_time"] / out["expected"]
    out["open"] = [False, False, True]
    return out


def _series(k: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    series = pd.DataFrame({C.MONTH: _months_from(k, 4), C.VALUE: [10.0, 12.0 + k, 95.0, 11.0]})
    return series, series.iloc[[2]]


#: Every builder as a page calls it (arguments, width), with small data; ``k`` changes the data and the values
#: written into the spec (months, a scale's top, a height, categories) but not the shape (titles, layers), so
#: k=1 and k=2 share one template.
CASES: dict[str, Callable[[int], Case]] = {
    "sparkline (Home)": lambda k: (T.build_sparkline, (_monthly([1, 2, 3, 4, 5, 5 + k]),), {}, "stretch"),
    "timeline (Indicators)": lambda k: (T.build_timeline, (_monthly([100, 150, 120, 90, 200, 100 + k]), "people",
                                                           1200.0, _events()), {}, "stretch"),
    "timeline, periods with other kinds of event": lambda k: (
        T.build_timeline, (_monthly([100, 150, 120, 90, 200, 100 + k]), "people", 1200.0,
                           _events(slice(0, 1) if k == 1 else slice(1, 3))), {}, "stretch"),
    "timeline without target or events": lambda k: (T.build_timeline, (_monthly([1, 2, 3, 4, 5, 6 + k]), "people"),
                                                    {"brush": False}, "stretch"),
    "breakdown stacked": lambda k: (T.build_breakdown_timeline, (_groups(k), C.GROUP, "Population group", "people"),
                                    {"mode": "stacked", "events": _events()}, "stretch"),
    "breakdown stacked, periods with other kinds of event": lambda k: (
        T.build_breakdown_timeline, (_groups(k), C.GROUP, "Population group", "people"),
        {"mode": "stacked", "events": _events(slice(2, 3) if k == 1 else slice(0, 2))}, "stretch"),
    "breakdown small multiples": lambda k: (T.build_breakdown_timeline, (_groups(k), C.GROUP, "Population group",
                                                                         "people"),
                                            {"mode": "small_multiples", "events": None}, "content"),
    "bar breakdown (Indicators tabs)": lambda k: (charts.build_bar_breakdown, (_groups(k), C.GROUP,
                                                                               "Population group", None, None),
                                                  {}, "stretch"),
    "bar breakdown of places": lambda k: (charts.build_bar_breakdown, (_places(k), C.AREA, "Area"), {}, "stretch"),
    "completeness trend (Data quality)": lambda k: (Q.build_completeness_trend, (_trend(k),), {}, "stretch"),
    "series with flags (Data quality)": lambda k: (Q.build_series_with_flags, _series(k), {}, "stretch"),
}


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    charts.clear_chart_cache()


def _all_ways(case: str, lang: str) -> None:
    """Draw the case with st.altair_chart, then through the cache: other data of the same shape (the template
    is made), this data (its template is reused) and this data again (the spec is reused)."""
    import streamlit as st

    from dashboard import charts, i18n
    from tests.unit.test_chart_cache import CASES

    i18n.set_language(lang)
    build, args, kwargs, width = CASES[case](2)
    st.altair_chart(build(*args, **kwargs), width=width)
    other, other_args, other_kwargs, _width = CASES[case](1)
    charts.render_chart(other, *other_args, width=width, **other_kwargs)
    charts.render_chart(build, *args, width=width, **kwargs)
    charts.render_chart(build, *args, width=width, **kwargs)


@pytest.mark.parametrize("lang", ["en", "uk"])
@pytest.mark.parametrize("case", list(CASES))
def test_cached_chart_is_sent_as_altair_sent_it(case: str, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.delta_generator import DeltaGenerator

    widths: list[Any] = []
    enqueue = DeltaGenerator._enqueue

    def spy(self: DeltaGenerator, delta_type: str, element_proto: Any, *args: Any, **kwargs: Any) -> Any:
        if delta_type == "vega_lite_chart":
            layout = kwargs.get("layout_config")
            widths.append(getattr(layout, "width", None))
        return enqueue(self, delta_type, element_proto, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "_enqueue", spy)
    at = AppTest.from_function(_all_ways, kwargs={"case": case, "lang": lang}, default_timeout=30).run()
    assert not at.exception, at.exception
    altair, other, filled, kept = (chart.proto for chart in at.get("vega_lite_chart"))
    assert altair.spec == filled.spec == kept.spec
    assert [(d.name, d.data.data) for d in altair.datasets] == [(d.name, d.data.data) for d in filled.datasets] \
        == [(d.name, d.data.data) for d in kept.datasets]
    assert altair.theme == filled.theme == kept.theme == "streamlit"
    assert altair == filled == kept  # nothing else differs either (data, selection, container width)
    assert other.datasets != altair.datasets  # the other data was drawn, not this
    assert widths == [CASES[case](1)[3]] * 4
    assert len(charts._specs) == 2 and len(charts._templates) == 1  # one template served both data
    if lang == "uk" and "locale" in json.loads(altair.spec)["config"]:
        locale = json.loads(altair.spec)["config"]["locale"]
        assert locale["number"]["decimal"] == ","
        if "time" in locale:
            assert locale["time"]["months"][10] == "листопад"


def test_same_data_reuses_the_spec_and_new_data_makes_a_new_one() -> None:
    calls: list[int] = []

    def build(monthly: pd.DataFrame) -> Any:
        calls.append(len(monthly))
        return T.build_sparkline(monthly)

    first = charts.cached_spec(build, _monthly([1, 2, 3, 4, 5, 6]))
    again = charts.cached_spec(build, _monthly([1, 2, 3, 4, 5, 6]))  # an equal frame, not the same object
    assert again is first and calls == [6]
    changed = charts.cached_spec(build, _monthly([1, 2, 3, 4, 5, 7]))
    assert calls == [6, 6] and changed["datasets"] != first["datasets"]
    # The same values as another type are another chart (its data says 1.0, not 1).
    charts.cached_spec(build, _monthly([1, 2, 3, 4, 5, 6]).astype({C.VALUE: "float64"}))
    assert len(calls) == 3
    titled = charts.cached_spec(T.build_sparkline, _monthly([1, 2, 3, 4, 5, 6]), title="Sessions")
    assert titled["title"] == "Sessions"


def test_a_language_change_gives_a_new_spec_with_that_languages_months() -> None:
    args = (_monthly([100, 150, 120, 90, 200, 1400]), "people", 1200.0, _events())
    english = charts.cached_spec(T.build_timeline, *args)
    with i18n.language("uk"):
        ukrainian = charts.cached_spec(T.build_timeline, *args)
        assert charts.cached_spec(T.build_timeline, *args) is ukrainian
    assert english["config"]["locale"]["time"]["months"][10] == "November"
    assert ukrainian["config"]["locale"]["time"]["months"][10] == "листопад"
    assert ukrainian["config"]["locale"]["time"]["shortMonths"][0] == "січ."
    titles = json.dumps({k: v for k, v in ukrainian.items() if k != "datasets"}, ensure_ascii=False)
    assert "Наростаючим підсумком" in titles
    assert charts.cached_spec(T.build_timeline, *args) is english


def test_the_cache_is_bounded_least_recently_used_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "SPEC_CACHE_SIZE", 3)
    calls: list[float] = []

    def build(monthly: pd.DataFrame) -> Any:
        calls.append(float(monthly[C.VALUE].iloc[-1]))
        return T.build_sparkline(monthly)

    for last in (1, 2, 3):
        charts.cached_spec(build, _monthly([1, 1, 1, 1, 1, last]))
    charts.cached_spec(build, _monthly([1, 1, 1, 1, 1, 1]))  # used again: now the most recent
    for last in (4, 5):
        charts.cached_spec(build, _monthly([1, 1, 1, 1, 1, last]))
    assert len(charts._specs) == 3
    assert calls == [1, 2, 3, 4, 5]
    charts.cached_spec(build, _monthly([1, 1, 1, 1, 1, 1]))  # kept
    charts.cached_spec(build, _monthly([1, 1, 1, 1, 1, 2]))  # dropped, so built again
    assert calls == [1, 2, 3, 4, 5, 2] and len(charts._specs) == 3


def test_drawing_leaves_the_kept_spec_as_it_was() -> None:
    # The completeness trend's colour legend has no title, which Streamlit patches in the spec it is given.
    spec = charts.cached_spec(Q.build_completeness_trend, _trend())
    kept = copy.deepcopy(spec)
    assert spec["encoding"]["color"]["title"] is None
    charts.render_chart(Q.build_completeness_trend, _trend())  # bare mode: Streamlit prepares the spec all the same
    assert spec == kept


def test_downloads_build_the_chart_in_the_language_it_was_drawn_in() -> None:
    with i18n.language("uk"):
        rebuild = charts.render_chart(T.build_timeline, _monthly([100, 150, 120, 90, 200, 1400]), "людей", 1200.0,
                                      _events())
    svg = T.build_chart_image(rebuild, "svg").decode("utf-8")  # as the SVG button does, outside the script run
    assert "січ. 2025" in svg and "Ціль 1\u00a0200" in svg


def test_arguments_that_cannot_be_keyed_are_refused() -> None:
    with pytest.raises(TypeError, match="dict"):
        charts.cached_spec(T.build_sparkline, {"month": ["2025-01"], "value": [1]})


def test_category_order_is_part_of_the_key() -> None:
    # A categorical column's order decides the order of bars and legends, so it keys the chart too.
    ages = pd.DataFrame({C.AGE: pd.Categorical(["0–4", "5–11"], categories=["0–4", "5–11"]), C.VALUE: [1, 2]})
    reordered = ages.assign(**{C.AGE: ages[C.AGE].cat.reorder_categories(["5–11", "0–4"])})
    assert charts.chart_key(T.build_sparkline, (ages,), {}) != charts.chart_key(T.build_sparkline, (reordered,), {})
    assert charts.chart_key(T.build_sparkline, (ages,), {}) == charts.chart_key(T.build_sparkline, (ages.copy(),), {})


def test_the_tests_check_every_spec_against_the_schema() -> None:
    """The app skips the schema check when it builds a spec (charts.VALIDATE); the tests switch it on, so a chart
    shape that breaks the schema fails here instead of drawing nothing in a reader's browser."""
    import altair as alt
    from altair.utils.schemapi import SchemaValidationError

    broken = alt.Chart(pd.DataFrame({"a": [1.0]})).mark_bar().encode(x="a:Q")
    broken.mark = "no-such-mark"  # set after construction, where Altair does not check it
    with pytest.raises(SchemaValidationError):
        charts.vega_lite_spec(broken)
