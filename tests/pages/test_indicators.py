"""Indicators page: picked by URL, achievement against target, the unique-people rule explained."""

from __future__ import annotations

import io
import json
import os

import pandas as pd
from sqlalchemy import create_engine, text

from dashboard import format as fmt
from dashboard.indicator_view import TABS_KEY
from tests.pages.conftest import choose_tab, download_bytes, no_exception, run_page


def test_indicator_from_the_url_shows_definition_and_achievement() -> None:
    at = run_page("pages/1_Indicators.py", indicator="TRAININGS_HELD", period="all")
    no_exception(at)
    assert [h.value for h in at.main.header] == ["Trainings held"]
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        total = conn.execute(text(
            "SELECT SUM(value) FROM facts f JOIN indicators i ON f.indicator_id = i.id WHERE i.code='TRAININGS_HELD'"
        )).scalar_one()
    engine.dispose()
    achieved = next(m for m in at.metric if m.label.startswith("Achieved"))
    assert achieved.value == f"{total:,.0f}"
    assert any("Summed over organisations" in m.value for m in at.markdown)


def test_unique_people_indicator_states_its_rule_and_the_plain_sum() -> None:
    at = run_page("pages/1_Indicators.py", indicator="PPL_REACHED")
    no_exception(at)
    caption = " ".join(c.value for c in at.caption)
    assert "unique people" in caption and "plain sum" in caption


def test_indicator_without_target_shows_no_percentage() -> None:
    at = run_page("pages/1_Indicators.py", indicator="IDP_HOTLINE_DEMAND", period="all")
    no_exception(at)
    assert next(m for m in at.metric if m.label == "Target").value == "none set"
    assert not any(m.label == "Progress" for m in at.metric)
    assert next(m for m in at.metric if m.label.startswith("Achieved")).value == "31%"
    assert any("IOM" in m.value for m in at.markdown)


def test_real_reference_fact_carries_its_source_and_note() -> None:
    at = run_page("pages/1_Indicators.py", indicator="SPECIALISTS_TRAINED", adm1="UA-53", period="all")
    no_exception(at)
    assert next(m for m in at.metric if m.label.startswith("Achieved")).value == "250"
    assert any("Poltava Regional Military Administration" in m.value for m in at.markdown)
    assert any("does not state the year" in c.value for c in at.caption)


TABS = {"place": "By place", "age_sex": "By sex and age", "group": "By population group",
        "org_type": "By organisation type"}


def test_every_breakdown_chart_offers_png_and_svg_and_only_the_open_tab_is_drawn() -> None:
    at = run_page("pages/1_Indicators.py", indicator="PPL_REACHED", period="all")
    no_exception(at)
    for name, label in TABS.items():
        choose_tab(at, label, key=TABS_KEY)
        no_exception(at)
        ids = " ".join(b.proto.id for b in at.get("download_button"))
        assert f"dl_png_PPL_REACHED_{name}" in ids and f"dl_svg_PPL_REACHED_{name}" in ids, name
        assert not [other for other in TABS if other != name and f"dl_png_PPL_REACHED_{other}" in ids], name


def sql_by_org_type(code: str) -> dict[str, float]:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.org_type, SUM(f.value) FROM facts f JOIN indicators i ON f.indicator_id = i.id "
            "JOIN organisations o ON f.organisation_id = o.id WHERE i.code = :c AND f.replaced_by IS NULL "
            "GROUP BY 1"), {"c": code}).all()
    engine.dispose()
    return {str(k): float(v) for k, v in rows}


def test_the_chosen_breakdown_tab_shows_the_reports_and_stays_open_for_another_indicator() -> None:
    at = run_page("pages/1_Indicators.py", indicator="TRAININGS_HELD", period="all")
    choose_tab(at, "By organisation type", key=TABS_KEY)
    no_exception(at)
    types = next(f.value for f in at.dataframe if "org_type" in f.value.columns)
    expected = {fmt.label("org_type", k): v for k, v in sql_by_org_type("TRAININGS_HELD").items()}
    assert len(expected) > 1
    assert dict(zip(types["org_type"], types["value"].astype(float), strict=True)) == expected
    assert not any("area" in f.value.columns for f in at.dataframe)  # the place tab is not drawn
    at.selectbox(key="w_indicator").set_value("SPECIALISTS_TRAINED").run()
    no_exception(at)
    assert [h.value for h in at.main.header] == ["Specialists trained in MHPSS"]
    types = next(f.value for f in at.dataframe if "org_type" in f.value.columns)
    assert types["value"].astype(float).sum() == sql_total("SPECIALISTS_TRAINED")


