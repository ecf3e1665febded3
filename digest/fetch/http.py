"""The one HTTP client every arXiv request goes through: throttled, timed out, retried, cached, logged.

Environment knobs (read by `HttpClient.for_config`, so by every command that fetches; meant for tests,
benchmarks and unusual networks; production leaves them unset):

- DIGEST_HTTP_BACKOFF_BASE   seconds, first retry wait (default 2, doubling per retry)
- DIGEST_HTTP_BACKOFF_CAP    seconds, the longest single wait, Retry-After included (default 60)
- DIGEST_HTTP_TIMEOUT        seconds, sets both the connect and the read time-out (defaults 10 and 60)
- DIGEST_HTTP_CONNECT_TIMEOUT, DIGEST_HTTP_READ_TIMEOUT   seconds, one of them (wins over DIGEST_HTTP_TIMEOUT)
- DIGEST_HTTP_MAX_ATTEMPTS   attempts per request, retries included (default 4)

A value that is not a positive number is refused with a message naming the variable.
"""
from __future__ import annotations

import os
import random
import re
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.utils import parsedate_to_datetime
from http.client import RemoteDisconnected
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.parsers import expat

import requests
import urllib3.exceptions

from ..errors import UpstreamError
from .cache import ResponseCache

if TYPE_CHECKING:
    from ..editorial.config import Config

USER_AGENT = "paper-digest/0.1 (daily arXiv digest; polite fetcher)"

_ATOM_FEED = "http://www.w3.org/2005/Atom feed"


@dataclass(frozen=True)
class HttpSettings:
    """Politeness and patience: request spacing, timeouts, retry budget and backoff shape."""

    delay_seconds: float = 3.0  # arXiv's terms ask for at most one request every 3 s
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 4
    backoff_base: float = 2.0  # first retry waits about this long, then doubling
    backoff_cap: float = 60.0  # no single wait (backoff or Retry-After) is longer
    user_agent: str = USER_AGENT


@dataclass
class RequestLog:
    """What the client did: requests sent (retries included), retries, cache hits, seconds spent."""

    count: int = 0
    retries: int = 0
    cached: int = 0
    seconds: float = 0.0

    def copy(self) -> RequestLog:
        """A snapshot, to measure one piece of work with `since`."""
        return replace(self)

    def since(self, earlier: RequestLog) -> RequestLog:
        """The work done after `earlier` was taken."""
        return RequestLog(
            count=self.count - earlier.count,
            retries=self.retries - earlier.retries,
            cached=self.cached - earlier.cached,
            seconds=self.seconds - earlier.seconds,
        )

    def as_dict(self) -> dict:
        """The candidates file's `requests` object."""
        return {"count": self.count, "retries": self.retries, "cached": self.cached, "seconds": round(self.seconds, 2)}


