"""The co-leads' overview: computing it (``compute_*``) and drawing it (``render_*``).

In the public view Home shows only the key figures (from the indicators' figure sets, so small counts are
suppressed exactly as on the Indicators page) and the events: no organisation lists, alerts or briefing.

Everything is drawn in the reader's language: interface text through the catalogue, indicator names from the
data (:mod:`dashboard.names`), numbers, months and dates per locale. The overview is computed on every run
(never cached), so the headline names it carries are already in the reader's language.
"""

from __future__ import annotations

import functools
import html
import math
from dataclasses import dataclass, field, replace
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import alert_cache, cache, i18n, names, privacy, roles, ui
from dashboard import columns as C
from dashboard import format as fmt
from dashboard.charts import render_chart
from dashboard.filters import Period, month_add, month_of
from dashboard.i18n import _, ngettext
from dashboard.indicators import (
    Headline,
    compute_coded,
    compute_first_time,
    compute_headlines,
    compute_monthly,
    compute_not_reported,
    compute_targets,
    split_by_indicator,
)
from dashboard.quality import Alert
from dashboard.queries import ROWS
from dashboard.timelines import build_sparkline
from dashboard.ui import PageContext, render_alert, render_empty


@dataclass
class Overview:
    headlines: list[Headline]
    sparklines: dict[str, pd.DataFrame]
    not_reported: pd.DataFrame
    not_reported_month: str
    alerts: list[Alert] | None  # None: still being checked (see current_alerts)
    events: pd.DataFrame
    today: date
    sources: list[str] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)  # public view: each headline's value as shown
    hidden: int = 0  # public view: figures hidden on the page


def compute_period_headlines(ctx: PageContext, period: Period) -> tuple[
        list[Headline], pd.DataFrame, dict[str, pd.DataFrame]]:
    """Headline indicators for ``period`` against targets and the previous period (indicator filter ignored),
    with the period's cube rows, also split by indicator."""
    # Sums at the rules' grain (the cube): the same totals as the fact rows, from a fraction of them.
    # One read for the period and the one before it, split by month (one query instead of two).
    before = period.previous()
    both = ctx.cube(with_indicator=False, period=read_span(ctx, period), rule="every")
    months = both[C.MONTH]
    in_period = ((months >= period.start) & (months <= period.end)).to_numpy(dtype=bool)
    in_before = ((months >= before.start) & (months <= before.end)).to_numpy(dtype=bool)
    inds = cache.indicators(ctx.url, ctx.version)
    targets = cache.targets(ctx.url, ctx.version)
    heads = inds[inds["is_headline"].astype(bool)]
    if ctx.filters.indicator:
        heads = inds[inds["code"] == ctx.filters.indicator]
    # The rules need only these columns, and their text keys as categories: each headline filters the frame
    # by indicator, and taking category codes is a fraction of the cost of taking text.
    slim = compute_coded(both[[c for c in (*_CODED, C.MONTH, C.VALUE, C.IS_DEMO, C.SOURCE, ROWS) if c in both]],
                         _CODED)
    current = slim[in_period].reset_index(drop=True)
    previous = slim[in_before].reset_index(drop=True)
    by_code = split_by_indicator(current)
    headlines = compute_headlines(heads, current, previous, targets, ctx.filters, period, current_split=by_code)
    # The catalogue's unit stays on the headline (it decides the number format); the name is the reader's.
    return [replace(head, name=names.indicator_text(row, "name"))
            for head, (_i, row) in zip(headlines, heads.iterrows(), strict=True)], current, by_code


_CODED = (C.INDICATOR, C.ORGANISATION, C.ACTIVITY, C.PCODE, C.GROUP)


def held_meetings(events: pd.DataFrame, today: date) -> pd.DataFrame:
    """The tWG meetings held by ``today``, in the order the meeting picker offers them (its default first)."""
    return events[(events["kind"] == "twg_meeting") & (events["event_date"] <= today)]


def since_period(chosen: date, today: date) -> Period:
    return Period(month_of(chosen), month_of(today), _("since {date}").format(date=fmt.day(chosen)))


def read_span(ctx: PageContext, *periods: Period) -> Period:
    """The months Home's headlines read in one query: the page's period, what changed since the picker's default
    meeting, ``periods``, and the period before each (the overview and "since the last meeting" share it)."""
    meetings = held_meetings(cache.events(ctx.url, ctx.version), ctx.today)
    spans = [ctx.period, *periods]
    if not meetings.empty:
        spans.append(since_period(meetings["event_date"].iloc[0], ctx.today))
    return Period(min(p.previous().start for p in spans), max(p.end for p in spans))


