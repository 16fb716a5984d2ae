"""Number, date and label formatting for people, in the current language: thousands separators, no float
noise, month and day names, vocabulary labels.

Thin wrappers over :mod:`dashboard.i18n` (Babel): ``1,234.5`` / ``1 234,5``; ``Mar 2024`` / ``бер. 2024`` /
``mar 2024``; ``8 Oct 2026`` / ``8 жовтня 2026`` / ``8 października 2026``. English keeps the compact forms
the pages have always shown (``Sep``, not CLDR's ``Sept``). Machine-readable files (CSV, JSON) never go
through this module.
"""

from __future__ import annotations

from datetime import date, datetime

from dashboard import i18n
from dashboard.vocab import VOCABULARIES
from dashboard.vocab import label as label
from dashboard.vocab import labels as labels

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, pd.NA-safe enough for scalars
    except (TypeError, ValueError):
        return True


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() or abs(value) >= 100 else 1


def number(value: float | int | None, unit: str = "") -> str:
    """1234567.0 -> ``1,234,567`` (``1 234 567`` in Ukrainian and Polish); 12.5 -> ``12.5`` / ``12,5``;
    None/NaN -> ``–``; a unit starting with ``%`` -> ``31%``. Whole numbers and numbers of 100 or more
    without decimals, others with one."""
    if _missing(value):
        return "–"
    assert value is not None
    if unit.startswith("%"):
        return i18n.format_percent(float(value), decimals=_decimals(value))
    return i18n.format_number(value, decimals=_decimals(value))


def percent(value: float | None) -> str:
    """31.4 -> ``31%`` (the value is already in percent); None/NaN -> ``–``."""
    if _missing(value):
        return "–"
    assert value is not None
    return i18n.format_percent(float(value))


def signed(value: float) -> str:
    """+1,234 / −56 / ±0 (a change, with its sign)."""
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    return f"{sign}{number(abs(value))}"


def day(value: date | datetime | None) -> str:
    """``8 Oct 2026`` / ``8 жовтня 2026`` / ``8 października 2026``; None -> ``–``."""
    if _missing(value):
        return "–"
    if not isinstance(value, date):
        return str(value)
    if i18n.current() == i18n.DEFAULT:
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    return i18n.format_date(value)


def day_time(value: datetime | None) -> str:
    """A date and time to the minute: ``8 Oct 2026, 14:05`` / ``8 жовтня 2026, 14:05``."""
    if _missing(value) or not isinstance(value, datetime):
        return day(value)
    return f"{day(value)}, {value:%H:%M}"


def month_label(month: str) -> str:
    """``'2024-03'`` -> ``Mar 2024`` / ``бер. 2024`` / ``mar 2024`` (short: table headers, axes, selectboxes)."""
    if i18n.current() == i18n.DEFAULT:
        return f"{_EN_MONTHS[int(month[5:7]) - 1]} {month[:4]}"
    return i18n.format_month(month, short=True)


def month_long(month: str | date) -> str:
    """``'2024-03'`` or a date -> ``March 2024`` / ``березень 2024`` / ``marzec 2024`` (running text)."""
    text = f"{month.year:04d}-{month.month:02d}" if isinstance(month, date) else month
    return i18n.format_month(text)


#: Kept for older callers: dimension -> code -> English label (use :func:`label` to show one).
LABELS = VOCABULARIES
