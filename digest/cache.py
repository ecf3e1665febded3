"""The per-issue view cache: an issue's rendered data, kept on disk between builds.

Building an IssueView (validating the YAML, ranking, Markdown and MathML) is most
of a build's time, and an issue's view depends only on its own file, its
candidates file, a few settings, the previous issue's `published` time and this
package's code. Each view is stored under `.digest-cache/build/views/<key>.pickle`,
where the key hashes all of those. Only views of issues without errors are
stored, with the warnings they produced, so a cached issue reports exactly what
a fresh one would. An unreadable, damaged or other-format entry is a miss.
"""
from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import tempfile
from dataclasses import replace
from pathlib import Path

from markupsafe import Markup

from .yamlload import Located

FORMAT = 2
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
        self.hits = 0
        self.misses = 0
        site, sched = config.site, config.schedule
        settings = repr((
            sorted(config.weights.items()), config.featured, site.language, site.timezone, site.topic,
            sched.cutoff.isoformat(), sorted(d.isoformat() for d in sched.holidays),
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
        """The entry stored under `key`, or None (absent, unreadable, damaged, or its cover went missing)."""
        try:
            with open(self.folder / (key + SUFFIX), "rb") as fh:
                entry = pickle.load(fh)
            if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
                raise ValueError("not an entry")
            view = entry["view"]
            cover = view.issue.cover
            if cover is not None and not (self.config.static_dir / cover.src).is_file():
                raise ValueError("cover image is gone")
        except Exception:  # noqa: BLE001 - any damage means: build this view again
            self.misses += 1
            return None
        self.used.add(key)
        self.hits += 1
        return entry

    def put(self, key: str, view, news_candidates) -> None:
        """Store a freshly built view (prev/next unset) and the candidate fields its news warnings need.

        The stored issue keeps of its YAML document (`issue.source`) only the locations the news warnings
        point at: the whole located document would cost more to read back than the rest of the view.
        """
        self.used.add(key)
        issue = view.issue
        if issue.source is not None:
            view = replace(view, issue=replace(issue, source=_news_locations(issue.source)))
        entry = {"format": FORMAT, "key": key, "view": view, "news": news_candidates}
        try:
            buffer = io.BytesIO()
            pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = _DISPATCH
            pickler.dump(entry)
            data = buffer.getvalue()
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=self.folder)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, self.folder / (key + SUFFIX))
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except (OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            pass  # a cache that cannot be written only costs time

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
