"""A local stand-in for arXiv in the fetch tests.

A real `http.server.ThreadingHTTPServer` on 127.0.0.1 (port 0) in a thread, serving the
recorded fixtures in tests/fixtures/arxiv/ through programmable routes: a sequence of
replies per route (the last one repeats), status codes and headers, and faults (a handler
that never answers, a connection reset, a body cut short). Test modules import the
`arxiv_server` fixture from here.
"""
from __future__ import annotations

import re
import socket
import struct
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import pytest

from digest.editorial.config import ArxivConfig, Config, ScheduleConfig, SiteConfig
from digest.fetch.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "arxiv"
HANG_LIMIT = 10.0  # a hanging handler gives up after this long even if nobody stops the server


def fixture_bytes(name: str) -> bytes:
    """The recorded response `name`, byte for byte."""
    return (FIXTURES / name).read_bytes()


@dataclass
class Request:
    """One request the server saw."""

    path: str
    query: dict[str, list[str]]
    raw_query: str

    def param(self, name: str, default: str = "") -> str:
        """The first value of a query parameter."""
        return self.query.get(name, [default])[0]


@dataclass
class Reply:
    """What the server answers: status, headers, body, or a fault instead of a clean answer."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/xml; charset=utf-8"
    fault: str | None = None  # "hang", "reset" or "cut" (Content-Length promises more than is sent)

    @classmethod
    def fixture(cls, name: str, status: int = 200, **kw) -> Reply:
        """A recorded fixture as the body."""
        return cls(status=status, body=fixture_bytes(name), **kw)

    @classmethod
    def html(cls, status: int = 200, title: str = "arXiv is down for maintenance") -> Reply:
        """An HTML page, as proxies and maintenance screens send."""
        body = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{title}</h1></body></html>"
        return cls(status=status, body=body.encode(), content_type="text/html; charset=utf-8")


Responder = Reply | Callable[[Request], Reply]


@dataclass
class _Route:
    path: str
    when: Callable[[Request], bool] | None
    replies: list[Responder]

    def next(self) -> Responder:
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


class ArxivServer:
    """The programmable server; `route()` answers, `requests` records what was asked."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self.requests: list[Request] = []
        self.stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- setup ---------------------------------------------------------------------------------

    def route(self, path: str, *replies: Responder, when: Callable[[Request], bool] | None = None) -> None:
        """Answer GET `path` (and `when`, if given) with `replies` in turn; the last one repeats.

        A `path` ending in "/*" answers every path below it ("/rss/*": any feed). Newer routes win
        over older ones, so a test can override a default.
        """
        if not replies:
            raise ValueError("a route needs at least one reply")
        with self._lock:
            self._routes.insert(0, _Route(path, when, list(replies)))

    def reset(self) -> None:
        """Forget routes and recorded requests."""
        with self._lock:
            self._routes.clear()
            self.requests.clear()

    def count(self, path: str | None = None) -> int:
        """How many requests reached `path` (or any path)."""
        with self._lock:
            return sum(1 for r in self.requests if path is None or r.path == path)

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """The API endpoint, as config.arxiv.api_url."""
        return f"{self.base_url}/api/query"

    @property
    def rss_url(self) -> str:
        """The RSS base, as config.arxiv.rss_url."""
        return f"{self.base_url}/rss"

    @property
    def listing_url(self) -> str:
        """The listing pages' base, as config.arxiv.listing_url."""
        return f"{self.base_url}/list"

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> ArxivServer:
        """Listen on 127.0.0.1 on a free port, serving from a daemon thread."""
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A short poll keeps shutdown() (once per test) from costing half a second.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="arxiv-test-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release hanging handlers, stop serving and close the socket."""
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- dispatch ------------------------------------------------------------------------------

    def _answer(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            for route in self._routes:
                if _matches(route.path, request.path) and (route.when is None or route.when(request)):
                    responder = route.next()
                    break
            else:
                responder = Reply(404, b"no route for " + request.path.encode(), content_type="text/plain")
        return responder(request) if callable(responder) else responder


def _matches(pattern: str, path: str) -> bool:
    """A route's path is exact, or ends in "/*" to take everything below it."""
    if pattern.endswith("/*"):
        return path.startswith(pattern[:-1])
    return pattern == path


class _Handler(BaseHTTPRequestHandler):
    owner: ArxivServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        request = Request(path=parts.path, query=parse_qs(parts.query, keep_blank_values=True), raw_query=parts.query)
        reply = self.owner._answer(request)
        if reply.fault == "hang":
            self.owner.stopping.wait(HANG_LIMIT)
            self.close_connection = True
            return
        if reply.fault == "reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.fault == "cut":
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


@pytest.fixture
def arxiv_server():
    """A started ArxivServer, stopped after the test."""
    server = ArxivServer().start()
    try:
        yield server
    finally:
        server.stop()


# --- helpers the tests share ---------------------------------------------------------------------

KST = ZoneInfo("Asia/Seoul")
PHRASES = {"diffusion": 3.0, "flow matching": 3.0, "score-based": 2.0, "distillation": 1.0}
CATEGORIES = ("cs.CV", "cs.LG", "cs.CL", "cs.AI")
# arXiv's 2024 Thanksgiving break: no announcement on Thu 28 Nov.
HOLIDAYS = frozenset({date(2024, 11, 28), date(2024, 12, 25)})


def make_config(root: Path, server: ArxivServer | None = None, *, api_url: str | None = None,
                rss_url: str | None = None, categories: tuple[str, ...] = CATEGORIES,
                phrases: dict[str, float] | None = None, holidays: frozenset[date] = HOLIDAYS) -> Config:
    """A Config for a project at `root` pointed at the local server, with no request spacing."""
    return Config(
        path=root / "digest.yaml",
        root=root,
        site=SiteConfig(title="Diffusion Digest", base_url="https://example.org/digest/", language="en",
                        timezone="Asia/Seoul", tz=KST, topic="diffusion"),
        schedule=ScheduleConfig(cutoff=time(9, 0), holidays=holidays),
        arxiv=ArxivConfig(
            categories=categories,
            api_url=api_url or (server.api_url if server else "http://127.0.0.1:9/api/query"),
            rss_url=rss_url or (server.rss_url if server else "http://127.0.0.1:9/rss"),
            listing_url=server.listing_url if server else "http://127.0.0.1:9/list",
            delay_seconds=0.0,
        ),
        phrases=dict(PHRASES if phrases is None else phrases),
    )


def point_project(root: Path, api_url: str, rss_url: str, listing_url: str) -> None:
    """Point the digest.yaml in `root` at these arXiv endpoints, with no request spacing."""
    cfg = (root / "digest.yaml").read_text()
    cfg = re.sub(r"api_url: .*", f"api_url: {api_url}", cfg)
    cfg = re.sub(r"rss_url: .*", f"rss_url: {rss_url}", cfg)
    cfg = re.sub(r"listing_url: .*", f"listing_url: {listing_url}", cfg)
    cfg = re.sub(r"delay_seconds: .*", "delay_seconds: 0", cfg)
    (root / "digest.yaml").write_text(cfg)


def point_at(root: Path, server: ArxivServer) -> None:
    """Point the digest.yaml in `root` at the stand-in `server`."""
    point_project(root, server.api_url, server.rss_url, server.listing_url)


def fast_client(config: Config, **overrides) -> HttpClient:
    """An HttpClient for tests: tiny backoff, short timeouts, the config's cache."""
    settings = {"backoff_base": 0.01, "backoff_cap": 0.05, "connect_timeout": 1.0, "read_timeout": 2.0, "max_attempts": 3}
    settings.update(overrides)
    return HttpClient.for_config(config, **settings)


def refused_url(path: str = "/api/query") -> str:
    """An URL on 127.0.0.1 where nothing listens (the port was just free)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def atom_feed(entries: list[dict], *, total: int | None = None, start: int = 0) -> bytes:
    """An API-style Atom feed; each entry: id (with version), title, summary, authors
    [(name, [affiliations])], categories (primary first), published, updated, comment,
    journal_ref, doi."""
    out = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">',
        "  <id>https://arxiv.org/api/test</id>",
        "  <title>arXiv Query: test</title>",
        "  <updated>2024-11-28T12:00:00Z</updated>",
        f"  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>",
        f"  <opensearch:totalResults>{len(entries) if total is None else total}</opensearch:totalResults>",
        f"  <opensearch:startIndex>{start}</opensearch:startIndex>",
    ]
    for e in entries:
        cats = e.get("categories") or ["cs.CV"]
        out += [
            "  <entry>",
            f"    <id>http://arxiv.org/abs/{escape(e['id'])}</id>",
            f"    <title>{escape(e.get('title', 'Untitled'))}</title>",
            f"    <updated>{e.get('updated', '2024-11-26T10:00:00Z')}</updated>",
            f"    <published>{e.get('published', '2024-11-26T10:00:00Z')}</published>",
            f"    <summary>{escape(e.get('summary', ''))}</summary>",
        ]
        for name, affs in e.get("authors", [("Anonymous", [])]):
            out.append(f"    <author><name>{escape(name)}</name>")
            out += [f"      <arxiv:affiliation>{escape(a)}</arxiv:affiliation>" for a in affs]
            out.append("    </author>")
        for key in ("comment", "journal_ref", "doi"):
            if e.get(key):
                out.append(f"    <arxiv:{key}>{escape(e[key])}</arxiv:{key}>")
        out.append(f'    <arxiv:primary_category term="{cats[0]}"/>')
        out += [f'    <category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in cats]
        out.append(f'    <link href="https://arxiv.org/abs/{escape(e["id"])}" rel="alternate" type="text/html"/>')
        out.append("  </entry>")
    out.append("</feed>")
    return "\n".join(out).encode("utf-8")


# The API always sends dates and a recorded feed has none: callers say what goes in their place.
PLACEHOLDER_DATE = "2000-01-01T00:00:00Z"


def feed_items(feed: bytes) -> dict[str, dict]:
    """Versionless id -> what an announcement RSS says about the paper: version, title, abstract, categories."""
    items = {}
    for item in ET.fromstring(feed).iter("item"):
        m = re.match(r"arXiv:(\S+)v(\d+) Announce Type: \S+\s*\nAbstract: (.*)", item.findtext("description") or "", re.S)
        if m:
            items[m.group(1)] = {"version": m.group(2), "title": item.findtext("title") or "",
                                 "summary": m.group(3), "categories": [c.text for c in item.findall("category")]}
    return items


def feed_api(items: dict[str, dict], stamp: str = PLACEHOLDER_DATE) -> Callable[[Request], Reply]:
    """An API stand-in answering id_list lookups with each paper's own feed data and nothing more.

    No comment, journal reference or author list is invented; `published` and `updated` are `stamp`.
    A query without id_list (a submittedDate backfill) gets an empty feed.
    """
    def answer(request: Request) -> Reply:
        ids = [i for i in request.param("id_list").split(",") if i in items]
        entries = []
        for i in ids:
            it = items[i]
            cats = "".join(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in it["categories"])
            entries.append(
                f"<entry><id>http://arxiv.org/abs/{i}v{it['version']}</id><title>{escape(it['title'])}</title>"
                f"<published>{stamp}</published><updated>{stamp}</updated>"
                f"<summary>{escape(it['summary'])}</summary>"
                f'<arxiv:primary_category term="{it["categories"][0]}"/>{cats}'
                f'<link href="https://arxiv.org/abs/{i}v{it["version"]}" rel="alternate" type="text/html"/></entry>')
        body = ('<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
                'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">'
                f"<id>local</id><title>local</title><updated>2024-11-28T00:00:00Z</updated>"
                f"<opensearch:totalResults>{len(entries)}</opensearch:totalResults>"
                f"<opensearch:startIndex>0</opensearch:startIndex><opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>"
                + "".join(entries) + "</feed>")
        return Reply(200, body.encode("utf-8"))
    return answer
