"""Benchmark: fetch one issue window from a local stand-in for arXiv, cold and cached.

Serves the recorded combined feed of 28 Nov 2024 (1,504 items, all archives) from a local
HTTP server on 127.0.0.1, answers the API's id_list lookups from the same recording, and
runs `fetch_issue` for the issue of 2024-11-29 (Asia/Seoul) three ways: cold (empty cache),
cached (same window again) and refreshed (cache bypassed). Prints requests made and seconds
spent for each.

    python benchmarks/fetch_window.py [--delay SECONDS] [--runs N]
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from arxiv_server import KST, ArxivServer, Reply, atom_feed, fixture_bytes, make_config  # noqa: E402

from digest.fetch.http import HttpClient  # noqa: E402
from digest.fetch.run import fetch_issue, summary_line  # noqa: E402
from digest.prescore import prescorer  # noqa: E402

FEED = "rss_all-archives_combined_2024-11-28.xml"
ISSUE = date(2024, 11, 29)
NOW = datetime(2024, 11, 29, 8, 30, tzinfo=KST)


def _recorded_entries() -> dict[str, dict]:
    """id -> an API-style entry, read from the RSS recording (only what the benchmark needs)."""
    raw = fixture_bytes(FEED).decode("utf-8")
    entries = {}
    for item in raw.split("<item>")[1:]:
        m = re.search(r"arXiv:(\S+?)v(\d+) Announce Type", item)
        title = re.search(r"<title>(.*?)</title>", item, re.S)
        if m:
            entries[m.group(1)] = {"id": f"{m.group(1)}v{m.group(2)}", "title": title.group(1) if title else ""}
    return entries


def _serve(server: ArxivServer, categories: tuple[str, ...]) -> None:
    entries = _recorded_entries()
    server.route("/rss/" + "+".join(categories), Reply.fixture(FEED))

    def id_list(request):
        ids = request.param("id_list").split(",")
        return Reply(200, atom_feed([entries[i] for i in ids if i in entries]))

    server.route("/api/query", id_list)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between requests (arXiv asks for 3)")
    parser.add_argument("--runs", type=int, default=1, help="repeat the cold/cached/refresh trio this many times")
    args = parser.parse_args(argv)

    server = ArxivServer().start()
    try:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            config = make_config(Path(tmp), server)
            _serve(server, config.arxiv.categories)
            print(f"local arXiv at {server.base_url}; feed {FEED} ({len(fixture_bytes(FEED)):,} bytes)")
            print(f"{'run':<10}{'requests':>9}{'cached':>8}{'retries':>8}{'http s':>8}{'total s':>9}")
            for _ in range(args.runs):
                # Each trio starts from an empty cache, so "cold" really is cold.
                shutil.rmtree(config.cache_dir, ignore_errors=True)
                for label, refresh in (("cold", False), ("cached", False), ("refresh", True)):
                    with HttpClient.for_config(config, delay_seconds=args.delay) as client:
                        started = time.perf_counter()
                        result = fetch_issue(config, ISSUE, NOW, refresh=refresh, client=client,
                                             prescore=prescorer(config, ISSUE))
                        total = time.perf_counter() - started
                    r = result.requests
                    print(f"{label:<10}{r['count']:>9}{r['cached']:>8}{r['retries']:>8}{r['seconds']:>8.2f}{total:>9.2f}")
                print(summary_line(result))
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