class HttpClient:
    """A requests.Session wrapper shared by the RSS and API fetchers."""

    def __init__(
        self,
        settings: HttpSettings | None = None,
        cache: ResponseCache | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ):
        self.settings = settings or HttpSettings()
        self.cache = cache
        self.log = RequestLog()
        self._session = session or requests.Session()
        self._sleep = sleep
        self._clock = clock
        self._wall = wall
        self._rng = rng
        self._last_request_at: float | None = None

    @classmethod
    def for_config(cls, config: Config, **overrides: object) -> HttpClient:
        """A client with the config's request spacing and its cache under `<cache_dir>/http`."""
        settings = replace(HttpSettings(delay_seconds=config.arxiv.delay_seconds), **{**settings_from_env(), **overrides})
        return cls(settings, ResponseCache(config.cache_dir / "http"))

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        what: str,
        expect: str = "xml",
        refresh: bool = False,
        variant: str = "",
        check: Callable[[bytes], None] | None = None,
        explain: Callable[[bytes], str | None] | None = None,
    ) -> bytes:
        """The body at `url`, from the cache unless `refresh`; UpstreamError when it cannot be had.

        `expect` is "rss", "atom" or "xml": anything else (HTML, truncated XML) is a bad answer;
        "html" takes any non-empty body (the listing pages check their own structure).
        `check` may raise to reject a body; a rejected body is never cached, and a cached body it
        rejects is fetched again. `variant` separates cache entries of a URL whose content changes
        over time (the RSS feed: one entry per listing date). `explain` turns a 4xx body into detail.
        """
        key = f"{url}#{variant}" if variant else url
        if self.cache is not None and not refresh:
            body = self.cache.get(key)
            if body is not None and self._acceptable(body, check):
                self.log.cached += 1
                return body
        started = self._clock()
        try:
            body = self._fetch(url, what, expect, explain)
        finally:
            self.log.seconds += self._clock() - started
        if check is not None:
            check(body)
        if self.cache is not None:
            self.cache.put(key, body)
        return body

    def pause(self, attempt: int) -> None:
        """Wait as a retry would before attempt number `attempt + 1` (for callers' own retries)."""
        started = self._clock()
        self._sleep(self._backoff(attempt))
        self.log.seconds += self._clock() - started

    # --- internals ---------------------------------------------------------------------------

    @staticmethod
    def _acceptable(body: bytes, check: Callable[[bytes], None] | None) -> bool:
        if check is None:
            return True
        try:
            check(body)
        except Exception:  # noqa: BLE001 - any rejection of a cached body just means "fetch it again"
            return False
        return True

    def _fetch(self, url: str, what: str, expect: str, explain: Callable[[bytes], str | None] | None) -> bytes:
        s = self.settings
        where = host_path(url)
        started = self._clock()
        problem = "no attempt made"
        attempts = max(1, s.max_attempts)
        for attempt in range(1, attempts + 1):
            if attempt > 1:
                self.log.retries += 1
            self._throttle()
            self.log.count += 1
            try:
                resp = self._session.get(
                    url,
                    timeout=(s.connect_timeout, s.read_timeout),
                    headers={"User-Agent": s.user_agent},
                )
                body = resp.content  # the body read can time out or be cut off too
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                problem = _describe(exc, s, urlsplit(url).hostname or where)
                wait = self._backoff(attempt)
            except requests.RequestException as exc:
                # Invalid URL, too many redirects and the like: retrying cannot help.
                raise UpstreamError(f"{what} at {where}: {_describe(exc, s, where)}", unreachable=False) from None
            else:
                status = resp.status_code
                if 200 <= status < 300:
                    bad = body_problem(body, expect)
                    if bad:
                        raise UpstreamError(f"{what} at {where}: {status} {resp.reason} but {bad}", unreachable=False)
                    return body
                reason = f"{status} {resp.reason or ''}".strip()
                if status == 429 or status >= 500:
                    problem = reason
                    retry_after = _retry_after(resp.headers.get("Retry-After"), self._wall())
                    wait = self._backoff(attempt) if retry_after is None else min(retry_after, s.backoff_cap)
                else:
                    detail = _safe_explain(explain, body)
                    raise UpstreamError(f"{what} at {where}: {reason}" + (f": {detail}" if detail else ""), unreachable=False)
            if attempt < attempts:
                self._sleep(wait)
        elapsed = self._clock() - started
        plural = "s" if attempts != 1 else ""
        raise UpstreamError(f"{what} at {where}: {problem} after {attempts} attempt{plural} over {elapsed:.1f} s", unreachable=True)

    def _throttle(self) -> None:
        delay = self.settings.delay_seconds
        if self._last_request_at is not None and delay > 0:
            wait = self._last_request_at + delay - self._clock()
            if wait > 0:
                self._sleep(wait)
        self._last_request_at = self._clock()

    def _backoff(self, attempt: int) -> float:
        # Exponential with "equal jitter": at least half the step, so retries from many
        # clients spread out without ever collapsing to an immediate retry.
        s = self.settings
        step = min(s.backoff_cap, s.backoff_base * 2 ** (attempt - 1))
        return step / 2 + self._rng() * step / 2


_ENV_KNOBS = (  # (variable, HttpSettings fields it sets, type); later entries win
    ("DIGEST_HTTP_TIMEOUT", ("connect_timeout", "read_timeout"), float),
    ("DIGEST_HTTP_CONNECT_TIMEOUT", ("connect_timeout",), float),
    ("DIGEST_HTTP_READ_TIMEOUT", ("read_timeout",), float),
    ("DIGEST_HTTP_BACKOFF_BASE", ("backoff_base",), float),
    ("DIGEST_HTTP_BACKOFF_CAP", ("backoff_cap",), float),
    ("DIGEST_HTTP_MAX_ATTEMPTS", ("max_attempts",), int),
)


