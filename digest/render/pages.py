"""What a site's pages are: each page's path, what it shows, and how its bytes are made.

The page plan (site.py) answers only these; what a page's key is and how its bytes reach the site are
the build's questions (digest/build/keys.py, digest/build/writer.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    import jinja2

    from .collections import Collections


class Unknown:
    """Stands for an input that cannot be identified (a view without source_key): such a page is always made."""


UNKNOWN = Unknown()


class Stash(Protocol):
    """Results of a pure text function, kept by whoever makes the page (the build keeps them between builds)."""

    def get(self, parts: tuple[str, ...], compute: Callable[[], str]) -> str:
        """The result for the inputs `parts`: a kept one, or compute()'s."""


class NoStash:
    """A Stash that keeps nothing."""

    def get(self, parts: tuple[str, ...], compute: Callable[[], str]) -> str:
        """compute()'s result."""
        return compute()


@dataclass(frozen=True)
class PageSpec:
    """One output file: its site path, what it is made from, and how to make it.

    `templates`: the Jinja2 templates it renders (each with whatever those include or import).
    `shows`: everything else it is made from beyond the code and digest.yaml, as JSON values; an issue is
    named by its view's `source_key` (a hash of its files and settings), UNKNOWN when the view has none.
    `make(stash)`: the page's bytes; `stashes`: whether make() keeps work in the stash worth saving.
    """

    path: str
    templates: tuple[str, ...]
    shows: tuple
    make: Callable[[Stash], bytes]
    stashes: bool = False


@dataclass
class SitePlan:
    """Every page of the site in a fixed order (or, `partial`, those an edit can change: site.replan), the
    template environment they are made with, and the collections the cross-issue pages were planned from."""

    pages: list[PageSpec]
    env: jinja2.Environment  # only a type here: `digest build` decides there is nothing to do without Jinja2
    collections: Collections | None = None
    partial: bool = False
