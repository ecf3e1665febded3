"""arXiv's listing pages and per-category-set feeds, made from a recorded announcement RSS, for the stand-in.

The recorded 2024-11-28 feed combines all twenty archives. From it this module makes what arXiv
would serve for one configured set of categories on that day:
- the feed of those categories (`feed_for`): items outside them dropped, each announce type as a
  feed of that set gives it (cross when the primary category is not in the set);
- each category's `/list/<category>/new` page (`listing_page`), in the structure of arXiv's
  listing pages: a "Showing new listings for <day>" heading, "Total of N entries" paging, then
  New submissions (primary category here), Cross submissions (listed here, primary elsewhere)
  and Replacement submissions, each entry a <dt> with its /abs/ link and a <dd> with title,
  authors, subjects (primary first) and abstract.
The ids and sections therefore agree with the recording by construction.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from html import escape

from arxiv_server import Reply, Request

from digest.fetch.tex import split_authors

_DESCRIPTION_RE = re.compile(r"arXiv:(\S+?)v(\d+) Announce Type: (\S+)\s*\nAbstract: (.*)", re.S)
_ITEM_RE = re.compile(rb"<item>.*?</item>\s*", re.S)
_NAMES = {"cs.CV": "Computer Vision and Pattern Recognition", "cs.LG": "Machine Learning",
          "cs.CL": "Computation and Language", "cs.AI": "Artificial Intelligence",
          "stat.ML": "Machine Learning", "cs.RO": "Robotics", "eess.IV": "Image and Video Processing"}
SECTION_TITLES = {"new": "New submissions", "cross": "Cross submissions", "replace": "Replacement submissions"}


@dataclass(frozen=True)
class FeedPaper:
    """One item of a recorded feed, as arXiv's own records have it."""

    id: str
    version: int
    replaced: bool
    title: str
    abstract: str
    creator: str
    categories: tuple[str, ...]  # primary first

    @property
    def primary(self) -> str:
        """The primary category."""
        return self.categories[0]


def feed_papers(feed: bytes) -> list[FeedPaper]:
    """The papers of a recorded announcement feed, in feed order."""
    out = []
    for item in ET.fromstring(feed).iter("item"):
        m = _DESCRIPTION_RE.match(item.findtext("description") or "")
        if not m:
            continue
        creator = item.findtext("{http://purl.org/dc/elements/1.1/}creator") or ""
        out.append(FeedPaper(id=m.group(1), version=int(m.group(2)), replaced=m.group(3).startswith("replace"),
                             title=item.findtext("title") or "", abstract=m.group(4), creator=creator,
                             categories=tuple(c.text for c in item.findall("category"))))
    return out


def feed_for(feed: bytes, categories: Iterable[str]) -> bytes:
    """The feed arXiv serves for `categories`: only their papers, announce types relative to the set."""
    wanted = set(categories)

    def rewrite(m: re.Match) -> bytes:
        item = m.group(0)
        cats = {c.decode() for c in re.findall(rb"<category>(.*?)</category>", item)}
        if not cats & wanted:
            return b""
        primary = re.search(rb"<category>(.*?)</category>", item).group(1).decode()
        replaced = re.search(rb"Announce Type: replace", item) is not None
        kind = ("replace" if replaced else "new") if primary in wanted else ("replace-cross" if replaced else "cross")
        return re.sub(rb"Announce Type: \S+", b"Announce Type: " + kind.encode(), item, count=1)

    return _ITEM_RE.sub(rewrite, feed)


def sections(papers: Iterable[FeedPaper], category: str) -> dict[str, list[FeedPaper]]:
    """A category's listing: its new submissions, cross-lists and replacements, in feed order."""
    out: dict[str, list[FeedPaper]] = {"new": [], "cross": [], "replace": []}
    for p in papers:
        if category not in p.categories:
            continue
        out["replace" if p.replaced else "new" if p.primary == category else "cross"].append(p)
    return out


