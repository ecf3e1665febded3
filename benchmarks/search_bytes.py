"""Benchmark: what a reader's browser downloads to search a built site, by kind of file.

The search index is split into shards (see digest/build/search_index.py), and the search box merges them
in the browser. How many shards there are is a trade-off between build time (an edit re-indexes one
shard) and what each search costs a reader. This script measures the second: it serves a built site
on 127.0.0.1, opens its home page in headless Chromium (Debian's /usr/bin/chromium or
$DIGEST_CHROMIUM, through Playwright, as the browser tests do), types each term into the search box
and prints the requests and bytes each search made, split into Pagefind's WebAssembly, shard entries
and metadata, index chunks and result fragments.

    python benchmarks/search_bytes.py [SITE] [--term WORD ...]

SITE defaults to site/ (build it first with `digest build`); the sites benchmarks/archive.py builds are
kept in WORK/n<N>/archive/site/ with --keep. Needs the `test` extra (Playwright). archive.py calls
first_search() for its "first search" figure: opening the search box, then one term.
"""
from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import sys
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("DIGEST_CHROMIUM", "/usr/bin/chromium"))
TERMS = ("diffusion", "kernel", "latent")
KINDS = ("ui", "wasm", "entry", "meta", "index", "fragment")


def kind(path: str) -> str | None:
    """Which part of a Pagefind bundle a request is for; None for anything outside pagefind/."""
    if "/pagefind/" not in path:
        return None
    name = path.split("?")[0].rsplit("/", 1)[-1]
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
    return "ui"  # the scripts, stylesheet and shards.json


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def measure(site: Path, terms: list[str]) -> list[tuple[str, Counter, Counter]]:
    """(term, bytes by kind, requests by kind) for opening the search and each search after it."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    fetched: list[tuple[str, int]] = []
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
            page = browser.new_page()

            def finished(request) -> None:
                response = request.response()
                try:
                    size = len(response.body()) if response else 0
                except Exception:  # noqa: BLE001 - a body the browser dropped counts as nothing
                    size = 0
                fetched.append((request.url[len(origin):], size))

            page.on("requestfinished", finished)
            page.goto(origin + "/")
            page.wait_for_selector(".pagefind-ui__search-input", timeout=30_000)
            page.wait_for_load_state("networkidle")
            rows.append(("(opening the search box)", *_tally(fetched)))
            for term in terms:
                fetched.clear()
                page.fill(".pagefind-ui__search-input", term)
                page.wait_for_selector(".pagefind-ui__result", timeout=60_000)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(1_000)  # the UI fetches sub-result fragments after the first paint
                rows.append((term, *_tally(fetched)))
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
    """What a reader's first search costs: the bytes and requests from typing `term` into the search box (the
    page and the box's own scripts already loaded) to its results, by kind; also what loading the box took and
    what a later search for a new word (`later`) costs. benchmarks/archive.py prints it beside its build figures."""
    (_, opening, _), (_, size, count), (_, again, _) = measure(site, [term, later])
    return {"term": term, "later_term": later, "shards": shard_count(site), "total": sum(size.values()),
            "requests": sum(count.values()), "opening": sum(opening.values()), "later": sum(again.values()),
            "by_kind": dict(size)}


def shard_count(site: Path) -> int:
    """How many Pagefind indexes the search box merges: the shards listed in pagefind/shards.json, else one."""
    shards = site / "pagefind" / "shards.json"
    if not shards.is_file():
        return 1
    return len(json.loads(shards.read_text(encoding="utf-8"))["shards"])


def _tally(fetched: list[tuple[str, int]]) -> tuple[Counter, Counter]:
    size: Counter = Counter()
    count: Counter = Counter()
    for path, n in fetched:
        k = kind(path)
        if k is not None:
            size[k] += n
            count[k] += 1
    return size, count


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
    count = shard_count(args.site)
    print(f"{args.site}: {count} search shard{'s' if count != 1 else ''}")
    print(f"{'search':26s} {'total':>9s}  " + "  ".join(f"{k:>14s}" for k in KINDS))
    for term, size, requests in measure(args.site, args.terms or list(TERMS)):
        cells = "  ".join(f"{size[k] / 1024:7.0f} KB/{requests[k]:<3d}" for k in KINDS)
        print(f"{term:26s} {sum(size.values()) / 1024:6.0f} KB  {cells}")
    print("each cell: kilobytes / requests; 'ui' is Pagefind's scripts and stylesheet and shards.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
