"""Map, for everyone: where services reach, per capita and against targets, and where the gaps are."""

from dashboard import cache, public_map
from dashboard import map_page as maps
from dashboard.i18n import N_
from dashboard.ui import render_privacy_note, render_stale_sources, setup_page

ctx = setup_page(N_("Map"), ":material/map:", intro=N_("Where services reached people, by admin area: the value, coverage per 10,000 "
                 "refugees (IDPs in Ukraine) or residents, % of each area's target, and a gap view of areas with many "
                 "people and few or no services reported."))
boundaries, message = maps.boundaries_for(ctx)
controls = maps.render_map_controls(ctx, boundaries)
view = maps.compute_page_view(ctx, controls, boundaries, message)
# The public's map hides small cells (the indicator's figure set); staff see the view as computed.
hidden = None
if ctx.audience.suppresses:
    figures = ctx.figures(view.indicator)
    view = public_map.compute_public_map_view(view, figures)
    hidden = figures.hidden_in(f"map{view.level}")
maps.render_map(view)
maps.render_map_legend(view.legend)
render_stale_sources(ctx, cache.denominators(ctx.url, ctx.version), ctx.cube())
maps.render_map_notes(view)
maps.render_gap_table(view)
maps.render_map_download(view)
render_privacy_note(ctx, hidden)
