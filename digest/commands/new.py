"""`digest new`: the editor file for an issue, proposed from its candidates, written once."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ..editorial.candidates import Candidates, candidates_path, load_candidates
from ..editorial.config import Config
from ..editorial.model import Entry, Ranked
from ..editorial.schemas import SIGNALS
from ..editorial.window import NO_ANNOUNCEMENT
from ..editorial.window_start import window_start
from ..errors import DigestError, Problem
from ..rank import rank_entries, signals_for
from ..render import fmt
from ..render.i18n import lang

ALTERNATES = 10
_PROSE = ("reason", "evidence", "decision", "what", "technical", "limits")


@dataclass
class NewResult:
    """What `digest new` did."""

    path: Path
    created: bool
    papers: int
    candidates: int


class NothingToStart(DigestError):
    """`digest new` without `empty` for a date with no candidates file, or whose window had no announcement.

    `reason` says which, in words a log line can end with ": no issue for <date>".
    """

    def __init__(self, problem: Problem, reason: str):
        super().__init__(problem)
        self.reason = reason


def announced(cands: Candidates) -> bool:
    """False when the fetched window held no arXiv announcement (weekend or holiday): nothing to propose."""
    data = cands.data
    return data.get("source") != "calendar" and not ("announcements" in data and not data["announcements"])


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(str(text).split())


def auto_relevance(candidate: dict | None) -> float:
    """A candidate's automatic relevance (0-10), 0 when it has none: what `scoring.relevance_floor` is compared with."""
    return signals_for(Entry(index=0), candidate)["relevance"].value or 0.0


def below_floor(row: Ranked, config: Config) -> bool:
    """True when a candidate's automatic relevance is under the floor, so `digest new` does not propose it."""
    return auto_relevance(row.candidate) < config.relevance_floor


# What readers see when the floor leaves fewer cards than `featured`: {k} papers cleared it of {n} proposed
# (the intro), or none did, or there was nothing to propose (the note of an issue with no papers).
_FLOOR_INTRO = {
    "en": {
        "some": "{K} {noun} today: only {k} of the {n} arXiv papers we looked at for this issue {verb} really "
                "about {topic}; the rest only mentioned it in passing or were about something else.",
        "none": "No papers today: none of the {n} arXiv papers we looked at for this issue was really about "
                "{topic}; they only mentioned it in passing or were about something else.",
        "none_one": "No papers today: the one arXiv paper we looked at for this issue was not really about {topic}.",
        "nothing": "No papers today: this issue's arXiv window brought no new paper about {topic}.",
    },
    "ko": {
        "some": "오늘은 {k}편입니다. 이번 호에서 살펴본 arXiv 논문 {n}편 가운데 {topic} 주제를 제대로 다룬 논문은 "
                "{k}편뿐이고, 나머지는 지나가듯 언급하거나 다른 주제였습니다.",
        "none": "오늘은 실을 논문이 없습니다. 이번 호에서 살펴본 arXiv 논문 {n}편 가운데 {topic} 주제를 제대로 "
                "다룬 논문이 없었습니다.",
        "none_one": "오늘은 실을 논문이 없습니다. 이번 호에서 살펴본 arXiv 논문 {n}편은 {topic} 주제를 제대로 다루지 "
                    "않았습니다.",
        "nothing": "오늘은 실을 논문이 없습니다. 이번 호의 arXiv 발표에는 새 {topic} 논문이 없었습니다.",
    },
}


def floor_intro(config: Config, cleared: int, looked_at: int) -> str:
    """The intro of an automatic issue the relevance floor left short: `cleared` of `looked_at` were on topic.

    With none cleared it is the issue's `note:`, why it has no papers (`looked_at` 0: nothing to propose).
    """
    lg = lang(config.site.language)
    words = _FLOOR_INTRO.get(lg.base, _FLOOR_INTRO["en"])
    key = "some" if cleared else ("nothing" if not looked_at else "none_one" if looked_at == 1 else "none")
    return words[key].format(K=lg.count(cleared), k=lg.count(cleared).lower(), n=lg.count(looked_at).lower(),
                             topic=config.site.topic, noun="paper" if cleared == 1 else "papers",
                             verb="was" if cleared == 1 else "were")


