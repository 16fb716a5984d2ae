"""Read path: filtered frames from the store. SQL lives here and nowhere else in the read path.

Only current facts are read (``replaced_by IS NULL``, batch committed). Column names of the returned
frames are the constants in :mod:`dashboard.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, Select, and_, func, select

from dashboard import columns as C
from dashboard import store
from dashboard.filters import AllowLists, Filters, Period

f, o, a, loc, ind, b = (store.facts, store.organisations, store.activities, store.locations, store.indicators,
                        store.import_batches)


def _fact_select() -> Select:  # type: ignore[type-arg]
    return (
        select(
            f.c.id.label(C.ID),
            ind.c.code.label(C.INDICATOR),
            o.c.name.label(C.ORGANISATION),
            o.c.org_type.label(C.ORG_TYPE),
            a.c.code.label(C.ACTIVITY),
            a.c.pyramid_layer.label(C.LAYER),
            loc.c.country.label(C.COUNTRY),
            loc.c.pcode.label(C.PCODE),
            loc.c.iso_code.label(C.ISO),
            loc.c.name_en.label(C.AREA),
            loc.c.admin_level.label(C.ADMIN_LEVEL),
            f.c.period_month.label(C.MONTH),
            f.c.period_start.label(C.PERIOD_START),
            f.c.period_end.label(C.PERIOD_END),
            f.c.sex.label(C.SEX),
            f.c.age_band.label(C.AGE),
            f.c.population_group.label(C.GROUP),
            f.c.disability.label(C.DISABILITY),
            f.c.value.label(C.VALUE),
            f.c.is_demo.label(C.IS_DEMO),
            f.c.source.label(C.SOURCE),
            f.c.note.label(C.NOTE),
            f.c.batch_id.label(C.BATCH),
        )
        .select_from(
            f.join(ind, f.c.indicator_id == ind.c.id)
            .join(o, f.c.organisation_id == o.c.id)
            .join(loc, f.c.location_id == loc.c.id)
            .outerjoin(a, f.c.activity_id == a.c.id)
            .join(b, f.c.batch_id == b.c.id)
        )
        .where(f.c.replaced_by.is_(None), b.c.status == "committed")
    )


def apply_filters(stmt: Select, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """Add the filters' WHERE clauses. The indicator filter is left out when ``with_indicator`` is False."""
    conds = []
    if period is not None:
        conds += [f.c.period_month >= period.start, f.c.period_month <= period.end]
    if filters.countries:
        conds.append(loc.c.country.in_(filters.countries))
    if filters.adm1:
        conds.append(loc.c.iso_code.in_(filters.adm1))
    if filters.organisations:
        conds.append(o.c.name.in_(filters.organisations))
    if filters.org_types:
        conds.append(o.c.org_type.in_(filters.org_types))
    if filters.activities:
        conds.append(a.c.code.in_(filters.activities))
    if filters.layers:
        conds.append(a.c.pyramid_layer.in_(filters.layers))
    if with_indicator and filters.indicator:
        conds.append(ind.c.code == filters.indicator)
    # A disaggregation filter keeps only rows reported for that value: rows not disaggregated on the
    # dimension ("all") cannot say how many were female, so they drop out.
    if filters.population_groups:
        conds.append(f.c.population_group.in_(filters.population_groups))
    if filters.sexes:
        conds.append(f.c.sex.in_(filters.sexes))
    if filters.age_bands:
        conds.append(f.c.age_band.in_(filters.age_bands))
    return stmt.where(and_(*conds)) if conds else stmt


