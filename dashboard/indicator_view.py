"""The donors' indicator page: definition, target and achievement, trend, breakdowns, sources, freshness.

Every number comes from the indicator's figure set (:mod:`dashboard.figures`), so in the public view the
same small-cell suppression covers the achievement, the unique-people comparison, the timeline and its
breakdowns over time, the breakdown tabs and the figures download.

Everything is written in the reader's language: interface text through the catalogue, the indicator's name,
definition and unit and the area names from the data (:mod:`dashboard.names`), numbers and dates per
locale. The figure sets are cached, so they hold codes and numbers only; labels are put on here, when the
page is drawn. The figures download keeps its values machine-readable (numbers, ``<5``, ``hidden``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import cache, exports, i18n, names, privacy, queries
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.charts import build_bar_breakdown, render_chart
from dashboard.figures import SHOWN_TEXT, STATUS, TIME_DIMS, IndicatorFigures, indicator_filters, indicator_rows
from dashboard.i18n import N_, _, ngettext, pgettext
from dashboard.indicators import compute_target
from dashboard.timelines import (
    breakdown_dims,
    compute_events,
    compute_monthly_breakdown,
    render_chart_downloads,
    render_indicator_timeline,
)
from dashboard.ui import PageContext, render_empty, render_privacy_note
from dashboard.vocab import AGE_BANDS, ALL, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

#: Breakdown tab: (figure table, dimension on the bars, tab title, colour dimension).
TAB_SPECS = [("place", C.AREA, N_("By place"), None), ("age_sex", C.AGE, N_("By sex and age"), C.SEX),
             ("group", C.GROUP, N_("By population group"), None),
             ("org_type", C.ORG_TYPE, N_("By organisation type"), None)]
#: Column (and chart axis) titles of the breakdown tables.
COLUMN_TITLES = {C.AREA: N_("Area"), C.AGE: N_("Age band"), C.SEX: N_("Sex"), C.GROUP: N_("Population group"),
                 C.ORG_TYPE: N_("Organisation type"), C.VALUE: N_("Value")}
#: The session-state key of the breakdown tabs (the open tab's label).
TABS_KEY = "indicator_tab"
SOURCE_PARTNERS = N_("Partner 4W reports to the MHPSS tWG Poland")
SOURCE_DEMO = N_("Synthetic demo data (not real)")


@dataclass
class IndicatorView:
    row: pd.Series
    facts: pd.DataFrame
    value: float  # NaN when hidden in the public view
    target: float | None
    monthly: pd.DataFrame  # month, value, cumulative (NaN where hidden or not published)
    sources: list[str]
    last_updated: object
    figures: IndicatorFigures
    area_names: dict[str, str] = field(default_factory=dict)  # P-code -> name in the reader's language
    notes: list[str] = field(default_factory=list)  # the notes the reports carry
    # Breakdowns by sex, age band or disability the reports have (``facts`` may be the cube, summed over them).
    detail_dims: tuple[str, ...] = ()

    @property
    def code(self) -> str:
        return str(self.row["code"])

    @property
    def name(self) -> str:
        """The indicator's name in the reader's language."""
        return names.indicator_text(self.row, "name")

    @property
    def unit_text(self) -> str:
        """The unit as the reader reads it (axis titles); :attr:`unit` is the catalogue's, for formatting."""
        return names.indicator_text(self.row, "unit")

    @property
    def aggregation(self) -> str:
        return str(self.row["aggregation"])

    @property
    def unit(self) -> str:
        return str(self.row["unit"])

    @property
    def suppressed(self) -> bool:
        return self.figures.audience.suppresses

    def shown(self, name: str) -> str:
        """A one-cell figure as the reader sees it (with the unit's format)."""
        value, state = self.figures.cell(name)
        return privacy.display(value, state, self.figures.audience.threshold, lambda v: fmt.number(v, self.unit))


def pick_indicator(ctx: PageContext) -> str:
    """The indicator from the filters (URL or sidebar), else the first headline indicator the viewer may see."""
    inds = ctx.indicators()
    if ctx.filters.indicator and ctx.filters.indicator in set(inds["code"]):
        return ctx.filters.indicator
    headline = inds[inds["is_headline"].astype(bool)]
    return str((headline if not headline.empty else inds).iloc[0]["code"])


def page_view(ctx: PageContext, code: str) -> IndicatorView:
    """The page's figures for indicator ``code`` (:func:`compute_view`), computed once per context and language."""
    return ctx.computed("dashboard.indicator_view:compute_view", code)  # type: ignore[no-any-return]


