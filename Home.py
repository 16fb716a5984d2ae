"""Home, for the tWG co-leads: key figures against targets, what changed, who has not reported."""

import streamlit as st

from dashboard import home, roles
from dashboard.i18n import N_
from dashboard.ui import render_privacy_note, setup_page

ctx = setup_page(N_("MHPSS response overview"), ":material/dashboard:",
                 intro=N_("Key figures against targets; for the tWG co-leads also what changed since the last meeting, "
                       "who has not reported, and a briefing to send round."))
data = home.overview(ctx)
home.render_headlines(data)
home.render_stale_sources(ctx, data)
if roles.can(ctx, "view_internal"):
    left, right = st.columns([3, 2])
    with left:
        home.render_since_meeting(ctx, data)
        home.render_not_reported(data)
    with right:
        home.render_quality_alerts(data, ctx)
        home.render_events(data)
    home.render_briefing_download(ctx, data)
else:
    home.render_events(data)
    render_privacy_note(ctx, data.hidden)
