"""arXiv's listing pages (`<listing_url>/<category>/new`): the batch from the 20:00 ET announcement on.

The RSS is rebuilt only at midnight US Eastern; the listing pages switch at the announcement.
One page per category (and per `show` entries: arXiv pages with `skip`/`show`), each naming
its listing date in "Showing new listings for <weekday>, <day> <month> <year>" and holding
its papers under New submissions, Cross submissions and Replacement submissions headings.
A page that still names the previous listing date is a `StaleBatch`; a page whose structure
is not recognised is an `UpstreamError` that says what was expected, never an empty batch.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

from ..arxiv_id import split_id
from ..errors import UpstreamError
from .batch import AnnouncedPaper, Batch, StaleBatch
from .http import HttpClient, host_path
from .tex import byline

WHAT = "arXiv listing"
PAGE_SIZE = 2000  # the most entries arXiv shows on one page

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_DATE_RE = re.compile(r"showing new listings for\s+(?:[a-z]+,?\s+)?(\d{1,2})\s+([a-z]+)\s+(\d{4})", re.IGNORECASE)
_TOTAL_RE = re.compile(r"total of\s+(\d+)\s+entr", re.IGNORECASE)
_NO_UPDATES_RE = re.compile(r"no updates (?:today|for this time period)", re.IGNORECASE)
# The section headings, by their first words ("New submissions (showing 128 of 128 entries)").
_SECTIONS = (("new submission", "new"), ("cross submission", "cross"), ("cross-list", "cross"),
             ("replacement", "replace"))
_CATEGORY_RE = re.compile(r"\(([a-z][a-z-]*(?:\.[A-Za-z][A-Za-z-]*)?)\)\s*$")
_SPACE_RE = re.compile(r"\s+")
_EXPECTED = ("an arXiv listing page: a 'Showing new listings for <day>' heading, then entries under "
             "'New submissions', 'Cross submissions' and 'Replacement submissions'")
# Elements whose text is a field of the entry being read, by class.
_FIELDS = {"list-title": "title", "list-authors": "authors", "list-comments": "comment",
           "list-journal-ref": "journal_ref", "list-subjects": "subjects"}
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass(frozen=True)
class ListedPaper:
    """One entry of a listing page."""

    id: str
    version: int | None
    section: str  # "new", "cross" or "replace": the heading it is listed under
    title: str
    abstract: str
    authors: str  # the byline as shown, affiliations in parentheses
    categories: tuple[str, ...]  # primary first
    comment: str | None = None
    journal_ref: str | None = None


@dataclass(frozen=True)
class ListingPage:
    """One page of a category's listing: its date, the listing's total, and the entries shown."""

    category: str
    listing_date: date | None
    total: int | None
    papers: list[ListedPaper] = field(default_factory=list)
    empty: bool = False  # the page says there is nothing today


def page_url(listing_url: str, category: str, skip: int = 0, show: int = PAGE_SIZE) -> str:
    """The page of `category`'s new listing that starts at entry `skip`."""
    return f"{listing_url.rstrip('/')}/{category}/new?skip={skip}&show={show}"


def parse_page(body: bytes, *, category: str, where: str = "") -> ListingPage:
    """Read one listing page; UpstreamError (an unusable answer) when it is not one, saying what was expected."""
    reader = _PageReader()
    reader.feed(body.decode("utf-8", "replace"))
    reader.close()
    reader.finish_entry()
    place = f"{WHAT} at {where}" if where else WHAT
    if reader.problem:
        raise UpstreamError(f"{place}: {reader.problem}; expected {_EXPECTED}", unreachable=False)
    if reader.listing_date is None:
        raise UpstreamError(f"{place}: the page{_title(reader.page_title)} names no listing date; expected {_EXPECTED}",
                            unreachable=False)
    empty = not reader.papers and (reader.no_updates or reader.total == 0)
    if not reader.papers and not empty:
        raise UpstreamError(f"{place}: the page of {reader.listing_date} lists no entry and does not say why; "
                            f"expected {_EXPECTED}", unreachable=False)
    if reader.total is not None and len(reader.papers) > reader.total:
        raise UpstreamError(f"{place}: the page shows {len(reader.papers)} entries but says the listing has "
                            f"{reader.total}", unreachable=False)
    return ListingPage(category=category, listing_date=reader.listing_date, total=reader.total,
                       papers=reader.papers, empty=empty)


