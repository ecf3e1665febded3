"""The arXiv API through the `arxiv` package, with every page fetched by our HTTP client.

arxiv 4.x has no request timeout and no backoff, retries HTTP 400, and silently yields
nothing when a first page is empty or not a feed. `_PagedClient` keeps the package's
query building, paging and Atom parsing but routes each page through `HttpClient`
(timeouts, backoff, cache) and turns empty or erroneous pages into errors.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import arxiv
from arxiv import _feed as arxiv_feed  # the package's own Atom parser (keeps arxiv:affiliation)

from ..arxiv_id import split_id
from ..errors import UpstreamError
from .http import HttpClient, host_path
from .tex import tex_to_unicode

WHAT = "arXiv API"
MAX_PAGE_SIZE = 2000  # the API's own limit
EMPTY_ATTEMPTS = 3  # asking again for a page that came back empty but should not have

_ATOM = "{http://www.w3.org/2005/Atom}"
_SPACE_RE = re.compile(r"\s+")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ApiPaper:
    """One paper as the API describes it (latest version unless a version was asked for)."""

    id: str
    version: int
    title: str
    abstract: str
    authors: tuple[str, ...]
    affiliations: tuple[str, ...]
    categories: tuple[str, ...]  # primary first
    published: datetime
    updated: datetime
    comment: str | None
    journal_ref: str | None
    doi: str | None


class _EmptyPage(Exception):
    """A page with no entries where entries were expected."""


class EmptyResult(UpstreamError):
    """A page that should hold results stayed empty after every retry.

    `first_page` tells a search that found nothing at all from one whose later page went missing
    (totalResults promised more): only the first can mean "no paper matches".
    """

    def __init__(self, message: str, *, first_page: bool = True):
        super().__init__(message, unreachable=False)
        self.first_page = first_page


def api_error_summary(body: bytes) -> str | None:
    """The message of an API error feed (an entry titled "Error"), or None for an ordinary feed."""
    if b"Error" not in body:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for entry in root.iter(f"{_ATOM}entry"):
        entry_id = entry.findtext(f"{_ATOM}id") or ""
        title = (entry.findtext(f"{_ATOM}title") or "").strip()
        if "/api/errors" in entry_id or title == "Error":
            summary = _clean(entry.findtext(f"{_ATOM}summary") or "")
            return summary or entry_id or "unspecified error"
    return None


class _PagedClient(arxiv.Client):
    """arxiv.Client whose pages come from HttpClient: our timeouts, backoff, cache and errors."""

    def __init__(self, http: HttpClient, api_url: str, page_size: int, refresh: bool):
        # The package's own spacing and retries are off: HttpClient does both, once.
        super().__init__(page_size=page_size, delay_seconds=0.0, num_retries=0)
        self._session.close()  # the package's own session is never used
        self.query_url_format = api_url.split("?", 1)[0] + "?{}"
        self._http = http
        self.refresh = refresh
        self.require_results = False
        self.on_page: Callable[[arxiv_feed.FeedHeader, int], None] | None = None
        self.headers: list[arxiv_feed.FeedHeader] = []

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> arxiv_feed.ParsedFeed:
        where = host_path(url)
        must_have_entries = self.require_results or not first_page
        last: list = []

        def check(body: bytes) -> None:
            error = api_error_summary(body)
            if error:
                raise UpstreamError(f"{WHAT} at {where}: arXiv answered with an error: {error}", unreachable=False)
            try:
                feed = arxiv_feed.parse(body)
            except ValueError as exc:  # the package's own date and field parsing
                raise UpstreamError(f"{WHAT} at {where}: the feed has a field that cannot be read ({exc})",
                                    unreachable=False) from None
            if must_have_entries and not feed.results:
                raise _EmptyPage()
            last[:] = [body, feed]

        for attempt in range(1, EMPTY_ATTEMPTS + 1):
            try:
                body = self._http.get(
                    url,
                    what=WHAT,
                    expect="atom",
                    refresh=self.refresh or attempt > 1,
                    check=check,
                    explain=api_error_summary,
                )
            except _EmptyPage:
                if attempt < EMPTY_ATTEMPTS:
                    self._http.pause(attempt)
                continue
            feed = last[1] if last and last[0] is body else arxiv_feed.parse(body)
            self.headers.append(feed.header)
            if self.on_page is not None:
                self.on_page(feed.header, len(feed.results))
            return feed
        start = re.search(r"[?&]start=(\d+)", url)
        at = f" (start={start.group(1)})" if start else ""
        raise EmptyResult(f"{WHAT} at {where}: a page{at} that should hold results came back empty {EMPTY_ATTEMPTS} times",
                          first_page=first_page)


class ArxivApi:
    """id_list lookups and submittedDate backfills over one shared HttpClient."""

    def __init__(
        self,
        http: HttpClient,
        api_url: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        batch_size: int = 100,
        refresh: bool = False,
    ):
        self.http = http
        self.api_url = api_url
        self.page_size = max(1, min(page_size, MAX_PAGE_SIZE))
        self.batch_size = max(1, batch_size)
        self.refresh = refresh

    def lookup(self, ids: Sequence[str], *, require: bool = False, progress: Progress | None = None) -> dict[str, ApiPaper]:
        """Papers by versionless id, in batches; with `require`, a batch that finds none is an error."""
        unique = list(dict.fromkeys(ids))
        found: dict[str, ApiPaper] = {}
        for start in range(0, len(unique), self.batch_size):
            batch = unique[start:start + self.batch_size]
            client = self._client(page_size=len(batch))
            client.require_results = require
            search = arxiv.Search(id_list=batch, max_results=len(batch))
            for result in client.results(search):
                paper = to_paper(result)
                found[paper.id] = paper
            if progress is not None:
                progress(min(start + len(batch), len(unique)), len(unique))
        return found

    def search(
        self,
        query: str,
        *,
        require: bool = False,
        max_results: int | None = None,
        page_size: int | None = None,
        progress: Progress | None = None,
    ) -> tuple[list[ApiPaper], int]:
        """Every result of `query` (oldest submission first) and the API's totalResults."""
        client = self._client(page_size=page_size or self.page_size)
        client.require_results = require
        got = 0

        def on_page(header: arxiv_feed.FeedHeader, n: int) -> None:
            nonlocal got
            got += n
            if progress is not None:
                progress(got, header.total_results)

        client.on_page = on_page
        search = arxiv.Search(
            query=query,
            max_results=max_results,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Ascending,
        )
        papers = [to_paper(r) for r in client.results(search)]
        total = client.headers[0].total_results if client.headers else 0
        return papers, total

    def backfill(
        self,
        submitted_date_query: str,
        categories: Iterable[str],
        phrases: Iterable[str],
        *,
        progress: Progress | None = None,
    ) -> list[ApiPaper]:
        """Topic papers submitted in one announcement's range; an API that finds nothing at all is an error."""
        categories = tuple(categories)
        try:
            papers, _ = self.search(
                backfill_query(submitted_date_query, categories, phrases), require=True, progress=progress
            )
        except EmptyResult as exc:
            if not exc.first_page:
                # A later page went missing: the papers of the earlier pages are only part of the
                # window, and writing them would silently lose the rest.
                raise
            # Asked again and still no topic paper: true for a narrow topic on a quiet day,
            # but no paper in the categories at all never is. Ask for one, insisting.
            self.search(f"({_any_category(categories)}) AND {submitted_date_query}", require=True, max_results=1, page_size=1)
            return []
        return papers

    def _client(self, page_size: int) -> _PagedClient:
        return _PagedClient(self.http, self.api_url, page_size=page_size, refresh=self.refresh)


