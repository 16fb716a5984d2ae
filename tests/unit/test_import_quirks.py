"""One case per quirk of real-world HXL / 4W files (issue 5), each with the outcome a user would see."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from dashboard import store
from data_sources.importing import ImportFileError, plan_import
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_import_helpers import HEADER, HXL, ROW, csv_bytes, hxl_csv, with_cached_values, xlsx_bytes


@dataclass(frozen=True)
class Expect:
    values: int | None = None  # importable values
    total: float | None = None  # their sum
    period: tuple[str, str] | None = None  # (period_start, period_end) of the first value
    error: str | None = None  # a problem line (or refusal) containing this text
    warning: str | None = None


def row(**changes: str) -> list[str]:
    names = {"org": 0, "loc": 1, "date": 2, "activity": 3, "total": 4, "f": 5, "m": 6}
    out = list(ROW)
    for key, value in changes.items():
        out[names[key]] = value
    return out


def _blank_rows_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    book = Workbook()
    ws = book.active
    for r in (HEADER, HXL, ROW):
        ws.append(r)
    for r in range(4, 1001):
        ws.cell(r, 1).fill = PatternFill("solid", fgColor="FFFF00")
    import io

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _months(n: int) -> list[list[str]]:
    """``n`` distinct good rows (months from March 2022 in two oblasts)."""
    out = []
    for i in range(n):
        month = 2 + i // 2
        out.append(row(loc=("UA46", "UA12")[i % 2], date=f"{2022 + month // 12}-{month % 12 + 1:02d}"))
    return out


GOOD = Expect(values=3, total=200, period=("2024-05-01", "2024-05-31"))
CASES: dict[str, tuple[Callable[[], bytes], str, Expect]] = {
    "plain tagged csv": (lambda: hxl_csv(), "a.csv", GOOD),
    "tag row under title rows": (lambda: csv_bytes([["MHPSS 4W report"], ["Poland, 2024"], [], HEADER, HXL, ROW]),
                                 "a.csv", GOOD),
    "tag row with no header above": (lambda: hxl_csv(header=False), "a.csv", GOOD),
    "tag row at row 14": (lambda: csv_bytes([[f"note {i}"] for i in range(12)] + [HEADER, HXL, ROW]), "a.csv", GOOD),
    "merged group headers above the tags": (
        lambda: xlsx_bytes({"Report": [["4W Ukraine"], ["", "", "", "", "People reached", "", ""], HEADER, HXL, ROW]},
                           merged={"Report": ["E2:G2", "A1:G1"]}), "a.xlsx", GOOD),
    "tags with spaces": (lambda: csv_bytes([["#org +name", "#adm1 + code", "#date", "#activity +code",
                                            "#reached +total", "#reached + f", "#reached+m"], ROW]), "a.csv", GOOD),
    "tags in capitals": (lambda: csv_bytes([["#ORG+Name", "#Adm1+CODE", "#Date", "#ACTIVITY+code",
                                            "#Reached+Total", "#REACHED+F", "#reached+M"], ROW]), "a.csv", GOOD),
    "tags with trailing spaces": (lambda: csv_bytes([[t + "   " for t in HXL], ROW]), "a.csv", GOOD),
    "unknown attribute is ignored and reported": (
        lambda: csv_bytes([HXL[:5] + ["#reached+f+foo", "#reached+m"], ROW]), "a.csv",
        Expect(values=3, total=200, warning="unknown attribute +foo")),
    "non-standard hashtag is reported, not fatal": (
        lambda: csv_bytes([HXL + ["#x_budget"], ROW + ["5000"]]), "a.csv",
        Expect(values=3, total=200, warning="#x_budget is not used")),
    "'# of people' header and data cells are not tags": (
        lambda: csv_bytes([["# of people", "# of sites"], HEADER + ["Note"], HXL + ["#description"],
                           ROW + ["# of sessions: 4"]]), "a.csv", GOOD),
    "utf-8 byte-order mark": (lambda: hxl_csv(bom=True), "a.csv", GOOD),
    "utf-16 with BOM, tab separated (Excel 'Unicode text')": (
        lambda: codecs.BOM_UTF16_LE + csv_bytes([HEADER, HXL, ROW], sep="\t").decode().encode("utf-16-le"),
        "a.txt", GOOD),
    "semicolon separated (Polish Excel)": (lambda: hxl_csv(sep=";"), "a.csv", GOOD),
    "CRLF line endings": (lambda: hxl_csv(newline="\r\n"), "a.csv", GOOD),
    "mixed line endings": (lambda: b"Organisation,Oblast,Month,Activity,Reached,Female,Male\r\n"
                           + ",".join(HXL).encode() + b"\n" + ",".join(ROW).encode() + b"\r"
                           + ",".join(row(loc="UA32")).encode() + b"\n",
                           "a.csv", Expect(values=6, total=400)),
    "quoted cells with line breaks": (
        lambda: csv_bytes([[h + "\n(count)" for h in HEADER] + ["Note"], HXL + ["#description"],
                           ROW + ["first line\nsecond line"]]), "a.csv", GOOD),
    "row numbers count spreadsheet rows, not text lines": (
        lambda: csv_bytes([[h + "\nline two" for h in HEADER], HXL, row(f="many")]), "a.csv",
        Expect(error="row 3, column #reached+f, value 'many': not a number")),
    "rows wider than the header, near the top": (
        lambda: csv_bytes([HEADER, HXL, ROW + ["", "", ""], row(loc="UA32") + ["", "extra"]]), "a.csv",
        Expect(values=6, total=400, warning="column I has no HXL tag; not used")),
    "trailing delimiters further down are harmless": (
        lambda: csv_bytes([HEADER, HXL, *_months(70), row(loc="UA32") + ["", "", ""]]), "a.csv", Expect(values=213)),
    "a row shifted by an unquoted comma further down is an error": (
        lambda: csv_bytes([HEADER, HXL, *_months(70), ["World Health", "Organization", *ROW[1:]]]), "a.csv",
        Expect(error="row 73, column beyond the last column, value '40': this row has more cells than the header")),
    "an e-mail beyond the last column, further down, is refused": (
        lambda: csv_bytes([HEADER, HXL, *_months(70), row(loc="UA32") + ["olena@example.org"]]), "a.csv",
        Expect(error="looks like an e-mail address")),
    "xlsx formula cells give their cached values": (
        lambda: with_cached_values(xlsx_bytes({"4W": [HEADER, HXL, row(total="=F3+G3")]}), {"E3": "100"}),
        "a.xlsx", GOOD),
    "xlsx formula without a saved result is reported": (
        lambda: xlsx_bytes({"4W": [HEADER, HXL, row(total="=F3+G3")]}), "a.xlsx",
        Expect(values=2, total=100, warning="formula cells have no saved result")),
    "xlsx Excel table": (lambda: xlsx_bytes({"4W": [HEADER, HXL, ROW]}, tables={"4W": "A1:G3"}), "a.xlsx", GOOD),
    "several sheets: instructions first": (
        lambda: xlsx_bytes({"Read me": [["How to report"], ["Fill in the next sheet"]], "Data": [HEADER, HXL, ROW]}),
        "a.xlsx", GOOD),
    "several tagged sheets are all read": (
        lambda: xlsx_bytes({"Ukraine": [HEADER, HXL, ROW], "Poland": [HEADER, HXL, row(loc="PL-MZ")]}), "a.xlsx",
        Expect(values=6, total=400)),
    "blank formatted rows down to row 1000": (_blank_rows_xlsx, "a.xlsx", GOOD),
    "blank csv rows down to row 1000": (lambda: csv_bytes([HEADER, HXL, ROW] + [[""] * 7] * 997), "a.csv", GOOD),
    "counts written as floats": (lambda: hxl_csv(row(total="100.0", f="60.0", m="40.0")), "a.csv", GOOD),
    "thousands separators": (lambda: hxl_csv(row(total="1,200", f="700", m="500")), "a.csv",
                             Expect(values=3, total=2400)),
    "thousands separated by (non-breaking) spaces": (lambda: hxl_csv(row(total="1 200", f="700", m="500")),
                                                     "a.csv", Expect(values=3, total=2400)),
    "date d/m/yyyy": (lambda: hxl_csv(row(date="5/7/2024")), "a.csv",
                      Expect(values=3, period=("2024-07-01", "2024-07-31"))),
    "date yyyy-mm": (lambda: hxl_csv(row(date="2024-07")), "a.csv", Expect(period=("2024-07-01", "2024-07-31"))),
    "date '5 July 2022'": (lambda: hxl_csv(row(date="5 July 2022")), "a.csv",
                           Expect(period=("2022-07-01", "2022-07-31"))),
    "date 'June-2022'": (lambda: hxl_csv(row(date="June-2022")), "a.csv", Expect(period=("2022-06-01", "2022-06-30"))),
    "date as an Excel serial number": (lambda: hxl_csv(row(date="45413")), "a.csv",
                                       Expect(period=("2024-05-01", "2024-05-31"))),
    "date as Unix seconds": (lambda: hxl_csv(row(date="1714521600")), "a.csv",
                             Expect(period=("2024-05-01", "2024-05-31"))),
    "xlsx date cells": (lambda: xlsx_bytes({"4W": [HEADER, HXL, [*ROW[:2], __import__("datetime").datetime(2024, 5, 9),
                                                                    *ROW[3:]]]}), "a.xlsx", GOOD),
    "a start date runs to the end of its month": (
        lambda: csv_bytes([["#org", "#adm1+code", "#date+start", "#reached"], ["WHO", "UA46", "15/05/2024", "7"]]),
        "a.csv", Expect(values=1, total=7, period=("2024-05-15", "2024-05-31"))),
    "'N/A', '(unknown)' and 'Not applicable' are missing": (
        lambda: hxl_csv(row(f="N/A", m="(unknown)"), row(loc="UA32", total="Not applicable", f="3", m="4")),
        "a.csv", Expect(values=3, total=107)),
    # Problems a user must fix, each reported with row, column and value.
    "unknown organisation, with a suggestion": (
        lambda: hxl_csv(row(org="World Health Organisation")), "a.csv",
        Expect(error="row 3, column #org+name, value 'World Health Organisation': unknown organisation "
                     "(did you mean World Health Organization (WHO)?)")),
    "unknown location, with a suggestion": (
        lambda: hxl_csv(row(loc="UA-99")), "a.csv", Expect(error="value 'UA-99': unknown location (did you mean "
                                                                 "UA-09 / Luhansk")),
    "negative count": (lambda: hxl_csv(row(m="-5")), "a.csv", Expect(error="value '-5': negative")),
    "non-numeric count": (lambda: hxl_csv(row(f="sixty")), "a.csv", Expect(error="value 'sixty': not a number")),
    "fractional count": (lambda: hxl_csv(row(f="60.5")), "a.csv", Expect(error="not a whole number")),
    "disaggregation above its total": (lambda: hxl_csv(row(f="70")), "a.csv",
                                       Expect(error="the figures by sex add up to 110, more than their total 100")),
    "date before March 2022": (lambda: hxl_csv(row(date="2022-02")), "a.csv",
                               Expect(error="before the reporting period")),
    "date in the future": (lambda: hxl_csv(row(date="2027-01")), "a.csv", Expect(error="in the future")),
    "duplicate rows": (lambda: hxl_csv(ROW, ROW), "a.csv", Expect(error="row 4, column #reached+total, value '100': "
                                                                        "duplicate of row 3")),
    "missing organisation": (lambda: hxl_csv(row(org="")), "a.csv", Expect(error="organisation is missing")),
    "an old .xls file": (lambda: b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "a.xls", Expect(error="save it as .xlsx")),
    "no location column": (lambda: csv_bytes([["#org", "#date", "#reached"], ["WHO", "2024-05", "4"]]), "a.csv",
                           Expect(error="no column gives the location")),
}


@pytest.fixture
def engine(fixture_db_url: str) -> Engine:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("name", list(CASES))
def test_quirk(name: str, engine: Engine) -> None:
    build, file_name, expect = CASES[name]
    data = build()
    try:
        plan = plan_import(engine, data, file_name, today=FIXTURE_TODAY)
    except ImportFileError as exc:
        lines = "\n".join(exc.lines()) + "\n" + str(exc)
        assert expect.error is not None, f"refused unexpectedly: {lines}"
        assert expect.error in lines
        return
    lines = "\n".join(plan.report.lines())
    if expect.error is not None:
        assert expect.error in lines
        assert not plan.report.ok
        return
    assert plan.report.ok, lines
    if expect.values is not None:
        assert len(plan.importable) == expect.values, lines
    if expect.total is not None:
        assert plan.importable["value"].sum() == pytest.approx(expect.total)
    if expect.period is not None:
        first = plan.importable.iloc[0]
        assert (first["period_start"], first["period_end"]) == expect.period
    if expect.warning is not None:
        assert expect.warning in lines