def fetch_batch(
    client: HttpClient,
    listing_url: str,
    categories: Iterable[str],
    expected: date,
    *,
    refresh: bool = False,
    show: int = PAGE_SIZE,
) -> Batch:
    """Every configured category's new listing for `expected`, merged into one batch.

    StaleBatch when a page still shows an older listing; UpstreamError when a page shows a
    later one (the calendar is wrong), is not a listing page, or when every category is empty
    on a day arXiv announces.
    """
    categories = tuple(categories)
    pages: list[ListingPage] = []
    for category in categories:
        pages += _category_pages(client, listing_url, category, expected, refresh=refresh, show=show)
    if all(page.empty for page in pages):
        cats = ", ".join(categories)
        raise UpstreamError(f"{WHAT} at {host_path(listing_url)}: the listings of {cats} for {expected} are all "
                            "empty, although arXiv announces that day", unreachable=False)
    return Batch(listing_date=expected, title=f"{', '.join(categories)} new listings", source="listing",
                 items=merge(pages, categories))


def merge(pages: Iterable[ListingPage], categories: Iterable[str]) -> list[AnnouncedPaper]:
    """One AnnouncedPaper per id across the categories' pages, typed as a feed of `categories` would type it."""
    wanted = set(categories)
    seen: dict[str, ListedPaper] = {}
    for page in pages:
        for paper in page.papers:
            seen.setdefault(paper.id, paper)
    return [_announced(paper, wanted) for paper in seen.values()]


def announce_type(section: str, primary: str, categories: set[str]) -> str:
    """arXiv's announce type for a feed of `categories`: cross when the primary category is not one of them."""
    outside = primary not in categories
    if section == "replace":
        return "replace-cross" if outside else "replace"
    return "cross" if outside else "new"


# --- internals -------------------------------------------------------------------------------


class _Empty(Exception):
    """A listing page with the right date and no entries: valid, but never cached."""

    def __init__(self, page: ListingPage):
        super().__init__(page.category)
        self.page = page


def _category_pages(client: HttpClient, listing_url: str, category: str, expected: date, *,
                    refresh: bool, show: int) -> list[ListingPage]:
    """All pages of one category's listing, following `skip` until the listing's total is read."""
    pages: list[ListingPage] = []
    seen: set[str] = set()
    while True:
        skip = len(seen)
        page = _page(client, listing_url, category, expected, skip=skip, refresh=refresh, show=show)
        pages.append(page)
        if page.empty or page.total is None or len(seen) + len(page.papers) >= page.total:
            return pages
        ids = {p.id for p in page.papers}
        if not ids - seen:
            # An empty page, or one repeating what was read: following `skip` further would never end.
            raise UpstreamError(f"{WHAT} at {host_path(page_url(listing_url, category, skip, show))}: the page adds "
                                f"no entry although the listing has {page.total}", unreachable=False)
        seen |= ids