def listing_page(papers: list[FeedPaper], category: str, listing_date: date, *, skip: int = 0,
                 show: int = 2000) -> bytes:
    """The /list/<category>/new page showing entries skip..skip+show of that day's listing."""
    parts = sections(papers, category)
    ordered = [(kind, p) for kind in ("new", "cross", "replace") for p in parts[kind]]
    total = len(ordered)
    shown = ordered[skip:skip + show]
    name = _NAMES.get(category, category)
    out = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">",
        f"<title>{escape(name)}</title>\n</head>\n<body class=\"with-cu-identity\">",
        "<div id=\"content\">\n<div id='content-inner'>\n<div id='dlpage'>",
        f"  <h1>{escape(name)}</h1>",
        "  <ul>" + "".join(f"<li><a href=\"#item{i}\">{t}</a></li>" for i, t in
                           ((0, "New submissions"), (len(parts["new"]), "Cross-lists"),
                            (len(parts["new"]) + len(parts["cross"]), "Replacements"))) + "</ul>",
        f"  <p>See <a id=\"recent-{category}\" href=\"/list/{category}/recent\">recent</a> articles</p>",
        f"<h3>Showing new listings for {listing_date:%A}, {listing_date.day} {listing_date:%B %Y}</h3>",
    ]
    if not total:
        out.append("<p>No updates today.</p>")
    else:
        out.append(_paging(category, total, skip, show))
        out.append(f"<div class='morefewer'>Showing up to {show} entries per page</div>")
        number = skip
        for kind in ("new", "cross", "replace"):
            here = [p for k, p in shown if k == kind]
            if not here:
                continue
            out.append("<dl id='articles'>")
            out.append(f"<h3>{SECTION_TITLES[kind]} (showing {len(here)} of {len(parts[kind])} entries)</h3>")
            for p in here:
                number += 1
                out.append(_entry(p, kind, number))
            out.append("</dl>")
        out.append(_paging(category, total, skip, show))
    out.append("</div>\n</div>\n</div>\n</body>\n</html>\n")
    return "\n".join(out).encode("utf-8")


def listing_responder(feed: bytes, listing_date: date, *, page_size: int = 2000) -> Callable[[Request], Reply]:
    """Answers /list/<category>/new?skip=&show= from the recorded feed; at most `page_size` entries a page."""
    papers = feed_papers(feed)

    def answer(request: Request) -> Reply:
        m = re.fullmatch(r"/list/([^/]+)/new", request.path)
        if not m:
            return Reply(404, b"not found", content_type="text/plain")
        skip = int(request.param("skip", "0") or 0)
        show = min(int(request.param("show", "2000") or 2000), page_size)
        body = listing_page(papers, m.group(1), listing_date, skip=skip, show=show)
        return Reply(200, body, content_type="text/html; charset=utf-8")

    return answer


def _paging(category: str, total: int, skip: int, show: int) -> str:
    links = []
    for start in range(0, total, show):
        span = f"{start + 1}-{min(total, start + show)}"
        links.append(f"<span>{span}</span>" if start == skip else
                     f"<a href=/list/{category}/new?skip={start}&amp;show={show}>{span}</a>")
    return f"<div class='paging'>Total of {total} entries : " + " ".join(links) + "\n</div>"


def _entry(p: FeedPaper, kind: str, number: int) -> str:
    marks = " (replaced)" if p.replaced else f" (cross-list from {p.primary})" if kind == "cross" else ""
    authors = ", ".join(
        f"<a href=\"https://arxiv.org/a/{escape(name.split()[-1].lower() if name.split() else 'x')}_1\">{escape(name)}</a>"
        + "".join(f" ({escape(a)})" for a in affs)
        for name, affs in split_authors(p.creator)
    )
    subjects = "; ".join(
        (f"<span class=\"primary-subject\">{escape(_NAMES.get(c, c))} ({c})</span>" if i == 0
         else f"{escape(_NAMES.get(c, c))} ({c})")
        for i, c in enumerate(p.categories)
    )
    return (
        f"<dt>\n  <a name='item{number}'>[{number}]</a>\n"
        f"  <a href =\"/abs/{p.id}\" title=\"Abstract\" id=\"{p.id}\">\n    arXiv:{p.id}\n  </a>{marks}\n"
        f"  [<a href=\"/pdf/{p.id}\" title=\"Download PDF\" id=\"pdf-{p.id}\">pdf</a>, "
        f"<a href=\"https://arxiv.org/html/{p.id}v{p.version}\" title=\"View HTML\">html</a>, "
        f"<a href=\"/format/{p.id}\" title=\"Other formats\">other</a>]\n</dt>\n"
        "<dd>\n  <div class='meta'>\n"
        f"    <div class='list-title mathjax'><span class='descriptor'>Title:</span>\n      {escape(p.title)}\n    </div>\n"
        f"    <div class='list-authors'>{authors}</div>\n"
        f"    <div class='list-subjects'><span class='descriptor'>Subjects:</span>\n      {subjects}\n    </div>\n"
        f"    <p class='mathjax'>\n      {escape(p.abstract)}\n    </p>\n  </div>\n</dd>"
    )
