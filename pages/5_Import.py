"""Import partner 4W and HXL files: upload, column mapping, validation report, preview, confirm, history and
rollback. One of the two pages allowed to call ``data_sources`` (the other is Sources)."""

import streamlit as st

from dashboard import cache, import_ui, roles
from dashboard.i18n import N_, _
from dashboard.ui import setup_page
from data_sources import importing
from data_sources.importing.tags import TAG_HELP

ctx = setup_page(N_("Import"), ":material/upload_file:", filters=False,
                 intro=N_("Partners' 4W reports in, without retyping: the project's template, any HXL-tagged file, or an "
                       "untagged spreadsheet with a column mapping chosen once. A file with errors is rejected whole."))
engine = cache.engine(ctx.url)
who = ctx.access.actor
import_ui.render_flash()
if ctx.settings.view == "public":
    st.info(_("Importing is not available in the public view."), icon="🔒")
    st.stop()
roles.require(ctx, "import")  # the tWG co-leads only (a deep link from anyone else is refused)
import_ui.render_template_download(lambda: importing.template_bytes(engine), ctx.version)
upload = import_ui.render_upload()
if upload is not None:
    name, data = upload
    plan = import_ui.checked_plan(name, data, ctx.version, lambda progress: importing.plan_import(
        engine, data, name, today=ctx.today, progress=progress))
    if isinstance(plan, importing.MappingNeeded):
        headers = plan.headers
        import_ui.render_mapping(headers, plan.guess, lambda m: importing.remember_mapping(engine, headers, m, who),
                                 list(TAG_HELP))
    elif isinstance(plan, importing.ImportFileError):
        import_ui.render_failure(plan)
    elif isinstance(plan, importing.ImportPlan):
        if plan.mapping is not None:
            with st.expander(_("Column mapping used for this header (saved earlier; correct it here)")):
                headers = plan.headers
                import_ui.render_mapping(headers, plan.mapping, lambda m: importing.remember_mapping(
                    engine, headers, m, who), list(TAG_HELP), first_time=False)
        import_ui.render_report(plan.report.frame(), name)
        changes = plan.changes
        import_ui.render_preview(plan, {"new": changes.new, "changed": changes.changed,
                                        "unchanged": changes.unchanged}, changes.changed_values)
        chosen = plan
        import_ui.render_confirm(plan, plan.report.ok, roles.guarded(ctx, "import", lambda progress: importing.import_plan(
            engine, chosen, created_by=who, progress=progress).summary()))
import_ui.render_history(importing.import_history(engine),
                         roles.guarded(ctx, "rollback", lambda batch: importing.rollback_batch(engine, batch, by=who).summary()),
                         importing.status_label)
