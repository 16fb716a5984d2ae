"""Answer normalising and the mapping rules shared by the form-based connectors (tables of cases)."""

from __future__ import annotations

from datetime import date

import pytest

from data_sources.connectors.mapping import (
    FactMapping,
    Problems,
    Record,
    aggregate,
    collect_rows,
    normalise,
    parse_day,
    parse_number,
)


@pytest.mark.parametrize(("target", "answer", "expected"), [
    ("sex", "Female", "female"), ("sex", "F", "female"), ("sex", "жінка", "female"), ("sex", "Mężczyzna", "male"),
    ("sex", "boys", "male"), ("sex", "Prefer not to say", "other"), ("sex", "Total", "all"), ("sex", "robot", None),
    ("age_band", "18–59", "18-59"), ("age_band", "60 and over", "60+"), ("age_band", "34", "18-59"),
    ("age_band", "4", "0-4"), ("age_band", "5", "5-11"), ("age_band", "17", "12-17"), ("age_band", "60", "60+"),
    ("age_band", "adult", None),
    ("population_group", "IDPs", "idp"), ("population_group", "Host community", "host"),
    ("population_group", "REF", "refugee"), ("population_group", "migrant", None),
    ("disability", "Yes", "yes"), ("disability", "maybe", None),
    ("location", "Odesa Oblast", "UA51"), ("location", "UA-30", "UA80"), ("location", "PL-14", "PL14"),
    ("location", "Vilniaus apskritis", "LT10"), ("location", "Narnia", None),
    ("activity", "2.1 Person-focused psychosocial work", "2.1"), ("activity", "3.2", "3.2"), ("activity", "PFA", None),
    ("indicator", " ppl_reached ", "PPL_REACHED"), ("org_type", "INGO", "ingo"), ("org_type", "charity", None),
])
def test_normalise(target: str, answer: str, expected: str | None) -> None:
    assert normalise(target, answer) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-03", date(2025, 3, 1)), ("2025-03-15", date(2025, 3, 15)),
    ("2022-01-07T10:37:39.565-00:00", date(2022, 1, 7)), ("2025-02-30", None), ("March 2025", None), (None, None),
])
def test_parse_day(text: str | None, expected: date | None) -> None:
    assert parse_day(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("1256568", 1256568.0), ("1 256 568", 1256568.0), ("1,256,568", 1256568.0), (85000, 85000.0), ("", None),
    ("n/a", None), (True, None),
])
def test_parse_number(text: object, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_values_melt_wide_columns_and_aggregate_per_month() -> None:
    mapping = FactMapping.parse({
        "indicator": "PPL_REACHED", "organisation": {"field": "org"}, "location": {"field": "oblast"},
        "date": {"field": "month"}, "values": [{"field": "girls", "sex": "female", "age_band": "0-4"},
                                               {"field": "boys", "sex": "male", "age_band": "0-4"}],
    }, "test", "wide form")
    records = [Record({"org": "NGO A", "oblast": "Lviv", "month": "2025-03-02", "girls": "3", "boys": "4"}, "r1"),
               Record({"org": "NGO A", "oblast": "UA46", "month": "2025-03-20", "girls": "1", "boys": ""}, "r2"),
               Record({"org": "NGO A", "oblast": "Lviv", "month": "someday", "girls": "1", "boys": "1"}, "r3")]
    problems = Problems()
    facts = aggregate(collect_rows(mapping, records, problems), "ActivityInfo: wide form")
    assert sorted(facts[["sex", "value", "note"]].itertuples(index=False, name=None)) == [
        ("female", 4.0, "2 records"), ("male", 4.0, "1 record")]
    assert set(facts["period_start"]) == {date(2025, 3, 1)} and set(facts["period_end"]) == {date(2025, 3, 31)}
    assert problems.lines("wide form") == ["wide form: 1 record(s) skipped: date 'someday' is not a date (e.g. r3)"]
