"""Timelines (``build_*`` Altair charts): the monthly series with its cumulative line against the target,
breakdowns over time (stacked bars or small multiples), events and milestones as labelled vertical rules,
and a period brush on an overview strip; the Home sparkline; and PNG/SVG downloads of any chart through
vl-convert (offline). ``render_chart_downloads`` and ``render_indicator_timeline`` are the only functions
here that call ``st.*``; they draw charts through the chart cache (:func:`dashboard.charts.render_chart`).

Titles, legends, tooltips and event labels are translated when a chart is built, and every top-level chart
carries the reader's number and date formats (:func:`dashboard.charts.with_locale`), in the page and in its
PNG/SVG downloads alike.

The target line is the period's target (annual targets of the years touched, added up) drawn on the
cumulative axis, with a dotted "on track" path rising evenly from zero at the start of the period.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd

from dashboard import columns as C
from dashboard import format as fmt
from dashboard.charts import (
    ACCENT,
    OKABE_ITO,
    TARGET_COLOUR,
    ChartData,
    ChartParts,
    drawn,
    in_parts,
    render_chart,
    with_locale,
)
from dashboard.filters import Period
from dashboard.i18n import N_, _
from dashboard.indicators import compute_total
from dashboard.vocab import AGE_BANDS, ALL, COUNTRIES, ORG_TYPES, POPULATION_GROUPS, PYRAMID_LAYERS, SEX

AnyChart = alt.Chart | alt.LayerChart | alt.VConcatChart | alt.FacetChart
BAR_COLOUR = "#9cc3e6"
EVENT_COLOURS = {"twg_meeting": "#555555", "forum": "#CC79A7", "training": "#009E73", "milestone": "#E69F00"}
EVENT_SHORT = {"twg_meeting": N_("tWG"), "forum": N_("Forum"), "training": N_("Training"), "milestone": N_("Milestone")}
EVENT_STATUS = {"held": N_("held"), "planned": N_("planned")}
MONTH = N_("Month")
BRUSH = "period_brush"
EXPORT_WIDTH = 820
MAX_MEETING_LABELS = 6


# --- compute --------------------------------------------------------------------------------------------


def compute_target_path(monthly: pd.DataFrame, target: float | None) -> pd.DataFrame:
    """Add ``target_path``: the share of the target due by the end of each month if progress were even."""
    out = monthly.copy()
    if not target or out.empty:
        out["target_path"] = float("nan")
        return out
    n = len(out)
    out["target_path"] = [target * (i + 1) / n for i in range(n)]
    return out


def compute_monthly_breakdown(frame: pd.DataFrame, aggregation: str, period: Period, dim: str) -> pd.DataFrame:
    """Value per month and per value of ``dim`` (rows not disaggregated on ``dim`` are left out), every month
    of the period present for every category (0 where nothing was reported), categories in their
    vocabulary order (age bands youngest first) and labelled for people. Columns: month, dim, value, rank."""
    months = pd.period_range(period.start, period.end, freq="M").strftime("%Y-%m").tolist()
    empty = pd.DataFrame({C.MONTH: pd.Series(dtype="str"), dim: pd.Series(dtype="str"),
                          C.VALUE: pd.Series(dtype=float), "rank": pd.Series(dtype=int)})
    if dim not in frame:
        return empty
    keep = frame[dim].notna() & (frame[dim].astype(str) != ALL)
    sub = frame[keep.to_numpy(dtype=bool)].assign(**{dim: lambda d: d[dim].astype(str)})
    if sub.empty:
        return empty
    values = compute_total(sub, aggregation, [C.MONTH, dim])
    assert isinstance(values, pd.Series)
    present = set(sub[dim].unique())  # not set(column): that walks every row in Python
    order = [str(k) for k in _VOCAB_ORDER.get(dim, ())]
    categories = [c for c in order if c in present] + sorted(present - set(order))
    full = pd.MultiIndex.from_product([months, categories], names=[C.MONTH, dim])
    out = values.reindex(full, fill_value=0.0).rename(C.VALUE).reset_index()
    out["rank"] = out[dim].map({c: i for i, c in enumerate(categories)}).astype(int)
    out[dim] = out[dim].map(lambda v: _category_label(dim, v))
    return out


_VOCAB_ORDER: dict[str, tuple[object, ...]] = {
    C.SEX: tuple(SEX), C.AGE: tuple(AGE_BANDS), C.GROUP: tuple(POPULATION_GROUPS), C.ORG_TYPE: tuple(ORG_TYPES),
    C.COUNTRY: tuple(COUNTRIES), C.LAYER: tuple(PYRAMID_LAYERS),
}


def _category_label(dim: str, value: str) -> str:
    return fmt.label(dim, value)


def compute_events(events: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Events inside the period, with a short label, a date for the x axis and a tooltip title."""
    cols = ["date", "label", "title", "kind", "kind_label", "status", "place", "source"]
    if events is None or events.empty:
        return pd.DataFrame(columns=cols)
    start = pd.Period(period.start, "M").start_time
    end = pd.Period(period.end, "M").end_time
    dates = pd.to_datetime(events["event_date"])
    sub = events[(dates >= start) & (dates <= end)].copy()
    if sub.empty:
        return pd.DataFrame(columns=cols)
    sub["date"] = pd.to_datetime(sub["event_date"])
    sub["kind_label"] = sub["kind"].map(_kind_label)
    # Meetings every other month would bury the other labels: label them only when there are few.
    label_meetings = int((sub["kind"] == "twg_meeting").sum()) <= MAX_MEETING_LABELS
    meeting = EVENT_SHORT["twg_meeting"]
    sub["label"] = [
        "" if k == "twg_meeting" and not label_meetings else
        _event_label(_(meeting) if k == "twg_meeting" else _short(str(t)), s == "planned")
        for k, t, s in zip(sub["kind"], sub["title"], sub["status"], strict=True)
    ]
    sub["status"] = sub["status"].map(lambda v: _(EVENT_STATUS[v]) if v in EVENT_STATUS else str(v))
    demo = sub["is_demo"].astype(bool) if "is_demo" in sub else pd.Series(False, index=sub.index)
    sub["source"] = [(_("demo") if d else str(s or "")) for d, s in zip(demo, sub.get("source", ""), strict=True)]
    sub["place"] = sub["place"].fillna("").astype(str) if "place" in sub else ""
    return sub[cols].sort_values("date", ignore_index=True)


