"""Explorer: row count from the database, filters change it, and downloads hold exactly the rows on screen;
in Ukrainian and Polish the page, its table and the export headers are translated while the files' values
stay machine-readable."""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from dashboard import i18n
from dashboard.filters import Filters, Period
from tests.pages.conftest import download_bytes, no_exception, run_page

PAGE = "pages/2_Explorer.py"


def sql_count(where: str = "1=1", **params: str) -> int:
    engine = create_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text(
            "SELECT COUNT(*) FROM facts f JOIN locations l ON f.location_id = l.id "
            "JOIN indicators i ON f.indicator_id = i.id "
            f"WHERE f.replaced_by IS NULL AND f.period_month BETWEEN '2026-01' AND '2026-11' AND {where}"), params
        ).scalar_one()
    engine.dispose()
    return int(n)


def table(at) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    return at.dataframe[0].value


def ltu_rows() -> pd.DataFrame:
    from dashboard.queries import fetch_facts
    from dashboard.store import get_engine

    return fetch_facts(get_engine(os.environ["MHPSS_DATABASE_URL"]), Filters(countries=("LTU",)),
                       Period("2026-01", "2026-11", "2026-01 to 2026-11 (year to date)"))


def test_rows_on_screen_match_the_database_and_a_filter_changes_them() -> None:
    at = run_page(PAGE)
    no_exception(at)
    assert len(table(at)) == sql_count()
    assert any(f"{sql_count():,} rows" in m.value for m in at.markdown)
    area = str(table(at)["ISO code"].value_counts().index[0])
    one_area = run_page(PAGE, adm1=area, indicator="PPL_REACHED")
    expected = sql_count("l.iso_code = :a AND i.code = 'PPL_REACHED'", a=area)
    assert 0 < len(table(one_area)) == expected < len(table(at))


def test_the_table_shows_names_and_labels_instead_of_codes() -> None:
    at = run_page(PAGE, country="POL", indicator="PPL_REACHED")
    shown = table(at)
    assert list(shown.columns[:4]) == ["Indicator", "Organisation", "Organisation type", "Activity"]
    assert set(shown["Indicator"]) == {"People reached with MHPSS services"}
    assert set(shown["Country"]) == {"Poland"}
    assert set(shown["Sex"]) <= {"Female", "Male", "Other / unknown", "All (not disaggregated)"}
    assert "Masovia" in set(shown["Area"]) or len(set(shown["Area"])) > 1
    assert all(str(a)[:3].count(".") == 1 for a in shown["Activity"])  # "2.1 Person-focused…": code and name


def test_csv_xlsx_and_hxl_downloads_round_trip_to_the_rows_on_screen() -> None:
    at = run_page(PAGE, country="UKR", indicator="SPECIALISTS_TRAINED")
    shown = table(at)
    assert len(shown) > 0
    csv = pd.read_csv(io.BytesIO(download_bytes(at, "dl_csv")))
    assert csv["organisation"].tolist() == shown["Organisation"].tolist()
    assert csv["adm1_pcode"].tolist() == shown["P-code"].tolist()
    assert csv["period_start"].tolist() == [d.isoformat() for d in shown["Period start"]]
    assert csv["value"].tolist() == shown["Value"].tolist()
    excel_csv = download_bytes(at, "dl_csv_excel")
    assert excel_csv.startswith(b"\xef\xbb\xbf")
    assert len(pd.read_csv(io.BytesIO(excel_csv), encoding="utf-8-sig")) == len(shown)
    hxl = pd.read_csv(io.BytesIO(download_bytes(at, "dl_hxl")))
    assert hxl.iloc[0]["adm1_pcode"] == "#adm1+code" and hxl.iloc[0]["organisation"] == "#org+name"
    assert len(hxl) - 1 == len(shown)
    assert pd.to_numeric(hxl["value"].iloc[1:]).tolist() == shown["Value"].tolist()
    filters = json.loads(download_bytes(at, "dl_filters"))
    assert filters["rows"] == len(shown) and filters["filters"]["country"] == "UKR"


