"""Benchmark: what each fault costs `digest fetch` with the production retry settings.

Runs the fault table of tests/test_faults.py (503 bursts, 429 with and without Retry-After, empty and short
pages, truncated XML, HTML maintenance pages, resets, a server that never answers, DNS failure, a stale feed)
against a local stand-in for arXiv, each case in its own `python -m digest fetch` process with no DIGEST_HTTP_*
knob set (so HttpSettings' defaults: 4 attempts, backoff from 2 s doubling, 10 s connect and 60 s read time-outs,
3 s between requests as digest.yaml ships). A hanging handler gives up after --hang seconds (default 3: shorter
than the read time-out, as a proxy that drops an idle connection). Cases run in parallel; prints, for each, the
exit code, requests the server saw and seconds spent, then the worst case.

    python benchmarks/fetch_faults.py [--hang SECONDS] [--only NAME,NAME] [--jobs N]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import arxiv_server  # noqa: E402
from arxiv_server import ArxivServer  # noqa: E402
from conftest import copy_project  # noqa: E402
from test_faults import CASES, ISSUE, PREVIOUS, point_at  # noqa: E402


def run_case(name: str, work: Path) -> tuple[str, int, int, float, str]:
    case = CASES[name]
    server = ArxivServer().start()
    try:
        root = copy_project(work / name, issues=False)
        if case.dns:
            point_at(root, "http://export.arxiv.invalid/api/query", "http://rss.arxiv.invalid/rss")
        else:
            point_at(root, server.api_url, server.rss_url)
        cfg = root / "digest.yaml"
        cfg.write_text(cfg.read_text().replace("delay_seconds: 0", "delay_seconds: 3"))  # as shipped
        (root / "issues" / f"{ISSUE}.candidates.json").write_bytes(PREVIOUS)
        for path, replies, when in case.routes:
            server.route(path, *replies, when=when)
        env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_HTTP_")}
        env["PYTHONPATH"] = str(ROOT)
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "digest", "--config", str(cfg), "fetch", ISSUE, "--now", case.now,
                               "--quiet"], env=env, capture_output=True, text=True, timeout=900)
        seconds = time.monotonic() - started
        last = (proc.stderr.strip().splitlines() or [""])[-1]
        return name, proc.returncode, server.count(), seconds, last
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hang", type=float, default=3.0, help="seconds a hanging handler waits before closing")
    parser.add_argument("--only", default="", help="comma-separated case names (default: all)")
    parser.add_argument("--jobs", type=int, default=len(CASES))
    args = parser.parse_args()
    arxiv_server.HANG_LIMIT = args.hang
    names = [n for n in CASES if not args.only or n in args.only.split(",")]
    with tempfile.TemporaryDirectory(prefix="digest-fetch-faults-") as tmp:
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            rows = list(pool.map(lambda n: run_case(n, Path(tmp)), names))
        total = time.monotonic() - started
    print(f"{'case':36} {'exit':>4} {'requests':>8} {'seconds':>8}  message")
    for name, code, requests, seconds, last in rows:
        print(f"{name:36} {code:>4} {requests:>8} {seconds:>8.1f}  {last[:110]}")
    worst = max(rows, key=lambda r: r[3])
    most = max(rows, key=lambda r: r[2])
    print(f"\nworst case by time: {worst[0]}: {worst[3]:.1f} s, {worst[2]} requests, exit {worst[1]}")
    print(f"worst case by requests: {most[0]}: {most[2]} requests, {most[3]:.1f} s, exit {most[1]}")
    print(f"{len(rows)} cases in {total:.1f} s wall time (parallel)")


if __name__ == "__main__":
    main()
