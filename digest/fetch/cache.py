"""Raw HTTP response cache: one file per key, written atomically, verified on read."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..files import atomic_write_bytes, parse_json

_MAGIC = b"digest-http-cache/1 "


class ResponseCache:
    """Response bodies under `folder`, keyed by a string (the full URL plus an optional variant)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.folder / digest[:2] / f"{digest}.bin"

    def get(self, key: str) -> bytes | None:
        """The stored body for `key`, or None when absent, unreadable or damaged."""
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        # A header line names the key and the body's checksum, so a truncated or
        # hand-edited entry (or a hash collision) reads as a miss, never as data.
        if not raw.startswith(_MAGIC):
            return None
        newline = raw.find(b"\n")
        if newline < 0:
            return None
        header = parse_json(raw[len(_MAGIC):newline])
        body = raw[newline + 1:]
        if not isinstance(header, dict) or header.get("key") != key:
            return None
        if header.get("sha256") != hashlib.sha256(body).hexdigest() or header.get("size") != len(body):
            return None
        return body

    def put(self, key: str, body: bytes) -> None:
        """Store `body` for `key` through a temporary file and a rename; a failure leaves no partial entry."""
        path = self._path(key)
        header = json.dumps(
            {"key": key, "sha256": hashlib.sha256(body).hexdigest(), "size": len(body)},
            ensure_ascii=True,
            sort_keys=True,
        ).encode("ascii")
        try:
            atomic_write_bytes(path, _MAGIC + header + b"\n" + body)
        except OSError:
            # The cache is an optimisation: a read-only or full disk must not fail the fetch.
            return
