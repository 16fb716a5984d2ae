"""Indicators page: picked by URL, achievement against target, the unique-people rule explained."""

from __future__ import annotations

import json
import os

from sqlalchemy import create_engine, text

from tests.pages.conftest import no_exception, run_page


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


def test_every_breakdown_chart_offers_png_and_svg() -> None:
    at = run_page("pages/1_Indicators.py", indicator="PPL_REACHED", period="all")
    no_exception(at)
    ids = " ".join(b.proto.id for b in at.get("download_button"))
    for tab in ("place", "age_sex", "group", "org_type"):
        assert f"dl_png_PPL_REACHED_{tab}" in ids and f"dl_svg_PPL_REACHED_{tab}" in ids, tab


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
    import pandas as pd
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
