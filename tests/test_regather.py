"""render/regather.py: after an edit of some issues, the collections updated in place are the collections
gathered anew, and every paper page and topic year page whose content changed is among those it names."""
from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from digest.render.collections import build_collections
from digest.render.i18n import lang
from digest.render.regather import regather
from digest.render.view import Link

LG = lang("en")
START = date(2025, 12, 28)  # the views span a new year: topic and archive pages per year
IDS = [f"2601.{n:05d}" for n in range(4)]
AREAS = ["Diffusion", "diffusion", "Flow  Matching", "flow matching", "Caching"]


def fake_paper(rank: int, ident: str | None, title: str, areas: list[str]) -> SimpleNamespace:
    """What the collections read of a PaperView."""
    links = [] if ident else [Link("link_page", f"https://example.org/{title}")]
    return SimpleNamespace(rank=rank, arxiv=ident, links=links, primary_url=None, name=title, title=title,
                           areas=areas, featured=True, anchor=f"p{rank}")


def fake_view(day: date, papers: list[SimpleNamespace]) -> SimpleNamespace:
    """What the collections read of an IssueView."""
    return SimpleNamespace(issue=SimpleNamespace(date=day), papers=papers, url=day.strftime("%Y/%m/%d/"),
                           title=f"Issue {day}", date_text=str(day), note=None)


paper_lists = st.lists(
    st.tuples(st.sampled_from(IDS + [None, None]), st.sampled_from(["Alpha", "Beta", "Gamma"]),
              st.lists(st.sampled_from(AREAS), max_size=2)),
    min_size=1, max_size=4,
).map(lambda rows: [fake_paper(rank, ident, title, areas)
                    for rank, (ident, title, areas) in enumerate(rows, start=1)]) \
 .filter(lambda papers: len({p.arxiv or p.name for p in papers}) == len(papers))  # a paper once per issue


def shape(cols) -> dict:
    """Everything the cross-issue pages are made from, by page path."""
    pages = {pg.path: (pg.key, [(a.date, a.paper.rank, a.view.url) for a in pg.appearances],
                       [tp.key for tp in pg.topics]) for pg in cols.papers}
    topics = {tp.key: (tp.name, tp.slug, tp.first, {k: sorted(v) for k, v in tp.spellings.items()})
              for tp in cols.topics}
    years = {y.path: (y.year, [(e.page.path, [(a.date, a.paper.rank) for a in e.appearances]) for e in y.papers])
             for tp in cols.topics for y in tp.years}
    archive = {y.path: [(m.id, [(d.date, d.state, d.label) for w in m.weeks for d in w if d is not None],
                         [v.url for v in m.issues]) for m in y.months] for y in cols.archive.years}
    links = {key: page.path for key, page in cols.by_appearance.items()}
    return {"pages": pages, "topics": topics, "years": years, "archive": archive, "links": links,
            "order": ([pg.path for pg in cols.papers], [tp.key for tp in cols.topics])}


@settings(max_examples=1000, deadline=None)
@given(issues=st.lists(paper_lists, min_size=2, max_size=6), edits=st.data())
def test_regather_gives_what_gathering_anew_gives_and_names_every_page_that_changed(issues, edits):
    views = [fake_view(START + timedelta(days=i), papers) for i, papers in enumerate(issues)]
    cols = build_collections(views, None, LG)
    before = shape(cols)
    edited = list(views)
    for index in edits.draw(st.sets(st.integers(0, len(views) - 1), min_size=1, max_size=2)):
        edited[index] = fake_view(views[index].issue.date, edits.draw(paper_lists))
    after = shape(build_collections(edited, None, LG))
    touched = regather(cols, edited, LG)
    if touched is None:
        assert shape(cols) == before  # nothing changed: the caller gathers everything again
        return
    assert shape(cols) == after
    named = {pg.path for pg in touched.papers}
    assert {path for path, value in after["pages"].items() if before["pages"][path] != value} <= named
    named_years = {y.path for _, years in touched.topics for y in years}
    assert {path for path, value in after["years"].items() if before["years"][path] != value} <= named_years
    named_archive = {y.path for y in touched.years}
    assert {path for path, value in after["archive"].items() if before["archive"][path] != value} <= named_archive


def test_an_edit_that_keeps_every_page_is_regathered():
    """The property above must not pass only through None: a retitled paper with the same id is regathered."""
    papers = [fake_paper(1, IDS[0], "Alpha", ["Diffusion"]), fake_paper(2, IDS[1], "Beta", ["Caching"])]
    views = [fake_view(START, papers), fake_view(START + timedelta(days=1), [fake_paper(1, IDS[0], "Alpha", [])])]
    cols = build_collections(views, None, LG)
    edited = [fake_view(START, [fake_paper(1, IDS[1], "Beta", ["Caching"]),
                                fake_paper(2, IDS[0], "Alpha again", ["Diffusion"])]), views[1]]
    touched = regather(cols, edited, LG)
    assert touched is not None
    assert shape(cols) == shape(build_collections(edited, None, LG))
    assert [pg.key for pg in touched.papers] == [IDS[0], IDS[1]]


def test_a_paper_leaving_a_topic_in_an_older_year_names_that_years_page():
    days = [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1)]  # consecutive: no day without an issue
    views = [fake_view(day, [fake_paper(1, ident, title, ["Diffusion"])])
             for day, ident, title in zip(days, IDS, ["Beta", "Alpha", "Gamma"])]
    cols = build_collections(views, None, LG)
    edited = [views[0], fake_view(days[1], [fake_paper(1, IDS[1], "Alpha", [])]), views[2]]
    touched = regather(cols, edited, LG)
    assert touched is not None and shape(cols) == shape(build_collections(edited, None, LG))
    assert {y.path for _, years in touched.topics for y in years} == {"topics/diffusion/", "topics/diffusion/2025/"}
