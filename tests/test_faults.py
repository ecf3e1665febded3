"""Nothing lost: `digest fetch` (the CLI, in-process) against a fault-injecting local arXiv, SIGKILL mid-fetch,
and runs that overlap (serve's rebuild against nightly, an editor saving during a build).

Every fault case starts from a previous candidates file and ends either with a correct candidates file (exit 0)
or a clear one-line error, a non-zero exit and the previous file byte-identical; the requests the server saw and
the seconds spent are bounded. Fast retry settings come from the DIGEST_HTTP_* knobs (digest/fetch/http.py).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from arxiv_server import Reply, arxiv_server, atom_feed, point_project  # noqa: F401 - the fixture
from conftest import ROOT, copy_project

from digest.cli import main

NOW = "2024-11-29T08:30:00+09:00"  # the Wed 27 Nov batch is the newest: RSS + id_list lookups
LATER = "2024-12-10T09:00:00+09:00"  # the same window long after: backfilled through the API search
ISSUE = "2024-11-29"
FEED = "/rss/cs.CV+cs.LG+cs.CL"
API = "/api/query"
TOPICAL = ("2411.90001", "2411.90002", "2411.90003")
BACKFILL = tuple(f"2411.9100{i}" for i in range(1, 6))
MAX_ATTEMPTS = 3
FAST_HTTP = {"DIGEST_HTTP_BACKOFF_BASE": "0.01", "DIGEST_HTTP_BACKOFF_CAP": "0.05", "DIGEST_HTTP_TIMEOUT": "0.5",
             "DIGEST_HTTP_MAX_ATTEMPTS": str(MAX_ATTEMPTS)}
PREVIOUS = (json.dumps({"format": 1, "date": ISSUE, "source": "rss", "candidates": [
    {"id": "0000.00000", "title": "the previous file", "first_seen": "2024-11-29T07:00:00+09:00"}]},
    sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode()


# --- what the server answers ---------------------------------------------------------------------


def rss(pub: str = "Thu, 28 Nov 2024 00:00:00 -0500", ids: tuple[str, ...] = TOPICAL) -> bytes:
    """A small combined feed: the `ids` about diffusion and one paper off topic (no item at all without ids)."""
    items = [(i, f"Diffusion paper {i}", "A diffusion model.") for i in ids] + [("2411.90009", "Graphs", "Graphs.")] * bool(ids)
    body = "".join(
        f"<item><title>{escape(t)}</title><link>https://arxiv.org/abs/{i}</link>"
        f"<description>arXiv:{i}v1 Announce Type: new \nAbstract: {escape(a)}</description>"
        f"<category>cs.CV</category><dc:creator>A. Author</dc:creator></item>"
        for i, t, a in items)
    return ("<?xml version='1.0' encoding='UTF-8'?><rss xmlns:dc=\"http://purl.org/dc/elements/1.1/\" version=\"2.0\">"
            f"<channel><title>cs updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs</link>"
            f"<description>x</description><pubDate>{pub}</pubDate>{body}</channel></rss>").encode()


def lookup(request) -> Reply:
    """id_list lookups: a minimal entry for every id asked for."""
    ids = [i for i in request.param("id_list").split(",") if i]
    return Reply(200, atom_feed([{"id": f"{i}v1", "title": f"Diffusion paper {i}", "summary": "A diffusion model."}
                                 for i in ids]))


def search_pages(*pages: list[str] | Reply, total: int = len(BACKFILL)):
    """submittedDate searches: page k (in request order per start offset) from `pages`."""
    def entry(i: str) -> dict:
        return {"id": f"{i}v1", "title": f"Diffusion backfill {i}", "summary": "A diffusion model."}

    by_start: dict[int, list] = {}
    offset = 0
    for page in pages:
        if isinstance(page, Reply):
            by_start.setdefault(offset, []).append(page)
            continue
        by_start.setdefault(offset, []).append(Reply(200, atom_feed([entry(i) for i in page], total=total, start=offset)))
        offset += len(page)

    def answer(request) -> Reply:
        start = int(request.param("start", "0") or 0)
        queue = by_start.get(start) or [Reply(200, atom_feed([], total=total, start=start))]
        return queue.pop(0) if len(queue) > 1 else queue[0]
    return answer


def is_search(r) -> bool:
    return bool(r.param("search_query"))


def is_lookup(r) -> bool:
    return bool(r.param("id_list"))


def truncated(body: bytes) -> bytes:
    return body[: len(body) * 2 // 3]


@dataclass
class Case:
    """One fault: routes to install, when to run, what must come out."""

    routes: list[tuple[str, tuple, object]]  # (path, replies, when)
    exit: int
    max_requests: int
    now: str = NOW
    ids: tuple[str, ...] = TOPICAL
    message: str = ""  # in the one-line error
    max_seconds: float = 8.0
    dns: bool = False
    notes: list[str] = field(default_factory=list)


def rss_case(*feed: Reply, exit: int, max_requests: int, message: str = "", **kw) -> Case:
    return Case([(FEED, feed, None), (API, (lookup,), is_lookup)], exit, max_requests, message=message, **kw)


def api_case(*replies, exit: int, max_requests: int, message: str = "", ids=BACKFILL, **kw) -> Case:
    return Case([(API, replies, is_search)], exit, max_requests, now=LATER, ids=ids, message=message, **kw)


OK = Reply(200, rss())
A = MAX_ATTEMPTS
CASES = {
    "ok": rss_case(OK, exit=0, max_requests=2),
    "503-burst-then-ok": rss_case(Reply(503), Reply(503), OK, exit=0, max_requests=4),
    "503-forever": rss_case(Reply(503, b"busy"), exit=3, max_requests=A, message="503 Service Unavailable after 3 attempts"),
    "429-retry-after-then-ok": rss_case(Reply(429, headers={"Retry-After": "1"}), OK, exit=0, max_requests=3),
    "429-no-retry-after-forever": rss_case(Reply(429), exit=3, max_requests=A, message="429 Too Many Requests after 3"),
    "429-retry-after-huge-forever": rss_case(Reply(429, headers={"Retry-After": "86400"}), exit=3, max_requests=A,
                                             message="429"),
    "feed-empty-then-full": rss_case(Reply(200, rss(ids=())), OK, exit=0, max_requests=3, ids=TOPICAL),
    "feed-empty-forever": rss_case(Reply(200, rss(ids=())), exit=4, max_requests=4,
                                   message="has no items"),
    "feed-truncated-xml": rss_case(Reply(200, truncated(rss())), exit=4, max_requests=1, message="malformed or cut short"),
    "feed-cut-connection-then-ok": rss_case(Reply(200, rss(), fault="cut"), OK, exit=0, max_requests=3),
    "feed-cut-connection-forever": rss_case(Reply(200, rss(), fault="cut"), exit=3, max_requests=A,
                                            message="closed in the middle"),
    "html-maintenance-200": rss_case(Reply.html(200), exit=4, max_requests=1, message="an HTML page came instead of XML"),
    "html-maintenance-503-forever": rss_case(Reply.html(503), exit=3, max_requests=A, message="503"),
    "reset-then-ok": rss_case(Reply(fault="reset"), OK, exit=0, max_requests=3),
    "reset-forever": rss_case(Reply(fault="reset"), exit=3, max_requests=A, message="after 3 attempts"),
    "hang-forever": rss_case(Reply(fault="hang"), exit=3, max_requests=A, message="no answer within 0.5 s"),
    "hang-then-ok": rss_case(Reply(fault="hang"), OK, exit=0, max_requests=3),
    "dns-failure": rss_case(OK, exit=3, max_requests=0, dns=True, message="cannot resolve host name"),
    "stale-feed-yesterday": rss_case(Reply(200, rss(pub="Wed, 27 Nov 2024 00:00:00 -0500")), exit=75, max_requests=1,
                                     message="not available yet"),
    "feed-from-the-future": rss_case(Reply(200, rss(pub="Fri, 29 Nov 2024 00:00:00 -0500")), exit=4, max_requests=1,
                                     message="check schedule.holidays"),
    "lookup-503-forever": Case([(FEED, (OK,), None), (API, (Reply(503),), is_lookup)], 3, 1 + A, message="arXiv API"),
    "lookup-truncated": Case([(FEED, (OK,), None), (API, (Reply(200, truncated(atom_feed([{"id": "2411.90001v1"}]))),),
                                                  is_lookup)], 4, 2, message="malformed"),
    "lookup-error-400": Case([(FEED, (OK,), None), (API, (Reply.fixture("api_error_http400_idlist_abc_2026-04-12.xml",
                                                                        status=400),), is_lookup)], 4, 2,
                             message="400"),
    "backfill-ok-one-page": api_case(search_pages(list(BACKFILL)), exit=0, max_requests=1),
    "backfill-short-pages": api_case(search_pages(list(BACKFILL[:3]), [BACKFILL[3]], [BACKFILL[4]]), exit=0,
                                     max_requests=3),
    "backfill-first-page-empty-then-full": api_case(search_pages(Reply(200, atom_feed([], total=0)), list(BACKFILL)),
                                                    exit=0, max_requests=2),
    "backfill-page-2-missing": api_case(search_pages(list(BACKFILL[:3])), exit=4, max_requests=1 + 3,
                                        message="came back empty 3 times"),
    "backfill-page-2-truncated": api_case(search_pages(list(BACKFILL[:3]), Reply(200, truncated(atom_feed(
        [{"id": "2411.91004v1"}], total=5, start=3)))), exit=4, max_requests=2, message="malformed"),
    "backfill-503-forever": api_case(Reply(503), exit=3, max_requests=A, message="503"),
    "backfill-html-200": api_case(Reply.html(200), exit=4, max_requests=1, message="HTML page"),
}


@pytest.fixture
def fetch_project(tmp_path, arxiv_server, monkeypatch):  # noqa: F811 - pytest fixture injection
    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server.api_url, arxiv_server.rss_url)
    for k, v in FAST_HTTP.items():
        monkeypatch.setenv(k, v)
    return root


def point_at(root: Path, api_url: str, rss_url: str) -> None:
    # The listing pages are read only between 20:00 and 00:00 ET; never the real arXiv from a test.
    point_project(root, api_url, rss_url, f"{rss_url.rsplit('/', 1)[0]}/list")


def fetch(root: Path, now: str, *extra: str) -> int:
    return main(["--config", str(root / "digest.yaml"), "fetch", ISSUE, "--now", now, "--quiet", *extra])


def candidate_ids(path: Path) -> set[str]:
    return {c["id"] for c in json.loads(path.read_text("utf-8"))["candidates"]}


@pytest.mark.parametrize("name", list(CASES))
def test_fetch_fault(name, fetch_project, arxiv_server, capsys):  # noqa: F811
    case = CASES[name]
    root = fetch_project
    cands = root / "issues" / f"{ISSUE}.candidates.json"
    cands.write_bytes(PREVIOUS)
    if case.dns:
        point_at(root, "http://export.arxiv.invalid/api/query", "http://rss.arxiv.invalid/rss")
    for path, replies, when in case.routes:
        arxiv_server.route(path, *replies, when=when)
    started = time.monotonic()
    code = fetch(root, case.now)
    seconds = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == case.exit, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert arxiv_server.count() <= case.max_requests, [r.path + "?" + r.raw_query[:60] for r in arxiv_server.requests]
    assert seconds < case.max_seconds
    assert not list(cands.parent.glob("*.tmp"))
    if case.exit == 0:
        assert candidate_ids(cands) == set(case.ids)
        return
    assert cands.read_bytes() == PREVIOUS, "a failed fetch changed the previous candidates file"
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and case.message in lines[0], err
    # Nothing bad was cached: once arXiv is healthy, a plain re-run (no --refresh) gets the right file.
    arxiv_server.reset()
    point_at(root, arxiv_server.api_url, arxiv_server.rss_url)
    arxiv_server.route(FEED, OK)
    arxiv_server.route(API, lookup, when=is_lookup)
    # (pages as the failed run may have cached them: 3 of 5 results first; a good page is cached, a bad one never)
    arxiv_server.route(API, search_pages(list(BACKFILL[:3]), list(BACKFILL[3:])), when=is_search)
    assert fetch(root, case.now) == 0, capsys.readouterr().err
    assert candidate_ids(cands) == set(case.ids)


def test_retry_settings_come_from_the_environment(fetch_project, arxiv_server, monkeypatch, capsys):  # noqa: F811
    monkeypatch.setenv("DIGEST_HTTP_MAX_ATTEMPTS", "2")
    arxiv_server.route(FEED, Reply(503))
    assert fetch(fetch_project, NOW) == 3
    assert arxiv_server.count() == 2
    monkeypatch.setenv("DIGEST_HTTP_TIMEOUT", "soon")
    assert fetch(fetch_project, NOW) == 1
    assert "DIGEST_HTTP_TIMEOUT='soon' is not a positive number" in capsys.readouterr().err


# --- SIGKILL mid-fetch ---------------------------------------------------------------------------------


def _slow(reply_fn, seconds: float, started: threading.Event):
    def answer(request) -> Reply:
        started.set()
        time.sleep(seconds)
        return reply_fn(request) if callable(reply_fn) else reply_fn
    return answer


def _spawn(root: Path) -> subprocess.Popen:
    env = {**os.environ, **FAST_HTTP, "DIGEST_HTTP_TIMEOUT": "5", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "digest", "--config", str(root / "digest.yaml"), "fetch", ISSUE,
                             "--now", NOW, "--quiet", "--refresh"],
                            cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_sigkill_mid_fetch_loses_nothing(tmp_path, arxiv_server):  # noqa: F811
    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server.api_url, arxiv_server.rss_url)
    cands = root / "issues" / f"{ISSUE}.candidates.json"
    cands.write_bytes(PREVIOUS)
    # A writer killed mid-write leaves its temporary file behind; the next successful run removes it.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = cands.parent / f".{cands.name}.{int(dead.stdout)}-abc123.tmp"
    stale.write_bytes(b'{"half": ')
    feed_asked, lookup_asked = threading.Event(), threading.Event()
    arxiv_server.route(FEED, _slow(OK, 0.6, feed_asked))
    arxiv_server.route(API, _slow(lookup, 0.6, lookup_asked), when=is_lookup)
    outcomes = []
    # Kill: while starting up, while the feed is in flight, while the lookup is in flight, just after it answered.
    for point, wait in (("start-up", lambda: time.sleep(0.15)),
                        ("feed in flight", lambda: feed_asked.wait(20)),
                        ("lookup in flight", lambda: lookup_asked.wait(20)),
                        ("lookup answered", lambda: lookup_asked.wait(20) and time.sleep(0.62))):
        feed_asked.clear()
        lookup_asked.clear()
        proc = _spawn(root)
        assert wait() is not False, f"{point}: the request never came"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=20)
        raw = cands.read_bytes()
        if raw != PREVIOUS:
            assert candidate_ids(cands) == set(TOPICAL), f"kill at {point}: a half-written candidates file"
        outcomes.append((point, raw == PREVIOUS))
    # The lock is free again and the next run completes the file.
    proc = _spawn(root)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 0, stderr.decode()
    assert candidate_ids(cands) == set(TOPICAL)
    assert not list(cands.parent.glob("*.tmp")), "temporary files left after a successful run"
    assert outcomes[0] == ("start-up", True) and outcomes[1] == ("feed in flight", True)


# --- overlapping runs --------------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_serve_rebuild_waits_for_nightly_and_both_finish(tmp_path, arxiv_server, monkeypatch):  # noqa: F811
    """`digest serve` asked to rebuild while a real `digest nightly` holds the lock waits for it; both succeed
    and the site ends equal to a clean build of the final sources."""
    from digest.build import build
    from digest.commands.serve import PreviewServer
    from digest.editorial.config import load_config

    for k, v in {**FAST_HTTP, "DIGEST_HTTP_TIMEOUT": "5"}.items():
        monkeypatch.setenv(k, v)
    root = copy_project(tmp_path / "proj")
    point_at(root, arxiv_server.api_url, arxiv_server.rss_url)
    feed_asked = threading.Event()
    arxiv_server.route(FEED, _slow(OK, 1.0, feed_asked))
    arxiv_server.route(API, lookup, when=is_lookup)
    logs: list[str] = []
    preview = PreviewServer(load_config(root / "digest.yaml"), "127.0.0.1", 0, reload=False, log=logs.append)
    preview.start()
    try:
        nightly: list[int] = []
        night = threading.Thread(target=lambda: nightly.append(
            main(["--config", str(root / "digest.yaml"), "nightly", ISSUE, "--now", NOW])))
        night.start()
        assert feed_asked.wait(20)  # nightly holds the lock and is fetching
        outcome = []
        rebuild = threading.Thread(target=lambda: outcome.append(preview.rebuild()))
        rebuild.start()
        deadline = time.monotonic() + 20
        while not any(line.startswith("waiting: ") and "nightly" in line for line in logs):
            assert time.monotonic() < deadline, logs
            time.sleep(0.02)
        night.join(60)
        rebuild.join(60)
        assert nightly == [0]
        assert outcome and outcome[0].ok, outcome
    finally:
        preview.stop()
    fresh = build(load_config(root / "digest.yaml"), tmp_path / "fresh", clean=True).out
    pages = {k: v for k, v in _tree(fresh).items() if k.endswith((".html", ".xml"))}
    served = {k: v for k, v in _tree(root / "site").items() if k.endswith((".html", ".xml"))}
    assert "2024/11/29/index.html" in served
    assert served == pages


def test_editor_save_during_build_is_old_or_new_never_a_mix(tmp_path):
    """The build reads the issue file once: its page matches a build of the old or of the new file."""
    import digest.build as build_mod
    from digest.editorial.config import load_config

    root = copy_project(tmp_path / "proj")
    issue = root / "issues" / "2026-07-01.yaml"
    old = issue.read_text("utf-8")
    new = old.replace("\nintro: |\n", "\nintro: |\n  The editor's new first line, saved mid-build.\n", 1)
    assert new != old

    def page(text: str, where: Path) -> bytes:
        issue.write_text(text, "utf-8")
        build_mod.build(load_config(root / "digest.yaml"), where, clean=True)
        return (where / "2026" / "07" / "01" / "index.html").read_bytes()

    old_page, new_page = page(old, tmp_path / "a"), page(new, tmp_path / "b")
    assert old_page != new_page
    issue.write_text(old, "utf-8")
    # Save the new file after the issue was first read, during the same build.
    import digest.editorial.issues as issues_mod
    real = issues_mod.Path.read_bytes
    saved = []

    def read_bytes(self):
        data = real(self)
        if self == issue and not saved:
            saved.append(True)
            issue.write_text(new, "utf-8")
        return data

    issues_mod.Path.read_bytes = read_bytes
    try:
        build_mod.build(load_config(root / "digest.yaml"), tmp_path / "c", clean=True)
    finally:
        issues_mod.Path.read_bytes = real
    mixed = (tmp_path / "c" / "2026" / "07" / "01" / "index.html").read_bytes()
    assert mixed in (old_page, new_page)
