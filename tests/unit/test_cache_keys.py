"""Cached reads are keyed by every field of the filters, the period and the audience (dashboard.cache hashes
them by their repr, not field by field): a page never gets the frame cached for another selection or viewer."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import cache, readpath
from dashboard.filters import Filters, Period
from dashboard.privacy import Audience

SELECTIONS = [
    (Filters(), Period("2025-01", "2025-12")),
    (Filters(countries=("POL",)), Period("2025-01", "2025-12")),
    (Filters(countries=("UKR",)), Period("2025-01", "2025-12")),
    (Filters(countries=("UKR",)), Period("2025-01", "2025-06")),
    (Filters(countries=("UKR",), layers=(2,)), Period("2025-01", "2025-06")),
    (Filters(preset="all", countries=("UKR",), layers=(2,)), Period("2025-01", "2025-06")),
]


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), ignore_index=True)


@pytest.fixture
def url(fixture_db_url: str) -> str:
    cache.clear()
    return fixture_db_url


def test_each_selection_gets_its_own_cached_frame(url: str) -> None:
    version = cache.data_version(url)
    reader = cache.reader(url, version)
    for filters, period in [*SELECTIONS, *reversed(SELECTIONS)]:  # the second pass reads from the cache
        expected = readpath.read_org_months(reader, filters, period)
        got = cache.org_months(url, version, filters, period)
        pd.testing.assert_frame_equal(_sorted(got), _sorted(expected))  # DISTINCT rows come in any order
    sizes = {len(cache.org_months(url, version, f, p)) for f, p in SELECTIONS}
    assert len(sizes) > 2, "the selections should not all read the same rows"


def test_the_public_never_gets_the_frame_cached_for_staff(url: str) -> None:
    version = cache.data_version(url)
    staff = cache.organisations(url, version, Audience("analyst", 5))
    public = cache.organisations(url, version, Audience("public", 5))
    assert public.empty and not staff.empty  # no organisation-level list for the public
    assert cache.organisations(url, version, Audience("analyst", 5)).equals(staff)