def _kind_label(kind: object) -> str:
    """An event kind as the reader reads it (``tWG meeting``)."""
    return fmt.label("event_kind", kind)


def _event_label(text: str, planned: bool) -> str:
    # Translators: the short label of a planned event on a chart ("Mental Health Forum… (planned)").
    return _("{event} (planned)").format(event=text) if planned else text


def _short(title: str, limit: int = 28) -> str:
    title = re.sub(r"\s*\(demo\)$", "", title)
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


# --- build ----------------------------------------------------------------------------------------------


def _x_parts(brush: alt.Parameter | None) -> tuple[Any, alt.Axis]:
    scale = alt.Scale(domain=brush) if brush is not None else alt.Undefined
    return scale, alt.Axis(format="%b %Y", labelAngle=0, tickCount=8)


def _x(brush: alt.Parameter | None, title: str | None = MONTH) -> alt.X:
    scale, axis = _x_parts(brush)
    return alt.X("date:T", title=_(title) if title else None, scale=scale, axis=axis)


def _event_kinds(events: pd.DataFrame | None) -> tuple[str, ...] | None:
    """The kinds of event in ``events`` in the legend's order; None when there are no events."""
    if events is None or events.empty:
        return None
    present = set(events["kind"])
    return tuple(k for k in EVENT_COLOURS if k in present)


def _event_layers(events: ChartData, legend: tuple[tuple[str, ...], tuple[str, ...]] | None,
                  brush: alt.Parameter | None = None) -> list[alt.Chart]:
    """Vertical rules for events, coloured by kind, with a rotated label at the top and a tooltip. ``legend``:
    the kinds' labels and colours (None: no events)."""
    if legend is None:
        return []
    scale = alt.Scale(domain=list(legend[0]), range=list(legend[1]))
    colour = alt.Color("kind_label:N", title=_("Event"), scale=scale)
    tooltip = [alt.Tooltip("date:T", title=_("Date"), format="%-d %b %Y"), alt.Tooltip("title:N", title=_("Event")),
               alt.Tooltip("kind_label:N", title=_("Kind")), alt.Tooltip("place:N", title=_("Place")),
               alt.Tooltip("status:N", title=_("Status")), alt.Tooltip("source:N", title=_("Source"))]
    base = alt.Chart(events)
    rules = base.mark_rule(strokeDash=[3, 3], strokeWidth=1.2, opacity=0.8).encode(
        x=_x(brush), color=colour, tooltip=tooltip)
    labels = base.mark_text(angle=270, align="right", baseline="middle", dx=-4, dy=-5, fontSize=10).encode(
        x=_x(brush), y=alt.value(0), text="label:N", color=colour,
        tooltip=tooltip)
    return [rules, labels]


