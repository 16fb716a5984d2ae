"""Read path: filtered frames from the store. SQL lives here and nowhere else in the read path.

Only current facts are read (``replaced_by IS NULL``, batch committed). Column names of the returned
frames are the constants in :mod:`dashboard.columns`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Float,
    FromClause,
    Integer,
    Join,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    false,
    func,
    or_,
    select,
    table,
    type_coerce,
)

from dashboard import columns as C
from dashboard import store
from dashboard.filters import AllowLists, Filters, Period
from dashboard.vocab import ALL

f, o, a, loc, ind, b = (store.facts, store.organisations, store.activities, store.locations, store.indicators,
                        store.import_batches)


def current_facts() -> list[ColumnElement[bool]]:
    """The facts every read counts: current (not replaced) rows of committed import batches."""
    return [f.c.replaced_by.is_(None), f.c.batch_id.in_(select(b.c.id).where(b.c.status == "committed"))]


def adm1_of(area: FromClause, parent: FromClause) -> ColumnElement[str]:
    """The ISO code of the admin-1 area a location is in (itself for an admin-1 area); ``parent`` is the
    locations table joined on the area's parent P-code."""
    return case((area.c.admin_level == 1, area.c.iso_code), else_=parent.c.iso_code)


def apply_filters(stmt: Select, filters: Filters, period: Period | None, *, with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """Add the filters' WHERE clauses. The indicator filter is left out when ``with_indicator`` is False."""
    conds = []
    if period is not None:
        conds += [f.c.period_month >= period.start, f.c.period_month <= period.end]
    if filters.countries:
        conds.append(loc.c.country.in_(filters.countries))
    if filters.adm1:  # an admin-1 area includes the admin-2 areas inside it
        parent = loc.alias("parent_area")
        conds.append(loc.c.iso_code.in_(filters.adm1) | loc.c.parent_pcode.in_(
            select(parent.c.pcode).where(parent.c.iso_code.in_(filters.adm1))))
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
    """Current fact rows matching the filters, one row per report, sorted by month, indicator, org, area.

    The facts table is read alone (ids, codes and values) and the small dimension tables are joined in
    pandas: several times faster than a wide SQL join on millions of rows, with the same result.
    """
    with engine.connect() as conn:
        dims = _Dimensions.read(conn)
        stmt = lean_facts_select(*fact_conditions(filters, period, with_indicator=with_indicator))
        # The driver's own tuples: building SQLAlchemy Row objects (which pandas then probes attribute by
        # attribute) costs more than the query. Every column is converted explicitly below.
        rows = conn.execute(stmt).cursor.fetchall()  # type: ignore[attr-defined]
    raw = pd.DataFrame(rows, columns=_RAW_COLUMNS)
    return _with_dimensions(raw, dims)


_RAW_COLUMNS = [C.ID, "indicator_id", "organisation_id", "activity_id", "location_id", C.MONTH, C.PERIOD_START,
                C.PERIOD_END, C.SEX, C.AGE, C.GROUP, C.DISABILITY, C.VALUE, C.IS_DEMO, C.SOURCE, C.NOTE, C.BATCH]


def lean_facts_select(*conds: ColumnElement[bool]) -> Select:  # type: ignore[type-arg]
    """Current facts of committed batches matching ``conds``, from the facts table alone (ids, codes, values):
    columns :data:`_RAW_COLUMNS`. The dimensions are added in pandas (:func:`_with_dimensions`)."""
    return select(
        f.c.id, f.c.indicator_id, f.c.organisation_id, f.c.activity_id, f.c.location_id, f.c.period_month,
        type_coerce(f.c.period_start, String), type_coerce(f.c.period_end, String), f.c.sex, f.c.age_band,
        f.c.population_group, f.c.disability, f.c.value, f.c.is_demo, f.c.source, f.c.note, f.c.batch_id,
    ).where(*current_facts(), *conds)


def read_dimensions(conn: Connection) -> _Dimensions:
    return _Dimensions.read(conn)


def flat_from_lean(rows: Sequence[Any], dims: _Dimensions) -> pd.DataFrame:
    """Rows of :func:`lean_facts_select` as the flat view (:data:`FLAT_COLUMNS`), unsorted."""
    raw = pd.DataFrame(rows, columns=_RAW_COLUMNS)
    out = _with_dimensions(raw, dims, sort=False)
    locs = dims.locations
    iso_by_pcode = locs.set_index("pcode")["iso_code"]
    adm1 = locs["iso_code"].where(locs["admin_level"] == 1, locs["parent_pcode"].map(iso_by_pcode))
    out[ADM1] = raw["location_id"].map(adm1).astype("str")
    out[ORDER] = raw["indicator_id"].map(dims.indicators["sort_order"]).astype("int64")
    return out[FLAT_COLUMNS]


@dataclass(frozen=True)
class _Dimensions:
    """The small dimension tables, indexed by id."""

    indicators: pd.DataFrame
    organisations: pd.DataFrame
    activities: pd.DataFrame
    locations: pd.DataFrame

    @classmethod
    def read(cls, conn: Connection) -> _Dimensions:
        def frame(stmt: Select) -> pd.DataFrame:  # type: ignore[type-arg]
            result = conn.execute(stmt)
            return pd.DataFrame(result.all(), columns=list(result.keys())).set_index("id")

        return cls(
            frame(select(ind.c.id, ind.c.code, ind.c.sort_order)),
            frame(select(o.c.id, o.c.name, o.c.org_type)),
            frame(select(a.c.id, a.c.code, a.c.pyramid_layer)),
            frame(select(loc.c.id, loc.c.country, loc.c.pcode, loc.c.iso_code, loc.c.name_en, loc.c.admin_level,
                         loc.c.parent_pcode)),
        )


def fact_conditions(filters: Filters, period: Period | None, *,
                    with_indicator: bool = True) -> list[ColumnElement[bool]]:
    """The filters as WHERE clauses on the facts table alone: a dimension filter becomes a condition on the
    dimension's id (the same rows as :func:`flat_conditions` on the flat view)."""
    conds: list[ColumnElement[bool]] = []
    if period is not None:
        conds += [f.c.period_month >= period.start, f.c.period_month <= period.end]
    if filters.countries:
        conds.append(f.c.location_id.in_(select(loc.c.id).where(loc.c.country.in_(filters.countries))))
    if filters.adm1:  # an admin-1 area includes the admin-2 areas inside it
        parent = loc.alias("parent_area")
        conds.append(f.c.location_id.in_(
            select(loc.c.id).select_from(loc.outerjoin(parent, loc.c.parent_pcode == parent.c.pcode))
            .where(adm1_of(loc, parent).in_(filters.adm1))))
    if filters.organisations:
        conds.append(f.c.organisation_id.in_(select(o.c.id).where(o.c.name.in_(filters.organisations))))
    if filters.org_types:
        conds.append(f.c.organisation_id.in_(select(o.c.id).where(o.c.org_type.in_(filters.org_types))))
    if filters.activities:
        conds.append(f.c.activity_id.in_(select(a.c.id).where(a.c.code.in_(filters.activities))))
    if filters.layers:
        conds.append(f.c.activity_id.in_(select(a.c.id).where(a.c.pyramid_layer.in_(filters.layers))))
    if with_indicator and filters.indicator:
        conds.append(f.c.indicator_id.in_(select(ind.c.id).where(ind.c.code == filters.indicator)))
    # A disaggregation filter keeps only rows reported for that value: rows not disaggregated on the
    # dimension ("all") cannot say how many were female, so they drop out.
    if filters.population_groups:
        conds.append(f.c.population_group.in_(filters.population_groups))
    if filters.sexes:
        conds.append(f.c.sex.in_(filters.sexes))
    if filters.age_bands:
        conds.append(f.c.age_band.in_(filters.age_bands))
    return conds


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("str").str.slice(0, 10), format="%Y-%m-%d").dt.date


