"""Live data sources: what each one last delivered, when, what went wrong, when it is due, and a refresh button.

One of the two pages allowed to call ``data_sources`` (the other is Import)."""

import streamlit as st

from dashboard import cache, roles, sources_ui
from dashboard.i18n import N_, _
from dashboard.ui import setup_page
from data_sources import refresh as live

ctx = setup_page(N_("Sources"), ":material/cloud_sync:", filters=False,
                 intro=N_("Live sources: KoboToolbox forms, the ActivityInfo reporting form, HDX HAPI and the UNHCR "
                       "Operational Data Portal. A refresh writes everything it pulled in one go, or nothing."))
engine = cache.engine(ctx.url)
statuses = live.status(engine, ctx.settings)
sources_ui.render_flash()
sources_ui.render_stale(cache.source_ages(ctx.url, ctx.version, ctx.today, ctx.settings.stale_days))
public = not roles.can(ctx, "sources")  # the public sees the status, not the configuration
sources_ui.render_status(live.status_frame(statuses, public=public))
if public:
    st.info(_("Refreshing is not available in the public view."), icon="🔒")
else:
    sources_ui.render_details(live.status_details(statuses))
    st.subheader(_("Refresh"))
    if not roles.can(ctx, "refresh"):
        st.caption(_("Refreshing a source is for the tWG co-leads."))
    else:
        sources_ui.render_refresh(
            live.configured_labels(statuses),
            run=roles.guarded(ctx, "refresh", lambda name, report: live.refresh_one(engine, ctx.settings, name, report),
                              lambda outcome: outcome.message),
            check=lambda name: live.check_one(ctx.settings, name),
        )
st.caption(_("Scheduled refresh: `python -m data_sources refresh --due` (e.g. hourly from cron). "
             "Tokens are read from environment variables or .streamlit/secrets.toml and never shown."))
