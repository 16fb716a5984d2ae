"""The message catalogue and locale formatting: every message used in the code translated into Ukrainian and
Polish with its placeholders and plural forms; numbers and dates as each language writes them; the
language codes the app accepts; the catalogue checker itself catches what it should."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from dashboard import i18n, i18n_tools
from dashboard.i18n import _, format_date, format_datetime, format_month, format_number, ngettext, normalise

NBSP = "\u00a0"  # Babel's group separator in Ukrainian and Polish: a no-break space, so 1 234 never wraps

# --- the real catalogue ------------------------------------------------------------------------------------


def test_every_message_in_the_code_is_translated_with_its_placeholders_and_plural_forms() -> None:
    problems = i18n_tools.check()
    by_kind: dict[str, list[str]] = {}
    for problem in problems:
        by_kind.setdefault(f"{problem.lang}: {problem.reason.split(':')[0]}", []).append(problem.message)
    summary = "\n".join(f"{kind} ({len(ids)}): " + "; ".join(repr(i[:70]) for i in ids[:40])
                        for kind, ids in sorted(by_kind.items()))
    if problems:
        pytest.fail(f"{len(problems)} catalogue problem(s); run python -m dashboard.i18n_tools check\n{summary}",
                    pytrace=False)


def test_the_catalogues_declare_three_plural_forms() -> None:
    for lang in i18n_tools.TRANSLATED:
        assert i18n.po_path(lang).exists(), lang
        assert i18n.translations(lang).ngettext("x", "xs", 5) in ("x", "xs")  # reads and compiles
    assert [i18n.translations("uk").plural(n) for n in (1, 2, 5, 21, 22, 25, 11, 12)] == [0, 1, 2, 0, 1, 2, 2, 2]
    assert [i18n.translations("pl").plural(n) for n in (1, 2, 5, 21, 22, 25, 11, 12)] == [0, 1, 2, 2, 1, 2, 2, 2]


# One message the Admin page shows, with three different words in both languages (one / few / many).
CHANGES = ("Save publishing ({n} change)", "Save publishing ({n} changes)")


@pytest.mark.parametrize(("lang", "n", "expected"), [
    ("uk", 1, "Зберегти публікацію (1 зміна)"),
    ("uk", 2, "Зберегти публікацію (2 зміни)"),
    ("uk", 5, "Зберегти публікацію (5 змін)"),
    ("uk", 21, "Зберегти публікацію (21 зміна)"),
    ("uk", 22, "Зберегти публікацію (22 зміни)"),
    ("uk", 25, "Зберегти публікацію (25 змін)"),
    ("uk", 11, "Зберегти публікацію (11 змін)"),
    ("uk", 12, "Зберегти публікацію (12 змін)"),
    ("pl", 1, "Zapisz publikację (1 zmiana)"),
    ("pl", 2, "Zapisz publikację (2 zmiany)"),
    ("pl", 5, "Zapisz publikację (5 zmian)"),
    ("pl", 21, "Zapisz publikację (21 zmian)"),
    ("pl", 22, "Zapisz publikację (22 zmiany)"),
    ("pl", 25, "Zapisz publikację (25 zmian)"),
    ("pl", 11, "Zapisz publikację (11 zmian)"),
    ("pl", 12, "Zapisz publikację (12 zmian)"),
    ("en", 1, "Save publishing (1 change)"),
    ("en", 21, "Save publishing (21 changes)"),
])
def test_plural_forms(lang: str, n: int, expected: str) -> None:
    with i18n.language(lang):
        assert ngettext(*CHANGES, n).format(n=n) == expected


def test_a_staleness_sentence_counts_days_in_each_language() -> None:
    from dashboard.staleness import SourceAge

    def sentence(days: int) -> str:
        return SourceAge("unhcr", datetime(2026, 11, 1), days, 7).sentence

    with i18n.language("uk"):
        assert [sentence(n) for n in (1, 3, 9, 21)] == [
            "Дані UNHCR не оновлювалися 1 день", "Дані UNHCR не оновлювалися 3 дні",
            "Дані UNHCR не оновлювалися 9 днів", "Дані UNHCR не оновлювалися 21 день"]
    with i18n.language("pl"):
        assert [sentence(n) for n in (1, 3, 9)] == [
            "Dane UNHCR nie były odświeżane od 1 dnia", "Dane UNHCR nie były odświeżane od 3 dni",
            "Dane UNHCR nie były odświeżane od 9 dni"]
    assert sentence(1) == "UNHCR figures are 1 day old" and sentence(9) == "UNHCR figures are 9 days old"


# --- locale formatting ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "number", "day", "month", "when"), [
    ("uk", f"1{NBSP}234,5", "23 листопада 2026", "листопад 2026", "23 листопада 2026, 14:05"),
    ("pl", f"1{NBSP}234,5", "23 listopada 2026", "listopad 2026", "23 listopada 2026, 14:05"),
    ("en", "1,234.5", "23 November 2026", "November 2026", "23 November 2026, 14:05"),
])
def test_numbers_and_dates_per_locale(lang: str, number: str, day: str, month: str, when: str) -> None:
    with i18n.language(lang):
        assert format_number(1234.5) == number
        assert format_date(date(2026, 11, 23)) == day
        assert format_date(datetime(2026, 11, 23, 14, 5)) == day
        assert format_month("2026-11") == month
        assert format_datetime(datetime(2026, 11, 23, 14, 5)) == when
        # What a reader sees: "1 234,5" with a space that never breaks the number over two lines.
        assert format_number(1234.5).replace(NBSP, " ") == {"en": "1,234.5"}.get(lang, "1 234,5")


@pytest.mark.parametrize(("lang", "big", "whole", "percent"), [
    ("uk", f"1{NBSP}234{NBSP}567", "12", "31%"),
    ("pl", f"1{NBSP}234{NBSP}567", "12", "31%"),
    ("en", "1,234,567", "12", "31%"),
])
def test_whole_numbers_and_percentages(lang: str, big: str, whole: str, percent: str) -> None:
    with i18n.language(lang):
        assert format_number(1234567) == big
        assert format_number(12.0) == whole
        assert i18n.format_percent(31.4) == percent
        assert format_number(None) == format_number(float("nan")) == "–"


def test_the_language_is_per_run_and_falls_back_to_english() -> None:
    assert i18n.current() == "en"
    with i18n.language("uk"):
        assert i18n.current() == "uk" and _("Reset filters") == "Скинути фільтри"
        with i18n.language("pl"):
            assert _("Reset filters") == "Wyczyść filtry"
        assert i18n.current() == "uk"
    with i18n.language("xx"):
        assert i18n.current() == "en" and _("Reset filters") == "Reset filters"
    assert _("a message nobody translated") == "a message nobody translated"


@pytest.mark.parametrize(("code", "expected"), [
    ("uk-UA", "uk"), ("uk", "uk"), ("UK", "uk"), ("ua", "uk"), ("pl_PL", "pl"), ("pl-pl", "pl"), ("PL", "pl"),
    ("en-US", "en"), ("en_GB", "en"), ("en", "en"), (" uk ", "uk"),
    ("xx", None), ("de-DE", None), ("", None), ("   ", None), (None, None), (42, None),
])
def test_normalise(code: object, expected: str | None) -> None:
    assert normalise(code) == expected


# --- the checker catches what it should ----------------------------------------------------------------------

PLURAL_UK = "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"


def _po(path: Path, lang: str, entries: list[tuple[object, object]]) -> None:
    catalog = Catalog(locale={"uk": "uk_UA", "pl": "pl_PL"}[lang], domain="messages")
    for msgid, msgstr in entries:
        catalog.add(msgid, msgstr)  # type: ignore[arg-type]
    with path.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run ``check()`` on a tiny code catalogue and hand-written uk/pl catalogues; returns the problems as text."""
    def run(code: list[object], uk: list[tuple[object, object]], pl: list[tuple[object, object]] | None = None
            ) -> list[str]:
        template = Catalog(domain="messages")
        for msgid in code:
            template.add(msgid)  # type: ignore[arg-type]
        _po(tmp_path / "uk.po", "uk", uk)
        _po(tmp_path / "pl.po", "pl", uk if pl is None else pl)
        monkeypatch.setattr(i18n_tools, "extract", lambda: template)
        monkeypatch.setattr(i18n_tools, "po_path", lambda lang: tmp_path / f"{lang}.po")
        monkeypatch.setattr(i18n_tools, "lint", lambda files=None: [])
        return [f"{p.lang}: {p.reason}" for p in i18n_tools.check()]
    return run


