"""Altair chart builders (``build_*``): they return charts and never call ``st.*``.

Colours come from the Okabe–Ito palette, which stays distinguishable with the common colour-vision
deficiencies. Numbers carry thousands separators. Axis titles, legends and tooltips are translated when the
chart is built (charts are never cached), and :func:`with_locale` gives a top-level chart the reader's
number and date formats (``1 234`` and ``лист. 2026`` in Ukrainian) through Vega-Lite's ``config.locale``.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar, cast

import altair as alt
import pandas as pd
from babel import dates as babel_dates

from dashboard import columns as C
from dashboard import i18n
from dashboard.i18n import _

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = OKABE_ITO[0]
TARGET_COLOUR = "#D55E00"
_EN_SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

TopChart = TypeVar("TopChart", bound=alt.Chart | alt.LayerChart | alt.VConcatChart | alt.FacetChart)


@cache
def vega_locale(lang: str) -> dict[str, Any]:
    """Vega's number and time format locale for ``lang`` (decimal mark, thousands separator, month and day
    names from Babel; stand-alone month names, so an axis reads ``листопад 2026``, not the genitive)."""
    where = i18n.babel_locale(lang)
    months = babel_dates.get_month_names("wide", context="stand-alone", locale=where)
    short_months = babel_dates.get_month_names("abbreviated", context="stand-alone", locale=where)
    days = babel_dates.get_day_names("wide", context="stand-alone", locale=where)
    short_days = babel_dates.get_day_names("abbreviated", context="stand-alone", locale=where)
    periods = babel_dates.get_period_names(locale=where)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]  # Babel counts from Monday, d3 from Sunday
    return {
        "number": i18n.d3_locale(lang),
        "time": {
            "dateTime": "%x, %X", "date": "%d.%m.%Y" if lang != "en" else "%d/%m/%Y", "time": "%H:%M:%S",
            "periods": [str(periods.get("am", "AM")), str(periods.get("pm", "PM"))],
            "days": [str(days[i]) for i in sunday_first], "shortDays": [str(short_days[i]) for i in sunday_first],
            "months": [str(months[i]) for i in range(1, 13)],
            # English keeps the compact "Sep" the pages show (CLDR's en_GB says "Sept").
            "shortMonths": list(_EN_SHORT_MONTHS) if lang == i18n.DEFAULT else
            [str(short_months[i]) for i in range(1, 13)],
        },
    }


def with_locale(chart: TopChart) -> TopChart:
    """``chart`` (a top-level chart: it cannot be layered or concatenated afterwards) formatting its numbers
    and dates for the current language."""
    out = cast(TopChart, chart.copy(deep=False))
    config = chart.config.copy(deep=True) if chart.config is not alt.Undefined else alt.Config()
    config.locale = vega_locale(i18n.current())
    out.config = config
    return out


def build_monthly_bars(monthly: pd.DataFrame, unit: str, target: float | None = None) -> alt.LayerChart:
    """Monthly values as bars with the cumulative value as a line and, when known, the target as a rule
    (``unit`` as the reader reads it: it goes into the axis titles)."""
    data = monthly.assign(date=pd.to_datetime(monthly[C.MONTH]))
    bars = alt.Chart(data).mark_bar(color="#9cc3e6").encode(
        x=alt.X("yearmonth(date):T", title=_("Month"), axis=alt.Axis(format="%b %Y")),
        y=alt.Y(f"{C.VALUE}:Q", title=_("{unit} per month").format(unit=unit), axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("yearmonth(date):T", title=_("Month"), format="%B %Y"),
                 alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f"),
                 alt.Tooltip("cumulative:Q", title=_("Cumulative"), format=",.0f")],
    )
    line = alt.Chart(data).mark_line(color=ACCENT, strokeWidth=2).encode(
        x="yearmonth(date):T",
        y=alt.Y("cumulative:Q", title=_("cumulative {unit}").format(unit=unit), axis=alt.Axis(format=",.0f")),
    )
    layers: list[alt.Chart] = [line]
    if target:
        rule = alt.Chart(pd.DataFrame({"target": [target]})).mark_rule(
            color=TARGET_COLOUR, strokeDash=[6, 4]).encode(
            y="target:Q", tooltip=alt.Tooltip("target:Q", title=_("Target"), format=",.0f"))
        layers.append(rule)
    right = alt.layer(*layers)
    return with_locale(alt.layer(bars, right).resolve_scale(y="independent").properties(height=280, width="container"))


def build_bar_breakdown(frame: pd.DataFrame, dim: str, label: str, colour_dim: str | None = None,
                        colour_label: str | None = None) -> alt.Chart:
    """Horizontal bars of value by ``dim`` (optionally stacked by ``colour_dim``), largest first; ``label``
    and ``colour_label`` are the (translated) titles of the two dimensions."""
    colour_title = colour_label or (colour_dim or "").replace("_", " ")
    enc_colour = (alt.Color(f"{colour_dim}:N", title=colour_title,
                            scale=alt.Scale(range=OKABE_ITO)) if colour_dim else alt.value(ACCENT))
    tooltip = [alt.Tooltip(f"{dim}:N", title=label), alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f")]
    if colour_dim:
        tooltip.insert(1, alt.Tooltip(f"{colour_dim}:N", title=colour_title))
    height = max(120, 22 * frame[dim].nunique())
    return with_locale(
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y(f"{dim}:N", title=label, sort="-x"),
            x=alt.X(f"sum({C.VALUE}):Q", title=_("Value"), axis=alt.Axis(format=",.0f")),
            color=enc_colour,
            tooltip=tooltip,
        )
        .properties(height=height, width="container")
    )
