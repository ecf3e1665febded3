"""Results of a pure text function kept between builds, in one JSON file per use.

The feeds re-serialise every entry's HTML with absolute links (feeds.absolutize, an HTML parser in
Python): for feed.xml's 50 issues and papers.xml's 250 papers that is most of the time a nightly build
spends on the feeds, though usually only the newest entry is new. A Memo keeps each result under the
sha256 of its whole input, so a stored result is only ever the one that input gives. The file also
records a stamp (the build's base key: this package's code and digest.yaml); a file with another
stamp, an unreadable or a damaged one is ignored, and the results are computed again. Only the
results a build used are written back, so the file holds at most one feed's worth.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from ..files import read_json

FORMAT = 1


class Memo:
    """str results of one pure function, by the sha256 of their inputs, read from and saved to `path`."""

    def __init__(self, path: Path | None, stamp: str | None, after: Memo | None = None):
        """`after`: a memo of the same file and stamp still in memory; the results it last used (or, used for
        nothing yet, those it read) are taken instead of reading the file (the preview keeps the feeds' memos
        between its quick updates)."""
        self.path = path if stamp else None  # without a stamp nothing says whose results a file holds
        self.stamp = stamp
        self.known: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.stored: dict[str, str] | None = None  # what the file holds, when it was read
        if after is not None and after.path == self.path and after.stamp == stamp:
            self.known = after.used or after.known
        elif self.path is not None:
            self.known = self.stored = _read(self.path, stamp)

    def get(self, parts: tuple[str, ...], compute: Callable[[], str]) -> str:
        """The result for the inputs `parts`: the stored one, or compute()'s."""
        h = hashlib.sha256()
        for part in parts:
            data = part.encode("utf-8", "surrogatepass")
            h.update(b"%d:" % len(data))
            h.update(data)
        key = h.hexdigest()
        found = self.known.get(key)
        if found is None:
            found = compute()
        self.used[key] = found
        return found

    def save(self) -> None:
        """Write back the results used since loading, unless they are what the file was read holding."""
        if self.path is None or self.used == self.stored:
            return
        from ..files import atomic_write_bytes, clean_stale_tmp

        data = json.dumps({"format": FORMAT, "stamp": self.stamp, "results": self.used}, sort_keys=True,
                          separators=(",", ":")).encode()
        try:
            clean_stale_tmp(self.path)  # what a build killed while writing it left (builds hold the project lock)
            atomic_write_bytes(self.path, data, durable=False)  # a cache: a lost or torn file is only ignored
        except OSError:
            pass  # a memo that cannot be written only costs the next build time


def _read(path: Path, stamp: str | None) -> dict[str, str]:
    data = read_json(path)
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("stamp") != stamp:
        return {}
    results = data.get("results")
    if not isinstance(results, dict) or not all(isinstance(v, str) for v in results.values()):
        return {}
    return results
