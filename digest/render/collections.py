"""Pages that gather papers across issues: the archive calendar, topic pages and one page per paper.

Everything here is plain data for the templates (archive.html, topics.html, topic.html,
paper.html); nothing here writes HTML except `rebase_links`, which only rewrites the link
targets of prose that view.py has already rendered and sanitised.
"""
from __future__ import annotations

import calendar
import html as htmlmod
import posixpath
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlsplit

from babel.dates import format_skeleton
from markupsafe import Markup, escape

from ..editorial.config import Config
from ..editorial.window import announcements_in, is_announcement_day
from .i18n import Lang
from .templating import relative_url
from .view import ARXIV_ABS, ARXIV_PDF, IssueView, Link, PaperView, newest_first, slugify

# --- archive: years, months, calendar days ----------------------------------------------------

ISSUE, WEEKEND, HOLIDAY, NONE, OUTSIDE = "issue", "weekend", "holiday", "none", "outside"


@dataclass
class Day:
    """One calendar cell. `state` is ISSUE, WEEKEND, HOLIDAY, NONE (a day with no issue and no
    known reason) or OUTSIDE (before the first or after the latest issue: nothing to say)."""

    date: date
    state: str
    view: IssueView | None = None
    label: str = ""  # the issue link's accessible name, or the short visible reason
    note: str = ""  # the longer reason (tooltip)


@dataclass
class Month:
    """A month with at least one issue: its calendar weeks and its issues, newest first."""

    first: date
    label: str
    id: str
    weeks: list[list[Day | None]]  # None pads the weeks before the 1st and after the last day
    issues: list[IssueView]


@dataclass
class Year:
    """A year and its months that have issues, newest first: one page of the archive.

    The newest year is the archive's own page (`archive/`); each older one has `archive/<year>/`, so an
    archive page stays a year long however old the archive gets.
    """

    year: int
    label: str
    id: str
    months: list[Month]
    path: str  # the page's folder
    span: tuple[date, date]  # the days of this year between the first and the latest issue (cells outside say nothing)

    @property
    def count(self) -> int:
        return sum(len(m.issues) for m in self.months)


@dataclass
class Archive:
    """The whole archive: years newest first, and the weekday column headers (short, full)."""

    years: list[Year]
    weekdays: list[tuple[str, str]]


ARCHIVE_PATH = "archive/"


def day_state(day: date, config: Config) -> tuple[str, list[date]]:
    """Why there is (usually) no issue on `day`: WEEKEND, HOLIDAY (with the ET holidays) or NONE.

    The day's default issue window (previous day's cutoff to this day's, in the site zone) is
    checked against arXiv's announcement calendar: with no announcement day in it at all it is a
    weekend window (arXiv does not announce on Friday or Saturday, US Eastern); with announcement
    days that are all arXiv holidays it is a holiday window; otherwise it simply had no issue.
    """
    window = config.schedule.window(day, config.site.tz)
    holidays = config.schedule.holidays
    possible = announcements_in(window, ())
    if not possible:
        return WEEKEND, []
    ordinary = [a for a in possible if is_announcement_day(a.announced.date(), holidays)]
    if not ordinary:
        return HOLIDAY, sorted(a.announced.date() for a in possible)
    return NONE, []


def issue_day(view: IssueView) -> Day:
    """The calendar cell of a day with an issue."""
    label = view.title if view.date_text in view.title else f"{view.date_text}: {view.title}"
    if view.note and not view.papers:  # a notice published on purpose (a holiday, a break): say it
        return Day(view.issue.date, ISSUE, view, label=f"{label}. {view.note}", note=view.note)
    return Day(view.issue.date, ISSUE, view, label=label, note=view.title)


