"""The shared HTTP helper: timeouts, retries with exponential backoff on 429/5xx (honouring Retry-After),
paging (``next`` links and limit/offset) and redaction of every secret from errors and logs."""

from __future__ import annotations

import email.utils
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from data_sources.connectors.base import ConnectorError

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_PAGES = 10_000
_SECRET_PARAMS = re.compile(r"((?:app_identifier|token|access_token|api_key|key)=)[^&\s'\"]+", re.IGNORECASE)
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\")]*")


class _RedactingFilter(logging.Filter):
    """Redacts secrets from the log records of the HTTP libraries (urllib3 logs full URLs at DEBUG level)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact_text(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret and each secret-looking query parameter value replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return _SECRET_PARAMS.sub(r"\1***", text)


_LIBRARY_FILTER = _RedactingFilter()
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
    logging.getLogger(_name).addFilter(_LIBRARY_FILTER)


class HttpClient:
    """JSON over HTTP for one source. Every message it raises or logs is redacted."""

    def __init__(
        self,
        label: str,
        *,
        timeout: float,
        retries: int,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        auth_setting: str = "",
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
        max_wait: float = 120.0,
        session: requests.Session | None = None,
    ) -> None:
        self.label = label
        self.timeout = timeout
        self.retries = retries
        self.headers = {"Accept": "application/json", "User-Agent": "mhpss-dashboard", **(headers or {})}
        self.params = dict(params or {})
        self.secrets = [s for s in secrets if s and len(s) >= 4]
        _LIBRARY_FILTER.secrets.update(self.secrets)
        self.auth_setting = auth_setting
        self.sleep = sleep
        self.backoff = backoff
        self.max_wait = max_wait
        self.session = session or requests.Session()
        self.requests = 0

    # --- redaction ---------------------------------------------------------------------------------------

    def redact(self, text: str) -> str:
        """``text`` with every secret and every secret-looking query parameter replaced by ***."""
        return redact_text(text, self.secrets)

    def where(self, url: str) -> str:
        """Host and path of ``url`` (no query string), for messages."""
        parts = urlsplit(url)
        return self.redact(f"{parts.netloc}{parts.path}")

    def _fail(self, message: str) -> ConnectorError:
        return ConnectorError(self.redact(f"{self.label}: {message}"))

    # --- requests ----------------------------------------------------------------------------------------

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request_json("GET", url, params=params)

    def post_json(self, url: str, body: Any) -> Any:
        return self.request_json("POST", url, body=body)

    def request_json(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                     body: Any = None) -> Any:
        """Send one request (retrying timeouts, connection errors, 429 and 5xx) and return the parsed JSON."""
        query = {**self.params, **(params or {})} or None
        attempts = self.retries + 1
        for attempt in range(attempts):
            last = attempt == attempts - 1
            log.info("%s", self.redact(f"{self.label}: {method} {self.where(url)} (attempt {attempt + 1})"))
            self.requests += 1
            try:
                response = self.session.request(method, url, params=query, json=body, headers=self.headers,
                                                timeout=self.timeout)
            except requests.Timeout:
                if last:
                    raise self._fail(f"no answer from {self.where(url)} within {self.timeout:g} s "
                                     f"({attempts} attempt{'s' if attempts > 1 else ''})") from None
                self._wait(self._backoff(attempt))
                continue
            except requests.RequestException as exc:
                if last:
                    reason = _ERRNO.search(str(exc))
                    detail = reason.group(0).strip() if reason else type(exc).__name__
                    tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
                    raise self._fail(f"cannot reach {self.where(url)} ({detail}; {tries})") from None
                self._wait(self._backoff(attempt))
                continue
            if response.status_code in RETRY_STATUSES:
                if last:
                    raise self._fail(f"{self.where(url)} answered HTTP {response.status_code} "
                                     f"{response.reason or ''} {attempts} times; try again later".replace("  ", " "))
                asked = self._retry_after(response)
                self._wait(self._backoff(attempt) if asked is None else asked)
                continue
            return self._parse(response, url)
        raise self._fail("no attempt was made")  # unreachable: the loop returns or raises

    def _parse(self, response: requests.Response, url: str) -> Any:
        status = response.status_code
        if status in (401, 403):
            hint = f": check {self.auth_setting}" if self.auth_setting else ""
            raise self._fail(f"the server refused the credentials (HTTP {status}) for {self.where(url)}{hint}")
        if status == 404:
            raise self._fail(f"not found (HTTP 404): {self.where(url)}; check the configured id or address")
        if status >= 400:
            snippet = " ".join(response.text.split())[:120]
            raise self._fail(f"{self.where(url)} answered HTTP {status}: {snippet}")
        try:
            return response.json()
        except (json.JSONDecodeError, ValueError) as exc:
            start = " ".join(response.text.split())[:40]
            detail = f"{exc.msg} at line {exc.lineno} column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise self._fail(f"the answer from {self.where(url)} is not valid JSON ({detail}; it starts {start!r})") from None

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * (2**attempt), self.max_wait)

    def _retry_after(self, response: requests.Response) -> float | None:
        value = (response.headers.get("Retry-After") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return min(float(value), self.max_wait)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), self.max_wait)

    def _wait(self, seconds: float) -> None:
        log.info("%s: waiting %.1f s before retrying", self.label, seconds)
        self.sleep(seconds)

    # --- paging ------------------------------------------------------------------------------------------

    def iter_next_pages(self, url: str, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Follow ``next`` links (KoboToolbox): yield each page ``{"count", "next", "results": [...]}``.

        A ``next`` link to another server is refused, so a token is never sent anywhere else.
        """
        origin = urlsplit(url)[:2]
        seen: set[str] = set()
        page_url: str | None = url
        page_params = params
        while page_url:
            if page_url in seen or len(seen) >= MAX_PAGES:
                raise self._fail(f"the pages of {self.where(url)} do not end (page link repeats)")
            seen.add(page_url)
            body = self.get_json(page_url, page_params)
            if not isinstance(body, dict) or not isinstance(body.get("results"), list):
                raise self._fail(f"unexpected answer from {self.where(page_url)}: no 'results' list")
            yield body
            following = body.get("next")
            if following and urlsplit(str(following))[:2] != origin:
                raise self._fail(f"the next-page link points to another server ({self.where(str(following))})")
            page_url = str(following) if following else None
            page_params = None  # the next link carries the query

    def iter_offset_pages(self, url: str, params: Mapping[str, Any], limit: int) -> Iterator[list[Any]]:
        """limit/offset paging (HDX HAPI): yield each page's rows, from a bare list or a ``{"data": [...]}``
        envelope. A page shorter than ``limit`` is the last one."""
        offset = 0
        for _ in range(MAX_PAGES):
            body = self.get_json(url, {**params, "limit": limit, "offset": offset})
            rows = unwrap_rows(body)
            if rows is None:
                raise self._fail(f"unexpected answer from {self.where(url)}: neither a list nor a 'data' list")
            yield rows
            if len(rows) < limit:
                return
            offset += limit
        raise self._fail(f"the pages of {self.where(url)} do not end after {MAX_PAGES} pages")


def unwrap_rows(body: Any) -> list[Any] | None:
    """The rows of a HAPI answer: a bare list (beta) or the ``data`` list of the v1/v2 envelope."""
    if isinstance(body, list):
        return body
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return list(body["data"])
    return None
