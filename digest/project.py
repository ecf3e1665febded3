"""Everything one run knows about the project: config, editor files, candidates, problems."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .candidates import MAX_BYTES as CANDIDATES_MAX_BYTES
from .candidates import Candidates, candidates_path, load_candidates
from .config import Config
from .errors import DigestError, Problem
from .freshness import news_since_edit
from .issues import issue_date_from_name, issue_files, load_issue
from .model import Issue
from .render.view import IssueView, build_issue_view
from .yamlload import MAX_BYTES as YAML_MAX_BYTES

if TYPE_CHECKING:
    from .cache import ViewCache

# The candidate fields news_since_edit reads: a cached issue keeps only these.
_NEWS_FIELDS = ("id", "title", "version", "first_seen", "proposed")


@dataclass
class Project:
    """Loaded issues (oldest first), their candidates and views, and every problem found."""

    config: Config
    issues: list[Issue] = field(default_factory=list)
    candidates: dict = field(default_factory=dict)
    views: list[IssueView] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a build."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems worth a look that do not stop a build."""
        return [p for p in self.problems if p.severity == "warning"]




def _read(path: Path) -> bytes | None:
    """The file's bytes for the cache key; None (no caching) when unreadable or larger than the loaders accept."""
    try:
        if path.stat().st_size > max(YAML_MAX_BYTES, CANDIDATES_MAX_BYTES):
            return None
        return path.read_bytes()
    except OSError:
        return None


def _news_candidates(cands: Candidates | None) -> Candidates | None:
    """The part of a candidates file that "new since you last edited" warnings depend on."""
    if cands is None:
        return None
    slim = {k: {f: c[f] for f in _NEWS_FIELDS if f in c} for k, c in cands.by_id.items()}
    return Candidates(path=cands.path, data={}, by_id=slim)


def _news_problems(issue: Issue, cands: Candidates | None) -> list[Problem]:
    return [issue.source.problem(
        ("papers",), f"new since you last edited: {news.id} {news.title[:70]} ({news.detail}); "
                     f"see `digest rank {issue.date.isoformat()}`", severity="warning")
        for news in news_since_edit(issue, cands)]


def load_project(config: Config, cache: ViewCache | None = None) -> Project:
    """Load and check every issue; never raises for bad input, problems are collected instead.

    With a `cache`, issues whose view is cached (see digest/cache.py) are neither parsed nor rendered
    again; they report the same warnings. Entries the project no longer uses are pruned.
    """
    project = Project(config)
    files, warnings = issue_files(config)
    project.problems.extend(warnings)
    # (issue, cached view or None, cache key or None, had errors, file bytes read for the key)
    loaded: list[tuple] = []
    previous_published = None
    for path in files:
        key = raw = craw = None
        file_date = issue_date_from_name(path)
        if cache is not None and file_date is not None:
            raw = _read(path)
            cpath = candidates_path(config.issues_dir, file_date)
            craw = _read(cpath)
            if raw is not None:
                key = cache.key(path, raw, craw, previous_published)
                entry = cache.get(key)
                if entry is not None:
                    view = entry["view"]
                    issue = view.issue
                    project.issues.append(issue)
                    project.candidates[issue.date] = entry["news"]
                    project.problems.extend(_news_problems(issue, entry["news"]))
                    loaded.append((issue, view, None, False, None))
                    previous_published = issue.published
                    continue
        try:
            issue = load_issue(path, config)
        except DigestError as exc:
            project.problems.extend(exc.problems)
            continue
        project.issues.append(issue)
        cpath = candidates_path(config.issues_dir, issue.date)
        failed = False
        try:
            cands: Candidates | None = load_candidates(cpath, config.display(cpath))
        except DigestError as exc:
            project.problems.extend(exc.problems)
            cands = None
            failed = True
        project.candidates[issue.date] = cands
        project.problems.extend(_news_problems(issue, cands))
        # Cache only what was read under this key: the files must not have changed while loading.
        cacheable = key is not None and issue.date == file_date and _read(path) == raw and _read(cpath) == craw
        loaded.append((issue, None, key if cacheable else None, failed, cands))
        previous_published = issue.published
    # Files are read in name order, which is date order for every issue that loaded (names must match dates).
    loaded.sort(key=lambda item: item[0].date)
    project.issues.sort(key=lambda i: i.date)
    previous = None
    for issue, view, key, failed, cands in loaded:
        if view is None:
            view = build_issue_view(issue, config, cands, previous.published if previous else None)
            if key is not None and not failed and not any(p.severity == "error" for p in view.problems):
                cache.put(key, view, _news_candidates(cands))
        project.problems.extend(view.problems)
        project.views.append(view)
        previous = issue
    if cache is not None:
        cache.prune()
    for older, newer in zip(project.views, project.views[1:]):
        older.next, newer.prev = newer, older
    project.problems.sort(key=lambda p: (p.file, p.line, p.col))
    return project
