"""The per-issue view cache: an issue's rendered data, kept on disk between builds.

Building an IssueView (validating the YAML, ranking, Markdown and MathML) is most
of a build's time, and an issue's view depends only on its own file, its
candidates file, a few settings, the previous issue's `published` time and this
package's code. Each view is stored under `.digest-cache/build/views/<key>.pickle`,
where the key hashes all of those. Only views of issues without errors are
stored, with the warnings they produced, so a cached issue reports exactly what
a fresh one would. An unreadable, damaged or other-format entry is a miss.

An entry is three pickles, one after the other: the head (the view without its long
prose), the candidate fields "new since you last edited" warnings read, and the body
(that prose: the fields each class names in `deferred`). Reading an entry reads the head and checks
the others' CRC-32 (it finds damage; a key is a hash of the inputs already, and sha256 of 150 MB of entries
took 0.13 s of every build, CRC-32 0.04 s). The candidates are unpickled only when the head's horizon cannot
rule the warnings out, which is seldom: 60 of them per issue were a third of the
time of reading a head. The body is unpickled only when a template first reads one
of its fields (see lazy.py). Most pages of a rebuild are reused, so most views never
need their prose, and a build holding 3,650 views keeps them small.
"""
from __future__ import annotations

import copyreg
import functools
import hashlib
import io
import os
import pickle
import tempfile
import zlib
from pathlib import Path

from markupsafe import Markup

from ..editorial.lazy import leave_out, put_back
from ..editorial.yamlload import Located
from ..errors import DigestError, Problem

FORMAT = 7
NEWS_PATH = ("papers",)  # where project._news_problems locates its warnings
SUFFIX = ".pickle"

