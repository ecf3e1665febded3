"""The batch at announcement time: arXiv's listing pages against a local stand-in built from the recorded feed."""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from arxiv_listing import feed_for, feed_papers, listing_page, listing_responder, sections
from arxiv_server import (  # noqa: F401 - the fixture
    KST,
    Reply,
    arxiv_server,
    fast_client,
    feed_api,
    feed_items,
    fixture_bytes,
    make_config,
    point_at,
)

from digest.errors import NotAvailableYet, UpstreamError
from digest.fetch.batch import StaleBatch
from digest.fetch.listing import fetch_batch, parse_page
from digest.fetch.rss import parse_feed
from digest.fetch.run import fetch_issue
from digest.fetch.store import VOLATILE_KEYS
from digest.prescore import prescorer

RECORDING = fixture_bytes("rss_all-archives_combined_2024-11-28.xml")
CATS = ("cs.CV", "cs.LG", "cs.CL", "cs.AI")
FEED = feed_for(RECORDING, CATS)
LISTING_DATE = date(2024, 11, 28)  # announced Wed 27 Nov 2024 20:00 EST = Thu 28 Nov 10:00 KST
ISSUE = date(2024, 11, 29)  # after the 09:00 KST cutoff: the issue of the 29th holds it
EST = timezone(timedelta(hours=-5))
AT_2005 = datetime(2024, 11, 27, 20, 5, tzinfo=EST)
AT_1955 = datetime(2024, 11, 27, 19, 55, tzinfo=EST)
AT_0010 = datetime(2024, 11, 28, 0, 10, tzinfo=EST)
PAPERS = feed_papers(RECORDING)


def serve(server, *, listing_date: date = LISTING_DATE, page_size: int = 2000) -> None:
    """The stand-in: listing pages, the feed of the configured categories, and API lookups."""
    server.route("/list/*", listing_responder(RECORDING, listing_date, page_size=page_size))
    server.route(f"/rss/{'+'.join(CATS)}", Reply(200, FEED))
    server.route("/api/query", feed_api(feed_items(RECORDING)), when=lambda r: bool(r.param("id_list")))


@pytest.fixture
def project(tmp_path, arxiv_server):  # noqa: F811 - pytest fixture injection
    serve(arxiv_server)
    return make_config(tmp_path, arxiv_server), arxiv_server


def _batch(config, **kw):
    return fetch_batch(fast_client(config), config.arxiv.listing_url, CATS, LISTING_DATE, **kw)


def _listing_requests(server) -> list[tuple[str, str]]:
    return [(r.path, r.param("skip")) for r in server.requests if r.path.startswith("/list/")]


# --- one page ---------------------------------------------------------------------------------


def test_a_category_page_has_its_new_cross_and_replacement_sections():
    page = parse_page(listing_page(PAPERS, "cs.CV", LISTING_DATE), category="cs.CV")
    expected = sections(PAPERS, "cs.CV")
    assert page.listing_date == LISTING_DATE
    assert page.total == sum(len(v) for v in expected.values()) == 227
    for kind, papers in expected.items():
        assert [p.id for p in page.papers if p.section == kind] == [p.id for p in papers]
    cross = next(p for p in page.papers if p.section == "cross")
    assert cross.categories[0] != "cs.CV" and "cs.CV" in cross.categories


def test_the_merged_batch_says_what_the_feed_of_those_categories_says():
    """Ids, announce types, categories (primary first), titles, abstracts, authors and affiliations."""
    from digest.fetch.listing import merge

    pages = [parse_page(listing_page(PAPERS, c, LISTING_DATE), category=c) for c in CATS]
    from_pages = {p.id: dataclasses.replace(p, version=None) for p in merge(pages, CATS)}
    from_feed = {p.id: dataclasses.replace(p, version=None) for p in parse_feed(FEED).items}
    assert from_pages == from_feed
    assert {p.announce_type for p in from_pages.values()} == {"new", "cross", "replace", "replace-cross"}


