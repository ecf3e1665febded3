"""Writing the candidates file: stable bytes, earliest first_seen kept, untouched when nothing changed."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..files import atomic_write_bytes, clean_stale_tmp, read_json

# Keys that differ on every run without saying anything about the papers; `source` too, because the
# same batch read from the listing pages at 20:00 ET and from the RSS after midnight is the same file.
VOLATILE_KEYS = ("fetched_at", "requests", "source")


def render(doc: dict) -> bytes:
    """The file's bytes: sorted keys, UTF-8 without escapes, indent 1, trailing newline."""
    return (json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def read_existing(path: Path) -> dict | None:
    """The current file's content, or None when it is absent or unreadable (it will be replaced)."""
    data = read_json(path)
    return data if isinstance(data, dict) else None


def _earlier(a: str | None, b: str | None) -> str | None:
    if not a or not b:
        return a or b
    try:
        return a if datetime.fromisoformat(a) <= datetime.fromisoformat(b) else b
    except ValueError:
        return b


def keep_first_seen(doc: dict, existing: dict | None) -> None:
    """Give each candidate the earliest first_seen of this run and the file already on disk."""
    if not existing:
        return
    before = {
        c.get("id"): c.get("first_seen")
        for c in existing.get("candidates", [])
        if isinstance(c, dict)
    }
    for cand in doc.get("candidates", []):
        old = before.get(cand["id"])
        if isinstance(old, str):
            cand["first_seen"] = _earlier(old, cand.get("first_seen"))


def _stable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k not in VOLATILE_KEYS}


def write_candidates(path: Path, doc: dict) -> bool:
    """Write `doc` atomically unless the file already says the same; True when the file was written."""
    clean_stale_tmp(path)  # what a killed earlier run left (callers hold the project lock)
    existing = read_existing(path)
    keep_first_seen(doc, existing)
    data = render(doc)
    # Compare through a JSON round trip so tuples and lists, or key order, never count as changes.
    if existing is not None and _stable(existing) == _stable(json.loads(data)):
        return False
    atomic_write_bytes(path, data)
    return True
