"""The automatic pre-scores a fetch writes into its candidates: scores, `proposed` and `seen_before`.

The glue between the record and scoring: it reads the recent picks and the editors' decisions of
earlier issues, trains (or loads from the cache) the relevance model, and scores the window.
"""
from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path

from ..editorial.config import Config
from ..errors import UpstreamError
from ..files import atomic_write_bytes
from ..score import ScoringContext, propose, score_all, seen_before
from ..score.learned import RelevanceModel, TrainingDoc, paper_text, training_key
from .history import recent_picks, training_record


def prescorer(config: Config, issue_date: date) -> Callable[[list[dict]], None]:
    """A function for `fetch_issue(prescore=...)` that scores the issue's records in place.

    It fills each record's automatic `scores`, sets `proposed`, and marks papers featured in the
    recent issues before `issue_date` with `seen_before` (removing a stale one). The record is
    read when the function is called, not when it is made, so a fetch that stops early
    (not available yet, arXiv unreachable) reads no editor files and trains nothing.
    """

    def prescore(records: list[dict]) -> None:
        ctx = ScoringContext.from_config(config, recent_picks(config, issue_date),
                                         relevance_model(config, issue_date, records))
        scores = score_all(records, ctx)
        for record in records:
            record["scores"] = scores.get(record["id"], {})
            prior = seen_before(record, ctx)
            record["proposed"] = propose(record, ctx)
            if prior is not None:
                record["seen_before"] = {"issue": prior.issue_date.isoformat(), "url": prior.url}
            else:
                record.pop("seen_before", None)

    return prescore


def relevance_model(config: Config, issue_date: date, window: Iterable[dict] = ()) -> RelevanceModel:
    """The relevance model for the issue of `issue_date`: the topic's examples plus the decisions
    of the issues before it (never the issue itself), cached under `.digest-cache/score/`."""
    record = training_record(config, issue_date)
    docs = topic_examples(config, record, window) + record
    return load_or_train(docs, config.cache_dir / "score")


def load_or_train(docs: Sequence[TrainingDoc], cache_dir: Path | None) -> RelevanceModel:
    """The model for `docs`, from the cache when one was trained from the same documents before."""
    if cache_dir is None:
        return RelevanceModel(docs)
    path = cache_dir / f"relevance-{training_key(docs)}.pickle"
    try:
        model = pickle.loads(path.read_bytes())
        if isinstance(model, RelevanceModel):
            return model
    except Exception:  # noqa: BLE001 - a missing or damaged cache entry only means training again
        pass
    model = RelevanceModel(docs)
    try:
        atomic_write_bytes(path, pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass  # a cache that cannot be written costs time, never the result
    return model


def topic_examples(config: Config, record: list[TrainingDoc], window: Iterable[dict] = ()) -> list[TrainingDoc]:
    """`topic.examples` as positive training documents; ids are looked up in the record, the
    window, and last in the arXiv API (cached; an id it cannot find is left out)."""
    out: list[TrainingDoc] = []
    wanted: list[str] = []
    for ex in config.examples:
        if ex.arxiv is None:
            out.append(TrainingDoc("", paper_text(ex.title, ex.abstract), 1, ex.title))
        else:
            wanted.append(ex.arxiv)
    if not wanted:
        return out
    known = {d.id: (d.text, d.name) for d in record if d.id}
    for c in window:
        if isinstance(c, dict) and c.get("id") in wanted:
            known[c["id"]] = (paper_text(c.get("title"), c.get("abstract")), c.get("title") or c["id"])
    missing = [i for i in wanted if i not in known]
    if missing:
        known.update(_looked_up(config, missing))
    for ident in wanted:
        if ident in known:
            text, name = known[ident]
            out.append(TrainingDoc(ident, text, 1, name))
    return out


def _looked_up(config: Config, ids: list[str]) -> dict[str, tuple[str, str]]:
    from ..fetch.api import ArxivApi
    from ..fetch.http import HttpClient

    http = HttpClient.for_config(config)
    try:
        papers = ArxivApi(http, config.arxiv.api_url, page_size=len(ids), refresh=False).lookup(ids)
    except UpstreamError:
        # The examples only seed the model; the fetch itself must not fail for one of them.
        return {}
    finally:
        http.close()
    return {p.id: (paper_text(p.title, p.abstract), p.title) for p in papers.values()}
