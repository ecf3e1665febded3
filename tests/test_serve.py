"""`digest serve`: a real preview server on 127.0.0.1 (port 0), real HTTP requests, real file watching."""
from __future__ import annotations

import http.client
import json
import os
import queue
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT, copy_project, files

from digest.build import build
from digest.build.lock import project_lock
from digest.cli import main
from digest.commands.serve import EVENTS_PATH, PreviewServer, inject_live_reload, site_segments
from digest.editorial.config import load_config

ISSUE = "issues/2026-07-01.yaml"
PAGE = "/2026/07/01/"
WAIT = 20.0  # generous: a loaded 2-core CI machine; every wait below returns as soon as its condition holds


class Preview:
    """A started PreviewServer over a project copy, with its log lines."""

    def __init__(self, project: Path, **kwargs):
        self.project = project
        self.logs: list[str] = []
        self.server = PreviewServer(load_config(project / "digest.yaml"), "127.0.0.1", 0, log=self.logs.append,
                                    debounce_ms=400, step_ms=50, **kwargs)
        self.server.start()

    def get(self, path: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=WAIT)
        try:
            conn.request(method, path)
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def events(self) -> "Events":
        return Events(self.server.port)


class Events:
    """A Server-Sent Events client reading in a background thread."""

    def __init__(self, port: int):
        self.queue: queue.Queue = queue.Queue()
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT + 20)
        self.conn.request("GET", EVENTS_PATH)
        self.sock = self.conn.sock
        self.resp = self.conn.getresponse()
        assert self.resp.status == 200
        assert self.resp.headers["Content-Type"].startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        event, data = "message", []
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode("utf-8").rstrip("\n")
                if line == "":
                    if data:
                        self.queue.put((event, "\n".join(data)))
                    event, data = "message", []
                elif line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: "):
                    data.append(line[len("data: "):])
        except (OSError, ValueError, AttributeError):
            pass  # closed under our feet by close()
        self.queue.put(("closed", ""))

    def wait_for(self, kind: str, timeout: float = WAIT) -> str:
        """The data of the next `kind` event (others are skipped)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind!r} event within {timeout} s")
            try:
                event, data = self.queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if event == kind:
                return data
            if event == "closed":
                raise AssertionError(f"the event stream closed before a {kind!r} event")

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.thread.join(timeout=WAIT)  # the shutdown ends its read
        self.resp.close()
        self.conn.close()


@pytest.fixture
def preview(project):
    """A server of its own, for tests that edit the project."""
    p = Preview(project)
    yield p
    p.server.stop()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server for the tests that only read."""
    p = Preview(copy_project(tmp_path_factory.mktemp("serve") / "proj"))
    yield p
    p.server.stop()


def save(path: Path, text: str) -> None:
    """Save the way many editors do: write a temporary file, then rename it over the old one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def poll(condition, timeout: float = WAIT, every: float = 0.05):
    """Return condition()'s first truthy value, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s")


# ---------------------------------------------------------------------- serving


