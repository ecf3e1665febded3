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

The index (`views/index`, written by save_index after each build) holds what planning the site reads of
every entry: each view's objects with only the fields their classes name in `indexed`, with the size and
mtime of the entry file they were taken from. A build takes a view from it while its entry file is
unchanged and its news warnings are known to be none, and the view reads the rest of itself from the entry
when first used (lazy.py); the few issues whose pages a build makes are read in full, the others never.
Reading the index is a fraction of reading every entry (at 3,650 issues, about 0.1 s instead of 0.37 s). A
damage found only then is still a miss: the view is built again from the issue's files, and its entry removed.
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
from collections import deque
from pathlib import Path
from typing import Callable, NamedTuple

from markupsafe import Markup

from ..editorial.lazy import Lazy, leave_out, put_back
from ..editorial.yamlload import Located
from ..errors import DigestError, Problem
from ..files import atomic_write_bytes

FORMAT = 7
INDEX_NAME = "index"  # the index's file, among the entries
INDEX_FORMAT = 1
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
        self.ledger = ReadLedger()  # what rendering pages read back of the views, given back after each page
        self.hits = 0
        self.misses = 0
        self.index = ViewIndex(self.folder / INDEX_NAME)
        self.use_index = True  # off in worker processes, whose views go back to the parent pickled
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

    def get(self, key: str, *, quiet: Callable[[object], bool] | None = None,
            rebuild: Callable[[], object] | None = None) -> dict | None:
        """The entry stored under `key`, or None (absent, unreadable, damaged, or its cover went missing).

        The view comes without its body's fields, which it reads from the entry's file when first used.
        entry["news"] is a function that gives the stored candidate fields (see put); entry["horizon"] what
        tells whether the issue has any (freshness.news_horizon).

        With `quiet` (given the horizon: whether the issue's news warnings are surely none) and `rebuild`
        (the view built again from the issue's files), the view may come from the index instead: with only
        its `indexed` fields, the rest read from the entry when first used, or from rebuild() when the entry
        turns out damaged then. Such an entry has no "news": quiet() found its warnings none already.
        """
        path = self.folder / (key + SUFFIX)
        entry = None
        if self.use_index and quiet is not None and rebuild is not None:
            entry = self._indexed(key, path, quiet, rebuild)
        if entry is None:
            entry = self._read(key, path)
        if entry is None:
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        return entry

    def _indexed(self, key: str, path: Path, quiet: Callable[[object], bool],
                 rebuild: Callable[[], object]) -> dict | None:
        """The entry as the index has it (see the module docstring), or None."""
        found = self.index.find(key, path)
        if found is None or not quiet(found.horizon) or _cover_gone(found.view, self.config):
            return None
        view = found.view
        self.index.served.add(key)
        head = _Head(view, self, key, path, rebuild)
        for obj in (view, view.issue, *view.papers):
            obj.__dict__["_lazy"] = head
        view.prev = view.next = None
        return {"view": view, "horizon": found.horizon}

    def _read(self, key: str, path: Path, keep_body: bool = False) -> dict | None:
        """The entry in its file, read in full and checked; None when it cannot be used. `keep_body`: its body's
        loader keeps the bytes just read for its first fill (the caller is about to render the view)."""
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
            view.__dict__["_lazy"].bind(path, body_at, length, crc, _parts(view), self.ledger,
                                        whole[body_at:] if keep_body else None)
            if _cover_gone(view, self.config):
                raise ValueError("cover image is gone")
        except Exception:  # noqa: BLE001 - any damage means: build this view again
            return None
        self.index.horizons[key] = entry["horizon"]
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
        self.index.horizons[key] = horizon
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
                body.bind(*stored, parts, self.ledger)
            else:
                issue.source = source
                for obj, kept in zip(parts, values):
                    put_back(obj, kept)

    def adopt(self, view) -> None:
        """Take a view stored by a worker process: its prose, read back, is released with this cache's."""
        body = view.__dict__.get("_lazy")
        if isinstance(body, _Body):
            body.ledger = self.ledger

    def prune(self) -> None:
        """Remove entries this build did not use (and temporary files left by a killed run)."""
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return
        for entry in entries:
            name = entry.name
            if (name.endswith(SUFFIX) and name[: -len(SUFFIX)] in self.used) or name == INDEX_NAME:
                continue
            try:
                os.unlink(entry.path)
            except OSError:
                pass

    def save_index(self, views: list) -> None:
        """Keep what planning reads of `views` (those with a stored entry) in the index for the next build."""
        self.index.save([view for view in views if view.source_key in self.used])


