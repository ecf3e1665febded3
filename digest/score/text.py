"""Text analysis: topic phrase hits with their sense guards, similarity terms, and the window's Corpus."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from operator import mul

from ..arxiv_id import bare_id
from .context import HistoryItem, ScoringContext, _text
from .evidence import _Facts, _facts
from .learned import ModelScore, paper_text

# --- topic phrases ---------------------------------------------------------------------------

_JOIN = r"[\s\-‐‑‒–—]+"


@dataclass(frozen=True)
class _Topic:
    """The configured phrases that count (weight > 0), sorted, with weights relative to the top one."""

    phrases: tuple[str, ...]
    weights: dict[str, float]
    source: tuple[tuple[str, float], ...]


def _topic(phrases: dict[str, float]) -> _Topic:
    # Weights <= 0 are ignored rather than subtracted, so a phrase can only ever add relevance.
    clean: dict[str, float] = {}
    for k, v in (phrases or {}).items():
        if isinstance(k, str) and k.strip() and isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < math.inf:
            key = " ".join(k.strip().lower().split())
            clean[key] = max(clean.get(key, 0.0), float(v))
    source = tuple(sorted(clean.items()))
    top = max(clean.values(), default=0.0)
    return _Topic(tuple(k for k, _ in source), {k: v / top for k, v in source}, source)


def _last_word_pattern(word: str) -> str:
    """A simple plural either way: "model" ~ "models", "models" ~ "model", "process" ~ "processes"."""
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return re.escape(word) + "(?:s|es)?"


@lru_cache(maxsize=256)
def _phrase_re(phrase: str) -> re.Pattern[str]:
    words = [w for w in re.split(_JOIN, phrase) if w]
    if not words:
        return re.compile(r"(?!x)x")
    body = _JOIN.join([re.escape(w) for w in words[:-1]] + [_last_word_pattern(words[-1])])
    # No leading look-behind: it would stop the regex engine from skipping ahead to the literal;
    # the word boundary before a match is checked by hand instead.
    return re.compile(rf"{body}(?!\w)")


# The non-generative senses of the topic's words, told apart by the word right before or after.
# Keyed by a phrase's first word (BEFORE) and by its last word or whole phrase, hyphens as spaces (AFTER).
_BEFORE_GUARDS: dict[str, str] = {
    "diffusion": (
        r"heat|thermal|reaction|advection|convection|transport|drift|anomalous|information|innovations?"
        r"|knowledge|opinion|rumou?r|social|spin|photon|ionic|ion|hypoelliptic|anisotropic|isotropic"
        r"|lateral|quantum\s+state|technology|gas|water|cultural"
    ),
}
_AFTER_GUARDS: dict[str, str] = {
    "diffusion": (
        r"mri|tensors?|weighted|imaging|coefficients?|constants?|equations?|wavelets?|maps|kernels?"
        r"|distances?|tractography|dti|length|limited|barriers?|rates?"
        r"|of\s+(?:innovations?|information|knowledge|technolog\w*|ideas|news|rumou?rs?|opinions?)"
    ),
    "score based": r"causal|structure\s+learning|discovery|bayesian|dag|ranking|voting",
}


@lru_cache(maxsize=256)
def _guards(phrase: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    words = [w for w in re.split(_JOIN, phrase) if w]
    if not words:
        return None, None
    before = _BEFORE_GUARDS.get(words[0])
    after = _AFTER_GUARDS.get(" ".join(words), _AFTER_GUARDS.get(words[-1]))
    return (
        re.compile(rf"(?<![a-z])(?:{before}){_JOIN}$") if before else None,
        re.compile(rf"{_JOIN}(?:{after})(?!\w)") if after else None,
    )


def _phrase_hits(phrase: str, low: str) -> tuple[int, list[str]]:
    """(occurrences in the generative sense, the contexts skipped as another sense) in lowercased text."""
    good = 0
    skipped: list[str] = []
    if not low:
        return good, skipped
    before_re, after_re = _guards(phrase)
    for m in _phrase_re(phrase).finditer(low):
        s = m.start()
        if s and (low[s - 1].isalnum() or low[s - 1] == "_"):
            continue
        if before_re is not None:
            window = low[max(0, s - 30):s]
            b = before_re.search(window)
            if b:
                skipped.append(" ".join((window[b.start():] + m.group(0)).replace("-", " ").split()))
                continue
        if after_re is not None:
            a = after_re.match(low, m.end())
            if a:
                skipped.append(" ".join(low[s:a.end()].replace("-", " ").split()))
                continue
        good += 1
    return good, skipped


# --- terms for similarity --------------------------------------------------------------------

# Self-declared claims are stripped before similarity, so writing them can never make a paper
# look further from earlier picks (and so can never raise its novelty).
_HYPE_WORDS = frozenset(
    "novel first sota unprecedented groundbreaking pioneering breakthrough revolutionary remarkable "
    "innovative superior unparalleled unmatched best state-of-the-art first-ever cutting-edge".split()
)
_TERM_STRIP = ".,;:!?()[]{}<>\"'`“”‘’$*|-–—=+~#%&^_\\"
_STOP = frozenset(
    """a an the and or of in on for to with by from as at into via over under than then this that these
    those is are was were be been being it its we our us they their them which who whose what when where
    while can could may might will would should shall do does did done has have had not no nor but also
    such both each more most less other some any all many much very however thus hence therefore
    furthermore moreover additionally further here there so only well just about across within without
    between among through during after before up down out per one two three paper work propose proposed
    present introduce approach method methods based using use used show shows shown demonstrate
    demonstrates results result achieve achieves achieving performance existing new model models task tasks
    extensive experiments experiment effective effectively significant significantly""".split()
    # The words of "state of the art" and "first ever" go too: with them gone, those claims add
    # nothing whichever way they are written or interrupted.
    + ["state", "art", "ever"]
)


@lru_cache(maxsize=1 << 17)
def _term(token: str) -> str:
    """The similarity term for a token ("" to skip it): case and punctuation folded, numbers, stop
    and hype words out, a light plural stem. Cached, so each spelling is worked out once."""
    word = token.strip(_TERM_STRIP).lower()
    if len(word) < 2 or not word[0].isalpha() or word in _STOP or word in _HYPE_WORDS:
        return ""
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term_counts(words: Iterable[str]) -> dict[str, int]:
    counts = Counter(map(_term, words))
    counts.pop("", None)
    if counts and max(counts.values()) > _TF_CAP:
        return {t: min(n, _TF_CAP) for t, n in counts.items()}
    return counts


@dataclass(frozen=True)
class _Doc:
    """One paper's text, analysed once: phrase hits per field, abstract length, similarity terms."""

    title_hits: dict[str, int]
    abstract_hits: dict[str, int]
    skipped: tuple[str, ...]
    length: int
    terms: dict[str, int]
    facts: _Facts


