"""Turn a ranked issue into the values its templates show (no HTML layout here)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from markupsafe import Markup

from ..arxiv_id import cited_without_version
from ..editorial.candidates import Candidates
from ..editorial.config import Config
from ..editorial.lazy import Lazy, lazy_fields
from ..editorial.model import CARD_SECTIONS, Issue, Ranked
from ..editorial.schemas import SIGNALS
from ..editorial.window import Announcement, Window, announcements_in
from ..errors import Problem
from ..rank import rank_issue
from . import fmt
from .i18n import Lang, lang
from .markdown import RenderReport, render_block, render_inline, render_plain

ARXIV_ABS = "https://arxiv.org/abs/"
ARXIV_PDF = "https://arxiv.org/pdf/"


@dataclass
class Link:
    """An outbound link; `label` is an interface-string key (see i18n.STRINGS)."""

    label: str
    url: str


@lazy_fields
@dataclass
class PaperView(Lazy):
    """One ranked paper with everything its table row, card and reference need."""

    # Only the issue's own page and the feeds show these (the scores: the issue's page only, which reads the
    # sections anyway); paper, topic and archive pages read the rest.
    deferred: ClassVar[tuple[str, ...]] = ("sections", "evidence", "scores")
    # What the page plan reads of every paper (collections.py, site.py): its identity, topics and page title;
    # and what lists of papers and issues show of it (topic pages; the home page and archive show the
    # featured papers' short names).
    indexed: ClassVar[tuple[str, ...]] = ("rank", "arxiv", "name", "dek_name", "title", "tagline", "venue",
                                          "links", "primary_url", "areas", "featured", "anchor")

    rank: int
    anchor: str
    name: str
    dek_name: str
    title: str | None
    tagline: str | None
    authors: list[str]
    categories: list[str]
    venue: str | None
    links: list[Link]
    primary_url: str
    reason: Markup | None
    evidence: Markup | None
    sections: list[tuple[str, Markup]]
    abstract: str | None
    reviewed: bool
    featured: bool
    scores: list[tuple[str, str, str]]  # (signal, value text, source)
    total: str
    announce_type: str | None
    version: int | None
    arxiv: str | None
    areas: list[str]
    full_abstract: str | None = None  # the whole candidate abstract (`abstract` is an excerpt), for paper pages

    @property
    def reference(self) -> str:
        """'Title. Authors et al. Venue.' for the numbered source list."""
        parts = [self.title or self.name, fmt.short_authors(self.authors), self.venue or ""]
        return " ".join(p.rstrip(".") + "." for p in parts if p)


@lazy_fields
@dataclass
class IssueView(Lazy):
    """An issue ready for its templates."""

    deferred: ClassVar[tuple[str, ...]] = ("intro", "reading")
    # What the page plan reads of every issue: its page, its calendar cell, its papers (prev, next and
    # source_key are set by whoever loads the view).
    indexed: ClassVar[tuple[str, ...]] = ("issue", "url", "title", "date_text", "description", "cover", "note",
                                          "problems", "papers", "featured")

    issue: Issue
    url: str
    title: str
    dek: str
    published_text: str | None
    published_iso: str | None
    date_text: str
    window: Window
    window_text: str
    announcements: list[Announcement]
    tz_abbr: str
    intro: Markup | None
    papers: list[PaperView]
    featured: list[PaperView]
    reading: list[tuple[str, Markup]]
    cover: dict | None
    description: str
    problems: list[Problem] = field(default_factory=list)
    note: str | None = None  # the issue's notice (plain text), e.g. why it has no papers
    prev: "IssueView | None" = None
    next: "IssueView | None" = None
    source_key: str | None = None  # the view-cache key it was built or loaded under; None: not cacheable


def newest_first(views: list[IssueView]) -> list[IssueView]:
    """The views by issue date, newest first; views already in date order (as builds load them) are reversed."""
    dates = [v.issue.date for v in views]
    if all(a < b for a, b in zip(dates, dates[1:])):
        return views[::-1]
    return sorted(views, key=lambda v: v.issue.date, reverse=True)


def slugify(text: str) -> str:
    """A readable, ASCII anchor/URL slug."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text or "paper"


def _links(r: Ranked) -> list[Link]:
    e, c = r.entry, r.candidate or {}
    out: list[Link] = []
    if e.arxiv:
        vid = f"{e.arxiv}v{e.version}" if e.version else e.arxiv
        out.append(Link("link_abs", ARXIV_ABS + vid))
        out.append(Link("link_pdf", ARXIV_PDF + vid))
    if e.url:
        out.append(Link("link_page", e.url))
    code = e.code or next(iter((c.get("links") or {}).get("code") or []), None)
    if code:
        out.append(Link("link_code", code))
    for project in (c.get("links") or {}).get("project") or []:
        if project != e.url:
            out.append(Link("link_project", project))
            break
    return out


