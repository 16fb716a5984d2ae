"""The analysts' explorer: the filtered rows, a grouped view, and downloads of exactly those rows.

On screen everything is in the reader's language: column headers, coded values (sex, age band, population
group, organisation type, country, pyramid layer) under their labels, indicator and activity names from the
data's per-language columns and area names as :mod:`dashboard.names` picks them. The downloads keep codes
(see :mod:`dashboard.exports`). Labels are mapped over the distinct codes only, so a large page of rows
costs a few dictionary look-ups per column, not a translation per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import audit, cache, exports, i18n, names, queries, readpath, roles
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.i18n import N_, _, ngettext
from dashboard.indicators import compute_total
from dashboard.ui import PageContext, render_empty

#: Column -> its name on screen (translated where shown). The order is the rows table's column order.
DISPLAY_COLUMNS = {
    C.INDICATOR: N_("Indicator"), C.ORGANISATION: N_("Organisation"), C.ORG_TYPE: N_("Organisation type"),
    C.ACTIVITY: N_("Activity"), C.LAYER: N_("Pyramid layer"), C.COUNTRY: N_("Country"), C.AREA: N_("Area"),
    C.PCODE: N_("P-code"), C.ISO: N_("ISO code"), C.MONTH: N_("Month"), C.PERIOD_START: N_("Period start"),
    C.PERIOD_END: N_("Period end"), C.SEX: N_("Sex"), C.AGE: N_("Age band"), C.GROUP: N_("Population group"),
    C.DISABILITY: N_("Disability"), C.VALUE: N_("Value"), C.IS_DEMO: N_("Demo data"), C.SOURCE: N_("Source"),
}
#: At most this many report rows are drawn on screen and downloads are prepared with the page; with more,
#: the table shows the first ones and each download is built from all matching rows when it is asked for.
MAX_SHOWN = 10_000


@dataclass(frozen=True)
class Listing:
    """The filtered report rows: how many match (``total``) and the first of them (``rows``)."""

    total: int
    rows: pd.DataFrame

    @property
    def complete(self) -> bool:
        return len(self.rows) >= self.total


def compute_listing(ctx: PageContext) -> Listing:
    """The rows matching the page's filters (at most :data:`MAX_SHOWN` of them in memory)."""
    total, rows = cache.listing(ctx.url, ctx.version, ctx.filters, ctx.period, ctx.audience, MAX_SHOWN)
    return Listing(total, rows)


def read_all_rows(ctx: PageContext) -> pd.DataFrame:
    """Every row matching the page's filters, read when a download of a long listing is asked for (in
    Streamlit's download thread: no caching, no ``st`` calls)."""
    return readpath.read_facts(cache.reader(ctx.url, ctx.version), ctx.filters, ctx.period)


#: The rows table shows these (the month is in the period dates).
ROW_COLUMNS = [c for c in DISPLAY_COLUMNS if c != C.MONTH]
#: Dimensions the grouped view offers; an area is grouped by its P-code (two areas may share a name).
GROUPABLE = [C.INDICATOR, C.ORGANISATION, C.ORG_TYPE, C.ACTIVITY, C.LAYER, C.COUNTRY, C.PCODE, C.MONTH, C.SEX,
             C.AGE, C.GROUP, C.DISABILITY]
_GROUP_LABELS = {**DISPLAY_COLUMNS, C.PCODE: N_("Area")}
MEASURES = {"sum": N_("Sum of values"), "rule": N_("Indicator rule (unique people by max per area and group)"),
            "rows": N_("Number of report rows")}
#: Coded columns whose values read as vocabulary labels (``dashboard.format.label`` dimension names).
_VOCABULARY = {C.ORG_TYPE: "org_type", C.COUNTRY: "country", C.SEX: "sex", C.AGE: "age_band",
               C.GROUP: "population_group", C.DISABILITY: "disability", C.LAYER: "pyramid_layer"}


@dataclass(frozen=True)
class DisplayNames:
    """Indicator, activity and area names in the reader's language (code -> name)."""

    indicators: dict[str, str] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)
    areas: dict[str, str] = field(default_factory=dict)  # P-code -> name


def display_names(ctx: PageContext) -> DisplayNames:
    """The names for ``ctx``'s reader, from the cached catalogues (translated here, never in the cache)."""
    return DisplayNames(names.indicator_names(ctx.indicators()),
                        names.activity_names(cache.activities(ctx.url, ctx.version)),
                        names.area_names(cache.locations(ctx.url, ctx.version)))


