"""News since the editor's last save: the cached shortcut never hides a warning news_since_edit would give."""
from __future__ import annotations

import os
import tempfile
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.editorial.candidates import Candidates
from digest.editorial.freshness import news_horizon, news_since_edit, no_news
from digest.editorial.model import Entry, Issue

BASE = datetime(2026, 6, 1, tzinfo=timezone.utc)
IDS = [f"2606.{n:05d}" for n in range(1, 9)]

times = st.one_of(st.none(), st.just("not a time"),
                  st.integers(-72, 72).map(lambda h: (BASE + timedelta(hours=h)).isoformat()))
candidate = st.fixed_dictionaries({"id": st.sampled_from(IDS), "title": st.just("A paper")},
                                  optional={"version": st.one_of(st.integers(1, 4), st.just("2")),
                                            "first_seen": times, "proposed": st.booleans()})
entry = st.tuples(st.sampled_from(IDS), st.one_of(st.none(), st.integers(1, 4)))


@settings(max_examples=300, deadline=None)
@given(st.lists(candidate, max_size=8), st.lists(entry, max_size=4, unique_by=lambda e: e[0]),
       st.integers(-96, 96))
def test_no_news_only_when_news_since_edit_finds_none(cands, entries, saved_hours) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "2026-06-01.yaml"
        path.write_text("date: 2026-06-01\n", encoding="utf-8")
        saved = (BASE + timedelta(hours=saved_hours)).timestamp()
        os.utime(path, (saved, saved))
        issue = Issue(path, date(2026, 6, 1),
                      [Entry(index=i, arxiv=a, version=v) for i, (a, v) in enumerate(entries)])
        by_id = {c["id"]: c for c in cands}
        candidates = Candidates(Path(folder) / "c.json", {}, by_id)
        horizon = news_horizon(issue, candidates)
        if no_news(horizon, path):
            assert news_since_edit(issue, candidates) == []
        # Without candidates there is never news, and the shortcut knows it.
        assert no_news(news_horizon(issue, None), path) and news_since_edit(issue, None) == []
