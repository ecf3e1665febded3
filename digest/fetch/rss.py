"""arXiv's announcement RSS: one combined feed for all configured categories, parsed with feedparser."""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime

import feedparser

from ..errors import UpstreamError
from .http import HttpClient, host_path
from .ids import split_id
from .tex import split_authors

WHAT = "arXiv RSS"
# Semantic retries of an empty feed, on top of the HTTP client's own retries.
EMPTY_FEED_ATTEMPTS = 3

_PREFIX_RE = re.compile(
    r"^\s*arXiv:(?P<ref>\S+?)\s+Announce Type:\s*(?P<type>[A-Za-z-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class FeedItem:
    """One announced paper as the feed describes it."""

    id: str
    version: int
    announce_type: str
    title: str
    abstract: str
    categories: tuple[str, ...]
    authors: tuple[str, ...]
    affiliations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Listing:
    """A parsed feed: the listing date (channel pubDate) and its items."""

    listing_date: date | None
    title: str
    items: list[FeedItem] = field(default_factory=list)


class StaleFeed(Exception):
    """The feed shows an older listing than the one asked for (arXiv has not switched yet)."""

    def __init__(self, found: date | None, expected: date):
        super().__init__(f"the feed shows the listing of {found} instead of {expected}")
        self.found = found
        self.expected = expected


class _EmptyFeed(Exception):
    """The feed has the right date but no items; worth asking again."""


def feed_url(rss_url: str, categories: Iterable[str]) -> str:
    """The combined feed of all categories: <rss_url>/cat+cat+..."""
    return f"{rss_url.rstrip('/')}/{'+'.join(categories)}"


def parse_listing(body: bytes, *, where: str = "", categories: Iterable[str] = ()) -> Listing:
    """Parse feed bytes; UpstreamError(unreachable=False) for arXiv's "Feed error" channel."""
    # feedparser's HTML sanitiser and URI resolver would rewrite TeX such as "$1<s<2$" as tags.
    parsed = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False)
    channel = parsed.get("feed", {})
    title = _clean(channel.get("title", ""))
    if title.lower().startswith("feed error"):
        detail = _clean(channel.get("subtitle", "") or channel.get("description", ""))
        cats = "+".join(categories) or "the configured categories"
        raise UpstreamError(
            f"{WHAT} at {where}: arXiv rejected the categories {cats}: {detail or title}",
            unreachable=False,
        )
    listing_date = _listing_date(channel.get("published") or channel.get("updated"))
    items = [item for entry in parsed.get("entries", []) if (item := _item(entry)) is not None]
    return Listing(listing_date=listing_date, title=title, items=items)


def fetch_listing(
    client: HttpClient,
    rss_url: str,
    categories: Iterable[str],
    expected: date,
    *,
    refresh: bool = False,
) -> Listing:
    """The combined feed for `expected`'s listing; StaleFeed if arXiv still serves an older one.

    A feed dated later than `expected` means the announcement calendar is wrong, and a feed
    with no items on an announcement day is an outage: both are UpstreamError, never an
    empty listing.
    """
    categories = tuple(categories)
    url = feed_url(rss_url, categories)
    where = host_path(url)
    # The check parses the feed already; keep that result (and its body, to know it is ours).
    last: list = []

    def check(body: bytes) -> None:
        listing = parse_listing(body, where=where, categories=categories)
        if listing.listing_date is None:
            raise UpstreamError(f"{WHAT} at {where}: the feed has no pubDate, so its listing date is unknown", unreachable=False)
        if listing.listing_date < expected:
            raise StaleFeed(listing.listing_date, expected)
        if listing.listing_date > expected:
            raise UpstreamError(
                f"{WHAT} at {where}: the feed shows the listing of {listing.listing_date} but the calendar "
                f"expects {expected} to be the newest; check schedule.holidays",
                unreachable=False,
            )
        if not listing.items:
            raise _EmptyFeed()
        last[:] = [body, listing]

    for attempt in range(1, EMPTY_FEED_ATTEMPTS + 1):
        try:
            body = client.get(
                url,
                what=WHAT,
                expect="rss",
                refresh=refresh or attempt > 1,
                variant=f"listing={expected.isoformat()}",
                check=check,
            )
        except _EmptyFeed:
            if attempt < EMPTY_FEED_ATTEMPTS:
                client.pause(attempt)
            continue
        if last and last[0] is body:
            return last[1]
        return parse_listing(body, where=where, categories=categories)
    raise UpstreamError(
        f"{WHAT} at {where}: the feed for the listing of {expected} has no items after {EMPTY_FEED_ATTEMPTS} attempts, "
        "although arXiv announces that day",
        unreachable=False,
    )


def _listing_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        # The listing date is the pubDate's own calendar date (midnight US Eastern), not its UTC date.
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        return None


def _clean(text: str) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()


def _item(entry: dict) -> FeedItem | None:
    description = entry.get("summary", "") or entry.get("description", "")
    m = _PREFIX_RE.match(description)
    ref = m.group("ref") if m else (entry.get("id") or entry.get("link") or "")
    try:
        arxiv_id, version = split_id(ref)
    except ValueError:
        return None
    announce_type = (m.group("type") if m else entry.get("arxiv_announce_type", "")).lower() or None
    abstract = description[m.end():] if m else description
    # The feed has one category element per category, the primary one first.
    categories = tuple(t.get("term", "") for t in entry.get("tags", []) if t.get("term"))
    creator = entry.get("author", "") or ""
    pairs = split_authors(creator)
    affiliations: list[str] = []
    for _, affs in pairs:
        for aff in affs:
            if aff not in affiliations:
                affiliations.append(aff)
    return FeedItem(
        id=arxiv_id,
        version=version or 1,
        announce_type=announce_type or "new",
        title=_clean(entry.get("title", "")),
        abstract=_clean(abstract),
        categories=categories,
        authors=tuple(name for name, _ in pairs),
        affiliations=tuple(affiliations),
    )