def _labelled(values: pd.Series, column: str, shown: DisplayNames) -> pd.Series:
    """``values`` of ``column`` as people read them (codes -> names and labels), mapped once per distinct code."""
    if column in _VOCABULARY:
        dimension = _VOCABULARY[column]
        labeller = lambda v: fmt.label(dimension, v)  # noqa: E731
    elif column == C.INDICATOR:
        labeller = lambda v: shown.indicators.get(str(v), str(v))  # noqa: E731
    elif column == C.ACTIVITY:
        labeller = lambda v: f"{v} {shown.activities[str(v)]}" if str(v) in shown.activities else str(v)  # noqa: E731
    elif column == C.PCODE and shown.areas:
        labeller = lambda v: shown.areas.get(str(v), str(v))  # noqa: E731
    elif column == C.MONTH:
        labeller = i18n.format_month
    else:
        return values
    # Label each distinct code once; the column becomes categorical (a code per row, one label per value).
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    labels = [str(labeller(v)) for v in uniques]
    categories, inverse = np.unique(np.asarray(labels + [""], dtype=str), return_inverse=True)  # "": no code
    lookup = np.append(np.asarray(inverse[:-1], dtype=np.int64), -1)  # code -1 (missing) -> -1 (NA)
    return pd.Series(pd.Categorical.from_codes(lookup[codes], categories=categories), index=values.index)


def compute_display_rows(frame: pd.DataFrame, shown: DisplayNames) -> pd.DataFrame:
    """The rows as the table shows them: labels and names instead of codes, headers in the reader's
    language; values stay numbers and dates stay dates."""
    data: dict[str, pd.Series] = {}
    for col in [c for c in ROW_COLUMNS if c in frame.columns]:
        values = frame[col]
        if col == C.AREA and C.PCODE in frame.columns and shown.areas:
            values = _labelled(frame[C.PCODE], C.PCODE, shown)
        elif col != C.PCODE:
            values = _labelled(values, col, shown)
        data[_(DISPLAY_COLUMNS[col])] = values
    return pd.DataFrame(data, index=frame.index).reset_index(drop=True)


def compute_grouped(frame: pd.DataFrame, dims: list[str], measure: str, aggregations: dict[str, str]) -> pd.DataFrame:
    """Group the rows by ``dims``; 'rule' applies each indicator's own aggregation rule (per indicator).
    Codes and numbers only (see :func:`compute_display_grouped` for what the table shows)."""
    if frame.empty or not dims:
        return pd.DataFrame(columns=[*dims, C.VALUE])
    if measure == "rows":  # a cube row stands for the report rows it sums
        if queries.ROWS in frame:
            return frame.groupby(dims, dropna=False)[queries.ROWS].sum().rename(C.VALUE).reset_index()
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


def compute_display_grouped(grouped: pd.DataFrame, measure: str, shown: DisplayNames) -> pd.DataFrame:
    """The grouped table as shown: each dimension under its name with labels, the measure under its name."""
    out = pd.DataFrame(index=range(len(grouped)))
    for col in grouped.columns:
        values = grouped[col].reset_index(drop=True)
        if col == C.VALUE:
            out[_(MEASURES[measure])] = values.to_numpy()
        else:
            out[_(_GROUP_LABELS.get(col, col))] = _labelled(values, col, shown).to_numpy()
    return out


def render_rows(listing: Listing, shown: DisplayNames) -> None:
    n, frame = listing.total, listing.rows
    st.markdown(ngettext("**{n} row** matches the filters.", "**{n} rows** match the filters.", n).format(
        n=i18n.format_number(n)))
    if frame.empty:
        render_empty(_("No data for these filters."))
        return
    if not listing.complete:
        st.caption(_("The table shows the first {shown} rows; the downloads below hold all {n}.").format(
            shown=i18n.format_number(len(frame)), n=i18n.format_number(n)))
    table = compute_display_rows(frame, shown)
    value = _(DISPLAY_COLUMNS[C.VALUE])
    st.dataframe(table, hide_index=True, width="stretch", height=420, key="explorer_table", column_config={
        value: st.column_config.NumberColumn(value, format="localized"),
        _(DISPLAY_COLUMNS[C.PERIOD_START]): st.column_config.DateColumn(format="YYYY-MM-DD"),
        _(DISPLAY_COLUMNS[C.PERIOD_END]): st.column_config.DateColumn(format="YYYY-MM-DD"),
        _(DISPLAY_COLUMNS[C.IS_DEMO]): st.column_config.CheckboxColumn(),
    })


def render_grouped(ctx: PageContext, aggregations: dict[str, str], shown: DisplayNames) -> None:
    """The grouped view of every matching row, whatever the table shows: from the cube (sums at the rules'
    grain, with the chosen breakdowns), so it costs a small query, not a pass over the rows."""
    st.subheader(_("Grouped view"))
    c1, c2 = st.columns([3, 2])
    dims = c1.multiselect(_("Group by"), GROUPABLE, default=[C.INDICATOR, C.COUNTRY],
                          format_func=lambda d: _(_GROUP_LABELS[d]), key="w_groupby")
    measure = c2.selectbox(_("Measure"), list(MEASURES), format_func=lambda m: _(MEASURES[m]), key="w_measure")
    frame = ctx.cube(dims=tuple(sorted(d for d in dims if d not in queries.CUBE_KEYS))) if dims else pd.DataFrame()
    grouped = compute_grouped(frame, dims, measure, aggregations)
    if grouped.empty:
        render_empty(_("Choose at least one dimension, or widen the filters."))
        return
    label = _(MEASURES[measure])
    st.dataframe(compute_display_grouped(grouped, measure, shown), hide_index=True, width="stretch",
                 column_config={label: st.column_config.NumberColumn(label, format="localized")})


