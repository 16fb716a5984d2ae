"""Data quality, for the tWG co-leads: completeness and timeliness, validation rules, outliers, duplicates and
the unique-people rule, with a follow-up list to mark as reviewed."""

import streamlit as st

from dashboard import quality_ui as dq
from dashboard.i18n import N_, _
from dashboard.ui import setup_page

ctx = setup_page(N_("Data quality"), ":material/health_and_safety:",
                 intro=N_("Can a number be trusted before it goes in front of a meeting? Who reported and when, which "
                       "reports break a rule, which look odd, and which may be counted twice."))
if not dq.render_access(ctx):
    st.stop()
dq.render_flash()
report = dq.report(ctx)
dq.render_summary(report)
# Only the open tab's content is computed and drawn (choosing another tab reruns the page).
overview, completeness, rules, outliers, duplicates, unique = st.tabs(
    [_("Overview"), _("Completeness"), _("Validation rules"), _("Outliers"), _("Duplicates"), _("Unique people")],
    key="dq_tab", on_change="rerun")
with overview:
    if overview.open:
        dq.render_top_alerts(report)
with completeness:
    if completeness.open:
        dq.render_completeness(ctx, report)
        dq.render_reporting_plan(ctx, report)
with rules:
    if rules.open:
        dq.render_rules(report)
with outliers:
    if outliers.open:
        dq.render_follow_up(ctx, dq.FOLLOW_UP_CHECKS, "dq_outliers", _("Outliers and jumps"),
                            _("Per indicator and organisation, monthly values with a robust z-score (median and MAD) "
                              "above 3.5, and months more than 4× (or under a quarter of) the month before. Months "
                              "still being reported (not yet due) are not judged. Mark an item reviewed once it is "
                              "explained; it then leaves this list and Home's alerts."))
with duplicates:
    if duplicates.open:
        dq.render_follow_up(ctx, dq.DUPLICATE_CHECKS, "dq_duplicates", _("Duplicates and double counting"),
                            _("The same report from two organisations (an implementing and a reporting partner), rows "
                              "of two organisations within 2% of each other, and one organisation's overlapping "
                              "periods from different imports."))
with unique:
    if unique.open:
        dq.render_unique_people(ctx, report)
