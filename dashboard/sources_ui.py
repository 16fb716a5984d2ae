"""Rendering for the Sources page: staleness warnings, the status table, per-source details and the refresh
controls with progress. It never imports ``data_sources``: the page hands in what to show and the callables
that refresh or test a source."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

import pandas as pd
import streamlit as st

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
            st.warning(f"**{age.sentence}** (last successful refresh {age.last_success:%-d %b %Y %H:%M} UTC; "
                       f"flagged after {age.stale_after_days} days). Figures that depend on it say so.", icon="⏳")


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
        with st.expander(f"{label}: {'last error' if error else ''}{' and ' if error and warnings else ''}"
                         f"{f'{len(warnings)} warning(s)' if warnings else ''}"):
            if error:
                st.markdown(f"**Last error:** {error}")
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
        st.caption(f"warning: {warning}")


def render_refresh(choices: Mapping[str, str], run: Callable[[str, Report], Outcome],
                   check: Callable[[str], tuple[bool, str]]) -> None:
    """Pick a configured source; refresh it (with live progress) or test its connection."""
    if not choices:
        st.info("No live source is configured yet: set the settings listed in the table (see the README).")
        return
    name = st.selectbox("Source", list(choices), format_func=lambda n: choices[n], key="sources_choice")
    refresh_col, check_col = st.columns([1, 1])
    if check_col.button("Test connection", key="sources_check"):
        ok, message = check(name)
        (st.success if ok else st.error)(message)
    if refresh_col.button(f"Refresh {choices[name]} now", type="primary", key="sources_refresh"):
        with st.status(f"Refreshing {choices[name]}…", expanded=True) as box:
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
