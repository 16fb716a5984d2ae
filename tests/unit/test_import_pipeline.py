"""Import, re-import, replacement by a newer report, rollback, partial imports, mappings and the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dashboard import store
from data_sources.__main__ import main
from data_sources.importing import (
    ImportFileError,
    MappingNeeded,
    import_file,
    import_history,
    plan_import,
    rollback_batch,
    save_mapping,
)
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_import_helpers import ROW, csv_bytes, current_facts, hxl_csv, table_counts


@pytest.fixture
def engine(fixture_db_url: str) -> Engine:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


def run(engine: Engine, data: bytes, name: str = "report.csv", **kwargs: object):  # type: ignore[no-untyped-def]
    return import_file(engine, data, name, today=FIXTURE_TODAY, created_by="tester", **kwargs)  # type: ignore[arg-type]


def values(engine: Engine) -> dict[tuple[str, str], float]:
    frame = current_facts(engine)
    return {(r.location, r.sex): r.value for r in frame.itertuples()}


def test_import_writes_one_batch_with_the_values(engine: Engine) -> None:
    before = table_counts(engine)
    result = run(engine, hxl_csv())
    after = table_counts(engine)
    assert result.status == "committed" and result.rows == 3
    assert after["facts"] == before["facts"] + 3
    assert after["import_batches"] == before["import_batches"] + 1
    assert after["data_version"] == before["data_version"] + 1
    assert values(engine) == {("UA46", "all"): 100, ("UA46", "female"): 60, ("UA46", "male"): 40}
    history = import_history(engine)
    assert history.iloc[0][["file", "rows", "status", "by"]].tolist() == ["report.csv", 3, "committed", "tester"]


def test_same_file_twice_changes_nothing(engine: Engine) -> None:
    first = run(engine, hxl_csv())
    before = table_counts(engine)
    again = run(engine, hxl_csv())
    assert again.status == "already_imported" and again.batch_id == first.batch_id
    assert f"already imported as batch {first.batch_id}" in again.summary()
    assert table_counts(engine) == before


def test_newer_report_replaces_the_older_one(engine: Engine) -> None:
    old = run(engine, hxl_csv())
    new = run(engine, hxl_csv([*ROW[:4], "120", "70", "50"]), name="report-v2.csv")
    assert new.replaced == 3
    assert new.plan.changes.changed == 3
    assert values(engine) == {("UA46", "all"): 120, ("UA46", "female"): 70, ("UA46", "male"): 50}
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT COUNT(*) FROM facts WHERE batch_id = :b AND replaced_by = :n"),
                            {"b": old.batch_id, "n": new.batch_id}).scalar_one()
    assert kept == 3  # history is kept, marked as replaced


def test_other_keys_are_not_replaced(engine: Engine) -> None:
    run(engine, hxl_csv())
    run(engine, hxl_csv([ROW[0], "UA32", *ROW[2:]]), name="kyiv.csv")
    assert len(current_facts(engine)) == 6


def test_dry_run_shows_the_changes_and_writes_nothing(engine: Engine) -> None:
    run(engine, hxl_csv())
    before = table_counts(engine)
    result = run(engine, hxl_csv([*ROW[:4], "120", "70", "50"], [ROW[0], "UA32", *ROW[2:]]), dry_run=True)
    assert result.status == "dry_run"
    assert (result.plan.changes.new, result.plan.changes.changed, result.plan.changes.unchanged) == (3, 3, 0)
    example = result.plan.changes.examples.iloc[0]
    assert (example["old_value"], example["value"]) == (100, 120)
    assert table_counts(engine) == before


def test_rollback_deletes_the_batch_and_restores_what_it_replaced(engine: Engine) -> None:
    run(engine, hxl_csv())
    newer = run(engine, hxl_csv([*ROW[:4], "120", "70", "50"]), name="v2.csv")
    version = table_counts(engine)["data_version"]
    result = rollback_batch(engine, newer.batch_id, by="tester")
    assert (result.deleted, result.restored) == (3, 3)
    assert values(engine) == {("UA46", "all"): 100, ("UA46", "female"): 60, ("UA46", "male"): 40}
    history = import_history(engine)
    assert history.iloc[0]["status"] == "rolled_back"
    assert "rolled back" in history.iloc[0]["messages"] and "by tester" in history.iloc[0]["messages"]
    assert table_counts(engine)["data_version"] == version + 1
    with pytest.raises(ImportFileError, match="rolled back, not committed"):
        rollback_batch(engine, newer.batch_id)


def test_rollback_of_a_middle_batch_keeps_the_latest_report(engine: Engine) -> None:
    run(engine, hxl_csv(), name="v1.csv")
    middle = run(engine, hxl_csv([*ROW[:4], "120", "70", "50"]), name="v2.csv")
    run(engine, hxl_csv([*ROW[:4], "130", "80", "50"]), name="v3.csv")
    result = rollback_batch(engine, middle.batch_id)
    assert result.restored == 0  # v1's rows now count as replaced by v3
    assert values(engine) == {("UA46", "all"): 130, ("UA46", "female"): 80, ("UA46", "male"): 50}


def test_reimport_after_rollback_is_allowed(engine: Engine) -> None:
    first = run(engine, hxl_csv())
    rollback_batch(engine, first.batch_id)
    again = run(engine, hxl_csv())
    assert again.status == "committed" and again.batch_id != first.batch_id
    assert len(current_facts(engine)) == 3


def test_only_file_imports_can_be_rolled_back(engine: Engine) -> None:
    with pytest.raises(ImportFileError, match="not a file import"):
        rollback_batch(engine, 1)
    with pytest.raises(ImportFileError, match="no import batch 999999999"):
        rollback_batch(engine, 999_999_999)


def test_file_with_errors_is_rejected_whole(engine: Engine) -> None:
    before = table_counts(engine)
    bad = hxl_csv(ROW, [ROW[0], "UA32", *ROW[2:5], "-1", "40"])
    with pytest.raises(ImportFileError) as caught:
        run(engine, bad)
    assert any("row 4, column #reached+f, value '-1': negative" in line for line in caught.value.lines())
    assert table_counts(engine) == before


def test_allow_partial_leaves_out_rows_with_errors(engine: Engine) -> None:
    bad = hxl_csv(ROW, [ROW[0], "UA32", *ROW[2:5], "-1", "40"])
    result = run(engine, bad, allow_partial=True)
    assert result.rows == 3
    assert result.summary().endswith("; 1 row with errors left out")
    assert set(current_facts(engine)["location"]) == {"UA46"}
    assert "1 row with errors left out: 4" in import_history(engine).iloc[0]["messages"]


@pytest.mark.parametrize("header, cells, expected", [
    ("Beneficiary name", ["Olena Kovalenko"], "people's names"),
    ("Full name", ["x"], "people's names"),
    ("Phone", ["12"], "phone numbers"),
    ("Телефон", ["12"], "phone numbers"),
    ("E-mail", ["x"], "e-mail addresses"),
    ("Date of birth", ["x"], "dates of birth"),
    ("Passport number", ["x"], "ID numbers"),
    ("PESEL", ["x"], "ID numbers"),
    ("Contact", ["olena.k@example.org"], "looks like an e-mail address"),
    ("Comment", ["+380 50 123 4567"], "looks like a phone number"),
    ("Ref", ["AB123456"], "looks like an ID or document number"),
    ("Person", ["Olena Kovalenko", "Ivan Petrenko", "Anna Nowak", "Jan Kowalski", "Maria Ivanova"], "a person's name"),
    ("Born", ["01/02/1980", "03/04/1975", "05/06/1990", "07/08/1985", "09/10/2001"], "a date of birth"),
])
def test_personal_data_is_refused(engine: Engine, header: str, cells: list[str], expected: str) -> None:
    rows = [[*ROW[:1], f"UA{n}" if False else ROW[1], *ROW[2:], cell] for n, cell in enumerate(cells)]
    rows = [[r[0], loc, *r[2:]] for r, loc in zip(rows, ["UA46", "UA32", "UA12", "UA63", "UA51"], strict=False)]
    data = csv_bytes([["Organisation", "Oblast", "Month", "Activity", "Reached", "Female", "Male", header],
                      ["#org+name", "#adm1+code", "#date", "#activity+code", "#reached+total", "#reached+f",
                       "#reached+m", ""], *rows])
    before = table_counts(engine)
    with pytest.raises(ImportFileError) as caught:
        run(engine, data)
    text_ = "\n".join(caught.value.lines())
    assert expected in text_ and "aggregate counts only" in text_
    assert table_counts(engine) == before


def test_personal_data_tag_is_refused(engine: Engine) -> None:
    data = csv_bytes([["#org+name", "#adm1+code", "#date", "#reached", "#contact+email"],
                      ["WHO", "UA46", "2024-05", "5", "x"]])
    with pytest.raises(ImportFileError, match="personal data"):
        run(engine, data)


def test_organisation_and_location_names_are_not_personal_data(engine: Engine) -> None:
    data = csv_bytes([["Organisation name", "Oblast name", "Month", "People reached"],
                      ["#org+name", "#adm1+name", "#date", "#reached"],
                      ["Polish Migration Forum", "Lviv Oblast", "May 2024", "5"],
                      ["Light of Hope", "Poltava", "May 2024", "8"]])
    assert run(engine, data).rows == 2


def test_untagged_file_needs_a_mapping_once_then_reuses_it(engine: Engine) -> None:
    data = csv_bytes([["Partner", "Oblast", "Month", "Female", "Male"], ["WHO", "Lviv", "2024-05", "6", "4"]])
    with pytest.raises(MappingNeeded) as caught:
        run(engine, data)
    guess = caught.value.guess
    assert guess == {"Partner": "#org+name", "Oblast": "#adm1+name", "Month": "#date", "Female": "#reached+f",
                     "Male": "#reached+m"}
    with engine.begin() as conn:
        save_mapping(conn, caught.value.headers, guess, created_by="tester")
    assert run(engine, data).rows == 2
    # Another file with the same header (different case and spacing) uses the saved mapping automatically.
    other = csv_bytes([["partner", " OBLAST ", "month", "female", "male"], ["IOM", "Kyiv city", "2024-06", "3", "1"]])
    assert run(engine, other, name="other.csv").rows == 2


def test_bad_mapping_tag_is_refused(engine: Engine) -> None:
    with engine.begin() as conn, pytest.raises(ImportFileError, match="not an HXL tag"):
        save_mapping(conn, ["Partner"], {"Partner": "org name"})


def test_children_column_goes_to_children_reached(engine: Engine) -> None:
    data = csv_bytes([["#org", "#adm1+code", "#date", "#reached", "#reached+children", "#reached+adults+f"],
                      ["WHO", "UA46", "2024-05", "100", "30", "50"]])
    run(engine, data)
    frame = current_facts(engine)
    got = {(r.indicator, r.age_band, r.sex): r.value for r in frame.itertuples()}
    assert got == {("PPL_REACHED", "all", "all"): 100, ("CHILDREN_REACHED", "all", "all"): 30,
                   ("PPL_REACHED", "18-59", "female"): 50}


def test_long_format_with_vocabulary_spellings(engine: Engine) -> None:
    data = csv_bytes([["#org", "#adm1+name", "#date+start", "#indicator+code", "#sex", "#age", "#population+group",
                       "#indicator+value"],
                      ["UNHCR", "Masovia", "2024-05", "PPL_REACHED", "Total", "", "", "50"],
                      ["UNHCR", "Masovia", "2024-05", "PPL_REACHED", "F", "18–59", "Refugees", "20"],
                      ["UNHCR", "Masovia", "2024-05", "PPL_REACHED", "Women", "60 and over", "refugees", "5"],
                      ["UNHCR", "Masovia", "2024-05", "PPL_REACHED", "male", "adults", "IDPs", "9"]])
    run(engine, data)
    got = sorted(tuple(r) for r in current_facts(engine)[["sex", "age_band", "population_group", "value"]]
                 .itertuples(index=False))
    assert got == [("all", "all", "all", 50), ("female", "18-59", "refugee", 20), ("female", "60+", "refugee", 5),
                   ("male", "18-59", "idp", 9)]


def test_unknown_vocabulary_value_is_reported(engine: Engine) -> None:
    data = csv_bytes([["#org", "#adm1+code", "#date", "#sex", "#reached"], ["WHO", "UA46", "2024-05", "kids", "5"]])
    with pytest.raises(ImportFileError) as caught:
        run(engine, data)
    assert "row 2, column #sex, value 'kids': unknown sex (expected one of female, male, other, all)" in \
        caught.value.lines()


def test_plan_reports_every_problem_at_once(engine: Engine) -> None:
    data = hxl_csv([ROW[0], "UA-99", *ROW[2:]], [ROW[0], "UA32", "2021-01", *ROW[3:]], ["Nobody", "UA12", *ROW[2:]])
    plan = plan_import(engine, data, "x.csv", today=FIXTURE_TODAY)
    rows = sorted(p.row for p in plan.report.errors)
    assert rows == [3, 4, 5]


# --- command line ---------------------------------------------------------------------------------------------

def test_cli_import_dry_run_import_history_rollback(fixture_db_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "partner.csv"
    path.write_bytes(hxl_csv())
    assert main(["import", str(path), "--dry-run", "--db", fixture_db_url]) == 0
    assert "dry run, nothing written" in capsys.readouterr().out
    newer = tmp_path / "partner-v2.csv"
    newer.write_bytes(hxl_csv([*ROW[:4], "100", "61", "39"]))
    assert main(["import", str(path), "--db", fixture_db_url]) == 0
    out = capsys.readouterr().out
    assert "imported partner.csv as batch" in out and "3 values written" in out
    assert main(["import", str(path), "--db", fixture_db_url]) == 0
    assert "already imported as batch" in capsys.readouterr().out
    assert main(["import", str(newer), "--dry-run", "--db", fixture_db_url]) == 0
    out = capsys.readouterr().out
    assert "(0 new, 2 changed, 1 unchanged re-reports)" in out
    assert "World Health Organization, PPL_REACHED, UA46, 2024-05-01, female/all/all/all: 60 → 61" in out
    assert main(["history", "--db", fixture_db_url]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    batch = int(line.split()[1])
    assert "partner.csv" in line and "committed" in line
    assert main(["rollback", str(batch), "--db", fixture_db_url]) == 0
    assert f"rolled back batch {batch}: 3 values deleted" in capsys.readouterr().out


def test_cli_rejects_with_one_line_per_problem(fixture_db_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(hxl_csv([ROW[0], "UA-99", *ROW[2:]], [*ROW[:5], "sixty", "40"]))
    assert main(["import", str(path), "--db", fixture_db_url]) == 2
    err = capsys.readouterr().err
    assert "row 3, column #adm1+code, value 'UA-99': unknown location (did you mean UA-09 / Luhansk" in err
    assert "row 4, column #reached+f, value 'sixty': not a number" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["import", "/nonexistent/file.csv"], "cannot read /nonexistent/file.csv"),
    (["rollback", "123456789"], "no import batch 123456789"),
])
def test_cli_user_errors_exit_2(fixture_db_url: str, argv: list[str], message: str,
                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*argv, "--db", fixture_db_url]) == 2
    assert message in capsys.readouterr().err


def test_cli_import_of_garbage_exits_2(fixture_db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["import", str(path), "--db", fixture_db_url]) == 2
    assert "cannot be read as an Excel workbook" in capsys.readouterr().err


def _many(orgs: tuple[str, ...], bump: int = 0) -> bytes:
    rows = [["#org", "#adm1+code", "#date", "#indicator+code", "#sex", "#indicator+value"]]
    for month in range(1, 13):
        for area in ("UA46", "UA32", "UA12", "PL14", "PL12"):
            for org in orgs:
                for sex in ("female", "male"):
                    rows.append([org, area, f"2024-{month:02d}", "PPL_REACHED", sex, str(month + bump)])
    return csv_bytes(rows)


def test_replacing_many_rows_in_runs_and_scattered(engine: Engine) -> None:
    """A whole earlier file replaced (one run of ids) and one organisation's rows inside it (scattered ids)."""
    first = run(engine, _many(("WHO", "IOM")), name="both.csv")
    assert first.rows == 240
    who_only = run(engine, _many(("WHO",), bump=100), name="who.csv")
    assert who_only.replaced == 120  # every second id of the first batch
    both = run(engine, _many(("WHO", "IOM"), bump=200), name="both-v2.csv")
    assert both.replaced == 240
    frame = current_facts(engine)
    assert len(frame) == 240 and set(frame["batch_id"]) == {both.batch_id}
    assert frame["value"].sum() == sum(2 * 5 * 2 * (m + 200) for m in range(1, 13))
    rollback_batch(engine, both.batch_id)
    frame = current_facts(engine)
    assert (frame.groupby("organisation")["batch_id"].first().to_dict()
            == {"World Health Organization": who_only.batch_id, "International Organization for Migration": first.batch_id})


