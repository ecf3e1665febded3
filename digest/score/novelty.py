"""The novelty signal, and whether a paper was featured before (`seen_before`) and is worth proposing again."""
from __future__ import annotations

import re

from ..arxiv_id import bare_id
from .claims import claims, describe_claims
from .context import HistoryItem, ScoringContext, _clamp10, _half_up, _is_replacement, _links, _text, _version
from .text import Corpus, _Doc
from .venue import _STATUS_RANK, _classify, _venue_text

# A new paper starts a little above the middle; what it claims moves it (claims.py: about -3 to +1.5).
_NEW_POINTS = 6
_REPLACEMENT_POINTS = 4
# A revision that brings a venue or says it is substantial is close to a new paper.
_REPLACEMENT_WITH_VENUE_POINTS = 5
_SUBSTANTIAL_RE = re.compile(
    r"(?i)\b(?:major|substantial(?:ly)?|significant(?:ly)?|extensive(?:ly)?)\s+(?:revision|revised|update[ds]?|"
    r"extension|extended|rewritten|changes)\b|\bnew\s+(?:experiments|results|sections?|theory)\b"
)
_SEEN_WITH_NEWS_POINTS = 6
_SEEN_NOTHING_NEW_POINTS = 1
# Below this, similarity is the normal background between two papers on the same topic.
_SIM_FLOOR = 0.2
_SIM_CLOSE = 0.35


def seen_before(c: dict, ctx: ScoringContext) -> HistoryItem | None:
    """The most recent earlier pick with the same versionless id, or None."""
    key = bare_id(c.get("id"))
    if not key:
        return None
    same = [h for h in ctx.history if bare_id(h.id) == key]
    return min(same, key=lambda h: (-h.issue_date.toordinal(), h.url, h.text)) if same else None


def _news(c: dict, venue_tiers: dict[str, int], prior: HistoryItem | None) -> list[str]:
    """What the candidate brings that the earlier pick lacked: an accepted venue (not a step down), code."""
    out = []
    text = _venue_text(c)
    now = _classify(text, venue_tiers) if text else None
    # "Under review" is a hope, not a venue: it never counts as news.
    if now is not None and now.status != "review":
        old = " ".join(((prior.venue if prior else None) or "").split())
        before = _classify(old, venue_tiers) if old else None
        if old.lower() != now.text.lower() and (before is None or _STATUS_RANK[now.status] >= _STATUS_RANK[before.status]):
            out.append(f"venue {now.text}")
    if _links(c, "code") and (prior is None or not prior.code):
        out.append("code")
    return out


def propose(c: dict, ctx: ScoringContext) -> bool:
    """False for a paper featured before, unless it is back as a newer version with a venue or code it lacked."""
    prior = seen_before(c, ctx)
    if prior is None:
        return True
    return _is_replacement(c) and bool(_news(c, ctx.venue_tiers, prior))


def _novelty(c: dict, doc: _Doc, ctx: ScoringContext, corpus: Corpus) -> tuple[int, str]:
    version = _version(c)
    key = bare_id(c.get("id"))
    prior = seen_before(c, ctx) if ctx.history is not corpus.source_history else corpus.history_by_id.get(key)
    if prior is not None:
        news = _news(c, ctx.venue_tiers, prior) if _is_replacement(c) else []
        when = f"featured {prior.issue_date.isoformat()} ({prior.url})"
        if news:
            base, head = _SEEN_WITH_NEWS_POINTS, f"v{version} is back with {' and '.join(news)}, which it lacked when {when}"
        else:
            base, head = _SEEN_NOTHING_NEW_POINTS, f"already {when}, nothing new since"
    elif _is_replacement(c):
        news = [n for n in _news(c, ctx.venue_tiers, None) if n.startswith("venue ")]
        substantial = _SUBSTANTIAL_RE.search(_text(c, "comment"))
        if news:
            base, head = _REPLACEMENT_WITH_VENUE_POINTS, f"replacement (v{version}), now with {news[0]}"
        elif substantial:
            base, head = _REPLACEMENT_WITH_VENUE_POINTS, f"replacement (v{version}): '{substantial.group(0)}'"
        else:
            base, head = _REPLACEMENT_POINTS, f"replacement (v{version}) of an older paper"
    else:
        kind = "cross-list" if _text(c, "announce_type").strip().lower() == "cross" else "new submission"
        base, head = _NEW_POINTS, kind
    if prior is None:
        # What a paper claims moves the novelty of a paper not featured before (new or replaced).
        found = claims(_text(c, "title"), _text(c, "abstract"))
        base, head = base + found.points, f"{head}; {describe_claims(found)}"
    sim, pick = corpus.closest_pick(doc.terms, key)
    penalty = 0
    if pick is None:
        tail = "no recent picks to compare"
    elif sim < _SIM_FLOOR:
        tail = f"far from recent picks (max similarity {sim:.2f} to {pick.id})"
    else:
        penalty = _half_up(10.0 * (sim - _SIM_FLOOR))
        word = "close to" if sim >= _SIM_CLOSE else "somewhat close to"
        tail = f"{word} {pick.id} featured {pick.issue_date.isoformat()} ({pick.url}, similarity {sim:.2f})"
    return _clamp10(base - penalty), f"{head}; {tail}"
