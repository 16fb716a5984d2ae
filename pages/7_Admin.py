"""Admin, for the tWG co-leads: publishing indicators to the public view, and the audit log."""

from dashboard import admin
from dashboard.i18n import N_
from dashboard.ui import setup_page

ctx = setup_page(N_("Admin"), ":material/admin_panel_settings:", filters=False, requires="admin",
                 intro=N_("For the tWG co-leads: which indicators donors see, and who did what and when (imports, "
                       "rollbacks, refreshes, publishing, reviews, downloads, refused attempts)."))
admin.render_flash()
admin.render_publishing(ctx)
admin.render_audit(ctx, ctx.today)
