"""Downloads of exactly the rows on screen: CSV (UTF-8, and an Excel-friendly variant with a byte-order
mark), XLSX (data, data dictionary and filters sheets) and HXL-tagged CSV, plus a filters JSON companion.

Languages: column headers, the XLSX sheet names, the data dictionary and the filters sheet are in the
reader's language (English headers are the machine names they always were); the values stay
machine-readable whatever the language: codes, dot decimals and ISO dates in the CSV files, real numbers
and real dates in the XLSX (Excel then shows them per the reader's own settings). The HXL tag row and the
filters JSON never change with the language.

Text cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab,
carriage return or line feed, their full-width forms, or any of these after leading spaces) are neutralised
with a leading apostrophe, in every file: CSV, the HXL tag row and data, and every XLSX sheet (whose cells
are also written as text, never as formulas, and lose the control characters Excel cannot store). File names
are reduced to safe characters.

Speed: the CSV files are built column by column from each column's distinct values (a million rows hold a few
hundred): neutralising, pandas' CSV formatting and the quoting run once per distinct value, and pyarrow joins
the cells into rows. The bytes are exactly those of ``neutralise(frame).to_csv(index=False,
lineterminator="\\r\\n")``, which remains the path for the columns this cannot take (datetimes, whose text pandas
chooses from the other rows) and is what tests/unit/test_exports_fast.py compares against.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from dashboard import columns as C
from dashboard import i18n
from dashboard.filters import Filters, Period, describe
from dashboard.i18n import N_, _, pgettext

# Export column -> (header, HXL hashtag, description). The header is the machine name (the English files'
# header); :func:`export_headers` gives it in the reader's language.
EXPORT_COLUMNS: dict[str, tuple[str, str, str]] = {
    C.ORGANISATION: ("organisation", "#org+name", N_("Reporting organisation (names ending “(demo)” are fictional)")),
    C.ORG_TYPE: ("org_type", "#org+type",
                 N_("Organisation type code: un, ingo, nngo, government, academic, cbo, coordination")),
    C.INDICATOR: ("indicator", "#indicator+code", N_("Indicator code (see the Indicators page for definitions)")),
    C.ACTIVITY: ("activity", "#activity+code", N_("IASC MHPSS 4Ws activity code")),
    C.LAYER: ("pyramid_layer", "#activity+layer",
              N_("IASC intervention pyramid layer 1–4 (empty for general activities)")),
    C.COUNTRY: ("country", "#country+code", N_("ISO 3166-1 alpha-3 country code")),
    C.PCODE: ("adm1_pcode", "#adm1+code", N_("Admin area P-code (OCHA COD where it exists)")),
    C.ISO: ("adm1_iso", "#adm1+code+iso", N_("ISO 3166-2 code of the area")),
    C.AREA: ("adm1_name", "#adm1+name", N_("Area name (English)")),
    C.PERIOD_START: ("period_start", "#date+start", N_("First day of the reporting period (YYYY-MM-DD)")),
    C.PERIOD_END: ("period_end", "#date+end", N_("Last day of the reporting period (YYYY-MM-DD)")),
    C.SEX: ("sex", "#group+sex", N_("female, male, other, or all (not disaggregated)")),
    C.AGE: ("age_band", "#group+age", N_("0-4, 5-11, 12-17, 18-59, 60+, or all")),
    C.GROUP: ("population_group", "#population+type", N_("refugee, host, idp, returnee, or all")),
    C.DISABILITY: ("disability", "#group+disability", N_("yes, no, unknown, or all")),
    C.VALUE: ("value", "#reached+ind", N_("Reported value in the indicator's unit")),
    C.IS_DEMO: ("demo", "#meta+demo", N_("true for synthetic demo data")),
    C.SOURCE: ("source", "#meta+source", N_("Source of a real reference figure (empty for partner reports)")),
}


def export_headers() -> dict[str, str]:
    """Export column -> its header in the current language (in English the machine names, unchanged)."""
    # Translators: column headers of the downloaded CSV and XLSX files (one word or a short phrase each).
    headers = {
        C.ORGANISATION: pgettext("export column", "organisation"),
        C.ORG_TYPE: pgettext("export column", "org_type"),
        C.INDICATOR: pgettext("export column", "indicator"),
        C.ACTIVITY: pgettext("export column", "activity"),
        C.LAYER: pgettext("export column", "pyramid_layer"),
        C.COUNTRY: pgettext("export column", "country"),
        C.PCODE: pgettext("export column", "adm1_pcode"),
        C.ISO: pgettext("export column", "adm1_iso"),
        C.AREA: pgettext("export column", "adm1_name"),
        C.PERIOD_START: pgettext("export column", "period_start"),
        C.PERIOD_END: pgettext("export column", "period_end"),
        C.SEX: pgettext("export column", "sex"),
        C.AGE: pgettext("export column", "age_band"),
        C.GROUP: pgettext("export column", "population_group"),
        C.DISABILITY: pgettext("export column", "disability"),
        C.VALUE: pgettext("export column", "value"),
        C.IS_DEMO: pgettext("export column", "demo"),
        C.SOURCE: pgettext("export column", "source"),
    }
    return headers


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_HXL_SEX = {"female": "+f", "male": "+m"}
_HXL_AGE = {"0-4": "+infants", "5-11": "+children", "12-17": "+adolescents", "18-59": "+adults", "60+": "+elderly"}


def compute_export_frame(frame: pd.DataFrame, *, translate: bool = True, dates_as_text: bool = True) -> pd.DataFrame:
    """The rows on screen with the export columns, in order, under their export headers (in the reader's
    language unless ``translate`` is false). Values are never translated: codes, numbers and dates stay as
    they are; ``dates_as_text`` writes the dates as ISO text (the CSV files), else they stay dates (XLSX)."""
    cols = [c for c in EXPORT_COLUMNS if c in frame.columns]
    out = frame[cols]  # a new frame (copy on write): setting its columns leaves ``frame`` as it is
    for col in (C.PERIOD_START, C.PERIOD_END):
        if col in out:
            out[col] = _as_text(out[col]) if dates_as_text else _as_dates(out[col])
    headers = export_headers() if translate else {c: EXPORT_COLUMNS[c][0] for c in cols}
    return out.rename(columns={c: headers[c] for c in cols}).reset_index(drop=True)


def _as_dates(values: pd.Series) -> pd.Series:
    """Dates as ``datetime.date`` objects (what an XLSX date cell is written from); unreadable values stay."""
    if values.map(lambda v: isinstance(v, date) or v is None).all():
        return values
    parsed = pd.to_datetime(values.astype(str).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    return pd.Series([d.date() if not pd.isna(d) else v for d, v in zip(parsed, values, strict=True)],
                     index=values.index, dtype=object)


def neutralise_text(value: object) -> object:
    """One cell: text a spreadsheet would evaluate as a formula gets a leading apostrophe."""
    if isinstance(value, str) and (value.startswith(_FORMULA_START) or value.lstrip(" ").startswith(_FORMULA_START)):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that spreadsheets would evaluate as formulas with an apostrophe (column names too).

    The same frame (values and dtypes) as mapping :func:`neutralise_text` over every cell of the text columns,
    computed once per distinct value."""
    out = frame.copy()
    for col in out.columns:
        if _is_text(out[col]):
            out[col] = _neutralised(out[col])
    out.columns = [neutralise_text(c) for c in out.columns]
    return out


