"""`digest serve`: a local preview that rebuilds on change and tells open browsers to reload.

The published files are never touched for the preview: the live-reload script
is added to HTML responses only, so site/ stays byte-identical to `digest build`.

Threads: one serves HTTP (ThreadingHTTPServer, a thread per request), one runs
rebuilds one at a time, two watch the sources with watchfiles (the folders
recursively, the project folder itself non-recursively for digest.yaml, so an
editor's save-by-rename is still seen). The library never prints: everything
goes through the `log` callback.
"""
from __future__ import annotations

import errno
import json
import os
import queue
import secrets
import socket
import socketserver
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import unquote, urlsplit

import watchfiles

from ..build import BuildResult, build
from ..build.lock import project_lock
from ..build.preview import Preview
from ..editorial.config import Config, load_config
from ..errors import DigestError, Locked, describe
from ..render.theme import shown_path

EVENTS_PATH = "/__digest/events"
KEEPALIVE_SECONDS = 15.0
LOCK_RETRY_SECONDS = 0.5
# How long Ctrl-C waits for a rebuild in progress before the preview ends without it. A whole rebuild of a big
# archive takes seconds to a minute; ending in the middle of one is safe: the site is swapped in whole or not
# at all, and the next build clears what this one left (as after a killed `digest build`).
QUIT_GRACE_SECONDS = 1.0

# Given the config just loaded, the output folder and the changed paths (None: everything), build the site.
# The default is a build.preview.Preview: it keeps what it loaded, so saving an issue re-makes only that
# issue's pages, and the browser reloads before the search index is brought up to date (its catch_up()).
Builder = Callable[[Config, Path, "frozenset[Path] | None"], BuildResult]


def full_build(config: Config, out: Path, changed: frozenset[Path] | None) -> BuildResult:
    """Build the site with `build()`, as `digest build` does, keeping nothing between rebuilds."""
    return build(config, out)


CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".xml": "application/xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}

# Added before </body> of HTML responses (never to the files). Build problems are shown with
# textContent only. "hello" carries the site version: a page older than the server's reloads.
LIVE_RELOAD_SCRIPT = """<script>/* digest serve: live reload (preview only; not in site/) */
(function () {
  var version = "__DIGEST_VERSION__", box = null;
  function show(lines) {
    if (!box) {
      box = document.createElement("pre");
      box.setAttribute("role", "alert");
      box.title = "click to hide";
      box.style.cssText = "position:fixed;left:0;right:0;top:0;z-index:2147483647;margin:0;max-height:70vh;" +
        "overflow:auto;padding:1em 1.25em;background:#2b0b0b;color:#ffecec;border-bottom:3px solid #e5484d;" +
        "font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;cursor:pointer";
      box.onclick = function () { box.style.display = "none"; };
      (document.body || document.documentElement).appendChild(box);
    }
    box.style.display = "block";
    box.textContent = "digest serve: the rebuild failed; this is the last good build.\\n\\n" + lines.join("\\n");
  }
  var events = new EventSource("/__digest/events");
  events.addEventListener("hello", function (e) { if (e.data !== version) location.reload(); });
  events.addEventListener("reload", function () { location.reload(); });
  events.addEventListener("error", function (e) {
    if (typeof e.data !== "string") return; /* the connection dropped: EventSource reconnects by itself */
    try { show(JSON.parse(e.data).messages); } catch (err) {}
  });
})();
</script>
"""

FALLBACK_404 = (b"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Not found</title></head>\n"
                b"<body><h1>Not found</h1><p>There is no such page (and no 404.html in the site).</p></body></html>\n")


class ServeError(Exception):
    """The preview server cannot listen where it was asked to."""


class PortInUse(ServeError):
    """Another program already listens on the port."""


@dataclass
class RebuildOutcome:
    """What one rebuild did: `ok` False with `problems` (printable lines) when the input was bad."""

    ok: bool
    changed: bool = False
    result: BuildResult | None = None
    problems: list[str] = field(default_factory=list)
    cancelled: bool = False


