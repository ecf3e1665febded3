"""`digest rank`: an issue's ranking, signal by signal, as a table or JSON."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..editorial.candidates import Candidates, candidates_path, load_candidates
from ..editorial.config import Config
from ..editorial.freshness import news_since_edit
from ..editorial.issues import load_issue
from ..editorial.model import Entry, Ranked
from ..editorial.schemas import SIGNALS
from ..errors import DigestError, Problem
from ..rank import rank_entries
from ..render import fmt
from .new import below_floor


@dataclass
class RankReport:
    """The ranking of one issue and where it came from."""

    date: date
    rows: list[Ranked]
    weights: dict[str, float]
    warnings: list[Problem] = field(default_factory=list)
    news: list = field(default_factory=list)
    others: list[Ranked] = field(default_factory=list)
    floor: float | None = None
    # Candidates (rows of a date without editor file, and `others`) whose automatic relevance is under
    # `scoring.relevance_floor`: `digest new` does not propose them. Ids, versionless.
    below_floor: frozenset[str] = frozenset()


def rank_report(config: Config, issue_date: date) -> RankReport:
    """Rank the editor file of `issue_date`, or its candidates alone when no editor file exists yet."""
    path = config.issues_dir / f"{issue_date.isoformat()}.yaml"
    cpath = candidates_path(config.issues_dir, issue_date)
    cands: Candidates | None = load_candidates(cpath, f"issues/{cpath.name}")
    news = []
    others: list[Ranked] = []
    if path.exists():
        issue = load_issue(path, config)
        entries = issue.entries
        news = news_since_edit(issue, cands)
        if cands is not None:
            listed = {e.arxiv for e in entries if e.arxiv}
            rest = [Entry(index=i, arxiv=c["id"], version=c.get("version"))
                    for i, c in enumerate(cands.papers) if c["id"] not in listed and c.get("proposed", True)]
            others = rank_entries(rest, cands, config.weights)
    elif cands is not None:
        entries = [Entry(index=i, arxiv=c["id"], version=c.get("version")) for i, c in enumerate(cands.papers)]
    else:
        raise DigestError(Problem(f"issues/{issue_date.isoformat()}.yaml", 0, 0,
                                  "no issue file and no candidates file for this date; "
                                  "write the issue file or fetch the candidates first"))
    rows = rank_entries(entries, cands, config.weights)
    candidate_rows = others if path.exists() else rows
    below = frozenset(r.entry.arxiv for r in candidate_rows if below_floor(r, config))
    warnings = []
    for r in rows:
        if r.missing:
            warnings.append(Problem(f"issues/{path.name}", 0, 0,
                                    f"{_name(r)}: no score for {', '.join(r.missing)}; counted as 0", "warning"))
    return RankReport(issue_date, rows, config.weights, warnings, news, others, config.relevance_floor, below)


def _name(r: Ranked) -> str:
    e, c = r.entry, r.candidate or {}
    return e.short or e.title or c.get("title") or e.arxiv or e.url or f"paper {r.rank}"


def report_table(report: RankReport) -> str:
    """A fixed-width table: rank, paper, each signal as value and source, weighted total."""
    weights = " ".join(f"{s}×{fmt.number(report.weights[s])}" for s in SIGNALS)
    head = ["#", "paper"] + list(SIGNALS) + ["total"]
    body = []
    for r in report.rows:
        name = _name(r)
        if len(name) > 40:
            name = name[:39] + "…"
        if r.pinned:
            name += f" (pinned {r.entry.pin})"
        if _below(report, r):
            name += " (below floor)"
        cells = [str(r.rank), name]
        for s in SIGNALS:
            sig = r.signals[s]
            cells.append("–" if sig.value is None else f"{fmt.number(sig.value)} {sig.source}")
        cells.append(fmt.number(r.total))
        body.append(cells)
    widths = [max(len(row[i]) for row in [head] + body) for i in range(len(head))]
    lines = [f"issue {report.date.isoformat()}: total = {weights}"]
    for row in [head] + body:
        lines.append("  ".join(cell.ljust(widths[i]) if i < len(row) - 1 else cell.rjust(widths[i])
                               for i, cell in enumerate(row)).rstrip())
    if not body:
        lines.append("(no papers)")
    if any(_below(report, r) for r in report.rows + report.others):
        lines.append(f"below floor: automatic relevance under {fmt.number(report.floor)} "
                     "(scoring.relevance_floor in digest.yaml), so `digest new` does not propose it")
    if report.news:
        lines.append("")
        lines.append(f"new since you last edited ({len(report.news)}):")
        lines.extend(f"  {n.id}  {n.title[:70]}  ({n.detail})" for n in report.news)
    if report.others:
        lines.append("")
        lines.append(f"other candidates not in the issue file (top {min(10, len(report.others))} of {len(report.others)}):")
        lines.extend(f"  {fmt.number(r.total):>5}  {r.entry.arxiv}  {_name(r)[:70]}"
                     f"{' (below floor)' if _below(report, r) else ''}"
                     for r in report.others[:10])
    return "\n".join(lines)


def _below(report: RankReport, r: Ranked) -> bool:
    return r.entry.arxiv is not None and r.entry.arxiv in report.below_floor


def explain(report: RankReport, ident: str) -> str:
    """Each signal of one paper: its value, where it came from, and the automatic reason."""
    key = ident.strip().lower()
    for r in report.rows + report.others:
        e, c = r.entry, r.candidate or {}
        names = {x.lower() for x in (e.arxiv, e.short, e.abbrev, e.url) if x}
        if e.arxiv and e.version:
            names.add(f"{e.arxiv}v{e.version}".lower())
        if key not in names:
            continue
        auto = c.get("scores") or {}
        where = f"#{r.rank}" if r in report.rows else "not in the issue file:"
        lines = [f"{where} {_name(r)}" + (f" (arXiv {e.arxiv})" if e.arxiv else ""),
                 f"  total {fmt.number(r.total)} = " + " + ".join(
                     f"{fmt.number(report.weights[s])}×{s}" for s in SIGNALS)]
        for s in SIGNALS:
            sig = r.signals[s]
            found = auto.get(s) if isinstance(auto.get(s), dict) else {}
            auto_text = ""
            if found.get("value") is not None:
                auto_text = f"automatic {fmt.number(found['value'])}: {found.get('reason') or 'no reason recorded'}"
            if sig.source == "editor":
                line = f"{fmt.number(sig.value)} set by the editor" + (f" (overrides {auto_text})" if auto_text else "")
            elif sig.source == "auto":
                line = auto_text
            else:
                line = "no score (counts as 0): add it under scores: in the issue file"
            lines.append(f"  {s:<9} {line}")
        if r.pinned:
            lines.append(f"  pinned to position {e.pin}")
        if _below(report, r):
            lines.append(f"  below the relevance floor ({fmt.number(report.floor)}, scoring.relevance_floor): "
                         "`digest new` does not propose it")
        if c.get("seen_before"):
            lines.append(f"  seen before: {c['seen_before']}")
        return "\n".join(lines)
    raise DigestError(Problem(f"issues/{report.date.isoformat()}.yaml", 0, 0,
                              f"no paper {ident!r} in this issue; use an arXiv id or short name from `digest rank`"))


def report_json(report: RankReport) -> list[dict]:
    """One object per ranked paper, for scripts: the issue's papers, then other candidates (rank null)."""
    out = []
    for r in report.rows + report.others:
        in_issue = r in report.rows
        e, c = r.entry, r.candidate or {}
        code = e.code or next(iter((c.get("links") or {}).get("code") or []), None)
        out.append({
            "rank": r.rank if in_issue else None,
            "in_issue": in_issue,
            "id": e.arxiv,
            "url": e.url,
            "version": e.version or c.get("version"),
            "announce_type": c.get("announce_type"),
            "title": e.title or c.get("title") or e.short,
            "short": e.short,
            "authors": e.authors or c.get("authors") or [],
            "venue": e.venue or c.get("venue"),
            "code": code,
            "pinned": r.pinned,
            "signals": {s: {"value": r.signals[s].value, "source": r.signals[s].source,
                            **({"reason": r.signals[s].reason} if r.signals[s].reason else {})} for s in SIGNALS},
            "total": r.total,
            **({"new_since_edit": True} if any(n.id == e.arxiv for n in report.news) else {}),
            **({"below_floor": True} if _below(report, r) else {}),
        })
    return out
