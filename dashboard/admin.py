"""The Admin page, for the tWG co-leads: which indicators the public sees (publishing) and the audit log.

:func:`set_published` is one transaction: the change, one audit entry per indicator and a new data
version (so every cached public page shows the change at once).
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, select

from dashboard import audit, cache, exports, roles, store
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


def compute_publishing_table(indicators: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "code": indicators["code"].astype("str"), "indicator": indicators["name"].astype("str"),
        "headline": indicators["is_headline"].astype(bool), "published": indicators["is_published"].astype(bool),
    })


def render_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def render_publishing(ctx: PageContext) -> None:
    """Choose the indicators donors may see; saving needs the publish right and is audit-logged."""
    st.subheader("Published indicators")
    st.caption("Only published indicators appear in the public view (Home, Indicators, Map and their downloads). "
               "Withdraw an indicator whose figures are not ready to be shared.")
    inds = cache.indicators(ctx.url, ctx.version)
    table = compute_publishing_table(inds)
    names = dict(zip(table["code"], table["indicator"], strict=True))
    current = [c for c, p in zip(table["code"], table["published"], strict=True) if p]
    chosen = st.multiselect("Indicators in the public view", list(names), default=current, key="admin_published",
                            format_func=lambda c: f"{names[c]} ({c})")
    pending = {c: c in chosen for c in names if (c in chosen) != (c in current)}
    st.dataframe(table, hide_index=True, width="stretch", key="admin_publishing")
    label = f"Save publishing ({len(pending)} change{'s' if len(pending) != 1 else ''})"
    if st.button(label, key="admin_publish_save", type="primary", disabled=not pending, icon=":material/publish:"):
        roles.require(ctx, "publish")
        changed = set_published(cache.engine(ctx.url), pending, ctx.access.actor)
        st.session_state[FLASH_KEY] = (f"Saved: {', '.join(changed)} {'is' if len(changed) == 1 else 'are'} now as "
                                       "chosen in the public view." if changed else "Nothing changed.")
        st.rerun()


def render_audit(ctx: PageContext, today: date) -> None:
    """The audit log with filters, and its download (CSV, formula-safe)."""
    st.subheader("Audit log")
    roles.require(ctx, "audit")
    engine = cache.engine(ctx.url)
    names = audit.fetch_actions(engine)
    c1, c2, c3 = st.columns([2, 2, 2])
    actions = c1.multiselect("What", names, format_func=lambda a: audit.ACTION_LABELS.get(a, a), key="admin_actions")
    actor = c2.text_input("Who (part of the name or e-mail)", key="admin_actor", max_chars=120)
    span = c3.date_input("From – to (UTC)", value=(today - timedelta(days=90), today), key="admin_span")
    since, until = (span[0], span[1]) if isinstance(span, tuple) and len(span) == 2 else (None, None)
    frame = audit.fetch_audit(engine, actions=actions, actor=actor, since=since, until=until)
    st.caption(f"{len(frame):,} entries (newest first; at most 5,000) of {audit.count_entries(engine):,} in the log.")
    st.dataframe(audit.compute_audit_table(frame), hide_index=True, width="stretch", key="admin_audit_table")
    st.download_button("Download these entries (CSV)", audit.build_audit_csv(frame),
                       exports.safe_file_name(f"mhpss_audit_{today:%Y%m%d}", "csv"), "text/csv",
                       key="dl_audit", icon=":material/download:", disabled=frame.empty)
