"""Altair chart builders (``build_*``): they return charts and never call ``st.*``.

Colours come from the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies. Numbers carry thousands separators.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import columns as C

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = OKABE_ITO[0]
TARGET_COLOUR = "#D55E00"


def build_sparkline(monthly: pd.DataFrame, title: str = "") -> alt.Chart:
    """A small monthly line (no axes) for a headline figure."""
    data = monthly.assign(date=pd.to_datetime(monthly[C.MONTH]))
    return (
        alt.Chart(data, height=50, title=title)
        .mark_area(line={"color": ACCENT}, color=alt.Gradient(
            gradient="linear", stops=[alt.GradientStop(color="#ffffff", offset=0),
                                      alt.GradientStop(color="#9cc3e6", offset=1)], x1=1, x2=1, y1=1, y2=0))
        .encode(
            x=alt.X("date:T", axis=None),
            y=alt.Y(f"{C.VALUE}:Q", axis=None),
            tooltip=[alt.Tooltip("date:T", title="Month", format="%b %Y"),
                     alt.Tooltip(f"{C.VALUE}:Q", title="Value", format=",.0f")],
        )
        .properties(width="container")
    )


def build_monthly_bars(monthly: pd.DataFrame, unit: str, target: float | None = None) -> alt.LayerChart:
    """Monthly values as bars with the cumulative value as a line and, when known, the target as a rule."""
    data = monthly.assign(date=pd.to_datetime(monthly[C.MONTH]))
    bars = alt.Chart(data).mark_bar(color="#9cc3e6").encode(
        x=alt.X("yearmonth(date):T", title="Month"),
        y=alt.Y(f"{C.VALUE}:Q", title=f"{unit} per month", axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("yearmonth(date):T", title="Month"),
                 alt.Tooltip(f"{C.VALUE}:Q", title="Value", format=",.0f"),
                 alt.Tooltip("cumulative:Q", title="Cumulative", format=",.0f")],
    )
    line = alt.Chart(data).mark_line(color=ACCENT, strokeWidth=2).encode(
        x="yearmonth(date):T",
        y=alt.Y("cumulative:Q", title=f"cumulative {unit}", axis=alt.Axis(format=",.0f")),
    )
    layers: list[alt.Chart] = [line]
    if target:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color=TARGET_COLOUR, strokeDash=[6, 4]).encode(y="target:Q", tooltip=alt.Tooltip("target:Q", format=",.0f"))
        layers.append(rule)
    right = alt.layer(*layers)
    return alt.layer(bars, right).resolve_scale(y="independent").properties(height=280, width="container")


def build_bar_breakdown(frame: pd.DataFrame, dim: str, label: str, colour_dim: str | None = None) -> alt.Chart:
    """Horizontal bars of value by ``dim`` (optionally stacked by ``colour_dim``), largest first."""
    enc_colour = (alt.Color(f"{colour_dim}:N", title=colour_dim.replace("_", " "),
                            scale=alt.Scale(range=OKABE_ITO)) if colour_dim else alt.value(ACCENT))
    tooltip = [alt.Tooltip(f"{dim}:N", title=label), alt.Tooltip(f"{C.VALUE}:Q", title="Value", format=",.0f")]
    if colour_dim:
        tooltip.insert(1, alt.Tooltip(f"{colour_dim}:N"))
    height = max(120, 22 * frame[dim].nunique())
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{dim}:N", title=label, sort="-x"),
            x=alt.X(f"sum({C.VALUE}):Q", title="Value", axis=alt.Axis(format=",.0f")),
            color=enc_colour,
            tooltip=tooltip,
        )
        .properties(height=height, width="container")
    )
