"""Render every page of the site into a folder."""
from __future__ import annotations

from functools import lru_cache
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from ..config import Config
from ..errors import DigestError, Problem
from .feeds import feed_pages
from .collections import build_collections
from .i18n import lang
from .markdown import render_abstract
from .view import IssueView

RECENT = 10


@dataclass
class Page:
    """One output file: its path under the site root and its bytes."""

    path: str
    body: bytes


def environment(config: Config) -> jinja2.Environment:
    """The Jinja2 environment over templates/ (autoescaping on, undefined names are errors)."""
    folder = config.templates_dir
    if not folder.is_dir():
        raise DigestError(Problem(str(folder), 0, 0, "templates folder is missing; restore templates/ from the project"))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["abstract"] = render_abstract
    return env


@lru_cache(maxsize=65536)
def _relative(from_page: str, target: str) -> str:
    """A link from the page at `from_page` (a file path) to `target` (a site path; '/' ends folders)."""
    # Site paths are clean and relative, so plain segment arithmetic does what posixpath.relpath
    # does without its getcwd/abspath calls (tens of thousands of links per build).
    base = from_page.split("/")[:-1]
    folder = target.endswith("/") or target == ""
    parts = [p for p in target.split("/") if p]
    common = 0
    while common < min(len(base), len(parts)) and base[common] == parts[common]:
        common += 1
    rel = "/".join([".."] * (len(base) - common) + parts[common:])
    if folder:
        return rel + "/" if rel else "./"
    return rel or "."


def render_pages(config: Config, views: list[IssueView]) -> list[Page]:
    """Every page of the site, in a fixed order."""
    env = environment(config)
    site = config.site
    lg = lang(site.language)
    pages: list[Page] = []

    root_path = urlsplit(site.base_url).path or "/"

    def render(template: str, path: str, *, absolute: bool = False, **ctx) -> None:
        def url(target: str) -> str:
            # The 404 page is served at any depth, so its links start from the site root.
            return root_path + target if absolute else _relative(path, target)
        canonical = site.base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)
        ctx.setdefault("og_image", None)
        ctx.setdefault("og_type", "website")
        html = env.get_template(template).render(site=site, url=url, canonical=canonical, page_path=path,
                                                 t=lg.t, lang=lg, **ctx)
        pages.append(Page(path, html.encode("utf-8")))

    newest_first = sorted(views, key=lambda v: v.issue.date, reverse=True)
    latest = newest_first[0] if newest_first else None
    def cover_url(view: IssueView | None) -> str | None:
        return site.base_url + view.cover["src"] if view and view.cover else None

    # Archive calendar, topic and paper pages (render/collections.py); issue cards link to paper pages.
    cols = build_collections(views, config, lg)
    env.globals["paper_page"] = cols.paper_page

    render("index.html", "index.html", latest=latest, recent=newest_first[1 : RECENT + 1],
           title=site.title, description=latest.description if latest else site.title,
           og_image=cover_url(latest))
    for view in views:
        render("issue.html", view.url + "index.html", view=view, title=view.title, description=view.description,
               og_image=cover_url(view), og_type="article")
    render("archive.html", "archive/index.html", archive=cols.archive, title=f"{lg.t('archive_title')} · {site.title}",
           description=lg.t("archive_desc", site=site.title))
    render("topics.html", "topics/index.html", topics=cols.topics, title=f"{lg.t('topics_title')} · {site.title}",
           description=lg.t("topics_desc", site=site.title))
    for topic in cols.topics:
        count = lg.t("papers_one" if topic.count == 1 else "papers_many", n=topic.count)
        render("topic.html", topic.path + "index.html", topic=topic, title=f"{topic.name} · {lg.t('topics_title')} · {site.title}",
               description=lg.t("topic_desc", count=count, topic=topic.name, site=site.title))
    for paper in cols.papers:
        render("paper.html", paper.path + "index.html", paper=paper, title=f"{paper.name} · {site.title}",
               description=paper.description, og_type="article")
    render("404.html", "404.html", absolute=True, title=f"{lg.t('not_found')} · {site.title}", description=site.title)
    pages += feed_pages(config, views, [p.path for p in pages])
    return pages


def copy_static(config: Config, out: Path) -> None:
    """Copy the theme's assets and the project's static/ folder into the site, in a fixed order."""
    for src_root, dest_root in ((config.templates_dir / "assets", out / "assets"), (config.static_dir, out)):
        if not src_root.is_dir():
            continue
        for src in sorted(src_root.rglob("*")):
            if src.is_file() and not src.name.startswith("."):
                dest = dest_root / src.relative_to(src_root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
