"""Ranking: weighted sum, editor over automatic per signal, pins and excludes last, stable ties."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.editorial.candidates import Candidates
from digest.editorial.model import Entry
from digest.rank import rank_entries

EQUAL = {"novelty": 1.0, "relevance": 1.0, "venue": 1.0, "evidence": 1.0}
SIGNALS = ("novelty", "relevance", "venue", "evidence")


def entry(i, scores=None, **kw):
    return Entry(index=i, arxiv=kw.pop("arxiv", f"2606.{i:05d}"), scores=scores or {}, **kw)


def cands(**by_id) -> Candidates:
    return Candidates(path=None, data={}, by_id={k: {"id": k, "scores": v} for k, v in by_id.items()})


def test_total_is_the_weighted_sum():
    rows = rank_entries([entry(1, {"novelty": 2, "relevance": 4, "venue": 6, "evidence": 8})], None,
                        {"novelty": 1, "relevance": 0.5, "venue": 2, "evidence": 0})
    assert rows[0].total == 2 + 2 + 12 + 0


def test_editor_scores_override_automatic_ones_signal_by_signal():
    auto = cands(**{"2606.00001": {"novelty": {"value": 3, "reason": "a replacement"}, "venue": {"value": 9, "reason": "CVPR"}}})
    (row,) = rank_entries([entry(1, {"novelty": 8})], auto, EQUAL)
    assert (row.signals["novelty"].value, row.signals["novelty"].source) == (8, "editor")
    assert (row.signals["venue"].value, row.signals["venue"].source, row.signals["venue"].reason) == (9, "auto", "CVPR")
    assert row.signals["evidence"].source == "none" and row.missing == ["relevance", "evidence"]
    assert row.total == 17


def test_a_paper_without_any_score_is_still_ranked_last():
    rows = rank_entries([entry(1), entry(2, {"novelty": 1})], None, EQUAL)
    assert [r.entry.index for r in rows] == [2, 1]
    assert rows[1].total == 0 and rows[1].missing == list(SIGNALS)


def test_excluded_papers_never_appear():
    rows = rank_entries([entry(1, {"novelty": 10}, exclude=True), entry(2)], None, EQUAL)
    assert [r.entry.index for r in rows] == [2]


def test_pins_apply_after_scores():
    entries = [entry(i, {"novelty": 10 - i}) for i in range(5)]
    entries[4].pin = 1   # the weakest forced to the top
    entries[0].pin = 3   # the strongest forced to third
    rows = rank_entries(entries, None, EQUAL)
    assert [r.entry.index for r in rows] == [4, 1, 0, 2, 3]
    assert [r.rank for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].pinned and not rows[1].pinned


def test_pin_past_the_end_means_last():
    rows = rank_entries([entry(1, {"novelty": 9}, pin=40), entry(2, {"novelty": 1})], None, EQUAL)
    assert [r.entry.index for r in rows] == [2, 1]


def test_ties_break_on_relevance_then_novelty_then_id():
    a = entry(1, {"novelty": 9, "relevance": 5})
    b = entry(2, {"novelty": 5, "relevance": 9})
    c = entry(3, {"novelty": 5, "relevance": 9})
    rows = rank_entries([a, c, b], None, EQUAL)
    assert [r.entry.index for r in rows] == [2, 3, 1]


def test_the_tie_order_is_an_order_of_the_one_list_of_signal_names():
    from digest.editorial.schemas import SIGNALS as DEFINED
    from digest.rank import _TIE_ORDER

    assert DEFINED == SIGNALS and sorted(_TIE_ORDER) == sorted(DEFINED)


score = st.integers(0, 10)
scores = st.dictionaries(st.sampled_from(SIGNALS), score, max_size=4)
weights = st.fixed_dictionaries({s: st.sampled_from([0, 0.5, 1, 2, 3]) for s in SIGNALS})


@st.composite
def issues(draw):
    n = draw(st.integers(0, 12))
    out = []
    for i in range(n):
        e = entry(i, draw(scores))
        kind = draw(st.sampled_from(["plain"] * 6 + ["pin", "exclude"]))
        if kind == "pin":
            e.pin = draw(st.integers(1, 14))
        elif kind == "exclude":
            e.exclude = True
        out.append(e)
    # pins are unique in a valid editor file
    seen = set()
    for e in out:
        if e.pin in seen:
            e.pin = None
        seen.add(e.pin)
    return out


@settings(max_examples=300, deadline=None)
@given(issues(), weights, st.randoms(use_true_random=False))
def test_ranking_properties(entries, w, rnd):
    rows = rank_entries(entries, None, w)
    kept = [e for e in entries if not e.exclude]
    # every non-excluded paper exactly once, excluded never
    assert sorted(r.entry.index for r in rows) == sorted(e.index for e in kept)
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    # the order does not depend on how the editor listed the papers
    shuffled = list(entries)
    rnd.shuffle(shuffled)
    assert [r.entry.index for r in rank_entries(shuffled, None, w)] == [r.entry.index for r in rows]
    # unpinned papers appear in non-increasing total order
    free = [r.total for r in rows if not r.pinned]
    assert free == sorted(free, reverse=True)
    # a pin within range lands exactly on its position; pins past the end fill the last places
    for r in rows:
        if r.pinned and r.entry.pin <= len(rows):
            assert r.rank == r.entry.pin
    beyond = [r for r in rows if r.pinned and r.entry.pin > len(rows)]
    last_free = max((r.rank for r in rows if not r.pinned), default=0)
    assert all(r.rank > last_free for r in beyond)
    # totals are the weighted sums
    for r in rows:
        assert r.total == round(sum(w[s] * r.entry.scores.get(s, 0) for s in SIGNALS), 6)


@settings(max_examples=100, deadline=None)
@given(issues(), st.integers(0, 10))
def test_raising_one_editor_score_never_lowers_a_paper(entries, bump):
    plain = [e for e in entries if not e.exclude and e.pin is None]
    if not plain:
        return
    target = plain[0]
    before = {r.entry.index: r.rank for r in rank_entries(entries, None, EQUAL)}[target.index]
    target.scores = {**target.scores, "novelty": max(target.scores.get("novelty", 0), bump)}
    after = {r.entry.index: r.rank for r in rank_entries(entries, None, EQUAL)}[target.index]
    assert after <= before
