"""The pure parts of benchmarks/archive.py's serve phase: reading server-sent events, choosing the older issue."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import benchmark_script



archive = benchmark_script("archive")


def test_events_are_dispatched_at_the_blank_line_as_eventsource_does() -> None:
    parser = archive.EventParser()
    lines = ["retry: 1000\n", "\n",  # no data: nothing to dispatch
             "event: hello\n", "data: abc.0\n", "\n",
             ": keep-alive\n", "\n",
             "event: error\r\n", "data: {\"messages\":\n", "data:  [1]}\n", "\r\n",
             "data: plain\n", "\n"]
    events = [e for e in (parser.feed(line) for line in lines) if e is not None]
    assert events == [("hello", "abc.0"), ("error", "{\"messages\":\n [1]}"), ("message", "plain")]


def test_the_older_issue_is_five_years_before_the_newest_or_the_oldest() -> None:
    from datetime import date, timedelta

    def files(n: int) -> list[Path]:
        end = date(2026, 7, 1)
        return [Path(f"{end - timedelta(days=i)}.yaml") for i in reversed(range(n))]

    assert archive.older_issue(files(365)).stem == "2025-07-02"  # shorter than five years: the oldest
    assert archive.older_issue(files(3650)).stem == "2021-07-01"
    assert archive.older_issue(files(1)).stem == "2026-07-01"


class _Events(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if self.path != "/__digest/events":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.end_headers()
        for chunk in (b"retry: 1000\n\n", b"event: hello\ndata: x.0\n\n", b": keep-alive\n\n",
                      b"event: reload\ndata: x.1\n\n"):
            self.wfile.write(chunk)
            self.wfile.flush()

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


def test_the_event_stream_reads_events_over_http_and_reports_the_end() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stream = archive.EventStream("127.0.0.1", server.server_address[1], timeout=30)
        deadline = archive.time.perf_counter() + 30
        got = [stream.next(deadline)[:2] for _ in range(3)]
        stream.close()
    finally:
        server.shutdown()
        server.server_close()
    assert got[:2] == [("hello", "x.0"), ("reload", "x.1")]
    assert got[2][0] == "closed"


def test_an_endpoint_that_is_not_an_event_stream_is_a_serve_failure() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Events)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(archive.ServeFailure, match="404"):
            archive.EventStream("127.0.0.1", server.server_address[1], path="/elsewhere", timeout=30)
    finally:
        server.shutdown()
        server.server_close()


def test_a_restored_file_is_whole_even_when_restoring_is_interrupted(tmp_path: Path, monkeypatch) -> None:
    # The runner restores the files it edited on its way out, also after Ctrl-C or SIGTERM; a second signal
    # while it restores must leave the file as it was (edited) or restored, never truncated.
    issue = tmp_path / "2021-07-03.yaml"
    issue.write_bytes(b"date: 2021-07-03\npapers: [edited]\n")
    original = b"date: 2021-07-03\npapers: []\n" * 1000

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(archive.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        archive.restore(issue, original)
    assert issue.read_bytes() == b"date: 2021-07-03\npapers: [edited]\n"
    assert [p.name for p in tmp_path.iterdir()] == [issue.name]
    monkeypatch.undo()
    archive.restore(issue, original)
    assert issue.read_bytes() == original and [p.name for p in tmp_path.iterdir()] == [issue.name]