class ViewCache:
    """Entries in one folder; `used` collects the keys this build read or wrote, for pruning."""

    def __init__(self, folder: Path, config, code: str, digests: dict[str, tuple[int, int, str]] | None = None):
        self.folder = Path(folder)
        self.config = config
        # Absolute path -> (size, mtime_ns, sha256 hex) of input files the build has already hashed.
        self.digests = digests or {}
        self.used: set[str] = set()
        self.prose = ProseLedger()  # bodies read back while pages are rendered
        self.hits = 0
        self.misses = 0
        site, sched = config.site, config.schedule
        settings = repr((
            sorted(config.weights.items()), config.featured, site.language, site.timezone, site.topic,
            sched.cutoff.isoformat(), str(sched.cutoff_zone), sorted(d.isoformat() for d in sched.holidays),
            str(config.root), str(config.static_dir),
        ))
        self._base = hashlib.sha256(f"view-cache {FORMAT}\0{code}\0{settings}\0".encode())

    def key(self, path: Path, issue_bytes: bytes, candidates_bytes: bytes | None, previous_published) -> str:
        """The entry key of one issue file, given what the view depends on."""
        return self.key_from_digests(path, hashlib.sha256(issue_bytes).digest(),
                                     None if candidates_bytes is None else hashlib.sha256(candidates_bytes).digest(),
                                     previous_published)

    def digest(self, path: Path) -> bytes | None:
        """The sha256 of a file the build hashed, if the file still has the size and mtime it had then."""
        known = self.digests.get(str(path))
        if known is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (known[0], known[1]):
            return None
        return bytes.fromhex(known[2])

    def key_from_digests(self, path: Path, issue_sha: bytes, candidates_sha: bytes | None, previous_published) -> str:
        """key(), from the sha256 digests of the two files instead of their bytes (the same key)."""
        h = self._base.copy()
        h.update(str(path).encode() + b"\0")
        h.update(issue_sha)
        h.update(b"-" if candidates_sha is None else b"+" + candidates_sha)
        h.update(b"\0" + (previous_published.isoformat() if previous_published else "-").encode())
        return h.hexdigest()

    def get(self, key: str) -> dict | None:
        """The entry stored under `key`, or None (absent, unreadable, damaged, or its cover went missing).

        The view comes without its body's fields, which it reads from the entry's file when first used.
        entry["news"] is a function that gives the stored candidate fields (see put).
        """
        path = self.folder / (key + SUFFIX)
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            stream = io.BytesIO(data)
            entry = pickle.Unpickler(stream).load()
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                raise ValueError("not an entry")
            offset = stream.tell()
            (news_length, news_crc), (length, crc) = entry["news"], entry["body"]
            body_at = offset + news_length
            whole = memoryview(data)
            news = whole[offset:body_at]
            if len(data) != body_at + length or zlib.crc32(news) != news_crc or zlib.crc32(whole[body_at:]) != crc:
                raise ValueError("the entry is damaged")
            entry["news"] = functools.partial(pickle.loads, news)
            view = entry["view"]
            view.__dict__["_lazy"].bind(path, body_at, length, crc, _parts(view), self.prose)
            cover = view.issue.cover
            if cover is not None and not (self.config.static_dir / cover.src).is_file():
                raise ValueError("cover image is gone")
        except Exception:  # noqa: BLE001 - any damage means: build this view again
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        return entry

    def put(self, key: str, view, news_candidates, *, slim: bool = False, horizon=None) -> None:
        """Store a freshly built view (prev/next unset) and the candidate fields its news warnings need, with
        their freshness.news_horizon (`horizon`), which mostly spares computing them when read back.

        The stored issue keeps of its YAML document (`issue.source`) only the locations the news warnings
        point at: the whole located document would cost more to read back than the rest of the view.
        `slim`: once stored, the view in memory is what get() would give: its body's fields are left to the file
        and its issue keeps only those locations (3,650 whole documents cost a build's parent about 200 MB).
        """
        self.used.add(key)
        parts = _parts(view)
        issue = view.issue
        source = issue.source
        body = _Body()
        values = [leave_out(obj, obj.deferred, body) for obj in parts]
        stored = None
        try:
            if source is not None:
                issue.source = _news_locations(source)
            body_bytes = _dumps(values)
            crc = zlib.crc32(body_bytes)
            news = _dumps(news_candidates)
            head = _dumps({"format": FORMAT, "key": key, "view": view, "horizon": horizon,
                           "news": (len(news), zlib.crc32(news)), "body": (len(body_bytes), crc)})
            path = self.folder / (key + SUFFIX)
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(head)
                    fh.write(news)
                    fh.write(body_bytes)
                os.replace(tmp, path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
            stored = (path, len(head) + len(news), len(body_bytes), crc)
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            pass  # a cache that cannot be written only costs time
        finally:
            if slim and stored is not None:
                body.bind(*stored, parts, self.prose)
            else:
                issue.source = source
                for obj, kept in zip(parts, values):
                    put_back(obj, kept)

    def adopt(self, view) -> None:
        """Take a view stored by a worker process: its prose, read back, is released with this cache's."""
        body = view.__dict__.get("_lazy")
        if isinstance(body, _Body):
            body.ledger = self.prose

    def prune(self) -> None:
        """Remove entries this build did not use (and temporary files left by a killed run)."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if name.endswith(SUFFIX) and name[: -len(SUFFIX)] in self.used:
                continue
            try:
                os.unlink(entry.path)
            except OSError:
                pass


class _Body:
    """Where an entry's body is (file, offset, length, CRC-32) and the objects whose fields it holds; their
    loader (lazy.py). A build holds it for every cached view, so it holds only these few things."""

    def __init__(self):
        self.file: Path | None = None
        self.offset = self.length = 0
        self.crc = 0
        self.parts: list | None = None
        self.ledger: ProseLedger | None = None

    def __getstate__(self) -> dict:
        # Inside a stored head, unbound (get() binds it); sent from a worker process, bound, parts and all
        # (the receiving cache adopts it into its ledger).
        if self.parts is None:
            return {"parts": None}
        return {key: value for key, value in self.__dict__.items() if key != "ledger"}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.__dict__.update(state)

    def bind(self, file: Path, offset: int, length: int, crc: int, parts: list, ledger: ProseLedger) -> None:
        """Point at the body in `file` and the objects (_parts order) its fields go back into; `ledger`: where
        it is noted once read."""
        self.file, self.offset, self.length, self.crc, self.parts = file, offset, length, crc, parts
        self.ledger = ledger

    def fill(self) -> None:
        """Read the body and put its fields back into every object; DigestError when it is not there any more."""
        if self.parts is None:
            raise RuntimeError("a view cache entry was read without being bound to its file")
        try:
            with open(self.file, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read(self.length + 1)
            if len(data) != self.length or zlib.crc32(data) != self.crc:
                raise ValueError("changed")
            values = pickle.loads(data)
            if not isinstance(values, list) or len(values) != len(self.parts):
                raise ValueError("changed")
        except (OSError, ValueError, pickle.UnpicklingError, EOFError) as exc:
            raise DigestError(Problem(str(self.file), 0, 0,
                                      "this view cache entry changed or went away during the build "
                                      f"({type(exc).__name__}); run the build again")) from None
        parts, self.parts = self.parts, None
        for obj, kept in zip(parts, values):
            put_back(obj, kept)
        if self.ledger is not None:
            self.ledger.read.append((self, parts))


class ProseLedger:
    """The bodies read back since the last release, with the objects their fields went into."""

    def __init__(self):
        self.read: list[tuple[_Body, list]] = []

    def release(self) -> None:
        """Leave the fields of every body read since the last call to its file again; they are read back if
        used. The writer calls it after each page: a worker rendering thousands of issue pages would
        otherwise end up holding all of their prose."""
        while self.read:
            body, parts = self.read.pop()
            for obj in parts:
                leave_out(obj, obj.deferred, body)
            body.parts = parts


def _parts(view) -> list:
    """The objects of a view that have deferred fields, in a fixed order: the view, its issue, the issue's
    entries, the view's papers."""
    issue = view.issue
    return [view, issue, *issue.entries, *view.papers]


def _dumps(value) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()


def _news_locations(doc: Located) -> Located:
    """The document's locations of NEWS_PATH and its parents only (Located.where gives the same answer there)."""
    marks = {}
    path = NEWS_PATH
    while True:
        if path in doc.marks:
            marks[path] = doc.marks[path]
        if not path:
            break
        path = path[:-1]
    return Located(None, doc.file, marks, {})


def _markup(text: str) -> Markup:
    """Markup from its text without Markup.__new__ (already-safe text; the Python-level constructor
    was half the time of reading an entry back: a view holds about a hundred Markup strings)."""
    return str.__new__(Markup, text)


_DISPATCH = copyreg.dispatch_table.copy()
_DISPATCH[Markup] = lambda m: (_markup, (str(m),))
