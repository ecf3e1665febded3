"""Benchmark: what a reader's browser downloads to search a built site, by kind of file.

The search index is split into shards (see digest/build/search_index.py), and the search box merges them
in the browser. How many shards there are is a trade-off between build time (an edit re-indexes one
shard) and what each search costs a reader. This script measures the second: it serves a built site
on 127.0.0.1, opens its home page in headless Chromium (Debian's /usr/bin/chromium or
$DIGEST_CHROMIUM, through Playwright, as the browser tests do), types each term into the search box
and prints the requests and bytes opening the page and each search made, split into the search box's own
script (assets/search.js, loaded with the page), Pagefind's scripts, its WebAssembly, shard entries and
metadata, index chunks and result fragments.

Bytes are counted two ways. "Wire" is what the reader downloads: the server gzips text files (scripts,
JSON, HTML, CSS) for a browser that accepts it, as static hosts (GitHub Pages, Netlify, Cloudflare
Pages) do; Pagefind's own index files are compressed already and go as they are. "Stored" is the
files' size on disk, what a host that compresses nothing would send.

    python benchmarks/search_bytes.py [SITE] [--term WORD ...]

SITE defaults to site/ (build it first with `digest build`); the sites benchmarks/archive.py builds are
kept in WORK/n<N>/archive/site/ with --keep. Needs the `test` extra (Playwright). archive.py calls
first_search() for its "first search" figure: opening the search box, then one term.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
TERMS = ("diffusion", "kernel", "latent")
KINDS = ("box", "ui", "wasm", "entry", "meta", "index", "fragment")
BOX_SCRIPT = "/assets/search.js"  # the search box's own script (templates/assets/search.js), loaded with the page


def kind(path: str) -> str | None:
    """Which part of the search a request is for: the box's own script, or a part of a Pagefind bundle; None for
    anything else (the page, its stylesheet)."""
    path = path.split("?")[0]
    if path.endswith(BOX_SCRIPT):
        return "box"
    if "/pagefind/" not in path:
        return None
    name = path.rsplit("/", 1)[-1]
    if name.startswith("wasm."):
        return "wasm"
    if name == "pagefind-entry.json":
        return "entry"
    if name.endswith(".pf_meta"):
        return "meta"
    if name.endswith(".pf_index"):
        return "index"
    if name.endswith(".pf_fragment"):
        return "fragment"
    return "ui"  # Pagefind's scripts and shards.json


COMPRESSED = {".html", ".js", ".css", ".json", ".xml", ".svg"}  # what static hosts gzip on the way


def _gzip(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


class _Host(http.server.SimpleHTTPRequestHandler):
    """A static host: text files gzipped for a browser that accepts it, everything else as stored."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".js": "text/javascript",
                      ".pagefind": "application/wasm"}

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if path.suffix not in COMPRESSED or "gzip" not in self.headers.get("Accept-Encoding", "") \
                or not path.is_file():
            return super().do_GET()
        body = _gzip(path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


class Tally(NamedTuple):
    """What one step (opening the search box, or one search) fetched from the bundle, by kind of file."""
    wire: Counter
    stored: Counter
    requests: Counter


def measure(site: Path, terms: list[str]) -> list[tuple[str, Tally]]:
    """(step, what it fetched) for opening the search, each search after it, and (when the first search reads
    only the newest shards) the last one widened to every issue with the box's button."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Host, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    fetched: list[tuple[str, int, int]] = []
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            page = browser.new_page()

            def finished(request) -> None:
                response = request.response()
                try:
                    body = response.body() if response else b""
                except Exception:  # noqa: BLE001 - a body the browser dropped counts as nothing
                    body = b""
                # The browser does not report the encoded size of every request (a worker's script), so the
                # wire size is the server's own: the same gzip of the same bytes.
                gzipped = response is not None and response.headers.get("content-encoding") == "gzip"
                wire = len(_gzip(body)) if gzipped else len(body)
                fetched.append((request.url[len(origin):], wire, len(body)))

            page.on("requestfinished", finished)
            page.goto(origin + "/")
            page.wait_for_selector(".search-input", timeout=30_000)
            page.wait_for_load_state("networkidle")
            rows.append(("(opening the search box)", _tally(fetched)))
            for term in terms:
                fetched.clear()
                page.fill(".search-input", term)
                page.wait_for_selector(".search-result", timeout=60_000)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1_000)  # anything the page fetches after the first results are shown
                rows.append((term, _tally(fetched)))
            widen = page.locator("button.search-all")
            if terms and widen.is_visible():
                fetched.clear()
                widen.click()
                page.wait_for_selector("button.search-all", state="hidden")
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1_000)
                rows.append((f"{terms[-1]}, all issues", _tally(fetched)))
            browser.close()
    finally:
        server.shutdown()
    return rows


def unavailable() -> str | None:
    """Why this measurement cannot run here (no Chromium, no Playwright), or None when it can."""
    if not CHROMIUM.is_file():
        return f"Chromium not found at {CHROMIUM}; set DIGEST_CHROMIUM or apt-get install chromium"
    try:
        import playwright.sync_api  # noqa: F401 - only whether it is there
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return None


def first_search(site: Path, term: str, later: str = "kernel") -> dict:
    """What a reader's first search costs: the bytes (on the wire; `stored`: as stored) and requests from typing
    `term` into the search box (the page already loaded) to its results, by kind; also what loading the box
    took, what a later search for a new word (`later`) costs, and what widening that one to every issue costs.
    benchmarks/archive.py prints it beside its build figures."""
    (_, opening), (_, first), (_, again), *widened = measure(site, [term, later])
    shards, first_shards = shard_counts(site)
    return {"term": term, "later_term": later, "shards": shards, "first_shards": first_shards,
            "total": sum(first.wire.values()), "stored": sum(first.stored.values()),
            "requests": sum(first.requests.values()), "opening": sum(opening.wire.values()),
            "later": sum(again.wire.values()), "all_issues": sum(widened[0][1].wire.values()) if widened else 0,
            "by_kind": dict(first.wire)}


def shard_counts(site: Path) -> tuple[int, int]:
    """How many Pagefind indexes the search box merges (the shards in pagefind/shards.json, else one), and how
    many of them its first search reads (`first` there; all when it is absent)."""
    path = site / "pagefind" / "shards.json"
    if not path.is_file():
        return 1, 1
    listing = json.loads(path.read_text(encoding="utf-8"))
    count = len(listing["shards"])
    return count, listing.get("first", count)


def _tally(fetched: list[tuple[str, int, int]]) -> Tally:
    tally = Tally(Counter(), Counter(), Counter())
    for path, wire, stored in fetched:
        k = kind(path)
        if k is not None:
            tally.wire[k] += wire
            tally.stored[k] += stored
            tally.requests[k] += 1
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "site")
    parser.add_argument("--term", action="append", dest="terms", help="a word to search for (repeatable)")
    args = parser.parse_args(argv)
    bundle = args.site / "pagefind"
    if not bundle.is_dir():
        print(f"{bundle}: not found; build the site first (digest build)", file=sys.stderr)
        return 2
    reason = unavailable()
    if reason is not None:
        print(reason, file=sys.stderr)
        return 2
    count, first = shard_counts(args.site)
    print(f"{args.site}: {count} search shard{'s' if count != 1 else ''}, the first search reads {first}")
    print(f"{'search':26s} {'wire':>9s} {'stored':>9s}  " + "  ".join(f"{k:>14s}" for k in KINDS))
    for term, tally in measure(args.site, args.terms or list(TERMS)):
        cells = "  ".join(f"{tally.wire[k] / 1024:7.0f} KB/{tally.requests[k]:<3d}" for k in KINDS)
        print(f"{term:26s} {sum(tally.wire.values()) / 1024:6.0f} KB {sum(tally.stored.values()) / 1024:6.0f} KB  "
              f"{cells}")
    print("each cell: kilobytes on the wire / requests; 'box' is the search box's own script (assets/search.js), "
          "'ui' Pagefind's scripts and pagefind/shards.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
