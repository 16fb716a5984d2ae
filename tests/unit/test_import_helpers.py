"""Builders shared by the import tests: small CSV/XLSX files and store read-backs (no tests here)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import Engine, text

HXL = ["#org+name", "#adm1+code", "#date", "#activity+code", "#reached+total", "#reached+f", "#reached+m"]
HEADER = ["Organisation", "Oblast", "Month", "Activity", "Reached", "Female", "Male"]
ROW = ["World Health Organization", "UA46", "2024-05", "2.1", "100", "60", "40"]
TODAY_ISO = "2026-11-25"  # tests.conftest.FIXTURE_TODAY


def csv_bytes(rows: Sequence[Sequence[object]], *, newline: str = "\n", sep: str = ",", encoding: str = "utf-8",
              bom: bool = False) -> bytes:
    def cell(value: object) -> str:
        s = "" if value is None else str(value)
        return '"' + s.replace('"', '""') + '"' if any(ch in s for ch in (sep, '"', "\n", "\r")) else s

    body = newline.join(sep.join(cell(v) for v in row) for row in rows) + newline
    data = body.encode(encoding)
    return ("\ufeff".encode(encoding) if bom else b"") + data


def hxl_csv(*rows: Sequence[object], header: bool = True, **kwargs: object) -> bytes:
    """A tagged 4W CSV with the standard columns and the given data rows (default: one good row)."""
    body = [list(r) for r in rows] or [ROW]
    return csv_bytes(([HEADER] if header else []) + [HXL] + body, **kwargs)  # type: ignore[arg-type]


def xlsx_bytes(sheets: dict[str, Sequence[Sequence[object]]], *, merged: dict[str, list[str]] | None = None,
               tables: dict[str, str] | None = None) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for cells in (merged or {}).get(name, []):
            ws.merge_cells(cells)
        if tables and name in tables:
            from openpyxl.worksheet.table import Table

            ws.add_table(Table(displayName="Report4W", ref=tables[name]))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_cached_values(data: bytes, values: dict[str, str]) -> bytes:
    """Give formula cells the cached results Excel would have saved (openpyxl writes none)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                xml = content.decode()
                for ref, value in values.items():
                    xml = re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\1\2<v>{value}</v>", xml)
                content = xml.encode()
            dst.writestr(item, content)
    return out.getvalue()


def current_facts(engine: Engine) -> pd.DataFrame:
    """Current (not replaced) facts of file imports, with codes."""
    sql = """
        SELECT f.batch_id, o.name AS organisation, i.code AS indicator, a.code AS activity, l.pcode AS location,
               f.period_start, f.period_end, f.sex, f.age_band, f.population_group, f.disability, f.value
        FROM facts f JOIN organisations o ON o.id = f.organisation_id JOIN indicators i ON i.id = f.indicator_id
        LEFT JOIN activities a ON a.id = f.activity_id JOIN locations l ON l.id = f.location_id
        JOIN import_batches b ON b.id = f.batch_id
        WHERE f.replaced_by IS NULL AND b.source = 'file import'
        ORDER BY f.id
    """
    with engine.connect() as conn:
        return pd.read_sql(text(sql), conn)


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every table a write could touch, plus the data version."""
    with engine.connect() as conn:
        counts = {t: int(conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one())
                  for t in ("facts", "import_batches", "organisations", "column_mappings", "audit_log")}
        counts["replaced"] = int(conn.execute(text("SELECT COUNT(*) FROM facts WHERE replaced_by IS NOT NULL"))
                                 .scalar_one())
        counts["data_version"] = int(conn.execute(text("SELECT value FROM meta WHERE key='data_version'"))
                                     .scalar_one())
    return counts