def _cover_gone(view, config) -> bool:
    """Whether the view's cover image went missing since it was stored (the view must be built again)."""
    cover = view.issue.cover
    return cover is not None and not (config.static_dir / cover.src).is_file()


class _Indexed(NamedTuple):
    """A view as the index has it, and its news horizon."""

    view: object
    horizon: object


class ViewIndex:
    """The index's file (see the module docstring): key -> (entry size, entry mtime_ns, pickled view and
    horizon). Each record is a pickle of its own, so a build writes again only those of new entries."""

    def __init__(self, path: Path):
        self.path = path
        self._records: dict[str, tuple[int, int, bytes]] | None = None
        self.horizons: dict[str, object] = {}  # of the entries this build read in full or stored
        self.served: set[str] = set()  # the keys whose views this build took from the index

    def _known(self) -> dict[str, tuple[int, int, bytes]]:
        if self._records is None:
            try:
                data = pickle.loads(self.path.read_bytes())
                if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
                    raise ValueError("not an index")
                records = data["records"]
                if not isinstance(records, dict):
                    raise ValueError("not an index")
            except Exception:  # noqa: BLE001 - an unreadable index only means reading every entry
                records = {}
            self._records = records
        return self._records

    def find(self, key: str, entry: Path) -> _Indexed | None:
        """The indexed view of the entry file `entry` (stored under `key`), if that file is as it was indexed."""
        record = self._known().get(key)
        if record is None:
            return None
        try:
            st = os.stat(entry)
            if (st.st_size, st.st_mtime_ns) != (record[0], record[1]):
                return None
            view, horizon = pickle.loads(record[2])
            if not isinstance(view, Lazy):
                return None
        except Exception:  # noqa: BLE001 - a damaged record is one entry to read in full
            return None
        return _Indexed(view, horizon)

    def save(self, views: list) -> None:
        """Write the index of `views` (each stored beside it under its source_key), unless it is unchanged."""
        folder = self.path.parent
        known = self._known()
        records: dict[str, tuple[int, int, bytes]] = {}
        for view in views:
            key = view.source_key
            if key in self.served:  # its record was checked against its entry when it was served
                records[key] = known[key]
                continue
            if key not in self.horizons:
                continue
            try:
                st = os.stat(folder / (key + SUFFIX))
            except OSError:
                continue
            records[key] = (st.st_size, st.st_mtime_ns, _dumps((_indexed_copy(view), self.horizons[key])))
        if records.keys() == known.keys() and all(records[k] is known[k] for k in records):
            return
        try:
            atomic_write_bytes(self.path, pickle.dumps({"format": INDEX_FORMAT, "records": records},
                                                       protocol=pickle.HIGHEST_PROTOCOL), durable=False)
        except OSError:
            return  # a cache that cannot be written only costs time
        self._records = records


def _indexed_copy(view):
    """A copy of the view, its issue and its papers holding only their `indexed` fields (its featured papers
    are among its papers)."""
    def slim(obj):
        copy = object.__new__(type(obj))
        state = obj.__dict__
        copy.__dict__.update((name, state[name]) for name in type(obj).indexed if name in state)
        return copy

    out = slim(view)
    papers = {id(p): slim(p) for p in view.papers}
    out.__dict__.update(issue=slim(view.issue), papers=[papers[id(p)] for p in view.papers],
                        featured=[papers[id(p)] for p in view.featured])
    return out


class _Head:
    """The loader of a view taken from the index: reads the rest of the view, its issue and its papers from
    the entry (attaching the entry's body loader in its place), or builds the view again if the entry is
    damaged (and removes the entry: the next build stores it anew)."""

    def __init__(self, view, cache: ViewCache, key: str, path: Path, rebuild: Callable[[], object]):
        self.view, self.cache, self.key, self.path, self.rebuild = view, cache, key, path, rebuild

    def fill(self) -> None:
        """Give the view's objects every field they lack but their prose (which the body loader reads)."""
        entry = self.cache._read(self.key, self.path, keep_body=True)
        if entry is None:
            self.cache.index.served.discard(self.key)
            try:
                os.unlink(self.path)
            except OSError:
                pass
            full = self.rebuild()
        else:
            full = entry["view"]
        if len(full.papers) != len(self.view.papers):  # the index is not what was stored: planned wrong
            self.cache.index.path.unlink(missing_ok=True)
            raise DigestError(Problem(str(self.cache.index.path), 0, 0, "the view cache's index disagrees with "
                                      f"{self.path.name}; it was removed: run the build again"))
        filled = _complete(self.view, full)
        if entry is not None:  # a view built again (its entry was damaged) is not emptied: it would be built again
            self.cache.ledger.filled(self, filled)

    def empty(self, filled: list[tuple[Lazy, list[str]]]) -> None:
        """Take out of the view's objects the fields fill() gave them (`filled`, as _complete listed them) and
        attach this loader again: the view is as the index gave it."""
        for obj, names in filled:
            state = obj.__dict__
            for name in names:
                state.pop(name, None)
            state["_lazy"] = self


