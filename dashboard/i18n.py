"""The interface language: one gettext message catalogue, the current language and locale formatting.

Interface text is written in English in the code, marked with :func:`_` (or :func:`ngettext` for counts,
:func:`N_` for module-level constants translated where they are shown) and translated through the
catalogue in ``dashboard/locales/<lang>/LC_MESSAGES/messages.po``: plain gettext files any translator's
tool (Poedit, Weblate, Lokalise) edits. They are read with Babel and compiled in memory, once per process,
so there is no build step and no binary in the repository. See README "Languages" for the translator's
workflow (``pybabel extract`` / ``update``).

The current language lives in a context variable set by ``dashboard.ui.setup_page`` at the start of each
script run (each run has its own thread), so :func:`_` needs no argument. Anything cached must not call
:func:`_`: cached functions return codes and numbers, and labels are translated where they are rendered
(or the language is part of the cache key).

Numbers, dates and months are formatted per locale with Babel: ``1 234,5`` and ``23 листопада 2026`` in
Ukrainian, ``1 234,5`` and ``23 listopada 2026`` in Polish, ``1,234.5`` and ``23 November 2026`` in
English. Machine-readable exports (CSV) never go through these functions.

This module sits at the bottom of the dependency graph beside the settings: ``data_sources`` and ``geo`` may
use it (import validation messages are translated on the Import page); it never imports streamlit.
"""

from __future__ import annotations

import gettext
import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT = "en"
#: Language code -> its name in that language (what the sidebar shows).
LANGUAGES: dict[str, str] = {"en": "English", "uk": "Українська", "pl": "Polski"}
#: Babel locale per language: Ukrainian and Polish as used in Ukraine and Poland.
_LOCALES = {"en": "en_GB", "uk": "uk_UA", "pl": "pl_PL"}

_current: ContextVar[str] = ContextVar("mhpss_language", default=DEFAULT)


def normalise(code: object) -> str | None:
    """A supported language code from ``uk``, ``uk-UA``, ``pl_PL``, ``EN``…; None when not supported."""
    if not isinstance(code, str) or not code.strip():
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    if base == "ua":  # a common mistake for Ukrainian (UA is the country)
        base = "uk"
    return base if base in LANGUAGES else None


def set_language(code: str | None) -> str:
    """Make ``code`` (or English when unsupported) the current language; return what was set."""
    lang = normalise(code) or DEFAULT
    _current.set(lang)
    return lang


def current() -> str:
    """The current language code (``en``, ``uk`` or ``pl``)."""
    return _current.get()


@contextmanager
def language(code: str) -> Iterator[str]:
    """Temporarily switch the language (briefings and exports built for a chosen language, tests)."""
    token = _current.set(normalise(code) or DEFAULT)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (English and a missing file: no translation)."""
    path = po_path(lang)
    if lang == DEFAULT or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=_LOCALES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """``message`` in the current language."""
    return translations(current()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark ``message`` for the catalogue without translating it now (module-level constants)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The right plural form for ``n`` in the current language (Ukrainian and Polish have three)."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, disambiguated by ``context`` (e.g. 'May' the month)."""
    return translations(current()).pgettext(context, message)


# --- locale formatting ---


def babel_locale(lang: str | None = None) -> Locale:
    return Locale.parse(_LOCALES[lang or current()])


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """``1234.5`` -> ``1,234.5`` / ``1 234,5``; whole numbers without decimals, others with one (or
    ``decimals``); None/NaN -> ``–``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 1
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return babel_numbers.format_decimal(value, format=pattern, locale=babel_locale(), decimal_quantization=True)


def format_percent(value: float | None, decimals: int = 0) -> str:
    """``31.4`` -> ``31%`` / ``31 %`` (value already in percent)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return babel_numbers.format_percent(value / 100.0, locale=babel_locale(),
                                        format=None if not decimals else "#,##0." + "0" * decimals + "%")


def format_date(value: date | datetime | None) -> str:
    """``23 November 2026`` / ``23 листопада 2026`` / ``23 listopada 2026``; None -> ``–``."""
    if value is None:
        return "–"
    day = value.date() if isinstance(value, datetime) else value
    return babel_dates.format_date(day, format="d MMMM y", locale=babel_locale())


def format_datetime(value: datetime | None) -> str:
    """Date and time to the minute (``23 November 2026, 14:05``)."""
    if value is None:
        return "–"
    return f"{format_date(value)}, {value:%H:%M}"


def format_month(month: str, *, short: bool = False) -> str:
    """``'2026-11'`` -> ``November 2026`` / ``листопад 2026`` / ``listopad 2026`` (standalone month name);
    ``short``: ``Nov 2026`` / ``лист. 2026`` / ``lis 2026``."""
    when = date(int(month[:4]), int(month[5:7]), 1)
    pattern = "LLL y" if short else "LLLL y"
    return babel_dates.format_date(when, format=pattern, locale=babel_locale())


def d3_locale(lang: str | None = None) -> dict[str, object]:
    """Vega-Lite number format locale (decimal mark, thousands separator) for charts."""
    symbols = babel_locale(lang).number_symbols.get("latn", {})
    group = symbols.get("group", ",")
    return {"decimal": symbols.get("decimal", "."), "thousands": group.replace("\u202f", "\u00a0"),
            "grouping": [3], "currency": ["", ""]}