def _with_events(frames: dict[str, pd.DataFrame], events: pd.DataFrame | None) -> dict[str, tuple[str, ...]]:
    """Add ``events`` to a chart's frames when there are any, and return the legend of their kinds as chart
    values (labels and colours): which kinds a period holds changes the legend, not the chart's shape, so one
    template serves every period."""
    kinds = _event_kinds(events)
    if kinds is None or events is None:
        return {}
    frames["events"] = events
    return {"event_labels": tuple(_kind_label(k) for k in kinds), "event_colours": tuple(EVENT_COLOURS[k] for k in kinds)}


def _legend(event_labels: tuple[str, ...] | None,
            event_colours: tuple[str, ...] | None) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    return None if event_labels is None or event_colours is None else (event_labels, event_colours)


def timeline_parts(monthly: pd.DataFrame, unit: str, target: float | None = None,
                   events: pd.DataFrame | None = None, *, title: str = "", brush: bool = True,
                   height: int = 300) -> ChartParts:
    data = compute_target_path(monthly, target).assign(date=lambda d: pd.to_datetime(d[C.MONTH]))
    frames = {"data": data}
    if target:
        frames["target"] = pd.DataFrame({"target": [target],
                                         "label": [_("Target {value}").format(value=fmt.number(target))]})
    legend = _with_events(frames, events)
    # The cumulative line, the on-track path and the target share one explicit domain, so they stay on
    # the right-hand axis together whatever the layering does with scales.
    top = max(float(data["cumulative"].fillna(0.0).max() or 0.0), float(target or 0.0)) * 1.06 or 1.0
    return ChartParts(frames, (unit, bool(target), title, brush, height, bool(legend)), {"top": top, **legend})


