"""The co-leads' overview: computing it (``compute_*``) and drawing it (``render_*``).

In the public view Home shows only the key figures (from the indicators' figure sets, so small counts are
suppressed exactly as on the Indicators page) and the events: no organisation lists, alerts or briefing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import cache, privacy, roles
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.filters import Period, month_add, month_of
from dashboard.indicators import (
    Headline,
    compute_first_time,
    compute_headline,
    compute_monthly,
    compute_not_reported,
    compute_target,
)
from dashboard.quality import Alert, compute_alerts
from dashboard.timelines import build_sparkline
from dashboard.ui import PageContext, render_empty
from dashboard.vocab import EVENT_KINDS, ORG_TYPES


@dataclass
class Overview:
    headlines: list[Headline]
    sparklines: dict[str, pd.DataFrame]
    not_reported: pd.DataFrame
    not_reported_month: str
    alerts: list[Alert]
    events: pd.DataFrame
    today: date
    sources: list[str] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)  # public view: each headline's value as shown
    hidden: int = 0  # public view: figures hidden on the page


def compute_headlines(ctx: PageContext, period: Period) -> tuple[list[Headline], pd.DataFrame]:
    """Headline indicators for ``period`` against targets and the previous period (indicator filter ignored)."""
    current = ctx.facts(with_indicator=False, period=period)
    previous = ctx.facts(with_indicator=False, period=period.previous())
    inds = cache.indicators(ctx.url, ctx.version)
    targets = cache.targets(ctx.url, ctx.version)
    heads = inds[inds["is_headline"].astype(bool)]
    if ctx.filters.indicator:
        heads = inds[inds["code"] == ctx.filters.indicator]
    return [compute_headline(row, current, previous, targets, ctx.filters, period)
            for _, row in heads.iterrows()], current


def compute_public_overview(ctx: PageContext) -> Overview:
    """Home for the public: headline figures and sparklines from the suppressed figure sets, and events."""
    inds = ctx.indicators()
    heads = inds[inds["is_headline"].astype(bool)]
    if ctx.filters.indicator:
        heads = inds[inds["code"] == ctx.filters.indicator]
    targets = cache.targets(ctx.url, ctx.version)
    facts = ctx.facts(with_indicator=False)
    threshold = ctx.settings.suppression_threshold
    headlines, sparklines, shown, hidden = [], {}, {}, 0
    for _, row in heads.iterrows():
        code = str(row["code"])
        now, before = ctx.figures(code), ctx.figures(code, ctx.period.previous())
        value, state = now.cell("total")
        previous, _ = before.cell("total")
        rows = facts if row["aggregation"] == "distinct_organisations" else facts[facts[C.INDICATOR] == code]
        headlines.append(Headline(code=code, name=str(row["name"]), unit=str(row["unit"]),
                                  aggregation=str(row["aggregation"]), value=value, previous=previous,
                                  target=compute_target(targets, code, ctx.filters, ctx.period),
                                  has_demo=bool(rows[C.IS_DEMO].any()) if not rows.empty else False,
                                  reported=not rows[rows[C.MONTH].between(ctx.period.start, ctx.period.end)].empty))
        shown[code] = privacy.display(value, state, threshold, lambda v, u=str(row["unit"]): fmt.number(v, u))
        monthly = now.tables["month"][[C.MONTH, C.VALUE]]
        sparklines[code] = monthly[monthly[C.MONTH] < month_of(ctx.today)] if len(monthly) > 1 else monthly
        hidden += now.hidden_in("total", "month")
    last_complete = month_add(month_of(ctx.today), -1)
    return Overview(headlines, sparklines, pd.DataFrame(), last_complete, [], cache.events(ctx.url, ctx.version),
                    ctx.today, [], shown, hidden)


def compute_overview(ctx: PageContext) -> Overview:
    """Everything Home shows, for the context's filters and period (the public part only for the public)."""
    if not roles.can(ctx, "view_internal"):
        return compute_public_overview(ctx)
    headlines, current = compute_headlines(ctx, ctx.period)
    sparklines = {}
    inds = cache.indicators(ctx.url, ctx.version).set_index("code")
    for head in headlines:
        sub = current if head.aggregation == "distinct_organisations" else current[current[C.INDICATOR] == head.code]
        monthly = compute_monthly(sub, str(inds.loc[head.code, "aggregation"]), ctx.period)
        # The current month is still being reported: leave it out of the trend so it does not look like a drop.
        sparklines[head.code] = monthly[monthly[C.MONTH] < month_of(ctx.today)] if len(monthly) > 1 else monthly
    last_complete = month_add(month_of(ctx.today), -1)
    window = Period(month_add(last_complete, -3), last_complete)
    org_months = cache.org_months(ctx.url, ctx.version, ctx.filters, window)
    first_last = cache.first_reports(ctx.url, ctx.version, ctx.filters)
    not_reported = compute_not_reported(first_last, org_months, last_complete)
    alerts = compute_alerts(current, ctx.today, ctx.freshness.last_import, cache.denominators(ctx.url, ctx.version),
                            cache.reviews(ctx.url, ctx.version))
    events = cache.events(ctx.url, ctx.version)
    sources = sorted({s for s in current[C.SOURCE].dropna().unique() if s})
    return Overview(headlines, sparklines, not_reported, last_complete, alerts, events, ctx.today, sources)


