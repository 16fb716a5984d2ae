"""The database read path sums the report rows on the facts table by dimension ids (dashboard.fact_queries):
every read gives what the same read over the joined rows gives (the snapshot's flat view, in DuckDB)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import Engine

from dashboard import columns as C
from dashboard import queries, readpath
from dashboard.filters import Filters, Period
from tests.unit.test_readpath import CASES, tidy

#: Reads the pages make: a table by some dimensions by one rule's keys, or every cube key with a breakdown.
READS = [
    pytest.param((C.SEX, C.AGE), "unique_max", id="sex-age-unique"),
    pytest.param((C.MONTH, C.SEX), "sum", id="month-sex-sum"),
    pytest.param((C.DISABILITY,), "latest", id="disability-latest"),
    pytest.param((C.COUNTRY,), "distinct_organisations", id="country-organisations"),
    pytest.param((C.COUNTRY, C.ORG_TYPE), "sum", id="country-org-type-sum"),  # sums of many areas and organisations
    pytest.param((queries.ADM1, C.GROUP), "sum", id="admin1-group"),
    pytest.param((), "every", id="every"),
    pytest.param((C.AGE,), None, id="every-cube-key-and-age"),
]


@pytest.mark.parametrize(("dims", "rule"), READS)
@pytest.mark.parametrize(("filters", "period"), CASES)
def test_sums_from_the_facts_table_equal_the_sums_of_the_joined_rows(
        engine: Engine, snap: readpath.Reader, filters: Filters, period: Period | None, dims: tuple[str, ...],
        rule: str | None) -> None:
    database = readpath.Reader(engine)  # no cube table: every read sums the report rows
    got = readpath.read_cube(database, filters, period, dims=dims, rule=rule)
    # The same sums over the snapshot's joined rows (its flat view, not its cube), as the page would read them.
    want = snap.frame(queries.flat_cube_stmt(snap.flat, filters, period, dims=dims, rule=rule)).drop(
        columns=queries.ORDER)
    keys = [c for c in want.columns if c not in (C.VALUE, C.IS_DEMO, queries.ROWS)]
    assert list(got.columns) == list(want.columns)
    got, want = (f.sort_values(keys, ignore_index=True, na_position="first") for f in (got, want))
    assert tidy(got[keys]) == tidy(want[keys])
    pd.testing.assert_series_equal(got[C.VALUE], want[C.VALUE], check_dtype=False)
    assert got[queries.ROWS].tolist() == want[queries.ROWS].tolist()
    assert got[C.IS_DEMO].astype(bool).tolist() == want[C.IS_DEMO].astype(bool).tolist()
    if filters == Filters() and period is None:
        assert len(got) > 10  # the reads are not trivially empty


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_provenance_from_the_facts_table_equals_that_of_the_joined_rows(
        engine: Engine, snap: readpath.Reader, filters: Filters, period: Period | None) -> None:
    order = [C.BATCH, C.NOTE]
    got = readpath.read_provenance(readpath.Reader(engine), filters, period)
    want = readpath.read_provenance(snap, filters, period)
    assert tidy(got.sort_values(order, ignore_index=True, na_position="first")) == tidy(
        want.sort_values(order, ignore_index=True, na_position="first"))


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_report_arrivals_grouped_on_the_facts_table_equal_those_of_the_joined_rows(
        engine: Engine, filters: Filters, period: Period | None) -> None:
    """When each organisation's month arrived (the Data quality page's completeness): grouped by ids on the facts
    table, then named, the same rows as grouping every fact joined to its dimensions (replaced ones included)."""
    from sqlalchemy import func, select

    q = queries
    if period is None:
        period = Period("2000-01", "2099-12")
    joined = q.apply_filters(
        select(q.o.c.name.label(C.ORGANISATION), q.f.c.period_month.label(C.MONTH), q.b.c.id.label(C.BATCH),
               func.min(q.b.c.finished_at).label("first_import"))
        .select_from(q._facts_with_dimensions())
        .where(q.b.c.status == "committed"), filters, period, with_indicator=False,
    ).group_by(q.o.c.name, q.f.c.period_month, q.b.c.id)
    with engine.connect() as conn:
        want = pd.read_sql(joined, conn)
    want["first_import"] = pd.to_datetime(want["first_import"])
    got = queries.fetch_report_arrivals(engine, filters, period)
    order = [C.ORGANISATION, C.MONTH, C.BATCH]
    pd.testing.assert_frame_equal(got.sort_values(order, ignore_index=True), want.sort_values(order, ignore_index=True))
    if filters == Filters():
        assert len(got) > 10


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_report_arrivals_from_the_arrival_cells_equal_those_from_the_facts(
        engine: Engine, filters: Filters, period: Period | None) -> None:
    """The Data quality page reads the arrival cells once and filters them for each choice: the same rows as
    reading the facts, for every filter but a breakdown value's (those read the facts)."""
    period = period or Period("2000-01", "2099-12")
    if not queries.arrival_cells_answer(filters):
        with pytest.raises(ValueError, match="breakdown value"):
            queries.compute_report_arrivals(queries.fetch_arrival_cells(engine), filters, period)
        return
    got = queries.compute_report_arrivals(queries.fetch_arrival_cells(engine), filters, period)
    want = queries.fetch_report_arrivals(engine, filters, period)
    order = [C.ORGANISATION, C.MONTH, C.BATCH]
    # An empty read comes back from the database as object columns, the cells' as text: the rows must agree.
    pd.testing.assert_frame_equal(got.sort_values(order, ignore_index=True), want.sort_values(order, ignore_index=True),
                                  check_dtype=not want.empty)
    if filters == Filters():
        assert len(got) > 10