def compute_view(ctx: PageContext, code: str) -> IndicatorView:
    row = ctx.indicators().set_index("code", drop=False).loc[code]
    aggregation = str(row["aggregation"])
    chosen, own = indicator_filters(ctx.filters, code, aggregation)
    if ctx.audience.public:  # the rows the public may see, and where they come from
        facts = indicator_rows(ctx.facts(filters=chosen, with_indicator=own), code, aggregation)
        provenance = compute_provenance(facts)
    else:  # the cube (every figure by every rule), and where the rows behind it come from, read apart
        facts = indicator_rows(ctx.cube(filters=chosen, with_indicator=own), code, aggregation)
        provenance = cache.provenance(ctx.url, ctx.version, chosen, ctx.period, own, ctx.audience)
    figures = ctx.figures(code)
    targets = cache.targets(ctx.url, ctx.version)
    batches = cache.batches(ctx.url, ctx.version)
    used = batches[batches["id"].isin(provenance[C.BATCH].unique())]
    sources = sorted({s for s in facts[C.SOURCE].dropna() if s})
    if not facts.empty and (facts[C.SOURCE].isna() & ~facts[C.IS_DEMO]).any():
        sources.append(SOURCE_PARTNERS)
    if not facts.empty and facts[C.IS_DEMO].any():
        sources.append(SOURCE_DEMO)
    monthly = figures.tables["month"][[C.MONTH, C.VALUE]].copy()
    cumulative = figures.cumulative
    monthly["cumulative"] = monthly[C.MONTH].map(cumulative).astype(float) if cumulative is not None else math.nan
    return IndicatorView(
        row=row, facts=facts, value=figures.cell("total")[0],
        target=compute_target(targets, code, ctx.filters, ctx.period),
        monthly=monthly, sources=sources, last_updated=used["finished_at"].max() if not used.empty else None,
        figures=figures, area_names=names.area_names(cache.locations(ctx.url, ctx.version)),
        notes=[str(n) for n in provenance[C.NOTE].dropna().unique()],
        detail_dims=tuple(d for d, flag in queries.DETAIL_FLAGS.items() if provenance[flag].any()),
    )


def compute_provenance(facts: pd.DataFrame) -> pd.DataFrame:
    """From fact rows, what :func:`dashboard.cache.provenance` reads from the store: batch, note and whether
    any row is broken down by sex, age band or disability."""
    flags = {flag: facts[dim].astype("str") != ALL for dim, flag in queries.DETAIL_FLAGS.items() if dim in facts}
    frame = facts[[C.BATCH, C.NOTE]].assign(**flags)
    return frame.groupby([C.BATCH, C.NOTE], dropna=False, as_index=False)[list(flags)].any()


def render_header(view: IndicatorView) -> None:
    """Name, definition, unit, the aggregation rule in words, framework reference and code."""
    row = view.row
    st.header(view.name)
    st.markdown(_("**Definition.** {definition}").format(definition=names.indicator_text(row, "definition")))
    c1, c2 = st.columns(2)
    c1.markdown(_("**Unit.** {unit}").format(unit=view.unit_text) + "  \n"
                + _("**How figures combine.** {rule}").format(rule=fmt.label("aggregation", view.aggregation)))
    c2.markdown(_("**Framework reference.** {reference}").format(reference=row["framework_ref"] or "–") + "  \n"
                + _("**Indicator code.** {code}").format(code=f"`{view.code}`"))


def render_achievement(view: IndicatorView) -> None:
    st.subheader(_("Target and achievement"))
    demo = not view.facts.empty and bool(view.facts[C.IS_DEMO].any())
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Achieved (includes demo data)") if demo else _("Achieved"), view.shown("total"), border=True)
    hidden = math.isnan(view.value)
    if view.target:
        c2.metric(_("Target"), fmt.number(view.target), border=True)
        if hidden:
            c3.metric(_("Progress"), _("hidden"), border=True)
        else:
            pct = 100.0 * view.value / view.target
            c3.metric(_("Progress"), fmt.percent(pct), border=True)
            st.progress(min(1.0, pct / 100.0), text=_("{percent} of the target for the period's years").format(
                percent=fmt.percent(pct)))
    else:
        # Translators: the value of the "Target" figure when no target is set.
        c2.metric(_("Target"), _("none set"), border=True)
        c3.caption(_("No target is set for this selection, so achievement is shown without a percentage."))
    if view.aggregation == "unique_max":
        st.caption(_(
            "This number counts **unique people** by the cluster rule (largest figure per area and population "
            "group, then areas added up). The plain sum of all reports is {plain}; the difference of {difference} "
            "is people who may have been counted by more than one organisation or activity."
        ).format(plain=view.shown("plain"), difference=view.shown("difference")))