def test_mapped_file_problems_name_the_header_and_its_tag(engine: Engine) -> None:
    data = csv_bytes([["Partner", "Oblast", "Month", "Female"], ["WHO", "Lvov Oblast", "2024-05", "6"],
                      ["WHO", "Atlantis", "2024-05", "6"]])
    mapping = {"Partner": "#org+name", "Oblast": "#adm1+name", "Month": "#date", "Female": "#reached+f"}
    plan = plan_import(engine, data, "plain.csv", mapping=mapping, today=FIXTURE_TODAY)
    assert plan.report.lines() == ["row 3, column Oblast (#adm1+name), value 'Atlantis': unknown location"]
    assert plan.importable["location"].tolist() == ["UA46"]


def test_quality_rules_run_on_every_import_as_warnings(engine: Engine) -> None:
    data = csv_bytes([["#org", "#adm1+code", "#date", "#indicator+code", "#activity+code", "#value"],
                      ["WHO", "UA46", "2024-05", "TRAININGS_HELD", "3.2", "500"],
                      ["WHO", "UA46", "2024-06", "TRAININGS_HELD", "3.2", "4"]])
    plan = plan_import(engine, data, "trainings.csv", today=FIXTURE_TODAY)
    warnings = [p for p in plan.report.warnings if "data-quality rule" in p.reason]
    assert [(p.row, "“Implausibly large value”" in p.reason) for p in warnings] == [(2, True)]
    assert plan.report.ok
