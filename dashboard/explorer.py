"""The analysts' explorer: the filtered rows, a grouped view, and downloads of exactly those rows."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import audit, cache, exports, roles
from dashboard import columns as C
from dashboard.indicators import compute_total
from dashboard.ui import PageContext, render_empty

GROUPABLE = {
    C.INDICATOR: "Indicator", C.ORGANISATION: "Organisation", C.ORG_TYPE: "Organisation type",
    C.ACTIVITY: "Activity", C.LAYER: "Pyramid layer", C.COUNTRY: "Country", C.AREA: "Area", C.MONTH: "Month",
    C.SEX: "Sex", C.AGE: "Age band", C.GROUP: "Population group", C.DISABILITY: "Disability",
}
MEASURES = {"sum": "Sum of values", "rule": "Indicator rule (unique people by max per area and group)",
            "rows": "Number of report rows"}

_TABLE_CONFIG = {
    C.VALUE: st.column_config.NumberColumn("value", format="localized"),
    C.PERIOD_START: st.column_config.DateColumn("period start", format="YYYY-MM-DD"),
    C.PERIOD_END: st.column_config.DateColumn("period end", format="YYYY-MM-DD"),
    C.IS_DEMO: st.column_config.CheckboxColumn("demo"),
}


def compute_grouped(frame: pd.DataFrame, dims: list[str], measure: str, aggregations: dict[str, str]) -> pd.DataFrame:
    """Group the rows by ``dims``; 'rule' applies each indicator's own aggregation rule (per indicator)."""
    if frame.empty or not dims:
        return pd.DataFrame(columns=[*dims, C.VALUE])
    if measure == "rows":
        return frame.groupby(dims, dropna=False).size().rename(C.VALUE).reset_index()
    if measure == "sum":
        return frame.groupby(dims, dropna=False)[C.VALUE].sum().reset_index()
    by = dims if C.INDICATOR in dims else [C.INDICATOR, *dims]
    parts = []
    for code, sub in frame.groupby(C.INDICATOR):
        values = compute_total(sub, aggregations.get(str(code), "sum"), [d for d in by if d != C.INDICATOR])
        assert isinstance(values, pd.Series)
        parts.append(values.rename(C.VALUE).reset_index().assign(**{C.INDICATOR: code}))
    out = pd.concat(parts, ignore_index=True)
    return out[[*by, C.VALUE]]


def render_rows(frame: pd.DataFrame) -> None:
    st.markdown(f"**{len(frame):,} rows** match the filters.")
    if frame.empty:
        render_empty()
        return
    shown = exports.compute_export_frame(frame)
    shown[C.VALUE] = frame[C.VALUE].to_numpy()
    st.dataframe(shown, hide_index=True, width="stretch", height=420,
                 column_config={"value": st.column_config.NumberColumn("value", format="localized")},
                 key="explorer_table")


def render_grouped(frame: pd.DataFrame, aggregations: dict[str, str]) -> None:
    st.subheader("Grouped view")
    c1, c2 = st.columns([3, 2])
    dims = c1.multiselect("Group by", list(GROUPABLE), default=[C.INDICATOR, C.COUNTRY],
                          format_func=GROUPABLE.__getitem__, key="w_groupby")
    measure = c2.selectbox("Measure", list(MEASURES), format_func=MEASURES.__getitem__, key="w_measure")
    grouped = compute_grouped(frame, dims, measure, aggregations)
    if grouped.empty:
        render_empty("Choose at least one dimension, or widen the filters.")
        return
    st.dataframe(grouped, hide_index=True, width="stretch",
                 column_config={C.VALUE: st.column_config.NumberColumn(MEASURES[measure], format="localized")})


def record_download(ctx: PageContext, kind: str, rows: int) -> None:
    """Audit-log a row-level download (a download button's callback: it runs when the file is taken)."""
    from dashboard.filters import query_string

    audit.record(cache.engine(ctx.url), ctx.access.actor, "export",
                 f"{kind}, {rows:,} rows, filters {query_string(ctx.filters) or '(none)'}, {ctx.period.start} to "
                 f"{ctx.period.end}")


def render_downloads(ctx: PageContext, frame: pd.DataFrame) -> None:
    """Download buttons for exactly ``frame`` (the rows on screen); each download is audit-logged."""
    st.subheader("Download these rows")
    if not roles.can(ctx, "export"):
        st.caption("Downloading report rows is for analysts and the tWG co-leads.")
        return
    generated = exports.utcnow()
    stem = exports.file_stem(ctx.filters, ctx.period, generated)
    disabled = frame.empty
    rows = len(frame)
    cols = st.columns(5)
    cols[0].download_button("CSV (UTF-8)", exports.build_csv(frame), exports.safe_file_name(stem, "csv"),
                            "text/csv", key="dl_csv", disabled=disabled, on_click=record_download,
                            args=(ctx, "CSV", rows))
    cols[1].download_button("CSV for Excel", exports.build_csv(frame, excel=True),
                            exports.safe_file_name(stem + "_excel", "csv"), "text/csv", key="dl_csv_excel",
                            disabled=disabled, on_click=record_download, args=(ctx, "CSV for Excel", rows))
    cols[2].download_button("Excel (XLSX)", lambda: exports.build_xlsx(frame, ctx.filters, ctx.period, generated),
                            exports.safe_file_name(stem, "xlsx"),
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx",
                            disabled=disabled, on_click=record_download, args=(ctx, "XLSX", rows))
    cols[3].download_button("HXL-tagged CSV", exports.build_hxl_csv(frame), exports.safe_file_name(stem + "_hxl", "csv"),
                            "text/csv", key="dl_hxl", disabled=disabled, on_click=record_download,
                            args=(ctx, "HXL CSV", rows))
    cols[4].download_button("Filters (JSON)", exports.build_filters_json(ctx.filters, ctx.period, len(frame), generated),
                            exports.safe_file_name(stem + "_filters", "json"), "application/json", key="dl_filters")
    st.caption("The CSV files carry the period and generation time in their names; the JSON file records every "
               "filter. The XLSX file holds the data, a data dictionary and the filters.")
