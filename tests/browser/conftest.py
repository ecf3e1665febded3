"""Browser tests: a freshly built copy of the project's site in real headless Chromium.

- The site is built once per session from a copy of the project (config, templates, static files, the shipped
  issues) and served over HTTP from 127.0.0.1 by a ThreadingHTTPServer in a thread, under the path of the
  configured base_url (`/digest/` for https://example.org/digest/), so root-relative links (the 404 page's)
  resolve as they do when published. Folders serve their index.html (`/digest/2026/07/01/`), unknown paths get
  404.html with status 404.
- Pages are discovered from the built site and grouped into page types by the shape of their path (the home
  page, issue pages `N/N/N/`, the archive, the 404 page, and whatever other kinds of page exist when the tests
  run: `topics/*`, `papers/*`, ...); tests run on each type's largest page.
- One Chromium per session (Debian's /usr/bin/chromium, or $DIGEST_CHROMIUM, through Python Playwright;
  launch() gives it a fresh temporary profile), one page reused across tests.
- In CI (CI=true) these tests never skip: a missing Chromium, Playwright or axe-core fails them. Locally they
  are skipped with the reason.
"""
from __future__ import annotations

import atexit
import functools
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import ROOT, copy_project

from digest.build import build
from digest.editorial.config import load_config

CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
WIDTHS = (1280, 390)
HEIGHT = 900
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
# Friendlier names for the page types the project has today; any other shape keeps its generated name.
TYPE_NAMES = {"index": "home", "N-item-item": "issue"}


def unavailable(reason: str) -> None:
    """Skip locally; fail in CI, where the browser tests must run."""
    if CI:
        pytest.fail(f"{reason} (CI is set, so the browser tests must run: see .ci/run)", pytrace=False)
    pytest.skip(reason)


def page_type(rel: str) -> str:
    """The kind of page at site path `rel`: numbers in the first folder's name become N, the folders below it
    become `item`, index.html is dropped ('2026/07/01/index.html' -> 'N-item-item', 'topics/x/' -> 'topics-item')."""
    parts = rel.split("/")
    name = parts.pop()
    shape = [re.sub(r"\d+", "N", parts[0])] if parts else []
    shape += ["item"] * len(parts[1:])
    if name != "index.html" or not parts:
        shape.append(name.removesuffix(".html"))
    key = "-".join(shape)
    return TYPE_NAMES.get(key, key)


@dataclass
class Site:
    """The built site: its folder, the URL path it is served under, and its HTML pages by type."""

    folder: Path
    prefix: str
    pages: dict[str, list[str]] = field(default_factory=dict)

    def url_path(self, rel: str) -> str:
        """The served path of site file `rel` (folders end with /)."""
        rel = rel[: -len("index.html")] if rel == "index.html" or rel.endswith("/index.html") else rel
        return self.prefix + rel

    def representative(self, kind: str) -> str:
        """The page a test of this type runs on: the largest (most content), then the first by path."""
        return max(sorted(self.pages[kind]), key=lambda rel: (self.folder / rel).stat().st_size)


_site: Site | None = None


def built_site() -> Site:
    """Build a copy of the project once per session (also used at collection time to list the page types)."""
    global _site
    if _site is None:
        tmp = Path(tempfile.mkdtemp(prefix="digest-browser-"))
        atexit.register(shutil.rmtree, tmp, True)
        project = copy_project(tmp / "project")
        config = load_config(project / "digest.yaml")
        result = build(config)
        site = Site(result.out, urlsplit(config.site.base_url).path or "/")
        for path in sorted(result.out.rglob("*.html")):
            rel = path.relative_to(result.out).as_posix()
            if rel.startswith("pagefind/"):
                continue
            site.pages.setdefault(page_type(rel), []).append(rel)
        _site = site
    return _site


def pytest_generate_tests(metafunc):
    if "page_type" in metafunc.fixturenames:
        kinds = sorted(built_site().pages)
        metafunc.parametrize("page_type", kinds, ids=kinds)


@pytest.fixture(scope="session")
def site() -> Site:
    return built_site()


