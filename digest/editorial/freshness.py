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
        seen = _first_seen(c)
        if saved is not None and seen is not None and seen > saved and c.get("proposed", True):
            out.append(News(c["id"], c.get("title", ""), "new", f"first seen {seen.isoformat(timespec='minutes')}"))
    return out


def _first_seen(candidate: dict) -> datetime | None:
    """When the fetcher first saw the candidate; None when it does not say (or not as an ISO time)."""
    first = candidate.get("first_seen")
    try:
        return datetime.fromisoformat(first) if first else None
    except ValueError:
        return None


Horizon = tuple[bool, datetime | None]


def news_horizon(issue: Issue, cands: Candidates | None) -> Horizon | None:
    """What news_since_edit finds, short of the file's save time: (whether a listed paper has a newer
    version, the latest first-seen time of a proposed paper the file does not list). None: not known."""
    if cands is None:
        return False, None
    listed = {e.arxiv: e for e in issue.entries if e.arxiv}
    versions, latest = False, None
    try:
        for c in cands.papers:
            entry = listed.get(c["id"])
            if entry is not None:
                version = c.get("version")
                versions = versions or bool(entry.version and isinstance(version, int) and version > entry.version)
                continue
            seen = _first_seen(c)
            if seen is not None and c.get("proposed", True):
                latest = seen if latest is None else max(latest, seen)
    except (TypeError, KeyError):  # times that cannot be compared: leave it to news_since_edit
        return None
    return versions, latest


def no_news(horizon: Horizon | None, path: Path) -> bool:
    """True when news_since_edit is sure to find nothing for the issue file at `path` (saved as it is now)."""
    if horizon is None:
        return False
    versions, latest = horizon
    if versions:
        return False
    if latest is None:
        return True
    saved = _saved_at(path)
    try:
        return saved is None or latest <= saved
    except TypeError:
        return False
