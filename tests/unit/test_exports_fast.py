"""The CSV downloads built from each column's distinct values are, byte for byte, the files the per-cell
implementation wrote; ``neutralise`` gives the same frame (values and dtypes). That implementation is kept
below as the reference (``_reference_*``), and both run on the demo rows of the fixture database, on a frame
of awkward cells and on seeded random frames."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import exports, i18n, queries, store
from dashboard.exports import EXPORT_COLUMNS, export_headers
from dashboard.filters import Filters

# --- The implementation before the distinct-values rewrite (dashboard/exports.py at eaeb3bf), the reference. ---

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_HXL_SEX = {"female": "+f", "male": "+m"}
_HXL_AGE = {"0-4": "+infants", "5-11": "+children", "12-17": "+adolescents", "18-59": "+adults", "60+": "+elderly"}


def _reference_compute_export_frame(frame: pd.DataFrame, *, translate: bool = True,
                                    dates_as_text: bool = True) -> pd.DataFrame:
    cols = [c for c in EXPORT_COLUMNS if c in frame.columns]
    out = frame[cols].copy()
    for col in (C.PERIOD_START, C.PERIOD_END):
        if col in out:
            out[col] = out[col].astype(str) if dates_as_text else _reference_as_dates(out[col])
    headers = export_headers() if translate else {c: EXPORT_COLUMNS[c][0] for c in cols}
    return out.rename(columns={c: headers[c] for c in cols}).reset_index(drop=True)


def _reference_as_dates(values: pd.Series) -> pd.Series:
    if values.map(lambda v: isinstance(v, date) or v is None).all():
        return values
    parsed = pd.to_datetime(values.astype(str).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return pd.Series([d.date() if not pd.isna(d) else v for d, v in zip(parsed, values, strict=True)],
                     index=values.index, dtype=object)


def _reference_neutralise_text(value: object) -> object:
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START)):
        return "'" + value
    return value


def _reference_neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(_reference_neutralise_text)
    out.columns = [_reference_neutralise_text(c) for c in out.columns]
    return out


def _reference_build_csv(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    text = _reference_neutralise(_reference_compute_export_frame(frame)).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig" if excel else "utf-8")


def _reference_build_table_csv(table: pd.DataFrame) -> bytes:
    return _reference_neutralise(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def _reference_hxl_tags(frame: pd.DataFrame) -> list[str]:
    tags = []
    for col in [c for c in EXPORT_COLUMNS if c in frame.columns]:
        tag = EXPORT_COLUMNS[col][1]
        if col == C.VALUE:
            sexes = set(frame[C.SEX]) if C.SEX in frame else set()
            ages = set(frame[C.AGE]) if C.AGE in frame else set()
            if len(sexes) == 1 and next(iter(sexes)) in _HXL_SEX:
                tag += _HXL_SEX[next(iter(sexes))]
            if len(ages) == 1 and next(iter(ages)) in _HXL_AGE:
                tag += _HXL_AGE[next(iter(ages))]
        tags.append(tag)
    return tags


def _reference_build_hxl_csv(frame: pd.DataFrame) -> bytes:
    import io

    data = _reference_compute_export_frame(frame)
    buffer = io.StringIO()
    header = pd.DataFrame([_reference_hxl_tags(frame)], columns=data.columns)
    rows = _reference_neutralise(pd.concat([header, data.astype(object)], ignore_index=True))
    rows.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")


# --- Helpers ---

def _outcome(build: Callable[[], object]) -> object:
    """What a build gives, or the type of the exception it raises (both implementations must agree on it)."""
    try:
        return build()
    except Exception as error:  # noqa: BLE001 - the exception type is the outcome compared
        return type(error)


def assert_same_files(frame: pd.DataFrame) -> None:
    """Every CSV download and the neutralised frame, new against reference."""
    for excel in (False, True):
        assert _outcome(partial(exports.build_csv, frame, excel=excel)) == \
            _outcome(partial(_reference_build_csv, frame, excel=excel))
    assert _outcome(lambda: exports.build_hxl_csv(frame)) == _outcome(lambda: _reference_build_hxl_csv(frame))
    assert _outcome(lambda: exports.build_table_csv(frame)) == _outcome(lambda: _reference_build_table_csv(frame))
    assert_same_neutralised(frame)


def assert_same_neutralised(frame: pd.DataFrame) -> None:
    expected = _outcome(lambda: _reference_neutralise(frame))
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(exports.neutralise(frame), expected, check_exact=True)
        for col in range(len(frame.columns)):  # missing values stay the objects they were (None, NaN, pd.NA)
            new, old = exports.neutralise(frame).iloc[:, col], expected.iloc[:, col]
            if old.dtype == object:
                assert [type(v) for v in new] == [type(v) for v in old]
    else:
        assert _outcome(lambda: exports.neutralise(frame)) == expected


@pytest.fixture(params=[1 << 18, 3], ids=["one-block", "blocks-of-3-rows"])
def _row_blocks(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Runs a test with the file joined in one block, and in blocks of three rows (block edges everywhere)."""
    monkeypatch.setattr(exports, "_ROWS_PER_BLOCK", request.param)
    yield


