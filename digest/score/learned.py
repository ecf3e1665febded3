"""Relevance learned from the digest's own record: TF-IDF words and bigrams + a logistic regression.

Positives are the papers editors featured (and the topic's examples), negatives the candidates
they left out. With no record yet, the model is the examples alone: closeness to them.
A model is a pure function of its training documents, so it is cached under their hash.
"""
from __future__ import annotations

import numpy as np
import hashlib
import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

FORMAT = 1
# A learned model needs both kinds of decision; below this, closeness to the examples is all there is.
MIN_POSITIVES = 5
MIN_NEGATIVES = 20
_C = 1.0
_NEIGHBOURS = 2
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
    for d in docs:
        row = [d.id, d.text, d.label, d.name, d.issue_date.isoformat() if d.issue_date else None]
        h.update(json.dumps(row, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def paper_text(title: str | None, abstract: str | None) -> str:
    """The text a model reads of a paper: its title, then its abstract."""
    return ". ".join(x.strip() for x in (title or "", abstract or "") if x and x.strip())


class RelevanceModel:
    """Scores texts against the record: learned (TF-IDF + logistic regression) or by closeness to examples."""

    def __init__(self, docs: Sequence[TrainingDoc]):
        # Sorted, so the model never depends on the order its documents were gathered in.
        self.docs = tuple(sorted(docs, key=lambda d: (d.label, d.issue_date or date.min, d.id, d.text)))
        positives = [d for d in self.docs if d.label == 1]
        negatives = [d for d in self.docs if d.label == 0]
        self.learned = len(positives) >= MIN_POSITIVES and len(negatives) >= MIN_NEGATIVES
        self.positives = tuple(positives)
        self.n_positives, self.n_negatives = len(positives), len(negatives)
        self._vectorizer = None
        self._coef = None
        self._intercept = 0.0
        self._pos_matrix = None
        if self.learned:
            self._fit(positives, negatives)

    @property
    def kind(self) -> str:
        """'learned', 'examples' (closeness to the positives only) or 'none' (nothing to go on)."""
        return "learned" if self.learned else ("examples" if self.positives else "none")

    def _fit(self, positives: list[TrainingDoc], negatives: list[TrainingDoc]) -> None:
        from sklearn.linear_model import LogisticRegression

        texts = [d.text for d in positives + negatives]
        labels = [1] * len(positives) + [0] * len(negatives)
        vec = _vectorizer(min_df=2)
        matrix = vec.fit_transform(texts)
        clf = LogisticRegression(C=_C, class_weight="balanced", max_iter=2000)
        clf.fit(matrix, labels)
        self._vectorizer = vec
        self._coef = clf.coef_[0]
        self._intercept = float(clf.intercept_[0])
        self._pos_matrix = matrix[: len(positives)]

    def score(self, texts: Sequence[str]) -> list[ModelScore]:
        """One ModelScore per text, in order."""
        if not texts or self.kind == "none":
            return [ModelScore(0.0, (), ()) for _ in texts]
        if self.learned:
            vec, pos = self._vectorizer, self._pos_matrix
            matrix = vec.transform(list(texts))
            margins = matrix @ self._coef + self._intercept
        else:
            # Closeness to the examples, with word statistics from the window itself (no labels).
            vec = _vectorizer(min_df=1)
            vec.fit([d.text for d in self.positives] + list(texts))
            matrix = vec.transform(list(texts))
            pos = vec.transform([d.text for d in self.positives])
            margins = None
        sims = (matrix @ pos.T).toarray()
        names = vec.get_feature_names_out()
        out = []
        for i in range(len(texts)):
            row = sims[i]
            order = sorted(range(len(row)), key=lambda j: (-row[j], j))[:_NEIGHBOURS]
            close = tuple(self._label(self.positives[j]) for j in order if row[j] > 0.05)
            if margins is not None:
                margin = float(margins[i])
                terms = self._terms(matrix[i], names)
            else:
                top = sorted(row, reverse=True)[:_NEIGHBOURS]
                margin = _EXAMPLE_GAIN * (sum(top) / len(top) - _EXAMPLE_MID)
                terms = ()
            out.append(ModelScore(margin, close, terms))
        return out

    def _terms(self, row, names) -> tuple[str, ...]:
        contrib = [(float(v * self._coef[j]), str(names[j])) for j, v in zip(row.indices, row.data)]
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

    @staticmethod
    def _label(d: TrainingDoc) -> str:
        return f"{d.name} ({d.issue_date.isoformat()})" if d.issue_date else f"{d.name} (topic example)"


# Closeness to examples -> the learned model's log-odds scale: cosine 0.15 is even, 0.35 clearly on topic.
_EXAMPLE_MID = 0.12
_EXAMPLE_GAIN = 10.0


def _vectorizer(min_df: int):
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, stop_words="english",
                           dtype=np.float64)


def load_or_train(docs: Sequence[TrainingDoc], cache_dir: Path | None) -> RelevanceModel:
    """The model for `docs`, from the cache when one was trained from the same documents before."""
    if cache_dir is None:
        return RelevanceModel(docs)
    path = cache_dir / f"relevance-{training_key(docs)}.pickle"
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)
        if isinstance(model, RelevanceModel):
            return model
    except Exception:  # noqa: BLE001 - a missing or damaged cache entry only means training again
        pass
    model = RelevanceModel(docs)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass  # a cache that cannot be written costs time, never the result
    return model
