"""Automatic pre-scores for candidates: novelty, relevance, venue and evidence, 0-10 each with a reason.

Everything here is a pure function of its inputs (no I/O, no clock, no randomness, no
dependence on dict or set iteration order), so a re-fetch of an unchanged window writes the
same scores, and an editor can trace every number back to the words that produced it.

One module a signal (relevance, novelty, venue, evidence), the shared text analysis and
corpus statistics in `text`, the context and small helpers in `context`, and the entry
points in `combine`.
"""
from __future__ import annotations

from .combine import score_all, score_candidate
from .context import HistoryItem, ScoringContext
from .novelty import propose, seen_before
from .text import Corpus
from .venue import DEFAULT_VENUE_TIERS

__all__ = [
    "DEFAULT_VENUE_TIERS", "Corpus", "HistoryItem", "ScoringContext",
    "propose", "score_all", "score_candidate", "seen_before",
]
