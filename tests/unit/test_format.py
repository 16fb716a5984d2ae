"""Formatting for people in each language: numbers, percents, changes, days, months, vocabulary labels."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from dashboard import format as fmt
from dashboard import i18n

NB = "\u00a0"  # Babel's group separator in Ukrainian and Polish


@pytest.mark.parametrize(
    ("lang", "call", "expected"),
    [
        ("en", lambda: fmt.number(1234567.0), "1,234,567"),
        ("en", lambda: fmt.number(12.5), "12.5"),
        ("en", lambda: fmt.number(1234.5), "1,234"),  # 100 or more: no decimals
        ("en", lambda: fmt.number(None), "–"),
        ("en", lambda: fmt.number(float("nan")), "–"),
        ("en", lambda: fmt.number(31.4, "% of target"), "31.4%"),
        ("en", lambda: fmt.percent(31.4), "31%"),
        ("en", lambda: fmt.signed(-56), "−56"),
        ("en", lambda: fmt.signed(1234), "+1,234"),
        ("en", lambda: fmt.signed(0), "±0"),
        ("en", lambda: fmt.day(date(2026, 12, 10)), "10 Dec 2026"),
        ("en", lambda: fmt.day(datetime(2026, 9, 8, 14, 5)), "8 Sep 2026"),
        ("en", lambda: fmt.day_time(datetime(2026, 9, 8, 14, 5)), "8 Sep 2026, 14:05"),
        ("en", lambda: fmt.month_label("2026-09"), "Sep 2026"),
        ("en", lambda: fmt.month_long("2026-11"), "November 2026"),
        ("uk", lambda: fmt.number(1234.5), f"1{NB}234"),
        ("uk", lambda: fmt.number(12.5), "12,5"),
        ("uk", lambda: fmt.number(1234567), f"1{NB}234{NB}567"),
        ("uk", lambda: fmt.signed(1234), f"+1{NB}234"),
        ("uk", lambda: fmt.day(date(2026, 11, 23)), "23 листопада 2026"),
        ("uk", lambda: fmt.month_label("2026-11"), "лист. 2026"),
        ("uk", lambda: fmt.month_long(date(2026, 11, 23)), "листопад 2026"),
        ("pl", lambda: fmt.number(1234.0), f"1{NB}234"),
        ("pl", lambda: fmt.number(0.5, "%"), "0,5%"),
        ("pl", lambda: fmt.day(date(2026, 11, 23)), "23 listopada 2026"),
        ("pl", lambda: fmt.month_label("2026-03"), "mar 2026"),
        ("pl", lambda: fmt.month_long("2026-03"), "marzec 2026"),
    ],
)
def test_formats_per_language(lang: str, call, expected: str) -> None:  # type: ignore[no-untyped-def]
    with i18n.language(lang):
        assert call() == expected


def test_labels_are_translated_when_read() -> None:
    assert fmt.label("org_type", "ingo") == "International NGO"
    assert fmt.label("pyramid_layer", 3) == fmt.label("pyramid_layer", "3") == "3 Focused, non-specialised supports"
    assert fmt.label("country", "XXX") == "XXX" and fmt.label("no_such_dimension", "a") == "a"
    assert list(fmt.labels("sex", with_all=False)) == ["female", "male", "other"]
    with i18n.language("uk"):
        assert fmt.label("org_type", "ingo") == "Міжнародна НУО"
        assert fmt.labels("country") == {"UKR": "Україна", "POL": "Польща", "LTU": "Литва"}
    with i18n.language("pl"):
        assert fmt.label("population_group", "refugee") == "Uchodźcy"
        assert fmt.label("pyramid_layer", 4) == "4 Usługi specjalistyczne"
    assert fmt.label("org_type", "ingo") == "International NGO"  # the language came back