def test_comments_and_journal_refs_on_the_page_are_read():
    page = listing_page(PAPERS, "cs.CL", LISTING_DATE).decode()
    first = sections(PAPERS, "cs.CL")["new"][0]
    extra = ("<div class='list-comments mathjax'><span class='descriptor'>Comments:</span>\n Accepted to ACL 2025 "
             "&amp; more\n</div>\n<div class='list-journal-ref'><span class='descriptor'>Journal-ref:</span> "
             "Proc. ACL 2025</div>\n")
    marker = f"id=\"{first.id}\""
    start = page.index(marker)
    at = page.index("<div class='list-subjects'>", start)
    parsed = parse_page((page[:at] + extra + page[at:]).encode(), category="cs.CL")
    paper = next(p for p in parsed.papers if p.id == first.id)
    assert (paper.comment, paper.journal_ref) == ("Accepted to ACL 2025 & more", "Proc. ACL 2025")


# --- fetching a batch -------------------------------------------------------------------------


def test_one_request_per_category_when_the_listing_fits_a_page(project):
    config, server = project
    batch = _batch(config)
    assert batch.listing_date == LISTING_DATE and batch.source == "listing"
    assert sorted(_listing_requests(server)) == sorted((f"/list/{c}/new", "0") for c in CATS)
    assert {p.id for p in batch.items} == {p.id for p in parse_feed(FEED).items}


def test_a_listing_split_over_pages_is_read_page_by_page(tmp_path, arxiv_server):  # noqa: F811
    serve(arxiv_server, page_size=100)
    config = make_config(tmp_path, arxiv_server)
    batch = _batch(config)
    assert [s for p, s in _listing_requests(arxiv_server) if p == "/list/cs.CV/new"] == ["0", "100", "200"]
    assert {p.id for p in batch.items} == {p.id for p in parse_feed(FEED).items}


def test_yesterdays_page_is_stale_and_not_kept(tmp_path, arxiv_server):  # noqa: F811
    serve(arxiv_server, listing_date=date(2024, 11, 27))
    config = make_config(tmp_path, arxiv_server)
    with pytest.raises(StaleBatch) as info:
        _batch(config)
    assert info.value.found == date(2024, 11, 27)
    # Once arXiv switches, the next run reads the new pages, not a cached stale one.
    serve(arxiv_server)
    assert len(_batch(config).items) == 513


def test_a_page_later_than_the_calendar_is_an_upstream_error(tmp_path, arxiv_server):  # noqa: F811
    serve(arxiv_server, listing_date=date(2024, 11, 29))
    config = make_config(tmp_path, arxiv_server)
    with pytest.raises(UpstreamError, match="check schedule.holidays") as info:
        _batch(config)
    assert not info.value.unreachable


CHANGED = {
    "renamed-sections": lambda html: html.replace("New submissions (", "Neue Einreichungen (")
                                         .replace("Replacement submissions (", "Ersetzungen ("),
    "no-date-heading": lambda html: re.sub(r"<h3>Showing new listings for [^<]*</h3>", "", html),
    "no-abstract-links": lambda html: html.replace('href ="/abs/', 'href ="/paper/'),
    "no-entries": lambda html: re.sub(r"<dl id='articles'>.*</dl>", "", html, flags=re.S),
}


@pytest.mark.parametrize("change", CHANGED)
def test_a_page_whose_structure_changed_is_an_upstream_error_that_says_what_was_expected(
        tmp_path, arxiv_server, change):  # noqa: F811
    def changed(request):
        reply = listing_responder(RECORDING, LISTING_DATE)(request)
        return Reply(200, CHANGED[change](reply.body.decode()).encode(), content_type="text/html")

    serve(arxiv_server)
    arxiv_server.route("/list/*", changed)
    config = make_config(tmp_path, arxiv_server)
    with pytest.raises(UpstreamError, match="expected an arXiv listing page") as info:
        fetch_issue(config, ISSUE, AT_2005, client=fast_client(config))
    assert not info.value.unreachable
    assert not config.issues_dir.exists()


def test_an_html_error_page_is_an_upstream_error_naming_it(project):
    config, server = project
    server.route("/list/*", Reply.html(200, "arXiv is down for maintenance"))
    with pytest.raises(UpstreamError, match="down for maintenance") as info:
        _batch(config)
    assert not info.value.unreachable


def test_a_server_error_is_retried_then_unreachable(project):
    config, server = project
    server.route("/list/*", Reply.html(503, "Service Unavailable"))
    with pytest.raises(UpstreamError) as info:
        _batch(config)
    assert info.value.unreachable
    assert server.count("/list/cs.CV/new") == 3  # the client's attempts


