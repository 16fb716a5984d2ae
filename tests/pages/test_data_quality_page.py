"""Data quality page: the flags shown for a fixture database with known problems, reviews, the reporting plan,
the unique-people comparison, and the same alerts on Home.

The problems are inserted through the import write path (``data_sources.batches``), one batch each, with the
batches' finish times set so the timeliness rule (due by the 15th of the following month) has known answers.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, select, update
from streamlit.testing.v1 import AppTest

from dashboard import i18n, quality_store, store
from data_sources.batches import Lookups, close_batch, insert_facts, open_batch
from tests.pages import conftest
from tests.pages.conftest import no_exception, run_page

PAGE = "pages/4_Data_quality.py"
WHO, PMF, IRF = "World Health Organization", "Polish Migration Forum", "International Renaissance Foundation"
MOH, HOPE, PSMU = "Ministry of Health of Poland", "Light of Hope", "Poltava State Medical University"


def row(org: str, indicator: str, activity: str, pcode: str, month: str, value: float, *, sex: str = "all",
        start: str | None = None, end: str | None = None) -> dict[str, Any]:
    first = pd.Timestamp(f"{month}-01")
    return {
        "organisation": org, "indicator": indicator, "activity": activity, "location": pcode,
        "period_start": start or first.date().isoformat(),
        "period_end": end or (first + pd.offsets.MonthEnd(0)).date().isoformat(),
        "period_month": month, "sex": sex, "age_band": "all", "population_group": "all", "disability": "all",
        "value": float(value),
    }


def import_batch(engine: Engine, name: str, rows: list[dict[str, Any]], finished: datetime) -> list[int]:
    """Write ``rows`` as one committed batch finished at ``finished``; return the new fact ids."""
    with engine.begin() as conn:
        lookups = Lookups.read(conn)
        batch = open_batch(conn, "test problems", file_name=name)
        before = conn.execute(select(store.facts.c.id).order_by(store.facts.c.id.desc()).limit(1)).scalar() or 0
        written = insert_facts(conn, pd.DataFrame(rows), lookups, batch, is_demo=False)
        close_batch(conn, batch, written)
        conn.execute(update(store.import_batches).where(store.import_batches.c.id == batch)
                     .values(finished_at=finished))
        ids = conn.execute(select(store.facts.c.id).where(store.facts.c.id > before).order_by(store.facts.c.id))
        return [int(i) for (i,) in ids]


@pytest.fixture
def problems(fixture_db_url: str) -> dict[str, list[int]]:
    return insert_problems(fixture_db_url)


def insert_problems(url: str) -> dict[str, list[int]]:
    """Known problems in the fixture database (today is 25 Nov 2026; the default period is 2026-01 to 2026-11);
    the new fact ids by problem."""
    engine = create_engine(url)
    ids: dict[str, list[int]] = {}
    on_time, late = datetime(2026, 8, 10, 9), datetime(2026, 9, 20, 9)
    ids["breakdown"] = import_batch(engine, "breakdown.csv", [
        row(WHO, "PPL_REACHED", "2.1", "PL14", "2026-05", 100),
        row(WHO, "PPL_REACHED", "2.1", "PL14", "2026-05", 70, sex="female"),
        row(WHO, "PPL_REACHED", "2.1", "PL14", "2026-05", 40, sex="male"),
        row(HOPE, "TRAININGS_HELD", "3.2", "UA53", "2026-04", 500),
    ], on_time)
    ids["duplicate"] = import_batch(engine, "duplicate.csv", [
        row(org, "REFERRALS", "2.4", "PL12", "2026-06", value, sex=sex)
        for org in (WHO, PMF) for sex, value in (("female", 60), ("male", 40))
    ], on_time)
    helpline = [120, 110, 130, 125, 115, 120, 118, 2400, 122]
    ids["outlier"] = import_batch(engine, "helpline.csv", [
        row(IRF, "HELPLINE_CONTACTS", "2.1", "UA80", f"2026-{m:02d}", v) for m, v in enumerate(helpline, start=1)
    ], on_time)
    ids["quarter"] = import_batch(engine, "quarter.csv", [
        row(HOPE, "TRAININGS_HELD", "3.2", "UA53", "2026-01", 6, start="2026-01-01", end="2026-03-31")], on_time)
    ids["month"] = import_batch(engine, "february.csv", [
        row(HOPE, "TRAININGS_HELD", "3.2", "UA53", "2026-02", 2)], on_time)
    ids["moh_on_time"] = import_batch(engine, "moh-july.csv", [row(MOH, "REFERRALS", "2.4", "PL14", "2026-07", 12)],
                                      on_time)
    ids["moh_late"] = import_batch(engine, "moh-august.csv", [row(MOH, "REFERRALS", "2.4", "PL14", "2026-08", 9)],
                                   late)
    quality_store.add_plan_entry(engine, PSMU, "2026-06", None, "new partner", "test")
    engine.dispose()
    return ids


def open_tab(tab: str, **params: str) -> AppTest:
    """The page with ``tab`` chosen (its label as the reader sees it): only the open tab's content is drawn."""
    return run_page(PAGE, state={"dq_tab": tab}, **params)


