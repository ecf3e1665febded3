"""The page plan: every page of the site, what each shows and how it is made, and the static files beside them."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, NamedTuple
from urllib.parse import urlsplit

import jinja2

from ..editorial.config import Config
from ..files import walk
from . import theme
from .collections import ARCHIVE_PATH, Appearance, Collections, PaperPage, Topic, TopicYear, Year, build_collections
from .feeds import feed_pages
from .i18n import lang
from .pages import SAME, UNKNOWN, PageSpec, PlanBasis, Same, SitePlan, Stash, Unknown
from .regather import regather
from .templating import environment, relative_url
from .view import IssueView, newest_first

RECENT = 10


def plan_pages(config: Config, views: list[IssueView], env: jinja2.Environment | None = None,
               since: PlanBasis | None = None) -> SitePlan:
    """Every page of the site, in a fixed order, each with what it shows (see pages.PageSpec).

    A page names each issue it shows by the view's `source_key` (a hash of the issue's files and
    settings); a view built without one is UNKNOWN, and the page is always made. `env`: the template
    environment to make them with, when the caller keeps one (templates compiled once); else a new one.
    `since`: the basis of an earlier whole plan, made with the same code, digest.yaml and templates (the
    caller checks those): when these views are its issues with newer ones after them, an issue, paper or
    topic page that no new issue reaches shows SAME, and its key is the one that plan gave it (a nightly's
    new issue reaches a few of 18,000 paper pages and one older issue page, the one before it).
    """
    env = env if env is not None else environment(config)
    cols = build_collections(views, config, lang(config.site.language))
    basis = plan_basis(views, cols)
    planner = _Planner(config, views, env, cols, _reached(since, basis, views, cols) if since and basis else None)
    pages = [planner.index(), *(planner.issue(view) for view in views), *planner.archive(), planner.topic_list()]
    for topic in cols.topics:
        pages += planner.topic(topic)
    pages += [planner.paper(paper) for paper in cols.papers]
    pages.append(planner.not_found())
    pages += feed_pages(config, planner.newest, env, [page.path for page in pages])
    return SitePlan(pages, env, cols, basis=basis)


def plan_basis(views: list[IssueView], cols: Collections) -> PlanBasis | None:
    """What a whole plan of `views` is made from (pages.PlanBasis); None when an issue is unidentified."""
    keys = [view.source_key for view in views]
    if not all(isinstance(key, str) for key in keys):
        return None
    return PlanBasis(tuple(keys), {tp.key: (tp.path, tp.name) for tp in cols.topics},
                     {pg.key: pg.path for pg in cols.papers})


class _Reached(NamedTuple):
    """What issues added since a plan's basis reach: their pages and the page of the issue before them (by
    source_key), the papers they list and those papers' topics (by key)."""

    issues: set[str]
    papers: set[str]
    topics: set[str]


def _reached(since: PlanBasis, now: PlanBasis, views: list[IssueView], cols: Collections) -> _Reached | None:
    """What the issues added after `since`'s reach; None unless `views` are `since`'s issues with newer ones after
    them and every topic and paper page of `since` kept its folder (and a topic its name)."""
    old = len(since.issues)
    if not old or now.issues[:old] != since.issues:
        return None
    if any(now.topics.get(key) != value for key, value in since.topics.items()):
        return None
    if any(now.papers.get(key) != path for key, path in since.papers.items()):
        return None
    last = views[old - 1].issue.date
    # A page's newest appearance comes first. A paper or topic `since` lacks can only be a new issue's; it is
    # counted as reached whatever its dates say.
    papers = [pg for pg in cols.papers if pg.appearances[0].date > last or pg.key not in since.papers]
    topics = {tp.key for pg in papers for tp in pg.topics}
    topics |= {tp.key for tp in cols.topics if tp.key not in since.topics}
    return _Reached(set(now.issues[old - 1:]), {pg.key for pg in papers}, topics)


