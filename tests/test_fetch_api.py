"""The arXiv API through the real `arxiv` package, requests and our client, against the local server."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from arxiv_server import Reply, arxiv_server, atom_feed, fast_client, fixture_bytes, make_config  # noqa: F401

from digest.errors import UpstreamError
from digest.fetch.api import ArxivApi, EmptyResult, api_error_summary, backfill_query

API = "/api/query"
PAGE0 = "api_search_all-testing_start0_max10_2026-04-12.xml"
PAGE1 = "api_search_all-testing_start10_max10_2026-04-12.xml"
EMPTY = "api_empty_idlist_0000.0000_2026-04-12.xml"
ERROR400 = "api_error_http400_idlist_abc_2026-04-12.xml"
DATES = "submittedDate:[202411261900 TO 202411271900]"


@pytest.fixture
def api(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    client = fast_client(config)
    yield ArxivApi(client, config.arxiv.api_url, page_size=10, batch_size=100)
    client.close()


def start_is(n: int):
    return lambda r: r.param("start") == str(n)


def ids_are(*ids: str):
    return lambda r: r.param("id_list").split(",") == list(ids)


def test_pagination_pair(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(PAGE0), when=start_is(0))
    arxiv_server.route(API, Reply.fixture(PAGE1), when=start_is(10))
    papers, total = api.search("all:testing", max_results=20)
    assert total == 214881
    assert len(papers) == 20 and len({p.id for p in papers}) == 20
    seen = [(r.param("search_query"), r.param("start"), r.param("max_results")) for r in arxiv_server.requests]
    assert seen == [("all:testing", "0", "10"), ("all:testing", "10", "10")]
    first = papers[0]
    assert (first.id, first.version) == ("2202.12139", 1)
    assert first.doi == "10.1109/ICSTW55395.2022.00035"
    assert first.journal_ref.startswith("Artificial Intelligence in Software Testing")
    assert first.comment == "Artificial Intelligence in Software Testing 2022 workshop @ ICST 2022"
    assert first.categories == ("cs.SE", "cs.LG")
    assert first.published == datetime(2022, 2, 24, 15, 5, 19, tzinfo=timezone.utc)
    assert any(any(ord(ch) > 127 for ch in name) for p in papers for name in p.authors)


def test_progress_follows_total_results(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(PAGE0), when=start_is(0))
    arxiv_server.route(API, Reply.fixture(PAGE1), when=start_is(10))
    calls = []
    api.search("all:testing", max_results=20, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(10, 214881), (20, 214881)]


def test_second_page_empty_is_retried_then_an_error(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(PAGE0), when=start_is(0))
    arxiv_server.route(API, Reply.fixture(EMPTY), when=start_is(10))
    with pytest.raises(EmptyResult) as info:
        api.search("all:testing", max_results=20)
    assert not info.value.unreachable
    assert "start=10" in str(info.value)
    assert arxiv_server.count() == 1 + 3


def test_idlist_lookup_1707_08567(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture("api_idlist_1707.08567_nonascii_2026-04-12.xml"), when=ids_are("1707.08567"))
    found = api.lookup(["1707.08567"])
    paper = found["1707.08567"]
    assert len(paper.authors) == 34
    assert "Dirk Wübben" in paper.authors
    assert paper.comment == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    assert paper.categories == ("cs.IT",)
    assert arxiv_server.requests[0].param("max_results") == "1"


def test_lookup_is_cached(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture("api_idlist_1707.08567_nonascii_2026-04-12.xml"))
    api.lookup(["1707.08567"])
    api.lookup(["1707.08567"])
    assert arxiv_server.count() == 1
    api.refresh = True
    api.lookup(["1707.08567"])
    assert arxiv_server.count() == 2


def test_legacy_2016_serialisation(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture("api_legacy2016_idlist_1111.2011v2_doi_journalref.xml"))
    paper = api.lookup(["1111.2011"])["1111.2011"]
    assert paper.version == 2
    assert paper.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert "\n" not in paper.abstract and paper.abstract.startswith("Theoretical description")
    assert paper.doi == "10.1103/PhysRevB.85.115117"
    assert paper.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert paper.categories == ("cond-mat.str-el", "cond-mat.stat-mech")


def test_empty_idlist_result(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(EMPTY))
    assert api.lookup(["0000.0000"]) == {}
    assert arxiv_server.count() == 1


def test_empty_idlist_result_when_papers_are_expected(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(EMPTY))
    with pytest.raises(UpstreamError) as info:
        api.lookup(["2411.17700"], require=True)
    assert not info.value.unreachable
    assert arxiv_server.count() == 3


def test_http_400_error_feed(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(ERROR400, status=400))
    with pytest.raises(UpstreamError) as info:
        api.lookup(["abc"])
    assert not info.value.unreachable
    assert str(info.value).endswith("/api/query: 400 Bad Request: incorrect id format for abc")
    assert arxiv_server.count() == 1  # unlike arxiv.Client, a 400 is not retried


def test_error_feed_with_status_200(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(ERROR400))
    with pytest.raises(UpstreamError, match="arXiv answered with an error: incorrect id format for abc"):
        api.lookup(["abc"])


def test_html_200_through_the_arxiv_package(api, arxiv_server):
    arxiv_server.route(API, Reply.html())
    with pytest.raises(UpstreamError) as info:
        api.lookup(["1707.08567"])
    assert not info.value.unreachable


def test_hanging_api_times_out_through_the_arxiv_package(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    api = ArxivApi(fast_client(config, read_timeout=0.3, max_attempts=2), config.arxiv.api_url)
    arxiv_server.route(API, Reply(fault="hang"))
    with pytest.raises(UpstreamError) as info:
        api.lookup(["1707.08567"])
    assert info.value.unreachable
    assert "no answer within 0.3 s" in str(info.value)


def test_503_then_200_through_the_arxiv_package(api, arxiv_server):
    arxiv_server.route(API, Reply(503), Reply.fixture("api_idlist_1707.08567_nonascii_2026-04-12.xml"))
    assert "1707.08567" in api.lookup(["1707.08567"])
    assert api.http.log.retries == 1


def test_lookup_batches(tmp_path, arxiv_server):
    config = make_config(tmp_path, arxiv_server)
    api = ArxivApi(fast_client(config), config.arxiv.api_url, batch_size=2)

    def answer(request):
        ids = request.param("id_list").split(",")
        return Reply(200, atom_feed([{"id": f"{i}v1", "title": f"Paper {i}"} for i in ids]))

    arxiv_server.route(API, answer)
    found = api.lookup(["2411.00001", "2411.00002", "2411.00003", "2411.00002"])
    assert sorted(found) == ["2411.00001", "2411.00002", "2411.00003"]
    assert [r.param("id_list") for r in arxiv_server.requests] == ["2411.00001,2411.00002", "2411.00003"]


def test_affiliations_and_tex_names_from_the_api(api, arxiv_server):
    body = atom_feed([{
        "id": "2411.00001v2",
        "authors": [("Jakob G\\\"unther", ["ETH Zürich"]), ("Anna Nowak", ["ETH Zürich", "University of Warsaw"])],
    }])
    arxiv_server.route(API, Reply(200, body))
    paper = api.lookup(["2411.00001"])["2411.00001"]
    assert paper.authors == ("Jakob Günther", "Anna Nowak")
    assert paper.affiliations == ("ETH Zürich", "University of Warsaw")
    assert paper.version == 2


def test_backfill_query():
    q = backfill_query(DATES, ["cs.CV", "cs.LG"], ["diffusion", "flow matching", "score-based"])
    assert q.startswith("(cat:cs.CV OR cat:cs.LG) AND (ti:diffusion OR abs:diffusion OR ")
    assert 'abs:"flow matching"' in q and 'ti:"flow-matching"' in q
    assert 'abs:"score-based"' in q and 'abs:"score based"' in q
    assert q.endswith(f") AND {DATES}")


def test_backfill_empty_first_page_then_data(api, arxiv_server):
    page = atom_feed([{"id": "2411.17001v1", "title": "A diffusion model", "categories": ["cs.CV"]}])
    arxiv_server.route(API, Reply.fixture(EMPTY), Reply(200, page))
    papers = api.backfill(DATES, ["cs.CV"], ["diffusion"])
    assert [p.id for p in papers] == ["2411.17001"]
    assert arxiv_server.count() == 2
    assert "submittedDate:[202411261900 TO 202411271900]" in arxiv_server.requests[0].param("search_query")
    assert arxiv_server.requests[0].param("sortBy") == "submittedDate"


def test_backfill_with_no_topic_paper_but_a_live_category(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(EMPTY), when=lambda r: "ti:" in r.param("search_query"))
    arxiv_server.route(API, Reply(200, atom_feed([{"id": "2411.17002v1"}], total=250)),
                       when=lambda r: "ti:" not in r.param("search_query"))
    assert api.backfill(DATES, ["cs.CV"], ["diffusion"]) == []


def test_backfill_that_finds_nothing_at_all_is_an_error(api, arxiv_server):
    arxiv_server.route(API, Reply.fixture(EMPTY))
    with pytest.raises(UpstreamError) as info:
        api.backfill(DATES, ["cs.CV"], ["diffusion"])
    assert not info.value.unreachable
    assert "came back empty 3 times" in str(info.value)


def test_api_error_summary():
    assert api_error_summary(fixture_bytes(ERROR400)) == "incorrect id format for abc"
    assert api_error_summary(fixture_bytes(PAGE0)) is None
    assert api_error_summary(b"<not xml") is None