def _draw_timeline(frames: dict[str, ChartData], unit: str, target: bool, title: str, brush: bool,
                   height: int, events: bool, *, top: float, event_labels: tuple[str, ...] | None = None,
                   event_colours: tuple[str, ...] | None = None) -> AnyChart:
    data = frames["data"]
    selection = alt.selection_interval(encodings=["x"], name=BRUSH) if brush else None
    x_scale, x_axis = _x_parts(selection)
    tooltip = [alt.Tooltip("yearmonth(date):T", title=_("Month"), format="%B %Y"),
               alt.Tooltip(f"{C.VALUE}:Q", title=_("{unit} that month").format(unit=unit), format=",.0f"),
               alt.Tooltip("cumulative:Q", title=_("Cumulative"), format=",.0f")]
    if target:
        tooltip.append(alt.Tooltip("target_path:Q", title=_("On track would be"), format=",.0f"))
    bars = alt.Chart(data).mark_bar(color=BAR_COLOUR, clip=True, width=alt.RelativeBandSize(0.8)).encode(
        x=alt.X("yearmonth(date):T", title=_("Month"), scale=x_scale, axis=x_axis),
        y=alt.Y(f"{C.VALUE}:Q", title=_("{unit} per month").format(unit=unit),
                axis=alt.Axis(format=",.0f", titleColor="#4a7fb0")),
        tooltip=tooltip)
    right_scale = alt.Scale(domain=[0, top], nice=False)
    mid = alt.X("yearmonth(date):T", bandPosition=0.5, scale=x_scale, axis=x_axis, title=_("Month"))
    layers: list[Any] = [bars, alt.Chart(data).mark_line(color=ACCENT, strokeWidth=2.5, clip=True).encode(
        x=mid, tooltip=tooltip, y=alt.Y("cumulative:Q", title=_("cumulative {unit}").format(unit=unit),
                                      scale=right_scale,
                                      axis=alt.Axis(format=",.0f", titleColor=ACCENT, orient="right")))]
    if target:
        target_frame = frames["target"]
        layers += [
            alt.Chart(data).mark_line(color=TARGET_COLOUR, strokeDash=[1, 3], strokeWidth=1.5, clip=True).encode(
                x=mid, y=alt.Y("target_path:Q", scale=right_scale, axis=None), tooltip=tooltip),
            alt.Chart(target_frame).mark_rule(color=TARGET_COLOUR, strokeDash=[6, 4], strokeWidth=1.5).encode(
                y=alt.Y("target:Q", scale=right_scale, axis=None),
                tooltip=alt.Tooltip("target:Q", title=_("Target for the period"), format=",.0f")),
            alt.Chart(target_frame).mark_text(color=TARGET_COLOUR, align="left", dx=4, dy=-7, fontSize=11).encode(
                y=alt.Y("target:Q", scale=right_scale, axis=None), x=alt.value(0), text="label:N"),
        ]
    layers += _event_layers(frames.get("events", pd.DataFrame()), _legend(event_labels, event_colours), selection)
    main = alt.layer(*layers).resolve_scale(y="independent").properties(height=height, width="container")
    if title:
        main = main.properties(title=title)
    if selection is None:
        return with_locale(main)
    overview = alt.Chart(data).mark_area(color=BAR_COLOUR, line={"color": ACCENT}).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year")),
        y=alt.Y(f"{C.VALUE}:Q", title=None, axis=None),
    ).add_params(selection).properties(height=45, width="container",
                                       title=alt.TitleParams(_("Drag here to choose the months shown above"),
                                                             fontSize=11, fontWeight="normal", color="#666",
                                                             anchor="start"))
    return with_locale(alt.vconcat(main, overview, spacing=6).configure_legend(orient="top", title=None).properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding")))


@in_parts(timeline_parts, _draw_timeline)
def build_timeline(monthly: pd.DataFrame, unit: str, target: float | None = None,
                   events: pd.DataFrame | None = None, *, title: str = "", brush: bool = True,
                   height: int = 300) -> AnyChart:
    """Monthly values (bars, left axis), the cumulative value (line, right axis) against the period's
    target (dashed rule) and an even "on track" path (dotted), events as labelled rules, and, with
    ``brush``, an overview strip below on which dragging selects the months the main chart shows."""
    return drawn(_draw_timeline, timeline_parts(monthly, unit, target, events, title=title, brush=brush,
                                                height=height))


def breakdown_timeline_parts(breakdown: pd.DataFrame, dim: str, label: str, unit: str, *,
                             mode: str = "stacked", events: pd.DataFrame | None = None) -> ChartParts:
    data = breakdown.assign(date=pd.to_datetime(breakdown[C.MONTH]))
    frames = {"data": data}
    legend = _with_events(frames, events) if mode != "small_multiples" else {}
    categories = tuple(dict.fromkeys(data[dim]))
    return ChartParts(frames, (dim, label, unit, mode, len(categories), "rank" in data, bool(legend)),
                      {"categories": categories, **legend})


def _draw_breakdown_timeline(frames: dict[str, ChartData], dim: str, label: str, unit: str, mode: str,
                             count: int, ranked: bool, events: bool, *, categories: tuple[str, ...],
                             event_labels: tuple[str, ...] | None = None,
                             event_colours: tuple[str, ...] | None = None) -> AnyChart:
    data = frames["data"]
    domain = list(categories)
    scale = alt.Scale(domain=domain, range=OKABE_ITO[:count]) if count <= len(OKABE_ITO) else alt.Scale(domain=domain)
    colour = alt.Color(f"{dim}:N", title=label, scale=scale)
    tooltip = [alt.Tooltip("date:T", title=_("Month"), format="%B %Y"), alt.Tooltip(f"{dim}:N", title=label),
               alt.Tooltip(f"{C.VALUE}:Q", title=unit, format=",.0f")]
    per_month = _("{unit} per month").format(unit=unit)
    if mode == "small_multiples":
        return with_locale(alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=12), strokeWidth=2).encode(
            x=alt.X("date:T", title=None, axis=alt.Axis(format="%b %y", labelAngle=0, tickCount=4)),
            y=alt.Y(f"{C.VALUE}:Q", title=per_month, axis=alt.Axis(format=",.0f")),
            color=alt.Color(f"{dim}:N", legend=None, scale=scale), tooltip=tooltip,
        ).properties(width=220, height=110).facet(
            facet=alt.Facet(f"{dim}:N", title=None, sort=domain), columns=3))
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("yearmonth(date):T", title=_("Month"), axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y(f"sum({C.VALUE}):Q", title=per_month, axis=alt.Axis(format=",.0f"), stack="zero"),
        color=colour, order=alt.Order("rank:Q") if ranked else alt.Undefined, tooltip=tooltip,
    )
    event_layers = _event_layers(frames.get("events", pd.DataFrame()), _legend(event_labels, event_colours))
    chart = alt.layer(bars, alt.layer(*event_layers)).resolve_scale(color="independent") if event_layers else bars
    return with_locale(chart.properties(height=280, width="container"))


