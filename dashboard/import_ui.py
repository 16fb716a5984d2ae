"""Rendering for the Import page: upload, column mapping, validation report, preview of the changes, confirm
with a progress bar, import history and rollback.

It never imports ``data_sources`` (layering): the page hands in the plan to show and the callables that
plan, import, save a mapping or roll back. Expensive work (reading and checking a file) runs once per file,
mapping, data version and language and is kept in the session, so widget clicks do not re-read the file.
All text is in the reader's language; the validation messages come translated from the importer, and the
tables' codes (severities, statuses) are labelled here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

import pandas as pd
import streamlit as st

from dashboard import i18n
from dashboard.i18n import _, format_datetime, format_number, ngettext, pgettext

FLASH_KEY = "import_flash"
PLAN_KEY = "import_plan"
CHANGES_SHOWN = 1_000
Progress = Callable[[float, str], None]


def column_labels() -> dict[str, str]:
    """Headers of the report, preview, changes and history tables (and their downloads) in the current language."""
    return {
        "severity": pgettext("import table", "severity"), "sheet": pgettext("import table", "sheet"),
        "row": pgettext("import table", "row"), "column": pgettext("import table", "column"),
        "value": pgettext("import table", "value"), "problem": pgettext("import table", "problem"),
        "organisation": pgettext("import table", "organisation"), "indicator": pgettext("import table", "indicator"),
        "activity": pgettext("import table", "activity"), "location": pgettext("import table", "location"),
        "period_start": pgettext("import table", "period start"),
        "period_end": pgettext("import table", "period end"), "sex": pgettext("import table", "sex"),
        "age_band": pgettext("import table", "age band"),
        "population_group": pgettext("import table", "population group"),
        "disability": pgettext("import table", "disability"), "old_value": pgettext("import table", "old value"),
        "old_batch": pgettext("import table", "old batch"), "batch": pgettext("import table", "batch"),
        "when": pgettext("import table", "when (UTC)"), "file": pgettext("import table", "file"),
        "rows": pgettext("import table", "values"), "status": pgettext("import table", "status"),
        "by": pgettext("import table", "by"), "messages": pgettext("import table", "notes"),
    }


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its code column names replaced by their labels (for the screen and the CSV downloads)."""
    labels = column_labels()
    return frame.rename(columns={c: labels[c] for c in frame.columns if c in labels})


def severity_label(severity: str) -> str:
    return {"error": pgettext("severity", "error"), "warning": pgettext("severity", "warning")}.get(severity, severity)


class Plan(Protocol):
    """What ``data_sources.importing.ImportPlan`` offers the page."""

    file_name: str
    already_imported: int | None
    rows_read: int

    @property
    def importable(self) -> pd.DataFrame: ...

    def preview(self, rows: int = 50) -> pd.DataFrame: ...

    def summary(self) -> str: ...


class Failure(Protocol):
    """``data_sources.importing.ImportFileError`` (and ``MappingNeeded``, which adds headers and a guess)."""

    problems: list[Any]

    def lines(self) -> list[str]: ...


def render_flash() -> None:
    """The outcome of the import or rollback that ran before this rerun."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        ok, message = flash
        (st.success if ok else st.error)(message, icon="✅" if ok else "⚠️")


def render_template_download(make: Callable[[], bytes], version: int) -> None:
    """Download button for the blank 4W template in the reader's language (rebuilt only when the data version
    or the language changes)."""
    key = (version, i18n.current())
    cached = st.session_state.get("import_template")
    if cached is None or cached[0] != key:
        cached = (key, make())
        st.session_state["import_template"] = cached
    st.download_button(_("Download the blank 4W template (.xlsx)"), cached[1], file_name="mhpss_4w_template.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="import_template_download", icon=":material/download:")


def render_upload() -> tuple[str, bytes] | None:
    """The uploaded file's name and bytes, or None."""
    upload = st.file_uploader(_("Partner 4W or HXL file (CSV or XLSX)"), type=["csv", "xlsx", "txt"],
                              key="import_upload", help=_("The project's template, any HXL-tagged file, or an "
                                                          "untagged file with a column mapping chosen once."))
    if upload is None:
        st.session_state.pop(PLAN_KEY, None)
        return None
    return upload.name, upload.getvalue()


def progress_bar(label: str) -> tuple[Progress, Callable[[], None]]:
    """A progress callback for long reads and writes, and a function that removes the bar."""
    bar = st.progress(0.0, text=label)

    def update(fraction: float, text: str) -> None:
        bar.progress(min(max(fraction, 0.0), 1.0), text=text)

    def clear() -> None:
        bar.empty()

    return update, clear


