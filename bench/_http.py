"""Keep-alive HTTP client and a browser-like private HTTP cache (RFC 9111 freshness)."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from _servers import HOST


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    seconds: float  # perf_counter time from sending the request to the end of the body


class Client:
    """One keep-alive connection (what one browser tab or one benchmark loop uses)."""

    def __init__(self, port: int, token: str, timeout: float = 30.0) -> None:
        self._port = port
        self._auth = f"token {token}"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(HOST, self._port, timeout=self._timeout)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _once(self, path: str, headers: Mapping[str, str]) -> Response:
        conn = self._connection()
        start = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": self._auth, **headers})
        resp = conn.getresponse()
        body = resp.read()
        seconds = time.perf_counter() - start
        names = {k.lower(): v for k, v in resp.getheaders()}
        return Response(resp.status, names, body, seconds)

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Response:
        """GET with one retry on a fresh connection (the server may drop idle keep-alives)."""
        try:
            return self._once(path, headers or {})
        except (http.client.HTTPException, OSError):
            self.close()
            return self._once(path, headers or {})


def cache_directives(value: str | None) -> dict[str, str]:
    """`Cache-Control` → {directive: argument}; names lower-cased, quotes stripped."""
    out: dict[str, str] = {}
    for part in (value or "").split(","):
        name, _, arg = part.strip().partition("=")
        if name:
            out[name.lower()] = arg.strip().strip('"')
    return out


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _http_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


@dataclass
class CacheEntry:
    response: Response
    max_age: int  # freshness lifetime (s); 0 with no-cache: always revalidate
    request_time: float  # wall clock, like the Date header
    response_time: float

    def current_age(self, now: float) -> float:
        """RFC 9111 §4.2.3, as browsers compute it (Date, Age, response delay)."""
        date = _http_date(self.response.headers.get("date"))
        apparent = max(0.0, self.response_time - date) if date is not None else 0.0
        age_value = float(_int_or_none(self.response.headers.get("age")) or 0)
        response_delay = self.response_time - self.request_time
        corrected_initial_age = max(apparent, age_value + response_delay)
        return corrected_initial_age + (now - self.response_time)

    def is_fresh(self, now: float) -> bool:
        return self.max_age > self.current_age(now)


def storable(resp: Response) -> int | None:
    """Freshness lifetime if a private cache may store `resp` and reuse it, else None.

    Only explicit freshness counts: `max-age` (or `no-cache`, stored but revalidated
    every time). No Cache-Control, or `no-store`, means the response is never reused.
    """
    if resp.status != 200:
        return None
    directives = cache_directives(resp.headers.get("cache-control"))
    if "no-store" in directives:
        return None
    if "no-cache" in directives:
        return 0 if "etag" in resp.headers else None
    return _int_or_none(directives.get("max-age"))


@dataclass
class FetchStats:
    polls: int = 0  # fetch() calls made by the tabs
    network: int = 0  # requests that reached the server (incl. revalidations)
    cache_hits: int = 0  # answered from the cache without touching the server
    not_modified: int = 0  # 304 answers to revalidations
    errors: int = 0  # anything but 200/304


class BrowserCache:
    """The HTTP cache one browser shares between all its tabs (keyed by URL).

    Fresh entries are reused without a request; stale entries that have an ETag are
    revalidated with If-None-Match (a 304 refreshes the entry, as in a browser).
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: dict[str, CacheEntry] = {}

    def fetch(self, client: Client, path: str, stats: FetchStats) -> Response:
        """The answer the tab gets: from the cache while fresh, else from the server."""
        stats.polls += 1
        entry = self._entries.get(path)
        now = self._clock()
        if entry is not None and entry.is_fresh(now):
            stats.cache_hits += 1
            return entry.response
        headers: dict[str, str] = {}
        etag = entry.response.headers.get("etag") if entry is not None else None
        if etag:
            headers["If-None-Match"] = etag
        request_time = self._clock()
        resp = client.get(path, headers)
        response_time = self._clock()
        stats.network += 1
        if resp.status == 304 and entry is not None:
            stats.not_modified += 1
            merged = Response(
                200, {**entry.response.headers, **resp.headers}, entry.response.body, 0
            )
            self._store(path, merged, request_time, response_time)
            return merged
        if resp.status != 200:
            stats.errors += 1
        self._store(path, resp, request_time, response_time)
        return resp

    def _store(self, path: str, resp: Response, request_time: float, response_time: float) -> None:
        lifetime = storable(resp)
        if lifetime is None:
            self._entries.pop(path, None)
            return
        self._entries[path] = CacheEntry(resp, lifetime, request_time, response_time)


def fetch_uncached(client: Client, path: str, stats: FetchStats) -> Response:
    """What a tab does when it does not use the HTTP cache: always hit the server."""
    stats.polls += 1
    stats.network += 1
    resp = client.get(path)
    if resp.status != 200:
        stats.errors += 1
    return resp