def build_archive(views: list[IssueView], config: Config, lg: Lang) -> Archive:
    """Years -> months -> calendar weeks, newest first; only months with at least one issue."""
    by_date = {v.issue.date: v for v in views}
    first_week_day = lg.locale.first_week_day
    names_short = lg.locale.days["stand-alone"]["abbreviated"]
    names_wide = lg.locale.days["stand-alone"]["wide"]
    weekdays = [(names_short[(first_week_day + i) % 7], names_wide[(first_week_day + i) % 7]) for i in range(7)]
    if not by_date:
        return Archive([], weekdays)
    span_start, span_end = min(by_date), max(by_date)
    cal = calendar.Calendar(firstweekday=first_week_day)
    months: dict[tuple[int, int], list[IssueView]] = {}
    for d in sorted(by_date, reverse=True):
        months.setdefault((d.year, d.month), []).append(by_date[d])

    def cell(d: date) -> Day:
        view = by_date.get(d)
        if view is not None:
            return issue_day(view)
        if not span_start <= d <= span_end:
            return Day(d, OUTSIDE)
        state, holidays = day_state(d, config)
        if state == WEEKEND:
            return Day(d, state, label=lg.t("cal_weekend"), note=lg.t("cal_weekend_long"))
        if state == HOLIDAY:
            days = lg.join([lg.month_day(h) for h in holidays])
            return Day(d, state, label=lg.t("cal_holiday"), note=lg.t("cal_holiday_long", day=days))
        return Day(d, NONE, label=lg.t("cal_none"), note=lg.t("cal_none_long"))

    years: dict[int, list[Month]] = {}
    for (y, m) in sorted(months, reverse=True):
        weeks = [[cell(d) if d.month == m else None for d in week] for week in cal.monthdatescalendar(y, m)]
        first = date(y, m, 1)
        years.setdefault(y, []).append(Month(first=first, label=lg.month_year(first), id=f"m-{y:04d}-{m:02d}",
                                             weeks=weeks, issues=months[(y, m)]))
    newest = max(years)
    out = [Year(year=y, label=year_label(y, lg), id=f"y-{y:04d}", months=years[y],
                path=ARCHIVE_PATH if y == newest else f"{ARCHIVE_PATH}{y:04d}/",
                span=(max(span_start, date(y, 1, 1)), min(span_end, date(y, 12, 31))))
           for y in sorted(years, reverse=True)]
    return Archive(out, weekdays)


def refresh_days(archive: Archive, views: list[IssueView]) -> list[Year]:
    """Put `views` (issues edited in place: their dates are in the archive) into its calendars; their years."""
    years = {y.year: y for y in archive.years}
    touched: list[Year] = []
    for view in views:
        day = view.issue.date
        year = years[day.year]
        month = next(m for m in year.months if m.first.month == day.month)
        month.issues = [view if v.issue.date == day else v for v in month.issues]
        month.weeks = [[issue_day(view) if cell is not None and cell.date == day else cell for cell in week]
                       for week in month.weeks]
        if year not in touched:
            touched.append(year)
    return touched


# --- papers across issues ---------------------------------------------------------------------


@dataclass
class Appearance:
    """One paper in one issue."""

    view: IssueView
    paper: PaperView
    date: date  # the issue's (a field: planning a ten-year archive reads it 160,000 times)

    @property
    def fragment(self) -> str:
        """Where the paper sits in its issue page: its card, or the speed-read table when it has no card."""
        return self.paper.anchor if self.paper.featured else f"table-{self.date.isoformat()}"

    @property
    def announce_key(self) -> str | None:
        """The i18n key for how arXiv announced this version ('new', 'replacement', ...), if known."""
        kind = (self.paper.announce_type or "").strip().lower()
        return {"new": "announce_new", "cross": "announce_cross", "replace": "announce_replace",
                "replace-cross": "announce_replace_cross"}.get(kind)


@dataclass
class PaperPage:
    """A paper with every issue that had it (newest first) and the merged facts about it."""

    key: str  # the versionless arXiv id, or the URL of a paper not on arXiv
    path: str  # the page's folder, 'papers/2606.32020/'
    appearances: list[Appearance]
    topics: list["Topic"] = field(default_factory=list)

    @property
    def latest(self) -> PaperView:
        return self.appearances[0].paper

    @property
    def arxiv(self) -> str | None:
        return self.latest.arxiv

    def _newest(self, attr: str):
        return next((getattr(a.paper, attr) for a in self.appearances if getattr(a.paper, attr)), None)

    @property
    def name(self) -> str:
        return self.latest.name

    @property
    def title(self) -> str | None:
        return self._newest("title")

    @property
    def tagline(self) -> str | None:
        return self._newest("tagline")

    @property
    def authors(self) -> list[str]:
        return self._newest("authors") or []

    @property
    def categories(self) -> list[str]:
        return self._newest("categories") or []

    @property
    def venue(self) -> str | None:
        return self._newest("venue")

    @property
    def description(self) -> str:
        """The page's meta description: 'Name: tagline', else the title."""
        tagline = self.tagline
        if tagline:
            return f"{self.name}: {tagline}"
        return self.title or self.name

    @property
    def abstract(self) -> str | None:
        """The full abstract from the candidates, when any issue had one (else the card's excerpt)."""
        return self._newest("full_abstract") or self._newest("abstract")

    @property
    def reason_from(self) -> Appearance | None:
        """The newest appearance with an editor's first-read reason."""
        return next((a for a in self.appearances if a.paper.reason), None)

    @property
    def reason(self) -> Markup | None:
        """That reason, its citations and relative links pointing back into its issue page."""
        a = self.reason_from
        return rebase_links(a.paper.reason, a.view.url, self.path + "index.html") if a else None

    @property
    def links(self) -> list[Link]:
        """arXiv abstract and PDF (latest version), then every other link any issue gave, newest first."""
        out: list[Link] = []
        if self.arxiv:
            out += [Link("link_abs", ARXIV_ABS + self.arxiv), Link("link_pdf", ARXIV_PDF + self.arxiv)]
        seen = {link.url for link in out}
        for a in self.appearances:
            for link in a.paper.links:
                if link.label in ("link_abs", "link_pdf") or link.url in seen:
                    continue
                seen.add(link.url)
                out.append(link)
        return out

    @property
    def versions(self) -> list[int]:
        """Every arXiv version the issues listed, oldest first."""
        return sorted({a.paper.version for a in self.appearances if a.paper.version})


