"""Tables of cases for the cell parsers: counts, dates, vocabularies, HXL tags and the tag row."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from data_sources.importing import normalise as nz
from data_sources.importing.tags import TagSpec, classify, find_tag_row, parse_tag


@pytest.mark.parametrize("raw, expected", [
    ("12", 12.0), ("12.0", 12.0), (" 7 ", 7.0), ("1,234", 1234.0), ("1,234,567", 1234567.0), ("1 234", 1234.0),
    ("1\u00a0234", 1234.0), ("1\u202f234", 1234.0), ("12,5", 12.5), ("1.234,5", 1234.5), ("0", 0.0), ("-3", -3.0),
    ("1e3", 1000.0), ("45%", 45.0),
])
def test_counts(raw: str, expected: float) -> None:
    values, reasons = nz.parse_numbers(pd.Series([raw], dtype="str"))
    assert values.iloc[0] == expected and pd.isna(reasons.iloc[0])


@pytest.mark.parametrize("raw, reason", [
    ("many", "not a number"), ("#REF!", "formula error"), ("(5)", "negative number in brackets"),
    ("inf", "not a finite number"), ("12 people", "not a number"),
])
def test_counts_refused(raw: str, reason: str) -> None:
    values, reasons = nz.parse_numbers(pd.Series([raw], dtype="str"))
    assert np.isnan(values.iloc[0]) and reason in reasons.iloc[0]


@pytest.mark.parametrize("raw", ["", "N/A", "n/a", "NA", "(unknown)", "Not applicable", "-", "—", "#N/A", "null",
                                 " (Unknown) ", "не застосовується" if False else "н/д"])
def test_missing_values(raw: str) -> None:
    values, reasons = nz.parse_numbers(pd.Series([raw], dtype="str"))
    assert np.isnan(values.iloc[0]) and pd.isna(reasons.iloc[0])


@pytest.mark.parametrize("raw, expected, precision", [
    ("2024-05-09", date(2024, 5, 9), "day"), ("2024-05-09 00:00:00", date(2024, 5, 9), "day"),
    ("2024-05-09T13:45:00Z", date(2024, 5, 9), "day"),
    ("9/5/2024", date(2024, 5, 9), "day"), ("09.05.2024", date(2024, 5, 9), "day"),
    ("5/13/2024", date(2024, 5, 13), "day"), ("9-5-24", date(2024, 5, 9), "day"),
    ("2024-05", date(2024, 5, 1), "month"), ("2024/5", date(2024, 5, 1), "month"), ("05/2024", date(2024, 5, 1), "month"),
    ("5 July 2022", date(2022, 7, 5), "day"), ("July 5, 2022", date(2022, 7, 5), "day"),
    ("05-Jul-2022", date(2022, 7, 5), "day"), ("June-2022", date(2022, 6, 1), "month"),
    ("Jun 2022", date(2022, 6, 1), "month"), ("Jun-22", date(2022, 6, 1), "month"),
    ("September 2023", date(2023, 9, 1), "month"), ("травень 2024", date(2024, 5, 1), "month"),
    ("maj 2024", date(2024, 5, 1), "month"), ("20240509", date(2024, 5, 9), "day"),
    ("45413", date(2024, 5, 1), "day"), ("45413.0", date(2024, 5, 1), "day"),
    ("1714521600", date(2024, 5, 1), "day"), ("1714521600000", date(2024, 5, 1), "day"),
])
def test_dates(raw: str, expected: date, precision: str) -> None:
    parsed = nz.parse_date(raw)
    assert isinstance(parsed, nz.ParsedDate), parsed
    assert (parsed.value, parsed.precision) == (expected, precision)


@pytest.mark.parametrize("raw, reason", [
    ("2024", "a year alone"), ("31/02/2024", "no such date"), ("2024-13", "no such month"), ("soon", "not a date"),
    ("12", "not a date"),
])
def test_dates_refused(raw: str, reason: str) -> None:
    parsed = nz.parse_date(raw)
    assert isinstance(parsed, str) and reason in parsed


@pytest.mark.parametrize("dimension, raw, code", [
    ("sex", "F", "female"), ("sex", "Female", "female"), ("sex", "women", "female"), ("sex", "жінки", "female"),
    ("sex", "M", "male"), ("sex", "Men", "male"), ("sex", "Other", "other"), ("sex", "Total", "all"), ("sex", "", "all"),
    ("sex", "N/A", "all"),
    ("age_band", "0–4", "0-4"), ("age_band", "under 5", "0-4"), ("age_band", "5 - 11", "5-11"),
    ("age_band", "12-17 years", "12-17"), ("age_band", "Adults", "18-59"), ("age_band", "60 and over", "60+"),
    ("age_band", "Elderly", "60+"), ("age_band", "children", "children"),
    ("population_group", "Refugees", "refugee"), ("population_group", "Host community", "host"),
    ("population_group", "IDPs", "idp"), ("population_group", "ВПО", "idp"), ("population_group", "returnees", "returnee"),
    ("disability", "Yes", "yes"), ("disability", "N", "no"), ("disability", "unknown", "unknown"),
])
def test_vocabulary_spellings(dimension: str, raw: str, code: str) -> None:
    codes, reasons = nz.parse_vocabulary(dimension, pd.Series([raw], dtype="str"))
    assert codes.iloc[0] == code and pd.isna(reasons.iloc[0])


@pytest.mark.parametrize("cell, spec", [
    ("#adm1+code", TagSpec("adm1", ("code",))), ("#ADM1 +Code  ", TagSpec("adm1", ("code",))),
    ("  #org + name", TagSpec("org", ("name",))), ("#reached+f+children", TagSpec("reached", ("f", "children"))),
    ("# of people", None), ("#", None), ("#1 priority", None), ("people #reached", None), ("", None), (None, None),
    ("#reached+", None),
])
def test_parse_tag(cell: object, spec: TagSpec | None) -> None:
    assert parse_tag(cell) == spec


def test_tag_row_is_found_below_title_rows_and_not_in_hash_text() -> None:
    rows = [["4W report"], ["# of people reached", "# of sites"], ["Org", "Oblast"], ["#org", "#adm1"], ["WHO", "UA46"]]
    assert find_tag_row(rows) == 3  # type: ignore[arg-type]


@pytest.mark.parametrize("cell, fixed, indicator", [
    ("#reached+f+children+refugees", {"sex": "female", "age_band": "children", "population_group": "refugee"},
     "PPL_REACHED"),
    ("#reached+m+adults+idps", {"sex": "male", "age_band": "18-59", "population_group": "idp"}, "PPL_REACHED"),
    ("#reached+elderly+host", {"age_band": "60+", "population_group": "host"}, "PPL_REACHED"),
    ("#reached+girls", {"sex": "female", "age_band": "children"}, "PPL_REACHED"),
    ("#reached+ind+total", {}, "PPL_REACHED"),
    ("#indicator+value+disabled", {"disability": "yes"}, None),
])
def test_value_column_attributes(cell: str, fixed: dict[str, str], indicator: str | None) -> None:
    col, _ = classify(0, cell, parse_tag(cell))
    assert col.role == "value" and col.fixed == fixed and col.default_indicator == indicator


@pytest.mark.parametrize("cell, role", [
    ("#org+impl", "organisation"), ("#org+funder", None), ("#adm2+code", "location_adm2"),
    ("#country+code", "location_adm0"), ("#date+start", "period_start"), ("#date+end", "period_end"),
    ("#date+reported", "date"), ("#date+updated", None), ("#reached+hh", None), ("#sector", None),
    ("#meta+sex", "sex"), ("#population+group", "population_group"), ("#description", "note"),
])
def test_column_roles(cell: str, role: str | None) -> None:
    col, _ = classify(0, cell, parse_tag(cell))
    assert col.role == role


@pytest.mark.parametrize("kind, raw, key", [
    ("activities", "2.1 Person-focused psychosocial work", "2.1"), ("activities", "2.1 — anything", "2.1"),
    ("activities", "Safe spaces", "1.4"), ("locations", "UA46 Lviv", "UA46"), ("locations", "Lviv (UA46)", "UA46"),
    ("locations", "UA-46", "UA46"), ("locations", "Lvivska oblast", "UA46"), ("locations", "PL-14", "PL14"),
    ("locations", "mazowieckie", "PL14"), ("locations", "Kyiv city", "UA80"), ("organisations", "who", "World Health Organization"),
    ("organisations", "World Health Organization (WHO)", "World Health Organization"),
    ("indicators", "people reached with mhpss services", "PPL_REACHED"),
])
def test_store_resolvers(fixture_db_url: str, kind: str, raw: str, key: str) -> None:
    from dashboard import store
    from data_sources.importing.lookups import StoreLookups

    engine = store.get_engine(fixture_db_url)
    with engine.connect() as conn:
        lookups = StoreLookups.read(conn)
    engine.dispose()
    assert getattr(lookups, kind).resolve(raw) == key
