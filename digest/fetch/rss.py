"""arXiv's announcement RSS: one combined feed for all configured categories, parsed with feedparser."""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from email.utils import parsedate_to_datetime

import feedparser

from ..arxiv_id import split_id
from ..errors import UpstreamError
from .batch import AnnouncedPaper, Batch, StaleBatch
from .http import HttpClient, host_path
from .tex import byline

WHAT = "arXiv RSS"
# Semantic retries of an empty feed, on top of the HTTP client's own retries.
EMPTY_FEED_ATTEMPTS = 3

_PREFIX_RE = re.compile(
    r"^\s*arXiv:(?P<ref>\S+?)\s+Announce Type:\s*(?P<type>[A-Za-z-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
_SPACE_RE = re.compile(r"\s+")


class _EmptyFeed(Exception):
    """The feed has the right date but no items; worth asking again."""


def feed_url(rss_url: str, categories: Iterable[str]) -> str:
    """The combined feed of all categories: <rss_url>/cat+cat+..."""
    return f"{rss_url.rstrip('/')}/{'+'.join(categories)}"


def parse_feed(body: bytes, *, where: str = "", categories: Iterable[str] = ()) -> Batch:
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
    return Batch(listing_date=listing_date, title=title, items=items)


def fetch_feed(
    client: HttpClient,
    rss_url: str,
    categories: Iterable[str],
    expected: date,
    *,
    refresh: bool = False,
) -> Batch:
    """The combined feed for `expected`'s listing; StaleBatch if arXiv still serves an older one.

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
        listing = parse_feed(body, where=where, categories=categories)
        if listing.listing_date is None:
            raise UpstreamError(f"{WHAT} at {where}: the feed has no pubDate, so its listing date is unknown", unreachable=False)
        if listing.listing_date < expected:
            raise StaleBatch(listing.listing_date, expected, "RSS feed")
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
        return parse_feed(body, where=where, categories=categories)
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


def _item(entry: dict) -> AnnouncedPaper | None:
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
    authors, affiliations = byline(entry.get("author", "") or "")
    return AnnouncedPaper(
        id=arxiv_id,
        version=version or 1,
        announce_type=announce_type or "new",
        title=_clean(entry.get("title", "")),
        abstract=_clean(abstract),
        categories=categories,
        authors=authors,
        affiliations=affiliations,
    )
