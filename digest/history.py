"""The digest's record as scoring reads it: recent picks (novelty, "seen before") and editors' decisions (relevance)."""
from __future__ import annotations

from datetime import date

from .candidates import Candidates, candidates_path, load_candidates
from .config import Config
from .errors import DigestError
from .issues import issue_date_from_name, issue_files, load_issue
from .model import Issue
from .rank import rank_issue
from .score import HistoryItem
from .score.learned import TrainingDoc, paper_text


def recent_picks(config: Config, before: date, issues: int | None = None) -> list[HistoryItem]:
    """The featured papers of the last `issues` editor files dated before `before` (unreadable files are skipped)."""
    n = config.history_issues if issues is None else issues
    if n <= 0:
        return []
    files, _ = issue_files(config)
    earlier = [p for p in files if (d := issue_date_from_name(p)) and d < before][-n:]
    out: list[HistoryItem] = []
    for path in earlier:
        try:
            issue = load_issue(path, config)
            cands = load_candidates(candidates_path(config.issues_dir, issue.date))
        except DigestError:
            continue
        featured = config.featured if issue.featured is None else issue.featured
        for row in rank_issue(issue, cands, config.weights)[:featured]:
            e, c = row.entry, row.candidate or {}
            if not e.arxiv:
                continue
            text = " ".join(x for x in (c.get("title") or e.title or e.short or "",
                                        c.get("abstract") or e.tagline or "") if x)
            code = bool(e.code or (c.get("links") or {}).get("code"))
            out.append(HistoryItem(id=e.arxiv, issue_date=issue.date, url=issue.slug + "/", text=text,
                                   venue=e.venue or c.get("venue"), code=code))
    return out


def training_record(config: Config, before: date, issues: int | None = None) -> list[TrainingDoc]:
    """The editors' decisions of the last `issues` editor files before `before`, as training documents.

    Featured papers (the issue's top `featured`, pins included) are positives; candidates the editor
    left out of the file, or excluded, are negatives; papers listed below the featured ones are
    neither. The issue being scored is never read: only files dated strictly before it.
    """
    n = config.training_issues if issues is None else issues
    if n <= 0:
        return []
    files, _ = issue_files(config)
    earlier = [p for p in files if (d := issue_date_from_name(p)) and d < before][-n:]
    docs: list[TrainingDoc] = []
    for path in earlier:
        try:
            issue = load_issue(path, config)
            cands = load_candidates(candidates_path(config.issues_dir, issue.date))
        except DigestError:
            continue
        docs += _decisions(issue, cands, config)
    return docs


def _decisions(issue: Issue, cands: Candidates | None, config: Config) -> list[TrainingDoc]:
    featured = config.featured if issue.featured is None else issue.featured
    rows = rank_issue(issue, cands, config.weights)
    listed = {e.key for e in issue.entries}
    out: list[TrainingDoc] = []
    for row in rows[:featured]:
        e, c = row.entry, row.candidate or {}
        text = paper_text(c.get("title") or e.title or e.short, c.get("abstract") or e.tagline)
        if text:
            name = e.short or _short_title(c.get("title") or e.title or e.key)
            out.append(TrainingDoc(e.arxiv or "", text, 1, name, issue.date))
    excluded = {e.key for e in issue.entries if e.exclude}
    for c in cands.papers if cands else []:
        if c["id"] in excluded or c["id"] not in listed:
            text = paper_text(c.get("title"), c.get("abstract"))
            if text:
                out.append(TrainingDoc(c["id"], text, 0, _short_title(c.get("title") or c["id"]), issue.date))
    return out


def _short_title(title: str, limit: int = 60) -> str:
    title = " ".join(title.split())
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"
