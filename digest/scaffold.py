"""`digest new`: the editor file for an issue, proposed from its candidates, written once."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .candidates import Candidates, candidates_path, load_candidates
from .config import Config
from .errors import DigestError, Problem
from .model import Entry
from .rank import rank_entries
from .render import fmt
from .schemas import SIGNALS

ALTERNATES = 10
_PROSE = ("reason", "evidence", "decision", "what", "technical", "limits")


@dataclass
class NewResult:
    """What `digest new` did."""

    path: Path
    created: bool
    papers: int
    candidates: int


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def scaffold_text(config: Config, issue_date: date, cands: Candidates | None) -> tuple[str, int]:
    """The YAML of a new editor file and the number of papers it lists."""
    featured = config.featured
    proposed = [c for c in (cands.papers if cands else []) if c.get("proposed", True)]
    entries = [Entry(index=i, arxiv=c["id"], version=c.get("version")) for i, c in enumerate(proposed)]
    ranked = rank_entries(entries, cands, config.weights)
    picks, alternates = ranked[:featured], ranked[featured:featured + ALTERNATES]
    lines = [
        "# yaml-language-server: $schema=../schemas/issue.schema.json",
        f"# Issue of {issue_date.isoformat()}, started by `digest new`.",
        "# This file is the editor's: no digest command rewrites it once it exists.",
        "# Automatic scores are in the comments; write a signal into `scores:` to set it yourself",
        "# (any subset, 0-10). Empty prose fields are left off the page, never published blank.",
        f"date: {issue_date.isoformat()}",
        f"# published: {issue_date.isoformat()}T{config.schedule.cutoff.strftime('%H:%M')}:00"
        f"{_offset(config, issue_date)}",
        'intro: ""',
    ]
    if not picks:
        lines.append("papers: []")
        if cands is None:
            lines.append("# No candidates file yet: run `digest fetch` for this date, or list papers by hand.")
        else:
            lines.append("# The window brought no candidate on the topic.")
    else:
        lines.append("papers:")
    for r in picks:
        c = r.candidate or {}
        vid = f"{c['id']}v{c['version']}" if c.get("version") else c["id"]
        lines.append(f"  - arxiv: {_q(vid)}")
        if c.get("title"):
            lines.append(f"    # {_comment(c['title'])}")
        for s in SIGNALS:
            sig = r.signals[s]
            if sig.value is not None:
                lines.append(f"    #   {s} {fmt.number(sig.value)}: {_comment(sig.reason) or 'automatic'}")
        lines.append(f"    #   total {fmt.number(r.total)}")
        if c.get("seen_before"):
            lines.append(f"    # seen before: {_comment(c['seen_before'])}")
        lines.append("    scores: {}")
        lines.append("    # short: ")
        lines.append("    # tagline: ")
        for name in _PROSE:
            lines.append(f'    {name}: ""')
    if alternates:
        lines.append("# Next candidates by automatic total (copy one into papers: to add it):")
        for r in alternates:
            c = r.candidate or {}
            lines.append(f"#   {c['id']}  total {fmt.number(r.total)}  {_comment(c.get('title', ''))[:90]}")
    return "\n".join(lines) + "\n", len(picks)


def _offset(config: Config, issue_date: date) -> str:
    from datetime import datetime

    value = datetime.combine(issue_date, config.schedule.cutoff, config.site.tz).strftime("%z")
    return value[:3] + ":" + value[3:]


def new_issue(config: Config, issue_date: date) -> NewResult:
    """Create issues/<date>.yaml from the candidates unless it exists (an existing file is never touched)."""
    path = config.issues_dir / f"{issue_date.isoformat()}.yaml"
    cpath = candidates_path(config.issues_dir, issue_date)
    cands = load_candidates(cpath, f"issues/{cpath.name}")
    if path.exists():
        return NewResult(path, False, 0, len(cands.papers) if cands else 0)
    text, n = scaffold_text(config, issue_date, cands)
    config.issues_dir.mkdir(parents=True, exist_ok=True)
    # O_EXCL: if an editor creates the file between the check and here, theirs wins.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        os.link(tmp, path)
    except FileExistsError:
        return NewResult(path, False, 0, len(cands.papers) if cands else 0)
    except OSError as exc:
        raise DigestError(Problem(str(path), 0, 0, f"cannot create the issue file: {exc.strerror or exc}")) from None
    finally:
        tmp.unlink(missing_ok=True)
    return NewResult(path, True, n, len(cands.papers) if cands else 0)
