"""The donors' indicator page: definition, target and achievement, trend, breakdowns, sources, freshness.

Every number comes from the indicator's figure set (:mod:`dashboard.figures`), so in the public view the
same small-cell suppression covers the achievement, the unique-people comparison, the timeline and its
breakdowns over time, the breakdown tabs and the figures download.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import cache, exports, privacy
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.charts import build_bar_breakdown
from dashboard.figures import SHOWN_TEXT, STATUS, TIME_DIMS, IndicatorFigures, indicator_rows
from dashboard.indicators import compute_target
from dashboard.timelines import render_chart_downloads, render_indicator_timeline
from dashboard.ui import PageContext, render_empty, render_privacy_note
from dashboard.vocab import AGE_BANDS, AGGREGATIONS, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

TAB_SPECS = [("place", C.AREA, "Area", None), ("age_sex", C.AGE, "Age band", C.SEX),
             ("group", C.GROUP, "Population group", None), ("org_type", C.ORG_TYPE, "Organisation type", None)]


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

    @property
    def code(self) -> str:
        return str(self.row["code"])

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


def compute_view(ctx: PageContext, code: str) -> IndicatorView:
    row = ctx.indicators().set_index("code", drop=False).loc[code]
    aggregation = str(row["aggregation"])
    facts = indicator_rows(ctx.facts(with_indicator=False), code, aggregation)
    figures = ctx.figures(code)
    targets = cache.targets(ctx.url, ctx.version)
    batches = cache.batches(ctx.url, ctx.version)
    used = batches[batches["id"].isin(facts[C.BATCH].unique())] if not facts.empty else batches.iloc[0:0]
    sources = sorted({s for s in facts[C.SOURCE].dropna() if s})
    if not facts.empty and (facts[C.SOURCE].isna() & ~facts[C.IS_DEMO]).any():
        sources.append("Partner 4W reports to the MHPSS tWG Poland")
    if not facts.empty and facts[C.IS_DEMO].any():
        sources.append("Synthetic demo data (not real)")
    monthly = figures.tables["month"][[C.MONTH, C.VALUE]].copy()
    cumulative = figures.cumulative
    monthly["cumulative"] = monthly[C.MONTH].map(cumulative).astype(float) if cumulative is not None else math.nan
    return IndicatorView(
        row=row, facts=facts, value=figures.cell("total")[0],
        target=compute_target(targets, code, ctx.filters, ctx.period),
        monthly=monthly, sources=sources, last_updated=used["finished_at"].max() if not used.empty else None,
        figures=figures,
    )


def render_header(view: IndicatorView) -> None:
    row = view.row
    st.header(str(row["name"]))
    st.markdown(f"**Definition.** {row['definition']}")
    c1, c2 = st.columns(2)
    c1.markdown(f"**Unit.** {row['unit']}  \n**How figures combine.** {AGGREGATIONS.get(view.aggregation, view.aggregation)}")
    c2.markdown(f"**Framework reference.** {row['framework_ref'] or '–'}  \n**Indicator code.** `{view.code}`")


def render_achievement(view: IndicatorView) -> None:
    st.subheader("Target and achievement")
    demo = " (includes demo data)" if not view.facts.empty and view.facts[C.IS_DEMO].any() else ""
    c1, c2, c3 = st.columns(3)
    c1.metric("Achieved" + demo, view.shown("total"), border=True)
    hidden = math.isnan(view.value)
    if view.target:
        c2.metric("Target", fmt.number(view.target), border=True)
        if hidden:
            c3.metric("Progress", "hidden", border=True)
        else:
            pct = 100.0 * view.value / view.target
            c3.metric("Progress", fmt.percent(pct), border=True)
            st.progress(min(1.0, pct / 100.0), text=f"{fmt.percent(pct)} of the target for the period's years")
    else:
        c2.metric("Target", "none set", border=True)
        c3.caption("No target is set for this selection, so achievement is shown without a percentage.")
    if view.aggregation == "unique_max":
        st.caption(
            f"This number counts **unique people** by the cluster rule (largest figure per area and population group, "
            f"then areas added up). The plain sum of all reports is {view.shown('plain')}; the difference of "
            f"{view.shown('difference')} is people who may have been counted by more than one organisation or activity."
        )


def render_unique_rule_public(view: IndicatorView) -> None:
    """The unique-people rule against the plain sum, with the public view's suppression (no per-area table)."""
    st.markdown("**How unique people are counted**")
    c1, c2, c3 = st.columns(3)
    c1.metric("Unique people (cluster rule) · in use", view.shown("total"))
    c2.metric("Plain sum (counts people twice)", view.shown("plain"))
    c3.metric("Difference (possible double counting)", view.shown("difference"))
    st.caption("For each area and population group the largest figure reported by any one organisation and "
               "activity counts, then areas and groups are added up; the plain sum adds every report, so a person "
               "reached by two partners or two activities counts twice.")


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
            out[dim] = pd.DataFrame({C.MONTH: table[C.MONTH], dim: codes.map(lambda c, d=dim: _category(d, c)),
                                     C.VALUE: table[C.VALUE], "rank": rank.astype(int)})
    return out


VOCAB_ORDER: dict[str, dict[Any, str]] = {C.SEX: SEX, C.AGE: AGE_BANDS, C.GROUP: POPULATION_GROUPS, C.ORG_TYPE: ORG_TYPES, C.COUNTRY: COUNTRIES,
               C.LAYER: PYRAMID_LAYERS}


