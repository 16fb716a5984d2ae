"""A local HTTP server for connector tests: replays scripted answers on 127.0.0.1 (free port, own thread).

Each route (method and path) holds a list of answers served in order; the last one repeats. An answer is a
status, headers, a body (dict/list → JSON, str/bytes as they are), an optional delay (for timeouts) or
``drop=True`` (close the connection without answering). Every request is recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Answer:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class Replay:
    """The scripted routes and the requests seen. ``url`` is the server's base address."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str, frozenset[tuple[str, str]]], list[Answer]] = {}
        self.seen: list[Seen] = []
        self.url = ""
        self._lock = threading.Lock()

    def add(self, path: str, *answers: Answer | Any, method: str = "GET", when: dict[str, str] | None = None) -> None:
        """Script the answers to ``method path`` (only for requests whose query has every ``when`` item)."""
        key = (method, path, frozenset((when or {}).items()))
        self.routes[key] = [a if isinstance(a, Answer) else Answer(a) for a in answers]

    def next_answer(self, method: str, path: str, query: dict[str, list[str]]) -> Answer:
        with self._lock:
            matching = [(len(cond), key) for key in self.routes
                        for (m, p, cond) in [key]
                        if m == method and p == path and all(query.get(k) == [v] for k, v in cond)]
            if not matching:
                return Answer({"detail": f"no route {method} {path}"}, status=404)
            queue = self.routes[max(matching)[1]]
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
            return None

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = parse_qs(parts.query)
            replay.seen.append(Seen(method, parts.path, query, dict(self.headers), body))
            answer = replay.next_answer(method, parts.path, query)
            if answer.delay:
                time.sleep(answer.delay)
            if answer.drop:
                self.close_connection = True
                self.connection.close()
                return
            if isinstance(answer.body, (dict, list)):
                payload = json.dumps(answer.body).replace("{BASE}", replay.url).encode()
                content_type = "application/json"
            else:
                payload = answer.body.encode() if isinstance(answer.body, str) else (answer.body or b"")
                content_type = "text/plain; charset=utf-8"
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._serve("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._serve("POST")

    return Handler


@contextmanager
def serve() -> Iterator[Replay]:
    """Start a replay server on a free loopback port; stop it afterwards."""
    replay = Replay()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    server.daemon_threads = True
    replay.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield replay
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
