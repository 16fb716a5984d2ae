"""Every page in Ukrainian and Polish: it runs without an exception, and no English interface text is left on it.

"English interface text" is checked against the message catalogue: every message the code marks for
translation (``dashboard.i18n_tools.extract``) whose translation in the page's language differs from the
English (or is missing) must not appear in what the page shows: titles, Markdown, captions, alerts, widget
labels, help texts and options, metric labels, table headers and cells, expander and tab labels, chart
titles and legends. Messages with placeholders are matched with the placeholders as wildcards.

The pages run in the local single-user mode (full rights, as the other page tests), so the Admin, Import
and Sources pages show everything; the public view of the public pages is checked as well (it shows other
texts: the privacy footnote, the public-view label).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import i18n, i18n_tools
from tests.pages.conftest import REPO_ROOT, no_exception, run_page

PAGES = ["Home.py", *sorted(f"pages/{p.name}" for p in (REPO_ROOT / "pages").glob("*.py"))]
PUBLIC_PAGES = ["Home.py", "pages/1_Indicators.py", "pages/3_Map.py", "pages/6_Sources.py"]
LANGS = ["uk", "pl"]
MIN_WORD = 4  # a one-word message shorter than this ("To", "Map") is too likely to be data or a code
MIN_PHRASE = 8

# --- what the page shows ------------------------------------------------------------------------------------

_TEXT_TYPES = {"title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
               "toast", "text", "exception"}


@dataclass(frozen=True)
class Shown:
    """One piece of text on the page: ``kind`` is ``text`` (prose, searched for phrases) or ``cell`` (a table
    cell, an option, chart data: compared whole)."""

    kind: str
    where: str
    text: str


def _attr(node: object, name: str) -> object:
    try:
        return getattr(node, name, None)
    except Exception:  # noqa: BLE001 - some element properties need state a finished run does not have
        return None


def _chart_texts(spec: object, where: str) -> Iterator[Shown]:
    """Titles (the chart's, axes', legends'), text marks, and the strings in the chart's inline data and scale
    domains (legend entries, axis labels)."""
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key == "title":
                titles = value.get("text") if isinstance(value, dict) else value
                for title in titles if isinstance(titles, list) else [titles]:
                    if isinstance(title, str):
                        yield Shown("text", where, title)
            elif key == "datasets" and isinstance(value, dict):
                for rows in value.values():
                    for row in rows if isinstance(rows, list) else []:
                        values = row.values() if isinstance(row, dict) else []
                        yield from (Shown("cell", f"{where} data", v) for v in values if isinstance(v, str))
            elif isinstance(value, dict | list):
                yield from _chart_texts(value, where)
            elif isinstance(value, str) and key in ("text", "label", "description"):
                yield Shown("text", where, value)
    elif isinstance(spec, list):
        for item in spec:
            if isinstance(item, str):
                yield Shown("cell", where, item)
            else:
                yield from _chart_texts(item, where)


def _frame_texts(frame: pd.DataFrame, where: str) -> Iterator[Shown]:
    for column in frame.columns:
        yield Shown("cell", f"{where} header", str(column))
    for column in frame.columns:
        for value in frame[column].dropna().unique()[:200]:
            if isinstance(value, str):
                yield Shown("cell", where, value)


def shown_texts(at: AppTest) -> list[Shown]:
    """Every text the page shows (main area and sidebar), by kind."""
    out: list[Shown] = []

    def walk(node: object) -> None:
        kind = str(_attr(node, "type"))
        if kind == "code":  # the "link to this view" box: a URL
            return
        if kind in _TEXT_TYPES:
            value = _attr(node, "value")
            if isinstance(value, str):
                out.append(Shown("text", kind, value))
        for name in ("label", "help", "placeholder", "delta"):
            value = _attr(node, name)
            if isinstance(value, str) and value:
                out.append(Shown("text" if name == "help" else "cell", f"{kind} {name}", value))
        options = _attr(node, "options")
        if isinstance(options, list | tuple):
            out.extend(Shown("cell", f"{kind} option", str(o)) for o in options)
        if kind == "metric":
            value = _attr(node, "value")
            if isinstance(value, str):
                out.append(Shown("cell", "metric value", value))
        if kind in ("dataframe", "table"):
            value = _attr(node, "value")
            if isinstance(value, pd.DataFrame):
                out.extend(_frame_texts(value, kind))
        proto = _attr(node, "proto")
        if kind == "vega_lite_chart" and proto is not None:
            out.extend(_chart_texts(json.loads(proto.spec), "chart"))
        elif kind not in _TEXT_TYPES and proto is not None and not _attr(node, "label"):
            label = getattr(proto, "label", None)  # page links, file uploaders and other plain elements
            if isinstance(label, str) and label:
                out.append(Shown("cell", f"{kind} label", label))
        children = _attr(node, "children")
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    return out


# --- the catalogue's English ----------------------------------------------------------------------------------

_ICON = re.compile(r":material/[a-z0-9_]+:")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_ESCAPE = re.compile(r"\\(.)")


def normalise(text: str) -> str:
    """Text as read: no Markdown emphasis, escapes, links or icons; single spaces."""
    text = _LINK.sub(r"\1", _ICON.sub("", text))
    text = _ESCAPE.sub(r"\1", text).replace("**", "").replace("`", "")
    return " ".join(text.split())


@dataclass(frozen=True)
class English:
    msgid: str
    pattern: re.Pattern[str] | None  # phrases and messages with placeholders; None: a word compared whole
    word: str | None


def _pattern(msgid: str) -> English | None:
    text = normalise(msgid)
    parts = i18n_tools.PLACEHOLDER.split(text)
    literal = "".join(parts)
    if len(parts) > 1:  # placeholders: the longest literal part must be a phrase, else anything matches
        longest = max(parts, key=len).strip()
        if len(longest) < MIN_PHRASE or " " not in longest:
            return None
        body = r"[^\n]{0,300}?".join(re.escape(p) for p in parts)
    elif " " in literal.strip():
        if len(literal) < MIN_PHRASE:
            return None
        body = re.escape(literal)
    else:
        word = literal.strip()
        return English(msgid, None, word) if len(word) >= MIN_WORD and re.search(r"[^\W\d_]", word) else None
    start = r"(?<!\w)" if re.match(r"\w", literal.lstrip()) else ""
    end = r"(?!\w)" if re.search(r"\w$", literal.rstrip()) else ""
    return English(msgid, re.compile(start + body + end), None)


@cache
def english_messages(lang: str) -> tuple[English, ...]:
    """The catalogue's messages a page in ``lang`` must not show in English: those whose translation differs
    from the English text or is missing."""
    with i18n.po_path(lang).open("rb") as handle:
        from babel.messages.pofile import read_po

        catalog = read_po(handle, locale=i18n._LOCALES[lang])
    out: dict[str, English] = {}
    for message in i18n_tools.extract():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        found = catalog.get(message.id, message.context)
        strings = () if found is None else found.string if isinstance(found.string, tuple | list) else (found.string,)
        for index, msgid in enumerate(ids):
            translated = str(strings[min(index, len(strings) - 1)]) if strings else ""
            if translated == msgid:
                continue  # the same in both languages (a product name, "{when} UTC")
            english = _pattern(msgid)
            if english is not None:
                out.setdefault(msgid, english)
    return tuple(out.values())


def english_left(at: AppTest, lang: str) -> list[str]:
    """The catalogue's English messages the page shows, with where: 'subheader: "Audit log"'."""
    shown = [Shown(s.kind, s.where, normalise(s.text)) for s in shown_texts(at)]
    cells: dict[str, str] = {}
    for item in shown:
        cells.setdefault(item.text, item.where)
    prose = [item for item in shown if item.kind == "text"] + [item for item in shown if item.kind == "cell"]
    left = []
    for english in english_messages(lang):
        if english.word is not None:
            if english.word in cells:
                left.append(f"{cells[english.word]}: {english.msgid!r}")
            continue
        assert english.pattern is not None
        hit = next((item for item in prose if english.pattern.search(item.text)), None)
        if hit is not None:
            left.append(f"{hit.where}: {english.msgid[:90]!r}")
    return sorted(left)


# --- the tests ----------------------------------------------------------------------------------------------


def page_title(path: str) -> str:
    """The English title the page passes to setup_page (``N_("...")``)."""
    tree = ast.parse((REPO_ROOT / path).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "setup_page":
            arg = node.args[0]
            if isinstance(arg, ast.Call) and isinstance(arg.args[0], ast.Constant):
                return str(arg.args[0].value)
    raise AssertionError(f"{path}: no setup_page(N_(...)) title")


def fail_if_english(left: list[str], page: str) -> None:
    if left:
        pytest.fail(f"{page}: {len(left)} English interface string(s) left:\n  " + "\n  ".join(left), pytrace=False)


def open_public(path: str, lang: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MHPSS_VIEW", "public")
    return run_page(path, lang=lang)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PAGES)
def test_every_page_runs_in_the_language_with_no_english_left(path: str, lang: str) -> None:
    at = run_page(path, lang=lang)
    no_exception(at)
    with i18n.language(lang):
        title, language_label = i18n._(page_title(path)), i18n._("Language")
    assert at.title[0].value == title
    assert at.sidebar.selectbox(key="w_lang").value == lang
    assert language_label in at.sidebar.selectbox(key="w_lang").label and language_label != "Language"
    fail_if_english(english_left(at, lang), f"{path} in {lang}")


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_the_public_view_has_no_english_left(path: str, lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_public(path, lang, monkeypatch)
    no_exception(at)
    fail_if_english(english_left(at, lang), f"{path} (public view) in {lang}")


def test_switching_the_language_in_the_sidebar_keeps_the_filters() -> None:
    at = run_page("pages/1_Indicators.py", country="POL", period="last_month")
    no_exception(at)
    assert at.sidebar.multiselect(key="w_country").options == ["Ukraine", "Poland", "Lithuania"]
    at.sidebar.selectbox(key="w_lang").select("uk").run()
    no_exception(at)
    assert at.query_params["lang"] == "uk"
    assert at.query_params["country"] == "POL" and at.query_params["period"] == "last_month"
    countries = at.sidebar.multiselect(key="w_country")
    assert countries.value == ["POL"] and countries.options == ["Україна", "Польща", "Литва"]
    assert countries.label == "Країна"
    assert at.sidebar.selectbox(key="w_preset").value == "last_month"
    assert at.sidebar.selectbox(key="w_preset").options[0] == "Останній повний місяць"
    # AppTest formats the other widgets' values in the test's thread with their format_func: in the
    # language they were drawn in (Ukrainian), or their values are not found among their options.
    with i18n.language("uk"):
        at.sidebar.selectbox(key="w_lang").select("en").run()
    no_exception(at)
    assert at.sidebar.multiselect(key="w_country").label == "Country"
    assert at.query_params["country"] == "POL" and at.query_params.get("lang") in (None, "en")


def test_the_status_line_and_empty_state_are_in_the_language() -> None:
    at = run_page("pages/2_Explorer.py", lang="uk", country="LTU", group="idp")
    no_exception(at)
    status = next(c.value for c in at.caption if "**Період:**" in c.value)
    assert "**Дані:**" in status and "звітів, останній місяць — " in status
    assert any("Розширте період або приберіть фільтр на бічній панелі." in i.value for i in at.info)
    demo = next(i.value for i in at.info if i.value.startswith("**Демонстраційні дані.**"))
    number = re.search(r"Серед цих звітів ([\d\u00a0]+) синтетичн", demo)
    assert number and "\u00a0" in number.group(1)  # thousands grouped with a no-break space: "19 999"


def test_the_check_finds_english_where_it_is_left() -> None:
    """The same check over the English page lists its interface text (so a pass above means something)."""
    at = run_page("pages/7_Admin.py")
    left = "\n".join(english_left(at, "uk"))
    for expected in ("subheader: 'Audit log'", "multiselect label: 'Indicators in the public view'",
                     "dataframe header: 'published'", "caption: '{n} entries (newest first; at most {limit}) of {total}",
                     "selectbox label: 'Language'",
                     "info: '**Local single-user mode**"):
        assert expected in left, left
