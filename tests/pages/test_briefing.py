"""The briefing: one self-contained HTML file with figures, SVG charts, filters, freshness and sources, in
the reader's language."""

from __future__ import annotations

import os
import re
from datetime import date

from dashboard import cache, i18n
from dashboard.filters import Filters, resolve_period
from dashboard.home import compute_overview
from dashboard.settings import load_settings
from dashboard.ui import PageContext

NBSP = "\u00a0"


def make_context(filters: Filters) -> PageContext:
    settings = load_settings()
    url = os.environ["MHPSS_DATABASE_URL"]
    version = cache.data_version(url)
    freshness = cache.freshness(url, version)
    today = date(2026, 11, 25)
    period = resolve_period(filters, today, "2022-03", date(2026, 10, 8))
    return PageContext(settings, url, version, filters, period, today, freshness)


def build(lang: str, filters: Filters) -> tuple[str, object]:
    """The briefing as Home builds it for a reader of ``lang`` (the context is made in that language too)."""
    from dashboard.briefing import build_briefing_html

    with i18n.language(lang):
        ctx = make_context(filters)
        data = compute_overview(ctx)
        return build_briefing_html(ctx, data), data


def test_briefing_is_self_contained_and_complete() -> None:
    html, data = build("en", Filters(countries=("POL",)))
    assert html.startswith("<!doctype html><html lang='en'>") and html.endswith("</html>")
    # Offline: no external scripts, styles, images or fonts.
    assert not re.search(r"<(script|link|img)\b", html)
    without_namespaces = re.sub(r"http://www\.w3\.org/[0-9A-Za-z/]+", "", html)
    assert "http://" not in without_namespaces and "https://" not in without_namespaces
    assert html.count("<svg") >= 1
    trainings = next(h for h in data.headlines if h.code == "TRAININGS_HELD")  # type: ignore[attr-defined]
    assert f"{trainings.value:,.0f}" in html
    assert re.search(r"<th>Country</th><td>Poland</td>", html, re.IGNORECASE)  # the filter, in words
    assert "<h1>MHPSS response briefing</h1>" in html and "<h2>Key figures</h2>" in html
    assert "Demo data." in html and "generated" in html and "Data freshness" in html
    assert "reports up to November 2026" in html  # the latest month in words, not 2026-11


def test_ukrainian_briefing_is_written_in_ukrainian() -> None:
    html, data = build("uk", Filters(countries=("POL",)))
    assert html.startswith("<!doctype html><html lang='uk'>")
    assert "<h1>Брифінг щодо реагування у сфері ПЗПСП</h1>" in html
    for heading in ("Ключові показники", "Щомісячна динаміка", "Не звітували за", "Сповіщення щодо якості даних",
                    "Події", "Використані фільтри", "Джерела"):
        assert f"<h2>{heading}" in html, heading
    assert "Демонстраційні дані." in html and "листопад 2026" in html
    assert "Key figures" not in html and "Data freshness" not in html and "Filters used" not in html
    # A figure with a no-break space between thousands, as Ukrainian writes it.
    people = next(h for h in data.headlines if h.code == "PPL_REACHED")  # type: ignore[attr-defined]
    assert people.value >= 1000
    assert f"<td class='num'>{people.value:,.0f}</td>".replace(",", NBSP) in html
    # The SVG charts' month axis in Ukrainian too.
    assert re.search(r">(січ|лют|бер|квіт|трав|черв|лип|серп|вер|жовт|лист|груд)\. 2026<", html)


def test_polish_briefing_is_written_in_polish() -> None:
    html, _data = build("pl", Filters())
    assert html.startswith("<!doctype html><html lang='pl'>")
    assert "<h2>Kluczowe dane</h2>" in html and "<h2>Źródła</h2>" in html
    assert "Dane demonstracyjne." in html and "listopad 2026" in html
