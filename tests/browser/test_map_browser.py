"""Headless Chromium: the Map page's deck.gl canvas draws the bubbles, the map's CSV downloads (in Ukrainian
too: translated headers, the same machine values), and the Indicators page's timeline draws with its target and
downloads as PNG and SVG."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from tests.browser.conftest import screenshot, wait_until_rendered

pytestmark = pytest.mark.browser


def _coloured_pixels(png: bytes) -> int:
    """Pixels clearly not white/grey (the bubbles' blues and greens): proof the canvas drew something."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    return int(((pixels.max(axis=2) - pixels.min(axis=2)) > 40).sum())


def _drawn(canvas, minimum: int, timeout_s: float = 20.0) -> bytes:  # type: ignore[no-untyped-def]
    """The canvas screenshot once it shows at least ``minimum`` coloured pixels (deck.gl draws a few frames
    after the script has finished; under load that can take seconds). Returns the last screenshot."""
    import time

    deadline = time.time() + timeout_s
    shot = canvas.screenshot()
    while _coloured_pixels(shot) < minimum and time.time() < deadline:
        time.sleep(0.5)
        shot = canvas.screenshot()
    return shot


def _sized(canvas, timeout_s: float = 20.0):  # type: ignore[no-untyped-def]
    """The canvas's box once deck.gl has sized it to the chart (it starts as a 300 × 150 canvas; under load
    the resize can come seconds after the script has finished)."""
    import time

    deadline = time.time() + timeout_s
    box = canvas.bounding_box()
    while (box is None or box["width"] <= 300) and time.time() < deadline:
        time.sleep(0.25)
        box = canvas.bounding_box()
    return box


def _hover_until_tooltip(page, canvas) -> str:  # type: ignore[no-untyped-def]
    """Move over the map, middle first, until deck.gl shows a tooltip; its text. With the synthetic boundaries
    (small squares around the centroids, when ../shared/geo is absent) the middle can fall between areas."""
    box = _sized(canvas)
    tooltip = page.locator(".deck-tooltip")
    spots = [(0.55, 0.55)] + [(x / 8, y / 6) for y in range(1, 6) for x in range(1, 8)]
    for fx, fy in spots:
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            tooltip.wait_for(state="visible", timeout=1_000 if (fx, fy) != spots[0] else 5_000)
        except Exception:  # noqa: BLE001 - nothing under this spot: try the next
            continue
        return str(tooltip.inner_text())
    raise AssertionError("no tooltip anywhere on the map")


def test_map_canvas_draws_the_bubbles(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Map?indicator=TRAININGS_HELD&period=all")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(timeout=60_000)
    box = _sized(canvas)
    assert box is not None and box["width"] > 300 and box["height"] > 300
    assert _coloured_pixels(_drawn(canvas, 500)) > 500
    legend = page.get_by_text("no reports", exact=True).first
    legend.wait_for()
    screenshot(page, "map_bubbles")


def test_map_data_downloads_as_csv(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Map?indicator=TRAININGS_HELD&period=all&country=POL")
    wait_until_rendered(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the map data (CSV)").click()
    table = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()))
    assert len(table) == 16 and set(table["country"]) == {"POL"}
    assert info.value.suggested_filename.startswith("mhpss_map_TRAININGS_HELD_value_admin1")


def test_the_map_in_ukrainian_draws_and_downloads(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Map?lang=uk&indicator=TRAININGS_HELD&period=all&country=POL")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("немає звітів", exact=True).first.wait_for(timeout=30_000)
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(timeout=60_000)
    assert _coloured_pixels(_drawn(canvas, 200)) > 200
    with page.expect_download() as info:
        page.get_by_role("button", name="Завантажити дані карти (CSV)").click()
    table = pd.read_csv(io.BytesIO(Path(info.value.path()).read_bytes()), dtype=str)
    assert list(table.columns[:4]) == ["P-код", "код ISO 3166-2", "територія", "країна"]
    assert len(table) == 16 and set(table["країна"]) == {"POL"}  # codes, not "Польща"
    assert table["значення"].dropna().str.fullmatch(r"\d+(\.\d+)?").all()  # dot decimals


def test_indicator_timeline_renders_and_downloads(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server}/Indicators?indicator=PPL_REACHED&period=all")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    chart.locator("svg, canvas").first.wait_for(timeout=60_000)
    box = chart.bounding_box()
    assert box is not None and box["height"] > 250  # the main chart and the brush strip below it
    screenshot(page, "indicator_timeline")
    labels = chart.locator("g.role-axis-label text")
    before = labels.evaluate_all("els => els.map(e => e.textContent)")
    assert "Jan 2023" in before and "Aug 2024" not in before
    # Drag across the overview strip (the period brush): the main chart zooms to the months selected.
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    y = box["y"] + box["height"] - 80
    page.mouse.move(box["x"] + box["width"] * 0.5, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, y, steps=8)
    page.mouse.up()
    page.wait_for_timeout(800)
    after = labels.evaluate_all("els => els.map(e => e.textContent)")
    assert "Jan 2023" not in after
    assert sum(1 for t in after if t and t[:3] in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                                   "Oct", "Nov", "Dec")) >= 6  # month-level ticks now
    with page.expect_download() as png_info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="PNG").first.click()
    png = Path(png_info.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png_info.value.suggested_filename == "mhpss_PPL_REACHED_timeline.png"
    with page.expect_download() as svg_info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="SVG").first.click()
    svg = Path(svg_info.value.path()).read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<svg") and "Target" in svg and "cumulative people" in svg


@pytest.fixture(scope="module")
def boundary_server(tmp_path_factory: pytest.TempPathFactory, fixture_db_path: Path) -> Iterator[str]:
    """A second Streamlit server whose MHPSS_BOUNDARIES names admin-1 boundaries: the real files in
    ../shared/geo when present, else synthetic squares around the reference centroids."""
    import json
    import shutil

    from shapely.geometry import box, mapping

    from geo.admin import ADMIN_UNITS
    from tests.browser.conftest import require_chromium, streamlit_server
    from tests.conftest import SHARED

    require_chromium()
    tmp = tmp_path_factory.mktemp("map-browser")
    db = tmp / "browser.db"
    shutil.copy(fixture_db_path, db)
    real = SHARED / "geo"
    if (real / "ukraine_admin1.geojson").exists():
        boundaries = real
    else:
        boundaries = tmp / "squares.geojson"
        boundaries.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"iso_3166_2": u.iso},
             "geometry": mapping(box(u.lon - 0.3, u.lat - 0.2, u.lon + 0.3, u.lat + 0.2))}
            for u in ADMIN_UNITS if u.level == 1]}), encoding="utf-8")
    with streamlit_server(db, MHPSS_BOUNDARIES=str(boundaries)) as base:
        yield base


def test_choropleth_canvas_draws_areas_and_shows_a_tooltip(boundary_server: str, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{boundary_server}/Map?indicator=PPL_REACHED&period=all")
    wait_until_rendered(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    credit = page.locator('[data-testid="stCaptionContainer"]', has_text="Boundaries:").first
    credit.wait_for(timeout=30_000)
    canvas = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first
    canvas.wait_for(timeout=60_000)
    shot = _drawn(canvas, 2_000)
    image = np.asarray(Image.open(io.BytesIO(shot)).convert("RGB"), dtype=int)
    grey = ((image.max(axis=2) - image.min(axis=2)) < 8) & (image.mean(axis=2) > 200) & (image.mean(axis=2) < 245)
    assert _coloured_pixels(shot) > 2_000  # filled areas with reports
    assert int(grey.sum()) > 2_000  # grey areas without reports
    # Hover the map: the tooltip names an area and says what is known there.
    text = _hover_until_tooltip(page, canvas)
    assert "·" in text or "No reports" in text
    assert "Reports:" in text or "No reports" in text or "population" in text
    screenshot(page, "map_choropleth")
