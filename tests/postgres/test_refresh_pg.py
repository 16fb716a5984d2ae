"""The transactional refresh on PostgreSQL: facts through COPY, denominators upserted, snapshots, and a
failure half-way through the write leaving nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, text

from dashboard.settings import Settings, load_settings
from data_sources import refresh as live
from tests.conftest import build_fixture_database
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Replay, serve

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    eng = build_fixture_database(pg_url, rows=500)
    yield eng
    eng.dispose()


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        replay.add(f"/api/v2/assets/{fx.KOBO_UID}/", fx.kobo_asset())
        replay.add(f"/api/v2/assets/{fx.KOBO_UID}/data.json", *fx.kobo_pages())
        replay.add("/population/get/sublocation", fx.odp_sublocation())
        replay.add("/population/get/timeseries", fx.odp_timeseries([("2022-07-31", 1_250_000),
                                                                    ("2022-08-01", 1_256_568)]))
        yield replay


def settings(srv: Replay) -> Settings:
    return replace(load_settings({}), kobo_url=srv.url, kobo_token="pg-token-abcdef", unhcr_url=srv.url,
                   kobo_forms=fx.kobo_forms_setting(), unhcr_timeseries=(("PL", "10781"),), http_retries=0)


def count(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_refresh_commits_everything_on_postgres(engine: Engine, srv: Replay) -> None:
    kobo = live.refresh(engine, settings(srv), "kobo")
    unhcr = live.refresh(engine, settings(srv), "unhcr")
    assert kobo.ok and kobo.rows == 4 and unhcr.ok and unhcr.rows == 3
    assert count(engine, "SELECT SUM(f.value) FROM facts f JOIN import_batches b ON b.id = f.batch_id "
                         "WHERE b.source = 'live:kobo' AND f.replaced_by IS NULL") == 5
    assert count(engine, "SELECT COUNT(*) FROM denominators WHERE source LIKE 'UNHCR:%'") == 3
    assert count(engine, "SELECT string_agg(status, ',' ORDER BY id) FROM source_runs") == "success,success"
    srv.add(f"/api/v2/assets/{fx.KOBO_UID}/data.json", fx.kobo_page(fx.SUBMISSIONS[:2], 2, None))
    again = live.refresh(engine, settings(srv), "kobo")
    assert again.ok and again.rows == 1
    assert count(engine, f"SELECT SUM(value) FROM facts WHERE batch_id = {again.batch_id} AND replaced_by IS NULL") == 2
    assert count(engine, f"SELECT COUNT(*) FROM facts WHERE replaced_by = {again.batch_id}") == 4


def test_a_failure_while_writing_leaves_nothing_on_postgres(engine: Engine, srv: Replay,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> tuple[int, int]:
        raise RuntimeError("connection lost")

    facts = count(engine, "SELECT COUNT(*) FROM facts")
    monkeypatch.setattr(live, "_upsert_denominators", broken)  # runs after the facts were copied in
    result = live.refresh(engine, settings(srv), "kobo")
    assert not result.ok and "connection lost" in result.message
    assert count(engine, "SELECT COUNT(*) FROM facts") == facts
    assert count(engine, "SELECT COUNT(*) FROM import_batches WHERE source LIKE 'live:%'") == 0
    assert count(engine, "SELECT status FROM source_runs") == "failed"
