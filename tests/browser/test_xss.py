"""The XSS corpus site (tests/test_hostile_input.py) in headless Chromium: every page loads with no dialog
(alert/confirm/prompt), no uncaught exception and no console error, and a search for the hostile text renders
its results inertly."""
from __future__ import annotations

import functools
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from test_hostile_input import MARK, hostile_site

from .conftest import HEIGHT, Tab, _Handler


@pytest.fixture(scope="module")
def xss_tab(browser):
    site = hostile_site()
    prefix = urlsplit("https://example.org/digest/").path
    handler = type("Handler", (_Handler,), {"prefix": prefix})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    context = browser.new_context(viewport={"width": 1280, "height": HEIGHT}, locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    root = f"http://127.0.0.1:{httpd.server_address[1]}{prefix}"
    tab = Tab(context.new_page(), root)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message} on {tab.page.url}")
        dialog.dismiss()

    tab.page.on("dialog", on_dialog)
    try:
        yield tab, dialogs, site, root
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()


def test_every_hostile_page_runs_no_injected_script(xss_tab):
    tab, dialogs, site, root = xss_tab
    failures = []
    pages = [p.relative_to(site).as_posix() for p in sorted(site.rglob("*.html")) if "pagefind" not in p.parts]
    assert len(pages) > 10
    for rel in pages:
        path = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        tab.open(root + path)  # 404.html itself is served with 200
        tab.page.mouse.move(200, 200)  # hover-triggered handlers, had any survived
        tab.page.wait_for_timeout(30)
        if tab.problems:
            failures.append(f"{rel}: " + "; ".join(tab.problems))
    assert not dialogs, dialogs
    assert not failures, "\n".join(failures)


def test_search_results_for_hostile_text_are_inert(xss_tab):
    tab, dialogs, site, root = xss_tab
    tab.open(root + "2026/07/02/")
    box = tab.page.locator("#site-search input.search-input")
    for query in (MARK, "script alert", "svg onload", "javascript"):
        box.fill(query)
        tab.page.wait_for_timeout(600)
        tab.settle()
    assert tab.page.locator(".search-result").count() > 0, "the search found the hostile issue"
    injected = tab.page.evaluate("""() => [...document.querySelectorAll('#site-search *')].filter(e =>
        ['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'svg'].includes(e.tagName) && !e.closest('button') ||
        [...e.attributes].some(a => a.name.startsWith('on'))).map(e => e.outerHTML.slice(0, 120))""")
    assert not injected, injected
    assert not dialogs, dialogs
    tab.assert_clean()
