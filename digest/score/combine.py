"""The entry points: the four signals of one candidate, and of a whole window deduplicated by id."""
from __future__ import annotations

import json
from collections.abc import Iterable

from ..arxiv_id import bare_id
from ..editorial.schemas import SIGNALS
from .context import ScoringContext, _version
from .evidence import _evidence
from .novelty import _novelty
from .relevance import _relevance
from .text import Corpus, _topic
from .venue import _venue


def score_candidate(c: dict, ctx: ScoringContext, corpus: Corpus) -> dict[str, dict]:
    """The four automatic scores of one candidate: {signal: {"value": 0-10, "reason": str}}."""
    topic = corpus.topic if ctx.phrases is corpus.source_phrases else _topic(ctx.phrases)
    doc = corpus.doc(c, topic)
    results = {
        "novelty": _novelty(c, doc, ctx, corpus),
        "relevance": _relevance(c, doc, topic, corpus),
        "venue": _venue(c, ctx),
        "evidence": _evidence(c, doc),
    }
    return {name: {"value": int(results[name][0]), "reason": results[name][1]} for name in SIGNALS}


def _dedupe(candidates: Iterable[dict]) -> list[dict]:
    """One candidate per id (the newest version wins a clash), in id order, whatever the input order."""
    best: dict[str, dict] = {}
    for c in candidates:
        if not isinstance(c, dict):
            continue
        key = bare_id(c.get("id"))
        old = best.get(key)
        if old is None or _clash_key(c) > _clash_key(old):
            best[key] = c
    return [best[k] for k in sorted(best)]


def _clash_key(c: dict) -> tuple:
    # The whole record, canonically serialised, breaks any remaining tie so the winner never
    # depends on which of two same-version records came first.
    return (_version(c), json.dumps(c, sort_keys=True, default=repr, ensure_ascii=False))


def score_all(candidates: list[dict], ctx: ScoringContext) -> dict[str, dict[str, dict]]:
    """Scores for a whole window by versionless id; the corpus statistics are computed once."""
    unique = _dedupe(candidates)
    corpus = Corpus(unique, ctx)
    return {bare_id(c.get("id")): score_candidate(c, ctx, corpus) for c in unique}
