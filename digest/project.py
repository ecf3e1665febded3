"""Everything one run knows about the project: config, editor files, candidates, problems."""
from __future__ import annotations

from dataclasses import dataclass, field

from .candidates import Candidates, candidates_path, load_candidates
from .config import Config
from .errors import DigestError, Problem
from .freshness import news_since_edit
from .issues import issue_files, load_issue
from .model import Issue
from .render.view import IssueView, build_issue_view


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


def _rel(config: Config, path) -> str:
    try:
        return str(path.resolve().relative_to(config.root))
    except ValueError:
        return str(path)


def load_project(config: Config) -> Project:
    """Load and check every issue; never raises for bad input, problems are collected instead."""
    project = Project(config)
    files, warnings = issue_files(config)
    project.problems.extend(warnings)
    for path in files:
        try:
            issue = load_issue(path, config)
        except DigestError as exc:
            project.problems.extend(exc.problems)
            continue
        project.issues.append(issue)
        cpath = candidates_path(config.issues_dir, issue.date)
        try:
            cands: Candidates | None = load_candidates(cpath, _rel(config, cpath))
        except DigestError as exc:
            project.problems.extend(exc.problems)
            cands = None
        project.candidates[issue.date] = cands
        for news in news_since_edit(issue, cands):
            project.problems.append(issue.source.problem(
                ("papers",), f"new since you last edited: {news.id} {news.title[:70]} ({news.detail}); "
                             f"see `digest rank {issue.date.isoformat()}`", severity="warning"))
    project.issues.sort(key=lambda i: i.date)
    previous = None
    for issue in project.issues:
        view = build_issue_view(issue, config, project.candidates.get(issue.date),
                                previous.published if previous else None)
        project.problems.extend(view.problems)
        project.views.append(view)
        previous = issue
    for older, newer in zip(project.views, project.views[1:]):
        older.next, newer.prev = newer, older
    project.problems.sort(key=lambda p: (p.file, p.line, p.col))
    return project
