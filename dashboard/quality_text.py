"""Data-quality findings in words, in the reader's language: :class:`Text`, a message kept as its English
template and its values, and translated only when it is read (``str(text)``).

The checks (validation rules, outliers, duplicates, staleness) are ``compute_*`` functions whose results may
be cached, computed once for several readers, or written by the importer in the command line; so a finding
holds no translated text. Its message is put into words when it is shown, through the catalogue
(:func:`dashboard.i18n._`), with numbers, percentages, dates and durations formatted for the current
language (Babel) and vocabulary codes shown as their labels.

Templates are marked with ``N_`` where they are written (so the catalogue extraction finds them) and have
named placeholders. They have no plural forms: a count comes after a colon or in brackets (``rows: 3``), or
as a Babel-formatted duration (:class:`Ago`), which reads right in every language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_timedelta
from babel.lists import format_list

from dashboard import format as fmt
from dashboard import i18n
from dashboard.i18n import _


@dataclass(frozen=True)
class Num:
    """A number shown with ``decimals`` (None: none for whole numbers, else as many as needed up to 2), with
    a ``+``/``−`` sign (``sign``) or as a percentage of 100 (``percent``)."""

    value: float
    decimals: int | None = None
    sign: bool = False
    percent: bool = False

    def __str__(self) -> str:
        value = float(self.value)
        if math.isnan(value):
            return "–"
        decimals = self.decimals
        if decimals is None:
            decimals = 0 if value.is_integer() else (1 if round(value, 1) == value else 2)
        if self.percent:
            return i18n.format_percent(value, decimals)
        text = i18n.format_number(abs(value) if self.sign else value, decimals)
        if self.sign:
            return ("+" if value > 0 else "−" if value < 0 else "±") + text
        return text


@dataclass(frozen=True)
class Label:
    """A vocabulary code (``population_group`` ``refugee``) shown as its label in the reader's language."""

    dimension: str
    code: str

    def __str__(self) -> str:
        return fmt.label(self.dimension, self.code)


@dataclass(frozen=True)
class Ago:
    """How long ago, in whole days (``70 days ago``, ``70 днів тому``, ``70 dni temu``)."""

    days: int

    def __str__(self) -> str:
        return format_timedelta(timedelta(days=-self.days), granularity="day", threshold=100_000,
                                add_direction=True, locale=i18n.babel_locale())


@dataclass(frozen=True)
class Month:
    """A ``YYYY-MM`` month by name (``December 2026``, ``грудень 2026``); anything else as it is."""

    month: str

    def __str__(self) -> str:
        try:
            return i18n.format_month(self.month)
        except ValueError:
            return self.month


@dataclass(frozen=True)
class And:
    """Items listed with the language's conjunction (``sex and age band``, ``статтю і віковою групою``)."""

    items: tuple[object, ...]

    def __str__(self) -> str:
        return format_list([show(i) for i in self.items], locale=i18n.babel_locale())


@dataclass(frozen=True)
class Text:
    """A message: its English ``template`` (marked with ``N_``) and its named ``values``, put into words in the
    current language when it is read. Values are shown with :func:`show`."""

    template: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, template: str, **values: object) -> Text:
        return cls(template, tuple(values.items()))

    def __str__(self) -> str:
        shown = {name: show(value) for name, value in self.values}
        try:
            return _(self.template).format(**shown)
        except (KeyError, IndexError, ValueError):  # a translation with a broken placeholder: say it in English
            return self.template.format(**shown)


def show(value: object) -> str:
    """A value of a :class:`Text` for people: numbers and dates per locale, texts and labels translated,
    tuples as a comma-separated list, anything else as it is."""
    if isinstance(value, bool) or value is None:
        return str(value or "")
    if isinstance(value, int | float):
        return str(Num(float(value)))
    if isinstance(value, datetime | date):
        return i18n.format_date(value)
    if isinstance(value, tuple):
        return ", ".join(show(v) for v in value)
    if hasattr(value, "dtype") and hasattr(value, "item"):  # a numpy scalar
        return show(value.item())
    return str(value)
