"""Validation rules: a table of cases per rule, each with the flags (rule, severity, fact ids) it must raise."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import i18n
from dashboard.quality import RULES, evaluate_rules
from dashboard.quality_rules import compute_violation_table, rule_title, severity_label
from tests.unit.quality_frames import fact, frame

TODAY = date(2026, 11, 25)
F, M, OTHER = ({C.SEX: s} for s in ("female", "male", "other"))

DENOMINATORS = pd.DataFrame([
    {C.PCODE: "PL14", "measure": "residents", C.GROUP: "all", "ref_date": date(2024, 12, 31), "value": 1000.0},
    {C.PCODE: "PL14", "measure": "residents", C.GROUP: "all", "ref_date": date(2020, 12, 31), "value": 50.0},
    {C.PCODE: "PL14", "measure": "refugees_present", C.GROUP: "refugee", "ref_date": date(2024, 12, 31),
     "value": 400.0},
])


def flags(frame_: pd.DataFrame, rule: str, **kwargs: object) -> list[tuple[str, tuple[int, ...]]]:
    rules = tuple(r for r in RULES if r.name == rule)
    assert rules, rule
    return [(v.severity, v.rows) for v in evaluate_rules(frame_, rules=rules, **kwargs)]  # type: ignore[arg-type]


BREAKDOWN_CASES = [
    # (case, rows, exceeds flags, short-of flags)
    ("parts equal the total", [fact(value=100), fact(value=60, **F), fact(value=40, **M)], [], []),
    ("female + male + other above the total",
     [fact(value=100), fact(value=60, **F), fact(value=40, **M), fact(value=5, **OTHER)], [(1, 2, 3, 4)], []),
    ("parts below the total", [fact(value=100), fact(value=60, **F), fact(value=30, **M)], [], [(1, 2, 3)]),
    ("half a person is rounding", [fact(value=100), fact(value=60.4, **F), fact(value=40, **M)], [], []),
    ("breakdown without a total row", [fact(value=60, **F), fact(value=50, **M)], [], []),
    ("total without a breakdown", [fact(value=100)], [], []),
    ("parts from another organisation", [fact(value=10), fact(value=60, organisation="Org B", **F)], [], []),
    ("parts for another month", [fact(value=10), fact(value=60, month="2025-04", **F)], [], []),
    ("parts for another activity", [fact(value=10), fact(value=60, activity="2.2", **F)], [], []),
    ("parts for another area", [fact(value=10), fact(value=60, pcode="PL12", **F)], [], []),
    ("age bands above the total", [fact(value=20), fact(value=15, age_band="0-4"), fact(value=15, age_band="60+")],
     [(1, 2, 3)], []),
    ("sex × age cells checked against the sex subtotal, not the total",
     [fact(value=100), fact(value=60, **F), fact(value=40, **M),
      fact(value=30, age_band="0-4", **F), fact(value=40, age_band="60+", **F),
      fact(value=20, age_band="0-4", **M), fact(value=20, age_band="60+", **M)],
     [(2, 4, 5)], []),
    ("sex × age cells against the total when no subtotal exists",
     [fact(value=100), fact(value=30, age_band="0-4", **F), fact(value=40, age_band="60+", **M)], [], [(1, 2, 3)]),
    ("a report without an activity is checked too",
     [fact(value=10, activity=None), fact(value=60, activity=None, **F)], [(1, 2)], []),
]


@pytest.mark.parametrize(("case", "rows", "over", "short"), BREAKDOWN_CASES, ids=[c[0] for c in BREAKDOWN_CASES])
def test_breakdown_rules(case: str, rows: list[dict[str, object]], over: list[tuple[int, ...]],
                         short: list[tuple[int, ...]]) -> None:
    data = frame(*rows)
    assert flags(data, "breakdown_exceeds_total") == [("error", ids) for ids in over]
    assert flags(data, "breakdown_short_of_total") == [("warning", ids) for ids in short]


def test_breakdown_message_names_the_numbers() -> None:
    found = evaluate_rules(frame(fact(value=100), fact(value=60, **F), fact(value=50, **M)))
    assert [v.message for v in found] == [
        "Org A · PPL_REACHED · PL14 · 2025-03: the breakdown by sex adds up to 110, more than the reported "
        "total (100)"]


ORDER_CASES = [
    ("specialists above participants",
     [fact(indicator="SPECIALISTS_TRAINED", value=30), fact(indicator="TRAINING_PARTICIPANTS", value=20)],
     [("error", (1, 2))]),
    ("specialists within participants",
     [fact(indicator="SPECIALISTS_TRAINED", value=20), fact(indicator="TRAINING_PARTICIPANTS", value=30)], []),
    ("only one of the two reported", [fact(indicator="SPECIALISTS_TRAINED", value=30)], []),
    ("different areas are not compared",
     [fact(indicator="SPECIALISTS_TRAINED", value=30), fact(indicator="TRAINING_PARTICIPANTS", value=20, pcode="PL12")],
     []),
    ("different organisations are not compared",
     [fact(indicator="SPECIALISTS_TRAINED", value=30),
      fact(indicator="TRAINING_PARTICIPANTS", value=20, organisation="Org B")], []),
    ("activities are added up",
     [fact(indicator="SPECIALISTS_TRAINED", value=15, activity="3.2"),
      fact(indicator="SPECIALISTS_TRAINED", value=15, activity="2.1"),
      fact(indicator="TRAINING_PARTICIPANTS", value=20, activity="3.2")], [("error", (1, 2, 3))]),
    ("a total and its breakdown are not added together",
     [fact(indicator="SPECIALISTS_TRAINED", value=10), fact(indicator="SPECIALISTS_TRAINED", value=6, **F),
      fact(indicator="SPECIALISTS_TRAINED", value=4, **M), fact(indicator="TRAINING_PARTICIPANTS", value=12)], []),
    ("more trainings than people trained",
     [fact(indicator="TRAININGS_HELD", value=5), fact(indicator="SPECIALISTS_TRAINED", value=3)],
     [("warning", (1, 2))]),
    ("trainings and trainees consistent (the IOM Vilnius reference facts)",
     [fact(indicator="TRAININGS_HELD", value=5, pcode="LT10"),
      fact(indicator="SPECIALISTS_TRAINED", value=145, pcode="LT10")], []),
]


@pytest.mark.parametrize(("case", "rows", "expected"), ORDER_CASES, ids=[c[0] for c in ORDER_CASES])
def test_indicator_order(case: str, rows: list[dict[str, object]], expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert flags(frame(*rows), "indicator_order") == expected


POPULATION_CASES = [
    ("two partners in one group: the larger counts, within the population",
     [fact(value=800), fact(value=800, organisation="Org B")], []),
    ("groups add up above the residents",
     [fact(value=600, population_group="host"), fact(value=350, population_group="refugee"),
      fact(value=100, population_group="idp")], [("error", (1, 2, 3))]),
    ("refugees reached above the refugees present",
     [fact(value=450, population_group="refugee")], [("warning", (1,))]),
    ("the latest denominator is used, not an older one", [fact(value=60)], []),
    ("areas without a denominator are not judged", [fact(value=5000, pcode="PL12")], []),
    ("indicators that do not count people are not judged", [fact(indicator="HELPLINE_CONTACTS", value=5000)], []),
    ("months are judged one by one",
     [fact(value=600), fact(value=600, month="2025-04")], []),
]


@pytest.mark.parametrize(("case", "rows", "expected"), POPULATION_CASES, ids=[c[0] for c in POPULATION_CASES])
def test_people_within_population(case: str, rows: list[dict[str, object]],
                                  expected: list[tuple[str, tuple[int, ...]]]) -> None:
    assert flags(frame(*rows), "people_within_population", denominators=DENOMINATORS) == expected


def test_population_rule_is_skipped_without_denominators() -> None:
    assert flags(frame(fact(value=10**7)), "people_within_population") == []


ROW_CASES = [
    # (case, rule, row, flagged severity or None)
    ("negative value", "impossible_value", fact(value=-1), "error"),
    ("missing value", "impossible_value", fact(value=float("nan")), "error"),
    ("zero is possible", "impossible_value", fact(value=0), None),
    ("share above 100%", "impossible_value", fact(indicator="IDP_HOTLINE_DEMAND", value=120), "error"),
    ("share of 31%", "impossible_value", fact(indicator="IDP_HOTLINE_DEMAND", value=31), None),
    ("500 trainings in one row", "implausibly_large", fact(indicator="TRAININGS_HELD", value=500), "warning"),
    ("150 trainings in one row", "implausibly_large", fact(indicator="TRAININGS_HELD", value=150), None),
    ("60,000 people in one row", "implausibly_large", fact(value=60_000), "warning"),
    ("an indicator without a ceiling", "implausibly_large", fact(indicator="NEW_CODE", value=1e9), None),
    ("half a person", "fractional_count", fact(value=12.5), "warning"),
    ("a whole count written as a float", "fractional_count", fact(value=12.0), None),
    ("a share may have decimals", "fractional_count", fact(indicator="IDP_HOTLINE_DEMAND", value=31.5), None),
    ("next month", "future_month", fact(month="2026-12"), "error"),
    ("this month", "future_month", fact(month="2026-11"), None),
    ("period ends before it starts", "period_consistency",
     fact(month="2025-03", period_start=date(2025, 3, 31), period_end=date(2025, 3, 1)), "error"),
    ("month is not the period's month", "period_consistency",
     fact(month="2025-04", period_start=date(2025, 3, 1), period_end=date(2025, 3, 31)), "error"),
    ("a two-month period (Poltava, July–August)", "period_consistency",
     fact(month="2025-07", period_start=date(2025, 7, 1), period_end=date(2025, 8, 31)), None),
]


@pytest.mark.parametrize(("case", "rule", "row", "severity"), ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_row_rules(case: str, rule: str, row: dict[str, object], severity: str | None) -> None:
    expected = [(severity, (1,))] if severity else []
    assert flags(frame(row), rule, today=TODAY) == expected


def test_future_month_needs_today() -> None:
    assert flags(frame(fact(month="2030-01")), "future_month") == []


def test_every_rule_is_declared_once_with_words() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names)) >= 9
    assert all(r.title and len(r.description) > 20 and r.severity in ("error", "warning") for r in RULES)


def test_errors_come_first_and_the_table_lists_fact_ids() -> None:
    data = frame(fact(value=12.5), fact(value=-3, organisation="Org B"), fact(value=100, month="2025-05"),
                 fact(value=60, month="2025-05", **F), fact(value=50, month="2025-05", **M))
    found = evaluate_rules(data, today=TODAY)
    assert [(v.rule, v.severity) for v in found] == [
        ("breakdown_exceeds_total", "error"), ("impossible_value", "error"), ("fractional_count", "warning")]
    table = compute_violation_table(found)
    assert table["fact_ids"].tolist() == ["3, 4, 5", "2", "1"]
    assert table["rows"].tolist() == [3, 1, 1]


def test_importer_frames_without_ids_name_the_file_rows() -> None:
    """The importer's frames use location/period_month and have no fact ids: violations name index labels."""
    data = pd.DataFrame({
        "indicator": ["PPL_REACHED"] * 3, "organisation": ["Org A"] * 3, "activity": ["2.1"] * 3,
        "location": ["PL14"] * 3, "period_start": ["2025-03-01"] * 3, "period_end": ["2025-03-31"] * 3,
        "period_month": ["2025-03"] * 3, "sex": ["all", "female", "male"], "age_band": ["all"] * 3,
        "population_group": ["all"] * 3, "disability": ["all"] * 3, "value": [10.0, 8.0, 7.0],
    }, index=[7, 8, 9])
    found = evaluate_rules(data, today=TODAY)
    assert [(v.rule, v.rows, v.pcode) for v in found] == [("breakdown_exceeds_total", (7, 8, 9), "PL14")]


