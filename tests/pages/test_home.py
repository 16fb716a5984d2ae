"""Home: headline figures match the database, filters change them, the briefing is a complete HTML file."""

from __future__ import annotations

import os

from sqlalchemy import create_engine, text

from tests.pages.conftest import no_exception, run_page


def sql_sum(indicator: str, first: str, last: str, country: str | None = None) -> float:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    where = "AND l.country = :c" if country else ""
    with engine.connect() as conn:
        value = conn.execute(text(
            "SELECT COALESCE(SUM(f.value), 0) FROM facts f JOIN indicators i ON f.indicator_id = i.id "
            f"JOIN locations l ON f.location_id = l.id WHERE i.code = :i AND f.period_month BETWEEN :a AND :b {where}"
        ), {"i": indicator, "a": first, "b": last, "c": country}).scalar_one()
    engine.dispose()
    return float(value)


def metric(at, label_start: str) -> str:  # type: ignore[no-untyped-def]
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def test_headline_trainings_equal_the_database_sum_for_year_to_date() -> None:
    at = run_page("Home.py")
    no_exception(at)
    expected = sql_sum("TRAININGS_HELD", "2026-01", "2026-11")
    assert expected > 0
    assert metric(at, "Trainings held") == f"{expected:,.0f}"


def test_country_filter_changes_the_headline() -> None:
    everything = run_page("Home.py")
    poland = run_page("Home.py", country="POL")
    no_exception(poland)
    expected = sql_sum("TRAININGS_HELD", "2026-01", "2026-11", "POL")
    assert metric(poland, "Trainings held") == f"{expected:,.0f}"
    assert metric(poland, "Trainings held") != metric(everything, "Trainings held")


def test_changing_the_sidebar_period_changes_the_figures() -> None:
    at = run_page("Home.py")
    ytd = metric(at, "Trainings held")
    at.selectbox(key="w_preset").set_value("last_month").run()
    no_exception(at)
    expected = sql_sum("TRAININGS_HELD", "2026-10", "2026-10")
    assert metric(at, "Trainings held") == f"{expected:,.0f}" != ytd


def test_not_reported_list_names_organisations_missing_last_month() -> None:
    at = run_page("Home.py")
    heading = [h.value for h in at.subheader if h.value.startswith("Not reported for")]
    assert heading == ["Not reported for Oct 2026"]
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        missing = {r[0] for r in conn.execute(text(
            "SELECT DISTINCT o.name FROM facts f JOIN organisations o ON f.organisation_id = o.id "
            "WHERE f.period_month BETWEEN '2026-07' AND '2026-09' AND o.id NOT IN ("
            "SELECT organisation_id FROM facts WHERE period_month = '2026-10')"))}
    engine.dispose()
    tables = [df.value for df in at.dataframe if "Last reported" in df.value.columns]
    assert tables and set(tables[0]["Organisation"]) == missing


def test_events_and_meeting_panel_are_shown() -> None:
    at = run_page("Home.py")
    assert at.selectbox(key="w_meeting").value is not None
    events = " ".join(m.value for m in at.markdown)
    # The fixture's today is 25 Nov 2026: the December demo meeting is upcoming, the October one recent.
    assert "10 Dec 2026" in events and "8 Oct 2026" in events


def test_indicator_without_reports_in_the_period_says_so_instead_of_zero() -> None:
    # The fixture has no Resilience Centre reports in 2026; the real 228 communities are from June 2025.
    at = run_page("Home.py")
    no_exception(at)
    communities = next(m for m in at.metric if m.label.startswith("Communities with Resilience Centres"))
    assert communities.value == "no reports"
    assert any("Nothing was reported" in c.value for c in at.caption)
    everything = run_page("Home.py", period="all")
    assert metric(everything, "Communities with Resilience Centres") not in ("no reports", "0")