def paper_key(p: PaperView) -> str:
    """A paper's identity across issues: its versionless arXiv id, else the URL the editor gave."""
    if p.arxiv:
        return p.arxiv
    page = next((link.url for link in p.links if link.label == "link_page"), None)
    return page or p.primary_url or p.name


def _ascii_slug(text: str, fallback: str) -> str:
    """view.slugify, with `fallback` when the text has no ASCII letter or digit at all."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return slugify(text) if re.search(r"[A-Za-z0-9]", ascii_text) else fallback


def _unique(base: str, used: set[str]) -> str:
    slug, n = base, 1
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    used.add(slug)
    return slug


def collect_papers(views: list[IssueView]) -> list[PaperPage]:
    """Every paper of every issue, once, in page-path order.

    arXiv papers live at papers/<id>/ (old-style ids keep their slash: papers/astro-ph/0601001/).
    Other papers get papers/<slug>/ from the title of their first appearance; on a clash the paper
    that appeared first keeps the plain slug and later ones get -2, -3 ..., so adding issues never
    moves an existing page.
    """
    found: dict[str, list[Appearance]] = {}
    for view in newest_first(views):
        for p in sorted(view.papers, key=lambda p: p.rank):
            found.setdefault(paper_key(p), []).append(Appearance(view, p, view.issue.date))
    used = {key.split("/")[0] for key, apps in found.items() if apps[0].paper.arxiv and "/" in key}
    pages: list[PaperPage] = []
    others = []
    for key, apps in found.items():
        if apps[0].paper.arxiv:
            pages.append(PaperPage(key, f"papers/{key}/", apps))
        else:
            others.append((apps[-1].date, apps[-1].paper.rank, key, apps))
    for _, _, key, apps in sorted(others, key=lambda o: (o[0], o[1], o[2])):
        oldest = apps[-1].paper
        slug = _unique(_ascii_slug(oldest.title or oldest.name, "paper"), used)
        pages.append(PaperPage(key, f"papers/{slug}/", apps))
    return sorted(pages, key=lambda pg: pg.path)


# --- topics -----------------------------------------------------------------------------------


@dataclass
class TopicPaper:
    """A paper on a topic page: its page and its appearances under this topic, newest first."""

    page: PaperPage
    appearances: list[Appearance]

    @property
    def latest(self) -> Appearance:
        return self.appearances[0]


@dataclass
class TopicYear:
    """The papers of a topic whose newest appearance under it is in one year: one page of the topic.

    The newest year is the topic's own page (`topics/<slug>/`); each older one has `topics/<slug>/<year>/`,
    so a topic page stays a year long however old the archive gets.
    """

    year: int
    path: str
    papers: list[TopicPaper]  # newest appearance first
    label: str  # the year as the site's language writes it

    @property
    def count(self) -> int:
        return len(self.papers)


@dataclass
class Topic:
    """An editors' research area, compared case-insensitively across issues."""

    key: str
    name: str
    slug: str
    papers: list[TopicPaper]  # newest appearance first
    years: list[TopicYear] = field(default_factory=list)  # its pages, newest year first (topic_years)
    # What its name and slug were chosen from, kept so that an edit can update them (render/regather.py):
    spellings: dict[str, list[date]] = field(default_factory=dict, repr=False)  # spelling -> dates used
    first: tuple[date, int] | None = field(default=None, repr=False)  # its oldest appearance: date, rank

    @property
    def path(self) -> str:
        return f"topics/{self.slug}/"

    @property
    def count(self) -> int:
        return len(self.papers)


