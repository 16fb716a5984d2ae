"""Charts of the Data quality page (``build_*``: they return Altair charts and never call ``st.*``).

Status colours are Okabe–Ito (distinguishable with the common colour-vision deficiencies), and every status
is also written in words in the tables next to the charts. Titles, legends and month labels are in the
current language, and numbers are formatted for it (the chart's number locale).
"""

from __future__ import annotations

from typing import TypeVar

import altair as alt
import pandas as pd

from dashboard import columns as C
from dashboard import format as fmt
from dashboard import i18n
from dashboard.charts import OKABE_ITO, ChartData, ChartParts, drawn, in_parts
from dashboard.i18n import _
from dashboard.quality_completeness import LATE, MISSING, NOT_DUE, ON_TIME

Top = TypeVar("Top", alt.Chart, alt.LayerChart)
STATUS_COLOURS = {ON_TIME: OKABE_ITO[0], LATE: OKABE_ITO[1], MISSING: OKABE_ITO[5], NOT_DUE: "#bbbbbb"}


def _months(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with a ``label`` column (the month in the current language) and the labels in month order."""
    labelled = frame.assign(label=frame[C.MONTH].map(fmt.month_label))
    order = labelled.drop_duplicates(C.MONTH).sort_values(C.MONTH)["label"].tolist()
    return labelled, order


def _localised(chart: Top) -> Top:
    """The (top-level) chart with numbers formatted for the current language (decimal mark, thousands
    separator); month labels are already words in that language."""
    out = chart.copy(deep=False)
    config = chart.config.copy(deep=True) if chart.config is not alt.Undefined else alt.Config()
    config.locale = alt.Locale(number=i18n.d3_locale())
    out.config = config
    return out


def completeness_trend_parts(trend: pd.DataFrame) -> ChartParts:
    data = trend[~trend["open"] & (trend["expected"] > 0)].melt(id_vars=[C.MONTH, "expected", "reported", "on_time"],
                      value_vars=["completeness_pct", "on_time_pct"], var_name="measure", value_name="pct")
    data["measure"] = data["measure"].map({"completeness_pct": _("Reported (any time)"),
                                           "on_time_pct": _("Reported on time")})
    data, order = _months(data)
    return ChartParts({"data": data}, (), {"order": tuple(order)})


def _draw_completeness_trend(frames: dict[str, ChartData], *, order: tuple[str, ...]) -> alt.Chart:
    month = _("Month")
    chart = (
        alt.Chart(frames["data"])
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", title=month, sort=list(order), axis=alt.Axis(labelAngle=0)),
            y=alt.Y("pct:Q", title=_("% of expected"), scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(range=[OKABE_ITO[0], OKABE_ITO[1]]),
                            legend=alt.Legend(orient="top")),
            strokeDash=alt.StrokeDash("measure:N", legend=None),
            tooltip=[alt.Tooltip("label:O", title=month), alt.Tooltip("measure:N", title=_("Measure")),
                     alt.Tooltip("pct:Q", title="%", format=".0f"),
                     alt.Tooltip("expected:Q", title=_("Expected")), alt.Tooltip("reported:Q", title=_("Reported")),
                     alt.Tooltip("on_time:Q", title=_("On time"))],
        )
        .properties(height=260, width="container")
    )
    return _localised(chart)


@in_parts(completeness_trend_parts, _draw_completeness_trend)
def build_completeness_trend(trend: pd.DataFrame) -> alt.Chart:
    """Completeness and on-time shares of expected reporters per month, as lines (0–100%). Months still open
    (some reports not due yet) are left out: their share would look like a drop."""
    return drawn(_draw_completeness_trend, completeness_trend_parts(trend))


def series_with_flags_parts(series: pd.DataFrame, flagged: pd.DataFrame) -> ChartParts:
    data, order = _months(series)
    median = pd.DataFrame({"median": [float(series[C.VALUE].median())]})
    return ChartParts({"data": data, "median": median, "flagged": _months(flagged[[C.MONTH, C.VALUE]])[0]},
                      (), {"order": tuple(order)})


def _draw_series_with_flags(frames: dict[str, ChartData], *, order: tuple[str, ...]) -> alt.LayerChart:
    month = _("Month")
    x = alt.X("label:O", title=month, sort=list(order), axis=alt.Axis(labelAngle=0))
    line = alt.Chart(frames["data"]).mark_line(point=True, color=OKABE_ITO[0]).encode(
        x=x,
        y=alt.Y(f"{C.VALUE}:Q", title=_("Monthly value"), axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("label:O", title=month),
                 alt.Tooltip(f"{C.VALUE}:Q", title=_("Value"), format=",.0f")],
    )
    median = alt.Chart(frames["median"]).mark_rule(color="#555555", strokeDash=[4, 4]).encode(
        y="median:Q", tooltip=alt.Tooltip("median:Q", title=_("Median"), format=",.0f"))
    points = alt.Chart(frames["flagged"]).mark_point(size=160, filled=True, color=OKABE_ITO[5]).encode(
        x=alt.X("label:O", sort=list(order)), y=f"{C.VALUE}:Q")
    return _localised(alt.LayerChart(layer=[line, median, points]).properties(height=220, width="container"))


@in_parts(series_with_flags_parts, _draw_series_with_flags)
def build_series_with_flags(series: pd.DataFrame, flagged: pd.DataFrame) -> alt.LayerChart:
    """One indicator × organisation monthly series as a line, flagged months as large points, the median as a
    dashed rule."""
    return drawn(_draw_series_with_flags, series_with_flags_parts(series, flagged))