def test_an_unknown_category_is_an_upstream_error(project):
    config, server = project
    server.route("/list/cs.XX/new", Reply(404, b"Not Found", content_type="text/plain"))
    with pytest.raises(UpstreamError, match="404") as info:
        fetch_batch(fast_client(config), config.arxiv.listing_url, ("cs.CV", "cs.XX"), LISTING_DATE)
    assert not info.value.unreachable


def test_a_page_that_never_answers_times_out_as_unreachable(project):
    config, server = project
    server.route("/list/*", Reply(fault="hang"))
    with pytest.raises(UpstreamError) as info:
        fetch_batch(fast_client(config, read_timeout=0.3, max_attempts=2), config.arxiv.listing_url, CATS,
                    LISTING_DATE)
    assert info.value.unreachable


def test_empty_listings_in_every_category_on_an_announcement_day_fail(project):
    config, server = project
    server.route("/list/*", lambda r: Reply(200, listing_page([], "cs.CV", LISTING_DATE), content_type="text/html"))
    with pytest.raises(UpstreamError, match="all empty") as info:
        _batch(config)
    assert not info.value.unreachable


def test_one_empty_category_among_others_is_fine(project):
    config, server = project
    server.route("/list/cs.AI/new", Reply(200, listing_page([], "cs.AI", LISTING_DATE), content_type="text/html"))
    batch = _batch(config)
    assert batch.items and not any(p.categories == ("cs.AI",) for p in batch.items)


# --- the window's batch at announcement time --------------------------------------------------


def test_at_2005_eastern_the_batch_comes_from_the_listing_pages(project):
    config, server = project
    result = fetch_issue(config, ISSUE, AT_2005, client=fast_client(config))
    assert result.source == "listing"
    assert server.count(f"/rss/{'+'.join(CATS)}") == 0
    assert result.counts["matched"] > 0


def test_before_2000_eastern_nothing_is_asked_and_nothing_written(project):
    config, server = project
    with pytest.raises(NotAvailableYet) as info:
        fetch_issue(config, ISSUE, AT_1955, client=fast_client(config))
    assert info.value.retry_after == datetime(2024, 11, 28, 10, 0, tzinfo=KST)
    assert str(info.value).endswith("retry after 10:00 KST")
    assert server.count() == 0 and not config.issues_dir.exists()


def test_a_listing_not_switched_yet_is_not_available_and_retried_soon(tmp_path, arxiv_server):  # noqa: F811
    serve(arxiv_server, listing_date=date(2024, 11, 27))
    config = make_config(tmp_path, arxiv_server)
    with pytest.raises(NotAvailableYet) as info:
        fetch_issue(config, ISSUE, AT_2005, client=fast_client(config))
    assert "still shows the listing of 2024-11-27" in str(info.value)
    assert info.value.retry_after == datetime(2024, 11, 28, 10, 20, tzinfo=KST)
    assert not config.issues_dir.exists()


def _stable(doc: dict) -> dict:
    out = {k: v for k, v in doc.items() if k not in VOLATILE_KEYS}
    out["candidates"] = [{k: v for k, v in c.items() if k != "first_seen"} for c in doc["candidates"]]
    return out


def test_the_batch_read_both_ways_gives_the_same_candidates_file(tmp_path, arxiv_server):  # noqa: F811
    serve(arxiv_server)
    docs = {}
    for name, now in (("listing", AT_2005), ("rss", AT_0010)):
        config = make_config(tmp_path / name, arxiv_server)
        result = fetch_issue(config, ISSUE, now, client=fast_client(config), prescore=prescorer(config, ISSUE))
        assert result.source == name
        docs[name] = json.loads(result.path.read_text("utf-8"))
    assert _stable(docs["listing"]) == _stable(docs["rss"])
    assert len(docs["rss"]["candidates"]) > 20


def test_the_rss_after_midnight_leaves_the_listings_file_untouched(project):
    config, server = project
    first = fetch_issue(config, ISSUE, AT_2005, client=fast_client(config), prescore=prescorer(config, ISSUE))
    before = first.path.read_bytes()
    again = fetch_issue(config, ISSUE, AT_0010, client=fast_client(config), refresh=True,
                        prescore=prescorer(config, ISSUE))
    assert again.source == "rss" and again.changed is False
    assert first.path.read_bytes() == before


# --- the morning edition, as cron runs it ------------------------------------------------------

