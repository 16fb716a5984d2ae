"""Seeding: the reference catalogue, the real reference facts and the synthetic demo dataset.

:func:`seed` is idempotent: catalogue rows are upserted by their natural keys, the reference facts are
rewritten only when their content changed, and the demo data is rebuilt from scratch (``rebuild_demo``) or
left alone. Each part runs in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, func, select, update

from dashboard import store
from dashboard.settings import Settings
from data_sources import catalogue, demo, reference
from data_sources.batches import Lookups, close_batch, insert_facts, open_batch, utcnow
from geo.admin import ADMIN_UNITS

log = logging.getLogger(__name__)

REFERENCE_SOURCE = "reference facts"
TRANSLATIONS_SCHEMA = 4  # the schema version that added the *_uk / *_pl catalogue columns
DEMO_SOURCE = "demo generator"


@dataclass(frozen=True)
class SeedSummary:
    reference_facts: int
    demo_facts: int
    demo_rebuilt: bool


def _upsert(conn: Connection, table: Table, key: str, rows: list[dict[str, object]]) -> None:
    existing = {row[0] for row in conn.execute(select(table.c[key]))}
    for row in rows:
        if row[key] in existing:
            values = {k: v for k, v in row.items() if k != key}
            conn.execute(update(table).where(table.c[key] == row[key]).values(**values))
        else:
            conn.execute(table.insert().values(**row))


def _translations(row: catalogue.Activity | catalogue.Indicator, table: str) -> dict[str, str | None]:
    """The ``*_uk`` / ``*_pl`` columns of a catalogue row; an empty translation is stored as NULL."""
    return {f"{name}_{lang}": getattr(row, f"{name}_{lang}") or None
            for name in catalogue.TRANSLATED_FIELDS[table] for lang in catalogue.LANGUAGES}


def seed_translations(conn: Connection) -> int:
    """Write the catalogue's Ukrainian and Polish texts onto the indicators and activities already stored
    (after the v4 upgrade of an existing database); other columns are left alone. Returns rows updated."""
    updated = 0
    for table, rows in ((store.activities, catalogue.ACTIVITIES), (store.indicators, catalogue.INDICATORS)):
        for item in rows:
            updated += conn.execute(update(table).where(table.c.code == item.code)
                                    .values(**_translations(item, table.name))).rowcount
    return updated


def seed_catalogue(conn: Connection) -> None:
    """Upsert locations, activities, indicators and the real organisations."""
    _upsert(conn, store.locations, "pcode", [
        {"pcode": u.pcode, "iso_code": u.iso, "country": u.country, "admin_level": u.level,
         "name_en": u.name_en, "name_local": u.name_local, "parent_pcode": u.parent, "lat": u.lat, "lon": u.lon}
        for u in ADMIN_UNITS
    ])
    _upsert(conn, store.activities, "code", [
        {"code": a.code, "name": a.name, "activity_group": a.group, "pyramid_layer": a.pyramid_layer,
         **_translations(a, "activities")}
        for a in catalogue.ACTIVITIES
    ])
    _upsert(conn, store.indicators, "code", [{**asdict(i), **_translations(i, "indicators")}
                                             for i in catalogue.INDICATORS])
    _upsert(conn, store.organisations, "name", [
        {"name": name, "acronym": acronym or None, "org_type": org_type, "is_demo": False}
        for name, acronym, org_type in reference.ORGANISATIONS
    ])


def _reference_hash() -> str:
    payload = json.dumps(
        [[asdict(x) for x in group] for group in (reference.FACTS, reference.EVENTS, reference.DENOMINATORS)],
        default=str, sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def seed_reference(conn: Connection) -> int:
    """Write the reference facts, events and denominators unless the same content is already stored."""
    digest = _reference_hash()
    batches = store.import_batches
    current = conn.execute(
        select(batches.c.id, batches.c.content_hash)
        .where(batches.c.source == REFERENCE_SOURCE, batches.c.status == "committed")
    ).all()
    if any(row.content_hash == digest for row in current):
        return 0
    old_ids = [row.id for row in current]
    if old_ids:
        conn.execute(delete(store.facts).where(store.facts.c.batch_id.in_(old_ids)))
        conn.execute(update(batches).where(batches.c.id.in_(old_ids)).values(status="superseded"))
    lookups = Lookups.read(conn)
    batch_id = open_batch(conn, REFERENCE_SOURCE, file_name="DESIGN.md reference facts", content_hash=digest)
    frame = pd.DataFrame([asdict(f) for f in reference.FACTS]).rename(columns={"location": "location"})
    frame["period_month"] = [d.strftime("%Y-%m") for d in frame["period_start"]]
    for column in ("sex", "age_band", "population_group", "disability"):
        frame[column] = "all"
    written = insert_facts(conn, frame, lookups, batch_id, is_demo=False)
    # Only the reference records are rewritten: events and denominators from imports or live sources stay.
    reference_sources = list(reference.SOURCES)
    conn.execute(delete(store.events).where(
        store.events.c.is_demo.is_(False), store.events.c.source.in_(reference_sources)))
    for ev in reference.EVENTS:
        conn.execute(store.events.insert().values(
            event_date=ev.event_date, end_date=ev.end_date, date_precision=ev.precision, title=ev.title,
            place=ev.place, kind=ev.kind, status=ev.status, source=ev.source, is_demo=False))
    conn.execute(delete(store.denominators).where(
        store.denominators.c.is_demo.is_(False), store.denominators.c.source.in_(reference_sources)))
    d = store.denominators
    for den in reference.DENOMINATORS:
        taken = conn.execute(select(d.c.id).where(
            d.c.location_id == lookups.locations[den.location], d.c.measure == den.measure,
            d.c.population_group == den.population_group, d.c.ref_date == den.ref_date)).first()
        if taken is not None:  # a live source already holds this figure: it wins
            continue
        conn.execute(store.denominators.insert().values(
            location_id=lookups.locations[den.location], measure=den.measure,
            population_group=den.population_group, ref_date=den.ref_date, value=den.value,
            source=den.source, is_demo=False))
    close_batch(conn, batch_id, written, [f"{written} reference facts, {len(reference.EVENTS)} events"])
    return written


def clear_demo(conn: Connection) -> None:
    """Delete every demo row (facts, targets, events, denominators, batches, unused demo organisations)."""
    demo_batches = select(store.import_batches.c.id).where(store.import_batches.c.is_demo.is_(True))
    conn.execute(delete(store.facts).where(store.facts.c.batch_id.in_(demo_batches)))
    conn.execute(delete(store.facts).where(store.facts.c.is_demo.is_(True)))
    for table in (store.targets, store.events, store.denominators):
        conn.execute(delete(table).where(table.c.is_demo.is_(True)))
    conn.execute(delete(store.import_batches).where(store.import_batches.c.is_demo.is_(True)))
    used = select(store.facts.c.organisation_id).distinct()
    conn.execute(delete(store.organisations).where(
        store.organisations.c.is_demo.is_(True), store.organisations.c.id.not_in(used)))


def seed_demo(conn: Connection, rows: int, today: date) -> int:
    """Generate the demo dataset: organisations, ``rows`` facts, targets, events and denominators."""
    clear_demo(conn)
    existing = {name for (name,) in conn.execute(select(store.organisations.c.name))}
    for org in demo.organisations():
        if org.name not in existing:
            conn.execute(store.organisations.insert().values(
                name=org.name, acronym=org.acronym, org_type=org.org_type, is_demo=True))
    lookups = Lookups.read(conn)
    batches = _DemoBatches(conn, today)
    written = 0
    totals: list[pd.DataFrame] = []
    for chunk in demo.fact_chunks(today, rows):
        written += insert_facts(conn, chunk, lookups, batches.ids_for(chunk), is_demo=True)
        chunk_year = chunk["period_month"].str.slice(0, 4).astype(int)
        totals.append(chunk.assign(year=chunk_year).groupby(
            ["indicator", "location", "year"], as_index=False)["value"].sum())
        log.info("demo facts written: %s", written)
    if totals:
        per_area = pd.concat(totals).groupby(["indicator", "location", "year"], as_index=False)["value"].sum()
        overall = per_area.groupby(["indicator", "year"], as_index=False)["value"].sum()
        overall["location"] = None
        combined = pd.concat([overall, per_area], ignore_index=True)
        # Unique-people targets are set against de-duplicated reach, which is well below the plain sum.
        unique = {i.code for i in catalogue.INDICATORS if i.aggregation == "unique_max"}
        combined.loc[combined["indicator"].isin(unique), "value"] *= 0.6
        targets = demo.targets_from_totals(combined, today)
        targets["indicator_id"] = targets["indicator"].map(lookups.indicators)
        targets["location_id"] = targets["location"].map(lookups.locations).astype("Int64")
        targets["is_demo"] = True
        targets["source"] = "demo target"
        store.bulk_insert(conn, store.targets, targets[
            ["indicator_id", "location_id", "period_start", "period_end", "value", "source", "is_demo"]])
    events = demo.events(today)
    for ev in events.itertuples(index=False):
        conn.execute(store.events.insert().values(
            event_date=ev.event_date, title=ev.title, place=ev.place, kind=ev.kind, status=ev.status,
            date_precision="day", source="demo", is_demo=True))
    admin1 = [u.pcode for u in ADMIN_UNITS if u.level == 1]
    dens = demo.denominators(admin1, today)
    for den in dens.itertuples(index=False):
        conn.execute(store.denominators.insert().values(
            location_id=lookups.locations[den.location], measure=den.measure,
            population_group=den.population_group, ref_date=den.ref_date, value=den.value,
            source="demo estimate", is_demo=True))
    batches.close()
    return written


class _DemoBatches:
    """One committed import batch per organisation and month, as if each partner sent a monthly 4W file.

    Each organisation has its own punctuality: most reports arrive 3–14 days after the month ends, a few
    organisations are often late (after the 15th). Batches are never dated after ``today``.
    """

    def __init__(self, conn: Connection, today: date) -> None:
        self.conn = conn
        self.now = min(datetime.combine(today, time(18, 0)), utcnow())
        self.ids: dict[tuple[str, str], int] = {}
        self.rng = np.random.default_rng(demo.SEED + 5)
        self.lateness: dict[str, float] = {}

    def ids_for(self, chunk: pd.DataFrame) -> pd.Series:
        keys = pd.MultiIndex.from_frame(chunk[["organisation", "period_month"]])
        for org, month in keys.unique():
            if (org, month) not in self.ids:
                self.ids[(org, month)] = self._open(str(org), str(month))
        lookup = pd.Series(self.ids)
        return pd.Series(lookup.reindex(keys).to_numpy(), index=chunk.index)

    def _open(self, org: str, month: str) -> int:
        mean_delay = self.lateness.setdefault(org, 22.0 if self.rng.random() < 0.15 else 8.0)
        month_end = (pd.Timestamp(f"{month}-01") + pd.offsets.MonthEnd(0)).to_pydatetime()
        delay = timedelta(days=float(self.rng.gamma(4.0, mean_delay / 4.0)), hours=float(self.rng.uniform(8, 18)))
        finished = min(month_end + delay, self.now)
        result = self.conn.execute(store.import_batches.insert().values(
            source=DEMO_SOURCE, file_name=f"{org} 4W report {month}.xlsx", content_hash=None,
            started_at=finished - timedelta(minutes=2), finished_at=finished, rows=0, status="committed",
            messages="[]", is_demo=True, created_by="demo generator"))
        return int(result.inserted_primary_key[0])  # type: ignore[index]

    def close(self) -> None:
        """Record each batch's row count and bump the data version once."""
        b, f = store.import_batches, store.facts
        counts = select(func.count()).where(f.c.batch_id == b.c.id).scalar_subquery()
        self.conn.execute(update(b).where(b.c.is_demo.is_(True)).values(rows=counts))
        store.bump_data_version(self.conn)


