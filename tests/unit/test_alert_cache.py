"""Data-quality alerts kept beside the snapshot (dashboard/alert_cache.py): the same alerts as running the
checks, computed once per snapshot, period and day; a damaged file is recomputed; the standard periods are
prepared ahead; and a filter keeps exactly the alerts about rows it keeps."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, update

from dashboard import alert_cache, queries, readpath, snapshot, store
from dashboard.filters import Filters, Period, month_add
from dashboard.quality import Alert, Findings, compute_alerts, compute_alerts_of, compute_findings
from dashboard.quality_completeness import compute_last_due_month
from tests.pages.test_data_quality_page import insert_problems

TODAY = date(2026, 11, 25)
YEAR = Period("2026-01", "2026-11")


@pytest.fixture(scope="module")
def problems_db(tmp_path_factory: pytest.TempPathFactory, fixture_db_path: Path) -> Path:
    """The fixture database with the Data quality page's known problems (a breakdown above its total, a
    duplicate report from two organisations, an outlier …), so there are alerts about rows."""
    target = tmp_path_factory.mktemp("alerts") / "problems.db"
    shutil.copy(fixture_db_path, target)
    insert_problems(f"sqlite:///{target}")
    return target


@pytest.fixture(scope="module")
def engine(problems_db: Path) -> Engine:
    return store.get_engine(f"sqlite:///{problems_db}")


@pytest.fixture
def snap(engine: Engine, tmp_path: Path) -> readpath.Reader:
    """A snapshot in a folder of its own, so each test starts with no alerts kept."""
    return readpath.Reader(engine, snapshot.ensure(engine, tmp_path, snapshot.signature(engine)))


def _inputs(engine: Engine) -> tuple[object, ...]:
    return (queries.fetch_freshness(engine).last_import, queries.fetch_denominators(engine),
            queries.fetch_reviews(engine))


def _dens(engine: Engine) -> Callable[[], pd.DataFrame]:
    """What alert_cache asks for when the checks run: the populations."""
    return lambda: queries.fetch_denominators(engine)


def _checks_run(engine: Engine, period: Period, today: date = TODAY) -> list[Alert]:
    rows = queries.fetch_facts(engine, Filters(), period, with_indicator=False)
    return compute_alerts(rows, today, *_inputs(engine))  # type: ignore[arg-type]


def _alerts(engine: Engine, findings: Findings | None, today: date = TODAY) -> list[Alert]:
    """Home's alerts from kept findings, with the database's reviews and last import now (as the cache does)."""
    assert findings is not None
    return compute_alerts_of(findings, today, queries.fetch_freshness(engine).last_import,
                             queries.fetch_reviews(engine))


def test_kept_alerts_are_the_checks_own_and_are_computed_once(engine: Engine, snap: readpath.Reader,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Period] = []
    real = alert_cache.compute

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args[1])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(alert_cache, "compute", counting)
    first = _alerts(engine, alert_cache.get(snap, YEAR, TODAY, _dens(engine)))
    expected = _checks_run(engine, YEAR)
    assert first == expected and any(alert.rows for alert in first)
    assert alert_cache.path_for(snap.path, YEAR, TODAY).exists()  # type: ignore[arg-type]
    again = _alerts(engine, alert_cache.get(snap, YEAR, TODAY, lambda: pytest.fail("the checks ran again")))
    assert again == expected and calls == [YEAR]
    # Another period, or the same period judged another day, is another file.
    other = Period("2025-01", "2025-12")
    assert _alerts(engine, alert_cache.get(snap, other, TODAY, _dens(engine))) == _checks_run(engine, other)
    alert_cache.get(snap, YEAR, date(2026, 12, 1), _dens(engine))
    assert len(calls) == 3
    assert len(list(snap.path.parent.glob("alerts-*.pkl"))) == 3  # type: ignore[union-attr]


def test_a_damaged_file_is_recomputed_not_trusted(engine: Engine, snap: readpath.Reader) -> None:
    path = alert_cache.path_for(snap.path, YEAR, TODAY)  # type: ignore[arg-type]
    path.write_bytes(b"not a pickle at all")
    got = alert_cache.get(snap, YEAR, TODAY, _dens(engine))
    assert _alerts(engine, got) == _checks_run(engine, YEAR)
    assert _alerts(engine, alert_cache.load(path)) == _alerts(engine, got)  # the file was written afresh


def test_new_data_means_new_alerts(engine: Engine, tmp_path: Path, fixture_db_path: Path) -> None:
    """The file is named by the snapshot: after a change to the facts (here a batch rolled back) the old alerts
    are not read; a new data version that leaves the facts alone (a review, a plan entry) keeps them."""
    copy = tmp_path / "changed.db"
    shutil.copy(fixture_db_path, copy)
    changed = store.get_engine(f"sqlite:///{copy}")
    same = snapshot.signature(changed)
    with changed.begin() as conn:
        store.bump_data_version(conn)
    assert snapshot.signature(changed) == same
    with changed.begin() as conn:
        conn.execute(update(store.import_batches).where(store.import_batches.c.id == 1).values(status="rolled_back"))
        store.bump_data_version(conn)
    a = snapshot.ensure(engine, tmp_path, snapshot.signature(engine))
    b = snapshot.ensure(changed, tmp_path, snapshot.signature(changed))
    assert alert_cache.path_for(a, YEAR, TODAY) != alert_cache.path_for(b, YEAR, TODAY)


def test_a_review_keeps_the_snapshot_and_leaves_home_at_once(problems_db: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Marking an item reviewed bumps the data version (pages re-read), but the facts did not change: the
    snapshot and the kept findings stay (at ten million rows a rebuild takes minutes), and the reviewed item
    leaves Home's alerts on the next read."""
    from dashboard import cache, quality_store

    copy = tmp_path / "problems.db"
    shutil.copy(problems_db, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("MHPSS_CACHE_DIR", str(tmp_path / "cache"))
    cache.clear()
    before = cache.alerts(url, cache.data_version(url), Filters(), YEAR, TODAY)
    outlier = next(a for a in before if a.check == "outlier")
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    key = next(i["key"] for i in alert_cache.load(next((tmp_path / "cache").glob("alerts-*.pkl"))).items.to_dict(  # type: ignore[union-attr]
        "records") if i["check"] == "outlier")
    quality_store.set_review(store.get_engine(url), "outlier", key, comment="a campaign month", reviewed_by="test")
    after = cache.alerts(url, cache.data_version(url), Filters(), YEAR, TODAY)
    assert outlier not in after and len(after) == len(before) - 1
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == files  # no new snapshot, no new findings
    cache.clear()


def test_the_standard_periods_are_prepared_ahead(engine: Engine, snap: readpath.Reader) -> None:
    freshness = queries.fetch_freshness(engine)
    periods = alert_cache.standard_periods(TODAY, str(freshness.first_month),
                                           queries.last_meeting(queries.fetch_events(engine), TODAY))
    assert periods[0] == YEAR and len(periods) == len(set(periods)) >= 4
    assert Period(str(freshness.first_month), "2026-11") in periods  # everything
    assert alert_cache.prepare(snap, TODAY) == 2 * len(periods)  # the alerts, then the Data quality page's findings
    for period in periods:
        assert _alerts(engine, alert_cache.load(alert_cache.path_for(snap.path, period, TODAY))) == _checks_run(  # type: ignore[arg-type]
            engine, period)
        kept = alert_cache.load(alert_cache.path_for(snap.path, period, TODAY, alert_cache.FINDINGS))  # type: ignore[arg-type]
        assert isinstance(kept, Findings) and _same_findings(kept, _findings_of(engine, period))
    assert alert_cache.prepare(snap, TODAY) == 0  # nothing left to do


def _findings_of(engine: Engine, period: Period) -> Findings:
    """The Data quality page's checks run on every row of the period and the 12 months before it."""
    history = Period(month_add(period.start, -alert_cache.HISTORY_MONTHS), period.end)
    return compute_findings(queries.fetch_facts(engine, Filters(), history, with_indicator=False), TODAY,
                            queries.fetch_denominators(engine), period.start, compute_last_due_month(TODAY))


def _same_findings(got: Findings, expected: Findings) -> bool:
    def rows(f: Findings) -> list[tuple[object, ...]]:
        return sorted([(v.rule, v.message, v.rows) for v in f.violations]
                      + [(i["check"], i["key"], str(i["detail"]), tuple(i["rows"])) for i in f.items.to_dict("records")])
    return rows(got) == rows(expected)


def test_large_snapshots_are_prepared_by_a_child_process_small_ones_not_at_all(snap: readpath.Reader) -> None:
    assert alert_cache.prepare_in_background(snap, TODAY, rows=alert_cache.PREPARE_MIN_ROWS - 1) is None
    child = alert_cache.prepare_in_background(snap, TODAY, rows=alert_cache.PREPARE_MIN_ROWS)
    assert child is not None and child.wait(timeout=300) == 0  # a child process of its own
    got = alert_cache.load(alert_cache.path_for(snap.path, YEAR, TODAY))  # type: ignore[arg-type]
    assert got is not None and _alerts(snap.engine, got) == _checks_run(snap.engine, YEAR)
    assert alert_cache.prepare_in_background(snap, TODAY, rows=10**9) is None  # once per snapshot


@pytest.mark.parametrize("filters", [Filters(countries=("POL",)), Filters(countries=("UKR",)), Filters(adm1=("UA-53",)),
                                     Filters(countries=("LTU",), organisations=("x",))],
                         ids=["poland", "ukraine", "poltava", "nothing"])
def test_a_filter_keeps_the_alerts_about_its_rows(problems_db: Path, tmp_path: Path, filters: Filters) -> None:
    from dashboard import cache

    cache.clear()
    copy = tmp_path / "problems.db"
    shutil.copy(problems_db, copy)
    url = f"sqlite:///{copy}"
    engine = store.get_engine(url)
    version = cache.data_version(url)
    everything = cache.alerts(url, version, Filters(), YEAR, TODAY)
    got = cache.alerts(url, version, filters, YEAR, TODAY)
    ids = set(queries.fetch_facts(engine, filters, YEAR, with_indicator=False)["id"])
    assert got == [a for a in everything if not a.rows or not ids.isdisjoint(a.rows)]
    if filters.organisations:
        assert all(not a.rows for a in got)
    else:
        assert any(a.rows for a in got) and len(got) < len(everything)
    # Alerts are about reports, not one indicator: an indicator choice does not hide them.
    assert cache.alerts(url, version, replace(filters, indicator="REFERRALS"), YEAR, TODAY) == got


def test_a_large_snapshot_is_checked_in_a_child_process(engine: Engine, snap: readpath.Reader,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's process never runs the checks over a large snapshot's rows: a child does and keeps the file."""
    monkeypatch.setattr(alert_cache, "compute", lambda *args: pytest.fail("checked in the app's process"))
    got = _alerts(engine, alert_cache.get(snap, YEAR, TODAY, lambda: pytest.fail("inputs read in the app"),
                                          rows=alert_cache.PREPARE_MIN_ROWS))
    monkeypatch.undo()
    assert got == _checks_run(engine, YEAR) and any(a.rows for a in got)


def test_a_caller_that_does_not_wait_is_told_the_checks_are_running_then_gets_them(
        engine: Engine, snap: readpath.Reader, monkeypatch: pytest.MonkeyPatch) -> None:
    """Home does not wait for a large database's checks (they can queue behind the standard periods' for
    minutes after an import): it is told they are running, once a child was started for them, and gets the
    child's alerts once its file is there."""
    import sys
    import time

    gate = snap.path.parent / "go"  # type: ignore[union-attr]
    real = alert_cache._child_command
    monkeypatch.setattr(alert_cache, "_child_command", lambda *args: [
        sys.executable, "-c", f"import pathlib, subprocess, sys, time\n"
        f"while not pathlib.Path({str(gate)!r}).exists(): time.sleep(0.05)\n"
        f"sys.exit(subprocess.call({real(*args)!r}))"])
    monkeypatch.setattr(alert_cache, "compute", lambda *args: pytest.fail("checked in the app's process"))
    ask = lambda: alert_cache.get(snap, YEAR, TODAY, lambda: pytest.fail("inputs read in the app"),  # noqa: E731
                                  rows=alert_cache.PREPARE_MIN_ROWS, wait=False)
    with pytest.raises(alert_cache.AlertsPending):
        ask()
    with pytest.raises(alert_cache.AlertsPending):  # asked again while it runs: no second child
        ask()
    assert sum(1 for path in alert_cache._pending if path.parent == snap.path.parent) == 1  # type: ignore[union-attr]
    gate.touch()
    deadline = time.monotonic() + 120
    while True:
        try:
            got = ask()
            break
        except alert_cache.AlertsPending:
            assert time.monotonic() < deadline, "the child never finished"
            time.sleep(0.2)
    monkeypatch.undo()
    assert _alerts(engine, got) == _checks_run(engine, YEAR) and any(a.rows for a in _alerts(engine, got))


def test_when_the_child_fails_the_app_checks_itself(engine: Engine, snap: readpath.Reader,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import sys

    monkeypatch.setattr(alert_cache, "_child_command", lambda *args: [sys.executable, "-c", "raise SystemExit(3)"])
    got = alert_cache.get(snap, YEAR, TODAY, _dens(engine), rows=10**7)
    assert _alerts(engine, got) == _checks_run(engine, YEAR)
    assert "failed" in caplog.text


def test_the_database_read_path_keeps_its_alerts_too(engine: Engine, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """With MHPSS_READ_PATH=database there is no snapshot file: the alerts are kept under the name its signature
    would have, and a large database's checks run in a child that reads the database itself."""
    database = readpath.Reader(engine)
    keep_at = snapshot.path_for(tmp_path / "cache", snapshot.signature(engine))
    assert not keep_at.exists()
    monkeypatch.setattr(alert_cache, "compute", lambda *args: pytest.fail("checked in the app's process"))
    kept = alert_cache.get(database, YEAR, TODAY, lambda: pytest.fail("inputs read in the app"),
                           rows=alert_cache.PREPARE_MIN_ROWS, keep_at=keep_at)
    monkeypatch.undo()
    got = _alerts(engine, kept)
    assert got == _checks_run(engine, YEAR) and any(a.rows for a in got)
    assert _alerts(engine, alert_cache.load(alert_cache.path_for(keep_at, YEAR, TODAY))) == got
    assert not keep_at.exists()  # no snapshot was written: only the alerts
    # Another period, small database: computed in the app and kept in the same place.
    other = Period("2025-01", "2025-12")
    assert _alerts(engine, alert_cache.get(database, other, TODAY, _dens(engine), keep_at=keep_at)) == _checks_run(
        engine, other)
    assert len(list(keep_at.parent.glob("alerts-*.pkl"))) == 2


def test_the_database_read_path_through_the_cache(problems_db: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import cache

    copy = tmp_path / "problems.db"
    shutil.copy(problems_db, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("MHPSS_READ_PATH", "database")
    monkeypatch.setenv("MHPSS_CACHE_DIR", str(tmp_path / "cache"))
    cache.clear()
    version = cache.data_version(url)
    got = cache.alerts(url, version, Filters(), YEAR, TODAY)
    assert got == _checks_run(store.get_engine(url), YEAR)
    assert len(list((tmp_path / "cache").glob("alerts-*.pkl"))) == 1
    assert not list((tmp_path / "cache").glob("facts-*.parquet"))  # the database path writes no snapshot
    cache.clear()


EVERYTHING = Period("2022-03", "2026-11")


def _findings(alerts: list[object]) -> list[tuple[object, ...]]:
    return sorted((a.severity, a.check, a.message, a.rows) for a in alerts)  # type: ignore[attr-defined]


@pytest.mark.parametrize("part_rows", [1, 150], ids=["each area a part", "parts of 150 rows"])
@pytest.mark.parametrize("path", ["snapshot", "database"])
def test_a_long_period_checked_in_parts_of_areas_gives_the_same_alerts(engine: Engine, snap: readpath.Reader,
                                                                       path: str, part_rows: int) -> None:
    """Above PART_ROWS rows the checks read one part of the period's areas at a time (so that ten million rows
    need not be in memory at once): the alerts are those of every row checked at once."""
    reader = snap if path == "snapshot" else readpath.Reader(engine)
    counts = readpath.count_by_place(reader, EVERYTHING)
    assert sum(counts.values()) == len(queries.fetch_facts(engine, Filters(), EVERYTHING, with_indicator=False))
    parts = alert_cache.plan_parts(counts, part_rows)
    assert len(parts) > 2
    got = _alerts(engine, alert_cache.compute(reader, EVERYTHING, TODAY, _dens(engine)(), part_rows=part_rows))
    expected = _checks_run(engine, EVERYTHING)
    assert {a.check for a in expected} >= {"breakdown_exceeds_total", "duplicate", "outlier"}
    assert _findings(got) == _findings(expected)
    # The Data quality page's findings: a later period, judged against the 12 months before it as well.
    period = Period("2025-06", "2026-11")
    page = alert_cache.compute(reader, period, TODAY, _dens(engine)(), part_rows=part_rows, kind=alert_cache.FINDINGS)
    assert isinstance(page, Findings) and _same_findings(page, _findings_of(engine, period))
    assert min(v.month for v in page.violations) >= period.start and min(page.items["month"]) >= period.start


@pytest.mark.parametrize(("counts", "part_rows", "parts"), [
    ({}, 10, []),
    ({"A": 5}, 10, [("A",)]),
    ({"A": 4, "B": 3, "C": 3}, 10, [("A", "B", "C")]),
    # Largest first, each into the first part with room; an area larger than a part is a part of its own.
    ({"A": 6, "B": 5, "C": 4, "D": 3}, 10, [("A", "C"), ("B", "D")]),
    ({"BIG": 25, "A": 6, "B": 5}, 10, [("BIG",), ("A",), ("B",)]),
    ({"B": 5, "A": 5}, 10, [("A", "B")]),
])
def test_areas_are_put_into_parts(counts: dict[str, int], part_rows: int, parts: list[tuple[str, ...]]) -> None:
    assert alert_cache.plan_parts(counts, part_rows) == parts
    assert sorted(p for part in parts for p in part) == sorted(counts)


def test_the_child_refuses_an_unknown_kind(snap: readpath.Reader, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A kind of file it does not keep is a usage error, not a file named after it."""
    monkeypatch.setenv("MHPSS_DATABASE_URL", snap.engine.url.render_as_string(hide_password=False))
    # main() marks the process as the child for good; this test runs it in pytest's process: undo that after.
    monkeypatch.setattr(alert_cache, "_in_child", False)
    assert alert_cache.main([str(snap.path), TODAY.isoformat(), "--kind=everything"]) == 2
    assert "--kind=alerts|findings" in capsys.readouterr().err
    assert not list(snap.path.parent.glob("everything-*"))  # type: ignore[union-attr]
