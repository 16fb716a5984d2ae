"""The import suite (quirks, idempotency, replacement, rollback, rejection, personal data, mappings, CLI,
template, fuzzing) run again against the local PostgreSQL server, where bulk writes go through COPY.

The test functions are the SQLite ones, collected here with ``engine`` and ``fixture_db_url`` pointing at a
throwaway PostgreSQL database seeded by the same fixture builder.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from dashboard import store
from tests.conftest import build_fixture_database
from tests.unit.test_import_fuzz import test_random_csv_cells, test_truncated_xlsx_is_refused_cleanly  # noqa: F401
from tests.unit.test_import_pipeline import (  # noqa: F401
    test_allow_partial_leaves_out_rows_with_errors,
    test_children_column_goes_to_children_reached,
    test_cli_import_dry_run_import_history_rollback,
    test_cli_rejects_with_one_line_per_problem,
    test_dry_run_shows_the_changes_and_writes_nothing,
    test_file_with_errors_is_rejected_whole,
    test_import_writes_one_batch_with_the_values,
    test_long_format_with_vocabulary_spellings,
    test_newer_report_replaces_the_older_one,
    test_only_file_imports_can_be_rolled_back,
    test_other_keys_are_not_replaced,
    test_personal_data_is_refused,
    test_reimport_after_rollback_is_allowed,
    test_rollback_deletes_the_batch_and_restores_what_it_replaced,
    test_rollback_of_a_middle_batch_keeps_the_latest_report,
    test_same_file_twice_changes_nothing,
    test_untagged_file_needs_a_mapping_once_then_reuses_it,
)
from tests.unit.test_import_quirks import test_quirk  # noqa: F401
from tests.unit.test_import_template import test_filled_template_imports  # noqa: F401

pytestmark = pytest.mark.postgres


@pytest.fixture
def fixture_db_url(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    engine = build_fixture_database(pg_url, rows=0)  # the import tests need the catalogue, not demo rows
    engine.dispose()
    monkeypatch.setenv("MHPSS_DATABASE_URL", pg_url)
    return pg_url


@pytest.fixture
def engine(fixture_db_url: str) -> Iterator[Engine]:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


def test_postgres_bulk_import_of_many_rows_uses_copy(engine: Engine) -> None:
    """50,000 values in one file: written through COPY, counted, replaced and rolled back exactly."""
    from data_sources.importing import import_file, rollback_batch
    from tests.conftest import FIXTURE_TODAY
    from tests.unit.test_import_helpers import csv_bytes

    months = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)]
    areas = ["UA46", "UA32", "UA12", "UA63", "UA51", "PL14", "PL12", "PL02", "LT10", "LT02"]
    sexes = ["female", "male", "other"]
    rows = [["#org", "#adm1+code", "#date", "#activity+code", "#indicator+code", "#sex", "#age", "#indicator+value"]]
    n = 0
    for org in ("WHO", "IOM", "UNHCR", "PMF"):
        for area in areas:
            for month in months:
                for sex in sexes:
                    for age in ("0-4", "5-11", "12-17", "18-59", "60+"):
                        if n < 50_000:
                            rows.append([org, area, month, "2.1", "PPL_REACHED", sex, age, str(n % 97)])
                            n += 1
    first = import_file(engine, csv_bytes(rows), "big.csv", today=FIXTURE_TODAY)
    assert first.rows == len(rows) - 1
    changed = [r[:-1] + [str(int(r[-1]) + 1)] for r in rows[1:]]
    second = import_file(engine, csv_bytes([rows[0], *changed]), "big-v2.csv", today=FIXTURE_TODAY)
    assert second.replaced == first.rows and second.plan.changes.changed == first.rows
    with engine.connect() as conn:
        current = conn.execute(text("SELECT COUNT(*), SUM(value) FROM facts WHERE batch_id = :b AND replaced_by IS NULL"),
                               {"b": second.batch_id}).one()
    assert current[0] == first.rows and current[1] == sum(int(r[-1]) for r in changed)
    assert rollback_batch(engine, second.batch_id).restored == first.rows


def test_set_wise_reference_check_catches_a_broken_reference(engine: Engine) -> None:
    """With the per-row triggers skipped for a bulk write, the set-wise check still refuses a bad reference."""
    from data_sources.batches import open_batch
    from data_sources.importing import ImportFileError
    from data_sources.importing.pipeline import _check_fks_set_wise, _skip_row_fk_checks

    with pytest.raises(ImportFileError, match="1 value refers to"), engine.begin() as conn:
        assert _skip_row_fk_checks(conn)  # the test server's postgres role may skip them
        batch = open_batch(conn, "file import", file_name="x.csv")
        conn.execute(text(
            "INSERT INTO facts (indicator_id, organisation_id, location_id, period_start, period_end, period_month, "
            "sex, age_band, population_group, disability, value, batch_id, is_demo) "
            "VALUES (1, 999999, 1, '2024-05-01', '2024-05-31', '2024-05', 'all', 'all', 'all', 'all', 1, :b, false)"),
            {"b": batch})
        _check_fks_set_wise(conn, batch)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM facts WHERE organisation_id = 999999")).scalar_one() == 0