def topic_years(topic: Topic, lg: Lang) -> list[TopicYear]:
    """The topic's pages: its papers grouped by the year of their newest appearance, newest year first."""
    groups: dict[int, list[TopicPaper]] = {}
    for entry in topic.papers:
        groups.setdefault(entry.latest.date.year, []).append(entry)
    newest = max(groups, default=None)
    return [TopicYear(year, topic.path if year == newest else f"{topic.path}{year:04d}/", entries,
                      year_label(year, lg))
            for year, entries in sorted(groups.items(), reverse=True)]


def area_key(area: str) -> str:
    """'One-step  Distillation' and 'one-step distillation' are one topic."""
    return _area(area)[0]


@lru_cache(maxsize=4096)
def _area(area: str) -> tuple[str, str]:
    """An area as written -> (area_key, its spelling with spaces tidied): the 18,000 appearances of a ten-year
    archive spell a few dozen areas, and each build reads them all."""
    spelling = " ".join(area.split())
    return spelling.casefold(), spelling


def area_spellings(paper: PaperView) -> dict[str, str]:
    """The topics a paper is on in one issue: area_key -> the first spelling the editor gave it there."""
    found: dict[str, str] = {}
    for area in paper.areas:
        key, spelling = _area(area)
        if key and key not in found:
            found[key] = spelling
    return found


def topic_name(spellings: dict[str, list[date]]) -> str:
    """A topic's name: its most used spelling (spelling -> the dates it was used), the newest winning a tie."""
    return max(spellings.items(), key=lambda kv: (len(kv[1]), max(kv[1]), kv[0]))[0]


def appearance_order(a: Appearance) -> tuple[int, int]:
    """The order of a paper's appearances: newest issue first, then by rank."""
    return -a.date.toordinal(), a.paper.rank


def entry_order(entry: TopicPaper) -> tuple[int, int, str]:
    """Where a paper sits on its topic's pages: newest appearance first, then by rank and path."""
    return -entry.latest.date.toordinal(), entry.latest.paper.rank, entry.page.path


def first_seen(apps: list[Appearance]) -> tuple[date, int]:
    """When a topic first appeared (its oldest appearance's date and rank): it orders slug clashes."""
    return min((a.date, a.paper.rank) for a in apps)


class _Areas(NamedTuple):
    """An appearance with an area, its page, and its areas there (area_spellings): read once per build."""

    appearance: Appearance
    page: PaperPage
    spellings: dict[str, str]


def collect_topics(papers: list[PaperPage]) -> list[Topic]:
    """Every area any issue gave a paper, sorted by name; also fills each PaperPage.topics.

    A topic is named with its most used spelling (the newest wins a tie). Slugs are view.slugify
    of that name; on a clash the topic that appeared first keeps the plain slug and later ones
    get -2, -3 ...
    """
    spelled: list[_Areas] = []
    spellings: dict[str, dict[str, list[date]]] = {}
    first: dict[str, tuple[date, int]] = {}  # first_seen of each topic's appearances
    for page in papers:
        for a in page.appearances:
            found = area_spellings(a.paper)
            if not found:
                continue
            spelled.append(_Areas(a, page, found))
            seen = (a.date, a.paper.rank)
            for key, spelling in found.items():
                spellings.setdefault(key, {}).setdefault(spelling, []).append(a.date)
                if key not in first or seen < first[key]:
                    first[key] = seen
    names = {key: topic_name(spellings[key]) for key in spellings}
    entries = _topic_entries(spelled)
    topics = [Topic(key=key, name=names[key], slug=slug, papers=entries[key], spellings=spellings[key],
                    first=first[key]) for key, slug in topic_slugs(names, first).items()]
    ordered = sorted(topics, key=lambda tp: (tp.name.casefold(), tp.name, tp.slug))
    _fill_paper_topics(papers, spelled, ordered)
    return ordered