def compute_public_overview(ctx: PageContext) -> Overview:
    """Home for the public: headline figures and sparklines from the suppressed figure sets, and events."""
    inds = ctx.indicators()
    heads = inds[inds["is_headline"].astype(bool)]
    if ctx.filters.indicator:
        heads = inds[inds["code"] == ctx.filters.indicator]
    goals = compute_targets(cache.targets(ctx.url, ctx.version), ctx.filters, ctx.period)
    facts = ctx.cube(with_indicator=False)
    threshold = ctx.settings.suppression_threshold
    headlines, sparklines, shown, hidden = [], {}, {}, 0
    for _i, row in heads.iterrows():
        code = str(row["code"])
        now, before = ctx.figures(code), ctx.figures(code, ctx.period.previous())
        value, state = now.cell("total")
        previous, _state = before.cell("total")
        rows = facts if row["aggregation"] == "distinct_organisations" else facts[facts[C.INDICATOR] == code]
        headlines.append(Headline(code=code, name=names.indicator_text(row, "name"), unit=str(row["unit"]),
                                  aggregation=str(row["aggregation"]), value=value, previous=previous,
                                  target=goals.get(code),
                                  has_demo=bool(rows[C.IS_DEMO].any()) if not rows.empty else False,
                                  reported=not rows[rows[C.MONTH].between(ctx.period.start, ctx.period.end)].empty))
        shown[code] = privacy.display(value, state, threshold, lambda v, u=str(row["unit"]): fmt.number(v, u))
        monthly = now.tables["month"][[C.MONTH, C.VALUE]]
        sparklines[code] = monthly[monthly[C.MONTH] < month_of(ctx.today)] if len(monthly) > 1 else monthly
        hidden += now.hidden_in("total", "month")
    last_complete = month_add(month_of(ctx.today), -1)
    return Overview(headlines, sparklines, pd.DataFrame(), last_complete, [], cache.events(ctx.url, ctx.version),
                    ctx.today, compute_sources(facts), shown, hidden)


def overview(ctx: PageContext) -> Overview:
    """Everything Home shows (:func:`compute_overview`), computed once per context and language."""
    return ctx.computed("dashboard.home:compute_overview")  # type: ignore[no-any-return]


def compute_overview(ctx: PageContext) -> Overview:
    """Everything Home shows, for the context's filters and period (the public part only for the public)."""
    if not roles.can(ctx, "view_internal"):
        return compute_public_overview(ctx)
    headlines, current, by_code = compute_period_headlines(ctx, ctx.period)
    sparklines = {}
    for head in headlines:
        sub = current if head.aggregation == "distinct_organisations" else by_code.get(head.code, current.iloc[:0])
        monthly = compute_monthly(sub, head.aggregation, ctx.period)
        # The current month is still being reported: leave it out of the trend so it does not look like a drop.
        sparklines[head.code] = monthly[monthly[C.MONTH] < month_of(ctx.today)] if len(monthly) > 1 else monthly
    last_complete = month_add(month_of(ctx.today), -1)
    window = Period(month_add(last_complete, -3), last_complete)
    org_months = cache.org_months(ctx.url, ctx.version, ctx.filters, window)
    first_last = cache.first_reports(ctx.url, ctx.version, ctx.filters)
    not_reported = compute_not_reported(first_last, org_months, last_complete)
    alerts = current_alerts(ctx)
    events = cache.events(ctx.url, ctx.version)
    return Overview(headlines, sparklines, not_reported, last_complete, alerts, events, ctx.today,
                    compute_sources(current))


def compute_sources(rows: pd.DataFrame) -> list[str]:
    """Where the figures of ``rows`` come from: their distinct ``source`` texts, sorted."""
    return sorted({s for s in rows[C.SOURCE].dropna().unique() if s}) if C.SOURCE in rows else []


def render_stale_sources(ctx: PageContext, data: Overview) -> None:
    """The stale-source notes for the headlines' sources (from the rows Home has read, not a second read of
    the period's cube: at ten million rows that read cost 0.4 GB for "everything")."""
    ui.render_stale_sources(ctx, pd.DataFrame({C.SOURCE: pd.Series(data.sources, dtype="str")}))


def change_text(change: float) -> str:
    """A headline's change against the previous period, whole numbers: ``+1,234`` / ``-56`` / ``+0``.

    An ASCII sign first: Streamlit reads the metric's arrow and colour from it."""
    sign = "-" if change < 0 else "+"
    return sign + i18n.format_number(abs(round(change)), decimals=0)


