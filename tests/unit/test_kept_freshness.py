"""The status line's figures (reports, latest month, last import, demo rows) are kept on disk per state of the
facts, so a new server's first page view does not count the facts table again; they never go stale."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import update

from dashboard import cache, queries, store


@pytest.fixture
def url(fixture_db_url: str) -> str:
    cache.clear()
    return fixture_db_url


def kept_files() -> list[Path]:
    return sorted(Path(os.environ["MHPSS_CACHE_DIR"]).glob("freshness-*.json"))


def version(url: str) -> int:
    return cache.data_version(url)


def test_the_figures_equal_the_database_and_a_new_server_reads_them_from_the_kept_file(
        url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = queries.fetch_freshness(cache.engine(url))
    assert cache.freshness(url, version(url)) == expected
    [kept] = [p for p in kept_files() if p.name == f"freshness-{cache._signature(url, 0)}.json"]
    cache.clear()  # a new server: nothing in memory
    monkeypatch.setattr(queries, "fetch_freshness", lambda engine: pytest.fail("counted the facts again"))
    assert cache.freshness(url, version(url)) == expected
    assert kept.exists()


def test_a_new_state_of_the_facts_is_counted_again_and_a_review_is_not(url: str) -> None:
    before = cache.freshness(url, version(url))
    engine = cache.engine(url)
    with engine.begin() as conn:  # a review, a plan entry: a new data version, the same facts
        store.bump_data_version(conn)
    cache.clear()
    same = cache.freshness(url, version(url))
    assert same.rows == before.rows and same.data_version == before.data_version + 1
    with engine.begin() as conn:  # the first import rolled back: fewer current reports
        conn.execute(update(store.import_batches).where(store.import_batches.c.id == 1).values(status="rolled_back"))
        conn.execute(update(store.facts).where(store.facts.c.batch_id == 1).values(replaced_by=1))
        store.bump_data_version(conn)
    cache.clear()
    after = cache.freshness(url, version(url))
    assert after == queries.fetch_freshness(engine)
    assert after.rows < before.rows


def test_a_damaged_file_is_counted_again_not_trusted(url: str) -> None:
    expected = cache.freshness(url, version(url))
    for kept in kept_files():
        kept.write_text('{"rows": "many"', encoding="utf-8")
    cache.clear()
    assert cache.freshness(url, version(url)) == expected
