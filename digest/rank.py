"""Rank an issue's papers: weighted sum of four signals, editor over automatic, then pins and excludes."""
from __future__ import annotations

from .editorial.candidates import Candidates
from .editorial.model import Entry, Issue, Ranked, Signal
from .editorial.schemas import SIGNALS

# When totals tie, the signals that matter most to a reader decide, then the id,
# so the order never depends on how the editor happened to list the papers.
_TIE_ORDER = ("relevance", "novelty", "evidence", "venue")
# An order of SIGNALS, not a second list of names: a signal added there must be placed here too.
assert sorted(_TIE_ORDER) == sorted(SIGNALS), f"_TIE_ORDER {_TIE_ORDER} is not an order of SIGNALS {SIGNALS}"


def signals_for(entry: Entry, candidate: dict | None) -> dict[str, Signal]:
    """Each signal's value and source: the editor's score wins, else the automatic one, else none."""
    auto = (candidate or {}).get("scores") or {}
    out: dict[str, Signal] = {}
    for name in SIGNALS:
        if name in entry.scores:
            out[name] = Signal(float(entry.scores[name]), "editor")
            continue
        found = auto.get(name)
        value = found.get("value") if isinstance(found, dict) else found
        if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10:
            reason = found.get("reason", "") if isinstance(found, dict) else ""
            out[name] = Signal(float(value), "auto", str(reason))
        else:
            out[name] = Signal(None, "none")
    return out


def weighted_total(signals: dict[str, Signal], weights: dict[str, float]) -> float:
    """Sum of weight x value over the signals that have a value (a missing one counts as 0)."""
    return round(sum(weights.get(s, 0.0) * (signals[s].value or 0.0) for s in SIGNALS), 6)


def _sort_key(row: Ranked) -> tuple:
    ties = tuple(-(row.signals[s].value or 0.0) for s in _TIE_ORDER)
    return (-row.total, *ties, row.entry.key)


def rank_entries(entries: list[Entry], candidates: Candidates | None, weights: dict[str, float]) -> list[Ranked]:
    """The ranked, non-excluded papers, positions 1..n, pins applied after the score order."""
    rows = []
    for entry in entries:
        if entry.exclude:
            continue
        cand = candidates.by_id.get(entry.arxiv) if candidates and entry.arxiv else None
        sig = signals_for(entry, cand)
        rows.append(Ranked(entry=entry, candidate=cand, signals=sig, total=weighted_total(sig, weights)))
    free = sorted((r for r in rows if r.entry.pin is None), key=_sort_key)
    pinned = sorted((r for r in rows if r.entry.pin is not None), key=lambda r: (r.entry.pin, _sort_key(r)))
    n = len(rows)
    slots: list[Ranked | None] = [None] * n
    beyond = []
    for row in pinned:
        row.pinned = True
        # Editor files allow one paper per pin; a clash (only possible through the library) goes beyond.
        if row.entry.pin <= n and slots[row.entry.pin - 1] is None:
            slots[row.entry.pin - 1] = row
        else:
            beyond.append(row)
    # Pins past the end mean "last", in pin order, taking the last open positions.
    open_slots = [i for i, s in enumerate(slots) if s is None]
    for i, row in zip(open_slots[len(open_slots) - len(beyond):], beyond):
        slots[i] = row
    rest = iter(free)
    order = [s if s is not None else next(rest) for s in slots]
    for i, row in enumerate(order, start=1):
        row.rank = i
    return order


def rank_issue(issue: Issue, candidates: Candidates | None, weights: dict[str, float]) -> list[Ranked]:
    """Rank an editor file's papers."""
    return rank_entries(issue.entries, candidates, weights)