def render_unique_rule_public(view: IndicatorView) -> None:
    """The unique-people rule against the plain sum, with the public view's suppression (no per-area table)."""
    st.markdown("**" + _("How unique people are counted") + "**")
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Unique people (cluster rule) · in use"), view.shown("total"))
    c2.metric(_("Plain sum (counts people twice)"), view.shown("plain"))
    c3.metric(_("Difference (possible double counting)"), view.shown("difference"))
    st.caption(_("For each area and population group the largest figure reported by any one organisation and "
                 "activity counts, then areas and groups are added up; the plain sum adds every report, so a "
                 "person reached by two partners or two activities counts twice."))


def compute_time_breakdowns(view: IndicatorView) -> dict[str, pd.DataFrame] | None:
    """The public breakdowns over time (labelled, hidden cells empty); None for staff, whose timeline
    computes the one chosen."""
    if not view.suppressed:
        return None
    out = {}
    for dim in TIME_DIMS:
        name = f"month_{dim}"
        if name in view.figures.tables:
            table = view.figures.tables[name]
            order = [str(k) for k in VOCAB_ORDER.get(dim, {})]
            codes = table[dim].astype("str")
            rank = codes.map(lambda c, o=order: o.index(c) if c in o else len(o))
            out[dim] = pd.DataFrame({C.MONTH: table[C.MONTH], dim: codes.map(lambda c, d=dim: fmt.label(d, c)),
                                     C.VALUE: table[C.VALUE], "rank": rank.astype(int)})
    return out


VOCAB_ORDER: dict[str, dict[Any, str]] = {C.SEX: SEX, C.AGE: AGE_BANDS, C.GROUP: POPULATION_GROUPS, C.ORG_TYPE: ORG_TYPES, C.COUNTRY: COUNTRIES,
               C.LAYER: PYRAMID_LAYERS}


def render_trend(view: IndicatorView, ctx: PageContext) -> None:
    st.subheader(_("Monthly trend"))
    if view.facts.empty:
        render_empty()
        return
    extras = page_extras(ctx, view.code)
    render_indicator_timeline(view.facts, view.monthly, view.unit_text, view.aggregation, view.target,
                              cache.events(ctx.url, ctx.version), ctx.period, f"mhpss_{view.code}",
                              breakdowns=extras.time_breakdowns, period_events=extras.events,
                              breakdown_of=lambda dim: ctx.computed("dashboard.indicator_view:compute_time_breakdown",
                                                                    view.code, dim),
                              dims=extras.time_dims)
    if view.suppressed:
        hidden = view.figures.hidden_in("month", *(n for n in view.figures.tables if n.startswith("month_")))
        if view.figures.cumulative is None:
            st.caption(ngettext(
                "{n} monthly figure is hidden (gaps in the bars); the cumulative line is left out because it "
                "would reveal them.",
                "{n} monthly figures are hidden (gaps in the bars); the cumulative line is left out because it "
                "would reveal them.", hidden).format(n=fmt.number(hidden)))
        elif hidden:
            st.caption(ngettext("{n} monthly figure is hidden (gaps in the bars).",
                                "{n} monthly figures are hidden (gaps in the bars).", hidden).format(
                n=fmt.number(hidden)))


def compute_tab(view: IndicatorView, name: str) -> pd.DataFrame:
    """A breakdown tab's table with readable labels in the reader's language (area names too), largest
    first (hidden cells last)."""
    table = view.figures.table(name)
    if name == "place":
        attrs = view.figures.attrs["place"].set_index(C.PCODE)
        pcodes = table[C.PCODE].astype("str")
        english = pcodes.map(attrs[C.AREA]).astype("str")
        local = pcodes.map(view.area_names)
        table.insert(0, C.AREA, local.where(local.notna(), english).astype("str"))
        table = table.drop(columns=[C.PCODE])
    for dim in (C.AGE, C.SEX, C.GROUP, C.ORG_TYPE):
        if dim in table:
            table[dim] = table[dim].map(lambda v, d=dim: fmt.label(d, v))
    return table.sort_values(C.VALUE, ascending=False, na_position="last", ignore_index=True)


