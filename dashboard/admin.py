"""The Admin page, for the tWG co-leads: which indicators the public sees (publishing) and the audit log.

:func:`set_published` is one transaction: the change, one audit entry per indicator and a new data
version (so every cached public page shows the change at once).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, select

from dashboard import audit, cache, exports, names, roles, store
from dashboard.i18n import DEFAULT, N_, _, current, format_number, ngettext
from dashboard.ui import PageContext

FLASH_KEY = "admin_flash"


def set_published(engine: Engine, wanted: dict[str, bool], actor: str) -> list[str]:
    """Publish or withdraw indicators (code -> published); return the codes that changed."""
    ind = store.indicators
    changed: list[str] = []
    with engine.begin() as conn:
        current = dict(conn.execute(select(ind.c.code, ind.c.is_published)).all())
        for code, published in sorted(wanted.items()):
            if code not in current:
                raise ValueError(f"unknown indicator {code!r}")
            if bool(current[code]) == bool(published):
                continue
            conn.execute(ind.update().where(ind.c.code == code).values(is_published=bool(published)))
            audit.record(conn, actor, "publish" if published else "unpublish", code)
            changed.append(code)
        if changed:
            store.bump_data_version(conn)
    return changed


#: The publishing table's headers (English in the code, translated where shown).
PUBLISHING_COLUMNS = {"code": N_("code"), "indicator": N_("indicator"), "headline": N_("headline"),
                      "published": N_("published")}


def compute_publishing_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Code, name (in the current language), headline and published flags of every indicator."""
    return pd.DataFrame({
        "code": indicators["code"].astype("str"),
        "indicator": indicators["code"].astype("str").map(names.indicator_names(indicators)),
        "headline": indicators["is_headline"].astype(bool), "published": indicators["is_published"].astype(bool),
    })


def render_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def render_publishing(ctx: PageContext) -> None:
    """Choose the indicators donors may see; saving needs the publish right and is audit-logged."""
    st.subheader(_("Published indicators"))
    st.caption(_("Only published indicators appear in the public view (Home, Indicators, Map and their downloads). "
                 "Withdraw an indicator whose figures are not ready to be shared."))
    inds = cache.indicators(ctx.url, ctx.version)
    table = compute_publishing_table(inds)
    labels = dict(zip(table["code"], table["indicator"], strict=True))
    current = [c for c, p in zip(table["code"], table["published"], strict=True) if p]
    chosen = st.multiselect(_("Indicators in the public view"), list(labels), default=current, key="admin_published",
                            format_func=lambda c: f"{labels[c]} ({c})")
    pending = {c: c in chosen for c in labels if (c in chosen) != (c in current)}
    st.dataframe(table.rename(columns={k: _(v) for k, v in PUBLISHING_COLUMNS.items()}), hide_index=True,
                 width="stretch", key="admin_publishing")
    label = ngettext("Save publishing ({n} change)", "Save publishing ({n} changes)", len(pending)).format(
        n=format_number(len(pending)))
    if st.button(label, key="admin_publish_save", type="primary", disabled=not pending, icon=":material/publish:"):
        roles.require(ctx, "publish")
        changed = set_published(cache.engine(ctx.url), pending, ctx.access.actor)
        st.session_state[FLASH_KEY] = (ngettext(
            "Saved: {codes} is now as chosen in the public view.", "Saved: {codes} are now as chosen in the public view.",
            len(changed)).format(codes=", ".join(changed)) if changed else _("Nothing changed."))
        st.rerun()


def render_audit(ctx: PageContext, today: date) -> None:
    """The audit log with filters, and its download (CSV, formula-safe). Entries carry the clock's time, so
    the default span ends on the clock's UTC day even when the reporting date (``today``) is set earlier."""
    today = max(today, audit.utcnow().date())
    st.subheader(_("Audit log"))
    roles.require(ctx, "audit")
    engine = cache.engine(ctx.url)
    actions_logged = audit.fetch_actions(engine)
    c1, c2, c3 = st.columns([2, 2, 2])
    actions = c1.multiselect(_("What"), actions_logged, format_func=audit.action_label, key="admin_actions")
    actor = c2.text_input(_("Who (part of the name or e-mail)"), key="admin_actor", max_chars=120)
    span = c3.date_input(_("From – to (UTC)"), value=(today - timedelta(days=90), today), key="admin_span",
                         format="YYYY/MM/DD" if current() == DEFAULT else "DD.MM.YYYY")
    since, until = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
    frame = audit.fetch_audit(engine, actions=actions, actor=actor, since=since, until=until)
    total = audit.count_entries(engine)
    st.caption(ngettext("{n} entry (newest first; at most {limit}) of {total} in the log.",
                        "{n} entries (newest first; at most {limit}) of {total} in the log.", len(frame)).format(
        n=format_number(len(frame)), limit=format_number(5000), total=format_number(total)))
    st.dataframe(audit.compute_audit_table(frame), hide_index=True, width="stretch",
                 key="admin_audit_table")
    st.download_button(_("Download these entries (CSV)"), audit.build_audit_csv(frame),
                       exports.safe_file_name(f"mhpss_audit_{today:%Y%m%d}", "csv"), "text/csv",
                       key="dl_audit", icon=":material/download:", disabled=frame.empty)
