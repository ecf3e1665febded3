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


class Same:
    """Stands for what a page showed in the plan made from the basis the plan was made `since`
    (site.plan_pages): nothing it is made from changed, so its key is the one that plan gave it."""


SAME = Same()


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
    SAME when it shows what it showed in the plan this one was made since (see Same).
    `make(stash)`: the page's bytes; `stashes`: whether make() keeps work in the stash worth saving.
    """

    path: str
    templates: tuple[str, ...]
    shows: tuple | Same
    make: Callable[[Stash], bytes]
    stashes: bool = False


@dataclass(frozen=True)
class PlanBasis:
    """What a whole plan's pages were made from, as a later plan checks it (site.plan_pages `since`): every
    issue's source_key in date order, each topic's page folder and name, and each paper's page folder."""

    issues: tuple[str, ...]
    topics: dict[str, tuple[str, str]]  # topic key -> (folder, name)
    papers: dict[str, str]  # paper key -> folder

    def to_record(self) -> dict:
        """The basis as a build's manifest keeps it."""
        return {"issues": list(self.issues), "topics": {key: list(value) for key, value in self.topics.items()},
                "papers": self.papers}

    @classmethod
    def from_record(cls, data: object) -> PlanBasis | None:
        """The basis in a record to_record() wrote; None for anything of another shape (a manifest is data)."""
        if not isinstance(data, dict):
            return None
        issues, topics, papers = data.get("issues"), data.get("topics"), data.get("papers")
        if not (isinstance(issues, list) and all(isinstance(key, str) for key in issues)
                and isinstance(topics, dict) and isinstance(papers, dict)
                and all(isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)
                        for value in topics.values())
                and all(isinstance(value, str) for value in papers.values())):
            return None
        return cls(tuple(issues), {key: (value[0], value[1]) for key, value in topics.items()}, papers)


@dataclass
class SitePlan:
    """Every page of the site in a fixed order (or, `partial`, those an edit can change: site.replan), the
    template environment they are made with, the collections the cross-issue pages were planned from, and
    what the pages were made from for a later plan to be made since (site.PlanBasis; None when an issue is
    unidentified)."""

    pages: list[PageSpec]
    env: jinja2.Environment  # only a type here: `digest build` decides there is nothing to do without Jinja2
    collections: Collections | None = None
    partial: bool = False
    basis: PlanBasis | None = None
