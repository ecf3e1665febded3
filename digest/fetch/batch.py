"""One announced batch as a source reports it: the listing date and its papers, from the RSS or the listing pages."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class AnnouncedPaper:
    """One announced paper as the announcement describes it (before the API adds comments and versions)."""

    id: str
    version: int | None  # None when the source does not say (a replacement on a listing page)
    announce_type: str  # "new", "cross", "replace" or "replace-cross"
    title: str
    abstract: str
    categories: tuple[str, ...]  # primary first
    authors: tuple[str, ...]
    affiliations: tuple[str, ...] = ()
    comment: str | None = None  # the listing pages show these; the RSS does not
    journal_ref: str | None = None


@dataclass(frozen=True)
class Batch:
    """The papers of one listing date; `source` says which of arXiv's outlets was read."""

    listing_date: date | None
    title: str
    items: list[AnnouncedPaper] = field(default_factory=list)
    source: str = "rss"  # "rss" or "listing"


class StaleBatch(Exception):
    """The source still shows an older listing than the one asked for (arXiv has not switched yet)."""

    def __init__(self, found: date | None, expected: date, source: str):
        super().__init__(f"the {source} shows the listing of {found} instead of {expected}")
        self.found = found
        self.expected = expected
        self.source = source