class _Cancelled(Exception):
    """The server stopped while a rebuild waited for the project lock."""


class PreviewServer:
    """Serve the built site, rebuild it when its sources change, and push reload/error events to browsers.

    `start()` binds the port (ServeError if it cannot), starts watching, builds once and serves;
    `stop()` undoes all of it. `rebuild()` runs one build now (at most one runs at a time).
    """

    def __init__(self, config: Config, host: str = "127.0.0.1", port: int = 8000, *, reload: bool = True,
                 log: Callable[[str], None] | None = None, builder: Builder | None = None,
                 debounce_ms: int = 1000, step_ms: int = 50):
        if not 0 <= int(port) <= 65535:
            raise ServeError(f"port {port} is out of range (0 to 65535; 0 picks a free port)")
        self.host = host
        self.reload = reload
        self._requested_port = int(port)
        self._config = config
        self._out = config.root / "site"
        self._log = log or (lambda message: None)
        self._builder = builder if builder is not None else Preview()
        self._debounce_ms = debounce_ms
        self._step_ms = step_ms

        self._httpd: _HTTPServer | None = None
        self._threads: dict[str, threading.Thread] = {}
        self._started = False
        self._stopping = threading.Event()

        self._build_mutex = threading.Lock()
        self._pending = threading.Condition()
        self._pending_paths: set[Path] = set()
        self._pending_flag = False
        self._restart_tree = threading.Event()
        self._ready = {"tree": threading.Event(), "config": threading.Event()}

        # Browser-facing state; `_state` guards it together with the subscriber set.
        self._state = threading.Lock()
        self._instance = secrets.token_hex(4)
        self._version = 0
        self._errors: list[str] | None = None
        self._warnings: list[str] = []
        self._subscribers: set[queue.Queue] = set()
        self._streams = threading.Condition()
        self._open_streams = 0

    # ----------------------------------------------------------------- life cycle

    @property
    def port(self) -> int:
        """The port listened on (the real one once started with port 0)."""
        return self._httpd.server_address[1] if self._httpd else self._requested_port

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def errors(self) -> list[str] | None:
        """The problems of the last rebuild, or None when it succeeded."""
        with self._state:
            return list(self._errors) if self._errors is not None else None

    def start(self) -> None:
        """Listen, start watching, build once, then serve. Raises ServeError when the port cannot be used."""
        if self._started:
            raise RuntimeError("PreviewServer.start() was already called")
        self._started = True
        self._httpd = _bind(self.host, self._requested_port, self)
        self._spawn("digest-watch-tree", self._watch_tree)
        self._spawn("digest-watch-config", self._watch_config)
        deadline = time.monotonic() + 10
        for ready in self._ready.values():
            if not ready.wait(max(0.0, deadline - time.monotonic())):
                self._log("warning: file watching is slow to start; early changes may be missed")
                break
        self.rebuild(initial=True)
        self._spawn("digest-serve-build", self._build_loop)
        self._spawn("digest-serve-http", lambda: self._httpd.serve_forever(poll_interval=0.2))

    def stop(self, build_grace: float = 120.0) -> None:
        """Stop serving, watching and rebuilding; the port is free when this returns.

        A rebuild in progress is waited for up to `build_grace` seconds; one still running then is left to end
        with the process (its thread is a daemon), and the log says so.
        """
        self._stopping.set()
        with self._pending:
            self._pending.notify_all()
        httpd = self._httpd
        if httpd is not None and "digest-serve-http" in self._threads:
            httpd.shutdown()
        with self._state:
            for sub in self._subscribers:
                sub.put(None)
        with self._streams:
            self._streams.wait_for(lambda: self._open_streams == 0, timeout=5)
        if httpd is not None:
            httpd.server_close()
        for name, thread in list(self._threads.items()):
            thread.join(timeout=build_grace if name == "digest-serve-build" else 10)
            if name == "digest-serve-build" and thread.is_alive():
                self._log("stopped during a rebuild: site/ stays as the last finished build left it")
        self._threads.clear()

    def wait(self) -> None:
        """Block until stop() (or Ctrl-C in the main thread)."""
        while not self._stopping.wait(1.0):
            pass

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        # Named after the port too, so several servers in one process can be told apart.
        thread = threading.Thread(target=target, name=f"{name}:{self.port}", daemon=True)
        self._threads[name] = thread
        thread.start()

    # ----------------------------------------------------------------- rebuilding

    def request_rebuild(self, paths: Iterable[Path] = ()) -> None:
        """Ask for a rebuild soon; requests made while one runs are merged into exactly one more."""
        with self._pending:
            self._pending_paths.update(Path(p) for p in paths)
            self._pending_flag = True
            self._pending.notify_all()

    def _build_loop(self) -> None:
        while True:
            with self._pending:
                self._pending.wait_for(lambda: self._pending_flag or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                self._pending_flag = False
                changed = frozenset(self._pending_paths)
                self._pending_paths.clear()
            if self.rebuild(changed).ok:
                self._catch_up()

    def _catch_up(self) -> None:
        """After quick updates, once no change waits: the whole build that brings the search index and the
        build state up to date. The pages are already what browsers reloaded, so none is told to reload."""
        while getattr(self._builder, "behind", False) and not self._stopping.is_set():
            with self._pending:
                if self._pending_flag:
                    return  # the next change first; this runs after it
            with self._build_mutex:
                try:
                    result = self._locked_build(self._config, None, self._builder.catch_up)
                except _Cancelled:
                    return
                except Exception as exc:  # noqa: BLE001 - the pages shown stay; the next save tries again
                    problems = describe(exc, lambda filename: shown_path(filename, self._config.root))
                    self._failed(problems, exc)
                    return
            self._log(f"search index and build state up to date in {result.seconds:.2f} s")

    def rebuild(self, changed: frozenset[Path] | None = None, *, initial: bool = False) -> RebuildOutcome:
        """Build now (waiting for another run's project lock if needed) and tell the browsers the outcome."""
        with self._build_mutex:
            try:
                config = load_config(self._config.path)
                self._config = config
                result = self._locked_build(config, changed)
            except _Cancelled:
                return RebuildOutcome(ok=False, cancelled=True)
            except Exception as exc:  # noqa: BLE001 - any failure keeps the previous site served
                root = self._config.root
                problems = describe(exc, lambda filename: shown_path(filename, root))
                self._failed(problems, exc)
                return RebuildOutcome(ok=False, problems=problems)
            self._succeeded(result, initial)
            return RebuildOutcome(ok=True, changed=result.changed, result=result)

    def _locked_build(self, config: Config, changed: frozenset[Path] | None,
                      how: Callable[[Config, Path], BuildResult] | None = None) -> BuildResult:
        announced = False
        while True:
            entered = False
            try:
                with project_lock(config.cache_dir, "digest serve"):
                    entered = True
                    if how is not None:
                        return how(config, self._out)
                    return self._builder(config, self._out, changed)
            except Locked as exc:
                if entered:
                    raise
                if not announced:
                    self._log(f"waiting: {exc}")
                    announced = True
                if self._stopping.wait(LOCK_RETRY_SECONDS):
                    raise _Cancelled from None

    def _succeeded(self, result: BuildResult, initial: bool) -> None:
        warnings = [str(p) for p in result.warnings]
        with self._state:
            recovered = self._errors is not None
            self._errors = None
            if result.changed:
                self._version += 1
            if result.changed or recovered:
                self._broadcast("reload", self._version_token())
            new_warnings, self._warnings = warnings != self._warnings, warnings
        verb = "built" if initial else "rebuilt"
        plural = "s" if result.issues != 1 else ""
        state = "" if result.changed else " (no change)"
        if getattr(self._builder, "behind", False):
            self._log(f"updated {result.written} page{'s' if result.written != 1 else ''} in {result.seconds:.2f} s"
                      f"{state}; the search index follows")
        else:
            self._log(f"{verb} {result.issues} issue{plural}, {result.pages} pages in {result.seconds:.2f} s{state}")
        if new_warnings:
            for line in warnings:
                self._log(line)

    def _failed(self, problems: list[str], exc: BaseException) -> None:
        self._log("build failed; still serving the last good site:")
        for line in problems:
            self._log(line)
        if os.environ.get("DIGEST_DEBUG") and not isinstance(exc, DigestError):
            self._log("".join(traceback.format_exception(exc)).rstrip())
        with self._state:
            self._errors = problems
            self._broadcast("error", json.dumps({"messages": problems}, ensure_ascii=False))

    # ----------------------------------------------------------------- browser events

    def _version_token(self) -> str:
        return f"{self._instance}.{self._version}"

    def _broadcast(self, event: str, data: str) -> None:
        """Queue one event for every connected browser; the caller holds `_state`."""
        message = sse_message(event, data)
        for sub in self._subscribers:
            sub.put(message)

    def _subscribe(self) -> tuple[queue.Queue, list[bytes]]:
        """A queue of future events and the messages that bring a new browser up to date."""
        sub: queue.Queue = queue.Queue()
        with self._state:
            self._subscribers.add(sub)
            if self._stopping.is_set():
                sub.put(None)
            first = [b"retry: 1000\n\n", sse_message("hello", self._version_token())]
            if self._errors is not None:
                first.append(sse_message("error", json.dumps({"messages": self._errors}, ensure_ascii=False)))
        return sub, first

    def _unsubscribe(self, sub: queue.Queue) -> None:
        with self._state:
            self._subscribers.discard(sub)

    def _stream_opened(self, delta: int) -> None:
        with self._streams:
            self._open_streams += delta
            self._streams.notify_all()

    def _page_version(self) -> str:
        with self._state:
            return self._version_token()

    # ----------------------------------------------------------------- watching

    def _watch_tree(self) -> None:
        """Watch issues/, templates/ and static/ recursively; restart when one of them appears or goes."""
        config = self._config
        folders = [config.issues_dir, config.templates_dir, config.static_dir]
        self._watch("tree", lambda: [f for f in folders if f.is_dir()], True, _source_filter(config.root),
                    self._restart_tree)

    def _watch_config(self) -> None:
        """Watch the project folder itself, not recursively: digest.yaml, and the watched folders coming and going."""
        config = self._config
        names = {config.path.name, config.issues_dir.name, config.templates_dir.name, config.static_dir.name}
        root = config.root

        def keep(change: watchfiles.Change, path: str) -> bool:
            p = Path(path)
            return p.parent == root and p.name in names

        self._watch("config", lambda: [root], False, keep, None)

    def _watch(self, kind: str, paths: Callable[[], list[Path]], recursive: bool,
               keep: Callable[[watchfiles.Change, str], bool], restart: threading.Event | None) -> None:
        ready = self._ready[kind]
        polling: bool | None = None
        live: Callable[[], None] | None = None  # after a restart: once the new watch is live (see below)
        while not self._stopping.is_set():
            if restart is not None:
                restart.clear()
            targets = paths()
            if not targets:
                ready.set()
                while not self._stopping.is_set() and not (restart and restart.is_set()):
                    self._stopping.wait(0.2)
                continue
            flag = _WatchFlag(self._stopping, restart, ready, live)
            # A file saved after the last build read it but before the restarted watch was live (a folder that
            # just appeared, written into at once) has no event: one more build once it is live covers it.
            live = self.request_rebuild
            try:
                for changes in watchfiles.watch(*targets, watch_filter=keep, debounce=self._debounce_ms,
                                                step=self._step_ms, stop_event=flag, recursive=recursive,
                                                force_polling=polling, raise_interrupt=False):
                    self._changed({Path(p) for _, p in changes})
            except FileNotFoundError:
                self._stopping.wait(0.2)  # a folder went away between the check and the watch: look again
            except Exception as exc:  # noqa: BLE001 - a watcher failure must not end the preview
                if polling:
                    self._log(f"warning: file watching failed ({exc}); retrying")
                    self._stopping.wait(2)
                else:
                    self._log(f"warning: file watching failed ({exc}); polling for changes instead")
                    polling = True

    def _changed(self, paths: set[Path]) -> None:
        config = self._config
        folders = {config.issues_dir, config.templates_dir, config.static_dir}
        if paths & folders:
            self._restart_tree.set()
        self.request_rebuild(paths)


class _WatchFlag:
    """The stop_event handed to watchfiles: its first poll shows the watch is live."""

    def __init__(self, stop: threading.Event, restart: threading.Event | None, ready: threading.Event,
                 live: Callable[[], None] | None = None):
        self._stop, self._restart, self._ready, self._live = stop, restart, ready, live

    def is_set(self) -> bool:
        self._ready.set()
        if self._live is not None:
            live, self._live = self._live, None
            live()
        return self._stop.is_set() or (self._restart is not None and self._restart.is_set())


def _source_filter(root: Path) -> Callable[[watchfiles.Change, str], bool]:
    """Ignore hidden files and folders, editor backups and swap files, caches."""

    def keep(change: watchfiles.Change, path: str) -> bool:
        p = Path(path)
        try:
            parts = p.relative_to(root).parts
        except ValueError:
            parts = (p.name,)
        if any(part.startswith(".") or part == "__pycache__" for part in parts):
            return False
        name = p.name
        return not (name.endswith(("~", ".swp", ".swx", ".tmp")) or name.startswith("#") or name == "4913")

    return keep


def sse_message(event: str, data: str) -> bytes:
    """One Server-Sent Events message."""
    lines = "".join(f"data: {line}\n" for line in data.split("\n"))
    return f"event: {event}\n{lines}\n".encode("utf-8")


def inject_live_reload(html: bytes, version: str) -> bytes:
    """The page with the live-reload script before its last </body> (at the end when there is none)."""
    script = LIVE_RELOAD_SCRIPT.replace("__DIGEST_VERSION__", version).encode("utf-8")
    at = html.lower().rfind(b"</body>")
    if at < 0:
        return html + script
    return html[:at] + script + html[at:]


def site_segments(url_path: str) -> list[str] | None:
    """The URL path's segments, percent-decoded once; None when it is malformed or could leave the site.

    Refused: anything not starting with a single "/", "." and ".." segments (encoded or not),
    empty segments ("//"), backslashes and NUL bytes.
    """
    if not url_path.startswith("/") or url_path.startswith("//"):
        return None
    try:
        decoded = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\\" in decoded or "\x00" in decoded:
        return None
    parts = decoded[1:].split("/")
    if parts[-1] == "":
        parts.pop()
    if any(part in ("", ".", "..") for part in parts):
        return None
    return parts


def content_type(path: Path) -> str:
    """The Content-Type for a file of the site, by extension."""
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    preview: PreviewServer

    def server_bind(self) -> None:
        # HTTPServer.server_bind asks DNS for the host's full name; a preview does not need it.
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return  # the browser went away
        self.preview._log(f"internal error while serving a request: {type(exc).__name__}: {exc}")


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


def _bind(host: str, port: int, preview: PreviewServer) -> _HTTPServer:
    cls = _HTTPServer6 if ":" in host else _HTTPServer
    try:
        httpd = cls((host, port), _Handler)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host}: {exc.strerror or exc}") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use") from None
        if exc.errno == errno.EACCES:
            raise ServeError(f"not allowed to listen on port {port} of {host}") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    httpd.preview = preview
    return httpd


