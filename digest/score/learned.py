"""Relevance learned from the digest's own record: TF-IDF words and bigrams + a logistic regression.

Positives are the papers editors featured (and the topic's examples), negatives the candidates
they left out. With no record yet, the model is the examples alone: closeness to them.
A model is a pure function of its training documents: `training_key` names it, so callers can
cache it (digest.prescore keeps it in .digest-cache/score/).
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

FORMAT = 2
# A learned model needs both kinds of decision; below this, closeness to the examples is all there is.
MIN_POSITIVES = 5
MIN_NEGATIVES = 20
_C = 1.0
_NEIGHBOURS = 2
# The newest picks a reason can name (older ones still count through the model's weights).
_NEIGHBOUR_POOL = 300
_CLOSE_ENOUGH = 0.02
_TERMS = 3


@dataclass(frozen=True)
class TrainingDoc:
    """One decision of the record: a paper the editor featured (label 1) or left out (0), or an example."""

    id: str                    # versionless arXiv id; "" for an example given as text
    text: str                  # title and abstract
    label: int
    name: str                  # how a reason names it: the editor's short name, or the title
    issue_date: date | None = None   # None for topic.examples


@dataclass(frozen=True)
class ModelScore:
    """What the model says of one paper: a margin (log-odds scale) and what drove it."""

    margin: float
    close_to: tuple[str, ...]   # names of the nearest positives, with their issue dates
    terms: tuple[str, ...]      # the paper's words that pulled it towards the picks


def training_key(docs: Sequence[TrainingDoc]) -> str:
    """The sha256 of everything a model is trained from (and of this module's format)."""
    h = hashlib.sha256(f"relevance-model {FORMAT}\n".encode())
    for d in _in_order(docs):
        row = [d.id, d.text, d.label, d.name, d.issue_date.isoformat() if d.issue_date else None]
        h.update(json.dumps(row, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def paper_text(title: str | None, abstract: str | None) -> str:
    """The text a model reads of a paper: its title, then its abstract."""
    return ". ".join(x.strip() for x in (title or "", abstract or "") if x and x.strip())


def _in_order(docs: Sequence[TrainingDoc]) -> tuple[TrainingDoc, ...]:
    # Sorted, so neither the model nor its cache key depends on the order documents were gathered in.
    return tuple(sorted(docs, key=lambda d: (d.label, d.issue_date or date.min, d.id, d.text, d.name)))


class RelevanceModel:
    """Scores texts against the record: learned (TF-IDF + logistic regression) or by closeness to examples."""

    def __init__(self, docs: Sequence[TrainingDoc]):
        ordered = _in_order(docs)
        positives = [d for d in ordered if d.label == 1]
        negatives = [d for d in ordered if d.label == 0]
        self.n_positives, self.n_negatives = len(positives), len(negatives)
        self.n_examples = sum(1 for d in positives if d.issue_date is None)
        self.learned = len(positives) >= MIN_POSITIVES and len(negatives) >= MIN_NEGATIVES
        # The papers a reason may name as "close to": the topic's examples and the newest picks.
        examples = [d for d in positives if d.issue_date is None]
        picks = [d for d in positives if d.issue_date is not None][-_NEIGHBOUR_POOL:]
        self._neighbours = tuple(examples + picks)
        self._neighbour_names = tuple(_label(d) for d in self._neighbours)
        self._vectorizer = None
        self._terms_by_column: list[str] = []
        self._coef = None
        self._intercept = 0.0
        self._neighbour_matrix = None
        if self.learned:
            try:
                self._fit(positives, negatives)
            except ValueError:
                # No word occurs twice (or only stop words): nothing to learn; closeness still works.
                self.learned = False

    @property
    def kind(self) -> str:
        """'learned', 'examples' (closeness to the positives only) or 'none' (nothing to go on)."""
        return "learned" if self.learned else ("examples" if self._neighbours else "none")

    def _fit(self, positives: list[TrainingDoc], negatives: list[TrainingDoc]) -> None:
        from sklearn.linear_model import LogisticRegression

        vec = _vectorizer(min_df=2)
        matrix = vec.fit_transform([d.text for d in positives + negatives])
        clf = LogisticRegression(C=_C, class_weight="balanced", max_iter=2000)
        clf.fit(matrix, [1] * len(positives) + [0] * len(negatives))
        self._vectorizer = vec
        self._terms_by_column = [str(t) for t in vec.get_feature_names_out()]
        self._coef = clf.coef_[0]
        self._intercept = float(clf.intercept_[0])
        self._neighbour_matrix = vec.transform([d.text for d in self._neighbours])

    def score(self, texts: Sequence[str]) -> list[ModelScore]:
        """One ModelScore per text, in order."""
        if not texts or self.kind == "none":
            return [ModelScore(0.0, (), ()) for _ in texts]
        if self.learned:
            matrix = self._vectorizer.transform(list(texts))
            neighbours = self._neighbour_matrix
            margins = matrix @ self._coef + self._intercept
        else:
            # Closeness to the examples, with word statistics from the window itself (no labels).
            vec = _vectorizer(min_df=1)
            try:
                vec.fit([d.text for d in self._neighbours] + list(texts))
            except ValueError:  # only stop words, or no words at all: nothing to be close to
                return [ModelScore(0.0, (), ()) for _ in texts]
            matrix = vec.transform(list(texts))
            neighbours = vec.transform([d.text for d in self._neighbours])
            margins = None
        sims = (matrix @ neighbours.T).toarray()
        out = []
        for i in range(len(texts)):
            row = sims[i]
            # Stable: among equally close papers the first in the pool's order is named.
            order = np.argsort(-row, kind="stable")[:_NEIGHBOURS]
            close = tuple(self._neighbour_names[j] for j in order if row[j] > _CLOSE_ENOUGH)
            if margins is not None:
                margin, terms = float(margins[i]), self._terms(matrix[i])
            else:
                top = row[order]
                margin, terms = _EXAMPLE_GAIN * (float(top.mean()) - _EXAMPLE_MID), ()
            out.append(ModelScore(margin, close, terms))
        return out

    def _terms(self, row) -> tuple[str, ...]:
        names = self._terms_by_column
        contrib = [(float(v * self._coef[j]), names[j]) for j, v in zip(row.indices, row.data)]
        contrib = [c for c in contrib if c[0] > 0]
        contrib.sort(key=lambda c: (-c[0], c[1]))
        picked: list[str] = []
        for _, term in contrib:
            # "one-step distillation" says more than "distillation" alone: skip words a bigram covers.
            if any(term in p.split() or p in term.split() for p in picked):
                continue
            picked.append(term)
            if len(picked) == _TERMS:
                break
        return tuple(picked)


def _label(d: TrainingDoc) -> str:
    return f"{d.name} ({d.issue_date.isoformat()})" if d.issue_date else f"{d.name} (topic example)"


# Closeness to examples -> the learned model's log-odds scale: a mean cosine of 0.12 to the two
# closest examples is even odds, 0.3 clearly on topic.
_EXAMPLE_MID = 0.12
_EXAMPLE_GAIN = 10.0


def _vectorizer(min_df: int):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, stop_words="english",
                           dtype=np.float64)