def test_serves_index_and_pretty_urls_with_types_and_no_store(shared):
    preview = shared
    status, headers, body = preview.get("/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert b"Diffusion Digest" in body
    status, headers, body = preview.get(PAGE)
    assert status == 200 and b"Cross-Space Distillation" in body
    status, headers, _ = preview.get(PAGE.rstrip("/") + "?x=1")
    assert status == 302 and headers["Location"] == PAGE + "?x=1"  # relative links need the slash
    status, headers, css = preview.get("/assets/style.css")
    assert status == 200 and headers["Content-Type"] == "text/css; charset=utf-8"
    assert css == (preview.project / "site/assets/style.css").read_bytes()
    status, headers, _ = preview.get("/covers/2026-07-01.svg")
    assert status == 200 and headers["Content-Type"] == "image/svg+xml"
    status, headers, head_body = preview.get(PAGE, method="HEAD")
    assert status == 200 and head_body == b""
    assert int(headers["Content-Length"]) == len(preview.get(PAGE)[2])


def test_unknown_path_gets_the_404_page_with_status_404(shared):
    preview = shared
    status, headers, body = preview.get("/2031/01/01/")
    assert status == 404 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body and b"EventSource" in body
    # 404.html links from base_url's path (/digest/); the preview serves the site there too.
    status, _, _ = preview.get("/digest/assets/style.css")
    assert status == 200


@pytest.mark.parametrize("path", [
    "/../digest.yaml", "/%2e%2e/digest.yaml", "//etc/passwd", "/%2F%2Fetc/passwd", "/2026/../../digest.yaml",
    "/2026/%2E%2E/%2e%2e/digest.yaml", "/%2e%2e%2fdigest.yaml", "/..%5cdigest.yaml", "/%00", "/%ff",
    "..", "/./index.html",
])
def test_paths_cannot_leave_the_site_folder(path):
    assert site_segments(path) is None


def test_traversal_requests_are_refused(shared, request):
    preview = shared
    leak = preview.project / "site" / "leak"
    leak.symlink_to(preview.project / "digest.yaml")
    request.addfinalizer(leak.unlink)
    for path in ["/../digest.yaml", "/%2e%2e/digest.yaml", "//etc/passwd", "/%2e%2e%2fdigest.yaml", "/leak"]:
        status, _, body = preview.get(path)
        assert status in (400, 404), path
        assert b"base_url" not in body and b"root:" not in body, path


def test_live_reload_script_is_in_served_html_only(shared):
    preview = shared
    on_disk = (preview.project / "site/index.html").read_bytes()
    assert b"EventSource" not in on_disk and b"__digest" not in on_disk
    _, _, served = preview.get("/")
    version = re.search(rb'var version = "([^"]+)"', served).group(1).decode()
    assert served == inject_live_reload(on_disk, version)
    assert served.index(b'new EventSource("/__digest/events")') < served.rindex(b"</body>")
    assert b"innerHTML" not in served and b"textContent" in served
    # The built site is exactly what `digest build` writes.
    other = preview.project.parent / "plain"
    build(load_config(preview.project / "digest.yaml"), other)
    for f in other.rglob("*"):
        if f.is_file():
            assert (preview.project / "site" / f.relative_to(other)).read_bytes() == f.read_bytes()


def test_no_reload_serves_files_as_they_are(project):
    p = Preview(project, reload=False)
    try:
        _, _, served = p.get("/")
        assert served == (project / "site/index.html").read_bytes()
        assert p.get(EVENTS_PATH)[0] == 404
    finally:
        p.server.stop()


# ---------------------------------------------------------------------- rebuilding


def test_edit_rebuilds_and_reloads_broken_edit_shows_error_fix_reloads(preview):
    issue = preview.project / ISSUE
    original = issue.read_text(encoding="utf-8")
    events = preview.events()
    try:
        hello = events.wait_for("hello")
        assert hello == re.search(r'var version = "([^"]+)"', preview.get("/")[2].decode()).group(1)

        edited = original.replace("Four signals decide the order", "Marker-4242 signals decide the order")
        issue.write_text(edited, encoding="utf-8")
        events.wait_for("reload")
        poll(lambda: b"Marker-4242" in preview.get(PAGE)[2])

        save(issue, edited + '  - arxiv: "2606.32020\n')
        data = json.loads(events.wait_for("error"))
        located = [m for m in data["messages"] if m.startswith(ISSUE + ":")]
        assert located and re.match(r"issues/2026-07-01\.yaml:\d+:\d+: YAML syntax error", located[0])
        assert any(line == located[0] for line in preview.logs)
        status, _, body = preview.get(PAGE)
        assert status == 200 and b"Marker-4242" in body  # the last good site is still served
        late = preview.events()  # a page opened now learns about the error at once
        try:
            assert json.loads(late.wait_for("error")) == data
        finally:
            late.close()

        save(issue, edited)  # the same output as before the break: still a reload, to clear the overlay
        events.wait_for("reload")
        poll(lambda: preview.server.errors is None)
    finally:
        events.close()


def test_a_saved_issue_reloads_with_its_pages_and_the_search_index_follows(preview):
    issue = preview.project / ISSUE
    events = preview.events()
    try:
        events.wait_for("hello")
        save(issue, issue.read_text(encoding="utf-8").replace("Four signals decide the order",
                                                                "Quick-7171 signals decide the order"))
        events.wait_for("reload")
        assert b"Quick-7171" in preview.get(PAGE)[2]  # written before the reload was sent
        poll(lambda: any(line.startswith("search index and build state up to date") for line in preview.logs))
        quick = next(i for i, line in enumerate(preview.logs) if line.startswith("updated "))
        caught_up = next(i for i, line in enumerate(preview.logs) if line.startswith("search index and build"))
        assert quick < caught_up
        # Caught up, the folder is what `digest build` makes: nothing left to do.
        assert build(load_config(preview.project / "digest.yaml")).changed is False
    finally:
        events.close()


def test_digest_yaml_saved_by_rename_is_watched(preview):
    config = preview.project / "digest.yaml"
    events = preview.events()
    try:
        events.wait_for("hello")
        save(config, config.read_text(encoding="utf-8").replace("title: Diffusion Digest", "title: Renamed Digest"))
        events.wait_for("reload")
        poll(lambda: b"Renamed Digest" in preview.get("/")[2])
        save(config, config.read_text(encoding="utf-8").replace("site:", "site:\n  nope: 1"))
        assert re.search(r"digest\.yaml:\d+:\d+: unknown key 'nope'", events.wait_for("error"))
    finally:
        events.close()


def test_template_errors_are_located(preview):
    base = preview.project / "templates/base.html"
    good = base.read_text(encoding="utf-8")
    base.write_text(good.replace("<main", "{% if %}<main"), encoding="utf-8")
    outcome = preview.server.rebuild()
    assert not outcome.ok and re.match(r"templates/base\.html:\d+:1: template error: ", outcome.problems[0])
    broken = good.replace("{{ site.title }}</a>", "{{ site.nope }}</a>")
    line = next(i for i, text in enumerate(broken.splitlines(), 1) if "site.nope" in text)
    base.write_text(broken, encoding="utf-8")
    outcome = preview.server.rebuild()
    assert not outcome.ok
    assert re.match(rf"templates/base\.html:{line}:1: template error: .*nope", outcome.problems[0]), outcome.problems
    base.write_text(good, encoding="utf-8")
    assert preview.server.rebuild().ok


def test_rebuilds_run_one_at_a_time_and_changes_during_one_make_exactly_one_more(project):
    calls: list = []
    gate = threading.Event()

    def slow(config, out, changed):
        calls.append(changed)
        if len(calls) == 2:
            gate.wait(WAIT)
        return build(config, out)

    p = Preview(project, builder=slow)
    try:
        assert calls == [None]  # the first build
        a, b, c = (project / "issues" / n for n in "abc")
        p.server.request_rebuild([a])
        poll(lambda: len(calls) == 2)
        p.server.request_rebuild([b])
        p.server.request_rebuild([c])
        gate.set()
        poll(lambda: len(calls) == 3)
        time.sleep(0.3)
        assert calls[1:] == [frozenset({a}), frozenset({b, c})]
    finally:
        gate.set()
        p.server.stop()


def test_rebuild_waits_for_the_project_lock(preview):
    config = load_config(preview.project / "digest.yaml")
    result = {}
    with project_lock(config.cache_dir, "digest nightly (test)"):
        worker = threading.Thread(target=lambda: result.setdefault("outcome", preview.server.rebuild()))
        worker.start()
        poll(lambda: any(line.startswith("waiting: ") and "nightly" in line for line in preview.logs))
        assert worker.is_alive()
    worker.join(WAIT)
    assert result["outcome"].ok


def test_stop_waits_a_grace_for_a_rebuild_in_progress_then_leaves_it_and_says_so(project):
    started, gate = threading.Event(), threading.Event()

    def stuck(config, out, changed):
        if changed is not None:  # not the first build
            started.set()
            gate.wait(WAIT)
        return build(config, out)

    p = Preview(project, builder=stuck)
    try:
        p.server.request_rebuild([project / ISSUE])
        assert started.wait(WAIT)
        building = next(t for t in threading.enumerate() if t.name.startswith("digest-serve-build"))
        p.server.stop(build_grace=0.2)
        assert building.is_alive()  # left to end with the process
        assert p.logs[-1] == "stopped during a rebuild: site/ stays as the last finished build left it"
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", p.server.port), timeout=WAIT).close()
    finally:
        gate.set()
    building.join(WAIT)


def test_stop_frees_the_port_and_the_threads(project):
    p = Preview(project)
    port = p.server.port
    events = p.events()
    events.wait_for("hello")
    ours = [t for t in threading.enumerate() if t.name.endswith(f":{port}")]
    names = {"digest-watch-tree", "digest-watch-config", "digest-serve-build", "digest-serve-http"}
    assert {t.name for t in ours} == {f"{name}:{port}" for name in names}
    p.server.stop()
    assert events.wait_for("closed") == ""  # open event streams are ended
    events.close()
    assert not [t.name for t in ours if t.is_alive()]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=WAIT).close()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen()


