"""The audit log: who did what, and when.

Written by every role-gated action: imports and rollbacks (``data_sources.importing``), refreshes of live
sources, reviews and reporting-plan changes (``dashboard.quality_store``), publishing indicators, row-level
downloads, refusals of signed-in people and sign-ins (here, through :func:`record`). Admins read it on the
Admin page (:func:`fetch_audit`) and download it (:func:`build_audit_csv`, formula-safe). Nothing here
imports streamlit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from dashboard import store
from dashboard.i18n import N_, _

#: Action code -> what people read (translated where shown; the log stores the codes).
ACTION_LABELS = {
    "import": N_("Import"), "rollback": N_("Rollback"), "refresh": N_("Refresh of a live source"),
    "publish": N_("Indicator published"), "unpublish": N_("Indicator withdrawn from the public view"),
    "export": N_("Download of report rows"), "denied": N_("Refused (not permitted)"), "sign_in": N_("Sign-in"),
    "review.reviewed": N_("Data-quality item reviewed"), "review.open": N_("Data-quality item reopened"),
    "reporting_plan.add": N_("Reporting plan entry added"), "reporting_plan.delete": N_("Reporting plan entry deleted"),
}
#: The audit table's headers, on screen and in its CSV (translated where built).
TABLE_COLUMNS = {"time": N_("time (UTC)"), "who": N_("who"), "what": N_("what"), "action": N_("action"),
                 "details": N_("details")}
COLUMNS = ["at", "actor", "action", "detail"]
_ACTOR_MAX, _ACTION_MAX, _DETAIL_MAX = 120, 60, 4000


def utcnow() -> datetime:
    """Now in UTC, without a time zone (as the store keeps times)."""
    return datetime.now(UTC).replace(tzinfo=None)


def record(target: Engine | Connection, actor: str | None, action: str, detail: str = "") -> None:
    """Write one entry. Given a connection it joins the caller's transaction (so the entry commits or
    rolls back with the change it records); given an engine it commits on its own."""
    row = {"at": utcnow(), "actor": (actor or "unknown")[:_ACTOR_MAX], "action": action[:_ACTION_MAX],
           "detail": (detail or "")[:_DETAIL_MAX]}
    if isinstance(target, Connection):
        target.execute(store.audit_log.insert().values(**row))
        return
    with target.begin() as conn:
        conn.execute(store.audit_log.insert().values(**row))


def fetch_audit(engine: Engine, *, actions: Sequence[str] = (), actor: str = "", since: date | None = None,
                until: date | None = None, limit: int = 5000) -> pd.DataFrame:
    """Entries newest first (at most ``limit``): at, actor, action, detail. ``actor`` matches any part of
    the name, ignoring case; ``since``/``until`` are inclusive days."""
    log = store.audit_log
    stmt = select(log.c.at, log.c.actor, log.c.action, log.c.detail)
    if actions:
        stmt = stmt.where(log.c.action.in_(list(actions)))
    if actor.strip():
        stmt = stmt.where(func.lower(log.c.actor).contains(actor.strip().lower(), autoescape=True))
    if since is not None:
        stmt = stmt.where(log.c.at >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        stmt = stmt.where(log.c.at < datetime.combine(until + timedelta(days=1), datetime.min.time()))
    stmt = stmt.order_by(log.c.at.desc(), log.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"])
    for col in ("actor", "action", "detail"):
        frame[col] = frame[col].astype("str")
    return frame


def fetch_actions(engine: Engine) -> list[str]:
    """Every action name in the log, for a filter."""
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(select(store.audit_log.c.action).distinct()))


def count_entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(store.audit_log)).scalar() or 0)


def action_label(action: str) -> str:
    """What an action code means, in the current language (the code itself when unknown)."""
    return _(ACTION_LABELS[action]) if action in ACTION_LABELS else action


def compute_audit_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The log as people read it, headers in the current language: time (UTC, ISO), who, what (label), the
    action code, details."""
    header = {key: _(text) for key, text in TABLE_COLUMNS.items()}
    return pd.DataFrame({
        header["time"]: frame["at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
        header["who"]: frame["actor"],
        header["what"]: frame["action"].map(action_label),
        header["action"]: frame["action"],
        header["details"]: frame["detail"],
    })


def build_audit_csv(frame: pd.DataFrame) -> bytes:
    """The log as UTF-8 CSV; text a spreadsheet would run as a formula gets a leading apostrophe."""
    from dashboard.exports import neutralise

    table = neutralise(compute_audit_table(frame))
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8")