def choose_tab(at: AppTest, tab: str, lang: str = "en") -> AppTest:
    return conftest.choose_tab(at, tab, key="dq_tab", lang=lang)


def table_with(at, column: str) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    tables = [df.value for df in at.dataframe if column in df.value.columns]
    assert tables, f"no table with a {column!r} column"
    return tables[0]


def metric(at, label: str) -> str:  # type: ignore[no-untyped-def]
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_rule_violations_are_listed_with_their_fact_ids(problems: dict[str, list[int]]) -> None:
    at = open_tab("Validation rules")
    no_exception(at)
    assert metric(at, "Rule errors") == "1"
    assert metric(at, "Rule warnings") == "1"
    rules = table_with(at, "What it checks").set_index("Rule")["Violations"]
    assert rules["Breakdown above its total"] == 1 and rules["Implausibly large value"] == 1
    assert rules.drop(["Breakdown above its total", "Implausibly large value"]).sum() == 0
    violations = table_with(at, "Fact ids")
    first = violations.iloc[0]
    assert first["Severity"] == "error" and first["Organisation"] == WHO and first["Area"] == "Masovia"
    assert first["Fact ids"] == ", ".join(map(str, problems["breakdown"][:3]))
    assert "adds up to 110, more than the reported total (100)" in first["Problem"]
    assert violations.iloc[1]["Fact ids"] == str(problems["breakdown"][3])


def test_outlier_and_jumps_are_open_until_reviewed(problems: dict[str, list[int]]) -> None:
    at = open_tab("Outliers")
    before = int(metric(at, "Outliers and jumps to review"))
    open_items = table_with(at, "What was found")
    helpline = open_items[open_items["Organisation"] == IRF]
    assert sorted(zip(helpline["Check"], helpline["Month"], strict=True)) == [
        ("Month-over-month jump", "2026-08"), ("Month-over-month jump", "2026-09"),
        ("Outlier (robust z-score)", "2026-08")]
    outlier = helpline[helpline["Check"] == "Outlier (robust z-score)"].iloc[0]
    assert outlier["What was found"].startswith("2,400 against a usual 120")
    assert outlier["Fact ids"] == str(problems["outlier"][7])

    key = f"outlier|HELPLINE_CONTACTS|{IRF}|2026-08"
    at.selectbox(key="dq_outliers_item").set_value(key)
    at.text_input(key="dq_outliers_comment").input("Campaign on national TV in August")
    next(b for b in at.button if b.label == "Mark as reviewed").click().run()
    no_exception(at)
    assert any(s.value.startswith("Marked as reviewed:") for s in at.success)
    assert int(metric(at, "Outliers and jumps to review")) == before - 1
    still_open = table_with(at, "What was found")
    assert "Outlier (robust z-score)" not in set(still_open.loc[still_open["Organisation"] == IRF, "Check"])

    at.toggle(key="dq_outliers_show_reviewed").set_value(True).run()
    reviewed = table_with(at, "Reviewed by")
    assert reviewed[["Organisation", "Month", "Comment", "Reviewed by"]].values.tolist() == [
        [IRF, "2026-08", "Campaign on national TV in August", "local user"]]

    # The review is stored: a fresh session shows the same, and Home no longer lists the outlier.
    again = run_page(PAGE)
    assert int(metric(again, "Outliers and jumps to review")) == before - 1
    home = run_page("Home.py")
    alerts = [w.value for w in home.warning]
    assert not any("2,400 against a usual" in a for a in alerts)
    assert any("2,400, 20.3× the previous month (118)" in a for a in alerts)
    assert {w.icon for w in home.warning} == {":material/warning:"}  # each alert marked as a warning


