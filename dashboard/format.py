"""Number, date and label formatting for people: thousands separators, no float noise."""

from __future__ import annotations

import math
from datetime import date, datetime

from dashboard.vocab import AGE_BANDS, COUNTRIES, DISABILITY, ORG_TYPES, POPULATION_GROUPS, SEX


def number(value: float | int | None, unit: str = "") -> str:
    """1234567.0 -> '1,234,567'; 12.5 -> '12.5'; None/NaN -> '–'; unit '%…' -> '31%'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
    return f"{text}%" if unit.startswith("%") else text


def percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f}%"


def signed(value: float) -> str:
    """+1,234 / −56 / ±0."""
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    return f"{sign}{number(abs(value))}"


def day(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    return value.strftime("%-d %b %Y") if isinstance(value, date) else str(value)


def month_label(month: str) -> str:
    """'2024-03' -> 'Mar 2024'."""
    return datetime.strptime(month, "%Y-%m").strftime("%b %Y")


LABELS = {
    "sex": SEX, "age_band": AGE_BANDS, "population_group": POPULATION_GROUPS, "disability": DISABILITY,
    "org_type": ORG_TYPES, "country": COUNTRIES,
}


def label(dimension: str, code: object) -> str:
    """Human label of a coded value ('ingo' -> 'International NGO')."""
    return LABELS.get(dimension, {}).get(str(code), str(code))