def _topic_entries(spelled: list[_Areas]) -> dict[str, list[TopicPaper]]:
    """Each topic's papers in entry_order, each with its appearances under the topic in appearance_order.

    Walking every appearance once in appearance_order gives both orders without sorting a topic's list:
    a paper's first appearance under a topic is its latest there, and no two papers share an appearance.
    (Sorting 36,000 entries by entry_order was most of the time of gathering the topics of ten years.)
    """
    entries: dict[str, list[TopicPaper]] = {}
    placed: dict[tuple[str, str], TopicPaper] = {}
    for a, page, found in sorted(spelled, key=lambda s: appearance_order(s.appearance)):
        for key in found:
            entry = placed.get((key, page.key))
            if entry is None:
                placed[key, page.key] = entry = TopicPaper(page, [a])
                entries.setdefault(key, []).append(entry)
            else:
                entry.appearances.append(a)
    return entries


def _fill_paper_topics(papers: list[PaperPage], spelled: list[_Areas], ordered: list[Topic]) -> None:
    """Set each page's topics (what paper_topics gives) from the areas already read."""
    position = {tp.key: i for i, tp in enumerate(ordered)}
    on: dict[str, set[int]] = {}
    for read in spelled:
        on.setdefault(read.page.key, set()).update(position[key] for key in read.spellings)
    for page in papers:
        page.topics = [ordered[i] for i in sorted(on.get(page.key, ()))]


def topic_slugs(names: dict[str, str], first: dict[str, tuple[date, int]]) -> dict[str, str]:
    """Each topic's slug (topic key -> slug), in the order they first appeared: on a clash the topic that
    appeared first keeps the plain slug."""
    used: set[str] = set()
    return {key: _unique(_ascii_slug(names[key], "topic"), used) for key in sorted(names, key=lambda k: (first[k], k))}


def paper_topics(page: PaperPage, ordered: list[Topic]) -> list[Topic]:
    """The topics a paper is on in any of its issues, in the topics' order."""
    keys = {area_key(area) for a in page.appearances for area in a.paper.areas}
    return [tp for tp in ordered if tp.key in keys]


# --- everything the cross-issue pages need -----------------------------------------------------


@dataclass
class Collections:
    """The archive, the papers and the topics of one build, and the views they were gathered from."""

    archive: Archive
    papers: list[PaperPage]
    topics: list[Topic]
    views: list[IssueView]
    by_appearance: dict[tuple[date, int], PaperPage] = field(default_factory=dict, repr=False)
    by_key: dict[str, PaperPage] = field(default_factory=dict, repr=False)

    def paper_page(self, view: IssueView, paper: PaperView) -> str | None:
        """The folder of `paper`'s own page ('papers/2606.32020/'), for links from issue pages."""
        page = self.by_appearance.get((view.issue.date, paper.rank))
        return page.path if page else None


def build_collections(views: list[IssueView], config: Config, lg: Lang) -> Collections:
    """All the cross-issue data, in a fixed order."""
    papers = collect_papers(views)
    topics = collect_topics(papers)
    for topic in topics:
        topic.years = topic_years(topic, lg)
    index = {(a.date, a.paper.rank): pg for pg in papers for a in pg.appearances}
    return Collections(build_archive(views, config, lg), papers, topics, list(views), index,
                       {pg.key: pg for pg in papers})


def year_label(year: int, lg: Lang) -> str:
    """A year as the site's language writes it on its own ('2025', '2025년')."""
    return format_skeleton("y", date(year, 1, 1), locale=lg.locale)


# --- prose moved from an issue page onto another page ------------------------------------------

_URL_ATTR = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def rebase_links(html: Markup | None, source_dir: str, page_path: str) -> Markup | None:
    """Prose rendered for the page in `source_dir` (e.g. '2026/07/01/'), fixed for the page
    file `page_path`: relative links and fragments ('#ref-2') now point back into the source page.

    The input is view.py's sanitised Markup; only attribute values it wrote are rewritten, and
    they are escaped again.
    """
    if html is None:
        return None

    def fix(m: re.Match[str]) -> str:
        raw = htmlmod.unescape(m.group(2))
        parts = urlsplit(raw)
        if parts.scheme or parts.netloc or raw.startswith("/"):
            return m.group(0)
        if parts.path:
            joined = posixpath.normpath(posixpath.join(source_dir, parts.path))
            target = joined + ("/" if parts.path.endswith("/") else "")
        else:
            target = source_dir
        rel = relative_url(page_path, target)
        if parts.query:
            rel += "?" + parts.query
        if parts.fragment or raw.endswith("#"):
            rel += "#" + parts.fragment
        return m.group(1) + str(escape(rel)) + m.group(3)

    return Markup(_URL_ATTR.sub(fix, str(html)))