def window_sentence(window: Window, cutoff, tz_label: str, announcements: list[Announcement], lg: Lang) -> str:
    """The issue's window in words, with why it is not a normal day when it is not."""
    text = lg.t("window", start=lg.month_day_time(window.start), end=lg.month_day_time(window.end), tz=tz_label)
    normal_start = (window.end - timedelta(days=1)).replace(tzinfo=None)
    start_local = window.start.replace(tzinfo=None)
    days = (window.end.date() - window.start.date()).days
    cut = cutoff.strftime("%H:%M")
    if start_local > normal_start and days == 1:
        text += lg.t("window_shorter", cut=cut)
    elif start_local < normal_start and days <= 1:
        text += lg.t("window_longer", cut=cut)
    elif days > 1:
        text += lg.t("window_days", days=days)
    if not announcements:
        text += lg.t("window_none")
    elif len(announcements) == 1:
        a = announcements[0]
        text += lg.t("window_one", weekday=lg.weekday(a.announced), day=lg.month_day(a.announced),
                     time=lg.time(a.announced), listing=lg.month_day(a.listing_date))
    else:
        listings = lg.join([lg.month_day(a.listing_date) for a in announcements])
        text += lg.t("window_many", count=len(announcements), listings=listings)
    return text


class _Citer:
    """Resolves [@key] for one issue; `self_rank` is the paper a field belongs to."""

    def __init__(self, ranked: list[Ranked]):
        self.table: dict[str, int] = {}
        for r in ranked:
            e = r.entry
            for key in (e.arxiv, e.short, e.abbrev, e.title, e.url):
                if key:
                    self.table.setdefault(key.lower(), r.rank)
            if e.arxiv and e.version:
                self.table.setdefault(f"{e.arxiv}v{e.version}".lower(), r.rank)
        self.self_rank: int | None = None

    def __call__(self, key: str) -> int | None:
        key = key.strip()
        if not key:
            return self.self_rank
        key = key.lower()
        found = self.table.get(key)
        if found is None and (versionless := cited_without_version(key)) is not None:
            found = self.table.get(versionless)
        return found


