"""Reading JSON the program wrote itself (manifests, caches, the file a fetch replaces), where damage of any
kind means "not there": unreadable, not UTF-8, not JSON, or nested past the decoder's depth (RecursionError,
which json.loads raises for a few hundred kilobytes of '[')."""
from __future__ import annotations

import json
from pathlib import Path


def parse_json(raw: bytes) -> object | None:
    """The JSON value in `raw` (UTF-8), or None when it is not one the decoder can read."""
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def read_json(path: Path) -> object | None:
    """parse_json of the file at `path`; None also when it cannot be read."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return parse_json(raw)
