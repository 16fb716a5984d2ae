"""Every page runs against the fixture database without an exception and shows real numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pages.conftest import no_exception, run_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["Home.py", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))]


@pytest.mark.parametrize("path", PAGES)
def test_page_runs_and_shows_data(path: str) -> None:
    at = run_page(path)
    no_exception(at)
    assert not at.error, [e.value for e in at.error]
    texts = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    shown_numbers = [m.value for m in at.metric] + [str(df.value.shape) for df in at.dataframe]
    assert shown_numbers or any(ch.isdigit() for ch in texts), f"{path} shows no figures"


def test_demo_label_is_shown_on_every_page() -> None:
    for path in PAGES:
        at = run_page(path)
        assert any("Demo data" in i.value for i in at.info), path