def render_headlines(data: Overview) -> None:
    """Headline metrics: value, % of target, change against the previous period, sparkline."""
    st.subheader(_("Key figures for the period"))
    if not data.headlines:
        render_empty()
        return
    cols = st.columns(min(4, len(data.headlines)))
    for i, head in enumerate(data.headlines):
        with cols[i % len(cols)]:
            pct = head.pct_of_target
            # Translators: a headline figure's label when demo data is included.
            label = _("{name} (demo)").format(name=head.name) if head.has_demo else head.name
            # A change against a hidden figure is hidden too; with no report at all there is no change to show.
            known = head.reported and not math.isnan(head.change)
            st.metric(
                label,
                (data.shown.get(head.code) or fmt.number(head.value, head.unit)) if head.reported else _("no reports"),
                # Translators: keep {change} first: the arrow's direction is read from its sign.
                delta=_("{change} vs previous period").format(change=change_text(head.change)) if known else None,
                delta_color="off" if not known or head.change == 0 else "normal",
                help=(_("Unique people (max per area and population group)") if head.aggregation == "unique_max"
                      else None),
                border=True,
            )
            if not head.reported:
                st.caption(_("Nothing was reported for this period and selection."))
            elif pct is not None and math.isnan(pct):
                st.caption(_("% of target {target}: hidden").format(target=fmt.number(head.target)))
            elif pct is not None:
                st.caption(_("{percent} of target {target}").format(percent=fmt.percent(pct),
                                                                    target=fmt.number(head.target)))
            else:
                st.caption(_("No target set for this selection"))
            if head.code in data.sparklines and data.sparklines[head.code][C.VALUE].sum() > 0:
                render_chart(build_sparkline, data.sparklines[head.code], width="stretch")


