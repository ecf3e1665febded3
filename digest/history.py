"""Recent picks: the papers featured in the last issues, for novelty and "seen before"."""
from __future__ import annotations

from datetime import date

from .candidates import candidates_path, load_candidates
from .config import Config
from .errors import DigestError
from .issues import issue_date_from_name, issue_files, load_issue
from .rank import rank_issue
from .score import HistoryItem


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
