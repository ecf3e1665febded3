"""What the fetcher learned after the editor last saved the issue file."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .candidates import Candidates
from .model import Issue


@dataclass(frozen=True)
class News:
    """A candidate that arrived after the editor's last edit, or a newer version of a listed paper."""

    id: str
    title: str
    kind: str  # "new" or "version"
    detail: str


def _saved_at(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None


def news_since_edit(issue: Issue, cands: Candidates | None) -> list[News]:
    """Candidates first seen after the editor file was last saved, and newer versions of its papers."""
    if cands is None:
        return []
    saved = _saved_at(issue.path)
    listed = {e.arxiv: e for e in issue.entries if e.arxiv}
    out: list[News] = []
    for c in sorted(cands.papers, key=lambda c: c["id"]):
        entry = listed.get(c["id"])
        version = c.get("version")
        if entry is not None:
            if entry.version and isinstance(version, int) and version > entry.version:
                out.append(News(c["id"], c.get("title", ""), "version",
                                f"v{version} is out; the issue file lists v{entry.version}"))
            continue
        first = c.get("first_seen")
        try:
            seen = datetime.fromisoformat(first) if first else None
        except ValueError:
            seen = None
        if saved is not None and seen is not None and seen > saved and c.get("proposed", True):
            out.append(News(c["id"], c.get("title", ""), "new", f"first seen {seen.isoformat(timespec='minutes')}"))
    return out
