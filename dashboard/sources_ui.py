"""Rendering for the Sources page: staleness warnings, the status table, per-source details and the refresh
controls with progress. It never imports ``data_sources``: the page hands in what to show and the callables
that refresh or test a source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import pandas as pd
import streamlit as st

from dashboard.i18n import _, format_datetime, format_number, ngettext
from dashboard.staleness import SourceAge

FLASH_KEY = "sources_flash"


class Outcome(Protocol):
    """What a refresh returns (``data_sources.refresh.RunResult`` fits)."""

    @property
    def ok(self) -> bool: ...

    @property
    def message(self) -> str: ...

    @property
    def warnings(self) -> tuple[str, ...]: ...


Report = Callable[[str], None]


def render_stale(ages: Iterable[SourceAge]) -> None:
    """One warning per live source whose figures are out of date."""
    for age in ages:
        if age.is_stale:
            st.warning(ngettext(
                "**{sentence}** (last successful refresh {when} UTC; flagged after {n} day). Figures that depend on "
                "it say so.",
                "**{sentence}** (last successful refresh {when} UTC; flagged after {n} days). Figures that depend on "
                "it say so.", age.stale_after_days).format(sentence=age.sentence, when=format_datetime(age.last_success),
                                                           n=format_number(age.stale_after_days)), icon="⏳")


def render_stale_notes(notes: Sequence[str]) -> None:
    """Under a figure: which of the live sources it depends on are out of date (from ``staleness.notes_for``),
    e.g. "UNHCR figures are 9 days old". Nothing when all are fresh."""
    if notes:
        st.caption(":material/schedule: " + "; ".join(notes) + ".")


def render_status(frame: pd.DataFrame) -> None:
    st.dataframe(frame, hide_index=True, width="stretch")


def render_details(details: Sequence[tuple[str, str, Sequence[str]]]) -> None:
    """For each source with something to say: its last error and the warnings of its last success."""
    for label, error, warnings in details:
        if not error and not warnings:
            continue
        if error and warnings:
            title = ngettext("{source}: last error and {n} warning", "{source}: last error and {n} warnings",
                             len(warnings))
        elif error:
            title = _("{source}: last error")
        else:
            title = ngettext("{source}: {n} warning", "{source}: {n} warnings", len(warnings))
        with st.expander(title.format(source=label, n=format_number(len(warnings)))):
            if error:
                st.markdown(_("**Last error:** {error}").format(error=error))
            for warning in warnings:
                st.markdown(f"- {warning}")


def render_flash() -> None:
    """The outcome of the refresh that ran before this rerun."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if not flash:
        return
    ok, message, warnings = flash
    (st.success if ok else st.error)(message, icon="✅" if ok else "⚠️")
    for warning in warnings:
        st.caption(_("warning: {warning}").format(warning=warning))


def render_refresh(choices: Mapping[str, str], run: Callable[[str, Report], Outcome],
                   check: Callable[[str], tuple[bool, str]]) -> None:
    """Pick a configured source; refresh it (with live progress) or test its connection."""
    if not choices:
        st.info(_("No live source is configured yet: set the settings listed in the table (see the README)."))
        return
    name = st.selectbox(_("Source"), list(choices), format_func=lambda n: choices[n], key="sources_choice")
    refresh_col, check_col = st.columns([1, 1])
    if check_col.button(_("Test connection"), key="sources_check"):
        ok, message = check(name)
        (st.success if ok else st.error)(message)
    if refresh_col.button(_("Refresh {source} now").format(source=choices[name]), type="primary",
                          key="sources_refresh"):
        with st.status(_("Refreshing {source}…").format(source=choices[name]), expanded=True) as box:
            bar = st.progress(0.0)
            steps = [0]

            def report(message: str) -> None:
                steps[0] += 1
                bar.progress(min(0.9, steps[0] / (steps[0] + 4)))  # pages are not known in advance
                box.write(message)

            outcome = run(name, report)
            bar.progress(1.0)
            box.update(label=outcome.message, state="complete" if outcome.ok else "error", expanded=not outcome.ok)
        st.session_state[FLASH_KEY] = (outcome.ok, outcome.message, tuple(outcome.warnings))
        st.rerun()
