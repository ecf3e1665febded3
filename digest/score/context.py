"""What scoring needs besides a candidate (ScoringContext, HistoryItem) and the helpers all signals share."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from .learned import RelevanceModel


@dataclass(frozen=True)
class HistoryItem:
    """A paper featured in an earlier issue, as far as scoring needs to know it."""

    id: str            # versionless arXiv id
    issue_date: date
    url: str           # site-relative URL of that issue, e.g. "2026/06/30/"
    text: str          # title + abstract (or the editor's short/tagline when no abstract)
    venue: str | None = None
    code: bool = False


@dataclass(frozen=True)
class ScoringContext:
    """What scoring needs besides the candidate: topic phrases, venue tiers, labs, recent picks, the relevance model."""

    phrases: dict[str, float]
    venue_tiers: dict[str, int] = field(default_factory=dict)
    labs: tuple[str, ...] = ()
    history: tuple[HistoryItem, ...] = ()
    model: RelevanceModel | None = None

    @classmethod
    def from_config(cls, config: object, history: Iterable[HistoryItem] = (),
                    model: RelevanceModel | None = None) -> ScoringContext:
        """A context from a digest Config; `venue_tiers` and `labs` are optional attributes there."""
        return cls(
            phrases=dict(getattr(config, "phrases", None) or {}),
            venue_tiers=dict(getattr(config, "venue_tiers", None) or {}),
            labs=tuple(getattr(config, "labs", None) or ()),
            history=tuple(history),
            model=model,
        )


# --- small helpers ---------------------------------------------------------------------------


def _half_up(x: float) -> int:
    # round() rounds half to even (8.5 -> 8, 9.5 -> 10), which would make the scale uneven.
    return int(math.floor(x + 0.5))


def _clamp10(x: float) -> int:
    return max(0, min(10, _half_up(x)))


def _text(c: dict, key: str) -> str:
    value = c.get(key)
    return value if isinstance(value, str) else ""


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


def _links(c: dict, kind: str) -> list[str]:
    links = c.get("links")
    return _strings(links.get(kind)) if isinstance(links, dict) else []


def _version(c: dict) -> int:
    v = c.get("version")
    if isinstance(v, bool):
        return 1
    if isinstance(v, int):
        return max(v, 1)
    if isinstance(v, str) and v.strip().isascii() and v.strip().isdigit():
        return max(int(v.strip()), 1)
    return 1


def _is_replacement(c: dict) -> bool:
    kind = _text(c, "announce_type").strip().lower()
    if kind.startswith("replace"):
        return True
    if kind in ("new", "cross"):
        return False
    # Backfills from the API have no announce type; the version number is all there is.
    return _version(c) > 1


_JOIN = r"[\s\-‐‑‒–—]+"


def _word_lists(**lists: str) -> re.Pattern[str]:
    """One case-insensitive pattern over whitespace-separated word lists (regex entries), a named group
    a list, so one pass over a text finds the words of every list.

    "\\w*" stems ("robot\\w*" ~ robot, robotic, robotics); a hyphen in an entry also matches a space
    or a dash ("flow-matching" ~ "flow matching", "Flow–Matching").
    """
    body = "|".join(f"(?P<{name}>" + "|".join(w.replace("-", _JOIN) for w in words.split()) + ")"
                    for name, words in lists.items())
    return re.compile(r"(?<![\w-])(?:" + body + r")(?![\w-])", re.IGNORECASE)


def _word_hits(pattern: re.Pattern[str], text: str) -> list[tuple[str, str, int]]:
    """(list name, the word as a reason shows it, where it starts) for each match of a _word_lists pattern."""
    # Folded, so "Flow-Matching" and "flow matching" name one word in a reason.
    return [(m.lastgroup or "", " ".join(m.group(0).lower().replace("-", " ").split()), m.start())
            for m in pattern.finditer(text)]


def _words_of(hits: list[tuple[str, str, int]], *kinds: str, before: int | None = None) -> list[str]:
    """The words of `hits` from the lists `kinds`, only those starting before `before` if given."""
    return [w for kind, w, at in hits if kind in kinds and (before is None or at < before)]


def _distinct(words: Iterable[str]) -> tuple[str, ...]:
    """The words once each, in first-seen order."""
    return tuple(dict.fromkeys(words))