def render_breakdown_table(frame: pd.DataFrame, dims: list[str], suppressed: bool) -> None:
    """A breakdown tab's table with its headers in the reader's language. In English the frame keeps its
    column names (``area``, ``value``: what the English pages have always sent) and the headers come from the
    column configuration; in other languages the columns are renamed too, so no English name is sent."""
    shown = frame[[*dims, SHOWN_TEXT]].rename(columns={SHOWN_TEXT: C.VALUE}) if suppressed else frame[[*dims, C.VALUE]]
    english = i18n.current() == i18n.DEFAULT
    titles = {c: _(COLUMN_TITLES[c]) for c in shown.columns if c in COLUMN_TITLES}
    column = {c: c if english else titles[c] for c in titles}  # the column's name in the frame sent
    shown = shown.rename(columns=column)
    config: dict[str, Any] = {column[c]: st.column_config.TextColumn(titles[c]) for c in titles if c != C.VALUE}
    config[column[C.VALUE]] = (st.column_config.TextColumn(titles[C.VALUE]) if suppressed else
                               st.column_config.NumberColumn(titles[C.VALUE], format="localized"))
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def render_breakdowns(view: IndicatorView, ctx: PageContext) -> None:
    """The breakdown tabs. Only the open tab is computed and drawn (choosing another reruns the page); the
    chosen tab stays open when the indicator or the filters change."""
    st.subheader(_("Breakdowns"))
    if view.facts.empty:
        render_empty()
        return
    tabs = st.tabs([_(title) for _name, _dim, title, _colour in TAB_SPECS], key=TABS_KEY, on_change="rerun")
    for tab, (name, dim, _title, colour) in zip(tabs, TAB_SPECS, strict=True):
        with tab:
            if tab.open:
                frame = ctx.computed("dashboard.indicator_view:compute_page_tab", view.code, name)
                render_breakdown_tab(view, frame, name, dim, colour)


def render_breakdown_tab(view: IndicatorView, frame: pd.DataFrame, name: str, dim: str, colour: str | None) -> None:
    if frame.empty:
        st.info(_("Not reported with this breakdown for these filters."), icon=":material/search_off:")
        return
    chart = render_chart(build_bar_breakdown, frame[frame[C.VALUE].notna()], dim, _(COLUMN_TITLES[dim]),
                         colour, _(COLUMN_TITLES[colour]) if colour else None, width="stretch")
    render_chart_downloads(chart, f"{view.code}_{name}")
    dims = [c for c in frame.columns if c not in (C.VALUE, STATUS, SHOWN_TEXT)]
    render_breakdown_table(frame, dims, view.suppressed)
    if view.suppressed:
        hidden = int((frame[STATUS] != privacy.SHOWN).sum())
        if hidden:
            st.caption(ngettext(
                "{n} of these figures is hidden: see the note on small numbers at the end of the page.",
                "{n} of these figures are hidden: see the note on small numbers at the end of the page.",
                hidden).format(n=fmt.number(hidden)))


def compute_page_tab(ctx: PageContext, code: str, name: str) -> pd.DataFrame:
    """:func:`compute_tab` of the page's view, memoised per context and language through ``ctx.computed``. For
    staff the table by sex and age band is read here, when its tab is opened (see :meth:`PageContext.figures`)."""
    view = page_view(ctx, code)
    if name not in view.figures.tables:
        view = replace(view, figures=ctx.figures(code, complete=True))
    return compute_tab(view, name)


