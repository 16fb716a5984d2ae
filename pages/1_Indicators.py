"""Indicators, for donors: one page per indicator."""

from dashboard import indicator_view as view
from dashboard.i18n import N_
from dashboard.quality_ui import render_unique_people_comparison, unique_comparison
from dashboard.ui import render_stale_sources, setup_page

ctx = setup_page(N_("Indicators"), ":material/monitoring:", intro=N_("For donors: what each indicator means, how far it has come, "
                 "where and for whom, and where the figures come from. Choose the indicator in the sidebar."))
data = view.page_view(ctx, view.pick_indicator(ctx))
view.render_header(data)
view.render_achievement(data)
render_stale_sources(ctx, data.facts)
if data.aggregation == "unique_max" and data.suppressed:
    view.render_unique_rule_public(data)
elif data.aggregation == "unique_max":
    render_unique_people_comparison(data.facts, data.row, comparison=unique_comparison(ctx, data.code))
view.render_trend(data, ctx)
view.render_breakdowns(data, ctx)
view.render_figures_download(data, ctx)
view.render_sources(data, ctx)