def _complete(view, full) -> list[tuple[Lazy, list[str]]]:
    """Copy into the index's `view` every field of the same view read in full (`full`) that it lacks; its
    objects then stand for full's (any reference to one of those is made to the index's object instead).
    Each of the view's objects with the names of the fields it was given."""
    pairs = [(full, view), (full.issue, view.issue), *zip(full.papers, view.papers)]
    mine = {id(theirs): ours for theirs, ours in pairs}
    body = full.__dict__.get("_lazy")
    filled = []
    for theirs, ours in pairs:
        state = ours.__dict__
        names = [name for name in theirs.__dict__ if name not in state]
        for name in names:
            value = theirs.__dict__[name]
            state[name] = ([mine.get(id(v), v) for v in value] if isinstance(value, list)
                           else mine.get(id(value), value))
        filled.append((ours, names))
        if body is None:
            state.pop("_lazy", None)
        else:
            state["_lazy"] = body
    if isinstance(body, _Body) and body.parts is not None:
        body.parts = _parts(view)
    return filled


class _Body:
    """Where an entry's body is (file, offset, length, CRC-32) and the objects whose fields it holds; their
    loader (lazy.py). A build holds it for every cached view, so it holds only these few things."""

    def __init__(self):
        self.file: Path | None = None
        self.offset = self.length = 0
        self.crc = 0
        self.parts: list | None = None
        self.ledger: ReadLedger | None = None
        self.data: memoryview | None = None  # the body's bytes, already read and checked, for the first fill

    def __getstate__(self) -> dict:
        # Inside a stored head, unbound (get() binds it); sent from a worker process, bound, parts and all
        # (the receiving cache adopts it into its ledger).
        if self.parts is None:
            return {"parts": None}
        return {key: value for key, value in self.__dict__.items() if key not in ("ledger", "data")}

    def __setstate__(self, state: dict) -> None:
        self.__init__()
        self.__dict__.update(state)

    def bind(self, file: Path, offset: int, length: int, crc: int, parts: list, ledger: ReadLedger,
             data: memoryview | None = None) -> None:
        """Point at the body in `file` and the objects (_parts order) its fields go back into; `ledger`: where
        it is noted once read; `data`: the body's bytes, when they were just read from `file` and checked."""
        self.file, self.offset, self.length, self.crc, self.parts = file, offset, length, crc, parts
        self.ledger, self.data = ledger, data

    def fill(self) -> None:
        """Read the body and put its fields back into every object; DigestError when it is not there any more."""
        if self.parts is None:
            raise RuntimeError("a view cache entry was read without being bound to its file")
        data, self.data = self.data, None
        try:
            if data is None:
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


class ReadLedger:
    """What pages read back of the views: the bodies read since the last release, with the objects their
    fields went into, and the views taken from the index that were filled in, newest last."""

    HEADS_KEPT = 16  # filled views kept filled across releases: the pages of one issue are made close together

    def __init__(self):
        self.read: list[tuple[_Body, list]] = []
        self.heads: deque[tuple[_Head, list]] = deque()

    def filled(self, head: _Head, filled: list) -> None:
        """Note a view from the index given the rest of its fields (_complete's list of them)."""
        self.heads.append((head, filled))

    def release(self) -> None:
        """Leave the fields of every body read since the last call to its file again, and take out of all but
        the newest HEADS_KEPT filled views what filling gave them; both are read back if used. The writer
        calls it after each page: a worker rendering thousands of issue pages would otherwise end up holding
        all of them, and its memory would keep growing (fresh memory is slower to fill: each new page of it
        is a fault; measured on a template change of 3,650 issues, reading an entry's rest took 227 µs
        holding them all, 168 µs this way)."""
        while self.read:
            body, parts = self.read.pop()
            for obj in parts:
                leave_out(obj, obj.deferred, body)
            body.parts = parts
        while len(self.heads) > self.HEADS_KEPT:
            head, filled = self.heads.popleft()
            head.empty(filled)


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