def test_checker_accepts_a_complete_catalogue(checker) -> None:  # type: ignore[no-untyped-def]
    plural = ("{n} change", "{n} changes")
    assert checker(["Reset filters", plural, "{when} UTC"],
                   [("Reset filters", "Скинути фільтри"), (plural, ("{n} зміна", "{n} зміни", "{n} змін")),
                    ("{when} UTC", "{when} UTC")]) == []


@pytest.mark.parametrize(("code", "translation", "reason"), [
    ("Reset filters", None, "no translation"),
    ("Reset filters", "", "no translation"),
    ("{n} reports up to {month}", "{n} звітів", "placeholders ['{month}'] dropped"),
    ("{n} reports", "{n} звітів {month}", "unknown placeholders ['{month}']"),
    ("{n} reports", "{n} звітів {", "cannot be formatted"),
    ("**Data:** {n}", "Дані: {n}", "bold marks (**) differ"),
    ("Only published indicators appear in the public view.", "Only published indicators appear in the public view.",
     "left in English"),
    (("{n} change", "{n} changes"), ("{n} зміна", "{n} зміни"), "2 plural forms, 3 needed"),
    (("{n} change", "{n} changes"), ("одна зміна", "{n} зміни", "{n} змін"), "placeholders ['{n}'] dropped"),
])
def test_checker_reports(checker, code: object, translation: object, reason: str) -> None:  # type: ignore[no-untyped-def]
    entries = [] if translation is None else [(code, translation)]
    problems = checker([code], entries)
    assert any(p.startswith("uk: " + reason) for p in problems), problems


