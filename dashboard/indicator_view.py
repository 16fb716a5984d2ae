"""The donors' indicator page: definition, target and achievement, trend, breakdowns, sources, freshness."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from dashboard import cache
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.charts import build_bar_breakdown
from dashboard.indicators import compute_breakdown, compute_monthly, compute_plain_sum, compute_target, compute_total
from dashboard.timelines import render_indicator_timeline
from dashboard.ui import PageContext, render_empty
from dashboard.vocab import AGGREGATIONS, ORG_TYPES, POPULATION_GROUPS


@dataclass
class IndicatorView:
    row: pd.Series
    facts: pd.DataFrame
    value: float
    plain_sum: float
    target: float | None
    monthly: pd.DataFrame
    sources: list[str]
    last_updated: object

    @property
    def code(self) -> str:
        return str(self.row["code"])

    @property
    def aggregation(self) -> str:
        return str(self.row["aggregation"])


def pick_indicator(ctx: PageContext) -> str:
    """The indicator from the filters (URL or sidebar), else the first headline indicator."""
    inds = cache.indicators(ctx.url, ctx.version)
    if ctx.filters.indicator:
        return ctx.filters.indicator
    headline = inds[inds["is_headline"].astype(bool)]
    return str((headline if not headline.empty else inds).iloc[0]["code"])


def compute_view(ctx: PageContext, code: str) -> IndicatorView:
    inds = cache.indicators(ctx.url, ctx.version).set_index("code", drop=False)
    row = inds.loc[code]
    aggregation = str(row["aggregation"])
    if aggregation == "distinct_organisations":
        facts = ctx.facts(with_indicator=False)
    else:
        facts = ctx.facts(with_indicator=False)
        facts = facts[facts[C.INDICATOR] == code]
    value = compute_total(facts, aggregation)
    assert isinstance(value, float)
    targets = cache.targets(ctx.url, ctx.version)
    batches = cache.batches(ctx.url, ctx.version)
    used = batches[batches["id"].isin(facts[C.BATCH].unique())] if not facts.empty else batches.iloc[0:0]
    sources = sorted({s for s in facts[C.SOURCE].dropna() if s})
    if not facts.empty and (facts[C.SOURCE].isna() & ~facts[C.IS_DEMO]).any():
        sources.append("Partner 4W reports to the MHPSS tWG Poland")
    if not facts.empty and facts[C.IS_DEMO].any():
        sources.append("Synthetic demo data (not real)")
    return IndicatorView(
        row=row, facts=facts, value=value, plain_sum=compute_plain_sum(facts),
        target=compute_target(targets, code, ctx.filters, ctx.period),
        monthly=compute_monthly(facts, aggregation, ctx.period), sources=sources,
        last_updated=used["finished_at"].max() if not used.empty else None,
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
    c1.metric("Achieved" + demo, fmt.number(view.value, str(view.row["unit"])), border=True)
    if view.target:
        pct = 100.0 * view.value / view.target
        c2.metric("Target", fmt.number(view.target), border=True)
        c3.metric("Progress", fmt.percent(pct), border=True)
        st.progress(min(1.0, pct / 100.0), text=f"{fmt.percent(pct)} of the target for the period's years")
    else:
        c2.metric("Target", "none set", border=True)
        c3.caption("No target is set for this selection, so achievement is shown without a percentage.")
    if view.aggregation == "unique_max":
        st.caption(
            f"This number counts **unique people** by the cluster rule (largest figure per area and population group, "
            f"then areas added up). The plain sum of all reports is {fmt.number(view.plain_sum)}; the difference of "
            f"{fmt.number(view.plain_sum - view.value)} is people who may have been counted by more than one "
            "organisation or activity."
        )


def render_trend(view: IndicatorView, ctx: PageContext) -> None:
    st.subheader("Monthly trend")
    if view.facts.empty:
        render_empty()
        return
    render_indicator_timeline(view.facts, view.monthly, str(view.row["unit"]), view.aggregation, view.target,
                              cache.events(ctx.url, ctx.version), ctx.period, f"mhpss_{view.code}")


def render_breakdowns(view: IndicatorView) -> None:
    st.subheader("Breakdowns")
    if view.facts.empty:
        render_empty()
        return
    tabs = st.tabs(["By place", "By sex and age", "By population group", "By organisation type"])
    specs = [([C.AREA], "Area", None), ([C.AGE, C.SEX], "Age band", C.SEX), ([C.GROUP], "Population group", None),
             ([C.ORG_TYPE], "Organisation type", None)]
    for tab, (dims, label, colour) in zip(tabs, specs, strict=True):
        with tab:
            frame = compute_breakdown(view.facts, view.aggregation, dims)
            if frame.empty:
                st.info("Not reported with this breakdown for these filters.", icon=":material/search_off:")
                continue
            if C.GROUP in frame:
                frame[C.GROUP] = frame[C.GROUP].map(POPULATION_GROUPS)
            if C.ORG_TYPE in frame:
                frame[C.ORG_TYPE] = frame[C.ORG_TYPE].map(ORG_TYPES)
            st.altair_chart(build_bar_breakdown(frame, dims[0], label, colour), width="stretch")
            st.dataframe(frame, hide_index=True, width="stretch",
                         column_config={C.VALUE: st.column_config.NumberColumn("value", format="localized")})


def render_sources(view: IndicatorView) -> None:
    st.subheader("Sources and freshness")
    for source in view.sources or ["No reports for these filters."]:
        st.markdown(f"- {source}")
    notes = view.facts[C.NOTE].dropna().unique() if not view.facts.empty else []
    for note in notes:
        st.caption(f"Note: {note}")
    if view.last_updated is not None:
        st.caption(f"Last updated: {pd.Timestamp(view.last_updated):%-d %B %Y %H:%M} UTC")  # type: ignore[arg-type]
