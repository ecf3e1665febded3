"""The digest's record as scoring reads it: recent picks (novelty, "seen before") and editors' decisions (relevance)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ..editorial.candidates import Candidates, candidates_path, load_candidates
from ..editorial.config import Config
from ..editorial.issues import issue_date_from_name, issue_files, load_issue
from ..editorial.model import Issue
from ..errors import DigestError
from ..files import atomic_write_bytes, read_json
from ..rank import rank_issue
from ..score import HistoryItem
from ..score.learned import TrainingDoc, paper_text


def recent_picks(config: Config, before: date, issues: int | None = None) -> list[HistoryItem]:
    """The featured papers of the last `issues` editor files dated before `before` (unreadable files are skipped)."""
    earlier = _issues_before(config, before, config.history_issues if issues is None else issues)
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
    left out of the file, or excluded, are negatives, from the newest NEGATIVE_ISSUES issues only
    (older ones would add time, not taste); papers listed below the featured ones are neither. The
    issue being scored is never read: only files dated strictly before it. Each issue's decisions
    are kept in `.digest-cache/score/record/` while its two files are unchanged.
    """
    earlier = _issues_before(config, before, config.training_issues if issues is None else issues)
    docs: list[TrainingDoc] = []
    for age, path in enumerate(reversed(earlier)):
        decisions = _cached_decisions(config, path)
        docs += decisions if age < NEGATIVE_ISSUES else [d for d in decisions if d.label == 1]
    return docs


def _issues_before(config: Config, before: date, n: int) -> list[Path]:
    """The last `n` editor files dated strictly before `before`, oldest first."""
    if n <= 0:
        return []
    files, _ = issue_files(config)
    return [p for p in files if (d := issue_date_from_name(p)) and d < before][-n:]


# How many of the newest issues give negatives (candidates left out) to the relevance model.
NEGATIVE_ISSUES = 365
_RECORD_FORMAT = 1


def _cached_decisions(config: Config, path: Path) -> list[TrainingDoc]:
    issue_date = issue_date_from_name(path)
    cpath = candidates_path(config.issues_dir, issue_date)
    key = json.dumps([_RECORD_FORMAT, _stamp(path), _stamp(cpath), config.featured,
                      sorted(config.weights.items())])
    cache = config.cache_dir / "score" / "record" / f"{issue_date.isoformat()}.json"
    found = read_json(cache)
    if isinstance(found, dict) and found.get("key") == key and isinstance(found.get("docs"), list):
        try:
            return [TrainingDoc(i, text, label, name, issue_date) for i, text, label, name in found["docs"]]
        except (TypeError, ValueError):
            pass  # damaged: read the files again
    try:
        issue = load_issue(path, config)
        cands = load_candidates(cpath)
    except DigestError:
        return []  # an invalid file teaches nothing; `digest check` reports it
    docs = _decisions(issue, cands, config)
    try:
        rows = [[d.id, d.text, d.label, d.name] for d in docs]
        atomic_write_bytes(cache, json.dumps({"key": key, "docs": rows}, ensure_ascii=False).encode())
    except OSError:
        pass  # a cache that cannot be written costs time, never the result
    return docs


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


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