def render_since_meeting(ctx: PageContext, data: Overview) -> None:
    """Pick a tWG meeting (default: the latest held) and show what changed since then."""
    st.subheader(_("Since the last meeting"))
    meetings = held_meetings(data.events, data.today)
    if meetings.empty:
        render_empty(_("No tWG meeting is recorded yet."))
        return
    labels = {row.event_date: f"{fmt.day(row.event_date)} · {row.title}" for row in meetings.itertuples()}
    chosen = st.selectbox(_("Meeting"), list(labels), format_func=labels.__getitem__, key="w_meeting")
    headlines, reports, imports, first_time = ctx.computed("dashboard.home:compute_since_meeting", chosen)
    c1, c2, c3 = st.columns(3)
    c1.metric(_("New report rows"), fmt.number(reports), help=_("Report rows for months from the meeting on"))
    c2.metric(_("Imports committed"), fmt.number(len(imports)))
    c3.metric(_("Organisations reporting for the first time"), fmt.number(len(first_time)))
    table = pd.DataFrame({
        _("Indicator"): [h.name for h in headlines],
        _("Since the meeting"): [fmt.number(h.value, h.unit) for h in headlines],
        _("Same length before"): [fmt.number(h.previous, h.unit) for h in headlines],
        _("Change"): [fmt.signed(h.change) for h in headlines],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    if not first_time.empty:
        st.caption(_("First-time reporters: {organisations}").format(
            organisations=", ".join(first_time[C.ORGANISATION].head(15))))


def compute_since_meeting(ctx: PageContext, chosen: date) -> tuple[list[Headline], int, pd.DataFrame, pd.DataFrame]:
    """What changed since the meeting of ``chosen``: the headlines since then against the same length before,
    the report rows, the imports committed and the organisations reporting for the first time."""
    since = since_period(chosen, ctx.today)
    headlines, current, _by_code = compute_period_headlines(ctx, since)
    batches = cache.batches(ctx.url, ctx.version)
    imports = batches[(batches["status"] == "committed")
                      & (pd.to_datetime(batches["finished_at"]) >= pd.Timestamp(chosen))]
    first_time = compute_first_time(cache.first_reports(ctx.url, ctx.version, replace(ctx.filters)), month_of(chosen))
    reports = int(current[ROWS].sum()) if ROWS in current else len(current)  # a cube row stands for several reports
    return headlines, reports, imports, first_time


def render_not_reported(data: Overview) -> None:
    st.subheader(_("Not reported for {month}").format(month=fmt.month_label(data.not_reported_month)))
    if data.not_reported.empty:
        st.success(_("Every organisation that reported in the three months before has reported."),
                   icon=":material/check_circle:")
        return
    table = pd.DataFrame({
        _("Organisation"): data.not_reported[C.ORGANISATION],
        _("Type"): data.not_reported[C.ORG_TYPE].map(lambda code: fmt.label("org_type", code)),
        _("Last reported"): data.not_reported["last_month"].map(fmt.month_label),
    })
    n = len(table)
    st.caption(ngettext(
        "{n} organisation reported in the previous three months but not for the last complete month.",
        "{n} organisations reported in the previous three months but not for the last complete month.",
        n).format(n=fmt.number(n)))
    st.dataframe(table, hide_index=True, width="stretch")


def current_alerts(ctx: PageContext) -> list[Alert] | None:
    """The alerts for the page's selection, or None while a large database's checks of the period still run
    (a child process; Home does not wait for them, see :func:`dashboard.alert_cache.get`)."""
    try:
        return cache.alerts(ctx.url, ctx.version, ctx.filters, ctx.period, ctx.today, wait=False)
    except alert_cache.AlertsPending:
        return None


@st.fragment(run_every=5)
def _await_alerts(ctx: PageContext) -> None:
    """Looks again every few seconds while the checks run, and redraws the page once they are done."""
    if current_alerts(ctx) is not None:
        st.rerun()


def render_quality_alerts(data: Overview, ctx: PageContext | None = None) -> None:
    st.subheader(_("Data-quality alerts"))
    if data.alerts is None and ctx is not None:
        data = replace(data, alerts=current_alerts(ctx))  # the overview is kept; the checks may be done by now
    if data.alerts is None:
        st.info(_("The data-quality checks of this period are still running (after an import they read every "
                  "report of the period once); the alerts appear here when they are done."),
                icon=":material/hourglass_top:")
        if ctx is not None:
            _await_alerts(ctx)
        return
    if not data.alerts:
        st.success(_("No data-quality alerts for this selection."), icon=":material/check_circle:")
        return
    n = len(data.alerts)
    if n > 10:
        st.caption(ngettext("{n} alert; the first ten:", "{n} alerts; the first ten:", n).format(n=fmt.number(n)))
    else:
        st.caption(ngettext("{n} alert:", "{n} alerts:", n).format(n=fmt.number(n)))
    for alert in data.alerts[:10]:
        render_alert(alert.severity, alert.message)


def event_when(event_date: date, precision: object = "day") -> str:
    """An event's date as the reader reads it: the month alone when only the month is known."""
    return fmt.month_long(event_date) if precision == "month" else fmt.day(event_date)


def render_events(data: Overview) -> None:
    st.subheader(_("Events"))
    ev = data.events
    upcoming = ev[ev["event_date"] > data.today].sort_values("event_date").head(3)
    recent = ev[ev["event_date"] <= data.today].head(5)
    for title, frame in ((_("Upcoming"), upcoming), (_("Recent"), recent)):
        st.markdown(f"**{title}**")
        if frame.empty:
            st.caption(_("None recorded."))
        for row in frame.itertuples():
            source = _("demo") if row.is_demo else (row.source or "")
            st.markdown(f"- {event_when(row.event_date, row.date_precision)} · **{row.title}** · {row.place or ''} · "
                        f"{fmt.label('event_kind', row.kind)}  \n  <small>"
                        + html.escape(_("source: {source}").format(source=source)) + "</small>",
                        unsafe_allow_html=True)


def briefing_bytes(ctx: PageContext, data: Overview, lang: str) -> bytes:
    """The briefing in ``lang`` as UTF-8. Streamlit builds a deferred download in a worker thread, where the
    page's language is not set, so the language is passed in."""
    from dashboard.briefing import build_briefing_html

    if data.alerts is None:  # a briefing is sent round complete: wait for the checks
        data = replace(data, alerts=cache.alerts(ctx.url, ctx.version, ctx.filters, ctx.period, ctx.today))
    with i18n.language(lang):
        return build_briefing_html(ctx, data).encode("utf-8")


def render_briefing_download(ctx: PageContext, data: Overview) -> None:
    """The printable HTML briefing in the reader's language, built only when the button is pressed (analysts
    and co-leads)."""
    if not roles.can(ctx, "briefing"):
        return
    st.divider()
    st.download_button(
        _("Download briefing (HTML, printable, works offline)"),
        data=functools.partial(briefing_bytes, ctx, data, i18n.current()),
        file_name=f"mhpss-briefing-{ctx.today:%Y-%m-%d}.html",
        mime="text/html",
        key="dl_briefing",
        type="primary",
    )