SUMMER_LISTING = date(2026, 7, 1)  # announced Tue 30 Jun 2026 20:00 EDT = Wed 1 Jul 09:00 KST, the cutoff
SHIPPED_CATS = ("cs.CV", "cs.LG", "cs.CL")


@pytest.fixture
def morning(tmp_path, arxiv_server):  # noqa: F811 - pytest fixture injection
    """The shipped project with no issues, its arXiv the stand-in serving the recording as 1 July 2026's batch."""
    from conftest import copy_project

    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server)
    feed = feed_for(RECORDING, SHIPPED_CATS).replace(b"Thu, 28 Nov 2024 00:00:00 -0500", b"Wed, 01 Jul 2026 00:00:00 -0400")
    arxiv_server.route("/list/*", listing_responder(RECORDING, SUMMER_LISTING))
    arxiv_server.route(f"/rss/{'+'.join(SHIPPED_CATS)}", Reply(200, feed))
    arxiv_server.route("/api/query", feed_api(feed_items(RECORDING)), when=lambda r: bool(r.param("id_list")))
    return root


def _nightly(root, now: str, monkeypatch) -> int:
    from digest.cli import main

    monkeypatch.setenv("DIGEST_NOW", now)
    return main(["--config", str(root / "digest.yaml"), "nightly"])


def test_the_nightly_at_2005_eastern_publishes_that_mornings_issue(morning, arxiv_server, monkeypatch):  # noqa: F811
    assert _nightly(morning, "2026-06-30T19:55:00-04:00", monkeypatch) == 75
    assert not list((morning / "issues").iterdir()) and not (morning / "site").exists()
    assert arxiv_server.count() == 0

    assert _nightly(morning, "2026-06-30T20:05:00-04:00", monkeypatch) == 0
    candidates = morning / "issues" / "2026-07-01.candidates.json"
    doc = json.loads(candidates.read_text("utf-8"))
    assert doc["source"] == "listing" and doc["candidates"]
    assert (morning / "issues" / "2026-07-01.yaml").exists()
    assert (morning / "site" / "index.html").exists()
    assert arxiv_server.count(f"/rss/{'+'.join(SHIPPED_CATS)}") == 0

    # After midnight Eastern the RSS has the same batch: the candidates file stays as it was.
    before = candidates.read_bytes()
    assert _nightly(morning, "2026-07-01T00:10:00-04:00", monkeypatch) == 0
    assert arxiv_server.count(f"/rss/{'+'.join(SHIPPED_CATS)}") == 1
    assert candidates.read_bytes() == before


def test_a_page_that_repeats_itself_ends_the_read_with_an_upstream_error(project):
    config, server = project
    stuck = listing_page(PAPERS, "cs.CV", LISTING_DATE, skip=0, show=50)
    server.route("/list/*", Reply(200, stuck, content_type="text/html"))
    with pytest.raises(UpstreamError, match="adds no entry") as info:
        _batch(config)
    assert not info.value.unreachable
    assert server.count("/list/cs.CV/new") == 2


def test_with_an_eastern_cutoff_the_winter_batch_goes_out_the_same_morning(tmp_path, arxiv_server, monkeypatch):  # noqa: F811
    """Announced Wed 27 Nov 2024 20:00 EST = Thu 28 Nov 10:00 KST: issue of the 28th, out at 10:05 KST."""
    from conftest import copy_project

    root = copy_project(tmp_path / "proj", issues=False)
    point_at(root, arxiv_server)
    config = root / "digest.yaml"
    config.write_text(re.sub(r"cutoff: .*", 'cutoff: "20:00 America/New_York"', config.read_text()))
    arxiv_server.route("/list/*", listing_responder(RECORDING, LISTING_DATE))
    arxiv_server.route("/api/query", feed_api(feed_items(RECORDING)), when=lambda r: bool(r.param("id_list")))

    assert _nightly(root, "2024-11-28T09:55:00+09:00", monkeypatch) == 75
    assert _nightly(root, "2024-11-28T10:05:00+09:00", monkeypatch) == 0
    doc = json.loads((root / "issues" / "2024-11-28.candidates.json").read_text("utf-8"))
    assert doc["source"] == "listing" and doc["window"]["end"] == "2024-11-28T10:00:00+09:00"
    assert (root / "site" / "index.html").exists()