def checked_plan(name: str, data: bytes, version: int, make: Callable[[Progress], Plan]) -> Plan | Failure:
    """The file's plan (or the reason it cannot be read), computed once per file, data version and language (its
    messages are in the reader's language), and again after a column mapping is saved."""
    key = (hashlib.sha256(data).hexdigest(), name, version, i18n.current())
    stored = st.session_state.get(PLAN_KEY)
    if stored is not None and stored[0] == key:
        return stored[1]  # type: ignore[no-any-return]
    update, done = progress_bar(_("Checking {file}…").format(file=name))
    try:
        result: Plan | Failure = make(update)
    except Exception as exc:  # the page passes only the importer's own error type through (see render_failure)
        if not hasattr(exc, "lines"):
            raise
        result = exc  # type: ignore[assignment]
    finally:
        done()
    st.session_state[PLAN_KEY] = (key, result)
    return result


def render_failure(failure: Failure) -> None:
    """A file that cannot be read or holds personal data: every reason, one per line."""
    lines = failure.lines()
    st.error(_("**This file cannot be imported.** {reason}").format(reason=lines[0]) if len(lines) == 1
             else _("**This file cannot be imported.** Reasons:"), icon="🚫")
    if len(lines) > 1:
        st.markdown("\n".join(f"- {line}" for line in lines[:200]))


def render_mapping(headers: list[str], guess: dict[str, str], save: Callable[[dict[str, str]], None],
                   help_rows: list[tuple[str, str]], *, first_time: bool = True) -> None:
    """Choose the HXL tag of each column of an untagged file; saved for every file with the same header.

    ``first_time`` False shows the saved mapping for correction (inside an expander)."""
    if first_time:
        st.warning(_("This file has no HXL tag row. Choose once what each column holds; the mapping is saved and "
                     "used automatically for every file with the same header."), icon="🧭")
    # The header keys in the first column are the file's own text (saved as the mapping's keys), never translated.
    in_file, tag = _("Column in the file"), _("HXL tag")
    table = pd.DataFrame({in_file: headers, tag: [guess.get(h, "") for h in headers]})
    edited = st.data_editor(
        table, key="import_mapping_editor", hide_index=True, width="stretch", disabled=[in_file],
        column_config={tag: st.column_config.TextColumn(
            tag, help=_("e.g. #org+name, #adm1+code, #date, #reached+f+adults; leave empty to ignore the column"))},
    )
    with st.expander(_("Tags the dashboard understands")):
        st.dataframe(pd.DataFrame([(t, _(meaning)) for t, meaning in help_rows],
                                  columns=[pgettext("import table", "tag"), pgettext("import table", "meaning")]),
                     hide_index=True, width="stretch")
    if st.button(_("Save the mapping and check the file"), key="import_mapping_save",
                 type="primary" if first_time else "secondary"):
        mapping = {str(r[in_file]): str(r[tag] or "").strip() for _unused, r in edited.iterrows()}
        try:
            save(mapping)
        except Exception as exc:  # noqa: BLE001 - a malformed tag: shown, not raised
            if not hasattr(exc, "lines"):
                raise
            st.error("\n".join(f"- {line}" for line in exc.lines()))
            return
        st.session_state.pop(PLAN_KEY, None)
        st.rerun()


def render_report(problems: pd.DataFrame, file_name: str) -> None:
    """Every problem with row, column, value and reason (the reasons already in the reader's language); a CSV
    download of the report with the same headers."""
    errors = int((problems["severity"] == "error").sum()) if not problems.empty else 0
    warnings = len(problems) - errors
    if problems.empty:
        st.success(_("No problems found."), icon="✅")
        return
    if errors:
        st.error(ngettext("**{n} problem to fix.** Nothing from this file can be imported until then: correct the "
                          "file and upload it again.",
                          "**{n} problems to fix.** Nothing from this file can be imported until then: correct the "
                          "file and upload it again.", errors).format(n=format_number(errors)), icon="🚫")
    if warnings:
        st.warning(ngettext("{n} warning (the import can go ahead).", "{n} warnings (the import can go ahead).",
                            warnings).format(n=format_number(warnings)), icon="⚠️")
    shown = labelled(problems.assign(severity=problems["severity"].map(severity_label)))
    row = column_labels()["row"]
    st.dataframe(shown, hide_index=True, width="stretch", key="import_report",
                 column_config={row: st.column_config.NumberColumn(row, format="%d")})
    st.download_button(_("Download the validation report (CSV)"), shown.to_csv(index=False).encode("utf-8"),
                       file_name=f"{file_name.rsplit('.', 1)[0]}_validation_report.csv", mime="text/csv",
                       key="import_report_download")