def replan(config: Config, views: list[IssueView], env: jinja2.Environment, cols: Collections,
           paths: list[str]) -> SitePlan | None:
    """The pages that can differ now that some issues' views were replaced in `views`, planned again.

    `env`, `cols`: the last plan's (its collections are brought up to date in place); `paths`: every page
    path it had, in order. None when the edit adds or removes a page, renames a topic or moves a page to
    another path: plan_pages() then.
    """
    touched = regather(cols, views, lang(config.site.language))
    if touched is None:
        return None
    planner = _Planner(config, views, env, cols)
    neighbours = sorted({j for i in touched.issues for j in (i - 1, i, i + 1) if 0 <= j < len(views)})
    pages = [planner.index(), *(planner.issue(views[j]) for j in neighbours), *planner.archive(touched.years),
             planner.topic_list()]
    for topic, years in touched.topics:
        pages += planner.topic(topic, years)
    pages += [planner.paper(paper) for paper in touched.papers]
    pages += feed_pages(config, planner.newest, env, [path for path in paths if path.endswith(".html")])
    return SitePlan(pages, env, cols, partial=True)


class _Planner:
    """Plans the pages of one site, a family at a time: the whole plan, or the pages an edit can change."""

    def __init__(self, config: Config, views: list[IssueView], env: jinja2.Environment, cols: Collections,
                 reached: _Reached | None = None):
        self.env, self.cols = env, cols
        self.reached = reached  # None: every page shows what it shows (no earlier plan to compare with)
        self.newest = newest_first(views)
        self.site = config.site
        self.lg = lang(self.site.language)
        self.root_path = urlsplit(self.site.base_url).path or "/"
        env.globals["paper_page"] = cols.paper_page  # issue cards link to paper pages
        # A paper page's appearances as pages show them, by page path: its own page and each topic-year page
        # listing it show the same list (a ten-year archive asks about 55,000 times for 18,000 papers).
        self._shown_appearances: dict[str, list] = {}

    def _page(self, template: str, path: str, shows: tuple | Same, *, absolute: bool = False,
              later: Callable[[], dict] | None = None, **ctx) -> PageSpec:
        """A page's spec; `later` gives more of the template's context when the page is made (what costs a
        ten-year plan time across 18,000 paper pages, though most of them are published again, not made)."""
        site, env, lg, root_path = self.site, self.env, self.lg, self.root_path

        def make(stash: Stash) -> bytes:
            def url(target: str) -> str:
                # The 404 page is served at any depth, so its links start from the site root.
                return root_path + target if absolute else relative_url(path, target)
            canonical = site.base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)
            ctx.setdefault("og_image", None)
            ctx.setdefault("og_type", "website")
            more = later() if later is not None else {}
            html = env.get_template(template).render(site=site, url=url, canonical=canonical, page_path=path,
                                                     t=lg.t, lang=lg, **ctx, **more)
            return html.encode("utf-8")
        return PageSpec(path, (template,), shows, make)

    def _shown(self, view: IssueView) -> tuple:
        """An issue as a page shows it: its own inputs and the paper pages its cards link to."""
        return (_skey(view), [self.cols.paper_page(view, p) or "-" for p in view.papers])

    def _cover_url(self, view: IssueView | None) -> str | None:
        return self.site.base_url + view.cover["src"] if view and view.cover else None

    def index(self) -> PageSpec:
        """The home page: the latest issue in full and the RECENT before it."""
        views = self.newest
        latest = views[0] if views else None
        recent = views[1 : RECENT + 1]
        return self._page("index.html", "index.html",
                          ("latest", self._shown(latest) if latest else "-", [_skey(v) for v in recent]),
                          latest=latest, recent=recent, title=self.site.title,
                          description=latest.description if latest else self.site.title,
                          og_image=self._cover_url(latest))

    def issue(self, view: IssueView) -> PageSpec:
        """One issue's page; it links to the issues before and after it."""
        same = self.reached is not None and view.source_key not in self.reached.issues
        shows = SAME if same else (self._shown(view), _skey(view.prev), _skey(view.next))
        return self._page("issue.html", view.url + "index.html", shows,
                          view=view, title=view.title, description=view.description,
                          og_image=self._cover_url(view), og_type="article")

    def archive(self, years: list[Year] | None = None) -> list[PageSpec]:
        """The archive's pages, one per year (or those of `years`): calendars of the issues. Only its own page
        (the newest year) gives every year's count; with no issue yet, that page says so."""
        t, title, archive = self.lg.t, self.site.title, self.cols.archive
        if not archive.years:
            return [self._page("archive.html", ARCHIVE_PATH + "index.html", ("archive", "empty"), archive=archive,
                               year=None, title=f"{t('archive_title')} · {title}",
                               description=t("archive_desc", site=title))]
        listing = [(y.year, y.path, y.count) for y in archive.years]
        paths = [(y.year, y.path) for y in archive.years]
        specs = []
        for year in archive.years if years is None else years:
            own = year.path == ARCHIVE_PATH
            shows = ("archive", listing if own else paths, year.year, [d.isoformat() for d in year.span],
                     [_skey(v) for month in year.months for v in month.issues])
            specs.append(self._page(
                "archive.html", year.path + "index.html", shows, archive=archive, year=year,
                title=f"{t('archive_title')}{'' if own else ' · ' + year.label} · {title}",
                description=t("archive_desc", site=title) if own else t("archive_year_desc", site=title,
                                                                         year=year.label)))
        return specs

    def topic_list(self) -> PageSpec:
        """The list of topics with their counts."""
        t, title = self.lg.t, self.site.title
        return self._page("topics.html", "topics/index.html",
                          ("topics", [(tp.path, tp.name, tp.count) for tp in self.cols.topics]),
                          topics=self.cols.topics, title=f"{t('topics_title')} · {title}",
                          description=t("topics_desc", site=title))

    def topic(self, topic: Topic, years: list[TopicYear] | None = None) -> list[PageSpec]:
        """A topic's pages, one per year (or those of `years`); only its own page (its newest year) gives every
        year's count."""
        t, title = self.lg.t, self.site.title
        listing = [(ty.year, ty.path, ty.count) for ty in topic.years]
        paths = [(ty.year, ty.path) for ty in topic.years]
        specs = []
        same = self.reached is not None and topic.key not in self.reached.topics
        for ty in topic.years if years is None else years:
            own = ty.path == topic.path
            # An entry shows its paper page's merged facts (name, tagline, venue): every issue that had the paper.
            shows = SAME if same else (topic.name, listing if own else paths, ty.year,
                                       [(e.page.path, self._appearances(e.page)) for e in ty.papers])
            description = (t("topic_desc", count=self._papers_n(topic.count), topic=topic.name, site=title) if own
                           else t("topic_year_desc", count=self._papers_n(ty.count), topic=topic.name, site=title,
                                  year=ty.label))
            specs.append(self._page(
                "topic.html", ty.path + "index.html", shows, topic=topic, year=ty, description=description,
                title=f"{topic.name}{'' if own else ' · ' + ty.label} · {t('topics_title')} · {title}"))
        return specs

    def paper(self, paper: PaperPage) -> PageSpec:
        """A paper's own page: every issue that had it, and its topics."""
        site_title = self.site.title
        same = self.reached is not None and paper.key not in self.reached.papers
        return self._page("paper.html", paper.path + "index.html",
                          SAME if same else (self._appearances(paper), [(t.path, t.name) for t in paper.topics]),
                          paper=paper, og_type="article",
                          later=lambda: {"title": f"{paper.name} · {site_title}", "description": paper.description})

    def _appearances(self, paper: PaperPage) -> list:
        """How a page names a paper page's appearances: each issue's source key and the paper's rank there."""
        shown = self._shown_appearances.get(paper.path)
        if shown is None:
            shown = self._shown_appearances[paper.path] = _appearances(paper.appearances)
        return shown

    def not_found(self) -> PageSpec:
        """The 404 page, whose links start from the site root."""
        return self._page("404.html", "404.html", ("404",), absolute=True,
                          title=f"{self.lg.t('not_found')} · {self.site.title}", description=self.site.title)

    def _papers_n(self, n: int) -> str:
        return self.lg.t("papers_one" if n == 1 else "papers_many", n=n)


def _skey(view: IssueView | None) -> str | Unknown:
    """How a page names an issue it shows: its view's source_key ('-' for none, UNKNOWN when unidentified)."""
    if view is None:
        return "-"
    return view.source_key or UNKNOWN


def _appearances(apps: list[Appearance]) -> list:
    # _skey written out: 18,000 paper pages name 54,000 appearances in a ten-year plan.
    return [(a.view.source_key or UNKNOWN, a.paper.rank) for a in apps]


def static_files(config: Config) -> list[tuple[Path, str]]:
    """(source file, site path) of the theme's assets (each from the project's templates/assets/ when it has
    one, else from the packaged theme) and of the project's static/ folder, in copying order."""
    found = [(src, f"{theme.ASSETS}/{rel}") for src, rel in theme.asset_files(config.templates_dir)]
    static = sorted((rel.split("/"), entry.path) for rel, entry in walk(config.static_dir, follow_symlinks=False)
                    if entry.is_file() and not entry.name.startswith("."))
    return found + [(Path(path), "/".join(parts)) for parts, path in static]