def test_checker_names_positional_placeholders(checker) -> None:  # type: ignore[no-untyped-def]
    problems = checker(["{} reports"], [("{} reports", "{} звітів")])
    assert any("positional placeholder" in p for p in problems), problems


LINTED = '''from dashboard.i18n import N_, _, ngettext
LABELS = {"a": N_("Alpha")}
for _ in range(3):
    pass
def f(x):
    a = _(f"hello {x}")
    b = _("x" + x)
    c = _(LABELS["a"])
    d = _(LABELS.get(x, N_("Fallback")))
    e = _("fine {n}").format(n=1)
    g = _("bad {n}".format(n=1))
    h = ngettext("{n} a", "{n} b", 2) + _(LABELS[x])
    for y, _ in []:
        pass
    return [y for y, _ in []]
def fine():
    return [y for y, _ in []]
'''


def test_lint_finds_messages_the_extractor_cannot_see_and_a_shadowed_underscore(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text(LINTED, encoding="utf-8")
    found = {(p.message.rsplit(":", 1)[1], p.reason.split(":")[0]) for p in i18n_tools.lint([source])}
    assert found == {
        ("6", "_() of f'hello {x}'"), ("7", "_() of 'x' + x"), ("8", "_() of LABELS['a']"),
        ("9", "_() of LABELS.get(x, N_('Fallback'))"), ("11", "_() of 'bad {n}'.format(n=1)"),
        ("3", "'_' is rebound here but is the translation function"),
        ("13", "'_' is rebound here but is the translation function"),
    }


def test_the_repository_code_passes_the_lint() -> None:
    assert [str(p) for p in i18n_tools.lint()] == []
