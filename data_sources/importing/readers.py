"""Readers: CSV and XLSX files into :class:`Sheet` objects that yield text chunks with spreadsheet row numbers.

Everything the importer reads becomes text first (one code path for both formats); the HXL tag row is
searched in the first rows of every sheet. CSV files are read in chunks with pandas' C parser, so memory
stays bounded by the chunk size plus the file's bytes; XLSX files stream through openpyxl's read-only mode
(formula cells give their cached values). Any failure to read becomes an :class:`ImportFileError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from dashboard.i18n import _
from data_sources.importing.errors import ImportFileError
from data_sources.importing.tags import TagSpec, find_tag_row, parse_tag

CHUNK_ROWS = 200_000
SPARE_COLUMNS = 8  # room added when a CSV row is wider than the header (trailing delimiters from Excel)
HEAD_ROWS = 60
# Untagged sheets that are not data (also the template's translated sheet names).
SKIPPED_SHEETS = re.compile(r"^(instructions?|readme|read me|lists?|notes?|about|help|codes?|dropdowns?|"
                            r"інструкц[іяї]+|списки|довідка|instrukcj[ae]|listy|pomoc)$", re.I)


@dataclass(frozen=True)
class Chunk:
    """Up to ``CHUNK_ROWS`` data rows as text (columns 0…width-1, object dtype: plain Python strings are
    much cheaper to factorise than Arrow strings) and their 1-based row numbers."""

    frame: pd.DataFrame
    rows: np.ndarray  # 1-based spreadsheet row numbers
    overflow: pd.Series | None = None  # text of cells beyond the header's last column, per row (CSV only)


@dataclass
class Sheet:
    """One table found in a file: its header, tags (None when untagged) and where the data starts."""

    name: str | None
    header: list[str]
    tags: list[TagSpec | None] | None
    header_row: int | None
    first_data_row: int
    width: int
    reader: Callable[[int], Iterator[Chunk]]
    sample: list[list[str]]  # the first data rows, for previews and for guessing what a column holds
    estimated_rows: int | None = None  # for progress bars
    notes: list[str] = field(default_factory=list)  # warnings about the file as a whole

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[Chunk]:
        return self.reader(size)

    def labels(self) -> list[str]:
        """What messages call each column: its tag when tagged, else its header text, else its letter."""
        out = []
        for i in range(self.width):
            tag = self.tags[i] if self.tags and i < len(self.tags) else None
            head = self.header[i].strip() if i < len(self.header) else ""
            out.append(str(tag) if tag is not None else head or column_letter(i))
        return out


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """A spreadsheet cell as text: dates as ISO, whole floats without '.0', booleans as TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _header_row(rows: list[list[str]]) -> int | None:
    """Index of the header of an untagged table: the first row at least 60% as full as the fullest row."""
    counts = [sum(1 for c in row if c.strip()) for row in rows[:30]]
    if not counts or max(counts) == 0:
        return None
    best = max(counts)
    return next(i for i, n in enumerate(counts) if n and n >= 0.6 * best)


def _layout(rows: list[list[str]]) -> tuple[list[str], list[TagSpec | None] | None, int | None, int] | None:
    """(header labels, tags, header row index, first data row index) of a table's first rows, or None."""
    tag_index = find_tag_row([list(r) for r in rows])
    if tag_index is not None:
        tags = [parse_tag(c) for c in rows[tag_index]]
        header_index = next((i for i in range(tag_index - 1, -1, -1) if any(c.strip() for c in rows[i])), None)
        header = rows[header_index] if header_index is not None else [str(t or "") for t in tags]
        return list(header), tags, header_index, tag_index + 1
    header_index = _header_row(rows)
    if header_index is None:
        return None
    return list(rows[header_index]), None, header_index, header_index + 1


# --- CSV -----------------------------------------------------------------------------------------------------

