"""Property-based fuzzing of the readers and the whole import: whatever the file holds, only the importer's
own error type escapes, and a refused file writes nothing."""

from __future__ import annotations

import contextlib
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import Engine

from dashboard import store
from data_sources.importing import ImportFileError, import_file
from data_sources.importing.readers import read_file
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_import_helpers import HXL, csv_bytes, table_counts, xlsx_bytes

EXAMPLES = int(os.environ.get("MHPSS_FUZZ_EXAMPLES", "60"))  # raise it for a long local fuzzing run
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["WHO", "UA46", "Lviv", "2024-05", "5/7/2024", "June-2022", "45413", "1714521600", "N/A",
                     "(unknown)", "1,200", "12.0", "-4", "#org", "# of people", "#adm1+code", "=A1", "female",
                     "children", "2.1", "PPL_REACHED", "olena@example.org", "+380501234567", "1e309", "",
                     "\u00a0", "\"", "\r\n", "\x00"]),
    st.integers(-10, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)
tables = st.lists(st.lists(cells, min_size=0, max_size=9), min_size=0, max_size=8)


@pytest.fixture
def engine(fixture_db_url: str) -> Engine:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


def _import_or_refuse(engine: Engine, data: bytes, name: str) -> None:
    before = table_counts(engine)
    try:
        result = import_file(engine, data, name, today=FIXTURE_TODAY, created_by="fuzz")
    except ImportFileError as exc:
        assert exc.lines() and all(isinstance(line, str) and line for line in exc.lines())
        assert table_counts(engine) == before  # nothing written
        return
    if result.status == "committed":
        assert table_counts(engine)["facts"] == before["facts"] + result.rows


@FUZZ
@given(data=st.binary(max_size=2_000))
def test_random_bytes(engine: Engine, data: bytes) -> None:
    _import_or_refuse(engine, data, "random.csv")


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_behind_an_xlsx_signature(data: bytes) -> None:
    with contextlib.suppress(ImportFileError):
        for sheet in read_file(b"PK\x03\x04" + data, "random.xlsx"):
            for _chunk in sheet.chunks():
                pass


@FUZZ
@given(rows=tables, tagged=st.booleans(), newline=st.sampled_from(["\n", "\r\n", "\r"]),
       sep=st.sampled_from([",", ";", "\t"]), bom=st.booleans())
def test_random_csv_cells(engine: Engine, rows: list[list[str]], tagged: bool, newline: str, sep: str,
                          bom: bool) -> None:
    body = ([HXL] if tagged else []) + rows
    try:
        data = csv_bytes(body, newline=newline, sep=sep, bom=bom)
    except UnicodeEncodeError:
        return
    _import_or_refuse(engine, data, "cells.csv")


@settings(max_examples=max(EXAMPLES // 3, 10), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=tables, tagged=st.booleans())
def test_random_xlsx_cells(engine: Engine, rows: list[list[str]], tagged: bool) -> None:
    clean = [[c.replace("\x00", "") for c in r] for r in rows]
    try:
        data = xlsx_bytes({"Data": ([HXL] if tagged else []) + clean})
    except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses control characters when writing
        return
    _import_or_refuse(engine, data, "cells.xlsx")


def test_truncated_xlsx_is_refused_cleanly(engine: Engine) -> None:
    whole = xlsx_bytes({"Data": [HXL, ["WHO", "UA46", "2024-05", "2.1", "1", "1", "0"]]})
    for cut in (10, 100, len(whole) // 2, len(whole) - 10):
        with pytest.raises(ImportFileError):
            import_file(engine, io.BytesIO(whole[:cut]).getvalue(), "cut.xlsx", today=FIXTURE_TODAY)