@in_parts(breakdown_timeline_parts, _draw_breakdown_timeline)
def build_breakdown_timeline(breakdown: pd.DataFrame, dim: str, label: str, unit: str, *,
                             mode: str = "stacked", events: pd.DataFrame | None = None) -> AnyChart:
    """A breakdown over time: stacked monthly bars coloured by ``dim`` (``mode="stacked"``) or one small
    line chart per category sharing the y axis (``mode="small_multiples"``)."""
    return drawn(_draw_breakdown_timeline, breakdown_timeline_parts(breakdown, dim, label, unit, mode=mode,
                                                                    events=events))


def sparkline_parts(monthly: pd.DataFrame, title: str = "") -> ChartParts:
    data = monthly.assign(date=pd.to_datetime(monthly[C.MONTH]))
    return ChartParts({"data": data, "last": data.tail(1)}, ("cumulative" in data, title))


def _draw_sparkline(frames: dict[str, ChartData], cumulative: bool, title: str) -> AnyChart:
    tooltip = [alt.Tooltip("date:T", title=_("Month"), format="%B %Y"),
               alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f")]
    if cumulative:
        tooltip.append(alt.Tooltip("cumulative:Q", title=_("Cumulative"), format=",.0f"))
    area = alt.Chart(frames["data"]).mark_area(
        line={"color": ACCENT}, color=alt.Gradient(gradient="linear", stops=[
            alt.GradientStop(color="#ffffff", offset=0), alt.GradientStop(color=BAR_COLOUR, offset=1)],
            x1=1, x2=1, y1=1, y2=0),
    ).encode(x=alt.X("date:T", axis=None), y=alt.Y(f"{C.VALUE}:Q", axis=None), tooltip=tooltip)
    last = alt.Chart(frames["last"]).mark_point(color=ACCENT, filled=True, size=30).encode(
        x="date:T", y=f"{C.VALUE}:Q", tooltip=tooltip)
    chart = alt.layer(area, last).properties(height=50, width="container")
    return with_locale(chart.properties(title=title) if title else chart)


@in_parts(sparkline_parts, _draw_sparkline)
def build_sparkline(monthly: pd.DataFrame, title: str = "") -> AnyChart:
    """A small monthly area for a headline figure, with the latest month marked (no axes)."""
    return drawn(_draw_sparkline, sparkline_parts(monthly, title))


# --- images ---------------------------------------------------------------------------------------------


def _fixed_width(spec: Any, width: int) -> Any:
    """A copy of a Vega-Lite spec with every "container" width replaced by ``width`` pixels."""
    if isinstance(spec, dict):
        return {k: (width if k == "width" and v == "container" else _fixed_width(v, width)) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_fixed_width(v, width) for v in spec]
    return spec


def build_chart_image(chart: AnyChart | Callable[[], AnyChart], kind: str, width: int = EXPORT_WIDTH) -> bytes:
    """The chart (or the chart a function builds, such as the one :func:`dashboard.charts.render_chart`
    returns) as PNG (2× scale) or SVG bytes, rendered offline by vl-convert on a white background."""
    import vl_convert as vlc

    built = chart if isinstance(chart, AnyChart) else chart()
    spec = _fixed_width(copy.deepcopy(built.to_dict()), width)
    spec.setdefault("background", "white")
    if kind == "png":
        return bytes(vlc.vegalite_to_png(spec, scale=2))
    if kind == "svg":
        return vlc.vegalite_to_svg(spec).encode("utf-8")
    raise ValueError(f"unknown image kind {kind!r} (png or svg)")


def render_chart_downloads(chart: AnyChart | Callable[[], AnyChart], name: str) -> None:
    """Two download buttons for ``chart`` (or for the chart a function builds, such as the one
    :func:`dashboard.charts.render_chart` returns): PNG and SVG. The image is rendered only when a button is
    pressed."""
    import streamlit as st

    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")[:100] or "chart"
    left, right, _spare = st.columns([1, 1, 4])
    left.download_button("PNG", data=lambda: build_chart_image(chart, "png"), file_name=f"{stem}.png",
                         mime="image/png", key=f"dl_png_{stem}", icon=":material/image:", on_click="ignore",
                         help=_("Download this chart as a PNG image"))
    right.download_button("SVG", data=lambda: build_chart_image(chart, "svg"), file_name=f"{stem}.svg",
                          mime="image/svg+xml", key=f"dl_svg_{stem}", icon=":material/image:", on_click="ignore",
                          help=_("Download this chart as an SVG image (scalable, for print)"))


BREAKDOWN_DIMS = {C.SEX: N_("Sex"), C.AGE: N_("Age band"), C.GROUP: N_("Population group"),
                  C.ORG_TYPE: N_("Organisation type"), C.COUNTRY: N_("Country"), C.LAYER: N_("Pyramid layer")}


def breakdown_dims(facts: pd.DataFrame, breakdowns: dict[str, pd.DataFrame] | None = None,
                   also: tuple[str, ...] = ()) -> list[str]:
    """The dimensions the breakdown over time offers: those of ``breakdowns`` when given (the public's,
    suppressed), else those the facts are disaggregated by, and ``also`` (known to be, where ``facts`` is
    summed over them)."""
    if breakdowns is not None:
        return [d for d in BREAKDOWN_DIMS if d in breakdowns]
    return [d for d in BREAKDOWN_DIMS if d in also or (d in facts and (facts[d].astype(str) != ALL).any())]


def render_indicator_timeline(facts: pd.DataFrame, monthly: pd.DataFrame, unit: str, aggregation: str,
                              target: float | None, events: pd.DataFrame, period: Period, name: str,
                              breakdowns: dict[str, pd.DataFrame] | None = None,
                              period_events: pd.DataFrame | None = None,
                              breakdown_of: Callable[[str], pd.DataFrame] | None = None,
                              dims: list[str] | None = None) -> None:
    """The indicator's timeline with PNG/SVG downloads, then a breakdown over time (stacked or small
    multiples) on any dimension the facts are disaggregated by. ``breakdowns`` (dimension -> month, label,
    value), when given, replaces computing them from ``facts`` (the public view passes them suppressed).
    A caller that keeps its results may pass what would otherwise be computed on each run: the period's
    events (``compute_events``), the breakdown over time of a dimension (``breakdown_of``) and the
    dimensions offered (``dims``)."""
    import streamlit as st

    if period_events is None:
        period_events = compute_events(events, period)
    chart = render_chart(build_timeline, monthly, unit, target, period_events, width="stretch")
    st.caption(_("Bars: each month's figure (left axis). Line: cumulative by the indicator's rule (right axis), "
                 "against the target for the period's years (dashed) and an even pace towards it (dotted). "
                 "Vertical rules: tWG meetings, forums, trainings and milestones."))
    render_chart_downloads(chart, f"{name}_timeline")
    if dims is None:
        dims = breakdown_dims(facts, breakdowns)
    if not dims:
        return
    # Drawn only while open (the expander tracks its state and reruns when toggled): most readers never open
    # it, and a breakdown by sex or age band reads sums the page's other figures do not need.
    section = st.expander(_("Over time, broken down"), expanded=False, key="w_tl_open", on_change="rerun")
    with section:
        if not section.open:
            return
        left, right = st.columns([2, 2])
        dim = left.selectbox(_("Break down by"), dims, format_func=lambda d: _(BREAKDOWN_DIMS[d]), key="w_tl_dim")
        mode = right.radio(_("Show as"), ["stacked", "small_multiples"], horizontal=True, key="w_tl_mode",
                           format_func=lambda m: _("Stacked bars") if m == "stacked" else _("Small multiples"))
        frame = (breakdowns[str(dim)] if breakdowns is not None else breakdown_of(str(dim)) if breakdown_of
                 else compute_monthly_breakdown(facts, aggregation, period, str(dim)))
        if frame.empty:
            st.info(_("Not reported with this breakdown for these filters."), icon=":material/search_off:")
            return
        breakdown = render_chart(build_breakdown_timeline, frame, str(dim), _(BREAKDOWN_DIMS[str(dim)]), unit,
                                 mode=str(mode), events=period_events if mode == "stacked" else None,
                                 width="stretch" if mode == "stacked" else "content")
        if aggregation == "unique_max":
            st.caption(_("Each category's monthly figure uses the unique-people rule within that category, so the "
                         "categories may add up to more than the month's total."))
        render_chart_downloads(breakdown, f"{name}_by_{dim}")