def test_empty_frame_has_no_violations() -> None:
    assert evaluate_rules(frame(), DENOMINATORS, TODAY) == []


def test_messages_are_put_into_words_in_the_readers_language() -> None:
    """A violation holds no text: read in Ukrainian or Polish it keeps its numbers, formatted for that language."""
    found = evaluate_rules(frame(fact(value=1000), fact(value=600, **F), fact(value=500, **M),
                                 fact(value=60_000, month="2025-04")))
    assert [v.rule for v in found] == ["breakdown_exceeds_total", "implausibly_large"]
    over, large = found
    with i18n.language("uk"):
        assert over.message == ("Org A · PPL_REACHED · PL14 · 2025-03: розподіл за статтю у сумі дає 1\xa0100, більше "
                                "ніж повідомлений загальний підсумок (1\xa0000)")
        assert large.problem == ("60\xa0000 в одному рядку звіту перевищує правдоподібну межу 50\xa0000 для цього "
                                 "індикатора")
        assert rule_title(over.rule) == "Розподіл більший за підсумок" and severity_label("error") == "помилка"
    with i18n.language("pl"):
        assert over.problem == ("podział według płci sumuje się do 1\xa0100, więcej niż zgłoszona suma ogólna "
                                "(1\xa0000)")
    assert over.problem == "the breakdown by sex adds up to 1,100, more than the reported total (1,000)"


