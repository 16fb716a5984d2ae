"""Rendering for the Import page: upload, column mapping, validation report, preview of the changes, confirm
with a progress bar, import history and rollback.

It never imports ``data_sources`` (layering): the page hands in the plan to show and the callables that
plan, import, save a mapping or roll back. Expensive work (reading and checking a file) runs once per file,
mapping and data version and is kept in the session, so widget clicks do not re-read the file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any, Protocol

import pandas as pd
import streamlit as st

FLASH_KEY = "import_flash"
PLAN_KEY = "import_plan"
CHANGES_SHOWN = 1_000
Progress = Callable[[float, str], None]


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
    """Download button for the blank 4W template (rebuilt only when the data version changes)."""
    cached = st.session_state.get("import_template")
    if cached is None or cached[0] != version:
        cached = (version, make())
        st.session_state["import_template"] = cached
    st.download_button("Download the blank 4W template (.xlsx)", cached[1], file_name="mhpss_4w_template.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="import_template_download", icon=":material/download:")


def render_upload() -> tuple[str, bytes] | None:
    """The uploaded file's name and bytes, or None."""
    upload = st.file_uploader("Partner 4W or HXL file (CSV or XLSX)", type=["csv", "xlsx", "txt"],
                              key="import_upload", help="The project's template, any HXL-tagged file, or an untagged "
                              "file with a column mapping chosen once.")
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
    """The file's plan (or the reason it cannot be read), computed once per file and data version (and again
    after a column mapping is saved)."""
    key = (hashlib.sha256(data).hexdigest(), name, version)
    stored = st.session_state.get(PLAN_KEY)
    if stored is not None and stored[0] == key:
        return stored[1]  # type: ignore[no-any-return]
    update, done = progress_bar(f"Checking {name}…")
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
    st.error("**This file cannot be imported.** " + (lines[0] if len(lines) == 1 else "Reasons:"), icon="🚫")
    if len(lines) > 1:
        st.markdown("\n".join(f"- {line}" for line in lines[:200]))


def render_mapping(headers: list[str], guess: dict[str, str], save: Callable[[dict[str, str]], None],
                   help_rows: list[tuple[str, str]], *, first_time: bool = True) -> None:
    """Choose the HXL tag of each column of an untagged file; saved for every file with the same header.

    ``first_time`` False shows the saved mapping for correction (inside an expander)."""
    if first_time:
        st.warning("This file has no HXL tag row. Choose once what each column holds; the mapping is saved and "
                   "used automatically for every file with the same header.", icon="🧭")
    table = pd.DataFrame({"Column in the file": headers, "HXL tag": [guess.get(h, "") for h in headers]})
    edited = st.data_editor(
        table, key="import_mapping_editor", hide_index=True, width="stretch", disabled=["Column in the file"],
        column_config={"HXL tag": st.column_config.TextColumn(
            "HXL tag", help="e.g. #org+name, #adm1+code, #date, #reached+f+adults; leave empty to ignore the column")},
    )
    with st.expander("Tags the dashboard understands"):
        st.dataframe(pd.DataFrame(help_rows, columns=["tag", "meaning"]), hide_index=True, width="stretch")
    if st.button("Save the mapping and check the file", key="import_mapping_save",
                 type="primary" if first_time else "secondary"):
        mapping = {str(r["Column in the file"]): str(r["HXL tag"] or "").strip() for _, r in edited.iterrows()}
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
    """Every problem with row, column, value and reason; a CSV download of the report."""
    errors = int((problems["severity"] == "error").sum()) if not problems.empty else 0
    warnings = len(problems) - errors
    if problems.empty:
        st.success("No problems found.", icon="✅")
        return
    if errors:
        st.error(f"**{errors:,} problem{'s' if errors != 1 else ''} to fix.** Nothing from this file can be imported "
                 "until then: correct the file and upload it again.", icon="🚫")
    if warnings:
        st.warning(f"{warnings:,} warning{'s' if warnings != 1 else ''} (the import can go ahead).", icon="⚠️")
    st.dataframe(problems, hide_index=True, width="stretch", key="import_report",
                 column_config={"row": st.column_config.NumberColumn("row", format="%d")})
    st.download_button("Download the validation report (CSV)", problems.to_csv(index=False).encode("utf-8"),
                       file_name=f"{file_name.rsplit('.', 1)[0]}_validation_report.csv", mime="text/csv",
                       key="import_report_download")


