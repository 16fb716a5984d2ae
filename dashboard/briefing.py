"""The printable briefing: one self-contained HTML file (inline CSS, charts as inline SVG, no external
resources) with the figures, the filters used, generation time, data freshness and sources, written in the
current language (Home builds it in the reader's)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import altair as alt

from dashboard import format as fmt
from dashboard import i18n, names
from dashboard.charts import build_monthly_bars
from dashboard.filters import describe
from dashboard.i18n import N_, _, ngettext

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


#: The indicators' rules in a few words, for the briefing's table.
RULES = {"sum": N_("sum"), "unique_max": N_("unique people (max per area and group)"),
         "latest": N_("latest value"), "distinct_organisations": N_("distinct organisations")}


def _demo(text: str, is_demo: bool) -> str:
    # Translators: an indicator or event marked as including demo data.
    return _("{name} (demo)").format(name=text) if is_demo else text


def build_briefing_html(ctx: PageContext, data: Overview) -> str:
    """The briefing for the overview ``data`` computed under ``ctx``, in the current language (headings,
    sentences, indicator names, numbers and dates; ``<html lang>`` says which)."""
    from dashboard.home import event_when

    esc = html.escape
    lang = i18n.current()
    generated = _("{when} UTC").format(when=fmt.day_time(datetime.now(UTC)))
    title = _("MHPSS response briefing")
    parts = [
        f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
        f"<title>{esc(title)} · {esc(ctx.period.label)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        "<p class='meta'>" + esc(_("MHPSS Technical Working Group, Poland · generated {when} · period: {period}").format(
            when=generated, period=ctx.period.label)) + "</p>",
    ]
    fresh = ctx.freshness
    last_month = fmt.month_long(fresh.last_month) if fresh.last_month else "–"
    last_import = _("{when} UTC").format(when=fmt.day_time(fresh.last_import)) if fresh.last_import else "–"
    parts.append("<p class='meta'>" + esc(ngettext(
        "Data freshness: {n} report up to {month}; last import {when}.",
        "Data freshness: {n} reports up to {month}; last import {when}.", fresh.rows,
    ).format(n=fmt.number(fresh.rows), month=last_month, when=last_import)) + "</p>")
    if fresh.demo_rows:
        parts.append("<div class='demo'><strong>" + esc(_("Demo data.")) + "</strong> " + esc(_(
            "Figures marked (demo) include synthetic demo data generated to show how the dashboard works; they "
            "are not real results.")) + "</div>")
    headers = [_("Indicator"), _("Value"), _("% of target"), _("Target"), _("Change vs previous period"),
               _("Rule")]
    parts.append("<h2>" + esc(_("Key figures")) + "</h2><table><tr>"
                 + "".join(f"<th>{esc(h)}</th>" for h in headers) + "</tr>")
    for head in data.headlines:
        rule = _(RULES[head.aggregation]) if head.aggregation in RULES else head.aggregation
        parts.append(
            f"<tr><td>{esc(_demo(head.name, head.has_demo))}</td>"
            f"<td class='num'>{fmt.number(head.value, head.unit)}</td><td class='num'>{fmt.percent(head.pct_of_target)}</td>"
            f"<td class='num'>{fmt.number(head.target)}</td><td class='num'>{fmt.signed(head.change)}</td>"
            f"<td>{esc(rule)}</td></tr>"
        )
    parts.append("</table>")
    parts.append("<h2>" + esc(_("Monthly trends")) + "</h2>")
    units = {str(row["code"]): names.indicator_text(row, "unit") for _i, row in ctx.indicators().iterrows()}
    for head in data.headlines:
        monthly = data.sparklines.get(head.code)
        if monthly is None or monthly["value"].sum() == 0:
            continue
        chart = build_monthly_bars(monthly, units.get(head.code, head.unit), head.target).properties(title=head.name)
        parts.append(f"<div class='chart'>{chart_svg(chart)}</div>")
    parts.append("<h2>" + esc(_("Not reported for {month}").format(month=fmt.month_long(data.not_reported_month)))
                 + "</h2>")
    if data.not_reported.empty:
        parts.append("<p>" + esc(_("Every organisation that reported in the three months before has reported."))
                     + "</p>")
    else:
        parts.append("<ul>" + "".join(f"<li>{esc(n)}</li>" for n in data.not_reported["organisation"]) + "</ul>")
    parts.append("<h2>" + esc(_("Data-quality alerts")) + "</h2>")
    parts.append("<p>" + esc(_("None.")) + "</p>" if not data.alerts else
                 "<ul>" + "".join(f"<li>{esc(a.message)}</li>" for a in data.alerts[:20]) + "</ul>")
    parts.append("<h2>" + esc(_("Events")) + "</h2><ul>")
    for row in data.events.head(8).itertuples():
        place = f" ({esc(row.place)})" if row.place else ""
        # Demo titles end in "(demo)" in the data: mark them once, in the reader's language.
        title = re.sub(r"\s*\(demo\)$", "", str(row.title)) if row.is_demo else str(row.title)
        parts.append(f"<li>{esc(event_when(row.event_date, row.date_precision))}: "
                     f"{esc(_demo(title, bool(row.is_demo)))}{place}</li>")
    parts.append("</ul><h2>" + esc(_("Filters used")) + "</h2><table>")
    for label, value in describe(ctx.filters, ctx.period, readable=True):
        parts.append(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>")
    parts.append("</table><h2>" + esc(_("Sources")) + "</h2><ul>")
    for source in data.sources or [_("Partner 4W reports to the MHPSS tWG Poland")]:
        parts.append(f"<li>{esc(source)}</li>")
    if fresh.demo_rows:
        parts.append("<li>" + esc(_("Synthetic demo data (deterministic generator, not real)")) + "</li>")
    parts.append("</ul></body></html>")
    return "".join(parts)
