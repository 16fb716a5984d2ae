"""The read path on PostgreSQL: every filter and aggregation pushed down as SQL (MHPSS_READ_PATH=database)
gives the same frames as the original fact query and as the snapshot built from the same database."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard import columns as C
from dashboard import queries, readpath, snapshot, store
from dashboard.filters import Filters, Period
from dashboard.indicators import compute_total
from tests.conftest import FIXTURE_TODAY
from tests.unit.test_readpath import CASES

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def seeded_pg(tmp_path_factory: pytest.TempPathFactory) -> object:
    from data_sources.seed import seed
    from tests.conftest import PG_ADMIN_URL, _pg_database

    with _pg_database(PG_ADMIN_URL) as url:
        engine = store.get_engine(url)
        seed(engine, 5_000, today=FIXTURE_TODAY)
        folder = tmp_path_factory.mktemp("pgsnap")
        yield engine, readpath.Reader(engine, snapshot.ensure(engine, folder, snapshot.signature(engine)))
        engine.dispose()


@pytest.mark.parametrize(("filters", "period"), CASES)
def test_pushed_down_sql_and_snapshot_match_on_postgres(seeded_pg: tuple, filters: Filters,
                                                        period: Period | None) -> None:
    engine, snap = seeded_pg
    expected = queries.fetch_facts(engine, filters, period)
    pd.testing.assert_frame_equal(readpath.read_facts(readpath.Reader(engine), filters, period), expected)
    pd.testing.assert_frame_equal(readpath.read_facts(snap, filters, period), expected)
    for source in (snap, readpath.Reader(engine)):
        cube = readpath.read_cube(source, filters, period, with_indicator=False)
        facts = queries.fetch_facts(engine, filters, period, with_indicator=False)
        assert int(cube[queries.ROWS].sum()) == len(facts)
        for rule in ("sum", "unique_max", "latest", "distinct_organisations"):
            assert compute_total(cube, rule) == pytest.approx(compute_total(facts, rule)), rule


def test_snapshot_path_is_independent_of_the_url(seeded_pg: tuple) -> None:
    engine, snap = seeded_pg
    assert isinstance(snap.path, Path) and snap.path.exists()
    assert snap.path.name == f"facts-{snapshot.signature(engine)}.parquet"
    assert readpath.count_facts(snap, Filters(), None) == len(queries.fetch_facts(engine, Filters(), None))
    assert C.ID in readpath.read_facts(snap, Filters(), None, limit=5)