def _encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        raise ImportFileError(
            _("the file is not UTF-8 text and its encoding could not be recognised; save it as CSV UTF-8")
        ) from None
    return encoding


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:HEAD_ROWS] if line.strip()]
    best, best_score = ",", -1.0
    for candidate in (",", ";", "\t", "|"):
        counts = [len(row) for row in csv.reader(lines, delimiter=candidate)]
        if not counts:
            continue
        widest = max(counts)
        score = widest + (0.5 if counts.count(widest) > 1 else 0)
        if widest > 1 and score > best_score:
            best, best_score = candidate, score
    return best


def read_csv(data: bytes, name: str) -> list[Sheet]:
    encoding = _encoding(data)
    head = data[:262_144].decode(encoding, errors="ignore")
    if not head.strip():
        raise ImportFileError(_("{file} is empty").format(file=name))
    delimiter = _delimiter(head)
    try:
        head_rows = [row for _unused, row in zip(range(HEAD_ROWS), csv.reader(io.StringIO(head, newline=""),
                                                                       delimiter=delimiter), strict=False)]
    except csv.Error as exc:
        raise ImportFileError(_("{file} cannot be read as CSV: {detail}").format(file=name, detail=exc)) from None
    layout = _layout(head_rows)
    if layout is None:
        raise ImportFileError(_("{file} has no header row").format(file=name))
    header, tags, header_index, data_index = layout
    width = max(len(r) for r in head_rows)

    def reader(size: int) -> Iterator[Chunk]:
        # Read with the header's width; a row found wider restarts the read with room for it (rows already
        # yielded are skipped), so the common case pays nothing for the rare one.
        read_width, start = width, data_index
        while True:
            try:
                for chunk in pd.read_csv(
                    io.BytesIO(data), sep=delimiter, header=None, names=range(read_width), dtype=object,
                    keep_default_na=False, skip_blank_lines=False, encoding=encoding, chunksize=size,
                    engine="c", quotechar='"', index_col=False,
                ):
                    frame = chunk[chunk.index >= start]
                    if frame.empty:
                        continue
                    rows = frame.index.to_numpy() + 1
                    start = int(frame.index[-1]) + 1
                    frame = frame.reset_index(drop=True)
                    yield Chunk(frame.iloc[:, :width], rows, _overflow(frame, width))
                return
            except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
                detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
                if match and int(match[3]) > read_width and read_width < width + 1_000:
                    read_width = int(match[3]) + SPARE_COLUMNS
                    continue
                raise ImportFileError(_("{file} cannot be read as CSV: {detail}").format(file=name,
                                                                                        detail=detail)) from None

    return [Sheet(None, header, tags, None if header_index is None else header_index + 1, data_index + 1, width,
                  reader, [r + [""] * (width - len(r)) for r in head_rows[data_index:]],
                  _estimate_rows(data, head, len(head_rows)))]


def _overflow(frame: pd.DataFrame, width: int) -> pd.Series | None:
    """Per row, the text of non-empty cells beyond the header's last column (None when there are none).

    Empty ones are trailing delimiters and harmless; a filled one usually means a delimiter inside an unquoted
    cell, which shifts every later cell of the row."""
    if frame.shape[1] <= width:
        return None
    extra = frame.iloc[:, width:]
    filled = extra.notna() & (extra != "")
    if not filled.to_numpy().any():
        return None
    text = extra.where(filled).apply(lambda r: " ".join(r.dropna().astype(str)), axis=1)
    return text.where(filled.any(axis=1))


def _estimate_rows(data: bytes, head: str, rows: int) -> int:
    sample = len(head.encode("utf-8", errors="ignore"))
    return max(rows, int(len(data) / max(sample / max(rows, 1), 1))) if sample else rows


# --- XLSX ----------------------------------------------------------------------------------------------------