def backfill_query(submitted_date_query: str, categories: Iterable[str], phrases: Iterable[str]) -> str:
    """`(cat:a OR cat:b) AND (ti:"p" OR abs:"p" ...) AND submittedDate:[...]` for the API."""
    terms: list[str] = []
    for phrase in phrases:
        # The API matches words, not our hyphen-tolerant phrases; ask for both spellings
        # and let the client-side topic filter decide.
        spellings = dict.fromkeys([phrase, phrase.replace("-", " "), re.sub(r"\s+", "-", phrase)])
        for spelling in spellings:
            quoted = f'"{spelling}"' if re.search(r"[\s-]", spelling) else spelling
            terms += [f"ti:{quoted}", f"abs:{quoted}"]
    parts = [f"({_any_category(categories)})"]
    if terms:
        parts.append(f"({' OR '.join(terms)})")
    parts.append(submitted_date_query)
    return " AND ".join(parts)


def to_paper(result: arxiv.Result) -> ApiPaper:
    """An arxiv.Result as an ApiPaper: whitespace collapsed, names in Unicode NFC, primary category first."""
    arxiv_id, version = split_id(result.get_short_id())
    authors: list[str] = []
    affiliations: list[str] = []
    for author in result.authors:
        # The API usually gives Unicode, but submitters sometimes type TeX accents.
        name = tex_to_unicode(author.name)
        if name:
            authors.append(name)
        for aff in author.affiliation:
            aff = _clean(aff)
            if aff and aff not in affiliations:
                affiliations.append(aff)
    categories = list(dict.fromkeys([c for c in [result.primary_category, *result.categories] if c]))
    return ApiPaper(
        id=arxiv_id,
        version=version or 1,
        title=_clean(result.title),
        abstract=_clean(result.summary),
        authors=tuple(authors),
        affiliations=tuple(affiliations),
        categories=tuple(categories),
        published=result.published,
        updated=result.updated,
        comment=_clean(result.comment) or None,
        journal_ref=_clean(result.journal_ref) or None,
        doi=_clean(result.doi) or None,
    )


def _any_category(categories: Iterable[str]) -> str:
    return " OR ".join(f"cat:{c}" for c in categories)


def _clean(text: str | None) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()