def build_issue_view(issue: Issue, config: Config, candidates: Candidates | None,
                     previous_published: datetime | None) -> IssueView:
    """Rank the issue and render its prose; problems (bad citations, formulas) are collected, not raised."""
    tz = config.site.tz
    lg = lang(config.site.language)
    ranked = rank_issue(issue, candidates, config.weights)
    doc = issue.source
    problems: list[Problem] = []
    citer = _Citer(ranked)

    def prose(text: str | None, path: tuple, inline: bool = False) -> Markup | None:
        if not text:
            return None
        report = RenderReport(unknown_citations=[], math_errors=[], cited=[])
        out = (render_inline if inline else render_block)(text, cite=citer, report=report)
        for key in report.unknown_citations:
            what = "[@]" if not key else f"[@{key}]"
            hint = "it is only valid inside a paper's own fields" if not key else "cite a paper of this issue by its arXiv id, short or abbrev name"
            problems.append(_at(doc, path, f"unknown citation {what}; {hint}"))
        for err in report.math_errors:
            problems.append(_at(doc, path, f"formula shown as source text: {err}", "warning"))
        return out

    if issue.window_start and issue.window_end:
        window = Window(issue.window_start.astimezone(tz), issue.window_end.astimezone(tz))
    else:
        window = config.schedule.window(issue.date, tz, previous_published)
    announcements = announcements_in(window, config.schedule.holidays)
    featured_n = config.featured if issue.featured is None else issue.featured

    papers: list[PaperView] = []
    used_anchors: set[str] = set()
    for r in ranked:
        e, c = r.entry, r.candidate or {}
        citer.self_rank = r.rank
        base = ("papers", e.index)
        name = e.short or e.title or c.get("title") or e.arxiv or e.url or f"Paper {r.rank}"
        anchor = slugify(name)
        while anchor in used_anchors:
            anchor += f"-{r.rank}"
        used_anchors.add(anchor)
        sections = [(label_key, html) for label_key in CARD_SECTIONS
                    if (html := prose(getattr(e, label_key), base + (label_key,))) is not None]
        links = _links(r)
        abstract = c.get("abstract")
        papers.append(PaperView(
            rank=r.rank,
            anchor=anchor,
            name=name,
            dek_name=e.abbrev or name,
            title=e.title or c.get("title"),
            tagline=e.tagline,
            authors=list(e.authors or c.get("authors") or []),
            categories=list(e.categories or c.get("categories") or []),
            venue=e.venue or c.get("venue"),
            links=links,
            primary_url=links[0].url if links else "",
            reason=prose(e.reason, base + ("reason",), inline=True),
            evidence=prose(e.evidence, base + ("evidence",), inline=True),
            sections=sections,
            abstract=_excerpt(abstract) if abstract else None,
            reviewed=bool(sections),
            featured=r.rank <= featured_n,
            scores=[(s, fmt.number(r.signals[s].value) if r.signals[s].value is not None else "–", r.signals[s].source)
                    for s in SIGNALS],
            total=fmt.number(r.total),
            announce_type=c.get("announce_type"),
            version=e.version or c.get("version"),
            arxiv=e.arxiv,
            areas=list(e.areas),
            full_abstract=" ".join(abstract.split()) if abstract else None,
        ))
        if r.missing:
            problems.append(_at(doc, base, f"{name}: no score for {', '.join(r.missing)} (neither editor nor automatic), "
                                          "counted as 0; add scores: {" + ", ".join(f"{m}: N" for m in r.missing) + "}",
                                "warning"))
    citer.self_rank = None
    featured = [p for p in papers if p.featured]
    note = issue.note or None
    if not papers and not note:
        problems.append(_no_papers(doc, issue))
    intro = prose(issue.intro, ("intro",))
    reading = [(a.area, html) for a in issue.reading_order
               if (html := prose(a.text, ("reading_order", a.index, "text"))) is not None]

    topic = config.site.topic
    n = len(papers)
    title = issue.title or lg.t("title_default", count=lg.count(n), topic=topic,
                                noun=lg.t("paper_one" if n == 1 else "paper_many"),
                                date=lg.long_date(issue.date)).replace("  ", " ")
    names = lg.join([p.dek_name for p in featured])
    if featured:
        dek = lg.t("dek", day=lg.month_day(issue.date), count=lg.count(len(featured)).lower(), topic=topic,
                   picks=lg.t("dek_pick_one" if len(featured) == 1 else "dek_pick_many"), names=names)
        dek = dek.replace("  ", " ")
    else:
        dek = lg.t("dek_none", topic=topic, day=lg.month_day(issue.date))
    tz_label = f"{window.end.strftime('%Z')}, {config.site.timezone}"
    published = issue.published.astimezone(tz) if issue.published else None
    cover = None
    if issue.cover:
        cover = {"src": issue.cover.src, "alt": issue.cover.alt, "credit": issue.cover.credit}
        if not (config.static_dir / issue.cover.src).is_file():
            problems.append(_at(doc, ("cover", "src"), f"cover image static/{issue.cover.src} does not exist; add the file or fix the path"))
    description = _excerpt(render_plain(issue.intro), 220) if issue.intro else _excerpt(note, 220) if note else dek
    return IssueView(
        issue=issue,
        url=issue.slug + "/",
        title=title,
        dek=dek,
        published_text=f"{lg.header_date(published.date())} · {lg.time(published)}" if published else None,
        published_iso=published.isoformat() if published else None,
        date_text=lg.long_date(issue.date),
        window=window,
        window_text=window_sentence(window, config.schedule.cutoff_at(issue.date, tz).time(), tz_label, announcements, lg),
        announcements=announcements,
        tz_abbr=(published or window.end).strftime("%Z"),
        intro=intro,
        papers=papers,
        featured=featured,
        reading=reading,
        cover=cover,
        description=description,
        problems=problems,
        note=note,
    )


def _no_papers(doc, issue: Issue) -> Problem:
    """The error of an issue that would be published with no papers and no note saying why, at the key to fix."""
    example = "(e.g. note: no announcement today)"
    if issue.note is not None:  # `note: ""`, as `digest new --empty` leaves it for the editor
        where = ("note",)
        message = f"the issue has no papers and its note is empty; write why there are none {example}, or add papers"
    elif issue.entries:
        where = ("papers",)
        message = (f"every paper of the issue is excluded, so it has none to show; keep one, or add a note: saying "
                   f"why there are none {example}")
    else:
        where = ("papers",)
        message = f"the issue has no papers; add papers, or a note: saying why there are none {example}"
    return _at(doc, where, message) if doc is None else doc.problem(where, message, key=True)


def _excerpt(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def _at(doc, path: tuple, message: str, severity: str = "error") -> Problem:
    if doc is None:
        return Problem("<issue>", 0, 0, message, severity)
    return doc.problem(path, message, severity=severity)
