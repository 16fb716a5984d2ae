"""Import page: template download, upload, validation report, preview, confirm, history, rollback, mapping."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from dashboard import store
from tests.pages.conftest import download_bytes, no_exception, run_page
from tests.unit.test_import_helpers import ROW, csv_bytes, current_facts, hxl_csv

PAGE = "pages/5_Import.py"


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import_upload").set_value((name, data, "text/csv"))
    return at.run()


def screen(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [w.value for w in at.warning] + [i.value for i in at.info]
    return " ".join(str(p) for p in parts)


def table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    """The first table on screen with ``column`` (AppTest does not expose dataframe keys)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_offers_the_template_and_shows_an_empty_history(fixture_db_url: str) -> None:
    at = run_page(PAGE)
    no_exception(at)
    book = load_workbook(io.BytesIO(download_bytes(at, "import_template_download")))
    assert book.sheetnames == ["Instructions", "4W data", "Lists"]
    assert "No file has been imported yet." in screen(at)


def test_upload_check_confirm_and_history(fixture_db_url: str) -> None:
    at = upload(run_page(PAGE), "partner.csv", hxl_csv())
    no_exception(at)
    assert "No problems found." in screen(at)
    assert metric(at, "Rows read") == "1" and metric(at, "New values") == "3"
    confirm = at.button(key="import_confirm")
    assert confirm.label == "Import 3 values from partner.csv"
    at = confirm.click().run()
    no_exception(at)
    assert "imported partner.csv as batch" in screen(at)
    history = table(at, "by")
    assert history.iloc[0][["file", "values", "status", "by"]].tolist() == ["partner.csv", 3, "committed", "local user"]
    engine = store.get_engine(fixture_db_url)
    assert sorted(current_facts(engine)["value"]) == [40, 60, 100]
    engine.dispose()


def test_rejected_file_shows_every_problem_and_no_confirm(fixture_db_url: str) -> None:
    bad = hxl_csv([ROW[0], "UA-99", *ROW[2:]], [*ROW[:5], "sixty", "40"])
    at = upload(run_page(PAGE), "bad.csv", bad)
    no_exception(at)
    assert "2 problems to fix." in screen(at)
    report = table(at, "problem")
    assert report[["row", "column", "value"]].astype(str).values.tolist() == [
        ["3", "#adm1+code", "UA-99"], ["4", "#reached+f", "sixty"]]
    assert "unknown location (did you mean UA-09 / Luhansk" in report.iloc[0]["problem"]
    assert not [b for b in at.button if b.key == "import_confirm"]


def test_personal_data_is_refused_on_the_page(fixture_db_url: str) -> None:
    data = csv_bytes([["#org+name", "#adm1+code", "#date", "#reached", ""], ["WHO", "UA46", "2024-05", "4",
                                                                            "olena@example.org"]])
    at = upload(run_page(PAGE), "names.csv", data)
    no_exception(at)
    assert "cannot be imported" in screen(at) and "looks like an e-mail address" in screen(at)


def test_reimport_says_already_imported_and_rollback_restores(fixture_db_url: str) -> None:
    at = upload(run_page(PAGE), "v1.csv", hxl_csv())
    at = at.button(key="import_confirm").click().run()
    at = upload(at, "v2.csv", hxl_csv([*ROW[:4], "120", "70", "50"]))
    assert metric(at, "Changed values") == "3"
    changes = table(at, "old value")
    assert sorted(zip(changes["old value"], changes["value"], strict=True)) == [(40, 50), (60, 70), (100, 120)]
    download = pd.read_csv(io.BytesIO(download_bytes(at, "import_changes_download")))
    assert sorted(zip(download["sex"], download["old value"], download["value"], strict=True)) == [
        ("all", 100, 120), ("female", 60, 70), ("male", 40, 50)]
    at = at.button(key="import_confirm").click().run()
    assert "3 older reports replaced" in screen(at)
    at = upload(at, "v2.csv", hxl_csv([*ROW[:4], "120", "70", "50"]))
    assert "was already imported as batch" in screen(at)
    engine = store.get_engine(fixture_db_url)
    with engine.connect() as conn:
        newest = conn.execute(text("SELECT MAX(id) FROM import_batches")).scalar_one()
    at.selectbox(key="import_rollback_batch").set_value(newest)
    at.checkbox(key="import_rollback_sure").check()
    at = at.run().button(key="import_rollback").click().run()
    no_exception(at)
    assert f"rolled back batch {newest}: 3 values deleted, 3 earlier reports restored" in screen(at)
    assert sorted(current_facts(engine)["value"]) == [40, 60, 100]
    assert table(at, "by").iloc[0]["status"] == "rolled back"
    engine.dispose()


