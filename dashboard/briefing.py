"""The printable briefing: one self-contained HTML file (inline CSS, charts as inline SVG, no external
resources) with the figures, the filters used, generation time, data freshness and sources."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import altair as alt

from dashboard import format as fmt
from dashboard.charts import build_monthly_bars
from dashboard.filters import describe

if TYPE_CHECKING:
    from dashboard.home import Overview
    from dashboard.ui import PageContext

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2733;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;border-bottom:2px solid #1f5f99;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #c9d3dd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f2f5f8}.demo{background:#fff4d6;border:1px solid #e6b800;padding:.5rem;margin:1rem 0}
.meta{color:#55606d;font-size:.9rem}.chart{page-break-inside:avoid;margin:1rem 0}svg{max-width:100%;height:auto}
@media print{body{margin:0}h2{page-break-after:avoid}}
"""


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """Render an Altair chart to inline SVG offline (vl-convert)."""
    import vl_convert as vlc

    spec = chart.properties(width=640).to_dict()  # type: ignore[attr-defined]
    return str(vlc.vegalite_to_svg(spec))


def build_briefing_html(ctx: PageContext, data: Overview) -> str:
    """The briefing for the overview ``data`` computed under ``ctx``."""
    esc = html.escape
    generated = datetime.now(UTC).strftime("%-d %B %Y, %H:%M UTC")
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>MHPSS response briefing · {esc(ctx.period.label)}</title><style>{_CSS}</style></head><body>",
        "<h1>MHPSS response briefing</h1>",
        f"<p class='meta'>MHPSS Technical Working Group, Poland · generated {generated} · "
        f"period: {esc(ctx.period.label)}</p>",
    ]
    fresh = ctx.freshness
    parts.append(
        f"<p class='meta'>Data freshness: {fmt.number(fresh.rows)} reports up to "
        f"{esc(str(fresh.last_month))}; last import {esc(str(fresh.last_import)[:16])} UTC.</p>"
    )
    if fresh.demo_rows:
        parts.append("<div class='demo'><strong>Demo data.</strong> Figures marked (demo) include synthetic "
                     "demo data generated to show how the dashboard works; they are not real results.</div>")
    parts.append("<h2>Key figures</h2><table><tr><th>Indicator</th><th>Value</th><th>% of target</th>"
                 "<th>Target</th><th>Change vs previous period</th><th>Rule</th></tr>")
    for head in data.headlines:
        rule = "unique people (max per area and group)" if head.aggregation == "unique_max" else head.aggregation
        parts.append(
            f"<tr><td>{esc(head.name)}{' (demo)' if head.has_demo else ''}</td>"
            f"<td class='num'>{fmt.number(head.value, head.unit)}</td><td class='num'>{fmt.percent(head.pct_of_target)}</td>"
            f"<td class='num'>{fmt.number(head.target)}</td><td class='num'>{fmt.signed(head.change)}</td>"
            f"<td>{esc(rule)}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>Monthly trends</h2>")
    for head in data.headlines:
        monthly = data.sparklines.get(head.code)
        if monthly is None or monthly["value"].sum() == 0:
            continue
        chart = build_monthly_bars(monthly, head.unit, head.target).properties(title=head.name)
        parts.append(f"<div class='chart'>{chart_svg(chart)}</div>")
    parts.append(f"<h2>Not reported for {esc(fmt.month_label(data.not_reported_month))}</h2>")
    if data.not_reported.empty:
        parts.append("<p>Every organisation that reported in the three months before has reported.</p>")
    else:
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in data.not_reported["organisation"]) + "</ul>")
    parts.append("<h2>Data-quality alerts</h2>")
    parts.append("<p>None.</p>" if not data.alerts else
                 "<ul>" + "".join(f"<li>{esc(a.message)}</li>" for a in data.alerts[:20]) + "</ul>")
    parts.append("<h2>Events</h2><ul>")
    for row in data.events.head(8).itertuples():
        parts.append(f"<li>{esc(fmt.day(row.event_date))}: {esc(row.title)} ({esc(row.place or '')})"
                     f"{' (demo)' if row.is_demo else ''}</li>")
    parts.append("</ul><h2>Filters used</h2><table>")
    for label, value in describe(ctx.filters, ctx.period):
        parts.append(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>")
    parts.append("</table><h2>Sources</h2><ul>")
    for source in data.sources or ["Partner 4W reports to the MHPSS tWG Poland"]:
        parts.append(f"<li>{esc(source)}</li>")
    if fresh.demo_rows:
        parts.append("<li>Synthetic demo data (deterministic generator, not real)</li>")
    parts.append("</ul></body></html>")
    return "".join(parts)