# ---------------------------------------------------------------------- command line


def test_cli_port_in_use_is_a_usage_error(project, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["--config", str(project / "digest.yaml"), "serve", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.strip() == (f"digest: error: port {port} on 127.0.0.1 is already in use; "
                           "choose another with --port (or --port 0 for any free port)")


@contextmanager
def cli_serve(project: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """`digest serve --port 0` run as a user runs it, once it says it is serving: the process and its port."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "digest", "--config", str(project / "digest.yaml"),
                             "serve", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], WAIT)
        assert ready, "no 'serving' line"
        line = proc.stdout.readline().decode()
        m = re.fullmatch(r"serving (http://127\.0\.0\.1:(\d+)/) \(Ctrl-C to stop\)\n", line)
        assert m, line
        yield proc, int(m.group(2))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_during_a_long_rebuild_exits_at_once_and_the_site_stays_whole(project):
    with cli_serve(project) as (proc, _):
        before = files(project / "site")
        # A page template that takes minutes to render: the rebuild it starts is still running at Ctrl-C.
        (project / "templates" / "404.html").write_text(
            '{% extends "base.html" %}{% block main %}{% for i in range(10 ** 10) %}{% endfor %}{% endblock %}\n',
            encoding="utf-8")
        poll(lambda: any(p.name.startswith(".site-build-") for p in project.iterdir()))  # the rebuild is writing
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        err = proc.stderr.read().decode()
        assert "stopped during a rebuild: site/ stays as the last finished build left it" in err
        assert "Traceback" not in err
        assert files(project / "site") == before
    # The next build clears what the abandoned one left beside site/.
    (project / "templates" / "404.html").unlink()
    assert main(["--config", str(project / "digest.yaml"), "build"]) == 0
    assert not [p.name for p in project.iterdir() if p.name.startswith(".site-build-")]


def test_cli_serves_until_ctrl_c_then_exits_0(project):
    with cli_serve(project) as (proc, port):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT)
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=WAIT) == 0
        assert "Traceback" not in proc.stderr.read().decode()
