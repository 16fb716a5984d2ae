"""Explorer with more matching rows than it draws: the count is of every matching row, the table shows the
first of them, the grouped view and the downloads cover them all."""

from __future__ import annotations

import io
import os

import pandas as pd
import pytest

from dashboard import cache, explorer
from dashboard.filters import Filters, Period
from tests.pages.conftest import no_exception, run_page
from tests.pages.test_explorer import PAGE, sql_count, table

YTD = Period("2026-01", "2026-11", "year to date")


@pytest.fixture
def short_table(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(explorer, "MAX_SHOWN", 250)
    return 250


def test_a_long_listing_shows_its_first_rows_and_counts_them_all(short_table: int) -> None:
    at = run_page(PAGE)
    no_exception(at)
    total = sql_count()
    assert total > short_table
    assert len(table(at)) == short_table
    assert any(f"{total:,} rows" in m.value for m in at.markdown)
    assert any(f"first {short_table:,} rows" in c.value and f"all {total:,}" in c.value for c in at.caption)
    downloads = {b.proto.id.rsplit("-", 1)[-1]: b for b in at.get("download_button")}
    assert downloads and not any(b.proto.disabled for b in downloads.values())


def test_the_grouped_view_counts_every_row_not_only_the_drawn_ones(short_table: int) -> None:
    at = run_page(PAGE)
    at.selectbox(key="w_measure").set_value("rows").run()
    grouped = at.dataframe[1].value
    assert int(grouped.iloc[:, -1].sum()) == sql_count()


def test_a_long_listing_downloads_every_matching_row(short_table: int) -> None:
    from types import SimpleNamespace

    from dashboard.privacy import FULL_ACCESS

    at = run_page(PAGE, country="POL")
    no_exception(at)
    url = os.environ["MHPSS_DATABASE_URL"]
    version = cache.data_version(url)
    flt = Filters(countries=("POL",))
    total, first = cache.listing(url, version, flt, YTD, FULL_ACCESS, short_table)
    assert len(first) == short_table < total == sql_count("l.country = 'POL'")
    # What a download button of the long listing builds when pressed: every matching row, not the drawn ones.
    every = explorer.read_all_rows(SimpleNamespace(url=url, version=version, filters=flt, period=YTD))  # type: ignore[arg-type]
    assert len(every) == total
    pd.testing.assert_frame_equal(every.head(short_table), first)
    csv = pd.read_csv(io.BytesIO(explorer.exports.build_csv(every)))
    assert len(csv) == total
    assert csv["value"].sum() == pytest.approx(every["value"].sum())