class _Handler(BaseHTTPRequestHandler):
    server_version = "digest-serve"
    timeout = 60  # a client that sends nothing does not hold a thread forever
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:
        pass  # no access log: the preview's output is for build messages

    def _handle(self, head: bool) -> None:
        preview = self.server.preview
        raw = self.path.split("#", 1)[0]
        path, _, query = raw.partition("?")
        if path == EVENTS_PATH and preview.reload:
            self._events(preview, head)
            return
        site = preview._out
        status, file = self._lookup(site, path)
        if status == HTTPStatus.BAD_REQUEST:
            self._send(status, b"bad request path\n", "text/plain; charset=utf-8", head)
            return
        if status == HTTPStatus.FOUND:
            location = path + "/" + ("?" + query if query else "")
            self._send(status, b"", "text/plain; charset=utf-8", head, location=location)
            return
        version = preview._page_version()  # before reading: a build in between only costs one extra reload
        body = None
        if file is not None:
            try:
                body = file.read_bytes()
            except OSError:
                body = None
        if body is None:
            status, file = HTTPStatus.NOT_FOUND, site / "404.html"
            try:
                body = file.read_bytes()
            except OSError:
                body = FALLBACK_404
        ctype = content_type(file)
        if preview.reload and ctype.startswith("text/html"):
            body = inject_live_reload(body, version)
        self._send(status, body, ctype, head)

    def _lookup(self, site: Path, path: str) -> tuple[HTTPStatus, Path | None]:
        found = _find(site, path)
        if found[0] == HTTPStatus.NOT_FOUND:
            # Pages served at any depth (404.html) link from the base_url's path: serve the site there too.
            prefix = urlsplit(self.server.preview._config.site.base_url).path.rstrip("/")
            if prefix and path == prefix:
                return HTTPStatus.FOUND, None
            if prefix and path.startswith(prefix + "/"):
                alias = _find(site, path[len(prefix):])
                if alias[0] != HTTPStatus.BAD_REQUEST:
                    return alias
        return found

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, head: bool, *, location: str | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if location:
            self.send_header("Location", location)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self, preview: PreviewServer, head: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        if head:
            return
        preview._stream_opened(+1)
        sub, first = preview._subscribe()
        try:
            for message in first:
                self.wfile.write(message)
            while True:
                try:
                    message = sub.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    message = b": keep-alive\n\n"
                if message is None:
                    return
                self.wfile.write(message)
        except OSError:
            return  # the browser closed the page
        finally:
            preview._unsubscribe(sub)
            preview._stream_opened(-1)


