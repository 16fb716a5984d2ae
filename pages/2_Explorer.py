"""Explorer, for analysts: filter on any dimension, see the rows, group them, download exactly them."""

from dashboard import explorer
from dashboard.i18n import N_
from dashboard.ui import render_stale_sources, setup_page

ctx = setup_page(N_("Explorer"), ":material/table_view:", intro=N_("For analysts: every report row behind the figures, grouped as you "
                 "need, and downloads of exactly the rows on screen."), requires="explore")
listing = explorer.compute_listing(ctx)
shown = explorer.display_names(ctx)
explorer.render_rows(listing, shown)
render_stale_sources(ctx, ctx.cube())
inds = ctx.indicators()
explorer.render_grouped(ctx, dict(zip(inds["code"], inds["aggregation"], strict=True)), shown)
explorer.render_downloads(ctx, listing, shown)
