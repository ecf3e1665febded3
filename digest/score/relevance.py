"""The relevance signal: BM25 over the topic phrases in title and abstract, mapped to 0-10."""
from __future__ import annotations

import math

from .context import _clamp10
from .text import Corpus, _Doc, _Topic


BM25_K1 = 1.2
BM25_B = 0.75
TITLE_BOOST = 2.5
# Logistic map from the raw score (in units of "the top-weight phrase"; one passing mention in an
# average abstract is 1.0, the most a single phrase can give is 2.2) to 0..10: steep in the middle
# so one passing mention lands at 1-2, two mentions at 5, title + several abstract mentions at 9-10.
_REL_MID = 1.4
_REL_SLOPE = 4.5
_TITLE_ONLY_CAP = 8
# A 10 needs the abstract to use the topic's phrases at least this often.
_FULL_MARKS_MIN_ABSTRACT_HITS = 3


def _relevance_raw(doc: _Doc, topic: _Topic, corpus: Corpus) -> float:
    ratio = doc.length / corpus.avg_len if corpus.avg_len else 1.0
    # Only the abstract's length is normalised (BM25F with b = 0 for titles, which are short and
    # uniform); this also means a longer title can never dilute the other phrases.
    norm = BM25_K1 * (1.0 - BM25_B + BM25_B * min(max(ratio, 0.5), 3.0))
    raw = 0.0
    for p in topic.phrases:
        tf = TITLE_BOOST * doc.title_hits.get(p, 0) + doc.abstract_hits.get(p, 0)
        if tf:
            raw += topic.weights[p] * corpus.phrase_factor(p) * tf * (BM25_K1 + 1.0) / (tf + norm)
    return raw


def _relevance(doc: _Doc, topic: _Topic, corpus: Corpus) -> tuple[int, str]:
    if not topic.phrases:
        return 0, "no topic phrases configured"
    raw = _relevance_raw(doc, topic, corpus)
    value = 0
    if raw > 0:
        # Any real hit is worth at least 1, so a paper with a hit never ties one without.
        value = max(1, _clamp10(10.0 / (1.0 + math.exp(-_REL_SLOPE * (raw - _REL_MID)))))
        # A title can promise the topic; only an abstract that keeps coming back to it delivers.
        abstract_hits = sum(doc.abstract_hits.values())
        if doc.length and abstract_hits == 0:
            value = min(value, _TITLE_ONLY_CAP)
        elif abstract_hits < _FULL_MARKS_MIN_ABSTRACT_HITS:
            value = min(value, 9)
    parts = []
    if doc.title_hits:
        said = ", ".join(f"'{p}'" + (f" {n}×" if n > 1 else "") for p, n in _by_weight(doc.title_hits, topic))
        parts.append(f"title says {said} (×{TITLE_BOOST:g})")
    if doc.abstract_hits:
        said = ", ".join(f"'{p}' {n}×" for p, n in _by_weight(doc.abstract_hits, topic))
        parts.append(f"abstract says {said}")
    elif doc.title_hits and doc.length:
        parts.append("the abstract never does")
    if doc.skipped:
        shown = sorted(set(doc.skipped))[:2]
        parts.append("not counted: " + ", ".join(f"'{s}'" for s in shown) + " (another sense)")
    if not parts:
        return 0, "no topic phrase in title or abstract"
    if value >= 9:
        verdict = "squarely on topic"
    elif value >= 7:
        verdict = "on topic"
    elif value >= 4:
        verdict = "partly on topic"
    elif value >= 1:
        verdict = "a passing mention"
    else:
        verdict = "off topic"
    return value, f"{'; '.join(parts)} — {verdict}"


def _by_weight(hits: dict[str, int], topic: _Topic) -> list[tuple[str, int]]:
    return sorted(hits.items(), key=lambda kv: (-topic.weights.get(kv[0], 0.0), -kv[1], kv[0]))