def test_xlsx_export_has_data_dictionary_and_filters_sheets() -> None:
    from dashboard.exports import build_xlsx

    at = run_page(PAGE, country="LTU")
    shown = table(at)
    frame = ltu_rows()
    book = pd.read_excel(io.BytesIO(build_xlsx(frame, Filters(countries=("LTU",)),
                                               Period("2026-01", "2026-11", "ytd"), datetime(2026, 11, 25))),
                         sheet_name=None)
    assert set(book) == {"data", "dictionary", "filters"}
    assert len(book["data"]) == len(shown)
    assert book["data"]["value"].tolist() == shown["Value"].tolist()
    assert "country" in book["filters"]["filter"].tolist()
    assert "#adm1+code" in book["dictionary"]["hxl"].tolist()


def test_grouped_view_sums_by_the_chosen_dimensions() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD")
    at.multiselect(key="w_groupby").set_value(["country"]).run()
    grouped = at.dataframe[1].value
    assert list(grouped.columns) == ["Country", "Sum of values"]
    assert sorted(grouped["Country"]) == sorted(table(at)["Country"].unique())
    assert grouped["Sum of values"].sum() == table(at)["Value"].sum()


def test_grouped_view_by_area_and_month_names_them() -> None:
    at = run_page(PAGE, indicator="TRAININGS_HELD", country="POL")
    at.multiselect(key="w_groupby").set_value(["pcode", "month"]).run()
    no_exception(at)
    grouped = at.dataframe[1].value
    assert list(grouped.columns) == ["Area", "Month", "Sum of values"]
    assert set(grouped["Area"]) <= set(table(at)["Area"])
    assert "January 2026" in set(grouped["Month"])


@pytest.mark.parametrize(("lang", "title", "header", "grouped", "rows_word", "label"), [
    ("uk", "Дослідник даних", "Організація", "Згруповані дані", "рядків", "Литва"),
    ("pl", "Eksplorator danych", "Organizacja", "Dane pogrupowane", "wierszy", "Litwa"),
])
def test_the_page_in_ukrainian_and_polish(lang: str, title: str, header: str, grouped: str, rows_word: str,
                                          label: str) -> None:
    at = run_page(PAGE, lang=lang, country="LTU")
    no_exception(at)
    assert at.title[0].value == title
    shown = table(at)
    n = len(shown)
    assert n == sql_count("l.country = 'LTU'") > 1000
    assert header in shown.columns and "Organisation" not in shown.columns
    assert set(shown[{"uk": "Країна", "pl": "Kraj"}[lang]]) == {label}
    # The row count in the locale's format: 1 180 with a no-break space, and the plural for "many".
    count = f"{n // 1000}\xa0{n % 1000:03d}"
    assert any(count in m.value and rows_word in m.value for m in at.markdown)
    assert grouped in [s.value for s in at.subheader]
    labels = [b.label for b in at.get("download_button")]
    assert {"uk": "CSV для Excel", "pl": "CSV dla Excela"}[lang] in labels
    assert "CSV for Excel" not in labels