def has_demo(conn: Connection) -> bool:
    """True when a demo batch is stored."""
    count = conn.execute(
        select(func.count()).select_from(store.import_batches).where(store.import_batches.c.is_demo.is_(True))
    ).scalar_one()
    return bool(count)


def seed(engine: Engine, rows: int, *, today: date | None = None, rebuild_demo: bool = True) -> SeedSummary:
    """Create or upgrade the schema, then write the catalogue, reference facts and (re)build demo data."""
    store.upgrade(engine)
    today = today or date.today()
    with engine.begin() as conn:
        seed_catalogue(conn)
        reference_written = seed_reference(conn)
        store.bump_data_version(conn)
    demo_written = 0
    rebuilt = False
    with engine.begin() as conn:
        if rebuild_demo or not has_demo(conn):
            demo_written = seed_demo(conn, rows, today) if rows > 0 else 0
            if rows == 0:
                clear_demo(conn)
            rebuilt = True
    if demo_written:
        store.refresh_statistics(engine)
    return SeedSummary(reference_written, demo_written, rebuilt)


def ensure_seeded(settings: Settings) -> bool:
    """First-run set-up for the app: upgrade the schema and seed an empty database. True if it seeded."""
    engine = store.get_engine(settings.database_url)
    try:
        found = store.upgrade(engine)
        with engine.connect() as conn:
            empty = store.is_empty(conn)
        if empty:
            seed(engine, settings.seed_rows, today=settings.current_date())
        elif 0 < found < TRANSLATIONS_SCHEMA:
            # An existing database just gained the translation columns: fill them, so Ukrainian and Polish
            # readers get the catalogue's names without waiting for the next seed.
            with engine.begin() as conn:
                seed_translations(conn)
                store.bump_data_version(conn)
        return empty
    finally:
        engine.dispose()