def settings_from_env(environ: dict[str, str] | None = None) -> dict[str, float | int]:
    """HttpSettings overrides from the DIGEST_HTTP_* variables (see the module docstring)."""
    from ..errors import DigestError, Problem

    env = os.environ if environ is None else environ
    out: dict[str, float | int] = {}
    for name, fields, kind in _ENV_KNOBS:
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            value = kind(raw)
        except ValueError:
            value = None
        if value is None or not value > 0 or value != value or value == float("inf"):
            raise DigestError(Problem(name, 0, 0, f"environment variable {name}={raw!r} is not a positive "
                                                  f"{'whole number' if kind is int else 'number of seconds'}"))
        for f in fields:
            out[f] = value
    return out


def host_path(url: str) -> str:
    """The "host:port/path" of an URL, as error messages name it."""
    parts = urlsplit(url)
    return f"{parts.netloc}{parts.path}" or url


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def _safe_explain(explain: Callable[[bytes], str | None] | None, body: bytes) -> str | None:
    if explain is None:
        return None
    try:
        return explain(body)
    except Exception:  # noqa: BLE001 - an error page we cannot read still gets its status reported
        return None


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (requests and urllib3 nest them in args and `reason`)."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if any(e is s for s in seen):
            continue
        seen.append(e)
        for nxt in (e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return seen


def _describe(exc: BaseException, s: HttpSettings, host: str) -> str:
    chain = _chain(exc)

    def has(*types: type) -> bool:
        return any(isinstance(e, types) for e in chain)

    if has(urllib3.exceptions.NameResolutionError, socket.gaierror):
        return f"cannot resolve host name {host}"
    if has(ConnectionRefusedError):
        return "connection refused"
    if has(requests.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
        return f"no connection within {s.connect_timeout:g} s"
    if has(requests.ReadTimeout, urllib3.exceptions.ReadTimeoutError, socket.timeout):
        return f"no answer within {s.read_timeout:g} s"
    if has(requests.exceptions.ChunkedEncodingError, urllib3.exceptions.IncompleteRead):
        return "connection closed in the middle of the response"
    if has(ConnectionResetError):
        return "connection reset by the server"
    if has(RemoteDisconnected):
        return "connection closed without a response"
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema | requests.exceptions.InvalidSchema):
        return f"not a usable URL ({exc})"
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return first[:200]


_TITLE_RE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def body_problem(body: bytes, expect: str = "xml") -> str | None:
    """Why `body` is not the XML document expected ("rss", "atom" or any "xml"), or None when it is."""
    stripped = body.lstrip()
    if not stripped:
        return "the body is empty"
    if expect == "html":
        return None  # what an HTML page must hold is its reader's to check
    head = stripped[:512].lower()
    if not head.startswith(b"<?xml") and (head.startswith(b"<!doctype html") or b"<html" in head):
        return "an HTML page came instead of XML" + _html_title(body)
    roots: list[str] = []
    parser = expat.ParserCreate(namespace_separator=" ")

    def start(name: str, attrs: object) -> None:
        if not roots:
            roots.append(name)

    parser.StartElementHandler = start
    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        if roots and roots[0].rsplit(" ", 1)[-1].lower() == "html":
            return "an HTML page came instead of XML" + _html_title(body)
        return f"the XML is malformed or cut short ({expat.ErrorString(exc.code)} at line {exc.lineno})"
    except (LookupError, ValueError) as exc:
        # Expat asks Python's codecs for an encoding it does not know itself: an unknown name ("TF-8") is a
        # LookupError, a codec that cannot decode this way (utf-7, idna...) a ValueError.
        return f"the XML declares an encoding it cannot be read in ({exc})"
    root = roots[0] if roots else ""
    local = root.rsplit(" ", 1)[-1]
    if local.lower() == "html":
        return "an HTML page came instead of XML" + _html_title(body)
    if expect == "atom" and root != _ATOM_FEED:
        return f"the XML is a <{local}> document, not an Atom feed"
    if expect == "rss" and root != "rss":
        return f"the XML is a <{local}> document, not an RSS feed"
    return None


def _html_title(body: bytes) -> str:
    m = _TITLE_RE.search(body[:8192])
    if not m:
        return ""
    title = re.sub(r"\s+", " ", m.group(1).decode("utf-8", "replace")).strip()
    return f' ("{title[:80]}")' if title else ""