def test_two_dimensions_and_a_subtotal_in_words() -> None:
    """Sex × age cells above the sex subtotal: the dimension and the cell are named in the reader's language."""
    found = evaluate_rules(frame(fact(value=10, **F), fact(value=8, age_band="0-4", **F),
                                 fact(value=4, age_band="60+", **F)))
    assert [v.problem for v in found] == ["the breakdown by age band adds up to 12, more than the figure for Female "
                                          "(10)"]
    with i18n.language("uk"):
        assert found[0].problem.startswith("розподіл за віковими групами у сумі дає 12, більше ніж значення для «")


ROW_MESSAGES = [
    (fact(value=-3), "the value -3 is negative", "значення -3 від'ємне"),
    (fact(indicator="IDP_HOTLINE_DEMAND", value=120.5), "120.5% is a share above 100%",
     "120,5% — частка понад 100%"),
    (fact(value=12.25), "12.25 is a count but not a whole number", "12,25 — це кількість, але не ціле число"),
    (fact(month="2025-03", period_start=date(2025, 3, 31), period_end=date(2025, 3, 1)),
     "the period ends (1 March 2025) before it starts (31 March 2025)",
     "період закінчується (1 березня 2025) раніше, ніж починається (31 березня 2025)"),
    (fact(month="2026-12"), "reports for December 2026, a month that has not started yet (report rows: 1)",
     "звіти за грудень 2026 — місяць, який ще не почався (рядків звіту: 1)"),
]


@pytest.mark.parametrize(("row", "english", "ukrainian"), ROW_MESSAGES, ids=[m[1] for m in ROW_MESSAGES])
def test_row_messages_in_english_and_ukrainian(row: dict[str, object], english: str, ukrainian: str) -> None:
    found = evaluate_rules(frame(row), today=TODAY)
    assert [v.problem for v in found] == [english]
    with i18n.language("uk"):
        assert [v.problem for v in found] == [ukrainian]
