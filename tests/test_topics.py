"""render/collections.py, the topics: every area an issue gave a paper, with its papers newest appearance first,
each with its appearances under that area newest first, and every paper page with the topics it is on."""
from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.render.collections import area_key, collect_papers, collect_topics, topic_years
from test_regather import LG, START, fake_view, paper_lists


def _under(topic_key: str, appearance) -> bool:
    return topic_key in {area_key(area) for area in appearance.paper.areas}


@settings(max_examples=500, deadline=None)
@given(issues=st.lists(paper_lists, min_size=1, max_size=8), gaps=st.lists(st.integers(1, 400), min_size=8))
def test_each_topic_lists_its_papers_newest_appearance_first_with_their_appearances_under_it(issues, gaps):
    day, views = START, []
    for papers, gap in zip(issues, gaps):  # gaps of up to a year: topics span several year pages
        views.append(fake_view(day, papers))
        day += timedelta(days=gap)
    papers = collect_papers(views)
    topics = collect_topics(papers)
    keys = {area_key(area) for view in views for p in view.papers for area in p.areas} - {""}
    assert sorted(tp.key for tp in topics) == sorted(keys)
    for topic in topics:
        # Every paper page with an appearance under the topic, once, with exactly those appearances.
        expected = {pg.path: [a for a in pg.appearances if _under(topic.key, a)] for pg in papers}
        expected = {path: apps for path, apps in expected.items() if apps}
        assert sorted(e.page.path for e in topic.papers) == sorted(expected)
        for entry in topic.papers:
            assert entry.appearances == sorted(expected[entry.page.path], key=lambda a: (-a.date.toordinal(),
                                                                                     a.paper.rank))
        order = [(-e.latest.date.toordinal(), e.latest.paper.rank, e.page.path) for e in topic.papers]
        assert order == sorted(order)
        assert topic.first == min((a.date, a.paper.rank) for apps in expected.values() for a in apps)
        assert [e for year in topic_years(topic, LG) for e in year.papers] == topic.papers
    for page in papers:
        on = {area_key(area) for a in page.appearances for area in a.paper.areas}
        assert page.topics == [tp for tp in topics if tp.key in on]