def _analyse(title: str, abstract: str, topic: _Topic, with_terms: bool = True) -> _Doc:
    lt, la = title.lower(), abstract.lower()
    title_hits: dict[str, int] = {}
    abstract_hits: dict[str, int] = {}
    skipped: list[str] = []
    for p in topic.phrases:
        t, ts = _phrase_hits(p, lt)
        a, as_ = _phrase_hits(p, la)
        if t:
            title_hits[p] = t
        if a:
            abstract_hits[p] = a
        skipped += ts + as_
    # One split serves the length norm, the evidence and the similarity terms.
    tokens = abstract.replace("/", " ").split()
    # Terms only serve the comparison with earlier picks; without picks they are not worth their cost.
    terms = _term_counts(title.replace("/", " ").split() + tokens) if with_terms else {}
    facts = _facts(abstract, la, tokens)
    return _Doc(title_hits, abstract_hits, tuple(skipped), len(tokens), terms, facts)


# --- corpus ----------------------------------------------------------------------------------

# 1 + ln(tf), tabled; counts are capped at 64 (one more repeat changes the weight by under 2%).
_TF_CAP = 64
_TF_WEIGHT = tuple([0.0] + [1.0 + math.log(n) for n in range(1, _TF_CAP + 1)])

# Typical words in an arXiv abstract: the length norm for a window with no abstracts of its own.
_DEFAULT_AVG_LEN = 150.0


