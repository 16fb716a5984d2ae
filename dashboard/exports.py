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
"""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime

import pandas as pd

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
    out = frame[cols].copy()
    for col in (C.PERIOD_START, C.PERIOD_END):
        if col in out:
            out[col] = out[col].astype(str) if dates_as_text else _as_dates(out[col])
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
    """Prefix text cells that spreadsheets would evaluate as formulas with an apostrophe (column names too)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise_text)
    out.columns = [neutralise_text(c) for c in out.columns]
    return out


def _xlsx_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Neutralised, and without the control characters an XLSX cell cannot hold (they would stop the file)."""
    out = neutralise(frame)
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: _XLSX_ILLEGAL.sub("", v) if isinstance(v, str) else v)
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


def build_csv(frame: pd.DataFrame, *, excel: bool = False) -> bytes:
    """UTF-8 CSV of the export frame; ``excel`` adds a byte-order mark so Excel reads the accents. Headers are
    in the reader's language; values stay machine-readable (codes, dot decimals, ISO dates) in every language."""
    # RFC 4180 line ends: the csv writer then quotes any cell holding a CR or LF, so no cell splits a row.
    text = neutralise(compute_export_frame(frame)).to_csv(index=False, lineterminator="\r\n")
    return text.encode("utf-8-sig" if excel else "utf-8")


def build_table_csv(table: pd.DataFrame) -> bytes:
    """Any table as UTF-8 CSV with formula-like text neutralised (the figures and audit downloads)."""
    return neutralise(table).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def hxl_tags(frame: pd.DataFrame) -> list[str]:
    """The HXL hashtag row; the value tag gains +f/+m and age attributes when the rows share one value."""
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


def build_hxl_csv(frame: pd.DataFrame) -> bytes:
    """CSV with the header row (in the reader's language), then the row of HXL hashtags (the same in every
    language), then the data."""
    data = compute_export_frame(frame)
    buffer = io.StringIO()
    header = pd.DataFrame([hxl_tags(frame)], columns=data.columns)
    # The tag row goes through the same neutralising as the data (tags start with '#', so it stays as is).
    rows = neutralise(pd.concat([header, data.astype(object)], ignore_index=True))
    rows.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue().encode("utf-8")


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
    with pd.ExcelWriter(buffer, engine="openpyxl", date_format="YYYY-MM-DD",
                        datetime_format="YYYY-MM-DD HH:MM") as writer:
        data.to_excel(writer, sheet_name=names["data"], index=False)
        dictionary.to_excel(writer, sheet_name=names["dictionary"], index=False)
        filters_sheet.to_excel(writer, sheet_name=names["filters"], index=False)
        sheet = writer.sheets[names["data"]]
        sheet.freeze_panes = "A2"
        for idx, column in enumerate(data.columns, start=1):
            sheet.column_dimensions[sheet.cell(1, idx).column_letter].width = max(12, min(40, len(column) + 4))
        for name, width in ((names["dictionary"], (24, 22, 80)), (names["filters"], (24, 60))):
            for idx, size in enumerate(width, start=1):
                writer.sheets[name].column_dimensions[writer.sheets[name].cell(1, idx).column_letter].width = size
    return buffer.getvalue()


def utcnow() -> datetime:
    return datetime.now(UTC)
