"""Automatic pre-scores for candidates: novelty, relevance, venue and evidence, 0-10 each with a reason.

Everything here is a pure function of its inputs (no I/O, no clock, no randomness, no
dependence on dict or set iteration order), so a re-fetch of an unchanged window writes the
same scores, and an editor can trace every number back to the words that produced it.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import mul

__all__ = [
    "DEFAULT_VENUE_TIERS", "SIGNAL_ORDER", "Corpus", "HistoryItem", "ScoringContext",
    "propose", "score_all", "score_candidate", "seen_before",
]

SIGNAL_ORDER = ("novelty", "relevance", "venue", "evidence")

# --- context ---------------------------------------------------------------------------------


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
    """What scoring needs besides the candidate: topic phrases, venue tiers, labs, recent picks."""

    phrases: dict[str, float]
    venue_tiers: dict[str, int] = field(default_factory=dict)
    labs: tuple[str, ...] = ()
    history: tuple[HistoryItem, ...] = ()

    @classmethod
    def from_config(cls, config: object, history: Iterable[HistoryItem] = ()) -> ScoringContext:
        """A context from a digest Config; `venue_tiers` and `labs` are optional attributes there."""
        return cls(
            phrases=dict(getattr(config, "phrases", None) or {}),
            venue_tiers=dict(getattr(config, "venue_tiers", None) or {}),
            labs=tuple(getattr(config, "labs", None) or ()),
            history=tuple(history),
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


def _bare_id(value: object) -> str:
    """The versionless id: "arXiv:2411.17769v2" -> "2411.17769"."""
    text = value.strip() if isinstance(value, str) else ""
    if text[:6].lower() == "arxiv:":
        text = text[6:]
    i = text.rfind("v")
    if i > 0 and text[i + 1:].isdigit():
        text = text[:i]
    return text


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
            sorted(ctx.history, key=lambda h: (-h.issue_date.toordinal(), _bare_id(h.id), h.url, h.text))
        )
        self._docs: dict[tuple[str, str], _Doc] = {}
        window: list[_Doc] = []
        for c in candidates:
            if isinstance(c, dict):
                window.append(self._remember(_text(c, "title"), _text(c, "abstract")))
        self._history_ids = [_bare_id(h.id) for h in self.history]
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


# --- relevance -------------------------------------------------------------------------------

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


# --- venue -----------------------------------------------------------------------------------

# Tier 1 = top, 2 = high, 3 = medium; an accepted venue outside the table counts as "other".
DEFAULT_VENUE_TIERS: dict[str, int] = {
    **dict.fromkeys(("CVPR", "ICCV", "ECCV", "NeurIPS", "ICML", "ICLR"), 1),
    **dict.fromkeys(
        ("AAAI", "IJCAI", "ACL", "EMNLP", "NAACL", "SIGGRAPH", "SIGGRAPH Asia", "TPAMI", "IJCV", "TOG",
         "JMLR", "TMLR", "COLM", "AISTATS", "UAI", "COLT", "KDD", "CoRL"),
        2,
    ),
    **dict.fromkeys(
        ("WACV", "BMVC", "3DV", "ICASSP", "ACCV", "Interspeech", "EACL", "COLING", "ACM MM", "MICCAI",
         "ICRA", "IROS", "WWW", "SIGIR", "TIP", "TVCG"),
        3,
    ),
}
_VENUE_ALIASES = {"nips": "neurips", "t-pami": "tpami", "pami": "tpami", "sigkdd": "kdd", "acm multimedia": "acm mm"}
_MAIN_POINTS = {1: 8, 2: 7, 3: 6}
_OTHER_MAIN_POINTS = 5
_WORKSHOP_POINTS = {1: 5, 2: 5, 3: 4}
_OTHER_WORKSHOP_POINTS = 4
_REVIEW_POINTS = 4
_NO_VENUE_POINTS = 3
_LAB_CAP = 2
_TIER_WORDS = {1: "top tier", 2: "high tier", 3: "mid tier"}
_REVIEW_RE = re.compile(r"(?i)\b(?:under\s+review|in\s+review|under\s+submission|submitted|submission)\b")
_WORKSHOP_RE = re.compile(r"(?i)\bworkshops?\b")
_FINDINGS_RE = re.compile(r"(?i)\bfindings\b")
_ORAL_RE = re.compile(r"(?i)\b(?:oral|spotlight|highlight|best\s+paper|award)\b")
_UNDER_REVIEW_PREFIX_RE = re.compile(r"(?i)^under\s+review\s*:\s*")
_NOT_A_VENUE_RE = re.compile(r"(?i)^\s*(?:arxiv|preprint|n/?a|none|tbd|-+)\s*$")


@lru_cache(maxsize=64)
def _venue_matcher(table: tuple[tuple[str, int], ...]) -> tuple[re.Pattern[str], dict[str, int]]:
    tiers = {" ".join(name.lower().split()): tier for name, tier in table}
    forms = sorted({*tiers, *_VENUE_ALIASES}, key=lambda s: (-len(s), s))
    body = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{body})(?![A-Za-z])", re.IGNORECASE), tiers


def _tier_table(venue_tiers: dict[str, int]) -> tuple[tuple[str, int], ...]:
    table = {k.lower(): (k, v) for k, v in DEFAULT_VENUE_TIERS.items()}
    # The config table overrides entry by entry, so one line can promote or demote one venue.
    for name, tier in (venue_tiers or {}).items():
        if isinstance(name, str) and name.strip() and isinstance(tier, int) and not isinstance(tier, bool):
            table[" ".join(name.lower().split())] = (name.strip(), tier)
    return tuple(sorted(table.values(), key=lambda kv: kv[0].lower()))


@dataclass(frozen=True)
class _Venue:
    text: str
    status: str          # main | findings | workshop | review
    tier: int | None     # 1..3 in the table, None otherwise
    oral: bool


def _venue_text(c: dict) -> str | None:
    venue = " ".join(_text(c, "venue").split())
    if venue:
        return None if _NOT_A_VENUE_RE.match(venue) else venue
    comment, ref = _text(c, "comment"), _text(c, "journal_ref")
    if not (comment.strip() or ref.strip()):
        return None
    # The fetcher's detector already knows that "an extension of our CVPR paper" is no venue.
    from .fetch.detect import detect_venue

    return detect_venue(comment or None, ref or None)


def _classify(venue: str, venue_tiers: dict[str, int]) -> _Venue:
    pattern, tiers = _venue_matcher(_tier_table(venue_tiers))
    tier = None
    for m in pattern.finditer(venue):
        key = " ".join(m.group(0).lower().split())
        t = tiers.get(_VENUE_ALIASES.get(key, key))
        if t in _MAIN_POINTS and (tier is None or t < tier):
            tier = t
    if venue.lower().startswith("under review") or _REVIEW_RE.search(venue):
        status = "review"
    elif _WORKSHOP_RE.search(venue):
        status = "workshop"
    elif _FINDINGS_RE.search(venue):
        status = "findings"
    else:
        status = "main"
    return _Venue(venue, status, tier, bool(_ORAL_RE.search(venue)))


_STATUS_RANK = {"review": 1, "workshop": 2, "findings": 3, "main": 3}


@lru_cache(maxsize=64)
def _lab_re(lab: str) -> re.Pattern[str]:
    body = r"\s+".join(re.escape(w) for w in lab.split())
    return re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)


def _labs_found(c: dict, labs: tuple[str, ...]) -> list[str]:
    if not labs:
        return []
    hay = "\n".join(_strings(c.get("affiliations")) + _strings(c.get("authors")))
    if not hay:
        return []
    names = sorted({" ".join(lab.split()) for lab in labs if isinstance(lab, str) and lab.strip()}, key=lambda s: (s.lower(), s))
    return [lab for lab in names if _lab_re(lab).search(hay)]


def _venue(c: dict, ctx: ScoringContext) -> tuple[int, str]:
    text = _venue_text(c)
    labs = _labs_found(c, ctx.labs)
    bonus = min(len(labs), _LAB_CAP)
    lab_note = f"lab signal: {', '.join(labs[:3])} (+{bonus})" if labs else ""
    if text is None:
        if not labs:
            return _NO_VENUE_POINTS, "no venue or lab signal found"
        return _clamp10(_NO_VENUE_POINTS + bonus), f"no venue; {lab_note}"
    v = _classify(text, ctx.venue_tiers)
    if v.status == "review":
        value = _REVIEW_POINTS
        what = f"only under review: {_UNDER_REVIEW_PREFIX_RE.sub('', text) or text} (not yet accepted)"
    elif v.status == "workshop":
        value = _WORKSHOP_POINTS.get(v.tier, _OTHER_WORKSHOP_POINTS) + (1 if v.oral else 0)
        host = _TIER_WORDS.get(v.tier, "unranked")
        what = f"workshop paper: {text} — {host} host, a workshop counts below a main track"
        if v.oral:
            what += ", +1 for oral/spotlight"
    else:
        # A Findings track sits one tier below its conference's main track.
        tier = v.tier if v.status == "main" or v.tier is None else min(v.tier + 1, 3)
        value = _MAIN_POINTS.get(tier, _OTHER_MAIN_POINTS) + (1 if v.oral else 0)
        if tier is None:
            bits = ["not in the tier table"]
        else:
            bits = ["Findings track" if v.status == "findings" else "main track", _TIER_WORDS[tier]]
        if v.oral:
            bits.append("+1 for oral/spotlight")
        what = f"accepted: {text} — {', '.join(bits)}"
    value = _clamp10(value + bonus)
    return value, f"{what}; {lab_note}" if lab_note else what


# --- evidence --------------------------------------------------------------------------------

_METRIC_ACRONYMS = frozenset(
    "FID FVD KID PSNR SSIM MS-SSIM LPIPS HPS HPSv2 HPSv3 BLEU ROUGE ROUGE-L METEOR CIDEr BERTScore CLIPScore "
    "CLIP-S CLIP-I CLIP-T PickScore ImageReward mAP mIoU IoU AUROC AUC F1 WER CER NFE NFEs FLOPs TPS MAE RMSE "
    "MSE EPE NDCG MOS PESQ SI-SDR NIQE MUSIQ MANIQA CLIPIQA DISTS FPS".split()
)
_METRIC_WORDS = frozenset("accuracy perplexity throughput latency recall precision".split())
_METRIC_PAIRS = frozenset(
    {("clip", "score"), ("inception", "score"), ("aesthetic", "score"), ("success", "rate"), ("win", "rate"),
     ("chamfer", "distance"), ("dice", "score"), ("fréchet", "inception")}
)
_METRIC_SPANS = tuple(sorted({f"{a} {b}" for a, b in _METRIC_PAIRS} | {"top-1", "f-score"}))
_BENCHMARKS = frozenset(
    "ImageNet MS-COCO MSCOCO COCO LAION GenEval VBench T2I-CompBench DrawBench PartiPrompts HPDv2 CIFAR-10 "
    "CIFAR-100 CelebA-HQ CelebA FFHQ LSUN AFHQ MNIST ShapeNet Objaverse CO3D KITTI nuScenes Waymo ScanNet "
    "Replica DTU LLFF DAVIS UCF-101 UCF101 Kinetics WebVid MSR-VTT HumanML3D KIT-ML AMASS Human3.6M 3DPW "
    "DIV2K DRealSR RealSR Urban100 ADE20K Cityscapes LVIS Flickr30k MMLU GSM8K HumanEval SuperGLUE GLUE "
    "SQuAD WikiText LibriSpeech AudioCaps MIMIC-CXR MIMIC BraTS VQAv2 TextVQA MMBench DreamBench EvalCrafter "
    "COCO-Stuff OpenWebText LM1B DiffusionDB ChestX-ray14 T2V-CompBench".split()
)
_BENCHMARK_PAIRS = {("Mip-NeRF", "360"): "Mip-NeRF 360", ("Pascal", "VOC"): "Pascal VOC", ("PASCAL", "VOC"): "Pascal VOC"}
# Spellings of one benchmark, so "MS-COCO" and "COCO" in one abstract count once.
_SAME_BENCHMARK = {"MS-COCO": "COCO", "MSCOCO": "COCO", "UCF101": "UCF-101"}
_PUNCT = ".,;:!?()[]{}<>\"'`“”‘’$*|"
# A cheap scan for digit runs; each hit is then read properly with _NUMBER_RE.
_DIGITS_RE = re.compile(r"[0-9][0-9,.]*")
_NUMBER_RE = re.compile(r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?")
_UNIT_RE = re.compile(
    r"(?P<times>(?:\s*\$?\s*(?:×|\\times)\s*\$?|\s*[xX](?![\w-]))(?!\s*\$?\s*\d))"
    r"|(?P<fold>\s*-?\s*(?:fold|times)\b)"
    r"|(?P<pct>\s*(?:\\?%|percent\b|percentage\s+points?\b|pp\b))"
    r"|(?P<db>\s*dB\b)"
    r"|(?P<time>\s*(?:FPS|fps|ms|milliseconds?|seconds?)\b)"
    r"|(?P<metric>\s*(?:dB\s+)?(?P<name>[A-Za-z][\w\-]*))"
)
_FROM_RE = re.compile(r"(?i)\bfrom\s+$")
_TO_RE = re.compile(r"\s*(?:\\?%)?\s*to\s+(\d+(?:,\d{3})*(?:\.\d+)?)")
# Words allowed between a metric's name and its number: "FID of 2.1", "accuracy reaches 81%".
_CONNECTORS = frozenset("of = : to by at is reaching reaches reached only just ~ around about".split())
_NUMBER_WORDS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "several": 2, "multiple": 2, "various": 2,
    "diverse": 2, "numerous": 3, "dozens": 12,
}
_EVALUATED_NOUNS = frozenset(
    "dataset datasets benchmark benchmarks model models task tasks domain domains baseline baselines "
    "architecture architectures backbone backbones language languages environment environments".split()
)
_COUNTS = {**_NUMBER_WORDS, **{str(n): n for n in range(2, 51)}}
_COUNT_WORDS = frozenset(_COUNTS)
_COUNT_LEAD_WORDS = frozenset("on across over using with in for".split())
_EXPERIMENT_WORDS = frozenset(
    "experiment experiments experimental evaluation evaluations evaluated ablation ablations outperform "
    "outperforms outperforming benchmark benchmarks".split()
)
_THEORY_WORDS = frozenset("theorem theorems proof proofs prove proves proven provably provable guarantee guarantees".split())
_RELEASE_WORDS = frozenset("available release released open-source open-sourced".split())
_THEORY_PAIR_RE = re.compile(
    r"\b(?:(?:upper|lower|error|regret|generalization)\s+bounds?|sample\s+complexity"
    r"|convergence\s+(?:rate|analysis|guarantee)s?)\b"
)
_CODE_PROMISE_RE = re.compile(
    r"(?:code|implementation)s?\b[^.]{0,40}?\b(?:will\s+be|is|are)\s+(?:publicly\s+|made\s+|now\s+)?"
    r"(?:available|released|open[\s-]?sourced)"
)
# Whitespace-split tokens keep their punctuation ("ImageNet.", "(FID)"); rather than strip every
# token in Python, the lookup tables hold every punctuated spelling, so one C-level set
# intersection finds them all.
_PREFIXES = ("", "(", "[", '"', "“", "'")
_SUFFIXES = ("", ",", ".", ";", ":", ")", "),", ").", ");", "):", "]", "],", "].", '"', "”", "'", "!", "?")


def _spellings(*groups: tuple[str, Iterable[str], bool]) -> dict[str, tuple[tuple[str, str], ...]]:
    """Every punctuated spelling of every word -> the (kind, word) pairs it stands for.

    Names keep their case ("mAP" is a metric, "map" a word; "GLUE" a benchmark, "glue" not);
    plain words also match Capitalised and UPPER case.
    """
    table: dict[str, tuple[tuple[str, str], ...]] = {}
    for kind, words, exact in groups:
        for word in sorted(words):
            found = (kind, _SAME_BENCHMARK.get(word, word))
            for cased in sorted({word} if exact else {word, word.capitalize(), word.upper()}):
                for p in _PREFIXES:
                    for s in _SUFFIXES:
                        key = f"{p}{cased}{s}"
                        table[key] = table.get(key, ()) + (found,)
    return table


@lru_cache(maxsize=1)
def _name_table() -> tuple[dict[str, tuple[tuple[str, str], ...]], frozenset[str]]:
    """The spelling table and its keys, built on first use (it takes a while; importing should not)."""
    # A word may count twice: "benchmarks" shows experiments and is what a count ("on 3 ...") counts.
    table = _spellings(
        ("metric", _METRIC_ACRONYMS, True), ("benchmark", _BENCHMARKS, True),
        ("metric", _METRIC_WORDS, False), ("experiment", _EXPERIMENT_WORDS, False),
        ("theory", _THEORY_WORDS, False), ("release", _RELEASE_WORDS, False), ("noun", _EVALUATED_NOUNS, False),
    )
    return table, frozenset(table)

# Saturation scale of the evidence points: 4.5 points -> 6, 9 -> 9, 13.5 -> 10.
_EVIDENCE_SCALE = 4.5
_THEORY_FLOOR = 4


def _quantitative(text: str) -> list[str]:
    """Numeric claims in reading order, as short labels: "4.5×", "78.4%", "12.1→8.3", "FID 2.1"."""
    out: list[str] = []
    last_end = -1
    for d in _DIGITS_RE.finditer(text):
        m = _NUMBER_RE.match(text, d.start())
        s, e, num = m.start(), m.end(), m.group(0)
        if s < last_end:
            continue
        prev = text[s - 1] if s else " "
        # Part of a name ("CIFAR-10", "GPT-4", "Human3.6M"), not a measurement.
        if prev.isalnum() or prev in "_." or (prev == "-" and s > 1 and text[s - 2].isalnum()):
            continue
        if _FROM_RE.search(text, max(0, s - 10), s):
            to = _TO_RE.match(text, e)
            if to:
                out.append(f"{num}→{to.group(1)}")
                last_end = to.end()
                continue
        u = _UNIT_RE.match(text, e)
        label = None
        if u is not None:
            kind = u.lastgroup if u.lastgroup != "name" else "metric"
            if kind in ("times", "fold"):
                label = f"{num}×"
            elif kind == "pct":
                label = f"{num}%"
            elif kind == "db":
                label = f"{num} dB"
            elif kind == "time":
                label = f"{num} {u.group('time').strip()}"
            elif u.group("name") in _METRIC_ACRONYMS:
                label = f"{num} {u.group('name')}"
        if label is None:
            name = _metric_before(text[max(0, s - 40):s])
            if name:
                label = f"{name} {num}"
        if label is not None:
            out.append(label)
            last_end = u.end() if u is not None and label.startswith(num) else e
    return out


def _metric_before(window: str) -> str | None:
    """The metric named just before a number ("... an FID of" -> "FID"), if any."""
    if "=" in window or ":" in window:
        window = window.replace("=", " = ").replace(":", " : ")
    # Only the last few words can name the metric: "an FID score of only 2.1".
    toks = [t for t in (t.strip(",;()[]\"'$") for t in window.rsplit(None, 6)[-6:]) if t]
    while toks and toks[-1].lower() in _CONNECTORS:
        toks.pop()
    if len(toks) > 1 and (toks[-2].lower(), toks[-1].lower()) in _METRIC_PAIRS:
        return f"{toks[-2]} {toks[-1]}"
    if toks and toks[-1].lower() in ("score", "scores"):
        toks.pop()  # "an FID score of 2.1"
    if toks and (toks[-1] in _METRIC_ACRONYMS or toks[-1].lower() in _METRIC_WORDS):
        return toks[-1]
    return None


def _in_reading_order(names: Iterable[str], low: str) -> list[str]:
    def first(name: str) -> tuple[int, str]:
        i = low.find(name.lower())
        return (i if i >= 0 else len(low), name)

    return sorted(set(names), key=first)


def _lookup(tokens: list[str]) -> dict[str, set[str]]:
    """Kind -> the known names and words among the tokens (punctuated or not)."""
    table, keys = _name_table()
    out: dict[str, set[str]] = {}
    for spelling in keys.intersection(tokens):
        for kind, word in table[spelling]:
            out.setdefault(kind, set()).add(word)
    return out


def _name_variants(tokens: list[str], known: dict[str, set[str]]) -> None:
    """Add "ImageNet-1K", "LAION-5B", "FID-10K": variants of a known name, found by the part before the hyphen."""
    table = _name_table()[0]
    for tok in {t for t in tokens if "-" in t}:
        core = tok.strip(_PUNCT)
        if core in table:
            continue
        head = core.split("-", 1)[0]
        for kind, word in table.get(head, ()):
            known.setdefault(kind, set()).add(word)


def _evaluated_on(tokens: list[str]) -> tuple[int, str]:
    """The largest "on N datasets" / "across five models" count, with its wording."""
    best, what = 0, ""
    for i in [i for i, w in enumerate(tokens) if w in _COUNT_WORDS]:
        if i == 0 or tokens[i - 1].strip(_PUNCT).lower() not in _COUNT_LEAD_WORDS:
            continue
        for noun in tokens[i + 1:i + 4]:
            noun = noun.strip(_PUNCT).lower()
            if noun in _EVALUATED_NOUNS:
                if _COUNTS[tokens[i]] > best:
                    best, what = _COUNTS[tokens[i]], f"{tokens[i]} {noun}"
                break
    return best, what


def _code_promised(low: str) -> bool:
    for word in ("code", "implementation"):
        start = low.find(word)
        while start >= 0:
            if _CODE_PROMISE_RE.match(low, start):
                return True
            start = low.find(word, start + 1)
    return False


@dataclass(frozen=True)
class _Facts:
    """What an abstract itself shows as evidence, found once per text."""

    quant: tuple[str, ...]
    metrics: tuple[str, ...]
    benches: tuple[str, ...]
    evaluated: int
    evaluated_what: str
    experiments: bool
    theory: tuple[str, ...]
    release_words: bool


def _facts(abstract: str, low: str, tokens: list[str]) -> _Facts:
    found = _lookup(tokens)
    _name_variants(tokens, found)
    metric_names = found.get("metric", set())
    metric_names |= {span for span in _METRIC_SPANS if span in low}
    bench_names = found.get("benchmark", set()) | {n for pair, n in _BENCHMARK_PAIRS.items() if " ".join(pair) in abstract}
    evaluated, evaluated_what = _evaluated_on(tokens) if "noun" in found else (0, "")
    theory = sorted(found.get("theory", ()))
    if "bound" in low or "complexity" in low or "convergence" in low:
        theory += sorted({" ".join(m.group(0).split()) for m in _THEORY_PAIR_RE.finditer(low)})
    return _Facts(
        quant=tuple(_quantitative(abstract)),
        metrics=tuple(_in_reading_order(metric_names, low)),
        benches=tuple(_in_reading_order(bench_names, low)),
        evaluated=evaluated,
        evaluated_what=evaluated_what,
        experiments="experiment" in found or "user stud" in low,
        theory=tuple(theory),
        release_words="release" in found,
    )


def _evidence(c: dict, doc: _Doc) -> tuple[int, str]:
    f = doc.facts
    quant, metrics, benches, theory, experiments = f.quant, f.metrics, f.benches, f.theory, f.experiments
    evaluated, evaluated_what = f.evaluated, f.evaluated_what
    low_all = f"{_text(c, 'abstract')}\n{_text(c, 'comment')}".lower()
    code = bool(_links(c, "code")) or any(h in low_all for h in ("github.com/", "gitlab.com/", "huggingface.co/"))
    project = bool(_links(c, "project")) or ".github.io" in low_all
    promised = not code and (f.release_words or "release" in low_all) and _code_promised(low_all)

    points = 1.0 * min(len(quant), 8) + 0.5 * min(len(metrics), 4) + 0.75 * min(len(benches), 6)
    if evaluated >= 2:
        points += 0.5 + 0.1 * min(evaluated, 10)
    points += 2.0 if code else (0.5 if promised else 0.0)
    if project:
        points += 1.0
    if experiments and not quant:
        points += 0.5
    value = _clamp10(10.0 * (1.0 - math.exp(-points / _EVIDENCE_SCALE)))
    if theory:
        # Proofs are evidence too, just not the kind that counting numbers can see.
        value = max(value, _THEORY_FLOOR)

    parts = []
    if quant:
        parts.append(f"reports {len(quant)} quantitative result{'s' if len(quant) != 1 else ''} ({', '.join(quant[:3])})")
    elif experiments:
        parts.append("experiments but no numbers in the abstract")
    if metrics:
        parts.append(f"metric{'s' if len(metrics) > 1 else ''} {', '.join(metrics[:4])}")
    if benches:
        parts.append(f"{len(benches)} benchmark{'s' if len(benches) > 1 else ''} ({', '.join(benches[:3])})")
    if evaluated >= 2:
        parts.append(f"evaluated on {evaluated_what}")
    if code:
        parts.append("code released")
    elif promised:
        parts.append("code promised")
    if project:
        parts.append("project page")
    if theory:
        parts.append(f"theory ({', '.join(theory[:2])})")
    if not parts:
        return value, "no numbers, benchmarks, code or theory in the abstract"
    return value, ", ".join(parts)


# --- novelty ---------------------------------------------------------------------------------

_NEW_POINTS = 9
_REPLACEMENT_POINTS = 5
_REPLACEMENT_WITH_VENUE_POINTS = 7
_SEEN_WITH_NEWS_POINTS = 6
_SEEN_NOTHING_NEW_POINTS = 1
# Below this, similarity is the normal background between two papers on the same topic.
_SIM_FLOOR = 0.2
_SIM_CLOSE = 0.35


def seen_before(c: dict, ctx: ScoringContext) -> HistoryItem | None:
    """The most recent earlier pick with the same versionless id, or None."""
    key = _bare_id(c.get("id"))
    if not key:
        return None
    same = [h for h in ctx.history if _bare_id(h.id) == key]
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
    key = _bare_id(c.get("id"))
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
        if news:
            base, head = _REPLACEMENT_WITH_VENUE_POINTS, f"replacement (v{version}), now with {news[0]}"
        else:
            base, head = _REPLACEMENT_POINTS, f"replacement (v{version}) of an older paper"
    else:
        kind = "cross-list" if _text(c, "announce_type").strip().lower() == "cross" else "new submission"
        base, head = _NEW_POINTS, f"{kind} (v{version})"
    sim, pick = corpus.closest_pick(doc.terms, key)
    penalty = 0
    if pick is None:
        tail = "no recent picks to compare"
    elif sim < _SIM_FLOOR:
        tail = f"far from recent picks (max similarity {sim:.2f} to {pick.id})"
    else:
        penalty = _half_up(10.0 * (sim - _SIM_FLOOR))
        word = "close to" if sim >= _SIM_CLOSE else "somewhat close to"
        tail = f"{word} {pick.id} featured {pick.issue_date.isoformat()} (similarity {sim:.2f})"
    return max(0, min(10, base - penalty)), f"{head}; {tail}"


# --- entry points ----------------------------------------------------------------------------


def score_candidate(c: dict, ctx: ScoringContext, corpus: Corpus) -> dict[str, dict]:
    """The four automatic scores of one candidate: {signal: {"value": 0-10, "reason": str}}."""
    topic = corpus.topic if ctx.phrases is corpus.source_phrases else _topic(ctx.phrases)
    doc = corpus.doc(c, topic)
    results = {
        "novelty": _novelty(c, doc, ctx, corpus),
        "relevance": _relevance(doc, topic, corpus),
        "venue": _venue(c, ctx),
        "evidence": _evidence(c, doc),
    }
    return {name: {"value": int(results[name][0]), "reason": results[name][1]} for name in SIGNAL_ORDER}


def _dedupe(candidates: Iterable[dict]) -> list[dict]:
    """One candidate per id (the newest version wins a clash), in id order, whatever the input order."""
    best: dict[str, dict] = {}
    for c in candidates:
        if not isinstance(c, dict):
            continue
        key = _bare_id(c.get("id"))
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
    return {_bare_id(c.get("id")): score_candidate(c, ctx, corpus) for c in unique}
