"""Read-path statements over the report rows for the database read path (``MHPSS_READ_PATH=database``): what
the database's cube cannot answer (a sex, age-band or disability breakdown or filter) and where the figures
come from (import batches and notes).

They run on the facts table alone: the filters become conditions on its dimension ids
(:func:`dashboard.queries.fact_conditions`), the rows are summed by those ids, and the dimension tables are
joined to the sums only. The same statements over the flat view (:func:`dashboard.queries.flat_select`, every
fact row joined to five tables before grouping) made PostgreSQL spend 3.8 s on the sums by sex and age band of
one indicator over five years at a million rows (0.7 s this way), and 24 s at ten million (14 s). The results are those of :func:`dashboard.queries.flat_cube_stmt` and
:func:`dashboard.queries.flat_provenance_stmt` on the flat view (tests compare them).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, FromClause, Integer, Select, case, cast, func, select

from dashboard import columns as C
from dashboard.filters import Filters, Period
from dashboard.queries import (
    ADM1,
    DETAIL_FLAGS,
    ORDER,
    ROWS,
    a,
    adm1_of,
    cube_read_keys,
    current_facts,
    f,
    fact_conditions,
    ind,
    loc,
    o,
)
from dashboard.vocab import ALL

#: The id column of the facts table that fixes each dimension key (several keys follow from one id).
ID_OF = {C.INDICATOR: "indicator_id", ORDER: "indicator_id", C.ORGANISATION: "organisation_id",
         C.ORG_TYPE: "organisation_id", C.ACTIVITY: "activity_id", C.LAYER: "activity_id",
         **dict.fromkeys((C.COUNTRY, C.PCODE, C.ISO, C.AREA, C.ADMIN_LEVEL, ADM1), "location_id")}
#: Keys that are columns of the facts table itself.
FACT_COLUMN = {C.MONTH: "period_month", C.GROUP: "population_group", C.SOURCE: "source", C.SEX: "sex",
               C.AGE: "age_band", C.DISABILITY: "disability"}


def fact_sums_stmt(filters: Filters, period: Period | None, *, with_indicator: bool = True,
                   dims: tuple[str, ...] = (), rule: str | None = None) -> Select:  # type: ignore[type-arg]
    """:func:`dashboard.queries.flat_cube_stmt` on the flat view, computed from the facts table: the values
    summed by the keys of :func:`dashboard.queries.cube_read_keys`, with the fact rows behind each sum."""
    keys = cube_read_keys(dims, rule)
    unknown = [k for k in keys if k not in ID_OF and k not in FACT_COLUMN]
    if unknown:
        raise ValueError(f"no facts column or dimension id for {unknown}")
    ids = list(dict.fromkeys(ID_OF.get(k) or FACT_COLUMN[k] for k in keys))
    summed = (select(*(f.c[i] for i in ids), func.sum(f.c.value).label(C.VALUE),
                     func.max(cast(f.c.is_demo, Integer)).label(C.IS_DEMO), func.count().label(ROWS))
              .where(*current_facts(), *fact_conditions(filters, period, with_indicator=with_indicator))
              .group_by(*(f.c[i] for i in ids)).subquery("summed"))
    parent = loc.alias("parent_area")
    joined: FromClause = summed
    if "indicator_id" in ids:
        joined = joined.join(ind, summed.c.indicator_id == ind.c.id)
    if "organisation_id" in ids:
        joined = joined.join(o, summed.c.organisation_id == o.c.id)
    if "activity_id" in ids:
        joined = joined.outerjoin(a, summed.c.activity_id == a.c.id)
    if "location_id" in ids:
        joined = joined.join(loc, summed.c.location_id == loc.c.id)
        if ADM1 in keys:
            joined = joined.outerjoin(parent, loc.c.parent_pcode == parent.c.pcode)
    text = {C.INDICATOR: ind.c.code, ORDER: ind.c.sort_order, C.ORGANISATION: o.c.name, C.ORG_TYPE: o.c.org_type,
            C.ACTIVITY: a.c.code, C.LAYER: a.c.pyramid_layer, C.COUNTRY: loc.c.country, C.PCODE: loc.c.pcode,
            C.ISO: loc.c.iso_code, C.AREA: loc.c.name_en, C.ADMIN_LEVEL: loc.c.admin_level, ADM1: adm1_of(loc, parent),
            **{k: summed.c[column] for k, column in FACT_COLUMN.items() if column in ids}}
    # Grouped again by the keys themselves: a key such as the country is shared by many ids.
    columns = [text[k] for k in keys]
    return (select(*(col.label(k) for col, k in zip(columns, keys, strict=True)),
                   func.sum(summed.c[C.VALUE]).label(C.VALUE), func.max(summed.c[C.IS_DEMO]).label(C.IS_DEMO),
                   cast(func.sum(summed.c[ROWS]), BigInteger).label(ROWS))
            .select_from(joined).group_by(*columns))


def fact_provenance_stmt(filters: Filters, period: Period | None, *,
                         with_indicator: bool = True) -> Select:  # type: ignore[type-arg]
    """:func:`dashboard.queries.flat_provenance_stmt` from the facts table: one row per import batch and note,
    with whether any of its rows is broken down by sex, age band or disability."""
    columns = {C.SEX: f.c.sex, C.AGE: f.c.age_band, C.DISABILITY: f.c.disability}
    flags = [func.max(case((columns[dim] != ALL, 1), else_=0)).label(flag) for dim, flag in DETAIL_FLAGS.items()]
    return (select(f.c.batch_id.label(C.BATCH), f.c.note.label(C.NOTE), *flags)
            .where(*current_facts(), *fact_conditions(filters, period, with_indicator=with_indicator))
            .group_by(f.c.batch_id, f.c.note))
