"""The announcement RSS: parsing the recordings, and fetching the combined feed from the local server."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from arxiv_server import Reply, arxiv_server, fast_client, fixture_bytes, make_config  # noqa: F401

from digest.errors import UpstreamError
from digest.fetch.batch import StaleBatch
from digest.fetch.rss import feed_url, fetch_feed, parse_feed

QUANT_PH = "rss_quant-ph_2025-04-28_new-cross-replace.xml"
EMPTY = "rss_empty_test-archive_2024-11-28.xml"
ERROR = "rss_error_bad-archive_2024-11-28.xml"
CATS = ("cs.CV", "cs.LG")
PATH = "/rss/cs.CV+cs.LG"


@pytest.fixture(scope="module")
def quant_ph():
    return parse_feed(fixture_bytes(QUANT_PH))


def test_listing_date_from_channel_pubdate(quant_ph):
    assert quant_ph.listing_date == date(2025, 4, 28)


def test_announce_types_and_versions(quant_ph):
    assert len(quant_ph.items) == 81
    assert Counter(i.announce_type for i in quant_ph.items) == {"new": 40, "replace": 22, "cross": 10, "replace-cross": 9}
    by_id = {i.id: i for i in quant_ph.items}
    assert (by_id["2312.01259"].announce_type, by_id["2312.01259"].version) == ("replace-cross", 3)
    assert by_id["2312.01259"].categories[0] == "cond-mat.stat-mech"  # primary first
    assert all(i.version > 1 for i in quant_ph.items if i.announce_type.startswith("replace"))
    assert all(i.version == 1 for i in quant_ph.items if i.announce_type == "new")


def test_title_abstract_authors(quant_ph):
    first = quant_ph.items[0]
    assert first.id == "2504.17830"
    assert first.title == "Self-Adjoint Time Operator in a Weighted Energy Space"
    assert first.abstract.startswith("We introduce a self-adjoint time operator")
    assert "Announce Type" not in first.abstract and "Abstract:" not in first.abstract
    names = [n for i in quant_ph.items for n in i.authors]
    assert "Jakob Günther" in names and "Søren Stobbe" in names
    assert not [n for n in names if "\\" in n]


def test_tex_with_less_than_survives_feedparser():
    listing = parse_feed(fixture_bytes("rss_all-archives_combined_2024-11-28.xml"))
    assert len(listing.items) == 1504
    assert listing.listing_date == date(2024, 11, 28)
    assert any(r"$\frac{1}{3}<s<1$" in i.abstract for i in listing.items)


def test_feed_url_combines_categories():
    assert feed_url("https://rss.arxiv.org/rss/", ["cs.CV", "cs.LG", "cs.CL"]) == "https://rss.arxiv.org/rss/cs.CV+cs.LG+cs.CL"


def _fetch(tmp_path, server, expected=date(2025, 4, 28), **kw):
    config = make_config(tmp_path, server, categories=CATS)
    return fetch_feed(fast_client(config), config.arxiv.rss_url, CATS, expected, **kw)


def test_fetch_combined_feed(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.fixture(QUANT_PH))
    listing = _fetch(tmp_path, arxiv_server)
    assert len(listing.items) == 81
    assert arxiv_server.count(PATH) == 1


def test_error_feed_names_the_categories(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.fixture(ERROR))
    with pytest.raises(UpstreamError) as info:
        _fetch(tmp_path, arxiv_server, expected=date(2024, 11, 28))
    assert not info.value.unreachable
    assert "cs.CV+cs.LG" in str(info.value) and "Bad archive 'astroph'" in str(info.value)


def test_empty_feed_is_retried_then_fails(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.fixture(EMPTY))
    with pytest.raises(UpstreamError) as info:
        _fetch(tmp_path, arxiv_server, expected=date(2024, 11, 28))
    assert not info.value.unreachable
    assert "no items after 3 attempts" in str(info.value)
    assert arxiv_server.count(PATH) == 3


def test_empty_feed_then_items(tmp_path, arxiv_server):
    body = fixture_bytes(QUANT_PH).replace(b"Mon, 28 Apr 2025", b"Thu, 28 Nov 2024")
    arxiv_server.route(PATH, Reply.fixture(EMPTY), Reply(200, body))
    listing = _fetch(tmp_path, arxiv_server, expected=date(2024, 11, 28))
    assert len(listing.items) == 81
    assert arxiv_server.count(PATH) == 2


def test_stale_feed(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.fixture(QUANT_PH))
    with pytest.raises(StaleBatch) as info:
        _fetch(tmp_path, arxiv_server, expected=date(2025, 4, 29))
    assert info.value.found == date(2025, 4, 28)
    # A stale feed is not cached: once arXiv switches, the next run sees the new listing.
    body = fixture_bytes(QUANT_PH).replace(b"Mon, 28 Apr 2025", b"Tue, 29 Apr 2025")
    arxiv_server.route(PATH, Reply(200, body))
    assert len(_fetch(tmp_path, arxiv_server, expected=date(2025, 4, 29)).items) == 81


def test_feed_newer_than_the_calendar(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.fixture(QUANT_PH))
    with pytest.raises(UpstreamError, match="check schedule.holidays"):
        _fetch(tmp_path, arxiv_server, expected=date(2025, 4, 25))


def test_html_page_instead_of_feed(tmp_path, arxiv_server):
    arxiv_server.route(PATH, Reply.html())
    with pytest.raises(UpstreamError) as info:
        _fetch(tmp_path, arxiv_server)
    assert not info.value.unreachable
    assert "arXiv RSS at 127.0.0.1:" in str(info.value) and "/rss/cs.CV+cs.LG: 200 OK but an HTML page" in str(info.value)
