"""The relevance signal: topic phrases (BM25), subject versus tool, and the model learned from the record."""
from __future__ import annotations

import math

from .context import _clamp10, _text
from .learned import ModelScore
from .subject import describe, subject
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
# The three parts add up on one scale: the phrases' 0-10, the subject's points (about -12 to +8),
# and the model's log-odds times _MODEL_GAIN (a margin of 1 is worth a title mention or two).
# A logistic then maps the sum to 0-10. Set on the development set's distributions (whole classes:
# core, tool, passing, picks), then a 3x3 grid of gain and spread, flat within noise on the picks;
# the steeper, lower-gain corner kept tool and passing papers out of the top 10 best.
_MODEL_GAIN = 12.0
_MID = -2.0
_SPREAD = 4.0
# Without a model (no examples, no record) the phrases and the subject are all there is: a paper
# that uses the phrases well (about 8) with a neutral subject lands a little above the middle.
_MID_WITHOUT_MODEL = 6.0
_OTHER_SENSE_CAP = 1


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


def _phrase_value(doc: _Doc, topic: _Topic, corpus: Corpus) -> float:
    """The topic phrases' part, 0-10: how strongly title and abstract use the configured phrases."""
    raw = _relevance_raw(doc, topic, corpus)
    if raw <= 0:
        return 0.0
    value = 10.0 / (1.0 + math.exp(-_REL_SLOPE * (raw - _REL_MID)))
    # A title can promise the topic; only an abstract that keeps coming back to it delivers.
    abstract_hits = sum(doc.abstract_hits.values())
    if doc.length and abstract_hits == 0:
        value = min(value, _TITLE_ONLY_CAP)
    elif abstract_hits < _FULL_MARKS_MIN_ABSTRACT_HITS:
        value = min(value, 9.0)
    return value


def _relevance(c: dict, doc: _Doc, topic: _Topic, corpus: Corpus) -> tuple[int, str]:
    ms = corpus.model_score(c)
    if not topic.phrases and ms is None:
        return 0, "no topic phrases or examples configured"
    if ms is None and not doc.title_hits and not doc.abstract_hits and not doc.skipped:
        # Without a model only the phrases can say a paper is on topic; the subject only refines.
        return 0, "no topic phrase in title or abstract"
    subj = subject(_text(c, "title"), _text(c, "abstract"), _primary(c))
    raw = _phrase_value(doc, topic, corpus) + subj.points
    if ms is not None:
        raw += _MODEL_GAIN * ms.margin
    mid = _MID if ms is not None else _MID_WITHOUT_MODEL
    value = _clamp10(10.0 / (1.0 + math.exp(-(raw - mid) / _SPREAD)))
    if not doc.title_hits and not doc.abstract_hits and doc.skipped:
        # Every mention was another sense of the words (heat diffusion, diffusion MRI).
        value = min(value, _OTHER_SENSE_CAP)
    parts = [p for p in (_model_part(ms, corpus), _phrase_part(doc, topic), describe(subj)) if p]
    return value, f"{'; '.join(parts) or 'no topic phrase in title or abstract'} — {_verdict(value)}"


def _primary(c: dict) -> str | None:
    cats = c.get("categories")
    return cats[0] if isinstance(cats, list) and cats and isinstance(cats[0], str) else None


def _model_part(ms: ModelScore | None, corpus: Corpus) -> str:
    if ms is None:
        return ""
    model = corpus.model
    bits = []
    if ms.close_to:
        bits.append("close to " + " and ".join(ms.close_to))
    if ms.terms:
        bits.append("terms: " + ", ".join(ms.terms))
    if model is not None and model.kind == "learned":
        picks = model.n_positives - model.n_examples
        examples = f", {model.n_examples:,} examples" if model.n_examples else ""
        head = f"learned from {picks:,} picks{examples} and {model.n_negatives:,} left out"
        return f"{head}: {'; '.join(bits)}" if bits else f"{head}: nothing like the picks"
    return "; ".join(bits) if bits else "far from the topic's examples"


def _phrase_part(doc: _Doc, topic: _Topic) -> str:
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
    return "; ".join(parts)


def _verdict(value: int) -> str:
    if value >= 9:
        return "squarely on topic"
    if value >= 7:
        return "on topic"
    if value >= 4:
        return "partly on topic"
    if value >= 1:
        return "a passing mention or a tool for another field"
    return "off topic"


def _by_weight(hits: dict[str, int], topic: _Topic) -> list[tuple[str, int]]:
    return sorted(hits.items(), key=lambda kv: (-topic.weights.get(kv[0], 0.0), -kv[1], kv[0]))
