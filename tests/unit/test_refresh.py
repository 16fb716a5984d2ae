"""Refresh: one transaction per source (batch, facts, denominators, source_runs) or nothing; failures keep the
last good data and are recorded; snapshots; status; and the ``refresh`` / ``status`` command line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select, text

from dashboard import store
from dashboard.settings import Settings, load_settings
from data_sources import refresh as live
from data_sources.__main__ import main
from data_sources.batches import utcnow
from tests.unit import live_fixtures as fx
from tests.unit.replay_server import Answer, Replay, serve

TOKEN = "kobo-secret-77aa88bb99"
ASSET = f"/api/v2/assets/{fx.KOBO_UID}/"
DATA = f"/api/v2/assets/{fx.KOBO_UID}/data.json"


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        yield replay


@pytest.fixture
def engine(fixture_db_url: str) -> Iterator[Engine]:
    eng = store.get_engine(fixture_db_url)
    yield eng
    eng.dispose()


def settings(srv: Replay, **overrides: Any) -> Settings:
    base = replace(load_settings({}), kobo_url=srv.url, kobo_token=TOKEN, kobo_forms=fx.kobo_forms_setting(),
                   unhcr_url=srv.url, unhcr_timeseries=(), http_retries=1, http_timeout=2.0,
                   today=date(2026, 11, 25))
    return replace(base, **overrides)


def kobo_routes(srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, *fx.kobo_pages())


def run(engine: Engine, s: Settings, name: str, **kwargs: Any) -> live.RunResult:
    return live.refresh(engine, s, name, sleep=lambda _s: None, **kwargs)


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def live_facts(engine: Engine, name: str = "kobo") -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text(
            "SELECT f.value, f.replaced_by, f.batch_id, l.pcode, o.name AS organisation, f.sex, f.period_month "
            "FROM facts f JOIN import_batches b ON b.id = f.batch_id JOIN locations l ON l.id = f.location_id "
            "JOIN organisations o ON o.id = f.organisation_id WHERE b.source = :s"), conn, params={"s": f"live:{name}"})


def runs(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT * FROM source_runs ORDER BY id"), conn)


def test_a_refresh_writes_batch_facts_and_run_together(engine: Engine, srv: Replay) -> None:
    kobo_routes(srv)
    version = scalar(engine, "SELECT value FROM meta WHERE key = 'data_version'")
    result = run(engine, settings(srv), "kobo")
    assert result.ok and result.message == "4 facts written" and result.rows == 4
    facts = live_facts(engine)
    assert facts["value"].sum() == 5 and len(facts) == 4 and facts["replaced_by"].isna().all()
    assert set(facts["organisation"]) == {"Light of Hope", "International Organization for Migration"}
    batch = scalar(engine, "SELECT status || ' ' || rows FROM import_batches WHERE source = 'live:kobo'")
    assert batch == "committed 4"
    row = runs(engine).iloc[-1]
    assert (row["source"], row["status"], row["rows"], row["message"], row["batch_id"]) == (
        "kobo", "success", 4, "4 facts written", result.batch_id)
    assert int(scalar(engine, "SELECT value FROM meta WHERE key = 'data_version'")) == int(version) + 1


def test_a_failed_refresh_keeps_the_last_good_data_and_records_why(engine: Engine, srv: Replay) -> None:
    kobo_routes(srv)
    assert run(engine, settings(srv), "kobo").ok
    srv.add(DATA, Answer({"detail": "Server Error"}, status=500))
    result = run(engine, settings(srv), "kobo")
    assert not result.ok
    assert result.message.endswith("answered HTTP 500 Internal Server Error 2 times; try again later; "
                                   "the last good data is kept")
    facts = live_facts(engine)
    assert facts["value"].sum() == 5 and facts["replaced_by"].isna().all()
    assert scalar(engine, "SELECT COUNT(*) FROM import_batches WHERE source = 'live:kobo'") == 1
    assert runs(engine)["status"].tolist() == ["success", "failed"]
    status = next(s for s in live.status(engine, settings(srv)) if s.name == "kobo")
    assert status.failures == 1 and status.last_status == "failed" and status.last_success_rows == 4
    assert "HTTP 500" in (status.last_message or "")


def test_malformed_json_writes_nothing(engine: Engine, srv: Replay) -> None:
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, '{"count": 5, "next": null, "results": [{"_id": 1,')
    result = run(engine, settings(srv), "kobo")
    assert not result.ok and "is not valid JSON" in result.message
    assert live_facts(engine).empty
    assert scalar(engine, "SELECT COUNT(*) FROM import_batches WHERE source = 'live:kobo'") == 0


def test_a_refresh_cut_off_half_way_through_the_pages_writes_nothing(engine: Engine, srv: Replay) -> None:
    pages = fx.kobo_pages()
    srv.add(ASSET, fx.kobo_asset())
    srv.add(DATA, pages[0], Answer(drop=True))  # page 2: the connection closes without an answer
    before = scalar(engine, "SELECT COUNT(*) FROM facts")
    result = run(engine, settings(srv, http_retries=0), "kobo")
    assert not result.ok and "cannot reach" in result.message
    assert scalar(engine, "SELECT COUNT(*) FROM facts") == before
    assert scalar(engine, "SELECT COUNT(*) FROM import_batches WHERE source = 'live:kobo'") == 0
    assert runs(engine)["status"].tolist() == ["failed"]


def test_a_timeout_is_recorded_as_a_failure(engine: Engine, srv: Replay) -> None:
    srv.add("/population/get/sublocation", Answer(fx.odp_sublocation(), delay=1.0))
    result = run(engine, settings(srv, http_timeout=0.2, http_retries=0), "unhcr")
    assert not result.ok and "no answer from" in result.message and "within 0.2 s" in result.message


def test_a_failure_while_writing_rolls_everything_back(engine: Engine, srv: Replay,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    kobo_routes(srv)
    srv.add("/population/get/sublocation", fx.odp_sublocation())

    def broken_close(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(live, "close_batch", broken_close)
    denominators = scalar(engine, "SELECT COUNT(*) FROM denominators")
    for name in ("kobo", "unhcr"):
        result = run(engine, settings(srv), name)
        assert not result.ok and "unexpected error (RuntimeError: disk full)" in result.message
    assert live_facts(engine).empty
    assert scalar(engine, "SELECT COUNT(*) FROM denominators") == denominators
    assert scalar(engine, "SELECT COUNT(*) FROM import_batches WHERE source LIKE 'live:%'") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM organisations WHERE name = 'Light of Hope'") == 1  # not re-added
    assert runs(engine)["status"].tolist() == ["failed", "failed"]


def test_an_interrupt_is_recorded_then_raised(engine: Engine, srv: Replay, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("data_sources.connectors.unhcr.UnhcrConnector.load", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(engine, settings(srv), "unhcr")
    row = runs(engine).iloc[-1]
    assert row["status"] == "failed" and row["message"] == "UNHCR: interrupted; the last good data is kept"


def test_each_refresh_is_a_snapshot_and_old_snapshots_are_pruned(engine: Engine, srv: Replay) -> None:
    s = settings(srv, snapshots_kept=1)  # the current snapshot and one earlier one
    kobo_routes(srv)
    first = run(engine, s, "kobo")
    srv.add(DATA, fx.kobo_page(fx.SUBMISSIONS[:3], 3, None))
    second = run(engine, s, "kobo")
    srv.add(DATA, fx.kobo_page(fx.SUBMISSIONS[:1], 1, None))
    third = run(engine, s, "kobo")
    assert [r.rows for r in (first, second, third)] == [4, 2, 1]
    facts = live_facts(engine)
    current = facts[facts["replaced_by"].isna()]
    assert current["value"].sum() == 1 and set(current["batch_id"]) == {third.batch_id}
    # the second snapshot is kept (replaced by the third), the first is pruned
    assert set(facts["batch_id"]) == {second.batch_id, third.batch_id}
    assert set(facts.loc[facts["batch_id"] == second.batch_id, "replaced_by"]) == {third.batch_id}
    statuses = dict(pd.read_sql(text("SELECT id, status FROM import_batches WHERE source = 'live:kobo'"),
                                engine.connect()).itertuples(index=False, name=None))
    assert statuses == {first.batch_id: "pruned", second.batch_id: "committed", third.batch_id: "committed"}


def test_an_unchanged_source_only_records_the_success(engine: Engine, srv: Replay) -> None:
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    first = run(engine, settings(srv), "unhcr")
    version = scalar(engine, "SELECT value FROM meta WHERE key = 'data_version'")
    second = run(engine, settings(srv), "unhcr")
    assert first.changed and not second.changed
    assert second.message == "no change since the last refresh (2 rows)" and second.batch_id == first.batch_id
    assert scalar(engine, "SELECT COUNT(*) FROM import_batches WHERE source = 'live:unhcr'") == 1
    assert runs(engine)["status"].tolist() == ["success", "success"]
    assert int(scalar(engine, "SELECT value FROM meta WHERE key = 'data_version'")) == int(version) + 1


def test_denominators_are_upserted_and_replace_the_same_figure(engine: Engine, srv: Replay) -> None:
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    result = run(engine, settings(srv), "unhcr")
    # the reference facts already held Poland 2022-08-01 and Lithuania 2022-08-02 from the same portal
    assert result.message == "2 denominators written; 2 figure(s) from another source replaced"
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT l.pcode, d.ref_date, d.value, d.source FROM denominators d JOIN locations l ON l.id = d.location_id "
            "WHERE d.measure = 'refugees_present' AND l.admin_level = 0 ORDER BY l.pcode")).all()
    assert [(r.pcode, str(r.ref_date), r.value) for r in rows] == [("LT", "2022-08-02", 60755.0),
                                                                   ("PL", "2022-08-01", 1256568.0)]
    assert {r.source for r in rows} == {"UNHCR: Operational Data Portal, Ukraine Refugee Situation"}
    body = fx.odp_sublocation()
    body["data"][1].update(individuals="1300000", date="2022-09-01")  # Poland, a newer figure
    srv.add("/population/get/sublocation", body)
    run(engine, settings(srv), "unhcr")
    poland = scalar(engine, "SELECT COUNT(*) FROM denominators d JOIN locations l ON l.id = d.location_id "
                            "WHERE l.pcode = 'PL' AND d.measure = 'refugees_present'")
    assert poland == 2  # history by date: 2022-08-01 stays, 2022-09-01 added


def test_a_live_figure_replaces_the_demo_estimate_for_that_place(engine: Engine, srv: Replay) -> None:
    from data_sources.connectors import hapi

    srv.add(hapi.POPULATION, [fx.hapi_population_row("UA46", "Lvivska", 2_478_133)], when={"admin_level": "1"})
    srv.add(hapi.POPULATION, {"data": []}, when={"admin_level": "0"})
    s = settings(srv, hapi_url=srv.url, hapi_app_identifier="YXBwOm1lQGV4YW1wbGUub3Jn", hapi_themes=("population",),
                 hapi_locations=("UKR",))
    demo_before = scalar(engine, "SELECT COUNT(*) FROM denominators d JOIN locations l ON l.id = d.location_id "
                                 "WHERE l.pcode = 'UA46' AND d.measure = 'residents' AND d.is_demo")
    assert demo_before == 1
    assert run(engine, s, "hapi").ok
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT d.value, d.is_demo FROM denominators d JOIN locations l ON l.id = "
                                 "d.location_id WHERE l.pcode = 'UA46' AND d.measure = 'residents'")).all()
    assert [(r.value, bool(r.is_demo)) for r in rows] == [(2_478_133.0, False)]


def test_unknown_codes_are_left_out_and_all_unknown_fails(engine: Engine, srv: Replay) -> None:
    kobo_routes(srv)
    result = run(engine, settings(srv, kobo_forms=fx.kobo_forms_setting(activity="9.9")), "kobo")
    assert not result.ok
    assert "none of the 4 rows can be stored: 4 row(s) left out: activity not in the catalogue (9.9)" in result.message
    assert live_facts(engine).empty


def test_new_organisations_are_added_with_their_type(engine: Engine, srv: Replay) -> None:
    kobo_routes(srv)
    forms = fx.kobo_forms_setting(organisation="Kharkiv Resilience Centre", org_type="cbo")
    result = run(engine, settings(srv, kobo_forms=forms), "kobo")
    assert result.message == "4 facts written; 1 organisation(s) added"
    assert scalar(engine, "SELECT org_type FROM organisations WHERE name = 'Kharkiv Resilience Centre'") == "cbo"


def test_a_second_refresh_while_one_runs_is_refused(engine: Engine, srv: Replay) -> None:
    with engine.begin() as conn:
        conn.execute(store.source_runs.insert().values(source="unhcr", started_at=utcnow(), status="running", rows=0))
    with pytest.raises(live.ConnectorError, match="UNHCR is already being refreshed"):
        run(engine, settings(srv), "unhcr")
    assert live.refresh_sources(engine, settings(srv), ["unhcr"])[0].ok is False


def test_an_unconfigured_source_says_which_settings_are_missing(engine: Engine) -> None:
    with pytest.raises(live.ConnectorError, match="KoboToolbox is not configured: set MHPSS_KOBO_TOKEN and "
                                                  "MHPSS_KOBO_FORMS"):
        live.refresh(engine, load_settings({}), "kobo")
    assert runs(engine).empty


def test_status_reports_success_attempt_errors_age_and_next_due(engine: Engine, srv: Replay) -> None:
    s = settings(srv)
    nine_days = datetime(2026, 11, 16, 8, 0)
    with engine.begin() as conn:
        conn.execute(store.source_runs.insert(), [
            {"source": "unhcr", "started_at": nine_days, "finished_at": nine_days + timedelta(minutes=1),
             "status": "success", "rows": 120, "message": "120 denominators written\n3 host countries left out"},
            {"source": "unhcr", "started_at": nine_days + timedelta(days=2), "finished_at": nine_days + timedelta(days=2),
             "status": "failed", "rows": 0, "message": "UNHCR: cannot reach data.unhcr.org"},
            {"source": "unhcr", "started_at": nine_days + timedelta(days=3), "finished_at": nine_days + timedelta(days=3),
             "status": "failed", "rows": 0, "message": "UNHCR: cannot reach data.unhcr.org"},
        ])
    statuses = {st.name: st for st in live.status(engine, s)}
    unhcr = statuses["unhcr"]
    assert (unhcr.last_success_rows, unhcr.age_days, unhcr.stale, unhcr.failures) == (120, 9, True, 2)
    assert unhcr.last_status == "failed" and unhcr.warnings == ("3 host countries left out",)
    assert unhcr.next_due == nine_days + timedelta(minutes=1, hours=24) and unhcr.due
    assert not statuses["activityinfo"].configured and statuses["activityinfo"].next_due is None
    line = live.describe(unhcr, now=datetime(2026, 11, 25, 12, 0))
    assert line == ("UNHCR: last success 16 Nov 2026 08:01 UTC (120 rows, 9 days old, out of date); last attempt "
                    "19 Nov 2026 08:00 UTC failed: UNHCR: cannot reach data.unhcr.org; 2 failed attempts since the "
                    "last success; next due now")
    frame = live.status_frame(list(statuses.values()), now=datetime(2026, 11, 25, 12, 0))
    assert frame.set_index("Source").loc["UNHCR", "Rows"] == 120
    assert frame.set_index("Source").loc["ActivityInfo", "Configured"] == (
        "no: set MHPSS_ACTIVITYINFO_TOKEN, MHPSS_ACTIVITYINFO_FORM, MHPSS_ACTIVITYINFO_MAPPING")


def test_an_abandoned_running_row_shows_as_interrupted(engine: Engine, srv: Replay) -> None:
    with engine.begin() as conn:
        conn.execute(store.source_runs.insert().values(
            source="unhcr", started_at=utcnow() - timedelta(hours=2), status="running", rows=0))
    unhcr = next(s for s in live.status(engine, settings(srv)) if s.name == "unhcr")
    assert unhcr.last_status == "interrupted" and not unhcr.running
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    assert run(engine, settings(srv), "unhcr").ok  # an old "running" row does not block


def test_refresh_due_skips_sources_refreshed_recently(engine: Engine, srv: Replay) -> None:
    srv.add("/population/get/sublocation", fx.odp_sublocation())
    s = settings(srv, kobo_token="")  # only UNHCR is configured
    first = live.refresh_sources(engine, s, only_due=True)
    assert [(r.source, r.ok) for r in first] == [("unhcr", True)]
    assert live.refresh_sources(engine, s, only_due=True) == []  # refreshed a moment ago: due in 24 hours
    assert len(live.refresh_sources(engine, s)) == 1  # without --due it runs anyway


# --- command line -----------------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, srv: Replay, fixture_db_url: str) -> Replay:
    monkeypatch.setenv("MHPSS_UNHCR_URL", srv.url)
    monkeypatch.setenv("MHPSS_UNHCR_TIMESERIES", "none")
    monkeypatch.setenv("MHPSS_HTTP_RETRIES", "0")
    monkeypatch.setenv("MHPSS_TODAY", "2026-11-25")
    return srv


def test_cli_refresh_prints_what_was_written(cli_env: Replay, capsys: pytest.CaptureFixture[str]) -> None:
    cli_env.add("/population/get/sublocation", fx.odp_sublocation())
    assert main(["refresh", "unhcr"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("UNHCR: 2 denominators written; 2 figure(s) from another source replaced (1 request, ")
    assert out[1] == "  warning: 3 host countries outside the admin table left out (e.g. Russian Federation, " \
                     "Germany, Türkiye)"


def test_cli_refresh_all_skips_unconfigured_sources(cli_env: Replay, capsys: pytest.CaptureFixture[str]) -> None:
    cli_env.add("/population/get/sublocation", fx.odp_sublocation())
    assert main(["refresh"]) == 0
    out = capsys.readouterr().out
    assert "skipped KoboToolbox: not configured (set MHPSS_KOBO_TOKEN and MHPSS_KOBO_FORMS)" in out
    assert "UNHCR: 2 denominators written" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["refresh", "nope"], "error: unknown source 'nope': choose kobo, activityinfo, hapi, unhcr"),
    (["refresh", "kobo"], "error: KoboToolbox is not configured: set MHPSS_KOBO_TOKEN and MHPSS_KOBO_FORMS"),
])
def test_cli_errors_are_one_line_and_exit_2(cli_env: Replay, capsys: pytest.CaptureFixture[str], argv: list[str],
                                            message: str) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == message and "Traceback" not in captured.err


def test_cli_never_prints_a_token(cli_env: Replay, capsys: pytest.CaptureFixture[str],
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHPSS_KOBO_URL", cli_env.url)
    monkeypatch.setenv("MHPSS_KOBO_TOKEN", TOKEN)
    monkeypatch.setenv("MHPSS_KOBO_FORMS", fx.kobo_forms_setting())
    cli_env.add(ASSET, Answer({"detail": f"Invalid token {TOKEN}"}, status=401))
    assert main(["refresh", "kobo", "-v"]) == 2
    assert main(["status", "--check"]) == 2
    captured = capsys.readouterr()
    assert "error: KoboToolbox: the server refused the credentials (HTTP 401)" in captured.err
    assert "check MHPSS_KOBO_TOKEN; the last good data is kept" in captured.err
    assert "connection failed: KoboToolbox: the server refused the credentials" in captured.out
    assert TOKEN not in captured.out + captured.err
    with store.get_engine(load_settings().database_url).connect() as conn:
        stored = " ".join(m or "" for (m,) in conn.execute(select(store.source_runs.c.message)))
    assert TOKEN not in stored and "HTTP 401" in stored


def test_cli_status_lists_every_source(cli_env: Replay, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "KoboToolbox: not configured (set MHPSS_KOBO_TOKEN and MHPSS_KOBO_FORMS)",
        "ActivityInfo: not configured (set MHPSS_ACTIVITYINFO_TOKEN and MHPSS_ACTIVITYINFO_FORM and "
        "MHPSS_ACTIVITYINFO_MAPPING)",
        "HDX HAPI: not configured (set MHPSS_HAPI_APP_IDENTIFIER)",
        "UNHCR: last success never; next due now",
    ]


def test_hapi_presence_facts_without_activity_and_with_new_organisations(engine: Engine, srv: Replay) -> None:
    from data_sources.connectors import hapi

    srv.add(hapi.PRESENCE, [fx.hapi_presence_row("Light of Hope", "LoH", "National NGO", "UA53", "Poltavska"),
                            fx.hapi_presence_row("Kharkiv Psychosocial Network", "KPN", "International NGO",
                                                 "UA63", "Kharkivska")])
    s = settings(srv, hapi_url=srv.url, hapi_app_identifier="YXBwOm1lQGV4YW1wbGUub3Jn", hapi_themes=("presence",),
                 hapi_locations=("UKR",))
    result = run(engine, s, "hapi")
    assert result.ok and result.message == "2 facts written; 1 organisation(s) added"
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT o.name, o.org_type, l.pcode, f.activity_id, f.period_start, f.period_end, f.note FROM facts f "
            "JOIN organisations o ON o.id = f.organisation_id JOIN locations l ON l.id = f.location_id "
            "JOIN import_batches b ON b.id = f.batch_id WHERE b.source = 'live:hapi' ORDER BY o.name")).all()
    assert [(r.name, r.org_type, r.pcode, r.activity_id, str(r.period_start), str(r.period_end), r.note)
            for r in rows] == [
        ("Kharkiv Psychosocial Network", "ingo", "UA63", None, "2025-01-01", "2025-03-31", "sector Protection"),
        ("Light of Hope", "nngo", "UA53", None, "2025-01-01", "2025-03-31", "sector Protection")]