def render_preview(plan: Plan, changes: dict[str, int], examples: pd.DataFrame) -> None:
    """What the import would change: counts, the first values, and every value that changes (old → new;
    ``examples`` holds them all; the first thousand are shown and all can be downloaded)."""
    if plan.already_imported is not None:
        st.info(f"**{plan.file_name} was already imported as batch {plan.already_imported}.** Importing it again "
                "changes nothing.", icon="ℹ️")
        return
    cols = st.columns(4)
    cols[0].metric("Rows read", f"{plan.rows_read:,}")
    cols[1].metric("New values", f"{changes['new']:,}")
    cols[2].metric("Changed values", f"{changes['changed']:,}")
    cols[3].metric("Re-reported, unchanged", f"{changes['unchanged']:,}")
    st.caption("A newer report for the same organisation, indicator, activity, place, period and disaggregation "
               "replaces the older one; the older one stays in the history and comes back if this import is rolled "
               "back.")
    with st.expander("Preview: the first values as they will be stored", expanded=False):
        st.dataframe(plan.preview(50), hide_index=True, width="stretch", key="import_preview")
    if not examples.empty:
        with st.expander(f"Values that change ({changes['changed']:,})", expanded=True):
            shown = examples.head(CHANGES_SHOWN)
            st.dataframe(shown.astype({c: "object" for c in shown.columns if isinstance(shown[c].dtype,
                                                                                       pd.CategoricalDtype)}),
                         hide_index=True, width="stretch", key="import_changes")
            if len(examples) > CHANGES_SHOWN:
                st.caption(f"The first {CHANGES_SHOWN:,} are shown; the download has all {len(examples):,}.")
            st.download_button("Download every changed value (CSV)", examples.to_csv(index=False).encode("utf-8"),
                               file_name=f"{plan.file_name.rsplit('.', 1)[0]}_changes.csv", mime="text/csv",
                               key="import_changes_download")


def render_confirm(plan: Plan, can_import: bool, run: Callable[[Progress], str]) -> None:
    """The confirm button; runs the import with a progress bar and reports the outcome after a rerun."""
    if plan.already_imported is not None or not can_import:
        return
    count = len(plan.importable)
    if st.button(f"Import {count:,} values from {plan.file_name}", key="import_confirm", type="primary"):
        update, done = progress_bar("Importing…")
        try:
            message = run(update)
            st.session_state[FLASH_KEY] = (True, message)
        except Exception as exc:
            if not hasattr(exc, "lines"):
                raise
            st.session_state[FLASH_KEY] = (False, "Nothing was imported: " + "; ".join(exc.lines()[:5]))
        finally:
            done()
        st.session_state.pop(PLAN_KEY, None)
        st.rerun()


def render_history(history: pd.DataFrame, rollback: Callable[[int], str]) -> None:
    """Import history (when, file, rows, status, by whom) and rollback of a committed import."""
    st.subheader("Import history")
    if history.empty:
        st.caption("No file has been imported yet.")
        return
    st.dataframe(history, hide_index=True, width="stretch", key="import_history",
                 column_config={"when": st.column_config.DatetimeColumn("when (UTC)", format="D MMM YYYY, HH:mm"),
                                "rows": st.column_config.NumberColumn("values", format="%d"),
                                "messages": st.column_config.TextColumn("notes", width="large")})
    committed = history.loc[history["status"] == "committed", ["batch", "file"]]
    if committed.empty:
        return
    labels = {int(b): f"batch {int(b)}: {f}" for b, f in committed.itertuples(index=False)}
    with st.expander("Roll back an import"):
        batch = st.selectbox("Import to roll back", list(labels), format_func=labels.__getitem__,
                             key="import_rollback_batch")
        sure = st.checkbox("Yes: delete its values and restore the reports it replaced", key="import_rollback_sure")
        if st.button("Roll back", key="import_rollback", disabled=not sure):
            try:
                st.session_state[FLASH_KEY] = (True, rollback(int(batch)))
            except Exception as exc:
                if not hasattr(exc, "lines"):
                    raise
                st.session_state[FLASH_KEY] = (False, "; ".join(exc.lines()))
            st.session_state.pop(PLAN_KEY, None)
            st.rerun()