def compute_figures_table(view: IndicatorView) -> pd.DataFrame:
    """Every figure on the page as one long table (what the figures download holds): table, the dimension
    values (labels in the reader's language), and the value as shown ("<5" and "hidden" in the public view,
    in English in every language: the values stay machine-readable). Headers in the reader's language (the
    English ones are the machine names)."""
    tables = ["total", "plain", "difference", "month", *(n for n, *_rest in TAB_SPECS),
              *(f"month_{d}" for d in TIME_DIMS)]
    tab_names = {n for n, *_rest in TAB_SPECS}
    threshold = view.figures.audience.threshold
    parts = []
    for name in (n for n in tables if n in view.figures.tables):
        table = compute_tab(view, name) if name in tab_names else view.figures.table(name)
        dims = [c for c in table.columns if c not in (C.VALUE, STATUS, SHOWN_TEXT)]
        machine = [privacy.display(v, s, threshold, translate=False) for v, s in
                   zip(table[C.VALUE], table[STATUS], strict=True)]
        parts.append(pd.DataFrame({
            "indicator": view.code, "table": name,
            "dimension": [" · ".join(str(v) for v in row) for row in table[dims].itertuples(index=False)]
            if dims else "",
            "value": machine if view.suppressed else table[C.VALUE],
        }))
    out = (pd.concat(parts, ignore_index=True) if parts else
           pd.DataFrame(columns=["indicator", "table", "dimension", "value"]))
    # Translators: column headers of the downloaded figures file (short; the English ones are machine names).
    return out.rename(columns={"indicator": pgettext("export column", "indicator"),
                               "table": pgettext("export column", "table"),
                               "dimension": pgettext("export column", "dimension"),
                               "value": pgettext("export column", "value")})


def build_figures_csv(ctx: PageContext, code: str, lang: str) -> bytes:
    """The figures download for indicator ``code``, in ``lang``: built when the button is pressed (Streamlit
    calls it in another thread, where the page's language is not set)."""
    with i18n.language(lang):
        view = page_view(ctx, code)
        return exports.build_table_csv(compute_figures_table(replace(view, figures=ctx.figures(code, complete=True))))


def render_figures_download(view: IndicatorView, ctx: PageContext) -> None:
    """The page's figures as CSV (formula-safe, suppressed like the page in the public view), built when the
    button is pressed. The click does not rerun the page, so the file's request cannot race a rerun."""
    stem = exports.safe_file_name(f"mhpss_{view.code}_{ctx.period.start}_{ctx.period.end}_figures", "csv")
    st.download_button(_("Download these figures (CSV)"),
                       functools.partial(build_figures_csv, ctx, view.code, i18n.current()),
                       stem, "text/csv", key="dl_indicator_figures", icon=":material/download:", on_click="ignore")


@dataclass(frozen=True)
class PageExtras:
    """What the page draws from the view, computed once per context and language (see :func:`page_extras`)."""

    events: pd.DataFrame  # the period's events on the timeline
    time_dims: list[str]  # dimensions the facts are disaggregated by (the breakdown over time's choices)
    time_breakdowns: dict[str, pd.DataFrame] | None  # the public's suppressed breakdowns over time


def page_extras(ctx: PageContext, code: str) -> PageExtras:
    """:func:`compute_extras`, memoised: a rerun with the same choices recomputes none of it."""
    return ctx.computed("dashboard.indicator_view:compute_extras", code)  # type: ignore[no-any-return]


def compute_extras(ctx: PageContext, code: str) -> PageExtras:
    view = page_view(ctx, code)
    breakdowns = compute_time_breakdowns(view)
    return PageExtras(compute_events(cache.events(ctx.url, ctx.version), ctx.period),
                      breakdown_dims(view.facts, breakdowns, view.detail_dims), breakdowns)


def compute_time_breakdown(ctx: PageContext, code: str, dim: str) -> pd.DataFrame:
    """The indicator's monthly figures broken down by ``dim`` (staff), memoised per context through
    ``ctx.computed``."""
    view = page_view(ctx, code)
    frame = view.facts
    if dim not in frame and dim in view.detail_dims:  # the cube is summed over it: read the sums by it
        chosen, own = indicator_filters(ctx.filters, code, view.aggregation)
        frame = indicator_rows(ctx.cube(filters=chosen, with_indicator=own, dims=(C.MONTH, dim), rule=view.aggregation),
                               code, view.aggregation)
    return compute_monthly_breakdown(frame, view.aggregation, ctx.period, dim)


def render_sources(view: IndicatorView, ctx: PageContext | None = None) -> None:
    st.subheader(_("Sources and freshness"))
    for source in view.sources or [_("No reports for these filters.")]:
        st.markdown(f"- {_(source) if source in (SOURCE_PARTNERS, SOURCE_DEMO) else source}")
    for note in view.notes:
        st.caption(_("Note: {note}").format(note=note))
    if view.last_updated is not None:
        when = pd.Timestamp(view.last_updated).to_pydatetime()  # type: ignore[arg-type]
        st.caption(_("Last updated: {when} UTC").format(when=fmt.day_time(when)))
    if ctx is not None:  # the map's tables are not on this page
        render_privacy_note(ctx, view.figures.hidden_in(*(n for n in view.figures.tables if not n.startswith("map"))))