def _with_dimensions(raw: pd.DataFrame, dims: _Dimensions, *, sort: bool = True) -> pd.DataFrame:
    """Add the dimension columns to raw fact rows, type them and sort them like the reports are listed."""
    inds, orgs, acts, locs = dims.indicators, dims.organisations, dims.activities, dims.locations
    ind_id, org_id, act_id, loc_id = (raw["indicator_id"], raw["organisation_id"], raw["activity_id"],
                                      raw["location_id"])
    out = pd.DataFrame({
        C.ID: raw[C.ID].astype("int64"),
        C.INDICATOR: ind_id.map(inds["code"]).astype("str"),
        C.ORGANISATION: org_id.map(orgs["name"]).astype("str"),
        C.ORG_TYPE: org_id.map(orgs["org_type"]).astype("str"),
        C.ACTIVITY: act_id.map(acts["code"]).astype("str"),
        C.LAYER: act_id.map(acts["pyramid_layer"]).astype("Int64"),
        C.COUNTRY: loc_id.map(locs["country"]).astype("str"),
        C.PCODE: loc_id.map(locs["pcode"]).astype("str"),
        C.ISO: loc_id.map(locs["iso_code"]).astype("str"),
        C.AREA: loc_id.map(locs["name_en"]).astype("str"),
        C.ADMIN_LEVEL: loc_id.map(locs["admin_level"]).astype("int64"),
        C.MONTH: raw[C.MONTH].astype("str"),
        C.PERIOD_START: _dates(raw[C.PERIOD_START]),
        C.PERIOD_END: _dates(raw[C.PERIOD_END]),
        C.SEX: raw[C.SEX].astype("str"),
        C.AGE: raw[C.AGE].astype("str"),
        C.GROUP: raw[C.GROUP].astype("str"),
        C.DISABILITY: raw[C.DISABILITY].astype("str"),
        C.VALUE: raw[C.VALUE].astype(float),
        C.IS_DEMO: raw[C.IS_DEMO].astype(bool),
        C.SOURCE: raw[C.SOURCE].astype(object),
        C.NOTE: raw[C.NOTE].astype(object),
        C.BATCH: raw[C.BATCH].astype("int64"),
    })
    if not sort:
        return out
    out["_order"] = ind_id.map(inds["sort_order"]).to_numpy()
    out = out.sort_values([C.MONTH, "_order", C.ORGANISATION, C.PCODE, C.ID], ignore_index=True)
    return out.drop(columns="_order")


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