NBSP = "\u00a0"


def sql_total(code: str) -> float:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        total = conn.execute(text(
            "SELECT SUM(value) FROM facts f JOIN indicators i ON f.indicator_id = i.id WHERE i.code = :c"
        ), {"c": code}).scalar_one()
    engine.dispose()
    return float(total)


def chart_specs(at) -> list[dict]:  # type: ignore[no-untyped-def]
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def test_indicator_page_in_ukrainian() -> None:
    at = run_page("pages/1_Indicators.py", lang="uk", indicator="SPECIALISTS_TRAINED", period="all")
    no_exception(at)
    assert [h.value for h in at.main.subheader] == ["Ціль і досягнення", "Щомісячна динаміка", "Розподіли",
                                                   "Джерела та актуальність"]
    assert [h.value for h in at.main.header] != ["Specialists trained in MHPSS"]  # the name from the data
    achieved = next(m for m in at.metric if m.label.startswith("Досягнуто"))
    total = sql_total("SPECIALISTS_TRAINED")
    assert total >= 1000 and achieved.value == f"{total:,.0f}".replace(",", NBSP)
    text = " ".join(m.value for m in at.markdown)
    assert "**Визначення.**" in text and "**Як поєднуються дані.**" in text and "Summed over" not in text
    assert [t.label for t in at.tabs] == ["За місцем", "За статтю та віком", "За групою населення",
                                          "За типом організації"]
    # Ukrainian oblasts by their Ukrainian names in the breakdown by place, under Ukrainian headers.
    places = next(f.value for f in at.dataframe if "Територія" in f.value.columns)
    assert "Полтавська область" in set(places["Територія"]) and "Значення" in places.columns
    assert any(c.value.startswith("Останнє оновлення: ") and "2026" in c.value for c in at.caption)
    # The charts format numbers and months the Ukrainian way, and their titles are Ukrainian.
    specs = chart_specs(at)
    locale = specs[0]["config"]["locale"]
    assert locale["number"]["thousands"] == NBSP and locale["number"]["decimal"] == ","
    assert locale["time"]["months"][10] == "листопад"
    assert "Місяць" in json.dumps(specs[0], ensure_ascii=False)


def test_indicator_page_in_polish() -> None:
    at = run_page("pages/1_Indicators.py", lang="pl", indicator="IDP_HOTLINE_DEMAND", period="all")
    no_exception(at)
    assert next(m for m in at.metric if m.label == "Cel").value == "nie ustalono"
    assert not any(m.label == "Postęp" for m in at.metric)
    assert next(m for m in at.metric if m.label.startswith("Osiągnięto")).value == "31%"
    assert any(c.value.startswith("Dla tego wyboru nie ustalono celu") for c in at.caption)
    locale = chart_specs(at)[0]["config"]["locale"]
    assert locale["time"]["months"][10] == "listopad"


def test_unique_people_rule_is_explained_in_ukrainian() -> None:
    at = run_page("pages/1_Indicators.py", lang="uk", indicator="PPL_REACHED")
    no_exception(at)
    caption = " ".join(c.value for c in at.caption)
    assert "**унікальних осіб**" in caption and "Проста сума всіх звітів" in caption


def test_english_indicator_page_is_unchanged() -> None:
    at = run_page("pages/1_Indicators.py", lang="en", indicator="SPECIALISTS_TRAINED", period="all")
    no_exception(at)
    assert [h.value for h in at.main.header] == ["Specialists trained in MHPSS"]
    assert [h.value for h in at.main.subheader] == ["Target and achievement", "Monthly trend", "Breakdowns",
                                                   "Sources and freshness"]
    achieved = next(m for m in at.metric if m.label.startswith("Achieved"))
    assert achieved.value == f"{sql_total('SPECIALISTS_TRAINED'):,.0f}"
    assert [t.label for t in at.tabs] == ["By place", "By sex and age", "By population group", "By organisation type"]
    places = next(f.value for f in at.dataframe if "area" in f.value.columns)
    assert "Poltava" in " ".join(places["area"])
    assert chart_specs(at)[0]["config"]["locale"]["number"]["thousands"] == ","


