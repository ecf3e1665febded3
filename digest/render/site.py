"""The page plan: every page of the site, what each shows and how it is made, and the static files beside them."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from ..editorial.config import Config
from ..files import walk
from . import theme
from .collections import build_collections
from .feeds import feed_pages
from .i18n import lang
from .pages import UNKNOWN, PageSpec, SitePlan, Stash, Unknown
from .templating import environment, relative_url
from .view import IssueView

RECENT = 10


def plan_pages(config: Config, views: list[IssueView], env: jinja2.Environment | None = None) -> SitePlan:
    """Every page of the site, in a fixed order, each with what it shows (see pages.PageSpec).

    A page names each issue it shows by the view's `source_key` (a hash of the issue's files and
    settings); a view built without one is UNKNOWN, and the page is always made. `env`: the template
    environment to make them with, when the caller keeps one (templates compiled once); else a new one.
    """
    env = env if env is not None else environment(config)
    site = config.site
    lg = lang(site.language)
    pages: list[PageSpec] = []
    root_path = urlsplit(site.base_url).path or "/"

    def skey(view: IssueView | None) -> str | Unknown:
        if view is None:
            return "-"
        return view.source_key or UNKNOWN

    def add(template: str, path: str, shows: tuple, *, absolute: bool = False, **ctx) -> None:
        def make(stash: Stash) -> bytes:
            def url(target: str) -> str:
                # The 404 page is served at any depth, so its links start from the site root.
                return root_path + target if absolute else relative_url(path, target)
            canonical = site.base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)
            ctx.setdefault("og_image", None)
            ctx.setdefault("og_type", "website")
            html = env.get_template(template).render(site=site, url=url, canonical=canonical, page_path=path,
                                                     t=lg.t, lang=lg, **ctx)
            return html.encode("utf-8")
        pages.append(PageSpec(path, (template,), shows, make))

    newest_first = sorted(views, key=lambda v: v.issue.date, reverse=True)
    latest = newest_first[0] if newest_first else None

    def cover_url(view: IssueView | None) -> str | None:
        return site.base_url + view.cover["src"] if view and view.cover else None

    # Archive calendar, topic and paper pages (render/collections.py); issue cards link to paper pages.
    cols = build_collections(views, config, lg)
    env.globals["paper_page"] = cols.paper_page

    def shown(view: IssueView) -> tuple:
        """An issue as a page shows it: its own inputs and the paper pages its cards link to."""
        return (skey(view), [cols.paper_page(view, p) or "-" for p in view.papers])

    recent = newest_first[1 : RECENT + 1]
    add("index.html", "index.html", ("latest", shown(latest) if latest else "-", [skey(v) for v in recent]),
        latest=latest, recent=recent, title=site.title, description=latest.description if latest else site.title,
        og_image=cover_url(latest))
    for view in views:
        add("issue.html", view.url + "index.html", (shown(view), skey(view.prev), skey(view.next)),
            view=view, title=view.title, description=view.description, og_image=cover_url(view), og_type="article")
    everyone = [skey(v) for v in views]
    add("archive.html", "archive/index.html", ("all", everyone), archive=cols.archive,
        title=f"{lg.t('archive_title')} · {site.title}", description=lg.t("archive_desc", site=site.title))
    add("topics.html", "topics/index.html", ("topics", [(t.path, t.name, t.count) for t in cols.topics]),
        topics=cols.topics, title=f"{lg.t('topics_title')} · {site.title}",
        description=lg.t("topics_desc", site=site.title))

    def appearances(apps) -> list:
        return [(skey(a.view), a.paper.rank) for a in apps]

    def papers_n(n: int) -> str:
        return lg.t("papers_one" if n == 1 else "papers_many", n=n)

    for topic in cols.topics:
        # Every page of a topic lists its years; only the topic's own page (its newest year) gives their counts.
        listing = [(ty.year, ty.path, ty.count) for ty in topic.years]
        years = [(ty.year, ty.path) for ty in topic.years]
        for ty in topic.years:
            own = ty.path == topic.path
            add("topic.html", ty.path + "index.html",
                (topic.name, listing if own else years, ty.year,
                 [(e.page.path, appearances(e.appearances)) for e in ty.papers]),
                topic=topic, year=ty,
                title=f"{topic.name}{'' if own else ' · ' + ty.label} · {lg.t('topics_title')} · {site.title}",
                description=(lg.t("topic_desc", count=papers_n(topic.count), topic=topic.name, site=site.title) if own
                             else lg.t("topic_year_desc", count=papers_n(ty.count), topic=topic.name,
                                       site=site.title, year=ty.label)))
    for paper in cols.papers:
        add("paper.html", paper.path + "index.html",
            (appearances(paper.appearances), [(t.path, t.name) for t in paper.topics]),
            paper=paper, title=f"{paper.name} · {site.title}", description=paper.description, og_type="article")
    add("404.html", "404.html", ("404",), absolute=True, title=f"{lg.t('not_found')} · {site.title}",
        description=site.title)
    pages += feed_pages(config, views, env, [page.path for page in pages])
    return SitePlan(pages, env)


def static_files(config: Config) -> list[tuple[Path, str]]:
    """(source file, site path) of the theme's assets (each from the project's templates/assets/ when it has
    one, else from the packaged theme) and of the project's static/ folder, in copying order."""
    found = [(src, f"{theme.ASSETS}/{rel}") for src, rel in theme.asset_files(config.templates_dir)]
    static = sorted((rel.split("/"), entry.path) for rel, entry in walk(config.static_dir, follow_symlinks=False)
                    if entry.is_file() and not entry.name.startswith("."))
    return found + [(Path(path), "/".join(parts)) for parts, path in static]
