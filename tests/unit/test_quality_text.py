"""Findings in words: a Text is put into words in the language current when it is read, with its values
formatted for that language."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from dashboard import i18n
from dashboard.quality_text import Ago, And, Month, Num, Text

VALUES = [
    # (value, en, uk, pl)
    (Num(2400), "2,400", "2\xa0400", "2\xa0400"),
    (Num(12.25), "12.25", "12,25", "12,25"),
    (Num(307.63, 1, sign=True), "+307.6", "+307,6", "+307,6"),
    (Num(-1.5, 1, sign=True), "−1.5", "−1,5", "−1,5"),
    (Num(float("nan")), "–", "–", "–"),
    (Num(2, percent=True), "2%", "2%", "2%"),
    (Ago(52), "52 days ago", "52 дні тому", "52 dni temu"),
    (Ago(46), "46 days ago", "46 днів тому", "46 dni temu"),
    (Ago(101), "101 days ago", "101 день тому", "101 dni temu"),
    (And(("Org A", "Org B", "Org C")), "Org A, Org B and Org C", "Org A, Org B і Org C", "Org A, Org B i Org C"),
    (Month("2026-12"), "December 2026", "грудень 2026", "grudzień 2026"),
    (Month("2026-13"), "2026-13", "2026-13", "2026-13"),
]


@pytest.mark.parametrize(("value", "en", "uk", "pl"), VALUES, ids=[v[1] for v in VALUES])
def test_values_in_each_language(value: object, en: str, uk: str, pl: str) -> None:
    assert [_in(lang, value) for lang in ("en", "uk", "pl")] == [en, uk, pl]


def _in(lang: str, value: object) -> str:
    with i18n.language(lang):
        return str(value)


def test_a_text_is_translated_when_read_not_when_made() -> None:
    text = Text.of("The last import was {when}.", when=Ago(70))
    assert str(text) == "The last import was 70 days ago."
    assert _in("uk", text) == "Останній імпорт був 70 днів тому."
    assert _in("pl", text) == "Ostatni import odbył się 70 dni temu."
    # A text can be cached or sent between processes and read in any language afterwards.
    assert _in("uk", pickle.loads(pickle.dumps(text))) == "Останній імпорт був 70 днів тому."


def test_dates_and_plain_values() -> None:
    text = Text.of("{organisation}: {start} to {end} (import #{batch}, {value}) overlaps {other_start} to {other_end} "
                   "(import #{other_batch}, {other_value}); the overlap is counted twice",
                   organisation="Org A", start=date(2025, 1, 1), end=date(2025, 3, 31), batch="12", value=1500.0,
                   other_start=date(2025, 2, 1), other_end=date(2025, 2, 28), other_batch="13", other_value=30)
    assert _in("pl", text) == ("Org A: 1 stycznia 2025 – 31 marca 2025 (import nr 12, 1\xa0500) nakłada się na "
                               "1 lutego 2025 – 28 lutego 2025 (import nr 13, 30); wspólna część okresów jest liczona "
                               "podwójnie")


def test_a_message_without_translation_stays_english() -> None:
    assert _in("uk", Text.of("Not in the catalogue: {n}", n=1234)) == "Not in the catalogue: 1\xa0234"
