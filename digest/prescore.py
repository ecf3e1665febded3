"""The automatic pre-scores a fetch writes into its candidates: scores, `proposed` and `seen_before`."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date

from .config import Config
from .history import recent_picks
from .score import ScoringContext, propose, score_all, seen_before


def prescorer(config: Config, issue_date: date) -> Callable[[list[dict]], None]:
    """A function for `fetch_issue(prescore=...)` that scores the issue's records in place.

    It fills each record's automatic `scores`, sets `proposed`, and marks papers featured in the
    recent issues before `issue_date` with `seen_before` (removing a stale one). The recent picks
    are read when the function is called, not when it is made, so a fetch that stops early
    (not available yet, arXiv unreachable) reads no editor files.
    """

    def prescore(records: list[dict]) -> None:
        ctx = ScoringContext.from_config(config, recent_picks(config, issue_date))
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