def render_preview(plan: Plan, changes: dict[str, int], examples: pd.DataFrame) -> None:
    """What the import would change: counts, the first values, and every value that changes (old → new;
    ``examples`` holds them all; the first thousand are shown and all can be downloaded)."""
    if plan.already_imported is not None:
        st.info(_("**{file} was already imported as batch {batch}.** Importing it again changes nothing.").format(
            file=plan.file_name, batch=plan.already_imported), icon="ℹ️")
        return
    cols = st.columns(4)
    cols[0].metric(_("Rows read"), format_number(plan.rows_read))
    cols[1].metric(_("New values"), format_number(changes["new"]))
    cols[2].metric(_("Changed values"), format_number(changes["changed"]))
    cols[3].metric(_("Re-reported, unchanged"), format_number(changes["unchanged"]))
    st.caption(_("A newer report for the same organisation, indicator, activity, place, period and disaggregation "
                 "replaces the older one; the older one stays in the history and comes back if this import is "
                 "rolled back."))
    with st.expander(_("Preview: the first values as they will be stored"), expanded=False):
        st.dataframe(labelled(plan.preview(50)), hide_index=True, width="stretch", key="import_preview")
    if not examples.empty:
        with st.expander(_("Values that change ({n})").format(n=format_number(changes["changed"])), expanded=True):
            shown = examples.head(CHANGES_SHOWN)
            st.dataframe(labelled(shown.astype({c: "object" for c in shown.columns
                                                if isinstance(shown[c].dtype, pd.CategoricalDtype)})),
                         hide_index=True, width="stretch", key="import_changes")
            if len(examples) > CHANGES_SHOWN:
                st.caption(_("The first {shown} are shown; the download has all {total}.").format(
                    shown=format_number(CHANGES_SHOWN), total=format_number(len(examples))))
            st.download_button(_("Download every changed value (CSV)"),
                               labelled(examples).to_csv(index=False).encode("utf-8"),
                               file_name=f"{plan.file_name.rsplit('.', 1)[0]}_changes.csv", mime="text/csv",
                               key="import_changes_download")


def render_confirm(plan: Plan, can_import: bool, run: Callable[[Progress], str]) -> None:
    """The confirm button; runs the import with a progress bar and reports the outcome after a rerun."""
    if plan.already_imported is not None or not can_import:
        return
    count = len(plan.importable)
    label = ngettext("Import {n} value from {file}", "Import {n} values from {file}", count).format(
        n=format_number(count), file=plan.file_name)
    if st.button(label, key="import_confirm", type="primary"):
        update, done = progress_bar(_("Importing…"))
        try:
            message = run(update)
            st.session_state[FLASH_KEY] = (True, message)
        except Exception as exc:
            if not hasattr(exc, "lines"):
                raise
            st.session_state[FLASH_KEY] = (False, _("Nothing was imported: {reasons}").format(
                reasons="; ".join(exc.lines()[:5])))
        finally:
            done()
        st.session_state.pop(PLAN_KEY, None)
        st.rerun()


def render_history(history: pd.DataFrame, rollback: Callable[[int], str], status_label: Callable[[str], str]) -> None:
    """Import history (when, file, rows, status, by whom, notes as written) and rollback of a committed import;
    ``status_label`` names a batch status code in the reader's language."""
    st.subheader(_("Import history"))
    if history.empty:
        st.caption(_("No file has been imported yet."))
        return
    shown = history.assign(when=[format_datetime(w) if pd.notna(w) else "–" for w in history["when"]],
                           status=history["status"].map(status_label), by=history["by"].fillna(_("unknown")))
    labels = column_labels()
    st.dataframe(labelled(shown), hide_index=True, width="stretch", key="import_history",
                 column_config={labels["rows"]: st.column_config.NumberColumn(labels["rows"], format="%d"),
                                labels["messages"]: st.column_config.TextColumn(labels["messages"], width="large")})
    committed = history.loc[history["status"] == "committed", ["batch", "file"]]
    if committed.empty:
        return
    choices = {int(b): _("batch {batch}: {file}").format(batch=int(b), file=f)
               for b, f in committed.itertuples(index=False)}
    with st.expander(_("Roll back an import")):
        batch = st.selectbox(_("Import to roll back"), list(choices), format_func=choices.__getitem__,
                             key="import_rollback_batch")
        sure = st.checkbox(_("Yes: delete its values and restore the reports it replaced"),
                           key="import_rollback_sure")
        if st.button(_("Roll back"), key="import_rollback", disabled=not sure):
            try:
                st.session_state[FLASH_KEY] = (True, rollback(int(batch)))
            except Exception as exc:
                if not hasattr(exc, "lines"):
                    raise
                st.session_state[FLASH_KEY] = (False, "; ".join(exc.lines()))
            st.session_state.pop(PLAN_KEY, None)
            st.rerun()
