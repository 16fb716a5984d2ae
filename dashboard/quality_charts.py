"""Charts of the Data quality page (``build_*``: they return Altair charts and never call ``st.*``).

Status colours are Okabe–Ito (distinguishable with the common colour-vision deficiencies), and every status
is also written in words in the tables next to the charts.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard import columns as C
from dashboard.charts import OKABE_ITO
from dashboard.quality_completeness import LATE, MISSING, NOT_DUE, ON_TIME

STATUS_COLOURS = {ON_TIME: OKABE_ITO[0], LATE: OKABE_ITO[1], MISSING: OKABE_ITO[5], NOT_DUE: "#bbbbbb"}


def build_completeness_trend(trend: pd.DataFrame) -> alt.Chart:
    """Completeness and on-time shares of expected reporters per month, as lines (0–100%). Months still open
    (some reports not due yet) are left out: their share would look like a drop."""
    data = trend[~trend["open"] & (trend["expected"] > 0)].melt(id_vars=[C.MONTH, "expected", "reported", "on_time"],
                      value_vars=["completeness_pct", "on_time_pct"], var_name="measure", value_name="pct")
    data["measure"] = data["measure"].map({"completeness_pct": "Reported (any time)",
                                           "on_time_pct": "Reported on time"})
    data["date"] = pd.to_datetime(data[C.MONTH])
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("yearmonth(date):T", title="Month"),
            y=alt.Y("pct:Q", title="% of expected", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color("measure:N", title=None, scale=alt.Scale(range=[OKABE_ITO[0], OKABE_ITO[1]]),
                            legend=alt.Legend(orient="top")),
            strokeDash=alt.StrokeDash("measure:N", legend=None),
            tooltip=[alt.Tooltip("yearmonth(date):T", title="Month"), alt.Tooltip("measure:N", title="Measure"),
                     alt.Tooltip("pct:Q", title="%", format=".0f"),
                     alt.Tooltip("expected:Q", title="Expected"), alt.Tooltip("reported:Q", title="Reported"),
                     alt.Tooltip("on_time:Q", title="On time")],
        )
        .properties(height=260, width="container")
    )


def build_series_with_flags(series: pd.DataFrame, flagged: pd.DataFrame) -> alt.LayerChart:
    """One indicator × organisation monthly series as a line, flagged months as large points, the median as a
    dashed rule."""
    data = series.assign(date=pd.to_datetime(series[C.MONTH]))
    line = alt.Chart(data).mark_line(point=True, color=OKABE_ITO[0]).encode(
        x=alt.X("yearmonth(date):T", title="Month"),
        y=alt.Y(f"{C.VALUE}:Q", title="Monthly value", axis=alt.Axis(format=",.0f")),
        tooltip=[alt.Tooltip("yearmonth(date):T", title="Month"),
                 alt.Tooltip(f"{C.VALUE}:Q", title="Value", format=",.0f")],
    )
    median = alt.Chart(pd.DataFrame({"median": [float(series[C.VALUE].median())]})).mark_rule(
        color="#555555", strokeDash=[4, 4]).encode(y="median:Q", tooltip=alt.Tooltip("median:Q", format=",.0f"))
    points = alt.Chart(flagged.assign(date=pd.to_datetime(flagged[C.MONTH]))).mark_point(
        size=160, filled=True, color=OKABE_ITO[5]).encode(x="yearmonth(date):T", y=f"{C.VALUE}:Q")
    return alt.LayerChart(layer=[line, median, points]).properties(height=220, width="container")
