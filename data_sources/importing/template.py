"""The blank 4W reporting template: an instructions sheet, the data sheet (header row, HXL tag row, Excel
drop-down lists) and a lists sheet built from the store's organisations, activities, locations, indicators
and the disaggregation vocabularies. A filled-in template imports through the normal HXL path.

What people read (instructions, column headers and help, sheet names, the names in the drop-down lists) is in
the current language; the HXL tag row, the codes before " — " in the drop-down values and the vocabulary codes
are the same in every language, so a template filled in any language imports the same.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import Connection, Engine, select

from dashboard import names, store
from dashboard.i18n import N_, _, pgettext
from dashboard.vocab import AGE_BANDS, ALL, DISABILITY, POPULATION_GROUPS, SEX
from data_sources.importing.lookups import DROPDOWN_SEPARATOR, local_name

#: Sheet names in English (translated in the file).
DATA_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET = N_("4W data"), N_("Lists"), N_("Instructions")
TEMPLATE_ROWS = 1000  # rows with drop-down lists under the tag row
EXCEL_TITLE, EXCEL_MESSAGE = 32, 255  # the longest drop-down title and message Excel accepts


@dataclass(frozen=True)
class TemplateColumn:
    """One column of the data sheet; ``header`` and ``help`` are English, translated when written."""

    header: str
    tag: str
    required: bool
    help: str
    list_name: str | None = None


COLUMNS: tuple[TemplateColumn, ...] = (
    TemplateColumn(N_("Organisation"), "#org+name", True,
                   N_("The reporting organisation, as listed (ask a co-lead to add a new member organisation)."),
                   "organisations"),
    TemplateColumn(N_("Activity (IASC 4Ws)"), "#activity+code", False, N_("The IASC MHPSS 4Ws activity category."),
                   "activities"),
    TemplateColumn(N_("Location"), "#adm1+code", True,
                   N_("Oblast, voivodeship or county (or the whole country). P-codes, ISO codes and names are "
                      "accepted too."), "locations"),
    TemplateColumn(N_("Indicator"), "#indicator+code", True, N_("What the value counts."), "indicators"),
    TemplateColumn(N_("Period start"), "#date+start", True,
                   N_("First day of the reporting period (a month such as 2024-05 means the whole month). From "
                      "March 2022, not in the future.")),
    TemplateColumn(N_("Period end"), "#date+end", False,
                   N_("Last day of the period. Empty: the end of the start's month.")),
    TemplateColumn(N_("Sex"), "#sex", False, N_("female, male, other, or all (not disaggregated; also when empty)."),
                   "sex"),
    TemplateColumn(N_("Age band"), "#age", False, N_("0-4, 5-11, 12-17, 18-59, 60+, or all."), "age_bands"),
    TemplateColumn(N_("Population group"), "#population+group", False, N_("refugee, host, idp, returnee, or all."),
                   "population_groups"),
    TemplateColumn(N_("Disability"), "#disability", False, N_("yes, no, unknown, or all."), "disability"),
    TemplateColumn(N_("Value"), "#indicator+value", True,
                   N_("The count (a whole number, 0 or more; a percentage for % indicators).")),
    TemplateColumn(N_("Note"), "#description", False, N_("Optional remark. Never names, phone numbers or other "
                                                         "personal data.")),
)

#: The instructions sheet, line by line (None: an empty line).
INSTRUCTIONS: tuple[str | None, ...] = (
    N_("How to fill in this template"),
    None,
    N_("1. Enter one reported figure per row on the sheet '{data_sheet}', from row 3 down. Row 1 is for people, "
       "row 2 holds the HXL tags the dashboard reads: do not change or delete row 2."),
    N_("2. Pick organisation, activity, location, indicator, sex, age band, population group and disability from "
       "the drop-down lists. Leave a disaggregation empty (or 'all') when the figure is not broken down by it."),
    N_("3. A total and its breakdown may both be given: e.g. one row with sex 'all' and rows for 'female' and "
       "'male'. The breakdown must not add up to more than the total."),
    N_("4. Each combination of organisation, indicator, activity, location, period and disaggregation appears "
       "once. Uploading a corrected file later replaces the earlier figures for the same combinations; the old "
       "figures are kept in the history and an import can be rolled back."),
    N_("5. Periods start in March 2022 or later and cannot be in the future. Dates may be written 2024-05-31, "
       "31/05/2024, 2024-05 or May 2024."),
    N_("6. The dashboard holds aggregate counts only. Never enter names, phone numbers, e-mail addresses, dates "
       "of birth or ID numbers: a file with such a column is refused."),
    N_("7. Upload the file on the dashboard's Import page, or run: python -m data_sources import FILE.xlsx "
       "--dry-run (to check) and then without --dry-run."),
    None,
    N_("Columns"),
)
TITLES = (INSTRUCTIONS[0], INSTRUCTIONS[-1])


def _list_title(name: str) -> str:
    """The heading of a drop-down list on the lists sheet (the named range keeps the English ``name``)."""
    return {
        "organisations": pgettext("template list", "organisations"),
        "activities": pgettext("template list", "activities"),
        "locations": pgettext("template list", "locations"),
        "indicators": pgettext("template list", "indicators"),
        "sex": pgettext("template list", "sex"),
        "age_bands": pgettext("template list", "age bands"),
        "population_groups": pgettext("template list", "population groups"),
        "disability": pgettext("template list", "disability"),
    }[name]


def _lists(conn: Connection) -> dict[str, list[str]]:
    """The drop-down lists: ``CODE — name`` with the name in the current language, vocabulary codes as they are."""
    orgs = [name for (name,) in conn.execute(select(store.organisations.c.name).order_by(store.organisations.c.name))]
    acts = [f"{row['code']}{DROPDOWN_SEPARATOR}{local_name(row)}" for row in
            conn.execute(select(store.activities).order_by(store.activities.c.code)).mappings()]
    t = store.locations.c
    locs = [f"{row['pcode']}{DROPDOWN_SEPARATOR}{names.area_name(row)}" for row in
            conn.execute(select(store.locations).order_by(t.country, t.admin_level, t.name_en)).mappings()]
    i = store.indicators.c
    inds = [f"{row['code']}{DROPDOWN_SEPARATOR}{local_name(row)}" for row in
            conn.execute(select(store.indicators).order_by(i.sort_order, i.code)).mappings()]

    def vocab(values: dict[str, str]) -> list[str]:
        return [k for k in values if k != ALL] + [ALL]

    return {"organisations": orgs, "activities": acts, "locations": locs, "indicators": inds, "sex": vocab(SEX),
            "age_bands": vocab(AGE_BANDS), "population_groups": vocab(POPULATION_GROUPS),
            "disability": vocab(DISABILITY)}


def _sheet_ref(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def write_template(conn: Connection) -> bytes:
    """The blank template as XLSX bytes, in the current language, with drop-down lists from the store read
    through ``conn``."""
    lists = _lists(conn)
    book = Workbook()
    info = book.active
    info.title = _(INSTRUCTIONS_SHEET)
    data_title, lists_title = _(DATA_SHEET), _(LISTS_SHEET)
    data = book.create_sheet(data_title)
    ref = book.create_sheet(lists_title)
    bold = Font(bold=True)

    for n, line in enumerate(INSTRUCTIONS, 1):
        text = _(line).format(data_sheet=data_title) if line else ""
        info.cell(n, 1, text).font = Font(bold=True, size=14) if line in TITLES else Font()
    start = len(INSTRUCTIONS) + 1
    for c, head in enumerate((_("Column"), _("HXL tag"), _("Required"), _("What to enter")), 1):
        info.cell(start, c, head).font = bold
    for n, col in enumerate(COLUMNS, start + 1):
        info.cell(n, 1, _(col.header))
        info.cell(n, 2, col.tag)
        info.cell(n, 3, pgettext("required", "yes") if col.required else pgettext("required", "no"))
        info.cell(n, 4, _(col.help))
    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 20
    info.column_dimensions["D"].width = 100
    for row in info.iter_rows(min_row=1, max_row=start + len(COLUMNS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    for c, (name, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(c)
        ref.cell(1, c, _list_title(name)).font = bold
        for r, value in enumerate(values, 2):
            ref.cell(r, c, value)
        ref.column_dimensions[letter].width = 40
        book.defined_names[f"list_{name}"] = DefinedName(
            f"list_{name}", attr_text=f"{_sheet_ref(lists_title)}!${letter}$2:${letter}${len(values) + 1}")

    grey = PatternFill("solid", fgColor="EEEEEE")
    last = TEMPLATE_ROWS + 2
    for c, col in enumerate(COLUMNS, 1):
        letter = get_column_letter(c)
        header, help_text = _(col.header), _(col.help)
        data.cell(1, c, header + (" *" if col.required else "")).font = bold
        tag = data.cell(2, c, col.tag)
        tag.font = Font(italic=True, color="555555")
        tag.fill = grey
        data.column_dimensions[letter].width = 34 if col.list_name in ("activities", "indicators") else 20
        cells = f"{letter}3:{letter}{last}"
        if col.list_name:
            check = DataValidation(type="list", formula1=f"=list_{col.list_name}", allow_blank=not col.required,
                                   showErrorMessage=True, errorTitle=header[:EXCEL_TITLE],
                                   error=_("Choose a value from the list ({help})").format(
                                       help=help_text)[:EXCEL_MESSAGE])
        elif col.tag.startswith("#date"):
            check = DataValidation(type="date", operator="greaterThanOrEqual", formula1="DATE(2022,3,1)",
                                   allow_blank=True, showErrorMessage=True, errorTitle=header[:EXCEL_TITLE],
                                   error=_("A date from 1 March 2022 on"))
            for r in range(3, last + 1):
                data.cell(r, c).number_format = "yyyy-mm-dd"
        elif col.tag == "#indicator+value":
            check = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                   showErrorMessage=True, errorTitle=header[:EXCEL_TITLE],
                                   error=_("A number, 0 or more"))
        else:
            continue
        check.promptTitle = header[:EXCEL_TITLE]
        check.prompt = help_text[:250]
        check.showInputMessage = True
        data.add_data_validation(check)
        check.add(cells)
    data.freeze_panes = "A3"
    book.active = 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_bytes(engine: Engine) -> bytes:
    """The blank template for the store behind ``engine``, in the current language."""
    with engine.connect() as conn:
        return write_template(conn)
