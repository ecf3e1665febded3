"""The data the pipeline passes along: papers as editors list them, issues, ranked rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, ClassVar

from .lazy import Lazy, lazy_fields
from .schemas import SIGNALS

# The card's prose fields in page order; their headings are interface strings (render/i18n.py).
CARD_SECTIONS = ("decision", "what", "technical", "limits")


@lazy_fields
@dataclass
class Entry(Lazy):
    """One paper as the editor lists it in issues/<date>.yaml."""

    # Everything but what a cached issue's news check reads (arxiv, version) and a few flags: once its view
    # is built, an entry's metadata, scores and prose live on in the view's papers.
    deferred: ClassVar[tuple[str, ...]] = ("title", "url", "short", "abbrev", "tagline", "authors", "categories",
                                           "scores", "reason", "evidence", "venue", "code", "areas", "decision",
                                           "what", "technical", "limits")

    index: int
    arxiv: str | None = None
    version: int | None = None
    title: str | None = None
    url: str | None = None
    short: str | None = None
    abbrev: str | None = None
    tagline: str | None = None
    authors: list[str] | None = None
    categories: list[str] | None = None
    scores: dict[str, int] = field(default_factory=dict)
    reason: str | None = None
    evidence: str | None = None
    venue: str | None = None
    code: str | None = None
    areas: list[str] = field(default_factory=list)
    decision: str | None = None
    what: str | None = None
    technical: str | None = None
    limits: str | None = None
    pin: int | None = None
    exclude: bool = False

    @property
    def key(self) -> str:
        """A stable identity: the versionless arXiv id, or the URL of a paper not on arXiv."""
        return self.arxiv or self.url or f"#{self.index}"


@dataclass
class ReadingArea:
    """One paragraph of the reading order."""

    area: str
    text: str
    index: int


@dataclass
class Cover:
    """The issue's cover image, a path under static/."""

    src: str
    alt: str
    credit: str | None = None


@lazy_fields
@dataclass
class Issue(Lazy):
    """A validated editor file."""

    deferred: ClassVar[tuple[str, ...]] = ("intro", "reading_order")
    indexed: ClassVar[tuple[str, ...]] = ("date", "published", "cover")  # what a build reads of every issue

    path: Path
    date: date
    entries: list[Entry]
    published: datetime | None = None
    title: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    intro: str | None = None
    note: str | None = None  # a short plain-text notice; an issue with no papers must have one (why none)
    featured: int | None = None
    reading_order: list[ReadingArea] = field(default_factory=list)
    cover: Cover | None = None
    source: Any = None  # the Located document, for pointing at lines later

    @property
    def slug(self) -> str:
        """YYYY/MM/DD, the issue's folder in the site."""
        return self.date.strftime("%Y/%m/%d")


@dataclass(frozen=True)
class Signal:
    """One signal's value for one paper and where it came from ("editor", "auto" or "none")."""

    value: float | None
    source: str
    reason: str = ""


@dataclass
class Ranked:
    """A paper with its merged metadata, signals, weighted total and final position."""

    entry: Entry
    candidate: dict | None
    signals: dict[str, Signal]
    total: float
    rank: int = 0
    pinned: bool = False

    @property
    def missing(self) -> list[str]:
        """Signals with neither an editor nor an automatic score."""
        return [s for s in SIGNALS if self.signals[s].value is None]