def test_duplicates_and_overlapping_periods(problems: dict[str, list[int]]) -> None:
    at = open_tab("Duplicates")
    assert metric(at, "Possible duplicates to review") == "2"
    items = table_with(at, "What was found")
    by_check = items.set_index("Check")
    dup = by_check.loc["Same report from two organisations"]
    assert dup["Organisation"] == f"{PMF}, {WHO}" and dup["Area"] == "Lesser Poland" and dup["Month"] == "2026-06"
    assert dup["Fact ids"] == ", ".join(map(str, problems["duplicate"]))
    overlap = by_check.loc["Overlapping periods from different imports"]
    assert overlap["Organisation"] == HOPE
    assert "1 January 2026 to 31 March 2026" in overlap["What was found"]
    assert "1 February 2026 to 28 February 2026" in overlap["What was found"]
    assert overlap["Fact ids"] == f"{problems['quarter'][0]}, {problems['month'][0]}"


@pytest.mark.parametrize(("params", "duplicate", "breakdown"), [
    ({"org": PMF}, True, False),  # one of the two organisations reporting the same figures
    ({"country": "POL", "sex": "female"}, True, True),  # a female row of each report
    ({"country": "UKR"}, False, False),
], ids=["one of the two organisations", "female rows in Poland", "Ukraine"])
def test_filters_keep_the_findings_about_the_rows_they_keep(problems: dict[str, list[int]], params: dict[str, str],
                                                            duplicate: bool, breakdown: bool) -> None:
    """The checks run over all the period's reports once; a filter lists what concerns a row it keeps, so a
    duplicate still shows when only one of the two organisations is chosen, and a breakdown above its total
    when only its female row is."""
    at = open_tab("Duplicates", **params)
    no_exception(at)
    items = pd.concat([df.value for df in at.dataframe if "What was found" in df.value.columns])
    assert ("Same report from two organisations" in set(items["Check"])) is duplicate
    choose_tab(at, "Validation rules")
    tables = [df.value for df in at.dataframe if "Fact ids" in df.value.columns and "Problem" in df.value.columns]
    listed = set(tables[0]["Fact ids"]) if tables else set()
    assert (", ".join(map(str, problems["breakdown"][:3])) in listed) is breakdown
    assert (metric(at, "Rule errors") == "1") is breakdown


def test_completeness_matrix_shows_on_time_late_missing_and_the_plan(problems: dict[str, list[int]]) -> None:
    at = open_tab("Completeness")
    matrix = table_with(at, "Jul 2026").set_index("Organisation")
    moh = matrix.loc[MOH]
    assert [moh[m] for m in ("Jun 2026", "Jul 2026", "Aug 2026", "Sep 2026", "Oct 2026", "Nov 2026")] == [
        "", "on time", "late", "missing", "missing", "not due yet"]
    psmu = matrix.loc[PSMU]
    assert [psmu[m] for m in ("May 2026", "Jun 2026", "Oct 2026", "Nov 2026")] == [
        "", "missing", "missing", "not due yet"]
    trend = table_with(at, "Not due yet").set_index("Month")
    assert trend.loc["Nov 2026", "Not due yet"] > 0
    assert trend.loc["Oct 2026", "Missing"] >= 2  # the Ministry and the planned university at least
    plan = table_with(at, "Added by")
    assert plan[["Organisation", "From", "To", "Note"]].values.tolist() == [[PSMU, "2026-06", "open-ended",
                                                                             "new partner"]]