def encode_freshness(fresh: Freshness) -> str:
    """``fresh`` as JSON (the figures from the facts; not the data version)."""
    return json.dumps({"last_import": fresh.last_import.isoformat() if fresh.last_import else None,
                       "last_month": fresh.last_month, "first_month": fresh.first_month,
                       "demo_rows": fresh.demo_rows, "rows": fresh.rows})


def decode_freshness(text: str) -> Freshness:
    """What :func:`encode_freshness` wrote (data version 0: the caller sets it); ValueError, KeyError or TypeError
    when the text is not that."""
    data = json.loads(text)
    return Freshness(
        last_import=datetime.fromisoformat(data["last_import"]) if data["last_import"] is not None else None,
        last_month=None if data["last_month"] is None else str(data["last_month"]),
        first_month=str(data["first_month"]), demo_rows=int(data["demo_rows"]), rows=int(data["rows"]),
        data_version=0,
    )


def _facts_with_dimensions() -> Join:
    """Facts joined to every table a filter can name (for the small aggregate reads below)."""
    return (f.join(ind, f.c.indicator_id == ind.c.id).join(o, f.c.organisation_id == o.c.id)
            .join(loc, f.c.location_id == loc.c.id).outerjoin(a, f.c.activity_id == a.c.id)
            .join(b, f.c.batch_id == b.c.id))


def fetch_first_reports(engine: Engine, filters: Filters) -> pd.DataFrame:
    """First and last reported month per organisation (all time, other filters applied)."""
    stmt = apply_filters(
        select(o.c.name.label(C.ORGANISATION), o.c.org_type.label(C.ORG_TYPE), o.c.is_demo.label(C.IS_DEMO),
               func.min(f.c.period_month).label("first_month"), func.max(f.c.period_month).label("last_month"))
        .select_from(_facts_with_dimensions())
        .where(f.c.replaced_by.is_(None), b.c.status == "committed"),
        filters, None, with_indicator=False,
    ).group_by(o.c.name, o.c.org_type, o.c.is_demo)
    with engine.connect() as conn:
        return pd.read_sql(stmt, conn)


