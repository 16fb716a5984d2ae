"""Home: headline figures match the database, filters change them, the briefing is a complete HTML file;
the page in Ukrainian and Polish."""

from __future__ import annotations

import os
import threading

from sqlalchemy import create_engine, text

from dashboard import i18n
from dashboard.filters import Filters, Period, month_add, month_of
from dashboard.home import briefing_bytes, compute_overview
from tests.pages.conftest import no_exception, run_page
from tests.pages.test_briefing import make_context


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


NBSP = "\u00a0"


def grouped(value: float) -> str:
    """A whole number as Ukrainian and Polish write it: ``1 522`` with a no-break space."""
    return f"{value:,.0f}".replace(",", NBSP)


def test_home_in_ukrainian() -> None:
    at = run_page("Home.py", lang="uk")
    no_exception(at)
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Ключові показники за період", "З останньої зустрічі"]
    assert "Не звітували за жовт. 2026" in headings and "Key figures for the period" not in headings
    expected = sql_sum("SPECIALISTS_TRAINED", "2026-01", "2026-11")
    assert expected >= 1000
    values = [m.value for m in at.metric]
    assert grouped(expected) in values  # 1 522, not 1,522
    assert "немає звітів" in values and "no reports" not in values
    assert any(m.delta and m.delta.endswith("порівняно з попереднім періодом") for m in at.metric)
    events = " ".join(m.value for m in at.markdown)
    assert "10 грудня 2026" in events and "8 жовтня 2026" in events and "джерело: демо" in events
    captions = " ".join(c.value for c in at.caption)
    assert "організацій звітували протягом попередніх трьох місяців" in captions  # 5: the "many" plural form
    tables = [df.value for df in at.dataframe if "Останній звіт" in df.value.columns]
    assert tables and "Організація" in tables[0].columns
    button = next(b for b in at.get("download_button") if "dl_briefing" in b.proto.id)
    assert button.proto.label == "Завантажити брифінг (HTML, для друку, працює офлайн)"


def test_home_in_polish() -> None:
    at = run_page("Home.py", lang="pl")
    no_exception(at)
    headings = [h.value for h in at.subheader]
    assert headings[0] == "Kluczowe dane za okres" and "Brak raportów za paź 2026" in headings
    values = [m.value for m in at.metric]
    assert grouped(sql_sum("SPECIALISTS_TRAINED", "2026-01", "2026-11")) in values
    assert "brak raportów" in values
    events = " ".join(m.value for m in at.markdown)
    assert "10 grudnia 2026" in events and "8 października 2026" in events
    captions = " ".join(c.value for c in at.caption)
    assert "5 organizacji raportowało w poprzednich trzech miesiącach" in captions


def test_english_home_is_unchanged() -> None:
    at = run_page("Home.py", lang="en")
    no_exception(at)
    headings = [h.value for h in at.subheader]
    assert headings[:2] == ["Key figures for the period", "Since the last meeting"]
    assert f"{sql_sum('SPECIALISTS_TRAINED', '2026-01', '2026-11'):,.0f}" in [m.value for m in at.metric]
    assert any(m.delta and m.delta.endswith(" vs previous period") for m in at.metric)
    assert any("organisations reported in the previous three months" in c.value for c in at.caption)


def test_the_briefing_download_is_built_in_the_readers_language_in_another_thread() -> None:
    # Streamlit runs a deferred download in a worker thread, where the page's language is not set.
    with i18n.language("uk"):
        ctx = make_context(Filters())
        data = compute_overview(ctx)
    out: list[bytes] = []
    worker = threading.Thread(target=lambda: out.append(briefing_bytes(ctx, data, "uk")))
    worker.start()
    worker.join()
    html = out[0].decode("utf-8")
    assert html.startswith("<!doctype html><html lang='uk'>") and "<h2>Ключові показники</h2>" in html


def test_since_the_meeting_figures_equal_the_database_for_the_default_and_an_older_meeting() -> None:
    """The overview and "since the last meeting" share one read of the months both need; the figures since a
    meeting (from its month to this month) and for the same length before must still be the database's."""
    at = run_page("Home.py", period="last_month")
    no_exception(at)
    picker = at.selectbox(key="w_meeting")
    for chosen in (picker.value, picker.options[len(picker.options) // 2]):
        at.selectbox(key="w_meeting").set_value(chosen).run()
        no_exception(at)
        start = month_of(at.selectbox(key="w_meeting").value)
        months = Period(start, "2026-11").months  # to November 2026, the fixture's month
        first_before, last_before = month_add(start, -months), month_add(start, -1)
        table = next(f.value for f in at.dataframe if "Since the meeting" in f.value.columns)
        row = table[table["Indicator"] == "Trainings held"].iloc[0]
        since, before = sql_sum("TRAININGS_HELD", start, "2026-11"), sql_sum("TRAININGS_HELD", first_before, last_before)
        assert since > 0 and before > 0
        assert (row["Since the meeting"], row["Same length before"]) == (f"{since:,.0f}", f"{before:,.0f}")
    expected = sql_sum("TRAININGS_HELD", "2026-10", "2026-10")
    assert metric(at, "Trainings held") == f"{expected:,.0f}"  # the period's own figure is unchanged


def test_home_does_not_wait_for_checks_still_running(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """On a large database the checks of a new period run in a child process; Home draws everything else and
    says the alerts are coming instead of waiting for them."""
    import sys

    from dashboard import alert_cache

    monkeypatch.setattr(alert_cache, "PREPARE_MIN_ROWS", 1)
    monkeypatch.setattr(alert_cache, "_child_command",
                        lambda *args: [sys.executable, "-c", "import time; time.sleep(3)"])
    at = run_page("Home.py", period="last_quarter")
    no_exception(at)
    expected = sql_sum("TRAININGS_HELD", "2026-07", "2026-09")
    assert metric(at, "Trainings held") == f"{expected:,.0f}"
    assert any("still running" in i.value for i in at.info)
    assert not any("alert" in s.value.lower() for s in at.success)
