"""The shared HTTP helper against a local server: retries, Retry-After, timeouts, auth, bad JSON, paging,
and that no secret reaches a message or a log line."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from data_sources.connectors.base import ConnectorError
from data_sources.connectors.http import HttpClient
from tests.unit.replay_server import Answer, Replay, serve

SECRET = "tok-5f3a9c1e77"


@pytest.fixture
def srv() -> Iterator[Replay]:
    with serve() as replay:
        yield replay


def client(sleeps: list[float], **kwargs: object) -> HttpClient:
    options: dict[str, object] = {"timeout": 2.0, "retries": 2, "sleep": sleeps.append,
                                  "auth_setting": "MHPSS_KOBO_TOKEN", "secrets": [SECRET],
                                  "headers": {"Authorization": f"Token {SECRET}"}}
    options.update(kwargs)
    return HttpClient("KoboToolbox", **options)  # type: ignore[arg-type]


def test_a_500_then_success_is_retried_after_a_backoff(srv: Replay) -> None:
    srv.add("/x", Answer({"detail": "boom"}, status=500), {"ok": 1})
    sleeps: list[float] = []
    c = client(sleeps)
    assert c.get_json(f"{srv.url}/x") == {"ok": 1}
    assert sleeps == [1.0]
    assert c.requests == 2


def test_backoff_doubles_and_the_last_failure_is_one_clear_line(srv: Replay) -> None:
    srv.add("/x", Answer("busy", status=503))
    sleeps: list[float] = []
    with pytest.raises(ConnectorError) as err:
        client(sleeps, retries=3).get_json(f"{srv.url}/x")
    assert sleeps == [1.0, 2.0, 4.0]
    assert str(err.value).startswith("KoboToolbox: 127.0.0.1:")
    assert "answered HTTP 503" in str(err.value) and "4 times" in str(err.value)
    assert "\n" not in str(err.value)


def test_a_429_waits_as_long_as_retry_after_says(srv: Replay) -> None:
    srv.add("/x", Answer({"detail": "slow down"}, status=429, headers={"Retry-After": "7"}), [1, 2])
    sleeps: list[float] = []
    assert client(sleeps).get_json(f"{srv.url}/x") == [1, 2]
    assert sleeps == [7.0]


def test_retry_after_as_an_http_date_and_a_cap_on_long_waits(srv: Replay) -> None:
    srv.add("/x", Answer(status=429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
            Answer(status=429, headers={"Retry-After": "3600"}), {"ok": 1})
    sleeps: list[float] = []
    assert client(sleeps, max_wait=30.0).get_json(f"{srv.url}/x") == {"ok": 1}
    assert sleeps == [0.0, 30.0]  # a date in the past: retry at once; an hour: capped


def test_a_timeout_is_retried_then_reported(srv: Replay) -> None:
    srv.add("/slow", Answer({"late": True}, delay=1.5))
    sleeps: list[float] = []
    with pytest.raises(ConnectorError, match=r"no answer from 127\.0\.0\.1:\d+/slow within 0\.3 s \(2 attempts\)"):
        client(sleeps, timeout=0.3, retries=1).get_json(f"{srv.url}/slow")
    assert sleeps == [1.0]


def test_an_unreachable_server_is_one_line_without_traceback_text() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(ConnectorError) as err:
        client([], retries=1).get_json(f"http://127.0.0.1:{port}/api?token={SECRET}")
    message = str(err.value)
    assert f"cannot reach 127.0.0.1:{port}/api" in message and "Connection refused" in message
    assert SECRET not in message and "Traceback" not in message


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_setting_and_are_not_retried(srv: Replay, status: int) -> None:
    srv.add("/x", Answer({"detail": f"Invalid token {SECRET}"}, status=status))
    c = client([])
    with pytest.raises(ConnectorError) as err:
        c.get_json(f"{srv.url}/x")
    assert f"refused the credentials (HTTP {status})" in str(err.value)
    assert "check MHPSS_KOBO_TOKEN" in str(err.value)
    assert SECRET not in str(err.value)
    assert c.requests == 1


def test_malformed_json_is_a_clear_error(srv: Replay) -> None:
    srv.add("/x", '{"count": 3, "results": [')
    with pytest.raises(ConnectorError, match=r"is not valid JSON \(Expecting value at line 1 column 26; "
                                             r"it starts '\{\"count\": 3, \"results\": \['\)"):
        client([]).get_json(f"{srv.url}/x")


def test_an_html_login_page_is_not_taken_for_data(srv: Replay) -> None:
    srv.add("/x", "<!DOCTYPE html><html><body>Sign in</body></html>")
    with pytest.raises(ConnectorError, match="not valid JSON .* it starts '<!DOCTYPE html>"):
        client([]).get_json(f"{srv.url}/x")


def test_no_secret_reaches_a_message_or_a_log_line(srv: Replay, caplog: pytest.LogCaptureFixture) -> None:
    srv.add("/data", Answer(f"error for app_identifier={SECRET}", status=400))
    caplog.set_level(logging.DEBUG)
    c = client([], params={"app_identifier": SECRET})
    with pytest.raises(ConnectorError) as err:
        c.get_json(f"{srv.url}/data", {"location_code": "UKR"})
    assert srv.seen[0].query["app_identifier"] == [SECRET]  # it was sent…
    assert SECRET not in str(err.value) and "app_identifier=***" in str(err.value)  # …but never shown
    assert caplog.records and SECRET not in caplog.text
    assert c.redact(f"x?token={SECRET}&a=1") == "x?token=***&a=1"


def test_next_links_are_followed_until_null(srv: Replay) -> None:
    srv.add("/data.json",
            {"count": 3, "next": "{BASE}/data.json?limit=1&start=1", "previous": None, "results": [{"_id": 1}]},
            {"count": 3, "next": "{BASE}/data.json?limit=1&start=2", "previous": None, "results": [{"_id": 2}]},
            {"count": 3, "next": None, "previous": None, "results": [{"_id": 3}]})
    pages = list(client([]).iter_next_pages(f"{srv.url}/data.json", {"limit": 1}))
    assert [r["_id"] for p in pages for r in p["results"]] == [1, 2, 3]
    assert [s.query.get("start") for s in srv.seen] == [None, ["1"], ["2"]]


def test_a_next_link_to_another_server_is_refused(srv: Replay) -> None:
    srv.add("/data.json", {"count": 2, "next": "https://elsewhere.example/data.json?start=1", "results": [{}]})
    with pytest.raises(ConnectorError, match="next-page link points to another server"):
        list(client([]).iter_next_pages(f"{srv.url}/data.json"))
    assert len(srv.seen) == 1  # the token was not sent elsewhere


def test_a_page_without_results_is_rejected(srv: Replay) -> None:
    srv.add("/data.json", {"detail": "Not found."})
    with pytest.raises(ConnectorError, match="no 'results' list"):
        list(client([]).iter_next_pages(f"{srv.url}/data.json"))


def test_offset_paging_reads_bare_lists_and_envelopes(srv: Replay) -> None:
    srv.add("/bare", [{"n": 1}, {"n": 2}], [{"n": 3}])
    srv.add("/wrapped", {"data": [{"n": 1}, {"n": 2}]}, {"data": [{"n": 3}, {"n": 4}]}, {"data": []})
    c = client([])
    assert [r["n"] for page in c.iter_offset_pages(f"{srv.url}/bare", {"a": "b"}, 2) for r in page] == [1, 2, 3]
    assert [r["n"] for page in c.iter_offset_pages(f"{srv.url}/wrapped", {}, 2) for r in page] == [1, 2, 3, 4]
    assert [s.query["offset"] for s in srv.requests_to("/bare")] == [["0"], ["2"]]
    assert [s.query["offset"] for s in srv.requests_to("/wrapped")] == [["0"], ["2"], ["4"]]
    assert srv.requests_to("/bare")[0].query["limit"] == ["2"]


def test_offset_paging_rejects_another_shape(srv: Replay) -> None:
    srv.add("/odd", {"results": []})
    with pytest.raises(ConnectorError, match="neither a list nor a 'data' list"):
        list(client([]).iter_offset_pages(f"{srv.url}/odd", {}, 10))
