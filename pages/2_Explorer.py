"""Explorer, for analysts: filter on any dimension, see the rows, group them, download exactly them."""

from dashboard import cache, explorer
from dashboard.ui import setup_page

ctx = setup_page("Explorer", ":material/table_view:", intro="For analysts: every report row behind the figures, grouped as you "
                 "need, and downloads of exactly the rows on screen.")
rows = ctx.facts()
explorer.render_rows(rows)
inds = cache.indicators(ctx.url, ctx.version)
explorer.render_grouped(rows, dict(zip(inds["code"], inds["aggregation"], strict=True)))
explorer.render_downloads(ctx, rows)