def _category(dim: str, code: str) -> str:
    if dim == C.LAYER and code.isdigit():
        return PYRAMID_LAYERS.get(int(code), code)
    return fmt.label(dim, code)


def render_trend(view: IndicatorView, ctx: PageContext) -> None:
    st.subheader("Monthly trend")
    if view.facts.empty:
        render_empty()
        return
    render_indicator_timeline(view.facts, view.monthly, view.unit, view.aggregation, view.target,
                              cache.events(ctx.url, ctx.version), ctx.period, f"mhpss_{view.code}",
                              breakdowns=compute_time_breakdowns(view))
    if view.suppressed:
        hidden = view.figures.hidden_in("month", *(n for n in view.figures.tables if n.startswith("month_")))
        if hidden or view.figures.cumulative is None:
            st.caption(f"{hidden} monthly figure{'s are' if hidden != 1 else ' is'} hidden (gaps in the bars)"
                       + ("; the cumulative line is left out because it would reveal them." if
                          view.figures.cumulative is None else "."))


def compute_tab(view: IndicatorView, name: str) -> pd.DataFrame:
    """A breakdown tab's table with readable labels, largest first (hidden cells last)."""
    table = view.figures.table(name)
    if name == "place":
        attrs = view.figures.attrs["place"].set_index(C.PCODE)
        table.insert(0, C.AREA, table[C.PCODE].map(attrs[C.AREA]).astype("str"))
        table = table.drop(columns=[C.PCODE])
    for dim in (C.AGE, C.SEX, C.GROUP, C.ORG_TYPE):
        if dim in table:
            table[dim] = table[dim].map(lambda v, d=dim: fmt.label(d, v))
    return table.sort_values(C.VALUE, ascending=False, na_position="last", ignore_index=True)


def render_breakdowns(view: IndicatorView) -> None:
    st.subheader("Breakdowns")
    if view.facts.empty:
        render_empty()
        return
    tabs = st.tabs(["By place", "By sex and age", "By population group", "By organisation type"])
    for tab, (name, dim, label, colour) in zip(tabs, TAB_SPECS, strict=True):
        with tab:
            frame = compute_tab(view, name)
            if frame.empty:
                st.info("Not reported with this breakdown for these filters.", icon=":material/search_off:")
                continue
            chart = build_bar_breakdown(frame[frame[C.VALUE].notna()], dim, label, colour)
            st.altair_chart(chart, width="stretch")
            render_chart_downloads(chart, f"{view.code}_{name}")
            dims = [c for c in frame.columns if c not in (C.VALUE, STATUS, SHOWN_TEXT)]
            if view.suppressed:
                st.dataframe(frame[[*dims, SHOWN_TEXT]].rename(columns={SHOWN_TEXT: C.VALUE}), hide_index=True,
                             width="stretch")
                hidden = int((frame[STATUS] != privacy.SHOWN).sum())
                if hidden:
                    st.caption(f"{hidden} of these figures {'are' if hidden != 1 else 'is'} hidden: see the note "
                               "on small numbers at the end of the page.")
            else:
                st.dataframe(frame[[*dims, C.VALUE]], hide_index=True, width="stretch",
                             column_config={C.VALUE: st.column_config.NumberColumn("value", format="localized")})


def compute_figures_table(view: IndicatorView) -> pd.DataFrame:
    """Every figure on the page as one long table (what the figures download holds): table, the dimension
    values, and the value as shown ("<5" and "hidden" in the public view)."""
    names = ["total", "plain", "difference", "month", *(n for n, *_ in TAB_SPECS),
             *(f"month_{d}" for d in TIME_DIMS)]
    parts = []
    for name in (n for n in names if n in view.figures.tables):
        table = compute_tab(view, name) if name in {n for n, *_ in TAB_SPECS} else view.figures.table(name)
        dims = [c for c in table.columns if c not in (C.VALUE, STATUS, SHOWN_TEXT)]
        parts.append(pd.DataFrame({
            "indicator": view.code, "table": name,
            "dimension": [" · ".join(str(v) for v in row) for row in table[dims].itertuples(index=False)]
            if dims else "",
            "value": table[SHOWN_TEXT] if view.suppressed else table[C.VALUE],
        }))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["indicator", "table", "dimension",
                                                                                   "value"])


def render_figures_download(view: IndicatorView, ctx: PageContext) -> None:
    """The page's figures as CSV (formula-safe, suppressed like the page in the public view)."""
    stem = exports.safe_file_name(f"mhpss_{view.code}_{ctx.period.start}_{ctx.period.end}_figures", "csv")
    st.download_button("Download these figures (CSV)", exports.build_table_csv(compute_figures_table(view)),
                       stem, "text/csv", key="dl_indicator_figures", icon=":material/download:")


def render_sources(view: IndicatorView, ctx: PageContext | None = None) -> None:
    st.subheader("Sources and freshness")
    for source in view.sources or ["No reports for these filters."]:
        st.markdown(f"- {source}")
    notes = view.facts[C.NOTE].dropna().unique() if not view.facts.empty else []
    for note in notes:
        st.caption(f"Note: {note}")
    if view.last_updated is not None:
        st.caption(f"Last updated: {pd.Timestamp(view.last_updated):%-d %B %Y %H:%M} UTC")  # type: ignore[arg-type]
    if ctx is not None:  # the map's tables are not on this page
        render_privacy_note(ctx, view.figures.hidden_in(*(n for n in view.figures.tables if not n.startswith("map"))))