def scaffold_text(config: Config, issue_date: date, cands: Candidates | None, *, empty: bool = False) -> tuple[str, int]:
    """The YAML of a new editor file and the number of papers it lists.

    It proposes the top `featured` candidates by automatic total among those whose automatic relevance
    reaches `scoring.relevance_floor`: when fewer reach it, the file lists fewer and its intro tells
    readers why, rather than filling a card with an off-topic paper; when none does, its `note:` says
    why the issue has no papers. `empty` proposes nothing and leaves `note:` for the editor to write.
    """
    featured = config.featured
    floor = fmt.number(config.relevance_floor)
    proposed = [c for c in (cands.papers if cands else []) if c.get("proposed", True)]
    entries = [Entry(index=i, arxiv=c["id"], version=c.get("version")) for i, c in enumerate(proposed)]
    ranked = rank_entries(entries, cands, config.weights)
    on_topic = [r for r in ranked if not below_floor(r, config)]
    picks = [] if empty else on_topic[:featured]
    chosen = {id(r) for r in picks}
    alternates = [r for r in ranked if id(r) not in chosen][:ALTERNATES]
    # Only when the floor held papers back: fewer candidates than cards, all on topic, needs no explaining.
    short = not empty and len(on_topic) < min(featured, len(ranked))
    lines = [
        "# yaml-language-server: $schema=../schemas/issue.schema.json",
        f"# Issue of {issue_date.isoformat()}, started by `digest new`.",
        "# This file is the editor's: no digest command rewrites it once it exists.",
        "# Automatic scores are in the comments; write a signal into `scores:` to set it yourself",
        "# (any subset, 0-10). Empty prose fields are left off the page, never published blank.",
        "# Featuring a paper teaches the automatic relevance what this digest is about; leaving one out",
        "# teaches it what it is not.",
        f"date: {issue_date.isoformat()}",
        f"# published: {config.schedule.cutoff_at(issue_date, config.site.tz).isoformat(timespec='seconds')}",
        *_window_lines(config, issue_date, cands),
    ]
    if not config.examples:
        lines.append("# Tip: no topic.examples in digest.yaml. Until a few issues are published, the automatic")
        lines.append("# relevance knows the topic only by its phrases: list 5-15 papers that define it there")
        lines.append("# (arXiv ids, or a title and abstract; README, \"Automatic pre-scores\").")
    if ranked:
        lines.append(f"# Proposed: the top {featured} by automatic total among the candidates whose automatic relevance")
        lines.append(f"# is {floor}/10 or more, the relevance floor (change it with scoring.relevance_floor in digest.yaml).")
        lines.append(f"# {len(on_topic)} of {len(ranked)} candidates reach it.")
    if empty:
        lines.append("# Started with `digest new --empty`: an issue with no papers, on purpose. Say why in `note:`,")
        lines.append("# shown on the issue page (e.g. note: \"No announcement today: arXiv's Thanksgiving break\");")
        lines.append("# `digest build` refuses an issue with no papers and no note. Or list papers by hand.")
        lines.append('intro: ""')
        lines.append('note: ""')
    elif short and picks:
        lines.append(f"# Fewer than {featured} reached the floor, so the intro below tells readers why; to add a paper,")
        lines.append("# copy one from the list at the end and rewrite the intro.")
        lines.append(f"intro: {_q(floor_intro(config, len(on_topic), len(ranked)))}")
    elif not picks:
        lines.append("# No paper to propose, so the note below tells readers why the issue has none (an issue with no")
        lines.append("# papers needs one to build); to add a paper, copy one from the list at the end and drop the note.")
        lines.append('intro: ""')
        # Papers on topic but none proposed: `ranking.featured` is 0, and only the editor can say why.
        lines.append(f"note: {_q(floor_intro(config, 0, len(ranked)) if not on_topic else '')}")
    else:
        lines.append('intro: ""')
    if not picks:
        lines.append("papers: []")
        if empty or on_topic:
            pass
        elif ranked:
            lines.append("# No candidate reached the relevance floor.")
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
        lines.append("# Next candidates by automatic total (copy one into papers: to add it;")
        lines.append(f"# \"below the floor\": automatic relevance under {floor}, not proposed for that reason):")
        for r in alternates:
            c = r.candidate or {}
            mark = f"  (below the floor: relevance {fmt.number(auto_relevance(c))})" if below_floor(r, config) else ""
            lines.append(f"#   {c['id']}  total {fmt.number(r.total)}{mark}  {_comment(c.get('title', ''))[:90]}")
    return "\n".join(lines) + "\n", len(picks)


def _window_lines(config: Config, issue_date: date, cands: Candidates | None) -> list[str]:
    """`window:` when the candidates were fetched for another window than the issue's default (`--since`)."""
    fetched = cands.data.get("window") if cands else None
    if not isinstance(fetched, dict) or not fetched.get("start") or not fetched.get("end"):
        return []
    try:
        start, end = datetime.fromisoformat(fetched["start"]), datetime.fromisoformat(fetched["end"])
        default = window_start(config, issue_date).window
        if (default.start, default.end) == (start, end):
            return []
    except (DigestError, TypeError, ValueError):
        pass  # no default to compare with (too long, unreadable): the fetched window is the one to keep
    return ["window:                # the window the candidates were fetched for (not the default one)",
            f"  start: {fetched['start']}", f"  end: {fetched['end']}"]


def new_issue(config: Config, issue_date: date, *, empty: bool = False) -> NewResult:
    """Create issues/<date>.yaml from the candidates unless it exists (an existing file is never touched).

    Without `empty`, raises NothingToStart when there is no candidates file or its window had no arXiv
    announcement: an issue with no papers is started only on purpose (`empty`), never by accident.
    """
    path = config.issues_dir / f"{issue_date.isoformat()}.yaml"
    cpath = candidates_path(config.issues_dir, issue_date)
    shown = f"issues/{cpath.name}"
    cands = load_candidates(cpath, shown)
    if path.exists():
        return NewResult(path, False, 0, len(cands.papers) if cands else 0)
    day = issue_date.isoformat()
    if not empty and cands is None:
        raise NothingToStart(Problem(shown, 0, 0, f"no candidates file for {day}: run `digest fetch {day}` first, "
                                                  f"or `digest new {day} --empty` to start a hand-written issue on purpose"),
                             "no candidates file")
    if not empty and not announced(cands):
        raise NothingToStart(Problem(shown, 1, 1, f"{NO_ANNOUNCEMENT}: nothing to start; "
                                                  f"`digest new {day} --empty` writes one anyway"), NO_ANNOUNCEMENT)
    text, n = scaffold_text(config, issue_date, cands, empty=empty)
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