def _is_text(column: pd.Series) -> bool:
    return column.dtype == object or pd.api.types.is_string_dtype(column)


class _Coded(NamedTuple):
    """A column as its distinct values and, per row, the position of its value among them."""

    codes: np.ndarray  # one per row
    values: pd.Series  # in the column's dtype, index 0…; the missing values (each kind once) come last
    present: int  # how many of ``values`` are not missing; a missing row has the code ``present``


def _code(column: pd.Series) -> _Coded | None:
    """The column coded by its distinct values, where two rows share a value only if pandas writes them the same
    and treats them the same in :meth:`pandas.Series.map` and :meth:`~pandas.Series.astype` (floats are told apart
    by their bits, so -0.0 is not 0.0; objects only when all are text or all are dates, so 1, 1.0 and True stay
    apart); other columns of objects get one value per row. None for the dtypes whose CSV text depends on the
    other values (datetimes and timedeltas: pandas leaves out the time of day when no row in the block has one)."""
    values = column.reset_index(drop=True)
    dtype = values.dtype
    objects = isinstance(dtype, np.dtype) and dtype.kind == "O"
    whole = _Coded(np.arange(len(values)), values, len(values))  # one value per row
    key: Any
    if isinstance(dtype, pd.CategoricalDtype):
        if dtype.categories.dtype.kind in "mM":
            return None
        key = values.cat.codes.to_numpy()  # a missing value has the code -1: a value like the others here
    elif isinstance(dtype, pd.StringDtype) or isinstance(values.array, (pd.arrays.IntegerArray,
                                                                          pd.arrays.BooleanArray)):
        key = values.array
    elif isinstance(dtype, np.dtype) and dtype.kind in "biu":
        key = values.to_numpy()
    elif isinstance(dtype, np.dtype) and dtype.kind == "f":
        key = values.to_numpy().view(f"i{dtype.itemsize}")
    elif objects:
        key = values.to_numpy()
        if pd.api.types.infer_dtype(key, skipna=True) not in ("string", "date", "empty"):
            return whole
    elif isinstance(values.array, pd.arrays.FloatingArray):
        return whole
    else:
        return None
    codes, uniques = pd.factorize(key)
    if isinstance(dtype, pd.CategoricalDtype):
        distinct = pd.Series(pd.Categorical.from_codes(uniques, dtype=dtype))
    elif objects:
        if any(type(v) is not str and type(v) is not date for v in uniques):
            return whole  # datetimes and the like: equal ones may read differently
        distinct = pd.Series(uniques, dtype=object)
    else:
        distinct = pd.Series(uniques.view(dtype) if dtype.kind == "f" else uniques)
    if distinct.dtype != dtype:
        return whole
    present = len(distinct)
    missing = codes < 0
    if not missing.any():
        return _Coded(codes, distinct, present)
    if objects:  # None, NaN and pd.NA each once: map() infers a dtype from them
        kinds = pd.Series(pd.unique(key[missing]), dtype=object)
    else:
        kinds = values.iloc[[int(np.argmax(missing))]]
    return _Coded(np.where(missing, present, codes), pd.concat([distinct, kinds], ignore_index=True), present)


