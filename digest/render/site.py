"""Render every page of the site into a folder."""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import jinja2
import jinja2.meta

from ..editorial.config import Config
from . import theme
from .collections import build_collections
from .feeds import feed_jobs
from .i18n import lang
from .markdown import render_abstract
from .tokens import LEX_OPTIONS, significant
from .view import IssueView

RECENT = 10


@dataclass
class Page:
    """One output file: its path under the site root and its bytes."""

    path: str
    body: bytes


def environment(config: Config) -> jinja2.Environment:
    """The Jinja2 environment over the project's templates/ and then the packaged theme (autoescaping on,
    undefined names are errors)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(folder) for folder in theme.layers(config.templates_dir)]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        # One build renders every page with the templates as first loaded; checking their files again
        # before each page cost four stat calls a page (88,000 for a 3,650-issue site).
        auto_reload=False,
        **LEX_OPTIONS,
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


@dataclass
class PageJob:
    """One output file still to be made: its site path, the key of everything it is made from, and how to make it.

    Two jobs with the same path and key make the same bytes (given the same code, which the build manifest
    checks), so a build may reuse the published file instead of calling `make`. A key of None means the
    page's inputs could not all be identified: it is always made.
    """

    path: str
    key: str | None
    make: Callable[[], bytes]

    def page(self) -> Page:
        """Make the page."""
        return Page(self.path, self.make())


class _Unknown:
    """Stands for an input that cannot be identified (a view without source_key)."""


UNKNOWN = _Unknown()


def _digest(*parts: object) -> str | None:
    """A stable hash of strings, numbers and (nested) lists or tuples of them.

    None when a top-level part is None or any part is UNKNOWN: such a page is always made.
    """
    if any(part is None for part in parts):
        return None
    try:
        text = _KEY_ENCODER.encode(parts)
    except TypeError:  # UNKNOWN is not JSON
        return None
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


# json.dumps with these options makes a new encoder on every call, and a build makes 22,000 page keys.
_KEY_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def template_keys(env: jinja2.Environment, names: list[str]) -> dict[str, str | None]:
    """For each template name, a hash of its tokens and of every template it extends, includes or imports.

    A reference computed at render time (a variable template name) makes the template depend on the whole
    folder. None when a template cannot be read or parsed: its pages are always rendered (and fail there).
    """
    sources: dict[str, str] = {}
    refs: dict[str, set[str] | None] = {}

    def load(name: str) -> None:
        if name in refs:
            return
        source = env.loader.get_source(env, name)[0]
        found = set(jinja2.meta.find_referenced_templates(env.parse(source)))
        sources[name], refs[name] = significant(env, source), None if None in found else found
        for ref in refs[name] or ():
            load(ref)

    def everything() -> list[str]:
        return sorted(env.loader.list_templates())

    keys: dict[str, str | None] = {}
    for name in names:
        try:
            load(name)
            closure, todo = set(), [name]
            while todo:
                current = todo.pop()
                if current in closure:
                    continue
                closure.add(current)
                if refs[current] is None:
                    closure = set(everything())
                    for other in closure:
                        load(other)
                    break
                todo.extend(refs[current])
            keys[name] = _digest([(n, sources[n]) for n in sorted(closure)])
        except (jinja2.TemplateError, OSError, UnicodeDecodeError):
            keys[name] = None
    return keys


def plan_pages(config: Config, views: list[IssueView], base_key: str | None = "",
               memo_dir: Path | None = None) -> list[PageJob]:
    """Every page of the site, in a fixed order, each with the key of what it is made from.

    `base_key` stands for everything all pages share beyond what is listed here (the code, digest.yaml);
    the caller provides it. A page's key names each issue it shows by the view's `source_key` (a hash of
    the issue's files and settings; None for a view built without one, which makes the key None).
    `memo_dir`: where the feeds keep work for the next build (feeds.feed_jobs); None keeps nothing.
    """
    env = environment(config)
    site = config.site
    lg = lang(site.language)
    jobs: list[PageJob] = []
    root_path = urlsplit(site.base_url).path or "/"
    tkeys = template_keys(env, ["index.html", "issue.html", "archive.html", "topics.html", "topic.html",
                                "paper.html", "404.html"])

    def skey(view: IssueView | None) -> str | _Unknown:
        if view is None:
            return "-"
        return view.source_key or UNKNOWN

    def add(template: str, path: str, key_parts: tuple, *, absolute: bool = False, **ctx) -> None:
        def make() -> bytes:
            def url(target: str) -> str:
                # The 404 page is served at any depth, so its links start from the site root.
                return root_path + target if absolute else _relative(path, target)
            canonical = site.base_url + (path[: -len("index.html")] if path.endswith("index.html") else path)
            ctx.setdefault("og_image", None)
            ctx.setdefault("og_type", "website")
            html = env.get_template(template).render(site=site, url=url, canonical=canonical, page_path=path,
                                                     t=lg.t, lang=lg, **ctx)
            return html.encode("utf-8")
        jobs.append(PageJob(path, _digest(base_key, template, tkeys[template], path, key_parts), make))

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
    jobs += feed_jobs(config, views, [job.path for job in jobs], base_key, memo_dir)
    return jobs


def static_files(config: Config) -> list[tuple[Path, str]]:
    """(source file, site path) of the theme's assets (each from the project's templates/assets/ when it has
    one, else from the packaged theme) and of the project's static/ folder, in copying order."""
    found = [(src, f"{theme.ASSETS}/{rel}") for src, rel in theme.asset_files(config.templates_dir)]
    if config.static_dir.is_dir():
        for src in sorted(config.static_dir.rglob("*")):
            if src.is_file() and not src.name.startswith("."):
                found.append((src, src.relative_to(config.static_dir).as_posix()))
    return found


def copy_static(config: Config, out: Path) -> list[str]:
    """Copy the theme's assets and the project's static/ folder into the site, in a fixed order; the paths written."""
    written: list[str] = []
    for src, rel in static_files(config):
        dest = out / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            dest.unlink()  # it may be hard-linked to the published site, which must not change
        shutil.copyfile(src, dest)
        written.append(rel)
    return written
