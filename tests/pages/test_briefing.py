"""The briefing: one self-contained HTML file with figures, SVG charts, filters, freshness and sources."""

from __future__ import annotations

import os
import re
from datetime import date

from dashboard import cache
from dashboard.filters import Filters, resolve_period
from dashboard.home import compute_overview
from dashboard.settings import load_settings
from dashboard.ui import PageContext


def make_context(filters: Filters) -> PageContext:
    settings = load_settings()
    url = os.environ["MHPSS_DATABASE_URL"]
    version = cache.data_version(url)
    freshness = cache.freshness(url, version)
    today = date(2026, 11, 25)
    period = resolve_period(filters, today, "2022-03", date(2026, 10, 8))
    return PageContext(settings, url, version, filters, period, today, freshness)


def test_briefing_is_self_contained_and_complete() -> None:
    from dashboard.briefing import build_briefing_html

    ctx = make_context(Filters(countries=("POL",)))
    data = compute_overview(ctx)
    html = build_briefing_html(ctx, data)
    assert html.startswith("<!doctype html>") and html.endswith("</html>")
    # Offline: no external scripts, styles, images or fonts.
    assert not re.search(r"<(script|link|img)\b", html)
    without_namespaces = re.sub(r"http://www\.w3\.org/[0-9A-Za-z/]+", "", html)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert html.count("<svg") >= 1
    trainings = next(h for h in data.headlines if h.code == "TRAININGS_HELD")
    assert f"{trainings.value:,.0f}" in html
    assert "country</th><td>POL" in html
    assert "Demo data." in html and "generated" in html and "Data freshness" in html