def _neutralised(column: pd.Series) -> pd.Series:
    """``column.map(neutralise_text)`` (its values and the dtype pandas infers), mapping each distinct value once:
    the distinct values hold every kind of value in the column, so pandas infers the same dtype from them."""
    coded = None if isinstance(column.dtype, pd.CategoricalDtype) else _code(column)
    if coded is None or len(coded.values) == len(column):  # a categorical maps its categories only
        return column.map(neutralise_text)
    mapped = coded.values.map(neutralise_text)
    if mapped.dtype == object:  # left as objects: the missing values stay what they were (None, NaN, pd.NA)
        out = column.to_numpy(dtype=object, copy=True)
        found = coded.codes < coded.present
        out[found] = mapped.to_numpy()[coded.codes[found]]
        return pd.Series(out, index=column.index, name=column.name, dtype=object)
    return pd.Series(mapped.array.take(coded.codes), index=column.index, name=column.name)


def _as_text(column: pd.Series) -> pd.Series:
    """``column.astype(str)``, converting each distinct value of a column of objects (dates) once."""
    coded = _code(column) if column.dtype == object else None
    if coded is None or len(coded.values) == len(column):
        return column.astype(str)
    return pd.Series(coded.values.astype(str).array.take(coded.codes), index=column.index, name=column.name)


def _xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralised, and without the control characters an XLSX cell cannot hold (they would stop the file)."""
    out = neutralise(frame)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # Line ends as one line feed: what a spreadsheet reads back (a bare carriage return would be
            # written as the escape _x000D_, which not every reader turns back into one).
            out[col] = out[col].map(lambda v: _XLSX_ILLEGAL.sub("", v).replace("\r\n", "\n").replace("\r", "\n")
                                    if isinstance(v, str) else v)
    return out


def safe_file_name(stem: str, extension: str) -> str:
    """A file name of letters, digits, dots, dashes and underscores only (at most 120 characters)."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:120] or "export"
    if cleaned.split(".")[0].upper() in _RESERVED_NAMES:  # names Windows will not save
        cleaned = "_" + cleaned
    suffix = re.sub(r"[^A-Za-z0-9]+", "", extension)[:10] or "txt"
    return f"{cleaned}.{suffix}"


def file_stem(filters: Filters, period: Period, generated: datetime) -> str:
    parts = ["mhpss", period.start, period.end]
    if filters.indicator:
        parts.append(filters.indicator)
    parts += list(filters.countries) + list(filters.adm1)[:3]
    parts.append(generated.strftime("%Y%m%dT%H%MZ"))
    return "_".join(parts)


