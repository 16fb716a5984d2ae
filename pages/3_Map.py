"""Map, for everyone: where services reach, per capita and against targets, and where the gaps are."""

from dashboard import map_page as maps
from dashboard.i18n import N_
from dashboard.ui import render_privacy_note, render_stale_sources, setup_page

ctx = setup_page(N_("Map"), ":material/map:", intro=N_("Where services reached people, by admin area: the value, coverage per 10,000 "
                 "refugees (IDPs in Ukraine) or residents, % of each area's target, and a gap view of areas with many "
                 "people and few or no services reported."))
source = maps.boundary_source(ctx)
boundaries, _message = maps.boundaries_for(ctx, source)
controls = maps.render_map_controls(ctx, boundaries)
# Computed once per context and choices; the public's map hides small cells (the indicator's figure set).
page = maps.map_page(ctx, controls, source)
maps.render_map(page)
maps.render_map_legend(page.view.legend)
render_stale_sources(ctx, page.sources)
maps.render_map_notes(page)
maps.render_gap_table(page)
maps.render_map_download(page)
render_privacy_note(ctx, page.hidden)