def test_reporting_plan_entries_can_be_added_and_removed(problems: dict[str, list[int]]) -> None:
    at = open_tab("Completeness")
    at.selectbox(key="dq_plan_org").set_value(HOPE)
    at.text_input(key="dq_plan_from").input("2026-09")
    next(b for b in at.button if b.label == "Add to the plan").click().run()
    no_exception(at)
    assert any(s.value.startswith(f"Added {HOPE} to the reporting plan from 2026-09") for s in at.success)
    assert sorted(table_with(at, "Added by")["Organisation"]) == [HOPE, PSMU]

    at.text_input(key="dq_plan_from").input("September")
    next(b for b in at.button if b.label == "Add to the plan").click().run()
    assert [e.value for e in at.error if e.value.startswith("Not added")] == [
        "Not added: The start month must be a month like 2025-01, got 'September'."]

    entry = int(table_with(at, "Added by").set_index("Organisation").loc[PSMU, "Entry"])
    at.selectbox(key="dq_plan_entry").set_value(entry)
    next(b for b in at.button if b.label == "Remove from the plan").click().run()
    assert table_with(at, "Added by")["Organisation"].tolist() == [HOPE]


def test_unique_people_side_by_side_and_switchable() -> None:
    at = open_tab("Unique people")
    no_exception(at)
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        plain = conn.execute(select(store.facts.c.value).select_from(
            store.facts.join(store.indicators, store.facts.c.indicator_id == store.indicators.c.id)).where(
            store.indicators.c.code == "PPL_REACHED", store.facts.c.period_month.between("2026-01", "2026-11"))
        ).scalars().all()
    engine.dispose()
    summary = table_with(at, "Difference, % of the plain sum").set_index("Indicator")
    assert summary.loc["People reached with MHPSS services", "Plain sum (counts people twice)"] == (
        f"{sum(plain):,.0f}")
    unique = metric(at, "Unique people (cluster rule) · in use")
    assert int(unique.replace(",", "")) < sum(plain)
    assert any("is the possible double counting" in m.value for m in at.markdown)
    at.radio(key="dq_unique_rule").set_value("sum").run()
    assert metric(at, "Plain sum (counts people twice) · in use") == f"{sum(plain):,.0f}"
    areas = table_with(at, "Organisation × activity series")
    assert list(areas.columns[:3]) == ["Area", "Plain sum · in use", "Unique"]


def test_home_alerts_come_from_the_quality_checks(problems: dict[str, list[int]]) -> None:
    at = run_page("Home.py")
    no_exception(at)
    errors = [e.value for e in at.error]
    assert errors and errors[0].startswith(f"{WHO} · PPL_REACHED · PL14 · 2026-05: the breakdown by sex adds up to 110")


def test_public_view_does_not_show_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_VIEW", "public")
    at = run_page(PAGE)
    no_exception(at)
    assert any("not part of the public view" in i.value for i in at.info)
    assert not at.dataframe and not at.metric


def test_indicator_page_compares_the_rules_for_unique_people_only() -> None:
    people = run_page("pages/1_Indicators.py", indicator="PPL_REACHED")
    no_exception(people)
    labels = [m.label for m in people.metric]
    assert "Unique people (cluster rule) · in use" in labels
    assert "Plain sum (counts people twice)" in labels
    assert any("is the possible double counting" in m.value or "The two agree" in m.value for m in people.markdown)
    people.radio(key="unique_rule_PPL_REACHED").set_value("sum").run()
    assert "Plain sum (counts people twice) · in use" in [m.label for m in people.metric]
    trainings = run_page("pages/1_Indicators.py", indicator="TRAININGS_HELD")
    no_exception(trainings)
    assert not any(m.label.startswith("Unique people") for m in trainings.metric)