def record_download(ctx: PageContext, kind: str, rows: int) -> None:
    """Audit-log a row-level download (a download button's callback: it runs when the file is taken).
    The audit log is for administrators and stays in English, like the rest of the log."""
    from dashboard.filters import query_string

    audit.record(cache.engine(ctx.url), ctx.access.actor, "export",
                 f"{kind}, {rows:,} rows, filters {query_string(ctx.filters) or '(none)'}, {ctx.period.start} to "
                 f"{ctx.period.end}")


#: The row downloads by kind (the XLSX is always built when pressed).
FILE_BUILDERS: dict[str, Callable[[pd.DataFrame], bytes]] = {
    "csv": exports.build_csv, "csv_excel": partial(exports.build_csv, excel=True), "hxl": exports.build_hxl_csv}


def compute_file(ctx: PageContext, kind: str) -> bytes:
    """The ``kind`` download (:data:`FILE_BUILDERS`) of a complete listing, from its rows."""
    return FILE_BUILDERS[kind](compute_listing(ctx).rows)


def build_later(build: Callable[[pd.DataFrame], bytes | str], ctx: PageContext, lang: str) -> Callable[[], bytes | str]:
    """A file builder for a download button, called when the button is pressed: from every matching row, and in
    ``lang`` (Streamlit calls it in another thread, where the page's language is not set)."""
    def built() -> bytes | str:
        with i18n.language(lang):
            return build(read_all_rows(ctx))

    return built


def render_downloads(ctx: PageContext, listing: Listing, shown: DisplayNames | None = None) -> None:
    """Download buttons for exactly the matching rows; each download is audit-logged. A complete listing's
    files are made once per page context and language; a long one's when the button is pressed, from all its
    rows."""
    st.subheader(_("Download these rows"))
    if not roles.can(ctx, "export"):
        st.caption(_("Downloading report rows is for analysts and the tWG co-leads."))
        return
    generated = exports.utcnow()
    stem = exports.file_stem(ctx.filters, ctx.period, generated)
    disabled = listing.total == 0
    rows = listing.total
    lang = i18n.current()
    indicator_names = shown.indicators if shown else None

    def all_rows() -> pd.DataFrame:
        return listing.rows if listing.complete else read_all_rows(ctx)

    def xlsx() -> bytes:  # built when the button is pressed, in the language of the page that drew it
        with i18n.language(lang):
            return exports.build_xlsx(all_rows(), ctx.filters, ctx.period, generated, indicator_names)

    def later(kind: str) -> bytes | str | Callable[[], bytes | str]:
        """A complete listing's file, built once per page context and language (a rerun builds nothing);
        for a long listing a builder Streamlit calls when the button is pressed, from every matching row.
        (Small files stay eager: a deferred download's request can race the rerun its click starts.)"""
        if listing.complete:
            return ctx.computed("dashboard.explorer:compute_file", kind)  # type: ignore[no-any-return]
        return build_later(FILE_BUILDERS[kind], ctx, lang)

    cols = st.columns(5)
    cols[0].download_button(_("CSV (UTF-8)"), later("csv"), exports.safe_file_name(stem, "csv"),
                            "text/csv", key="dl_csv", disabled=disabled, on_click=record_download,
                            args=(ctx, "CSV", rows))
    cols[1].download_button(_("CSV for Excel"), later("csv_excel"),
                            exports.safe_file_name(stem + "_excel", "csv"), "text/csv", key="dl_csv_excel",
                            disabled=disabled, on_click=record_download, args=(ctx, "CSV for Excel", rows))
    cols[2].download_button(_("Excel (XLSX)"), xlsx, exports.safe_file_name(stem, "xlsx"),
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_xlsx",
                            disabled=disabled, on_click=record_download, args=(ctx, "XLSX", rows))
    cols[3].download_button(_("HXL-tagged CSV"), later("hxl"),
                            exports.safe_file_name(stem + "_hxl", "csv"), "text/csv", key="dl_hxl",
                            disabled=disabled, on_click=record_download, args=(ctx, "HXL CSV", rows))
    cols[4].download_button(_("Filters (JSON)"),
                            exports.build_filters_json(ctx.filters, ctx.period, rows, generated),
                            exports.safe_file_name(stem + "_filters", "json"), "application/json", key="dl_filters")
    st.caption(_("The CSV files carry the period and generation time in their names; the JSON file records every "
                 "filter. The XLSX file holds the data, a data dictionary and the filters. Column headers are in "
                 "the language of this page; the values keep their codes, dot decimals and ISO dates, so the "
                 "files read the same in every language."))
