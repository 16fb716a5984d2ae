"""Domain names in the reader's language: indicator names, definitions and units, activity names and
admin-area names. These translations live in the data (per-language columns of the indicators and
activities tables, the local name of each admin area), not in the message catalogue; interface words
(organisation types, population groups, sexes, age bands, pyramid layers) go through the catalogue.

Functions take the current language from :mod:`dashboard.i18n`; they never modify the frames they get
(those are shared cache entries).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard import i18n, vocab

#: Indicator fields that have per-language columns (``name_uk``, ``definition_pl``…).
INDICATOR_FIELDS = ("name", "definition", "unit")
#: Which language an admin area's local name is written in, by country (ISO 3166-1 alpha-3).
LOCAL_LANGUAGE = {"UKR": "uk", "POL": "pl", "LTU": "lt"}


def _pick(row: Mapping[str, object] | pd.Series, field: str, lang: str) -> str:
    if lang != i18n.DEFAULT:
        value = row.get(f"{field}_{lang}")
        if isinstance(value, str) and value.strip():
            return value
    value = row.get(field)
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def indicator_text(indicator: Mapping[str, object] | pd.Series, field: str = "name") -> str:
    """An indicator's ``name``, ``definition`` or ``unit`` in the current language (English when the
    data has no translation)."""
    return _pick(indicator, field, i18n.current())


def localized_indicators(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the indicator catalogue with ``name``, ``definition`` and ``unit`` in the current language."""
    lang = i18n.current()
    out = frame.copy()
    if lang == i18n.DEFAULT:
        return out
    for field in INDICATOR_FIELDS:
        column = f"{field}_{lang}"
        if column in out.columns:
            translated = out[column].astype("str")
            usable = out[column].notna() & (translated.str.strip() != "")
            out[field] = out[field].where(~usable, translated)
    return out


def indicator_names(frame: pd.DataFrame) -> dict[str, str]:
    """Indicator code -> name in the current language."""
    local = localized_indicators(frame)
    return dict(zip(local["code"].astype("str"), local["name"].astype("str"), strict=True))


def activity_names(frame: pd.DataFrame) -> dict[str, str]:
    """Activity code -> name in the current language (English when the data has no translation)."""
    lang = i18n.current()
    return {str(row["code"]): _pick(row, "name", lang) for _i, row in frame.iterrows()}


def area_name(row: Mapping[str, object] | pd.Series) -> str:
    """An admin area's name for the current reader: its local name when the reader's language is the area's
    own (Ukrainian oblasts in Ukrainian, Polish voivodeships in Polish, capitalised as a label:
    ``mazowieckie`` -> ``Mazowieckie``), else the English name. A whole country (admin level 0) is named in
    the reader's language (``Польща``)."""
    lang = i18n.current()
    country = str(row.get("country"))
    if str(row.get("admin_level")) == "0" and country in vocab.COUNTRIES:
        return vocab.label("country", country)
    local = row.get("name_local")
    if lang != i18n.DEFAULT and LOCAL_LANGUAGE.get(country) == lang and isinstance(local, str) and local.strip():
        return local[:1].upper() + local[1:]
    return str(row.get("name_en"))


def area_names(locations: pd.DataFrame, key: str = "pcode") -> dict[str, str]:
    """``key`` (``pcode`` or ``iso_code``) -> area name for the current reader, for every location."""
    return {str(row[key]): area_name(row) for _i, row in locations.iterrows() if isinstance(row[key], str)}
