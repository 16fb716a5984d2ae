"""Reporting-plan and review writes, shared by the SQLite tests (tests/unit) and PostgreSQL (tests/postgres)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from dashboard import quality_store, queries, store


def prepare(engine: Engine) -> None:
    """An empty schema with two organisations."""
    store.upgrade(engine)
    with engine.begin() as conn:
        for name in ("Org A", "Org B"):
            conn.execute(store.organisations.insert().values(name=name, org_type="nngo", is_demo=False))


def version(engine: Engine) -> int:
    with engine.connect() as conn:
        return store.read_data_version(conn)


def audit(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [(r.action, r.actor) for r in conn.execute(
            select(store.audit_log.c.action, store.audit_log.c.actor).order_by(store.audit_log.c.id))]


def check_plan_entries(engine: Engine) -> None:
    prepare(engine)
    before = version(engine)
    first = quality_store.add_plan_entry(engine, "Org A", "2025-01", None, " new partner ", "co-lead@who.int")
    quality_store.add_plan_entry(engine, "Org B", "2025-03", "2025-06")
    assert version(engine) == before + 2
    plan = queries.fetch_reporting_plan(engine)
    shown = plan[["organisation", "month_from", "month_to", "note", "created_by"]].astype(object).fillna("")
    assert shown.values.tolist() == [["Org A", "2025-01", "", "new partner", "co-lead@who.int"],
                                     ["Org B", "2025-03", "2025-06", "", ""]]
    quality_store.delete_plan_entry(engine, first, "co-lead@who.int")
    assert queries.fetch_reporting_plan(engine)["organisation"].tolist() == ["Org B"]
    assert audit(engine) == [("reporting_plan.add", "co-lead@who.int"), ("reporting_plan.add", "local user"),
                             ("reporting_plan.delete", "co-lead@who.int")]


BAD_PLAN_ENTRIES = [
    (("Org A", "2025-13", None), "The start month must be a month like 2025-01, got '2025-13'"),
    (("Org A", "", None), "The start month is required"),
    (("Org A", "2025-05", "2025-04"), "The end month 2025-04 is before the start month 2025-05"),
    (("Org A", "2025-05", "May"), "The end month must be a month like 2025-01, got 'May'"),
    (("Nobody", "2025-05", None), "Unknown organisation 'Nobody'"),
]


def check_bad_plan_entries_write_nothing(engine: Engine) -> None:
    prepare(engine)
    before = version(engine)
    for args, message in BAD_PLAN_ENTRIES:
        with pytest.raises(quality_store.QualityStoreError) as err:
            quality_store.add_plan_entry(engine, *args)
        assert str(err.value) == message
    with pytest.raises(quality_store.QualityStoreError, match="no reporting-plan entry 99"):
        quality_store.delete_plan_entry(engine, 99)
    assert queries.fetch_reporting_plan(engine).empty
    assert version(engine) == before
    assert audit(engine) == []


def check_reviews(engine: Engine) -> None:
    prepare(engine)
    quality_store.set_review(engine, "outlier", "PPL_REACHED|Org A|2025-03", "reviewed", "campaign month", "WHO")
    quality_store.set_review(engine, "jump", "PPL_REACHED|Org A|2025-03", "reviewed", "", "WHO")
    # A second review of the same item replaces the first: reopened, then reviewed again with a new comment.
    quality_store.set_review(engine, "outlier", "PPL_REACHED|Org A|2025-03", "open", None, "UNHCR")
    quality_store.set_review(engine, "outlier", "PPL_REACHED|Org A|2025-03", "reviewed", "confirmed by phone", "PMF")
    reviews = queries.fetch_reviews(engine).sort_values("check_name")
    shown = reviews[["check_name", "status", "comment", "reviewed_by"]].astype(object).fillna("")
    assert shown.values.tolist() == [["jump", "reviewed", "", "WHO"], ["outlier", "reviewed", "confirmed by phone", "PMF"]]
    assert [a for a, _ in audit(engine)] == ["review.reviewed", "review.reviewed", "review.open", "review.reviewed"]
    for args, pattern in (((("outlier", "k", "done")), "status must be"), ((("", "k")), "check name"),
                          ((("outlier", "x" * 256)), "item key")):
        with pytest.raises(quality_store.QualityStoreError, match=pattern):
            quality_store.set_review(engine, *args)  # type: ignore[arg-type]


def check_report_arrivals(engine: Engine) -> None:
    """Arrivals list every committed batch carrying an organisation's month, replaced reports included (the
    first report decides timeliness), and leave out rolled-back batches."""
    from datetime import datetime

    import pandas as pd
    from sqlalchemy import update

    from dashboard.filters import Filters, Period
    from data_sources.batches import Lookups, close_batch, insert_facts, open_batch
    from data_sources.seed import seed_catalogue

    store.upgrade(engine)
    with engine.begin() as conn:
        seed_catalogue(conn)

    def batch(month: str, finished: datetime, status: str = "committed") -> int:
        row = {"organisation": "World Health Organization", "indicator": "REFERRALS", "activity": "2.4",
               "location": "PL14", "period_start": f"{month}-01", "period_end": f"{month}-28", "period_month": month,
               "sex": "all", "age_band": "all", "population_group": "all", "disability": "all", "value": 5.0}
        with engine.begin() as conn:
            batch_id = open_batch(conn, "test")
            insert_facts(conn, pd.DataFrame([row]), Lookups.read(conn), batch_id, is_demo=False)
            close_batch(conn, batch_id, 1)
            conn.execute(update(store.import_batches).where(store.import_batches.c.id == batch_id)
                         .values(finished_at=finished, status=status))
        return batch_id

    first = batch("2025-03", datetime(2025, 4, 10))
    second = batch("2025-03", datetime(2025, 5, 2))
    batch("2025-04", datetime(2025, 5, 3), status="rolled_back")
    with engine.begin() as conn:  # the newer report replaces the older one, as the importer does
        conn.execute(update(store.facts).where(store.facts.c.batch_id == first).values(replaced_by=second))
    period = Period("2025-01", "2025-06")
    for arrivals in (queries.fetch_report_arrivals(engine, Filters(), period),
                     queries.compute_report_arrivals(queries.fetch_arrival_cells(engine), Filters(), period)):
        got = sorted((r.organisation, r.month, int(r.batch_id), r.first_import.to_pydatetime())
                     for r in arrivals.itertuples())
        assert got == [("World Health Organization", "2025-03", first, datetime(2025, 4, 10)),
                       ("World Health Organization", "2025-03", second, datetime(2025, 5, 2))]