def _page(client: HttpClient, listing_url: str, category: str, expected: date, *,
          skip: int, refresh: bool, show: int) -> ListingPage:
    url = page_url(listing_url, category, skip, show)
    where = host_path(url)
    parsed: list[ListingPage] = []

    def check(body: bytes) -> None:
        page = parse_page(body, category=category, where=where)
        if page.listing_date < expected:
            raise StaleBatch(page.listing_date, expected, f"{category} listing page")
        if page.listing_date > expected:
            raise UpstreamError(
                f"{WHAT} at {where}: the page shows the listing of {page.listing_date} but the calendar expects "
                f"{expected} to be the newest; check schedule.holidays", unreachable=False)
        if page.empty:
            raise _Empty(page)
        parsed[:] = [page]

    try:
        body = client.get(url, what=WHAT, expect="html", refresh=refresh,
                          variant=f"listing={expected.isoformat()}", check=check)
    except _Empty as exc:
        return exc.page
    # A cached body passes the check too, which leaves its parse behind.
    return parsed[0] if parsed else parse_page(body, category=category, where=where)


def _announced(paper: ListedPaper, wanted: set[str]) -> AnnouncedPaper:
    authors, affiliations = byline(paper.authors)
    primary = paper.categories[0] if paper.categories else ""
    return AnnouncedPaper(
        id=paper.id,
        # A new submission is its first version; a listing never says which version replaced it.
        version=paper.version or (1 if paper.section != "replace" else None),
        announce_type=announce_type(paper.section, primary, wanted),
        title=paper.title,
        abstract=paper.abstract,
        categories=paper.categories,
        authors=authors,
        affiliations=affiliations,
        comment=paper.comment,
        journal_ref=paper.journal_ref,
    )


def _clean(text: str) -> str:
    return _SPACE_RE.sub(" ", text).strip()


def _title(title: str) -> str:
    return f' ("{title[:80]}")' if title else ""


def _listing_date(text: str) -> date | None:
    m = _DATE_RE.search(text)
    if not m or m.group(2).lower() not in _MONTHS:
        return None
    try:
        return date(int(m.group(3)), _MONTHS.index(m.group(2).lower()) + 1, int(m.group(1)))
    except ValueError:
        return None


def _categories(subjects: str, primary: str) -> tuple[str, ...]:
    """'Computer Vision (cs.CV); Machine Learning (cs.LG)' -> ('cs.CV', 'cs.LG'), the primary first."""
    codes = [m.group(1) for part in subjects.split(";") if (m := _CATEGORY_RE.search(part.strip()))]
    first = _CATEGORY_RE.search(primary.strip())
    if first:
        codes.insert(0, first.group(1))
    return tuple(dict.fromkeys(codes))