def fetch_org_months(engine: Engine, filters: Filters, period: Period) -> pd.DataFrame:
    """Distinct (organisation, month) pairs with reports in ``period`` (indicator filter ignored)."""
    stmt = apply_filters(
        select(o.c.name.label(C.ORGANISATION), f.c.period_month.label(C.MONTH)).distinct()
        .select_from(_facts_with_dimensions())
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
    # The facts table alone grouped by ids, then the names and batches joined to the groups: the same rows as
    # grouping the facts joined to every dimension (SQLite, 1M rows: 1.3 s → 0.8 s over five years).
    arrived = (select(f.c.organisation_id, f.c.period_month, f.c.batch_id)
               .where(*fact_conditions(filters, period, with_indicator=False))
               .group_by(f.c.organisation_id, f.c.period_month, f.c.batch_id).subquery("arrived"))
    stmt = (select(o.c.name.label(C.ORGANISATION), arrived.c.period_month.label(C.MONTH), b.c.id.label(C.BATCH),
                   b.c.finished_at.label("first_import"))
            .select_from(arrived.join(o, arrived.c.organisation_id == o.c.id).join(b, arrived.c.batch_id == b.c.id))
            .where(b.c.status == "committed"))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["first_import"] = pd.to_datetime(frame["first_import"])
    return frame


def fetch_arrival_cells(engine: Engine) -> pd.DataFrame:
    """Every committed batch's reports (replaced ones included) per organisation, month, area and activity:
    organisation, org_type, month, batch_id, first_import, country, adm1, activity, pyramid_layer. A few
    hundred thousand rows at ten million facts, from which :func:`compute_report_arrivals` answers any filter
    but a breakdown value's without reading the facts again."""
    parent = loc.alias("parent_area")
    cells = (select(f.c.organisation_id, f.c.period_month, f.c.batch_id, f.c.location_id, f.c.activity_id)
             .group_by(f.c.organisation_id, f.c.period_month, f.c.batch_id, f.c.location_id, f.c.activity_id)
             .subquery("cells"))
    stmt = (select(o.c.name.label(C.ORGANISATION), o.c.org_type.label(C.ORG_TYPE),
                   cells.c.period_month.label(C.MONTH), b.c.id.label(C.BATCH), b.c.finished_at.label("first_import"),
                   loc.c.country.label(C.COUNTRY), adm1_of(loc, parent).label(ADM1), a.c.code.label(C.ACTIVITY),
                   a.c.pyramid_layer.label(C.LAYER))
            .select_from(cells.join(o, cells.c.organisation_id == o.c.id).join(b, cells.c.batch_id == b.c.id)
                         .join(loc, cells.c.location_id == loc.c.id)
                         .outerjoin(parent, loc.c.parent_pcode == parent.c.pcode)
                         .outerjoin(a, cells.c.activity_id == a.c.id))
            .where(b.c.status == "committed"))
    with engine.connect() as conn:
        frame = pd.read_sql(stmt, conn)
    frame["first_import"] = pd.to_datetime(frame["first_import"])
    return frame


def arrival_cells_answer(filters: Filters) -> bool:
    """Whether :func:`compute_report_arrivals` can answer ``filters``: any but a breakdown value's (population
    group, sex, age band), which keeps only the reports disaggregated on it."""
    return not (filters.population_groups or filters.sexes or filters.age_bands)


def compute_report_arrivals(cells: pd.DataFrame, filters: Filters, period: Period) -> pd.DataFrame:
    """:func:`fetch_report_arrivals` from the arrival cells (:func:`fetch_arrival_cells`) when
    :func:`arrival_cells_answer` (the indicator is ignored, as there)."""
    if not arrival_cells_answer(filters):
        raise ValueError("the arrival cells cannot answer a filter on a breakdown value")
    keep = (cells[C.MONTH] >= period.start) & (cells[C.MONTH] <= period.end)
    for name, key in (("countries", C.COUNTRY), ("adm1", ADM1), ("organisations", C.ORGANISATION),
                      ("org_types", C.ORG_TYPE), ("activities", C.ACTIVITY), ("layers", C.LAYER)):
        chosen = getattr(filters, name)
        if chosen:
            keep &= cells[key].isin(list(chosen))
    columns = [C.ORGANISATION, C.MONTH, C.BATCH, "first_import"]
    return cells.loc[keep, columns].drop_duplicates([C.ORGANISATION, C.MONTH, C.BATCH]).reset_index(drop=True)


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


# --- the flat fact view: one wide row per current fact, for the snapshot and for SQL pushed down -------------
#
# Every read the pages make can be written against this view: the snapshot (dashboard/snapshot.py) stores it
# as a Parquet file and runs these statements in DuckDB; with MHPSS_READ_PATH=database the same statements run
# in the configured database against :func:`flat_select` (the facts joined to their dimensions).

ADM1 = "adm1_iso"  # ISO code of the admin-1 area a fact's location is in (itself for admin-1 areas)
ORDER = "ind_order"  # the indicator's display order
FLAT_TYPES: dict[str, type] = {
    C.ID: Integer, C.INDICATOR: String, ORDER: Integer, C.ORGANISATION: String, C.ORG_TYPE: String,
    C.ACTIVITY: String, C.LAYER: Integer, C.COUNTRY: String, C.PCODE: String, C.ISO: String, ADM1: String,
    C.AREA: String, C.ADMIN_LEVEL: Integer, C.MONTH: String, C.PERIOD_START: Date, C.PERIOD_END: Date,
    C.SEX: String, C.AGE: String, C.GROUP: String, C.DISABILITY: String, C.VALUE: Float, C.IS_DEMO: Boolean,
    C.SOURCE: String, C.NOTE: String, C.BATCH: Integer,
}
FLAT_COLUMNS = list(FLAT_TYPES)
#: The grain every indicator rule needs (see dashboard.indicators.compute_total): sums at this grain give the
#: same totals, by any rule, as the fact rows themselves.
CUBE_KEYS = [C.INDICATOR, ORDER, C.ORGANISATION, C.ORG_TYPE, C.ACTIVITY, C.LAYER, C.COUNTRY, C.PCODE, C.ISO,
             C.AREA, C.ADMIN_LEVEL, C.MONTH, C.GROUP, C.SOURCE]
ROWS = "rows"  # number of fact rows behind an aggregated row

flat_table = table("flat", *(column(name, type_()) for name, type_ in FLAT_TYPES.items()))
#: The snapshot's pre-aggregated companion: the flat view already summed at :data:`CUBE_KEYS` (with the
#: admin-1 code for the area filter), so reads without a sex, age or disability breakdown scan a tenth of the rows.
CUBE_COLUMNS = [*CUBE_KEYS, ADM1, C.VALUE, C.IS_DEMO, ROWS]
cube_table = table("cube", *(column(name, (FLAT_TYPES.get(name) or Integer)()) for name in CUBE_COLUMNS))
#: What the pre-aggregated cube cannot answer: these filters and breakdowns need the report rows.
NOT_IN_CUBE = (C.SEX, C.AGE, C.DISABILITY)
#: The same cube kept in the database for ``MHPSS_READ_PATH=database`` (see :func:`cube_build_stmt`).
database_cube = store.fact_cube
assert list(database_cube.c.keys()) == CUBE_COLUMNS


def is_cube(source: FromClause) -> bool:
    """True for a pre-aggregated source (the snapshot's cube file or the database's cube table)."""
    return source is cube_table or source is database_cube


def cube_build_stmt() -> Select:  # type: ignore[type-arg]
    """The rows of :data:`database_cube` (columns :data:`CUBE_COLUMNS`) in month and indicator order: the flat
    view summed at :data:`CUBE_KEYS`. The facts are first summed by their dimension ids (every key column is
    fixed by an id, the month, the population group and the source), and only those sums are joined to the
    dimension tables: a join of the aggregate, not of every fact row."""
    keys = (f.c.indicator_id, f.c.organisation_id, f.c.activity_id, f.c.location_id, f.c.period_month,
            f.c.population_group, f.c.source)
    summed = (select(*keys, func.sum(f.c.value).label(C.VALUE),
                     func.max(cast(f.c.is_demo, Integer)).label(C.IS_DEMO), func.count().label(ROWS))
              .where(*current_facts())
              .group_by(*keys).subquery("summed"))
    parent = loc.alias("parent_area")
    adm1 = adm1_of(loc, parent)
    return (
        select(ind.c.code.label(C.INDICATOR), ind.c.sort_order.label(ORDER), o.c.name.label(C.ORGANISATION),
               o.c.org_type.label(C.ORG_TYPE), a.c.code.label(C.ACTIVITY), a.c.pyramid_layer.label(C.LAYER),
               loc.c.country.label(C.COUNTRY), loc.c.pcode.label(C.PCODE), loc.c.iso_code.label(C.ISO),
               loc.c.name_en.label(C.AREA), loc.c.admin_level.label(C.ADMIN_LEVEL),
               summed.c.period_month.label(C.MONTH), summed.c.population_group.label(C.GROUP),
               summed.c.source.label(C.SOURCE), adm1.label(ADM1), summed.c[C.VALUE], summed.c[C.IS_DEMO],
               summed.c[ROWS])
        .select_from(summed.join(ind, summed.c.indicator_id == ind.c.id)
                     .join(o, summed.c.organisation_id == o.c.id).join(loc, summed.c.location_id == loc.c.id)
                     .outerjoin(a, summed.c.activity_id == a.c.id)
                     .outerjoin(parent, loc.c.parent_pcode == parent.c.pcode))
        .order_by(summed.c.period_month, ind.c.sort_order)
    )


def flat_select() -> Select:  # type: ignore[type-arg]
    """The flat view as SQL over the store's tables: current facts of committed batches with their
    dimension columns (labels as :data:`FLAT_COLUMNS`)."""
    parent = loc.alias("parent_area")
    adm1 = adm1_of(loc, parent)
    return (
        select(f.c.id.label(C.ID), ind.c.code.label(C.INDICATOR), ind.c.sort_order.label(ORDER),
               o.c.name.label(C.ORGANISATION), o.c.org_type.label(C.ORG_TYPE), a.c.code.label(C.ACTIVITY),
               a.c.pyramid_layer.label(C.LAYER), loc.c.country.label(C.COUNTRY), loc.c.pcode.label(C.PCODE),
               loc.c.iso_code.label(C.ISO), adm1.label(ADM1), loc.c.name_en.label(C.AREA),
               loc.c.admin_level.label(C.ADMIN_LEVEL), f.c.period_month.label(C.MONTH),
               f.c.period_start.label(C.PERIOD_START), f.c.period_end.label(C.PERIOD_END), f.c.sex.label(C.SEX),
               f.c.age_band.label(C.AGE), f.c.population_group.label(C.GROUP),
               f.c.disability.label(C.DISABILITY), f.c.value.label(C.VALUE), f.c.is_demo.label(C.IS_DEMO),
               f.c.source.label(C.SOURCE), f.c.note.label(C.NOTE), f.c.batch_id.label(C.BATCH))
        .select_from(f.join(ind, f.c.indicator_id == ind.c.id).join(o, f.c.organisation_id == o.c.id)
                     .join(loc, f.c.location_id == loc.c.id).outerjoin(a, f.c.activity_id == a.c.id)
                     .outerjoin(parent, loc.c.parent_pcode == parent.c.pcode))
        .where(*current_facts())
    )


def flat_conditions(flat: FromClause, filters: Filters, period: Period | None, *,
                    with_indicator: bool = True) -> list[ColumnElement[bool]]:
    """The filters as WHERE clauses on the flat view (the same rules as :func:`apply_filters`)."""
    c = flat.c
    conds: list[ColumnElement[bool]] = []
    if period is not None:
        conds += [c[C.MONTH] >= period.start, c[C.MONTH] <= period.end]
    if filters.countries:
        conds.append(c[C.COUNTRY].in_(filters.countries))
    if filters.adm1:  # an admin-1 area includes the admin-2 areas inside it
        conds.append(c[ADM1].in_(filters.adm1))
    if filters.organisations:
        conds.append(c[C.ORGANISATION].in_(filters.organisations))
    if filters.org_types:
        conds.append(c[C.ORG_TYPE].in_(filters.org_types))
    if filters.activities:
        conds.append(c[C.ACTIVITY].in_(filters.activities))
    if filters.layers:
        conds.append(c[C.LAYER].in_(filters.layers))
    if with_indicator and filters.indicator:
        conds.append(c[C.INDICATOR] == filters.indicator)
    # A disaggregation filter keeps only rows reported for that value (see apply_filters).
    if filters.population_groups:
        conds.append(c[C.GROUP].in_(filters.population_groups))
    if filters.sexes:
        conds.append(c[C.SEX].in_(filters.sexes))
    if filters.age_bands:
        conds.append(c[C.AGE].in_(filters.age_bands))
    return conds


LISTING_ORDER = [C.MONTH, ORDER, C.ORGANISATION, C.PCODE, C.ID]  # how reports are listed


def flat_rows_stmt(flat: FromClause, filters: Filters, period: Period | None, *, with_indicator: bool = True,
                   limit: int | None = None, ordered: bool = True, columns: Sequence[str] | None = None,
                   places: Sequence[str] | None = None) -> Select:  # type: ignore[type-arg]
    """Fact rows (the columns of :func:`fetch_facts`, or only ``columns``) sorted like the reports are listed,
    with ``places``: only the rows of those P-codes. ``ordered=False`` for a source already stored in that order
    (the snapshot: a filtered scan keeps the file's order)."""
    c = flat.c
    stmt = (select(*(c[name] for name in FLAT_COLUMNS if name not in (ADM1, ORDER)
                     and (columns is None or name in columns)))
            .where(*flat_conditions(flat, filters, period, with_indicator=with_indicator)))
    if places is not None:
        stmt = stmt.where(c[C.PCODE].in_(places))
    if ordered:
        stmt = stmt.order_by(*(c[name] for name in LISTING_ORDER))
    return stmt.limit(limit) if limit is not None else stmt


def flat_ids_stmt(flat: FromClause, filters: Filters, period: Period | None, *,
                  with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """The ids of the matching fact rows."""
    return select(flat.c[C.ID]).where(*flat_conditions(flat, filters, period, with_indicator=with_indicator))


def flat_place_counts_stmt(flat: FromClause, period: Period | None) -> Select:  # type: ignore[type-arg]
    """How many fact rows of the period each P-code has (columns pcode and rows)."""
    return (select(flat.c[C.PCODE], func.count().label(ROWS)).where(*flat_conditions(flat, Filters(), period))
            .group_by(flat.c[C.PCODE]))


def flat_series_rows_stmt(flat: FromClause, months: pd.DataFrame) -> Select:  # type: ignore[type-arg]
    """Indicator, organisation, month and id of the fact rows of the indicator × organisation × month
    ``months`` lists (a frame with those three columns)."""
    c = flat.c
    wanted = [and_(c[C.INDICATOR] == indicator, c[C.ORGANISATION] == organisation, c[C.MONTH].in_(sorted(set(group))))
              for (indicator, organisation), group in months.groupby([C.INDICATOR, C.ORGANISATION])[C.MONTH]]
    return select(c[C.INDICATOR], c[C.ORGANISATION], c[C.MONTH], c[C.ID]).where(or_(false(), *wanted))


def flat_count_stmt(flat: FromClause, filters: Filters, period: Period | None, *,
                    with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """How many fact rows match."""
    return select(func.count().label(ROWS)).select_from(flat).where(
        *flat_conditions(flat, filters, period, with_indicator=with_indicator))


#: The keys each indicator rule looks at besides the table's own (see dashboard.indicators.compute_total): a
#: table by some dimensions needs only the sums by these and those (a ``rule`` read), a fraction of the rows.
RULE_KEYS = {"sum": [], "unique_max": [C.PCODE, C.GROUP, C.ORGANISATION, C.ACTIVITY],
             "latest": [C.ORGANISATION, C.ACTIVITY, C.PCODE, C.MONTH], "distinct_organisations": [C.ORGANISATION],
             # Every rule by month, with the sources: the cube's rows without the keys that follow from these.
             "every": [C.ORGANISATION, C.ACTIVITY, C.PCODE, C.GROUP, C.MONTH, C.SOURCE]}
#: Cube keys that follow from others (organisation type from the organisation, pyramid layer from the activity,
#: the place's names, country and level from its P-code): leaving them out keeps every cube row apart.
DEPENDENT_KEYS = {C.ORG_TYPE, C.LAYER, C.COUNTRY, C.ISO, C.AREA, C.ADMIN_LEVEL}


def cube_read_keys(dims: tuple[str, ...] = (), rule: str | None = None) -> list[str]:
    """The keys a cube read (:func:`flat_cube_stmt`) sums by: every cube key, or only those ``rule`` looks at,
    and ``dims``."""
    base = CUBE_KEYS if rule is None else [C.INDICATOR, ORDER, *RULE_KEYS.get(rule, [])]
    return [*base, *(d for d in dims if d not in base)]


def regroups(flat: FromClause, keys: list[str]) -> bool:
    """Whether summing ``flat`` by ``keys`` groups again: not for a cube read by its own keys or by all but those
    that follow from the others (:data:`DEPENDENT_KEYS`), whose rows are then the cube's rows as stored."""
    return not (is_cube(flat) and set(CUBE_KEYS) - DEPENDENT_KEYS <= set(keys) <= set(CUBE_KEYS))


def flat_cube_stmt(flat: FromClause, filters: Filters, period: Period | None, *, with_indicator: bool = True,
                   dims: tuple[str, ...] = (), rule: str | None = None) -> Select:  # type: ignore[type-arg]
    """Values summed over the sex, age and disability breakdowns (unless named in ``dims``): the first,
    heavy step of every indicator rule, small enough for the rules to finish in pandas. ``flat`` may be
    :data:`cube_table` or :data:`database_cube` (already summed: its row counts are added up) when no filter or
    breakdown needs :data:`NOT_IN_CUBE`."""
    c = flat.c
    keys = cube_read_keys(dims, rule)
    if not regroups(flat, keys):
        return select(*(c[k] for k in [*keys, C.VALUE, C.IS_DEMO, ROWS])).where(
            *flat_conditions(flat, filters, period, with_indicator=with_indicator))
    rows = func.sum(c[ROWS]) if is_cube(flat) else func.count()
    return (select(*(c[k] for k in keys), func.sum(c[C.VALUE]).label(C.VALUE),
                   func.max(cast(c[C.IS_DEMO], Integer)).label(C.IS_DEMO), rows.label(ROWS))
            .where(*flat_conditions(flat, filters, period, with_indicator=with_indicator))
            .group_by(*(c[k] for k in keys)))


def flat_first_reports_stmt(flat: FromClause, filters: Filters) -> Select:  # type: ignore[type-arg]
    """First and last reported month per organisation (all time, other filters applied)."""
    c = flat.c
    return (select(c[C.ORGANISATION], c[C.ORG_TYPE], func.max(cast(c[C.IS_DEMO], Integer)).label(C.IS_DEMO),
                   func.min(c[C.MONTH]).label("first_month"), func.max(c[C.MONTH]).label("last_month"))
            .where(*flat_conditions(flat, filters, None, with_indicator=False))
            .group_by(c[C.ORGANISATION], c[C.ORG_TYPE]))


#: The columns of :func:`flat_provenance_stmt` saying whether any row is disaggregated on a dimension.
DETAIL_FLAGS = {C.SEX: "by_sex", C.AGE: "by_age", C.DISABILITY: "by_disability"}


def flat_provenance_stmt(flat: FromClause, filters: Filters, period: Period | None, *,
                         with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """Where the matching facts come from, without reading them: one row per import batch and note, with
    whether any of its rows is broken down by sex, age band or disability (:data:`DETAIL_FLAGS`)."""
    c = flat.c
    flags = [func.max(case((c[dim] != ALL, 1), else_=0)).label(flag) for dim, flag in DETAIL_FLAGS.items()]
    return (select(c[C.BATCH], c[C.NOTE], *flags)
            .where(*flat_conditions(flat, filters, period, with_indicator=with_indicator))
            .group_by(c[C.BATCH], c[C.NOTE]))


def flat_org_months_stmt(flat: FromClause, filters: Filters, period: Period) -> Select:  # type: ignore[type-arg]
    """Distinct (organisation, month) pairs with reports in ``period`` (indicator filter ignored)."""
    c = flat.c
    return (select(c[C.ORGANISATION], c[C.MONTH]).distinct()
            .where(*flat_conditions(flat, filters, period, with_indicator=False)))