def _find(site: Path, path: str) -> tuple[HTTPStatus, Path | None]:
    """Map a URL path to a file of the site: (OK, file), (FOUND, None) for a folder without its slash,
    (NOT_FOUND, None) or (BAD_REQUEST, None)."""
    parts = site_segments(path)
    if parts is None:
        return HTTPStatus.BAD_REQUEST, None
    target = site.joinpath(*parts)
    try:
        if not target.resolve().is_relative_to(site.resolve()):
            return HTTPStatus.BAD_REQUEST, None
    except (OSError, RuntimeError):
        return HTTPStatus.NOT_FOUND, None
    if target.is_dir():
        if not path.endswith("/"):
            return HTTPStatus.FOUND, None
        target = target / "index.html"
    if target.is_file():
        return HTTPStatus.OK, target
    return HTTPStatus.NOT_FOUND, None


def serve(config: Config, host: str = "127.0.0.1", port: int = 8000, *, reload: bool = True,
          log: Callable[[str], None] | None = None, on_ready: Callable[[str], None] | None = None) -> None:
    """Preview the site until Ctrl-C (KeyboardInterrupt ends it quietly); `on_ready(url)` once it listens.

    Raises ServeError (PortInUse) when the address cannot be used.
    """
    server = PreviewServer(config, host, port, reload=reload, log=log)
    try:
        server.start()
        if on_ready is not None:
            on_ready(server.url)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop(build_grace=QUIT_GRACE_SECONDS)
