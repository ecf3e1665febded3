"""The collections brought up to date after some issues were edited, without gathering every issue again.

An editor's save replaces one issue's view (and the next issue's, whose window it starts). What can change
in the collections is the pages of the papers those issues had, before or after the edit, the topics those
papers are on, and the archive calendar; every other paper page and topic is gathered from issues that did
not change. regather() updates those in place and names them. When the edit would add or remove a page,
rename a topic or move a page to another path, it changes nothing and returns None: the caller gathers
everything again (collections.build_collections), since pages all over the site would change.
"""
from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, replace
from datetime import date

from .collections import (
    Appearance,
    Collections,
    PaperPage,
    Topic,
    TopicPaper,
    TopicYear,
    Year,
    appearance_order,
    area_spellings,
    entry_order,
    first_seen,
    paper_key,
    paper_topics,
    refresh_days,
    topic_name,
    topic_slugs,
    topic_years,
)
from .i18n import Lang
from .view import IssueView


@dataclass(frozen=True)
class Regathered:
    """What an edit changed in the collections: the paper pages and topic pages whose pages can differ."""

    issues: list[int]  # the positions of the replaced views
    papers: list[PaperPage]  # in the collections' (path) order
    topics: list[tuple[Topic, list[TopicYear]]]  # in the collections' (name) order, each with its pages that can differ
    years: list[Year]  # the archive's pages that show an edited issue, newest first


@dataclass(frozen=True)
class _TopicUpdate:
    topic: Topic
    papers: list[TopicPaper]
    years: list[TopicYear]
    spellings: dict[str, list[date]]
    first: tuple[date, int]
    changed: set[int]  # the years whose pages can differ


def regather(cols: Collections, views: list[IssueView], lg: Lang) -> Regathered | None:
    """Update `cols` for `views`, the list it was gathered from with some views replaced; None (and `cols`
    unchanged) when the edit adds, removes, moves or renames a page (see the module's docstring)."""
    if len(views) != len(cols.views):
        return None
    replaced = [i for i, (before, now) in enumerate(zip(cols.views, views)) if before is not now]
    old, new = [cols.views[i] for i in replaced], [views[i] for i in replaced]
    if [v.issue.date for v in old] != [v.issue.date for v in new]:
        return None
    papers = _papers(cols, old, new)
    if papers is None:
        return None
    topics = _topics(cols, papers, lg)
    if topics is None:
        return None
    _commit(cols, views, old, papers, topics)
    changed = {update.topic.key: update.changed for update in topics}
    years = refresh_days(cols.archive, new)
    return Regathered(replaced, [pg for pg in cols.papers if pg.key in papers],
                      [(tp, [y for y in tp.years if y.year in changed[tp.key]])
                       for tp in cols.topics if tp.key in changed],
                      sorted(years, key=lambda y: -y.year))


def _papers(cols: Collections, old: list[IssueView], new: list[IssueView]) -> dict[str, list[Appearance]] | None:
    """Each paper the edited issues had, before or after: its appearances now. None when a page comes, goes
    or moves."""
    dates = {v.issue.date for v in old}
    fresh: dict[str, list[Appearance]] = {}
    for view in new:
        for p in view.papers:
            fresh.setdefault(paper_key(p), []).append(Appearance(view, p, view.issue.date))
    keys = {paper_key(p) for view in old for p in view.papers} | fresh.keys()
    found: dict[str, list[Appearance]] = {}
    for key in keys:
        page = cols.by_key.get(key)
        if page is None:
            return None  # a paper new to the archive
        apps = [a for a in page.appearances if a.date not in dates] + fresh.get(key, [])
        if not apps:
            return None  # its page would go
        apps.sort(key=appearance_order)
        if not _same_path(page, apps):
            return None
        found[key] = apps
    return found