def read_xlsx(data: bytes, name: str) -> list[Sheet]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ImportFileError(_("{file} cannot be read as an Excel workbook (.xlsx): {detail}").format(
            file=name, detail=exc)) from None
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("{file} cannot be read as an Excel workbook (.xlsx): {detail}").format(
            file=name, detail=type(exc).__name__)) from None
    tagged: list[Sheet] = []
    untagged: list[Sheet] = []
    try:
        for ws in book.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue
            estimate = getattr(ws, "max_row", None)
            ws.reset_dimensions()  # some writers record wrong dimensions; read to the real end
            head = [[cell_text(v) for v in row] for row in ws.iter_rows(max_row=HEAD_ROWS, values_only=True)]
            layout = _layout(head)
            if layout is None:
                continue
            header, tags, header_index, data_index = layout
            width = max([len(r) for r in head] + [len(header)])
            sheet = Sheet(ws.title, header, tags, None if header_index is None else header_index + 1,
                          data_index + 1, width, _xlsx_reader(ws, data_index + 1, width, name),
                          [r + [""] * (width - len(r)) for r in head[data_index:] if any(c.strip() for c in r)],
                          estimate if isinstance(estimate, int) else None)
            if tags is not None:
                tagged.append(sheet)
            elif not SKIPPED_SHEETS.match(ws.title.strip()):
                untagged.append(sheet)
    except ImportFileError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise ImportFileError(_("{file}: a sheet cannot be read ({detail})").format(
            file=name, detail=f"{type(exc).__name__}: {exc}")) from None
    found = tagged or untagged[:1]
    if found and _uncached_formulas(data):
        found[0].notes.append(_(
            "some formula cells have no saved result (the file was written by a program, not saved by Excel): they "
            "are read as empty. Open the file in Excel or LibreOffice, save it, and upload it again"))
    if found:
        return found
    raise ImportFileError(_("{file} has no sheet with a header row or HXL tags").format(file=name))


_UNCACHED = re.compile(rb"</f>\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>")


def _uncached_formulas(data: bytes) -> bool:
    """True when a worksheet has a formula cell without a cached value (openpyxl and some exporters)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for name in archive.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with archive.open(name) as handle:
                        tail = b""
                        while block := handle.read(4 << 20):  # streamed: a big sheet never sits in memory whole
                            if _UNCACHED.search(tail + block):
                                return True
                            tail = block[-64:]
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return False
    return False


def _xlsx_reader(ws: object, first_row: int, width: int, name: str) -> Callable[[int], Iterator[Chunk]]:
    def reader(size: int) -> Iterator[Chunk]:
        rows: list[list[str]] = []
        numbers: list[int] = []
        try:
            for number, values in enumerate(ws.iter_rows(min_row=first_row, values_only=True),  # type: ignore[attr-defined]
                                            first_row):
                cells = [cell_text(v) for v in values[:width]]
                if not any(c.strip() for c in cells):
                    continue
                rows.append(cells + [""] * (width - len(cells)))
                numbers.append(number)
                if len(rows) >= size:
                    yield _chunk(rows, numbers, width)
                    rows, numbers = [], []
        except ImportFileError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ImportFileError(_("{file}: a sheet cannot be read ({detail})").format(
                file=name, detail=f"{type(exc).__name__}: {exc}")) from None
        if rows:
            yield _chunk(rows, numbers, width)

    return reader


def _chunk(rows: list[list[str]], numbers: list[int], width: int) -> Chunk:
    frame = pd.DataFrame(rows, columns=range(width), dtype=object)
    return Chunk(frame, np.asarray(numbers))


def read_file(data: bytes, name: str) -> list[Sheet]:
    """The tables in a CSV or XLSX file (recognised by content, not by the file name's extension)."""
    if not data:
        raise ImportFileError(_("{file} is empty").format(file=name))
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, name)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("{file} is an old Excel .xls file: save it as .xlsx or CSV UTF-8 and upload "
                                "again").format(file=name))
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError(_("{file} is neither CSV text nor an .xlsx workbook").format(file=name))
    return read_csv(data, name)