# The page in Ukrainian and Polish: (language, what a reader sees) for the same known problems.
IN_LANGUAGE = {
    "uk": {
        "tabs": ["Огляд", "Повнота", "Правила перевірки", "Викиди", "Дублікати", "Унікальні особи"],
        "errors": "Помилки за правилами", "rule": "Правило", "checks": "Що перевіряє", "count": "Порушення",
        "over": "Розподіл більший за підсумок", "problem": "Проблема", "severity": "Серйозність", "error": "помилка",
        "broken": "розподіл за статтю у сумі дає 110, більше ніж повідомлений загальний підсумок (100)",
        "found": "Що виявлено", "outlier": "2\xa0400 при звичному рівні 120 (робастна z-оцінка +",
        "statuses": ["", "вчасно", "із запізненням", "відсутній", "відсутній", "ще не настав термін"],
        "organisation": "Організація", "months": ["черв. 2026", "лип. 2026", "серп. 2026", "вер. 2026", "жовт. 2026",
                                                  "лист. 2026"],
        "button": "Позначити як перевірене", "open_ended": "безстроково", "to": "По",
    },
    "pl": {
        "tabs": ["Przegląd", "Kompletność", "Reguły walidacji", "Wartości odstające", "Duplikaty", "Unikalne osoby"],
        "errors": "Błędy reguł", "rule": "Reguła", "checks": "Co sprawdza", "count": "Naruszenia",
        "over": "Podział większy niż suma", "problem": "Problem", "severity": "Waga", "error": "błąd",
        "broken": "podział według płci sumuje się do 110, więcej niż zgłoszona suma ogólna (100)",
        "found": "Co wykryto", "outlier": "2\xa0400 przy zwykłym poziomie 120 (odporny wynik z +",
        "statuses": ["", "na czas", "z opóźnieniem", "brak", "brak", "termin jeszcze nie minął"],
        "organisation": "Organizacja", "months": ["cze 2026", "lip 2026", "sie 2026", "wrz 2026", "paź 2026",
                                                  "lis 2026"],
        "button": "Oznacz jako sprawdzone", "open_ended": "bezterminowo", "to": "Do",
    },
}


@pytest.mark.parametrize("lang", sorted(IN_LANGUAGE))
def test_page_in_ukrainian_and_polish(problems: dict[str, list[int]], lang: str) -> None:
    words = IN_LANGUAGE[lang]
    at = run_page(PAGE, lang=lang)
    no_exception(at)
    assert [t.label for t in at.tabs] == words["tabs"]
    assert metric(at, words["errors"]) == "1"
    assert not any(m.label.startswith(("Rule errors", "Completeness", "Outliers")) for m in at.metric)
    # The rule message keeps its numbers and its place (codes) on the overview list, as on Home.
    assert [e.value for e in at.error] == [f"{WHO} · PPL_REACHED · PL14 · 2026-05: {words['broken']}"]
    choose_tab(at, words["tabs"][2], lang)
    rules = table_with(at, words["checks"]).set_index(words["rule"])[words["count"]]
    assert rules[words["over"]] == 1
    first = table_with(at, words["problem"]).iloc[0]
    assert first[words["severity"]] == words["error"] and first[words["problem"]] == words["broken"]
    choose_tab(at, words["tabs"][3], lang)
    found = table_with(at, words["found"])[words["found"]]
    assert any(text.startswith(words["outlier"]) for text in found)
    assert words["button"] in [b.label for b in at.button]
    assert "Mark as reviewed" not in [b.label for b in at.button]
    choose_tab(at, words["tabs"][1], lang)
    matrix = table_with(at, words["months"][1]).set_index(words["organisation"])
    assert [matrix.loc[MOH, m] for m in words["months"]] == words["statuses"]
    assert table_with(at, words["to"])[words["to"]].tolist() == [words["open_ended"]]
    assert "Mark as reviewed" not in [b.label for b in at.button]