def _same_path(page: PaperPage, apps: list[Appearance]) -> bool:
    """Whether collect_papers would still give the page its path: an arXiv paper's is its id; another's is
    a slug from its oldest appearance, ordered among the others by that appearance."""
    before = page.appearances
    if bool(apps[0].paper.arxiv) != bool(before[0].paper.arxiv):
        return False
    if apps[0].paper.arxiv:
        return True

    def oldest(a: Appearance) -> tuple:
        return a.date, a.paper.rank, a.paper.title or a.paper.name

    return oldest(apps[-1]) == oldest(before[-1])


def _topics(cols: Collections, papers: dict[str, list[Appearance]], lg: Lang) -> list[_TopicUpdate] | None:
    """Every topic any of `papers` is on, before or after, with its papers and year pages now. None when a
    topic comes, goes, is renamed, or its year pages or the order of slug clashes would change."""
    by_key = {tp.key: tp for tp in cols.topics}
    keys: set[str] = set()
    for key, apps in papers.items():
        keys |= {tp.key for tp in cols.by_key[key].topics}
        keys |= {topic for a in apps for topic in area_spellings(a.paper)}
    if not keys <= by_key.keys():
        return None  # a new topic
    updates = [_topic(by_key[key], papers, cols.by_key, lg) for key in keys]
    if None in updates:
        return None
    first = {tp.key: tp.first for tp in cols.topics} | {update.topic.key: update.first for update in updates}
    if topic_slugs({tp.key: tp.name for tp in cols.topics}, first) != {tp.key: tp.slug for tp in cols.topics}:
        return None  # a topic that appeared earlier now takes another's slug
    return updates


def _topic(topic: Topic, papers: dict[str, list[Appearance]], pages: dict[str, PaperPage],
           lg: Lang) -> _TopicUpdate | None:
    """One topic with the appearances of `papers` replaced; None when its name or its year pages change."""
    kept, gone = [], []
    for entry in topic.papers:
        (gone if entry.page.key in papers else kept).append(entry)
    spellings = {spelling: list(dates) for spelling, dates in topic.spellings.items()}
    for entry in gone:
        for a in entry.appearances:
            spellings[area_spellings(a.paper)[topic.key]].remove(a.date)
    entries = list(kept)
    for key, apps in papers.items():
        under = [a for a in apps if topic.key in area_spellings(a.paper)]
        for a in under:
            spellings.setdefault(area_spellings(a.paper)[topic.key], []).append(a.date)
        if under:
            insort(entries, TopicPaper(pages[key], under), key=entry_order)
    spellings = {spelling: dates for spelling, dates in spellings.items() if dates}
    if not entries or topic_name(spellings) != topic.name:
        return None
    came = [a for entry in entries if entry.page.key in papers for a in entry.appearances]
    went = [(a.date, a.paper.rank) for entry in gone for a in entry.appearances]
    if topic.first in went:  # its oldest appearance was edited: look again
        first = first_seen([a for entry in entries for a in entry.appearances])
    else:
        first = min([topic.first, first_seen(came)]) if came else topic.first
    years = topic_years(replace(topic, papers=entries), lg)
    if [y.path for y in years] != [y.path for y in topic.years]:
        return None
    changed = {years[0].year} | {entry.latest.date.year for entry in gone}
    changed |= {entry.latest.date.year for entry in entries if entry.page.key in papers}
    return _TopicUpdate(topic, entries, years, spellings, first, changed)


def _commit(cols: Collections, views: list[IssueView], old: list[IssueView], papers: dict[str, list[Appearance]],
            topics: list[_TopicUpdate]) -> None:
    """Write the update into `cols`."""
    for view in old:
        for p in view.papers:
            cols.by_appearance.pop((view.issue.date, p.rank), None)
    for key, apps in papers.items():
        page = cols.by_key[key]
        page.appearances = apps
        for a in apps:
            cols.by_appearance[(a.date, a.paper.rank)] = page
    for update in topics:
        topic = update.topic
        topic.papers, topic.years = update.papers, update.years
        topic.spellings, topic.first = update.spellings, update.first
    for key in papers:
        cols.by_key[key].topics = paper_topics(cols.by_key[key], cols.topics)
    cols.views = list(views)