# RFC 4180 line ends: the csv writer then quotes any cell holding a CR or LF, so no cell splits a row. These are
# the options of pandas' csv writer with to_csv(index=False, lineterminator="\r\n").
_CSV_DIALECT: dict[str, Any] = {"delimiter": ",", "quotechar": '"', "doublequote": True, "escapechar": None,
                                "quoting": csv.QUOTE_MINIMAL, "lineterminator": "\r\n"}
_ROWS_PER_BLOCK = 1 << 18  # rows joined at a time (bounds the memory beside the file itself)
_GROUP_SPACE = 1 << 20  # neighbouring columns are joined first while their combinations of codes are this few


def build_csv(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    """UTF-8 CSV of the export frame; ``excel`` adds a byte-order mark so Excel reads the accents. Headers are
    in the reader's language; values stay machine-readable (codes, dot decimals, ISO dates) in every language."""
    return _neutral_csv(compute_export_frame(frame), head="\ufeff" if excel else "")


def build_table_csv(table: pd.DataFrame) -> bytes:
    """Any table as UTF-8 CSV with formula-like text neutralised (the figures and audit downloads)."""
    return _neutral_csv(table)


def _neutral_csv(frame: pd.DataFrame, first_row: list[str] | None = None, head: str = "") -> bytes:
    """``neutralise(frame).to_csv(index=False, lineterminator="\\r\\n")`` in UTF-8, byte for byte; with
    ``first_row``, the same of the frame with that row above the data (the HXL tags), where, as in
    ``pd.concat``, every column holds objects. ``head`` goes before it all (the byte-order mark)."""
    if len(frame) == 0 or len(frame.columns) == 0 or not frame.columns.is_unique or frame.columns.nlevels > 1:
        return _pandas_csv(frame, first_row, head)
    header = neutralise(frame.iloc[:0]).to_csv(index=False, lineterminator="\r\n")
    alone = len(frame.columns) == 1
    columns: list[tuple[np.ndarray, list[str]]] = []
    for position, label in enumerate(frame.columns):
        column = frame[label]
        text = _is_text(column)
        if first_row is None and text and isinstance(column.dtype, pd.CategoricalDtype):
            column, text = column.map(neutralise_text), False  # a categorical maps its categories only
        coded = _code(column)
        if coded is None:
            return _pandas_csv(frame, first_row, head)
        codes, values = coded.codes, coded.values
        if first_row is not None:
            codes = np.concatenate([[0], codes + 1])
            values = pd.concat([pd.Series([first_row[position]], dtype=object), values.astype(object)],
                               ignore_index=True)
            text = True
        cells = _csv_cells(values.map(neutralise_text) if text else values, alone=alone)
        if cells is None:
            return _pandas_csv(frame, first_row, head)
        columns.append((codes, cells))
    return _join_rows(head + header, columns)


def _pandas_csv(frame: pd.DataFrame, first_row: list[str] | None, head: str) -> bytes:
    """What :func:`_neutral_csv` gives, written by pandas row by row."""
    if first_row is not None:
        header = pd.DataFrame([first_row], columns=frame.columns)
        frame = pd.concat([header, frame.astype(object)], ignore_index=True)
    return (head + neutralise(frame).to_csv(index=False, lineterminator="\r\n")).encode("utf-8")


class _Lines(list[str]):
    """What a csv writer writes, one row per item."""

    def write(self, text: str) -> None:
        self.append(text)


def _csv_cells(values: pd.Series, *, alone: bool) -> list[str] | None:
    """Each value as it reads in a CSV cell written by pandas in a column of this dtype (missing values empty),
    quoted where the csv writer quotes it. ``alone``: the only column, where an empty cell is written ``""``
    (a row of one empty field). None if pandas' text does not read back as one cell per value."""
    text = values.to_frame().to_csv(index=False, header=False, lineterminator="\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if len(rows) != len(values) or any(len(row) != 1 for row in rows):
        return None
    lines = _Lines()
    writer = csv.writer(lines, **_CSV_DIALECT)
    if alone:
        writer.writerows(rows)
        return [line[:-2] for line in lines]
    writer.writerows((row[0], "") for row in rows)  # two fields: an empty one stays empty
    return [line[:-3] for line in lines]


def _join_rows(head: str, columns: list[tuple[np.ndarray, list[str]]]) -> bytes:
    """``head``, then the data rows in UTF-8: per row, the cell of each column's code, joined by commas, each
    row ended by CR LF. Neighbouring columns with few values between them are first joined into one (their
    cells for each pair, triple… of codes that occurs), so the rows are joined from a few columns."""
    comma = pa.scalar(",", type=pa.large_string())
    groups: list[tuple[np.ndarray, pa.Array]] = []
    start = 0
    while start < len(columns):
        stop, space = start + 1, len(columns[start][1])
        while stop < len(columns) and space * len(columns[stop][1]) <= _GROUP_SPACE:
            space *= len(columns[stop][1])
            stop += 1
        groups.append(_join_columns(columns[start:stop], comma))
        start = stop
    codes, cells = groups[-1]
    groups[-1] = codes, pc.binary_join_element_wise(cells, pa.scalar("", type=pa.large_string()),
                                                    pa.scalar("\r\n", type=pa.large_string()))
    rows = len(groups[0][0])
    blocks: list[bytes | memoryview] = [head.encode()]
    for start in range(0, rows, _ROWS_PER_BLOCK):
        stop = min(start + _ROWS_PER_BLOCK, rows)
        joined = pc.binary_join_element_wise(*(cells.take(pa.array(codes[start:stop])) for codes, cells in groups),
                                             comma)
        offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
        data = joined.buffers()[2]
        if data is not None:
            blocks.append(memoryview(data)[offsets[joined.offset]:offsets[joined.offset + len(joined)]])
    return b"".join(blocks)


def _join_columns(columns: list[tuple[np.ndarray, list[str]]], comma: pa.Scalar) -> tuple[np.ndarray, pa.Array]:
    """Neighbouring columns as one: per row, the code of its combination of their codes, and per combination
    that occurs, its cells joined by commas."""
    first_codes, first_cells = columns[0]
    if len(columns) == 1:
        return first_codes, pa.array(first_cells, type=pa.large_string())
    shape = tuple(len(cells) for _codes, cells in columns)
    key = first_codes.astype(np.int64)
    for (codes, _cells), size in zip(columns[1:], shape[1:], strict=True):
        key = key * size + codes
    combinations = np.flatnonzero(np.bincount(key, minlength=int(np.prod(shape))))
    position = np.zeros(int(np.prod(shape)), dtype=np.int64)
    position[combinations] = np.arange(len(combinations))
    parts = np.unravel_index(combinations, shape)
    cells = pc.binary_join_element_wise(*(pa.array(c, type=pa.large_string()).take(pa.array(part))
                                          for (_codes, c), part in zip(columns, parts, strict=True)), comma)
    return position[key], cells


def hxl_tags(frame: pd.DataFrame) -> list[str]:
    """The HXL hashtag row; the value tag gains +f/+m and age attributes when the rows share one value."""
    tags = []
    for col in [c for c in EXPORT_COLUMNS if c in frame.columns]:
        tag = EXPORT_COLUMNS[col][1]
        if col == C.VALUE:
            sex, age = _shared_value(frame, C.SEX), _shared_value(frame, C.AGE)
            if sex in _HXL_SEX:
                tag += _HXL_SEX[sex]
            if age in _HXL_AGE:
                tag += _HXL_AGE[age]
        tags.append(tag)
    return tags


def _shared_value(frame: pd.DataFrame, col: str) -> object:
    """The value every row of the column holds; None if there is no such column, row or single value."""
    if col not in frame:
        return None
    column = frame[col]
    values = pd.unique(column) if isinstance(column, pd.Series) else list(set(column))  # a repeated label: itself
    return values[0] if len(values) == 1 else None


def build_hxl_csv(frame: pd.DataFrame) -> bytes:
    """CSV with the header row (in the reader's language), then the row of HXL hashtags (the same in every
    language), then the data."""
    # The tag row goes through the same neutralising as the data (tags start with '#', so it stays as is).
    return _neutral_csv(compute_export_frame(frame), first_row=hxl_tags(frame))


def build_filters_json(filters: Filters, period: Period, rows: int, generated: datetime) -> bytes:
    """The filters and generation time, as a companion to a CSV download: machine-readable, so its keys
    and values are the same whatever the reader's language (English names, codes)."""
    # The period's label is written in the reader's language; other languages get the plain months instead.
    labelled = period if i18n.current() == i18n.DEFAULT else Period(period.start, period.end)
    payload = {
        "generated_utc": generated.isoformat(timespec="seconds"),
        "rows": rows,
        "filters": dict(describe(filters, labelled, machine=True)),
        "period": {"from": period.start, "to": period.end},
    }
    return json.dumps(payload, indent=2, ensure_ascii=False).encode("utf-8")


def compute_filter_rows(filters: Filters, period: Period, rows: int, generated: datetime,
                        indicator_names: dict[str, str] | None = None) -> list[tuple[str, object]]:
    """The XLSX filters sheet: (name, value) in the reader's language, vocabulary codes as labels, the
    indicator with its name when ``indicator_names`` has it; the row count is a number and the generation
    time a date-time (UTC), so the spreadsheet types them."""
    out: list[tuple[str, object]] = []
    for name, value in describe(filters, period, readable=True):
        if filters.indicator and value == filters.indicator and indicator_names and value in indicator_names:
            value = f"{indicator_names[value]} ({value})"
        out.append((name, value))
    out.append((_("rows"), rows))
    out.append((_("generated (UTC)"), generated.replace(tzinfo=None, microsecond=0)))
    return out


def build_xlsx(frame: pd.DataFrame, filters: Filters, period: Period, generated: datetime,
               indicator_names: dict[str, str] | None = None) -> bytes:
    """Workbook with sheets data (headers in the reader's language, values as real numbers and dates),
    dictionary (column, HXL tag, meaning) and filters (with the generation time), named in the reader's
    language."""
    data = _xlsx_safe(compute_export_frame(frame, dates_as_text=False))
    headers = export_headers()
    dictionary = pd.DataFrame(
        [(headers[col], tag, _(meaning)) for col, (_header, tag, meaning) in EXPORT_COLUMNS.items()
         if col in frame.columns],
        columns=[pgettext("xlsx header", "column"), pgettext("xlsx header", "hxl"), pgettext("xlsx header", "meaning")],
    )
    filter_rows = compute_filter_rows(filters, period, len(data), generated, indicator_names)
    filters_sheet = _xlsx_safe(pd.DataFrame(filter_rows, columns=[pgettext("xlsx header", "filter"),
                                                               pgettext("xlsx header", "value")], dtype=object))
    # Translators: XLSX sheet names (at most 31 characters, none of : \ / ? * [ ]).
    names = {"data": pgettext("sheet", "data"), "dictionary": pgettext("sheet", "dictionary"),
             "filters": pgettext("sheet", "filters")}
    buffer = io.BytesIO()
    # XlsxWriter in constant-memory mode writes each row as it comes (a million rows in a fraction of the time
    # and memory openpyxl took); text is never read as a formula, number or link.
    book = xlsxwriter.Workbook(buffer, {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False, "default_date_format": "YYYY-MM-DD", "remove_timezone": True})
    try:
        bold = book.add_format({"bold": True})
        stamp = book.add_format({"num_format": "YYYY-MM-DD HH:MM"})
        _write_sheet(book, names["data"], data, bold, stamp, widths=[max(12, min(40, len(c) + 4)) for c in data.columns],
                     freeze=True)
        _write_sheet(book, names["dictionary"], dictionary, bold, stamp, widths=[24, 22, 80])
        _write_sheet(book, names["filters"], filters_sheet, bold, stamp, widths=[24, 60])
    finally:
        book.close()
    return buffer.getvalue()


def _write_sheet(book: xlsxwriter.Workbook, name: str, frame: pd.DataFrame, bold: Any, stamp: Any, *,
                 widths: list[int], freeze: bool = False) -> None:
    """``frame`` as sheet ``name``: a bold header row, then one row per record in order (constant-memory mode
    writes rows only forwards); numbers, booleans and dates typed, times with ``stamp``, missing values blank."""
    sheet = book.add_worksheet(name)
    for idx, width in enumerate(widths):
        sheet.set_column(idx, idx, width)
    if freeze:
        sheet.freeze_panes(1, 0)
    sheet.write_row(0, 0, [str(c) for c in frame.columns], bold)
    columns = [_cell_values(frame[c]) for c in frame.columns]
    timed = [i for i, values in enumerate(columns) if any(isinstance(v, datetime) for v in values)]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        sheet.write_row(row, 0, values)  # None is left blank
        for col in timed:  # a time of day is shown with it (dates alone take the workbook's date format)
            if isinstance(values[col], datetime):
                sheet.write_datetime(row, col, values[col], stamp)


def _cell_values(column: pd.Series) -> list[Any]:
    """A column as Python values a cell takes: None where missing, plain ints and floats, dates as dates."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return [None if pd.isna(v) else v.to_pydatetime() for v in column]
    values = column.astype(object).where(column.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def utcnow() -> datetime:
    return datetime.now(UTC)