class _PageReader(HTMLParser):
    """Walks a listing page once, collecting its date, total and entries in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.listing_date: date | None = None
        self.total: int | None = None
        self.no_updates = False
        self.page_title = ""
        self.papers: list[ListedPaper] = []
        self.problem: str | None = None
        self._section: str | None = None
        self._entry: dict | None = None
        self._in_dt = False
        self._field: str | None = None  # what the text being collected is (a _FIELDS value, "h3", ...)
        self._field_tag = ""
        self._nesting = 0  # open elements named _field_tag inside the collected one
        self._text: list[str] = []
        self._descriptor = 0  # inside <span class="descriptor"> ("Title:", "Comments:"): not text
        self._primary = 0  # inside <span class="primary-subject">

    # --- HTMLParser hooks --------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = set(a.get("class", "").split())
        if tag == "dt":
            self.finish_entry()
            self._entry = {"section": self._section}
            self._in_dt = True
            self._collect("dt", tag)
            return
        if tag == "dd" and self._field == "dt":
            self._end()  # an unclosed <dt>
        if tag == "dd":
            self._in_dt = False
        if tag == "a" and self._in_dt and self._entry is not None and "id" not in self._entry:
            self._abs_link(a.get("href", ""))
        if self._field is not None:
            self._inside(tag, classes)
            return
        if tag == "h3":
            self._collect("h3", tag)
        elif tag == "title":
            self._collect("page_title", tag)
        elif tag == "div" and "paging" in classes:
            self._collect("paging", tag)
        elif tag == "div" and self._entry is not None:
            name = next((f for c, f in _FIELDS.items() if c in classes), None)
            if name:
                self._collect(name, tag)
        elif tag == "p":
            self._collect("abstract" if self._entry is not None and "mathjax" in classes else "p", tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._descriptor:
            self._descriptor -= 1
            return
        if tag == "span" and self._primary:
            self._primary -= 1
            if not self._primary:
                self._text.append("\x03")
            return
        if self._field is not None and tag == self._field_tag:
            self._nesting -= 1
            if self._nesting == 0:
                self._end()
        if tag == "dl":
            self.finish_entry()

    def handle_data(self, data: str) -> None:
        if self._field is not None and not self._descriptor:
            self._text.append(data)

    # --- collecting ----------------------------------------------------------------------------

    def _inside(self, tag: str, classes: set[str]) -> None:
        """A start tag inside the element being collected."""
        if tag == self._field_tag and tag not in _VOID:
            self._nesting += 1
        if tag != "span":
            return
        if self._descriptor or "descriptor" in classes:
            self._descriptor += 1
        elif self._primary or "primary-subject" in classes:
            if not self._primary:
                self._text.append("\x02")  # marks the primary category inside the subjects text
            self._primary += 1

    def _abs_link(self, href: str) -> None:
        if "/abs/" not in href:
            return
        try:
            self._entry["id"], self._entry["version"] = split_id(href)
        except ValueError:
            self.problem = self.problem or f"an entry links to {href!r}, which is not an arXiv id"

    def _collect(self, name: str, tag: str) -> None:
        self._field, self._field_tag, self._nesting, self._text = name, tag, 1, []
        self._descriptor = self._primary = 0

    def _end(self) -> None:
        name, raw = self._field, "".join(self._text)
        self._field, self._text = None, []
        self._descriptor = self._primary = 0
        text = _clean(raw.replace("\x02", " ").replace("\x03", " "))
        if name == "h3":
            self._heading(text)
        elif name == "page_title":
            self.page_title = text
        elif name == "paging":
            m = _TOTAL_RE.search(text)
            if m and self.total is None:
                self.total = int(m.group(1))
        elif name == "p":
            self.no_updates = self.no_updates or bool(_NO_UPDATES_RE.search(text))
        elif self._entry is not None:
            self._entry[name] = text
            if name == "subjects" and "\x02" in raw:
                self._entry["primary"] = _clean(raw.split("\x02", 1)[1].split("\x03", 1)[0])

    def _heading(self, text: str) -> None:
        found = _listing_date(text)
        if found is not None:
            self.listing_date = found
            return
        if _NO_UPDATES_RE.search(text):
            self.no_updates = True
            return
        lowered = text.lower()
        for prefix, section in _SECTIONS:
            if lowered.startswith(prefix):
                self.finish_entry()
                self._section = section
                return
        if self._section is not None:
            self.problem = self.problem or f"the listing has a section headed {text[:60]!r}"

    def finish_entry(self) -> None:
        """Turn the entry being read into a ListedPaper (or record why it cannot be one)."""
        if self._field == "dt":
            self._end()
        entry, self._entry = self._entry, None
        self._in_dt = False
        if entry is None or self.problem:
            return
        section = "replace" if "(replaced)" in entry.get("dt", "").lower() else entry.get("section")
        if "id" not in entry:
            self.problem = "an entry has no link to its abstract page (<a href=\"/abs/ID\">)"
        elif section is None:
            self.problem = f"entry {entry['id']} comes before any section heading"
        elif not entry.get("title") or not entry.get("subjects"):
            self.problem = f"entry {entry['id']} has no {'title' if not entry.get('title') else 'subjects'}"
        else:
            self.papers.append(ListedPaper(
                id=entry["id"], version=entry.get("version"), section=section,
                title=entry["title"], abstract=entry.get("abstract", ""), authors=entry.get("authors", ""),
                categories=_categories(entry["subjects"], entry.get("primary", "")),
                comment=entry.get("comment") or None, journal_ref=entry.get("journal_ref") or None,
            ))