def fetch_facts(engine: Engine, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> pd.DataFrame:
    """Current fact rows matching the filters, one row per report, sorted by month, indicator, org, area."""
    stmt = apply_filters(_fact_select(), filters, period, with_indicator=with_indicator)
    stmt = stmt.order_by(f.c.period_month, ind.c.sort_order, o.c.name, loc.c.pcode, f.c.id)
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    frame[C.VALUE] = frame[C.VALUE].astype(float)
    frame[C.IS_DEMO] = frame[C.IS_DEMO].astype(bool)
    frame[C.LAYER] = frame[C.LAYER].astype("Int64")
    for col in (C.PERIOD_START, C.PERIOD_END):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def fetch_indicators(engine: Engine) -> pd.DataFrame:
    """The indicator catalogue in display order."""
    stmt = select(ind).order_by(ind.c.sort_order, ind.c.code)
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_targets(engine: Engine) -> pd.DataFrame:
    """All targets with indicator code, area P-code/ISO/country (empty for overall targets) and year."""
    t = store.targets
    stmt = (
        select(ind.c.code.label(C.INDICATOR), loc.c.pcode.label(C.PCODE), loc.c.iso_code.label(C.ISO),
               loc.c.country.label(C.COUNTRY), loc.c.admin_level.label(C.ADMIN_LEVEL),
               t.c.period_start, t.c.period_end, t.c.value.label(C.TARGET), t.c.is_demo.label(C.IS_DEMO),
               t.c.source.label(C.SOURCE))
        .select_from(t.join(ind, t.c.indicator_id == ind.c.id).outerjoin(loc, t.c.location_id == loc.c.id))
    )
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["period_end"] = pd.to_datetime(frame["period_end"]).dt.date
    frame[C.TARGET] = frame[C.TARGET].astype(float)
    return frame


def fetch_events(engine: Engine) -> pd.DataFrame:
    """Events (meetings, forums, trainings, milestones) newest first."""
    e = store.events
    stmt = select(e).order_by(e.c.event_date.desc())
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["event_date"] = pd.to_datetime(frame["event_date"]).dt.date
    frame["end_date"] = pd.to_datetime(frame["end_date"]).dt.date
    frame["is_demo"] = frame["is_demo"].astype(bool)
    return frame


def fetch_organisations(engine: Engine) -> pd.DataFrame:
    stmt = select(o).order_by(o.c.name)
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["is_demo"] = frame["is_demo"].astype(bool)
    return frame


def fetch_locations(engine: Engine) -> pd.DataFrame:
    stmt = select(loc).order_by(loc.c.country, loc.c.admin_level, loc.c.name_en)
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_activities(engine: Engine) -> pd.DataFrame:
    stmt = select(a).order_by(a.c.code)
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_denominators(engine: Engine) -> pd.DataFrame:
    """Denominators with area codes, newest reference date first."""
    d = store.denominators
    stmt = (
        select(loc.c.pcode.label(C.PCODE), loc.c.iso_code.label(C.ISO), loc.c.country.label(C.COUNTRY),
               d.c.measure, d.c.population_group.label(C.GROUP), d.c.ref_date, d.c.value, d.c.source,
               d.c.is_demo.label(C.IS_DEMO))
        .select_from(d.join(loc, d.c.location_id == loc.c.id))
        .order_by(d.c.ref_date.desc())
    )
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_batches(engine: Engine) -> pd.DataFrame:
    """Import batches, newest first."""
    stmt = select(b).order_by(b.c.id.desc())
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_allow_lists(engine: Engine) -> AllowLists:
    """The values URL parameters may take."""
    with engine.connect() as conn:
        adm1 = {r[0] for r in conn.execute(select(loc.c.iso_code).where(loc.c.admin_level == 1))}
        orgs = {r[0] for r in conn.execute(select(o.c.name))}
        acts = {r[0] for r in conn.execute(select(a.c.code))}
        inds = {r[0] for r in conn.execute(select(ind.c.code))}
    return AllowLists(frozenset(adm1), frozenset(orgs), frozenset(acts), frozenset(inds))


@dataclass(frozen=True)
class Freshness:
    """How current the data is: last committed import, first and latest reported month, row counts."""

    last_import: datetime | None
    last_month: str | None
    first_month: str
    demo_rows: int
    rows: int
    data_version: int


def fetch_freshness(engine: Engine) -> Freshness:
    """Data freshness: last committed import, latest reported month, whether demo data is present."""
    with engine.connect() as conn:
        last_import = conn.execute(select(func.max(b.c.finished_at)).where(b.c.status == "committed")).scalar()
        last_month = conn.execute(select(func.max(f.c.period_month)).where(f.c.replaced_by.is_(None))).scalar()
        first_month = conn.execute(select(func.min(f.c.period_month)).where(f.c.replaced_by.is_(None))).scalar()
        demo_rows = conn.execute(select(func.count()).select_from(f).where(f.c.is_demo.is_(True))).scalar()
        rows = conn.execute(select(func.count()).select_from(f).where(f.c.replaced_by.is_(None))).scalar()
        version = store.read_data_version(conn)
    return Freshness(
        last_import=pd.Timestamp(last_import).to_pydatetime() if last_import is not None else None,
        last_month=last_month,
        first_month=first_month or "2022-03",
        demo_rows=int(demo_rows or 0),
        rows=int(rows or 0),
        data_version=version,
    )


def fetch_first_reports(engine: Engine, filters: Filters) -> pd.DataFrame:
    """First and last reported month per organisation (all time, other filters applied)."""
    stmt = apply_filters(
        select(o.c.name.label(C.ORGANISATION), o.c.org_type.label(C.ORG_TYPE), o.c.is_demo.label(C.IS_DEMO),
               func.min(f.c.period_month).label("first_month"), func.max(f.c.period_month).label("last_month"))
        .select_from(
            f.join(ind, f.c.indicator_id == ind.c.id).join(o, f.c.organisation_id == o.c.id)
            .join(loc, f.c.location_id == loc.c.id).outerjoin(a, f.c.activity_id == a.c.id)
            .join(b, f.c.batch_id == b.c.id))
        .where(f.c.replaced_by.is_(None), b.c.status == "committed"),
        filters, None, with_indicator=False,
    ).group_by(o.c.name, o.c.org_type, o.c.is_demo)
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_org_months(engine: Engine, filters: Filters, period: Period) -> pd.DataFrame:
    """Distinct (organisation, month) pairs with reports in ``period`` (indicator filter ignored)."""
    stmt = apply_filters(
        select(o.c.name.label(C.ORGANISATION), f.c.period_month.label(C.MONTH)).distinct()
        .select_from(
            f.join(ind, f.c.indicator_id == ind.c.id).join(o, f.c.organisation_id == o.c.id)
            .join(loc, f.c.location_id == loc.c.id).outerjoin(a, f.c.activity_id == a.c.id)
            .join(b, f.c.batch_id == b.c.id))
        .where(f.c.replaced_by.is_(None), b.c.status == "committed"),
        filters, period, with_indicator=False,
    )
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def last_meeting(events: pd.DataFrame, today: date) -> date | None:
    """Date of the latest held tWG meeting on or before ``today``."""
    held = events[(events["kind"] == "twg_meeting") & (events["event_date"] <= today) & (events["status"] == "held")]
    return None if held.empty else max(held["event_date"])


# --- data quality (issue 7): report arrivals, the reporting plan and reviews ---


def fetch_report_arrivals(engine: Engine, filters: Filters, period: Period) -> pd.DataFrame:
    """When each organisation's reports for each month arrived: organisation, month, batch_id and
    first_import (the batch's finished_at), one row per organisation × month × batch.

    Unlike the other reads this includes facts a newer report has replaced: timeliness is judged on the
    first report. Only committed batches count; the indicator filter is ignored.
    """
    stmt = apply_filters(
        select(o.c.name.label(C.ORGANISATION), f.c.period_month.label(C.MONTH), b.c.id.label(C.BATCH),
               func.min(b.c.finished_at).label("first_import"))
        .select_from(
            f.join(ind, f.c.indicator_id == ind.c.id).join(o, f.c.organisation_id == o.c.id)
            .join(loc, f.c.location_id == loc.c.id).outerjoin(a, f.c.activity_id == a.c.id)
            .join(b, f.c.batch_id == b.c.id))
        .where(b.c.status == "committed"),
        filters, period, with_indicator=False,
    ).group_by(o.c.name, f.c.period_month, b.c.id)
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["first_import"] = pd.to_datetime(frame["first_import"])
    return frame


def fetch_reporting_plan(engine: Engine) -> pd.DataFrame:
    """The reporting plan: id, organisation, month_from, month_to (empty: open-ended), note, created_at,
    created_by; by organisation and start month."""
    rp = store.reporting_plan
    stmt = (select(rp.c.id, o.c.name.label(C.ORGANISATION), rp.c.month_from, rp.c.month_to, rp.c.note,
                   rp.c.created_at, rp.c.created_by)
            .select_from(rp.join(o, rp.c.organisation_id == o.c.id))
            .order_by(o.c.name, rp.c.month_from, rp.c.id))
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_reviews(engine: Engine) -> pd.DataFrame:
    """Reviews of data-quality follow-up items: check_name, item_key, status, comment, reviewed_by,
    reviewed_at."""
    r = store.reviews
    stmt = select(r.c.check_name, r.c.item_key, r.c.status, r.c.comment, r.c.reviewed_by, r.c.reviewed_at)
    with engine.connect() as conn:
        return pd.read_sql(stmt.order_by(r.c.reviewed_at.desc()), conn)
