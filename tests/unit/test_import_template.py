"""The blank 4W template: sheets, tag row, drop-down lists from the store, and a filled-in round trip."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, select

from dashboard import store
from data_sources.__main__ import main
from data_sources.importing import ImportFileError, import_file
from data_sources.importing.template import COLUMNS, DATA_SHEET, write_template
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_import_helpers import current_facts


@pytest.fixture
def engine(fixture_db_url: str) -> Engine:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


def _template(engine: Engine) -> bytes:
    with engine.connect() as conn:
        return write_template(conn)


def test_template_has_instructions_tags_and_dropdowns(engine: Engine) -> None:
    book = load_workbook(io.BytesIO(_template(engine)))
    assert book.sheetnames == ["Instructions", DATA_SHEET, "Lists"]
    data = book[DATA_SHEET]
    assert [c.value for c in data[2]] == [c.tag for c in COLUMNS]
    assert "Never enter names, phone numbers" in " ".join(str(c.value) for c in book["Instructions"]["A"] if c.value)
    lists = {str(dv.sqref).split(":")[0][0]: dv.formula1 for dv in data.data_validations.dataValidation
             if dv.type == "list"}
    assert lists == {"A": "=list_organisations", "B": "=list_activities", "C": "=list_locations",
                     "D": "=list_indicators", "G": "=list_sex", "H": "=list_age_bands", "I": "=list_population_groups",
                     "J": "=list_disability"}
    ref = book["Lists"]
    columns = {ref.cell(1, c).value: [ref.cell(r, c).value for r in range(2, ref.max_row + 1) if ref.cell(r, c).value]
               for c in range(1, ref.max_column + 1)}
    with engine.connect() as conn:
        orgs = sorted(n for (n,) in conn.execute(select(store.organisations.c.name)))
        n_locations = len(conn.execute(select(store.locations.c.id)).all())
    assert columns["organisations"] == orgs
    assert len(columns["locations"]) == n_locations and "UA46 — Lviv" in columns["locations"]
    assert columns["sex"] == ["female", "male", "other", "all"]
    assert columns["age bands"] == ["0-4", "5-11", "12-17", "18-59", "60+", "all"]
    assert columns["population groups"] == ["refugee", "host", "idp", "returnee", "all"]
    # The named ranges the drop-downs use cover exactly the lists.
    dest = next(iter(book.defined_names["list_organisations"].destinations))
    assert dest == ("Lists", f"$A$2:$A${len(orgs) + 1}")


def test_filled_template_imports(engine: Engine) -> None:
    book = load_workbook(io.BytesIO(_template(engine)))
    ws = book[DATA_SHEET]
    rows = [
        ["World Health Organization", "2.1 — Person-focused psychosocial work (e.g. psychological first aid, case "
         "management)", "UA46 — Lviv", "PPL_REACHED — People reached with MHPSS services", datetime(2024, 5, 1),
         None, "all", "all", "all", "all", 30, "first report"],
        ["World Health Organization", "2.1 — x", "UA46 — Lviv", "PPL_REACHED — People reached with MHPSS services",
         datetime(2024, 5, 1), None, "female", "18-59", "refugee", "all", 12, None],
    ]
    for r, values in enumerate(rows, 3):
        for c, value in enumerate(values, 1):
            ws.cell(r, c, value)
    out = io.BytesIO()
    book.save(out)
    result = import_file(engine, out.getvalue(), "template.xlsx", today=FIXTURE_TODAY)
    assert result.rows == 2
    facts = current_facts(engine)
    assert sorted(facts["value"]) == [12, 30]
    assert set(facts["activity"]) == {"2.1"} and set(facts["period_end"].astype(str)) == {"2024-05-31"}


def test_blank_template_has_nothing_to_import(engine: Engine) -> None:
    with pytest.raises(ImportFileError, match="rejected"):
        import_file(engine, _template(engine), "blank.xlsx", today=FIXTURE_TODAY)


def test_cli_template(fixture_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "4w.xlsx"
    assert main(["template", str(out), "--db", fixture_db_url]) == 0
    assert "wrote the blank 4W template" in capsys.readouterr().out
    assert load_workbook(out).sheetnames == ["Instructions", DATA_SHEET, "Lists"]