def test_reviewing_in_ukrainian_stores_the_language_neutral_key(problems: dict[str, list[int]]) -> None:
    at = open_tab("Викиди", lang="uk")
    key = f"outlier|HELPLINE_CONTACTS|{IRF}|2026-08"
    at.selectbox(key="dq_outliers_item").set_value(key)
    at.text_input(key="dq_outliers_comment").input("Кампанія на телебаченні")
    with i18n.language("uk"):  # AppTest formats the widgets' options in the test's thread, as the reader sees them
        next(b for b in at.button if b.label == "Позначити як перевірене").click().run()
    no_exception(at)
    assert any(s.value.startswith("Позначено як перевірене:") for s in at.success)
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        stored = conn.execute(select(store.reviews.c.check_name, store.reviews.c.item_key)).all()
    engine.dispose()
    assert [tuple(r) for r in stored] == [("outlier", f"HELPLINE_CONTACTS|{IRF}|2026-08")]
    english = open_tab("Outliers")  # the same review, read in English
    english.toggle(key="dq_outliers_show_reviewed").set_value(True).run()
    assert table_with(english, "Reviewed by")["Check"].tolist() == ["Outlier (robust z-score)"]


def test_plan_errors_in_polish(problems: dict[str, list[int]]) -> None:
    at = open_tab("Kompletność", lang="pl")
    at.text_input(key="dq_plan_from").input("wrzesień")
    with i18n.language("pl"):
        next(b for b in at.button if b.label == "Dodaj do planu").click().run()
    assert [e.value for e in at.error if e.value.startswith("Nie dodano")] == [
        "Nie dodano: Miesiąc początkowy musi mieć postać 2025-01, otrzymano 'wrzesień'."]


def test_home_alerts_in_ukrainian(problems: dict[str, list[int]]) -> None:
    at = run_page("Home.py", lang="uk")
    no_exception(at)
    errors = [e.value for e in at.error]
    assert errors and errors[0] == (f"{WHO} · PPL_REACHED · PL14 · 2026-05: розподіл за статтю у сумі дає 110, більше "
                                    "ніж повідомлений загальний підсумок (100)")


def test_another_unique_people_indicator_shows_its_own_areas_and_the_matrix_keeps_its_colours(
        problems: dict[str, list[int]]) -> None:
    at = open_tab("Unique people")
    people = table_with(at, "Organisation × activity series")
    at.selectbox(key="dq_unique_indicator").set_value("CHILDREN_REACHED").run()
    no_exception(at)
    children = table_with(at, "Organisation × activity series")
    summary = table_with(at, "Difference, % of the plain sum").set_index("Indicator")
    assert metric(at, "Unique people (cluster rule) · in use") == summary.loc[
        "Girls and boys reached with MHPSS services", "Unique people (cluster rule)"]
    assert not people.equals(children)
    # The statuses of the organisation × month matrix are coloured (the same colours on every rerun).
    choose_tab(at, "Completeness")
    for _ in range(2):
        matrix = next(df for df in at.dataframe if "Jul 2026" in df.value.columns)
        assert "background-color" in matrix.proto.arrow_data.styler.styles
        at.run()


def test_a_filter_keeping_no_follow_up_item_shows_none() -> None:
    """Nothing to follow up about the rows a filter keeps: the lists are empty, not broken."""
    at = run_page(PAGE, org="Light of Hope", period="last_month")  # no item at all last month
    no_exception(at)
    assert metric(at, "Possible duplicates to review") == "0"
    assert metric(at, "Outliers and jumps to review") == "0"
    assert "Light of Hope" in at.query_params.get("org", [])


def test_only_the_open_tab_is_drawn(problems: dict[str, list[int]]) -> None:
    """A filter change costs the summary and the open tab, not all six: the others are drawn when chosen."""
    at = run_page(PAGE)
    no_exception(at)
    assert [e.value for e in at.error]  # the overview's top alerts
    assert not any("What was found" in df.value.columns or "Jul 2026" in df.value.columns for df in at.dataframe)
    choose_tab(at, "Outliers")
    assert any("What was found" in df.value.columns for df in at.dataframe)
    assert not any("Jul 2026" in df.value.columns for df in at.dataframe)
    assert not at.error  # the overview's list is not drawn under another tab
