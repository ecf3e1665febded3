"""The client-side topic filter: which configured phrases a title and abstract mention, and how often."""
from __future__ import annotations

import re
from collections.abc import Iterable

# Hyphens and dashes a title may use where the phrase has a space (and the other way round).
_JOINERS = r"[\s\-‐‑‒–—]+"


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive, whole-word, hyphen/space-tolerant pattern: "flow matching" ~ "Flow-Matching"."""
    words = [re.escape(w) for w in re.split(r"[\s\-‐‑‒–—]+", phrase.strip()) if w]
    body = _JOINERS.join(words) if words else re.escape(phrase)
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


class TopicFilter:
    """Counts phrase occurrences; a paper matches when any phrase occurs at least once."""

    def __init__(self, phrases: Iterable[str]):
        self.patterns = {p: phrase_pattern(p) for p in phrases}

    def hits(self, *texts: str | None) -> dict[str, int]:
        """Phrase -> occurrences over the texts, only phrases that occur."""
        out: dict[str, int] = {}
        for phrase, pattern in self.patterns.items():
            n = sum(len(pattern.findall(t)) for t in texts if t)
            if n:
                out[phrase] = n
        return out
