"""Sources page: every source with its configuration, last success, errors and next due; a refresh button that
pulls from a local server and shows the outcome; staleness warnings; no token ever on screen."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import text

from dashboard import store
from tests.pages.conftest import no_exception, run_page
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Answer, Replay, serve

PAGE = "pages/6_Sources.py"
TOKEN = "kobo-page-secret-1234"


@pytest.fixture
def srv(monkeypatch: pytest.MonkeyPatch) -> Iterator[Replay]:
    with serve() as replay:
        monkeypatch.setenv("MHPSS_UNHCR_URL", replay.url)
        monkeypatch.setenv("MHPSS_UNHCR_TIMESERIES", "none")
        monkeypatch.setenv("MHPSS_HTTP_RETRIES", "0")
        yield replay


def table(at):  # type: ignore[no-untyped-def]
    return at.dataframe[0].value.set_index("Source")


def screen_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [w.value for w in at.warning] + [i.value for i in at.info]
    return " ".join(parts) + table(at).to_string()


def test_every_source_is_listed_with_what_it_needs(srv: Replay) -> None:
    at = run_page(PAGE)
    no_exception(at)
    shown = table(at)
    assert list(shown.index) == ["KoboToolbox", "ActivityInfo", "HDX HAPI", "UNHCR"]
    assert shown.loc["KoboToolbox", "Configured"] == "no: set MHPSS_KOBO_TOKEN, MHPSS_KOBO_FORMS"
    assert shown.loc["HDX HAPI", "Configured"] == "no: set MHPSS_HAPI_APP_IDENTIFIER"
    assert shown.loc["UNHCR", "Configured"] == "yes"
    assert shown.loc["UNHCR", "Last success"] == "never" and shown.loc["UNHCR", "Next due"] == "now"
    assert at.selectbox(key="sources_choice").options == ["UNHCR"]


def test_refresh_button_pulls_writes_and_reports(srv: Replay) -> None:
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    at = run_page(PAGE)
    at.button(key="sources_refresh").click().run()
    no_exception(at)
    assert [s.value for s in at.success] == ["2 denominators written; 2 figure(s) from another source replaced"]
    assert any("3 host countries outside the admin table left out" in c.value for c in at.caption)
    shown = table(at)
    assert shown.loc["UNHCR", "Rows"] == 2 and shown.loc["UNHCR", "Age (days)"] == 0
    assert shown.loc["UNHCR", "Last attempt"].endswith("(success)")
    assert len(srv.requests_to("/population/get/sublocation")) == 1
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT status FROM source_runs")).scalar_one() == "success"
    engine.dispose()


def test_a_failed_refresh_shows_the_error_and_keeps_the_data(srv: Replay) -> None:
    srv.add("/population/get/sublocation", Answer("<html>Bad gateway</html>", status=502))
    at = run_page(PAGE)
    at.button(key="sources_refresh").click().run()
    no_exception(at)
    assert len(at.error) == 1 and "answered HTTP 502" in at.error[0].value
    assert "the last good data is kept" in at.error[0].value
    assert table(at).loc["UNHCR", "Errors"].startswith("1 since last success: UNHCR:")


def test_test_connection_button(srv: Replay) -> None:
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    at = run_page(PAGE)
    at.button(key="sources_check").click().run()
    assert [s.value for s in at.success] == ["UNHCR answered: 5 host countries in situation 54"]


def test_a_stale_source_is_flagged(srv: Replay) -> None:
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(store.source_runs.insert().values(
            source="unhcr", started_at=datetime(2026, 11, 16, 9, 0), finished_at=datetime(2026, 11, 16, 9, 1),
            status="success", rows=2, message="2 denominators written"))
        conn.execute(text("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'"))
    engine.dispose()
    at = run_page(PAGE)  # MHPSS_TODAY is 2026-11-25 in page tests
    assert any("UNHCR figures are 9 days old" in w.value for w in at.warning)
    assert table(at).loc["UNHCR", "Age (days)"] == 9


def test_no_token_is_shown_even_when_the_server_echoes_it(srv: Replay, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_KOBO_URL", srv.url)
    monkeypatch.setenv("MHPSS_KOBO_TOKEN", TOKEN)
    monkeypatch.setenv("MHPSS_KOBO_FORMS", fx.kobo_forms_setting())
    srv.add(f"/api/v2/assets/{fx.KOBO_UID}/", Answer(f"token {TOKEN} is not valid", status=400))
    at = run_page(PAGE)
    at.selectbox(key="sources_choice").select("kobo").run()
    at.button(key="sources_refresh").click().run()
    no_exception(at)
    assert at.error and "KoboToolbox:" in at.error[0].value
    assert TOKEN not in screen_text(at)
    assert table(at).loc["KoboToolbox", "Configured"] == "yes"


def test_the_public_view_has_no_refresh_button_and_no_configuration_details(srv: Replay,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_VIEW", "public")
    at = run_page(PAGE)
    no_exception(at)
    assert not at.button and "Refreshing is not available in the public view." in [i.value for i in at.info]
    assert list(table(at).columns) == ["Last success", "Rows", "Age (days)", "Last attempt", "Next due"]
    assert "MHPSS_" not in screen_text(at)


def test_the_page_in_ukrainian_and_polish(srv: Replay) -> None:
    engine = store.get_engine(os.environ["MHPSS_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(store.source_runs.insert().values(
            source="unhcr", started_at=datetime(2026, 11, 16, 9, 0), finished_at=datetime(2026, 11, 16, 9, 1),
            status="success", rows=1234, message="1234 denominators written"))
        conn.execute(text("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'data_version'"))
    engine.dispose()
    uk = run_page(PAGE, lang="uk")
    no_exception(uk)
    shown = uk.dataframe[0].value.set_index("Джерело")
    assert list(shown.columns[:3]) == ["Налаштовано", "Останнє успішне оновлення", "Рядки"]
    assert shown.loc["UNHCR", "Налаштовано"] == "так"
    assert shown.loc["KoboToolbox", "Налаштовано"] == "ні: задайте MHPSS_KOBO_TOKEN, MHPSS_KOBO_FORMS"
    assert shown.loc["UNHCR", "Останнє успішне оновлення"] == "16 листопада 2026, 09:01 UTC"
    assert shown.loc["ActivityInfo", "Останнє успішне оновлення"] == "ніколи"
    warning = next(w.value for w in uk.warning if "UNHCR" in w.value)
    assert warning.startswith("**Дані UNHCR не оновлювалися 9 днів** (останнє успішне оновлення 16 листопада 2026")
    assert "застарілими через 7 днів" in warning
    assert [b.label for b in uk.button] == ["Оновити UNHCR зараз", "Перевірити з'єднання"]
    assert [s.value for s in uk.subheader] == ["Оновлення"]
    pl = run_page(PAGE, lang="pl")
    no_exception(pl)
    shown = pl.dataframe[0].value.set_index("Źródło")
    assert shown.loc["UNHCR", "Skonfigurowano"] == "tak" and shown.loc["UNHCR", "Następne odświeżenie"] == "teraz"
    assert any(w.value.startswith("**Dane UNHCR nie były odświeżane od 9 dni**") for w in pl.warning)
    assert table(run_page(PAGE)).loc["UNHCR", "Last success"] == "16 November 2026, 09:01 UTC"  # English as before