class Corpus:
    """Statistics over one window plus the recent picks: lengths, document frequencies, pick vectors."""

    def __init__(self, candidates: Iterable[dict], ctx: ScoringContext):
        self.topic = _topic(ctx.phrases)
        # Identity of the context's tables, so score_candidate can reuse what was built from them.
        self.source_phrases = ctx.phrases
        self.source_history = ctx.history
        # Picks are sorted so that a tie between equally close papers never depends on input order.
        self.history: tuple[HistoryItem, ...] = tuple(
            sorted(ctx.history, key=lambda h: (-h.issue_date.toordinal(), bare_id(h.id), h.url, h.text))
        )
        self._docs: dict[tuple[str, str], _Doc] = {}
        window: list[_Doc] = []
        for c in candidates:
            if isinstance(c, dict):
                window.append(self._remember(_text(c, "title"), _text(c, "abstract")))
        self._history_ids = [bare_id(h.id) for h in self.history]
        self.history_by_id: dict[str, HistoryItem] = {}
        for key, h in zip(self._history_ids, self.history):
            self.history_by_id.setdefault(key, h)
        history_terms = [_term_counts((h.text or "").replace("/", " ").split()) for h in self.history]
        self.size = len(window)
        lengths = [d.length for d in window if d.length]
        self.avg_len = sum(lengths) / len(lengths) if lengths else _DEFAULT_AVG_LEN
        self.phrase_df = {
            p: sum(1 for d in window if p in d.title_hits or p in d.abstract_hits) for p in self.topic.phrases
        }
        self._max_df = max(self.phrase_df.values(), default=0)
        self.n_docs = len(window) + len(history_terms)
        df: Counter[str] = Counter()
        if history_terms:
            # Term frequencies only serve the comparison with earlier picks; without picks, skip them.
            for terms in [d.terms for d in window] + history_terms:
                df.update(terms.keys())
        # Terms in more than half of all papers (the topic's own words, in a window fetched by topic)
        # say nothing about which papers are alike; leaving them out also keeps the index small.
        common = self.n_docs // 2 if self.n_docs >= 10 else self.n_docs
        self._idf = {t: (self._idf_of(n) if n <= common else 0.0) for t, n in df.items()}
        self._idf_unseen = self._idf_of(0)
        # Inverted index over the picks: a candidate only touches the picks sharing a term with it.
        self._index: dict[str, list[tuple[int, float]]] = {}
        for i, terms in enumerate(history_terms):
            for t, w in self._unit_vector(terms).items():
                self._index.setdefault(t, []).append((i, w))
        # The relevance model reads the whole window at once (one matrix product, not one per paper).
        self.model = ctx.model
        self._model_scores: dict[tuple[str, str], ModelScore] = {}
        if ctx.model is not None and ctx.model.kind != "none":
            keys = list(self._docs)
            self._model_scores = dict(zip(keys, ctx.model.score([paper_text(t, a) for t, a in keys])))

    def model_score(self, c: dict) -> ModelScore | None:
        """What the relevance model says of a candidate, or None without a model."""
        if self.model is None or self.model.kind == "none":
            return None
        key = (_text(c, "title"), _text(c, "abstract"))
        found = self._model_scores.get(key)
        return found if found is not None else self.model.score([paper_text(*key)])[0]

    def _remember(self, title: str, abstract: str) -> _Doc:
        key = (title, abstract)
        doc = self._docs.get(key)
        if doc is None:
            doc = self._docs[key] = _analyse(title, abstract, self.topic, bool(self.history))
        return doc

    def doc(self, c: dict, topic: _Topic | None = None) -> _Doc:
        """The analysed text of a candidate (cached for the window's own candidates)."""
        title, abstract = _text(c, "title"), _text(c, "abstract")
        if topic is not None and topic.source != self.topic.source:
            return _analyse(title, abstract, topic, bool(self.history))
        found = self._docs.get((title, abstract))
        return found if found is not None else _analyse(title, abstract, self.topic, bool(self.history))

    def _idf_of(self, df: int) -> float:
        return math.log((self.n_docs + 1) / (df + 1)) + 1.0

    def phrase_factor(self, phrase: str) -> float:
        """IDF where it helps: 1.0 for the window's most common phrase, up to 1.25 for a rarer one.

        Relative to the most common phrase, because a window is fetched by these very phrases:
        plain IDF would drive the topic's main phrase to zero exactly where it matters most.
        """
        if self.size < 5 or self._max_df == 0:
            return 1.0
        return 1.0 + 0.25 * (1.0 - self.phrase_df.get(phrase, 0) / self._max_df)

    def _weights(self, terms: dict[str, int]) -> list[float]:
        """TF-IDF weights in the order of `terms` (map and operator keep the per-term work in C)."""
        idfs = map(self._idf.get, terms, repeat(self._idf_unseen))
        return list(map(mul, map(_TF_WEIGHT.__getitem__, terms.values()), idfs))

    def _unit_vector(self, terms: dict[str, int]) -> dict[str, float]:
        weights = self._weights(terms)
        norm = math.sqrt(math.fsum(map(mul, weights, weights)))
        return {t: w / norm for t, w in zip(terms, weights) if w} if norm else {}

    def closest_pick(self, terms: dict[str, int], exclude_id: str = "") -> tuple[float, HistoryItem | None]:
        """(cosine similarity, pick) for the earlier pick closest to `terms`, ignoring `exclude_id`."""
        others = [i for i, key in enumerate(self._history_ids) if key != exclude_id]
        if not others:
            return 0.0, None
        weights = self._weights(terms)
        norm = math.sqrt(math.fsum(map(mul, weights, weights)))
        sims = [0.0] * len(self.history)
        # Only the terms shared with some pick matter for the dot product; the norm needs them all.
        # The walk follows the candidate's own term order (not a set), so float sums never depend
        # on string hashing.
        for postings, w in zip(map(self._index.get, terms), weights) if norm else ():
            if postings and w:
                w /= norm
                for i, hw in postings:
                    sims[i] += w * hw
        best, best_i = 0.0, others[0]
        for i in others:
            # Strictly greater: among equals the most recent pick (first in sort order) is named.
            if sims[i] > best + 1e-12:
                best, best_i = sims[i], i
        return min(best, 1.0), self.history[best_i]
