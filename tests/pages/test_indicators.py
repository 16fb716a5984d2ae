"""Indicators page: picked by URL, achievement against target, the unique-people rule explained."""

from __future__ import annotations

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
