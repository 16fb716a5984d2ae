"""The importer in Ukrainian and Polish: validation messages translated when produced (still naming the row,
column and value), the command line in English whatever the process's language, and a template made in
Polish importing exactly as an English one."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from dashboard import i18n, store
from data_sources.__main__ import main
from data_sources.importing import ImportFileError, plan_import, template_bytes
from data_sources.importing.template import COLUMNS
from data_sources.importing.validate import KEY
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_import_helpers import ROW, csv_bytes, hxl_csv

BAD = hxl_csv([ROW[0], "UA-99", *ROW[2:]], [*ROW[:5], "sixty", "40"])


@pytest.fixture
def engine(fixture_db_url: str) -> Engine:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("lang, lines", [
    ("en", ["row 3, column #adm1+code, value 'UA-99': unknown location (did you mean UA-09 / Luhansk or UA-59 / "
            "Sumy?)", "row 4, column #reached+f, value 'sixty': not a number"]),
    ("uk", ["рядок 3, стовпець #adm1+code, значення 'UA-99': невідома локація (можливо, ви мали на увазі UA-09 / "
            "Луганська область або UA-59 / Сумська область?)", "рядок 4, стовпець #reached+f, значення 'sixty': не число"]),
    ("pl", ["wiersz 3, kolumna #adm1+code, wartość 'UA-99': nieznana lokalizacja (czy chodziło o UA-09 / Luhansk lub "
            "UA-59 / Sumy?)", "wiersz 4, kolumna #reached+f, wartość 'sixty': to nie jest liczba"]),
])
def test_validation_lines_in_each_language_name_row_column_and_value(engine: Engine, lang: str,
                                                                     lines: list[str]) -> None:
    with i18n.language(lang):
        plan = plan_import(engine, BAD, "bad.csv", today=FIXTURE_TODAY)
        assert plan.report.lines() == lines
    # Codes stay codes: the report's table has language-neutral severities.
    assert plan.report.frame()["severity"].tolist() == ["error", "error"]


@pytest.mark.parametrize("lang, expected", [
    ("en", "in the future (today is 25 November 2026)"),
    ("uk", "у майбутньому (сьогодні 25 листопада 2026)"),
    ("pl", "w przyszłości (dziś jest 25 listopada 2026)"),
])
def test_dates_in_messages_follow_the_language(engine: Engine, lang: str, expected: str) -> None:
    data = hxl_csv([*ROW[:2], "2027-01", *ROW[3:]])
    with i18n.language(lang):
        plan = plan_import(engine, data, "future.csv", today=FIXTURE_TODAY)
    assert [(p.row, p.column, p.value, p.reason) for p in plan.report.errors] == [(3, "#date", "2027-01", expected)]


@pytest.mark.parametrize("lang, phrase", [
    ("uk", "цей стовпець схожий на адреси електронної пошти"),
    ("pl", "wygląda na adres e-mail"),
])
def test_personal_data_refusal_in_each_language(engine: Engine, lang: str, phrase: str) -> None:
    header = "E-mail" if lang == "uk" else "Kontakt"
    data = csv_bytes([["Org", "Oblast", "Month", "Reached", header], ["#org+name", "#adm1+code", "#date", "#reached", ""],
                      ["WHO", "UA46", "2024-05", "4", "olena@example.org"]])
    with i18n.language(lang), pytest.raises(ImportFileError) as caught:
        plan_import(engine, data, "names.csv", today=FIXTURE_TODAY)
    assert any(phrase in line for line in caught.value.lines()), caught.value.lines()


def test_cli_speaks_english_even_inside_a_ukrainian_context(fixture_db_url: str, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD)
    out = tmp_path / "template.xlsx"
    with i18n.language("uk"):
        assert main(["import", str(path), "--db", fixture_db_url]) == 2
        err = capsys.readouterr().err
        assert main(["template", str(out), "--db", fixture_db_url]) == 0
        assert i18n.current() == "uk"  # the CLI's English does not leak out either
    assert "row 3, column #adm1+code, value 'UA-99': unknown location (did you mean UA-09 / Luhansk" in err
    assert "row 4, column #reached+f, value 'sixty': not a number" in err
    assert "рядок" not in err
    assert load_workbook(out).sheetnames == ["Instructions", "4W data", "Lists"]


def _filled(engine: Engine, lang: str) -> tuple[bytes, list[list[object]]]:
    """A template made in ``lang`` and filled in by choosing the same entries from its own drop-down lists."""
    with i18n.language(lang):
        book = load_workbook(io.BytesIO(template_bytes(engine)))
    info, data, lists = book.worksheets
    choices = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                        if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}
    columns = list(choices.values())  # organisations, activities, locations, indicators, then the vocabularies

    def pick(values: list[str], code: str) -> str:
        return next(v for v in values if v.split(" — ")[0] == code)

    rows: list[list[object]] = [
        ["World Health Organization", pick(columns[1], "2.1"), pick(columns[2], "PL14"),
         pick(columns[3], "PPL_REACHED"), datetime(2024, 5, 1), None, "all", "all", "all", "all", 30, None],
        ["World Health Organization", pick(columns[1], "2.1"), pick(columns[2], "PL14"),
         pick(columns[3], "PPL_REACHED"), datetime(2024, 5, 1), None, "female", "18-59", "refugee", "all", 12, None],
        ["World Health Organization", None, pick(columns[2], "UA46"), pick(columns[3], "PPL_REACHED"),
         datetime(2024, 6, 1), datetime(2024, 6, 15), "male", "60+", "host", "yes", 7, None],
    ]
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            data.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), rows


def test_a_template_made_in_polish_imports_the_same_as_an_english_one(engine: Engine) -> None:
    english, en_rows = _filled(engine, "en")
    polish, pl_rows = _filled(engine, "pl")
    book = load_workbook(io.BytesIO(polish))
    assert book.sheetnames == ["Instrukcja", "Dane 4W", "Listy"]
    data = book["Dane 4W"]
    assert [c.value for c in data[2]] == [c.tag for c in COLUMNS]  # the HXL row is the same in every language
    assert data.cell(1, 1).value == "Organizacja *" and data.cell(1, 3).value == "Lokalizacja *"
    assert book["Instrukcja"]["A1"].value == "Jak wypełnić ten szablon"
    # The names people read differ (Polish voivodeship and activity names), the codes before them do not.
    assert en_rows[0][2] == "PL14 — Masovia" and pl_rows[0][2] == "PL14 — Mazowieckie"
    assert en_rows[0][1] != pl_rows[0][1] and pl_rows[0][1].startswith("2.1 — ")
    plans = [plan_import(engine, content, name, today=FIXTURE_TODAY)
             for content, name in ((english, "en.xlsx"), (polish, "pl.xlsx"))]
    for plan in plans:
        assert plan.report.ok, plan.report.lines()
    frames = [plan.facts[[*KEY, "value"]].astype("object").sort_values(KEY).reset_index(drop=True) for plan in plans]
    assert len(frames[0]) == 3
    pd.testing.assert_frame_equal(frames[0], frames[1])
    assert sorted(frames[1]["location"]) == ["PL14", "PL14", "UA46"]
