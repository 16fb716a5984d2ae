"""The blank 4W reporting template: an instructions sheet, the data sheet (header row, HXL tag row, Excel
drop-down lists) and a lists sheet built from the store's organisations, activities, locations, indicators
and the disaggregation vocabularies. A filled-in template imports through the normal HXL path."""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Connection, Engine, select

from dashboard import store
from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, POPULATION_GROUPS, SEX
from data_sources.importing.lookups import DROPDOWN_SEPARATOR

DATA_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET = "4W data", "Lists", "Instructions"
TEMPLATE_ROWS = 1000  # rows with drop-down lists under the tag row


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    tag: str
    required: bool
    help: str
    list_name: str | None = None


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn("Organisation", "#org+name", True,
                   "The reporting organisation, as listed (ask a co-lead to add a new member organisation).",
                   "organisations"),
    TemplateColumn("Activity (IASC 4Ws)", "#activity+code", False, "The IASC MHPSS 4Ws activity category.",
                   "activities"),
    TemplateColumn("Location", "#adm1+code", True,
                   "Oblast, voivodeship or county (or the whole country). P-codes, ISO codes and names are "
                   "accepted too.", "locations"),
    TemplateColumn("Indicator", "#indicator+code", True, "What the value counts.", "indicators"),
    TemplateColumn("Period start", "#date+start", True,
                   "First day of the reporting period (a month such as 2024-05 means the whole month). From "
                   "March 2022, not in the future."),
    TemplateColumn("Period end", "#date+end", False, "Last day of the period. Empty: the end of the start's month."),
    TemplateColumn("Sex", "#sex", False, "female, male, other, or all (not disaggregated; also when empty).", "sex"),
    TemplateColumn("Age band", "#age", False, "0-4, 5-11, 12-17, 18-59, 60+, or all.", "age_bands"),
    TemplateColumn("Population group", "#population+group", False, "refugee, host, idp, returnee, or all.",
                   "population_groups"),
    TemplateColumn("Disability", "#disability", False, "yes, no, unknown, or all.", "disability"),
    TemplateColumn("Value", "#indicator+value", True,
                   "The count (a whole number, 0 or more; a percentage for % indicators)."),
    TemplateColumn("Note", "#description", False, "Optional remark. Never names, phone numbers or other "
                   "personal data."),
)

INSTRUCTIONS = (
    "How to fill in this template",
    "",
    "1. Enter one reported figure per row on the sheet '4W data', from row 3 down. Row 1 is for people, row 2 "
    "holds the HXL tags the dashboard reads: do not change or delete row 2.",
    "2. Pick organisation, activity, location, indicator, sex, age band, population group and disability from "
    "the drop-down lists. Leave a disaggregation empty (or 'all') when the figure is not broken down by it.",
    "3. A total and its breakdown may both be given: e.g. one row with sex 'all' and rows for 'female' and "
    "'male'. The breakdown must not add up to more than the total.",
    "4. Each combination of organisation, indicator, activity, location, period and disaggregation appears "
    "once. Uploading a corrected file later replaces the earlier figures for the same combinations; the old "
    "figures are kept in the history and an import can be rolled back.",
    "5. Periods start in March 2022 or later and cannot be in the future. Dates may be written 2024-05-31, "
    "31/05/2024, 2024-05 or May 2024.",
    "6. The dashboard holds aggregate counts only. Never enter names, phone numbers, e-mail addresses, dates "
    "of birth or ID numbers: a file with such a column is refused.",
    "7. Upload the file on the dashboard's Import page, or run: python -m data_sources import FILE.xlsx "
    "--dry-run (to check) and then without --dry-run.",
    "",
    "Columns",
)