def test_untagged_file_mapping_is_chosen_once_and_reused(fixture_db_url: str) -> None:
    data = csv_bytes([["Partner", "Oblast", "Month", "Female", "Male"], ["WHO", "Lviv", "2024-05", "6", "4"]])
    at = upload(run_page(PAGE), "plain.csv", data)
    no_exception(at)
    assert "no HXL tag row" in screen(at)
    proposed = table(at, "HXL tag")
    assert proposed["HXL tag"].tolist() == ["#org+name", "#adm1+name", "#date", "#reached+f", "#reached+m"]
    at = at.button(key="import_mapping_save").click().run()  # accept the suggested tags
    no_exception(at)
    assert metric(at, "New values") == "2"
    # A later file with the same header is mapped automatically (new session).
    again = upload(run_page(PAGE), "plain-june.csv",
                   csv_bytes([["Partner", "Oblast", "Month", "Female", "Male"], ["IOM", "Odesa", "2024-06", "1", "2"]]))
    assert "no HXL tag row" not in screen(again) and metric(again, "New values") == "2"
    saved = table(again, "HXL tag")  # shown for correction
    assert dict(zip(saved["Column in the file"], saved["HXL tag"], strict=True))["Oblast"] == "#adm1+name"


def test_public_view_cannot_import(fixture_db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MHPSS_VIEW", "public")
    at = run_page(PAGE)
    no_exception(at)
    assert "not available in the public view" in screen(at)
    assert not at.file_uploader


@pytest.mark.parametrize("lang, labels, sheets, no_history", [
    ("uk", ["Завантажити порожній шаблон 4W (.xlsx)", "Файл 4W або HXL від партнера (CSV або XLSX)"],
     ["Інструкції", "Дані 4W", "Списки"], "Ще жодного файлу не імпортовано."),
    ("pl", ["Pobierz pusty szablon 4W (.xlsx)", "Plik 4W lub HXL od partnera (CSV lub XLSX)"],
     ["Instrukcja", "Dane 4W", "Listy"], "Nie zaimportowano jeszcze żadnego pliku."),
])
def test_page_in_ukrainian_and_polish(fixture_db_url: str, lang: str, labels: list[str], sheets: list[str],
                                      no_history: str) -> None:
    at = run_page(PAGE, lang=lang)
    no_exception(at)
    assert [at.get("download_button")[0].proto.label, at.file_uploader[0].proto.label] == labels
    assert no_history in screen(at)
    book = load_workbook(io.BytesIO(download_bytes(at, "import_template_download")))
    assert book.sheetnames == sheets
    assert [c.value for c in book[sheets[1]][2]][:3] == ["#org+name", "#activity+code", "#adm1+code"]
    # A good file goes through in the same language, numbers formatted for it.
    at = upload(at, "partner.csv", hxl_csv())
    no_exception(at)
    assert at.button(key="import_confirm").label == {"uk": "Імпортувати 3 значення з partner.csv",
                                                      "pl": "Importuj 3 wartości z pliku partner.csv"}[lang]
    at = at.button(key="import_confirm").click().run()
    no_exception(at)
    history = at.dataframe[-1].value
    assert history.iloc[0].tolist()[2:5] == ["partner.csv", 3, {"uk": "зафіксовано", "pl": "zatwierdzono"}[lang]]
    assert {"uk": "імпортовано partner.csv як пакет", "pl": "zaimportowano partner.csv jako partię"}[lang] in screen(at)


def test_bad_file_on_the_ukrainian_page_names_row_column_and_value_in_ukrainian(fixture_db_url: str) -> None:
    bad = hxl_csv([ROW[0], "UA-99", *ROW[2:]], [*ROW[:5], "sixty", "40"])
    at = upload(run_page(PAGE, lang="uk"), "bad.csv", bad)
    no_exception(at)
    assert "**2 проблеми, які потрібно виправити.**" in screen(at)
    report = table(at, "проблема")
    assert list(report.columns) == ["тип", "аркуш", "рядок", "стовпець", "значення", "проблема"]
    assert report[["тип", "рядок", "стовпець", "значення"]].astype(str).values.tolist() == [
        ["помилка", "3", "#adm1+code", "UA-99"], ["помилка", "4", "#reached+f", "sixty"]]
    assert report["проблема"].tolist() == [
        "невідома локація (можливо, ви мали на увазі UA-09 / Луганська область або UA-59 / Сумська область?)",
        "не число"]
    download = pd.read_csv(io.BytesIO(download_bytes(at, "import_report_download")))
    assert download.columns.tolist() == list(report.columns) and download["значення"].tolist() == ["UA-99", "sixty"]
    # The same session switched to English checks the file again and reports in English.
    at.query_params["lang"] = "en"
    at = at.run()
    no_exception(at)
    assert "2 problems to fix." in screen(at)
    assert table(at, "problem")["problem"].iloc[1] == "not a number"


def test_column_mapping_on_the_polish_page(fixture_db_url: str) -> None:
    data = csv_bytes([["Partner", "Oblast", "Month", "Female", "Male"], ["WHO", "Lviv", "2024-05", "6", "4"]])
    at = upload(run_page(PAGE, lang="pl"), "plain.csv", data)
    no_exception(at)
    assert "Ten plik nie ma wiersza tagów HXL" in screen(at)
    proposed = table(at, "Tag HXL")
    assert proposed["Kolumna w pliku"].tolist() == ["Partner", "Oblast", "Month", "Female", "Male"]
    at = at.button(key="import_mapping_save").click().run()
    no_exception(at)
    assert metric(at, "Nowe wartości") == "2"
    assert at.button(key="import_confirm").label == "Importuj 2 wartości z pliku plain.csv"