def test_the_ukrainian_csv_has_ukrainian_headers_dot_decimals_iso_dates_and_the_same_hxl_row() -> None:
    at = run_page(PAGE, lang="uk", country="UKR", indicator="SPECIALISTS_TRAINED")
    english = run_page(PAGE, country="UKR", indicator="SPECIALISTS_TRAINED")
    raw = download_bytes(at, "dl_csv").decode("utf-8")
    csv = pd.read_csv(io.StringIO(raw), dtype=str)
    assert list(csv.columns[:3]) == ["організація", "тип організації", "індикатор"]
    assert "P-код території" in csv.columns and "organisation" not in csv.columns
    assert csv["тип організації"].isin(["un", "ingo", "nngo", "government", "academic", "cbo", "coordination"]).all()
    assert csv["початок періоду"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert csv["значення"].str.fullmatch(r"\d+\.\d+").all()  # a dot decimal, never "12,0"
    same = pd.read_csv(io.BytesIO(download_bytes(english, "dl_csv")), dtype=str)
    assert csv.to_numpy().tolist() == same.to_numpy().tolist()  # only the headers differ
    hxl_uk = download_bytes(at, "dl_hxl").decode("utf-8").splitlines()
    hxl_en = download_bytes(english, "dl_hxl").decode("utf-8").splitlines()
    assert hxl_uk[0].startswith("організація,") and hxl_en[0].startswith("organisation,")
    assert hxl_uk[1] == hxl_en[1] and hxl_uk[1].startswith("#org+name,")
    assert hxl_uk[2:] == hxl_en[2:]
    filters_uk = json.loads(download_bytes(at, "dl_filters"))
    assert filters_uk["filters"]["country"] == "UKR" and filters_uk["period"] == {"from": "2026-01", "to": "2026-11"}
    assert set(filters_uk["filters"]) == set(json.loads(download_bytes(english, "dl_filters"))["filters"])


@pytest.mark.parametrize("lang", ["en", "uk", "pl"])
def test_xlsx_cells_are_typed_numbers_and_dates_and_the_sheets_are_in_the_readers_language(
        fixture_db_url: str, lang: str) -> None:
    from dashboard.exports import build_xlsx

    frame = ltu_rows()
    with i18n.language(lang):
        data = build_xlsx(frame, Filters(countries=("LTU",), sexes=("female",)), Period("2026-01", "2026-11"),
                          datetime(2026, 11, 25, 9, 30))
    book = openpyxl.load_workbook(io.BytesIO(data))
    names = {"en": ["data", "dictionary", "filters"], "uk": ["дані", "словник", "фільтри"],
             "pl": ["dane", "słownik", "filtry"]}[lang]
    assert book.sheetnames == names
    sheet = book[names[0]]
    header = [c.value for c in sheet[1]]
    value_header = {"en": "value", "uk": "значення", "pl": "wartość"}[lang]
    start_header = {"en": "period_start", "uk": "початок періоду", "pl": "początek okresu"}[lang]
    values = [row[header.index(value_header)] for row in sheet.iter_rows(min_row=2)]
    starts = [row[header.index(start_header)] for row in sheet.iter_rows(min_row=2)]
    assert len(values) == len(frame)
    assert all(c.data_type == "n" and isinstance(c.value, int | float) for c in values)
    assert [c.value for c in values] == frame["value"].tolist()
    assert all(c.is_date for c in starts)
    assert starts[0].value.date() == frame["period_start"].iloc[0] == date(2026, 1, 1)
    dictionary = [[c.value for c in row] for row in book[names[1]].iter_rows()]
    assert ["#adm1+code" in row for row in dictionary].count(True) == 1  # the HXL tags, unchanged
    filters = {row[0].value: row[1].value for row in book[names[2]].iter_rows(min_row=2)}
    if lang == "uk":
        assert dictionary[0] == ["стовпець", "тег HXL", "опис"]
        assert filters["країна"] == "Литва" and filters["стать"] == "Жіноча"
        assert filters["кількість рядків"] == len(frame)
    if lang == "pl":
        assert filters["kraj"] == "Litwa" and filters["liczba wierszy"] == len(frame)
    if lang == "en":
        assert filters["country"] == "Lithuania" and filters["sex"] == "Female" and filters["rows"] == len(frame)
    generated = next(v for v in filters.values() if isinstance(v, datetime))
    assert generated == datetime(2026, 11, 25, 9, 30)


def test_a_long_listings_files_are_built_later_in_the_language_of_the_page() -> None:
    """Streamlit builds a long listing's files in another thread, where the page's language is not set."""
    import threading
    from types import SimpleNamespace

    from dashboard import cache, explorer, exports

    url = os.environ["MHPSS_DATABASE_URL"]
    ctx = SimpleNamespace(url=url, version=cache.data_version(url), filters=Filters(countries=("LTU",)),
                          period=Period("2026-01", "2026-11"))
    builders = {lang: explorer.build_later(exports.build_csv, ctx, lang) for lang in ("uk", "pl")}  # type: ignore[arg-type]
    files: dict[str, bytes | str] = {}
    threads = [threading.Thread(target=lambda lang=lang: files.__setitem__(lang, builders[lang]())) for lang in builders]
    for thread in threads:
        thread.start()
        thread.join()
    assert i18n.current() == "en"
    uk = pd.read_csv(io.BytesIO(files["uk"]))  # type: ignore[arg-type]
    pl = pd.read_csv(io.BytesIO(files["pl"]))  # type: ignore[arg-type]
    assert list(uk.columns[:2]) == ["організація", "тип організації"]
    assert list(pl.columns[:2]) == ["organizacja", "typ organizacji"]
    assert len(uk) == len(pl) == sql_count("l.country = 'LTU'")
