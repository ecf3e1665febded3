"""The Jinja2 environment every page and feed entry is rendered with, and the one way a page links to another."""
from __future__ import annotations

import posixpath
from functools import lru_cache

import jinja2

from ..editorial.config import Config
from . import theme
from .markdown import render_abstract
from .tokens import LEX_OPTIONS


class SnapshotLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that reads each template once: every later use (rendering, page keys, the feeds'
    kept entries) sees the bytes first read, so a template edited during a build reaches none of it."""

    def __init__(self, searchpath: list[str]):
        super().__init__(searchpath)
        self._read: dict[str, tuple[str, str | None]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, object]:
        """The template's source and file name as first read; it never goes out of date."""
        found = self._read.get(template)
        if found is None:
            source, filename, _ = super().get_source(environment, template)
            found = self._read[template] = (source, filename)
        return found[0], found[1], lambda: True


def environment(config: Config) -> jinja2.Environment:
    """The Jinja2 environment over the project's templates/ and then the packaged theme (autoescaping on,
    undefined names are errors)."""
    env = jinja2.Environment(
        loader=SnapshotLoader([str(folder) for folder in theme.layers(config.templates_dir)]),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        # One build renders every page with the templates as first read; checking their files again
        # before each page cost four stat calls a page (88,000 for a 3,650-issue site).
        auto_reload=False,
        **LEX_OPTIONS,
    )
    env.filters["abstract"] = render_abstract
    return env


@lru_cache(maxsize=65536)
def relative_url(from_page: str, target: str) -> str:
    """A link from the page file `from_page` to the site path `target` (a trailing '/' or '' is a folder)."""
    folder = target.endswith("/") or target == ""
    parts = [p for p in target.split("/") if p]
    if "." in parts or ".." in parts:  # prose links may climb: posixpath resolves those
        rel = posixpath.relpath("/".join(parts) or ".", posixpath.dirname(from_page) or ".")
        return ("./" if rel == "." else rel + "/") if folder else rel
    # Site paths are clean and relative, so plain segment arithmetic does what posixpath.relpath does
    # without its getcwd/abspath calls (tens of thousands of links per build).
    base = from_page.split("/")[:-1]
    common = 0
    while common < min(len(base), len(parts)) and base[common] == parts[common]:
        common += 1
    rel = "/".join([".."] * (len(base) - common) + parts[common:])
    if folder:
        return rel + "/" if rel else "./"
    return rel or "."