def _lists(conn: Connection) -> dict[str, list[str]]:
    orgs = [name for (name,) in conn.execute(select(store.organisations.c.name).order_by(store.organisations.c.name))]
    acts = [f"{code}{DROPDOWN_SEPARATOR}{name}" for code, name in
            conn.execute(select(store.activities.c.code, store.activities.c.name).order_by(store.activities.c.code))]
    t = store.locations.c
    locs = [f"{pcode}{DROPDOWN_SEPARATOR}{name}" for pcode, name in
            conn.execute(select(t.pcode, t.name_en).order_by(t.country, t.admin_level, t.name_en))]
    i = store.indicators.c
    inds = [f"{code}{DROPDOWN_SEPARATOR}{name}" for code, name in
            conn.execute(select(i.code, i.name).order_by(i.sort_order, i.code))]

    def vocab(values: dict[str, str]) -> list[str]:
        return [k for k in values if k != ALL] + [ALL]

    return {"organisations": orgs, "activities": acts, "locations": locs, "indicators": inds, "sex": vocab(SEX),
            "age_bands": vocab(AGE_BANDS), "population_groups": vocab(POPULATION_GROUPS),
            "disability": vocab(DISABILITY)}


def write_template(conn: Connection) -> bytes:
    """The blank template as XLSX bytes, with drop-down lists from the store read through ``conn``."""
    lists = _lists(conn)
    book = Workbook()
    info = book.active
    info.title = INSTRUCTIONS_SHEET
    data = book.create_sheet(DATA_SHEET)
    ref = book.create_sheet(LISTS_SHEET)
    bold = Font(bold=True)

    for n, line in enumerate(INSTRUCTIONS, 1):
        info.cell(n, 1, line).font = Font(bold=True, size=14) if n == 1 or line == "Columns" else Font()
    start = len(INSTRUCTIONS) + 1
    for c, head in enumerate(("Column", "HXL tag", "Required", "What to enter"), 1):
        info.cell(start, c, head).font = bold
    for n, col in enumerate(COLUMNS, start + 1):
        info.cell(n, 1, col.header)
        info.cell(n, 2, col.tag)
        info.cell(n, 3, "yes" if col.required else "no")
        info.cell(n, 4, col.help)
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 20
    info.column_dimensions["D"].width = 100
    for row in info.iter_rows(min_row=1, max_row=start + len(COLUMNS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    for c, (name, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(c)
        ref.cell(1, c, name).font = bold
        for r, value in enumerate(values, 2):
            ref.cell(r, c, value)
        ref.column_dimensions[letter].width = 40
        book.defined_names[f"list_{name}"] = DefinedName(
            f"list_{name}", attr_text=f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}")

    grey = PatternFill("solid", fgColor="EEEEEE")
    last = TEMPLATE_ROWS + 2
    for c, col in enumerate(COLUMNS, 1):
        letter = get_column_letter(c)
        data.cell(1, c, col.header + (" *" if col.required else "")).font = bold
        tag = data.cell(2, c, col.tag)
        tag.font = Font(italic=True, color="555555")
        tag.fill = grey
        data.column_dimensions[letter].width = 34 if col.list_name in ("activities", "indicators") else 20
        cells = f"{letter}3:{letter}{last}"
        if col.list_name:
            check = DataValidation(type="list", formula1=f"=list_{col.list_name}", allow_blank=not col.required,
                                   showErrorMessage=True, errorTitle=col.header,
                                   error=f"Choose a value from the list ({col.help})")
        elif col.tag.startswith("#date"):
            check = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(2022,3,1)",
                                   allow_blank=True, showErrorMessage=True, errorTitle=col.header,
                                   error="A date from 1 March 2022 on")
            for r in range(3, last + 1):
                data.cell(r, c).number_format = "yyyy-mm-dd"
        elif col.header == "Value":
            check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   showErrorMessage=True, errorTitle=col.header, error="A number, 0 or more")
        else:
            continue
        check.promptTitle = col.header
        check.prompt = col.help[:250]
        check.showInputMessage = True
        data.add_data_validation(check)
        check.add(cells)
    data.freeze_panes = "A3"
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes(engine: Engine) -> bytes:
    """The blank template for the store behind ``engine``."""
    with engine.connect() as conn:
        return write_template(conn)
