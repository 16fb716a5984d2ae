"""Writes of the data-quality workflow: the reporting plan and reviews of follow-up items.

Each function is one transaction that also writes an audit-log row and bumps the data version, so every
cached frame (and the Data quality page) shows the change at once. Bad input raises
:class:`QualityStoreError` with one sentence naming the field, in the current language; nothing is written
then. What is stored (review statuses, check names, item keys, audit-log details) is language-neutral.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, delete, select

from dashboard import store
from dashboard.i18n import _

MONTH_RE = re.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])$")
REVIEWED, OPEN = "reviewed", "open"
_CHECK_LEN = store.reviews.c.check_name.type.length or 40  # type: ignore[attr-defined]
_KEY_LEN = store.reviews.c.item_key.type.length or 255  # type: ignore[attr-defined]


class QualityStoreError(ValueError):
    """A reporting-plan entry or review the store cannot accept; the message names the field."""


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _audit(conn: Connection, actor: str | None, action: str, detail: str) -> None:
    conn.execute(store.audit_log.insert().values(at=_now(), actor=actor or "local user", action=action,
                                                 detail=detail))


def _month(value: str | None, end: bool = False) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if not MONTH_RE.match(text):
        message = (_("The end month must be a month like 2025-01, got {value}") if end else
                   _("The start month must be a month like 2025-01, got {value}"))
        raise QualityStoreError(message.format(value=repr(text[:40])))
    return text


def add_plan_entry(engine: Engine, organisation: str, month_from: str, month_to: str | None = None,
                   note: str | None = None, created_by: str | None = None) -> int:
    """List ``organisation`` (by name) as expected to report from ``month_from`` to ``month_to`` (empty:
    open-ended); return the entry's id."""
    start = _month(month_from)
    if start is None:
        raise QualityStoreError(_("The start month is required"))
    end = _month(month_to, end=True)
    if end is not None and end < start:
        raise QualityStoreError(_("The end month {end} is before the start month {start}").format(end=end,
                                                                                                 start=start))
    with engine.begin() as conn:
        org_id = conn.execute(select(store.organisations.c.id).where(store.organisations.c.name == organisation)
                              ).scalar()
        if org_id is None:
            raise QualityStoreError(_("Unknown organisation {name}").format(name=repr(organisation[:80])))
        entry = conn.execute(store.reporting_plan.insert().values(
            organisation_id=org_id, month_from=start, month_to=end, note=(note or "").strip() or None,
            created_at=_now(), created_by=created_by)).inserted_primary_key[0]  # type: ignore[index]
        _audit(conn, created_by, "reporting_plan.add", f"{organisation}: {start} to {end or 'open-ended'}")
        store.bump_data_version(conn)
    return int(entry)


def delete_plan_entry(engine: Engine, entry_id: int, actor: str | None = None) -> None:
    """Remove a reporting-plan entry."""
    plan = store.reporting_plan
    with engine.begin() as conn:
        removed = conn.execute(delete(plan).where(plan.c.id == int(entry_id))).rowcount
        if not removed:
            raise QualityStoreError(_("There is no reporting-plan entry {entry}").format(entry=entry_id))
        _audit(conn, actor, "reporting_plan.delete", f"entry {entry_id}")
        store.bump_data_version(conn)


def set_review(engine: Engine, check_name: str, item_key: str, status: str = REVIEWED, comment: str | None = None,
               reviewed_by: str | None = None) -> None:
    """Record that a follow-up item was reviewed (or reopened, ``status="open"``), with a comment.

    One row per (check, item): a later review replaces the earlier one.
    """
    if status not in (REVIEWED, OPEN):
        raise QualityStoreError(_("The review status must be {reviewed} or {open}, got {status}").format(
            reviewed=repr(REVIEWED), open=repr(OPEN), status=repr(status)))
    if not check_name or len(check_name) > _CHECK_LEN:
        raise QualityStoreError(_("The check name must have 1 to {limit} characters").format(limit=_CHECK_LEN))
    if not item_key or len(item_key) > _KEY_LEN:
        raise QualityStoreError(_("The item key must have 1 to {limit} characters").format(limit=_KEY_LEN))
    reviews = store.reviews
    values = {"status": status, "comment": (comment or "").strip() or None, "reviewed_by": reviewed_by,
              "reviewed_at": _now()}
    with engine.begin() as conn:
        where = (reviews.c.check_name == check_name) & (reviews.c.item_key == item_key)
        if conn.execute(reviews.update().where(where).values(**values)).rowcount == 0:
            conn.execute(reviews.insert().values(check_name=check_name, item_key=item_key, **values))
        _audit(conn, reviewed_by, f"review.{status}", f"{check_name}: {item_key}"
               + (f" — {values['comment']}" if values["comment"] else ""))
        store.bump_data_version(conn)