def test_breakdown_over_time_by_sex_and_age_band_matches_the_reports() -> None:
    """Staff figures come from sums without sex and age band; the breakdown over time by those reads them
    apart and must still give each month's figure per category as the report rows do."""
    import pyarrow as pa

    from dashboard import columns as C
    from dashboard import queries
    from dashboard.filters import Filters, Period
    from dashboard.timelines import compute_monthly_breakdown

    at = run_page("pages/1_Indicators.py", indicator="PPL_REACHED", period="ytd")
    no_exception(at)
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    rows = queries.fetch_facts(engine, Filters(indicator="PPL_REACHED"), Period("2026-01", "2026-11"))
    engine.dispose()
    period = Period("2026-01", "2026-11")
    assert "w_tl_dim" not in [s.key for s in at.selectbox]  # closed: nothing drawn (or computed) inside
    at.session_state["w_tl_open"] = True
    at.run()
    for dim in (C.SEX, C.AGE):
        at.selectbox(key="w_tl_dim").set_value(dim).run()
        no_exception(at)
        want = compute_monthly_breakdown(rows, "unique_max", period, dim)
        plotted = []
        for chart in at.get("vega_lite_chart"):
            for data in chart.proto.datasets:
                frame = pa.ipc.open_stream(data.data.data).read_all().to_pandas()
                if dim in frame and "rank" in frame:
                    plotted.append(frame)
        assert len(plotted) == 1, dim
        got = plotted[0][[C.MONTH, dim, C.VALUE]].sort_values([C.MONTH, dim], ignore_index=True)
        expected = want[[C.MONTH, dim, C.VALUE]].sort_values([C.MONTH, dim], ignore_index=True)
        assert want[C.VALUE].sum() > 0
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_the_figures_download_is_built_on_the_click_in_the_readers_language() -> None:
    """The file is built when the button is pressed, in another thread (where the page's language is not set):
    it must hold every breakdown, not only the open tab's, with the Ukrainian headers and names."""
    at = run_page("pages/1_Indicators.py", lang="uk", indicator="SPECIALISTS_TRAINED", period="all")
    no_exception(at)
    button = next(b for b in at.get("download_button") if "dl_indicator_figures" in b.proto.id)
    assert button.proto.HasField("deferred_file_id")  # nothing is encoded until someone asks for it
    figures = pd.read_csv(io.BytesIO(download_bytes(at, "dl_indicator_figures")), dtype=str, keep_default_na=False)
    assert "indicator" not in figures.columns and len(figures.columns) == 4
    table, dimension, value = figures.columns[1:]
    assert {"total", "month", "place", "org_type"} <= set(figures[table])
    assert figures.loc[figures[table] == "org_type", value].astype(float).sum() == sql_total("SPECIALISTS_TRAINED")
    poltava = figures[(figures[table] == "place") & (figures[dimension] == "Полтавська область")]
    assert len(poltava) == 1 and float(poltava[value].iloc[0]) >= 250
    assert float(figures.loc[figures[table] == "total", value].iloc[0]) == sql_total("SPECIALISTS_TRAINED")


def test_staff_read_the_table_by_sex_and_age_band_only_when_its_tab_is_opened(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """For staff the figures by sex and age band are a read of their own (seconds at ten million rows on
    PostgreSQL): made when the tab is opened or the figures file is built, not on every filter change."""
    from dashboard import cache

    reads: list[tuple[str, ...]] = []
    original = cache.cube

    def cube(*args, **kwargs):  # type: ignore[no-untyped-def]
        dims = kwargs.get("dims", args[6] if len(args) > 6 else ())
        if {"sex", "age_band"} & set(dims):
            reads.append(tuple(dims))
        return original(*args, **kwargs)

    monkeypatch.setattr(cache, "cube", cube)
    at = run_page("pages/1_Indicators.py", indicator="PPL_REACHED", period="all")
    no_exception(at)
    assert reads == []
    choose_tab(at, "By sex and age", key=TABS_KEY)
    no_exception(at)
    assert reads == [("age_band", "sex")]
    table = next(f.value for f in at.dataframe if "age_band" in f.value.columns)
    assert {"Female", "Male"} <= set(table["sex"]) and "18–59" in set(table["age_band"])
    assert (table["value"].astype(float) > 0).all()
    figures = pd.read_csv(io.BytesIO(download_bytes(at, "dl_indicator_figures")), dtype=str, keep_default_na=False)
    by_age = figures[figures["table"] == "age_sex"]
    assert len(by_age) == len(table)
    assert sorted(by_age["value"].astype(float)) == sorted(table["value"].astype(float))