@pytest.fixture(params=[1 << 20, 1], ids=["columns-grouped", "columns-apart"])
def _column_groups(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Runs a test with neighbouring columns joined first, and with every column on its own."""
    monkeypatch.setattr(exports, "_GROUP_SPACE", request.param)
    yield


# --- The demo rows of the fixture database ---

@pytest.fixture(scope="module")
def demo_rows(fixture_db_path: Path) -> pd.DataFrame:
    """A few thousand fact rows as the Explorer reads them, with every row of a real reference figure."""
    engine = store.get_engine(f"sqlite:///{fixture_db_path}")
    try:
        facts = queries.fetch_facts(engine, Filters(), None)
    finally:
        engine.dispose()
    sample = pd.concat([facts[facts[C.SOURCE].notna()], facts.iloc[::7]]).reset_index(drop=True)
    assert 2000 < len(sample) < 5000 and sample[C.SOURCE].notna().any() and sample[C.LAYER].isna().any()
    return sample


@pytest.mark.parametrize("lang", ["en", "uk", "pl"])
def test_demo_rows_give_the_same_csv_files(demo_rows: pd.DataFrame, lang: str, _row_blocks: None) -> None:
    with i18n.language(lang):
        for excel in (False, True):
            assert exports.build_csv(demo_rows, excel=excel) == _reference_build_csv(demo_rows, excel=excel)
        assert exports.build_hxl_csv(demo_rows) == _reference_build_hxl_csv(demo_rows)
        export = exports.compute_export_frame(demo_rows)
        pd.testing.assert_frame_equal(export, _reference_compute_export_frame(demo_rows), check_exact=True)
        assert exports.build_table_csv(export) == _reference_build_table_csv(export)


def test_demo_rows_give_the_same_frames(demo_rows: pd.DataFrame) -> None:
    for dates_as_text in (True, False):
        export = exports.compute_export_frame(demo_rows, dates_as_text=dates_as_text)
        pd.testing.assert_frame_equal(
            export, _reference_compute_export_frame(demo_rows, dates_as_text=dates_as_text), check_exact=True)
        assert_same_neutralised(export)
    assert_same_neutralised(demo_rows)


def test_one_value_for_sex_and_age_tags_the_value_column(demo_rows: pd.DataFrame) -> None:
    women = demo_rows[(demo_rows[C.SEX] == "female") & (demo_rows[C.AGE] == "18-59")]
    assert exports.hxl_tags(women)[-3] == "#reached+ind+f+adults" == _reference_hxl_tags(women)[-3]
    assert exports.build_hxl_csv(women) == _reference_build_hxl_csv(women)
    assert exports.hxl_tags(demo_rows) == _reference_hxl_tags(demo_rows)


# --- A frame of awkward cells ---

_FORMULAS = ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd", "\ncmd", "\uff1dcmd", "\uff0b1", "\uff0d1", "\uff20x",
             "  =1", " +1", "   ", " ", "'=already", "#tag"]
_AWKWARD = ["a,b", 'say "hi"', '"', "line1\r\nline2", "cr\ronly", "lf\nonly", "", "Київ", "Łódź, Śląsk",
            "Житомирська область", "tab\tinside", "nul\x00inside", "trailing ", "e\u0301", "😀", "1.0", "True"]
_TEXT = _FORMULAS + _AWKWARD


def _cycle(values: list[object], n: int) -> list[object]:
    return [values[i % len(values)] for i in range(n)]


def awkward_frame(n: int = 60) -> pd.DataFrame:
    """Export columns holding formula starts, separators, quotes, line breaks, missing values of every kind,
    Ukrainian and Polish text, and numbers pandas writes in its own way."""
    floats = [1.0, 0.1, 1e20, 250.0, -0.0, 0.0, np.nan, 1e-7, 123456789.123, 1e16, 2.5e-5, float("inf"), 7.0]
    return pd.DataFrame({
        C.ORGANISATION: _cycle(_TEXT, n),  # str dtype (pandas 3's default for text)
        C.ORG_TYPE: pd.Series(_cycle([*_TEXT, None, np.nan, pd.NA], n), dtype=object),
        C.INDICATOR: pd.Series(_cycle([*_FORMULAS[:5], None], n), dtype="string"),
        C.ACTIVITY: pd.Series(_cycle(["=a", "'=a", "2.1", np.nan], n), dtype="category"),
        C.LAYER: pd.array(_cycle([1, 2, None, 4], n), dtype="Int64"),
        C.COUNTRY: pd.Series(_cycle(["UKR", "POL", None], n), dtype=pd.StringDtype("python", na_value=np.nan)),
        C.PCODE: pd.Series(_cycle([1, None], n), dtype=object),  # pandas' map() makes this float
        C.ISO: pd.Series(_cycle([1, True, 1.0, "=x", None, np.nan, pd.NA, date(2026, 3, 1), -0.0, 0], n),
                         dtype=object),
        C.AREA: pd.Series([None] * n, dtype=object),
        C.PERIOD_START: _cycle([date(2026, 3, 1), date(2025, 12, 1), None], n),
        C.PERIOD_END: pd.Series(_cycle(["2026-03-31", "=2026", np.nan], n), dtype=object),
        C.SEX: pd.Series([np.nan] * n, dtype="str"),
        C.AGE: pd.Series(_cycle(["0-4", "60+"], n), dtype="category"),
        C.GROUP: pd.Series(_cycle([3, 1, 2], n), dtype="category"),
        C.DISABILITY: _cycle([True, False], n),
        C.VALUE: _cycle(floats, n),
        C.IS_DEMO: pd.array(_cycle([True, None, False], n), dtype="boolean"),
        C.SOURCE: pd.array(_cycle([1.5, None, -0.0, 0.0], n), dtype="Float64"),
    })


@pytest.mark.parametrize("lang", ["en", "uk", "pl"])
def test_awkward_cells_give_the_same_files(lang: str, _row_blocks: None, _column_groups: None) -> None:
    frame = awkward_frame()
    with i18n.language(lang):
        assert_same_files(frame)
        for col in frame.columns:  # each column alone, then with the value column
            assert_same_files(frame[[col]])
            assert_same_files(frame[[col, C.VALUE]] if col != C.VALUE else frame[[col]])


def test_awkward_cells_stay_inert_and_whole() -> None:
    """What the comparison stands for: a formula-like cell reads back with its apostrophe, a cell with a
    comma, quote or line break reads back whole, and missing values are empty."""
    import io

    frame = awkward_frame(len(_TEXT))
    out = pd.read_csv(io.BytesIO(exports.build_csv(frame)), keep_default_na=False, dtype=str)
    assert len(out) == len(_TEXT)
    names = out["organisation"].tolist()
    assert names[:13] == [f"'{v}" for v in _FORMULAS[:13]]
    assert names[13:17] == ["   ", " ", "'=already", "#tag"]
    assert names[17:20] == ["a,b", 'say "hi"', '"'] and names[-1] == "True"
    assert out["adm1_name"].tolist() == [""] * len(_TEXT)
    assert out["adm1_pcode"].tolist()[:2] == ["1.0", ""]  # the reference's own rule: map() made the column float


@pytest.mark.parametrize("table", [
    pd.DataFrame({"=cmd": ["=1", "2"], 3: [1.5, 2.0], "when": pd.to_datetime(["2026-01-01", "2026-01-02"])}),
    pd.DataFrame({"when": pd.to_datetime([pd.Timestamp("2026-01-01 10:00"), None]), "n": [1, 2]}),
    pd.DataFrame({"delta": pd.to_timedelta([1, 2], unit="D"), "n": [1, 2]}),
    pd.DataFrame({"only": ["", None, "=x", "a"]}),
    pd.DataFrame({"only": pd.Series([np.nan, 1.0])}),
    pd.DataFrame({"": ["", ""]}),
    pd.DataFrame({"a": pd.Series([], dtype=object), "b": pd.Series([], dtype=float)}),
    pd.DataFrame(index=range(3)),
    pd.DataFrame([[1, "=a"], [2, "b"]], columns=["x", "x"]),
    pd.DataFrame({"cat": pd.Categorical([pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-01 12:00")])}),
    pd.DataFrame({"c": [1 + 2j, 3j], "u": np.array([1, 2**64 - 1], dtype=np.uint64),
                  "f32": np.array([0.1, 1e20], dtype=np.float32), "i8": np.array([-1, 5], dtype=np.int8)}),
    pd.DataFrame({"o": pd.Series([datetime(2026, 1, 1), date(2026, 1, 1)], dtype=object), "n": [1, 2]}),
    pd.DataFrame({"np_str": pd.Series([np.str_("=a"), "=a", np.str_("b")], dtype=object)}),
    pd.DataFrame({"big": pd.Series([2**70, -1], dtype=object), "empty_str": pd.Series([np.nan, np.nan], dtype=str)}),
    pd.DataFrame({"none_nan": pd.Series([None, np.nan, None], dtype=object),  # map() makes this float
                  "none_na": pd.Series([None, pd.NA, None], dtype=object),  # and leaves this as objects
                  "nat_none": pd.Series([pd.NaT, None, None], dtype=object)}),  # and makes this datetimes
], ids=["datetime-and-labels", "datetime-with-time", "timedelta", "one-column-of-text", "one-column-of-numbers",
        "empty-label", "no-rows", "no-columns", "duplicate-labels", "categorical-datetimes", "other-numbers",
        "dates-and-datetimes", "numpy-strings", "big-ints-and-empty-text", "kinds-of-missing"])
def test_tables_give_the_same_files(table: pd.DataFrame, _row_blocks: None, _column_groups: None) -> None:
    assert _outcome(lambda: exports.build_table_csv(table)) == _outcome(lambda: _reference_build_table_csv(table))
    assert_same_neutralised(table)


def test_repeated_export_columns_fail_or_tag_as_before() -> None:
    frame = pd.DataFrame([["female", "female", 1.0], ["female", "female", 2.0]], columns=[C.SEX, C.SEX, C.VALUE])
    assert exports.hxl_tags(frame) == _reference_hxl_tags(frame)
    assert_same_files(frame)


def test_a_table_index_is_not_written() -> None:
    table = awkward_frame(12).set_index(pd.Index([5, 5, 3, 1, 0, 9, 8, 7, 6, 4, 2, 2]))
    assert exports.build_table_csv(table) == _reference_build_table_csv(table)
    assert_same_neutralised(table)


# --- Seeded random frames ---

_POOLS: dict[str, list[object]] = {
    "text": [*_TEXT, "plain", "Харків", "Kraków"],
    "text+missing": [*_TEXT[:8], None, np.nan, pd.NA, "x"],
    "numbers": [1, 2.5, -0.0, 0.0, np.nan, 1e20, 3],
    "mixed": [1, True, 1.0, "=x", "x", None, date(2026, 1, 1), 0.1, False, pd.NA],
    "dates": [date(2026, 1, 1), date(2025, 2, 28), None],
}
_DTYPES = ["object", "str", "string", "category", None]


def random_frame(seed: int) -> pd.DataFrame:
    rng = random.Random(seed)
    n = rng.choice([1, 2, 5, 17, 40])
    columns: dict[str, object] = {}
    for name in rng.sample(list(EXPORT_COLUMNS), rng.randint(1, 8)):
        pool = _POOLS[rng.choice(list(_POOLS))]
        values = [rng.choice(pool) for _ in range(n)]
        dtype = rng.choice(_DTYPES)
        try:
            columns[name] = pd.Series(values, dtype=dtype)
        except (TypeError, ValueError):
            columns[name] = pd.Series(values, dtype=object)
    return pd.DataFrame(columns)


@pytest.mark.parametrize("seed", range(40))
def test_random_frames_give_the_same_files(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "_ROWS_PER_BLOCK", 1 + seed % 7)
    monkeypatch.setattr(exports, "_GROUP_SPACE", [1, 50, 1 << 20][seed % 3])
    assert_same_files(random_frame(seed))