def render_headlines(data: Overview) -> None:
    """Headline metrics: value, % of target, change against the previous period, sparkline."""
    st.subheader("Key figures for the period")
    if not data.headlines:
        render_empty()
        return
    cols = st.columns(min(4, len(data.headlines)))
    for i, head in enumerate(data.headlines):
        with cols[i % len(cols)]:
            pct = head.pct_of_target
            label = head.name + (" (demo)" if head.has_demo else "")
            # A change against a hidden figure is hidden too; with no report at all there is no change to show.
            known = head.reported and not math.isnan(head.change)
            st.metric(
                label,
                (data.shown.get(head.code) or fmt.number(head.value, head.unit)) if head.reported else "no reports",
                # Streamlit reads the sign from an ASCII minus, so the arrow and colour follow the change.
                delta=f"{head.change:+,.0f} vs previous period" if known else None,
                delta_color="off" if not known or head.change == 0 else "normal",
                help=("Unique people (max per area and population group)" if head.aggregation == "unique_max"
                      else None),
                border=True,
            )
            if not head.reported:
                st.caption("Nothing was reported for this period and selection.")
            elif pct is not None and math.isnan(pct):
                st.caption(f"% of target {fmt.number(head.target)}: hidden")
            else:
                st.caption(f"{fmt.percent(pct)} of target {fmt.number(head.target)}" if pct is not None
                           else "No target set for this selection")
            if head.code in data.sparklines and data.sparklines[head.code][C.VALUE].sum() > 0:
                st.altair_chart(build_sparkline(data.sparklines[head.code]), width="stretch")


def render_since_meeting(ctx: PageContext, data: Overview) -> None:
    """Pick a tWG meeting (default: the latest held) and show what changed since then."""
    st.subheader("Since the last meeting")
    meetings = data.events[(data.events["kind"] == "twg_meeting") & (data.events["event_date"] <= data.today)]
    if meetings.empty:
        render_empty("No tWG meeting is recorded yet.")
        return
    labels = {row.event_date: f"{fmt.day(row.event_date)} · {row.title}" for row in meetings.itertuples()}
    chosen = st.selectbox("Meeting", list(labels), format_func=labels.__getitem__, key="w_meeting")
    since = Period(month_of(chosen), month_of(data.today), f"since {fmt.day(chosen)}")
    headlines, current = compute_headlines(ctx, since)
    batches = cache.batches(ctx.url, ctx.version)
    imports = batches[(batches["status"] == "committed")
                      & (pd.to_datetime(batches["finished_at"]) >= pd.Timestamp(chosen))]
    first_time = compute_first_time(cache.first_reports(ctx.url, ctx.version, replace(ctx.filters)), month_of(chosen))
    c1, c2, c3 = st.columns(3)
    c1.metric("New report rows", fmt.number(len(current)), help="Report rows for months from the meeting on")
    c2.metric("Imports committed", fmt.number(len(imports)))
    c3.metric("Organisations reporting for the first time", fmt.number(len(first_time)))
    table = pd.DataFrame({
        "Indicator": [h.name for h in headlines],
        "Since the meeting": [fmt.number(h.value, h.unit) for h in headlines],
        "Same length before": [fmt.number(h.previous, h.unit) for h in headlines],
        "Change": [fmt.signed(h.change) for h in headlines],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if not first_time.empty:
        st.caption("First-time reporters: " + ", ".join(first_time[C.ORGANISATION].head(15)))


def render_not_reported(data: Overview) -> None:
    st.subheader(f"Not reported for {fmt.month_label(data.not_reported_month)}")
    if data.not_reported.empty:
        st.success("Every organisation that reported in the three months before has reported.", icon=":material/check_circle:")
        return
    table = pd.DataFrame({
        "Organisation": data.not_reported[C.ORGANISATION],
        "Type": data.not_reported[C.ORG_TYPE].map(ORG_TYPES),
        "Last reported": data.not_reported["last_month"].map(fmt.month_label),
    })
    st.caption(f"{len(table)} organisations reported in the previous three months but not for the last complete month.")
    st.dataframe(table, hide_index=True, width="stretch")


def render_quality_alerts(data: Overview) -> None:
    st.subheader("Data-quality alerts")
    if not data.alerts:
        st.success("No data-quality alerts for this selection.", icon=":material/check_circle:")
        return
    st.caption(f"{len(data.alerts)} alerts; the first ten:")
    for alert in data.alerts[:10]:
        (st.error if alert.severity == "error" else st.warning)(alert.message)


def render_events(data: Overview) -> None:
    st.subheader("Events")
    ev = data.events
    upcoming = ev[ev["event_date"] > data.today].sort_values("event_date").head(3)
    recent = ev[ev["event_date"] <= data.today].head(5)
    for title, frame in (("Upcoming", upcoming), ("Recent", recent)):
        st.markdown(f"**{title}**")
        if frame.empty:
            st.caption("None recorded.")
        for row in frame.itertuples():
            when = row.event_date.strftime("%B %Y") if row.date_precision == "month" else fmt.day(row.event_date)
            source = "demo" if row.is_demo else (row.source or "")
            st.markdown(f"- {when} · **{row.title}** · {row.place or ''} · {EVENT_KINDS.get(row.kind, row.kind)}"
                        f"  \n  <small>source: {source}</small>", unsafe_allow_html=True)


def render_briefing_download(ctx: PageContext, data: Overview) -> None:
    """The printable HTML briefing, built only when the button is pressed (analysts and co-leads)."""
    from dashboard.briefing import build_briefing_html

    if not roles.can(ctx, "briefing"):
        return
    st.divider()
    st.download_button(
        "Download briefing (HTML, printable, works offline)",
        data=lambda: build_briefing_html(ctx, data).encode("utf-8"),
        file_name=f"mhpss-briefing-{ctx.today:%Y-%m-%d}.html",
        mime="text/html",
        key="dl_briefing",
        type="primary",
    )
