"""Import batches: the one write path for facts. Every import, refresh and seed is one batch in one
transaction; code columns (organisation name, indicator code, activity code, P-code) become ids here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Connection, select

from dashboard import store


def utcnow() -> datetime:
    """Naive UTC timestamp (what the store keeps)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Lookups:
    """Code → id maps read from the store."""

    organisations: dict[str, int]
    indicators: dict[str, int]
    activities: dict[str, int]
    locations: dict[str, int]

    @classmethod
    def read(cls, conn: Connection) -> "Lookups":
        def pairs(column_key: object, column_id: object) -> dict[str, int]:
            return {str(k): int(v) for k, v in conn.execute(select(column_key, column_id))}  # type: ignore[call-overload]

        return cls(
            organisations=pairs(store.organisations.c.name, store.organisations.c.id),
            indicators=pairs(store.indicators.c.code, store.indicators.c.id),
            activities=pairs(store.activities.c.code, store.activities.c.id),
            locations=pairs(store.locations.c.pcode, store.locations.c.id),
        )


def open_batch(
    conn: Connection,
    source: str,
    *,
    file_name: str | None = None,
    content_hash: str | None = None,
    is_demo: bool = False,
    created_by: str | None = None,
) -> int:
    """Insert a running batch row and return its id."""
    result = conn.execute(
        store.import_batches.insert().values(
            source=source,
            file_name=file_name,
            content_hash=content_hash,
            started_at=utcnow(),
            rows=0,
            status="running",
            messages="",
            is_demo=is_demo,
            created_by=created_by,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def close_batch(conn: Connection, batch_id: int, rows: int, messages: list[str] | None = None) -> None:
    """Mark a batch committed with its row count, and bump the data version (same transaction)."""
    conn.execute(
        store.import_batches.update()
        .where(store.import_batches.c.id == batch_id)
        .values(finished_at=utcnow(), rows=rows, status="committed", messages=json.dumps(messages or []))
    )
    store.bump_data_version(conn)


def insert_facts(
    conn: Connection, frame: pd.DataFrame, lookups: Lookups, batch_id: int | pd.Series, *, is_demo: bool
) -> int:
    """Insert facts given with codes (organisation, indicator, activity, location) under ``batch_id``
    (one id, or one per row as a Series aligned with ``frame``).

    Unknown codes raise ``KeyError`` naming the code: callers validate first, this is a last guard.
    """
    if frame.empty:
        return 0

    def ids(column: str, mapping: dict[str, int], required: bool = True) -> pd.Series:
        mapped = frame[column].map(mapping)
        missing = frame[column][mapped.isna() & frame[column].notna()]
        if len(missing) or (required and mapped.isna().any()):
            raise KeyError(f"unknown {column}: {sorted(set(map(str, missing)))[:5]}")
        return mapped.astype("Int64")

    out = pd.DataFrame(
        {
            "indicator_id": ids("indicator", lookups.indicators),
            "organisation_id": ids("organisation", lookups.organisations),
            "activity_id": ids("activity", lookups.activities, required=False),
            "location_id": ids("location", lookups.locations),
            "period_start": frame["period_start"].astype(str),
            "period_end": frame["period_end"].astype(str),
            "period_month": frame["period_month"],
            "sex": frame["sex"],
            "age_band": frame["age_band"],
            "population_group": frame["population_group"],
            "disability": frame["disability"],
            "value": frame["value"].astype(float),
            "batch_id": batch_id,
            "is_demo": is_demo,
        }
    )
    for optional in ("source", "note"):
        if optional in frame.columns:
            out[optional] = frame[optional]
    # Every id above came from Lookups read in this transaction: the foreign keys are already checked.
    return store.bulk_insert(conn, store.facts, out, keys_checked=True)