class _Handler(SimpleHTTPRequestHandler):
    """Serves the site under its prefix; pretty URLs; 404.html for anything missing."""

    prefix = "/"
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".pagefind": "application/wasm",
                      ".js": "text/javascript", ".svg": "image/svg+xml", ".xml": "application/xml"}

    def translate_path(self, path: str) -> str:
        raw = urlsplit(path).path  # the base class unquotes it
        if not raw.startswith(self.prefix):
            return str(Path(self.directory) / ".no-such-file")
        return super().translate_path("/" + raw[len(self.prefix):])

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != HTTPStatus.NOT_FOUND or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(code)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture(scope="session")
def server(site: Site):
    """The site over HTTP on 127.0.0.1 (any free port); yields the site's root URL."""
    handler = type("Handler", (_Handler,), {"prefix": site.prefix})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site.folder)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}{site.prefix}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Python Playwright is not installed (pip install -e '.[test]')")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
    except Exception:
        pw.stop()
        raise
    try:
        yield chromium
    finally:
        chromium.close()
        pw.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """test-artifacts/screenshots/, emptied once per session so it holds this run's pictures only."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        unavailable(f"axe-core is not installed ({AXE_JS.relative_to(ROOT)}): npm install --no-save axe-core")
    return AXE_JS.read_text(encoding="utf-8")


class Tab:
    """One browser page, reused: opens URLs and records what went wrong while each loaded."""

    def __init__(self, page, root_url: str):
        self.page = page
        self.origin = "{0.scheme}://{0.netloc}".format(urlsplit(root_url))
        self.problems: list[str] = []
        self.allowed_status: dict[str, int] = {}
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught exception: {exc}"))
        self.pending: set = set()
        page.on("requestfailed", self._failed)
        page.on("requestfinished", lambda req: self.pending.discard(req))
        page.on("response", self._response)
        page.on("request", self._request)

    def _console(self, msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            if where in self.allowed_status and msg.text.startswith("Failed to load resource"):
                return
            self.problems.append(f"console error: {msg.text} ({where})")

    def _response(self, resp) -> None:
        if resp.status >= 400 and self.allowed_status.get(resp.url) != resp.status:
            self.problems.append(f"HTTP {resp.status}: {resp.url}")

    def _request(self, req) -> None:
        self.pending.add(req)
        if not req.url.startswith(self.origin + "/") and not req.url.startswith("data:"):
            self.problems.append(f"request to another origin: {req.url}")

    def _failed(self, req) -> None:
        self.pending.discard(req)
        self.problems.append(f"request failed: {req.url} ({req.failure})")

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until no request has been in flight for a moment (quicker than Playwright's 500 ms networkidle)."""
        quiet = 0
        for _ in range(int(timeout / 0.025)):
            self.page.wait_for_timeout(25)
            quiet = quiet + 1 if not self.pending else 0
            if quiet >= 3:
                return
        raise AssertionError(f"requests still in flight: {[r.url for r in self.pending]}")

    def open(self, url: str, *, width: int = 1280, scheme: str = "light", status: int = 200, search: bool = True):
        """Load `url` at `width` px in the colour scheme; wait until the network is idle and search is live."""
        page = self.page
        self.problems.clear()
        self.pending.clear()
        self.allowed_status = {url: status} if status != 200 else {}
        page.set_viewport_size({"width": width, "height": HEIGHT})
        page.emulate_media(color_scheme=scheme)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == status, f"{url}: HTTP {response and response.status}"
        if search:
            page.wait_for_selector("#site-search input.search-input", timeout=10_000)
        self.settle()
        return response

    def assert_clean(self) -> None:
        assert not self.problems, f"{self.page.url}:\n  " + "\n  ".join(self.problems)


@pytest.fixture(scope="session")
def _tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": HEIGHT}, device_scale_factor=1,
                                  reduced_motion="reduce", locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    tab = Tab(context.new_page(), server)
    yield tab
    context.close()


@pytest.fixture
def tab(_tab):
    """The session's page, with what went wrong cleared."""
    _tab.problems.clear()
    return _tab


def axe_violations(page, axe_source: str) -> list[dict]:
    """Run axe-core (every rule enabled by default: WCAG 2.x A/AA and best practices) on the open page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=axe_source)
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160),
                                      summary: n.failureSummary}))}));
    }""")


def describe(violations: list[dict]) -> str:
    """A readable list of axe violations for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']}")
        for n in v["nodes"][:8]:
            summary = " ".join((n["summary"] or "").split())
            lines.append(f"    {n['target']}  {n['html']}\n      {summary[:300]}")
    return "\n".join(lines)
