"""Atom feeds, sitemap and robots.txt (digest.render.feeds)."""
from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urljoin

import feedparser
import jinja2
import pytest
from bs4 import BeautifulSoup
from conftest import copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from digest.build.views import load_project
from digest.editorial.config import load_config
from digest.render.feeds import (FEED_TEMPLATES, MAX_ISSUES, MAX_PAPERS, absolutize, feed_pages, issues_feed,
                                 papers_feed, plain_text, sitemap, xml_text)
from digest.render.pages import NoStash
from digest.render.site import plan_pages
from digest.render.view import newest_first

A = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://example.org/digest/"
HTML_PATHS = ["index.html", "2024/11/29/index.html", "2026/07/01/index.html", "archive/index.html", "404.html"]
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$")


def _load(root: Path):
    config = load_config(root / "digest.yaml")
    project = load_project(config)
    assert not project.errors, project.errors
    return config, project.views


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """(config, views) of a copy of the shipped project: issues 2024-11-29 and 2026-07-01."""
    return _load(copy_project(tmp_path_factory.mktemp("feeds") / "proj"))


def _env(config, views):
    """The site's template environment as the page plan leaves it for the feeds (with `paper_page`)."""
    return plan_pages(config, views).env


def _pages(config, views, paths=HTML_PATHS) -> dict[str, bytes]:
    return {p.path: p.make(NoStash()) for p in feed_pages(config, newest_first(views), _env(config, views), list(paths))}


def _xml(body: bytes) -> ET.Element:
    return ET.fromstring(body)


def _entries(feed: ET.Element) -> list[ET.Element]:
    return feed.findall(f"{A}entry")


def _content_soup(entry: ET.Element) -> BeautifulSoup:
    content = entry.find(f"{A}content")
    assert content is not None and content.get("type") == "html"
    return BeautifulSoup(content.text or "", "html.parser")


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _by_date(views):
    return sorted(views, key=lambda v: v.issue.date, reverse=True)


# --------------------------------------------------------------------------
# Well-formed Atom with what RFC 4287 requires
# --------------------------------------------------------------------------


def test_pages_and_paths(shipped):
    config, views = shipped
    pages = feed_pages(config, newest_first(views), _env(config, views), HTML_PATHS)
    assert [p.path for p in pages] == ["feed.xml", "papers.xml", "sitemap.xml", "robots.txt"]
    assert all(isinstance(p.make(NoStash()), bytes) for p in pages)
    # The feeds are rendered with the issue page's template, so its edits re-make them.
    assert [p.templates for p in pages[:2]] == [FEED_TEMPLATES, FEED_TEMPLATES] and "_issue.html" in FEED_TEMPLATES


@pytest.mark.parametrize("name", ["feed.xml", "papers.xml"])
def test_feeds_parse_without_bozo(shipped, name):
    config, views = shipped
    body = _pages(config, views)[name]
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n')
    assert _xml(body).tag == f"{A}feed"
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert len(parsed.entries) == (2 if name == "feed.xml" else 10)


@pytest.mark.parametrize("name", ["feed.xml", "papers.xml"])
def test_rfc4287_required_elements(shipped, name):
    config, views = shipped
    feed = _xml(_pages(config, views)[name])
    for tag in ("id", "title", "updated"):
        assert len(feed.findall(f"{A}{tag}")) == 1, tag
        assert (feed.find(f"{A}{tag}").text or "").strip(), tag
    assert feed.find(f"{A}id").text == BASE + name
    assert feed.find(f"{A}author/{A}name").text == "Diffusion Digest"
    links = feed.findall(f"{A}link")
    assert [(l.get("rel"), l.get("href")) for l in links if l.get("rel") == "self"] == [("self", BASE + name)]
    assert [l.get("href") for l in links if l.get("rel") == "alternate"] == [BASE]
    feed_has_author = feed.find(f"{A}author") is not None
    entries = _entries(feed)
    assert entries
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{A}{tag}")) == 1, tag
            assert (entry.find(f"{A}{tag}").text or "").strip(), tag
        assert feed_has_author or entry.find(f"{A}author") is not None
        alternates = [l for l in entry.findall(f"{A}link") if l.get("rel", "alternate") == "alternate"]
        assert len(alternates) == 1
        assert alternates[0].get("href").startswith(BASE)
        assert entry.find(f"{A}summary").text.strip()
        assert entry.find(f"{A}content").get("type") == "html"


@pytest.mark.parametrize("name", ["feed.xml", "papers.xml"])
def test_ids_stable_unique_and_tag_uris(shipped, tmp_path, name):
    config, views = shipped
    ids = [e.find(f"{A}id").text for e in _entries(_xml(_pages(config, views)[name]))]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"tag:example\.org,\d{4}-\d{2}-\d{2}:digest/(issue|paper:[\w.\-/]+)", i) for i in ids)
    # Same ids from a second call and from a fresh load of the same files.
    again = [e.find(f"{A}id").text for e in _entries(_xml(_pages(config, views)[name]))]
    config2, views2 = _load(copy_project(tmp_path / "again"))
    fresh = [e.find(f"{A}id").text for e in _entries(_xml(_pages(config2, views2)[name]))]
    assert ids == again == fresh


def test_issue_ids_follow_the_brief_at_the_host_root(shipped):
    config, views = shipped
    rooted = dataclasses.replace(config, site=dataclasses.replace(config.site, base_url="https://Example.ORG/"))
    feed = _xml(_pages(rooted, views)["feed.xml"])
    assert [e.find(f"{A}id").text for e in _entries(feed)] == [
        "tag:example.org,2026-07-01:issue", "tag:example.org,2024-11-29:issue"]
    papers = _xml(_pages(rooted, views)["papers.xml"])
    ids = [e.find(f"{A}id").text for e in _entries(papers)]
    assert ids[0] == "tag:example.org,2026-07-01:paper:2606.32020"
    # A paper without an arXiv id is keyed by its anchor.
    assert "tag:example.org,2026-07-01:paper:multi-block-diffusion-language-models" in ids


# --------------------------------------------------------------------------
# Dates and order
# --------------------------------------------------------------------------


def test_dates_are_the_published_times(shipped):
    config, views = shipped
    pages = _pages(config, views)
    feed = _xml(pages["feed.xml"])
    newest = _by_date(views)
    entries = _entries(feed)
    assert [e.find(f"{A}title").text for e in entries] == [v.title for v in newest]
    for entry, view in zip(entries, newest):
        for tag in ("published", "updated"):
            text = entry.find(f"{A}{tag}").text
            assert RFC3339.match(text), text
            assert _when(text) == view.issue.published
            assert _when(text).utcoffset() == timedelta(hours=9)  # the site's zone, Asia/Seoul
    assert entries[0].find(f"{A}published").text == "2026-07-01T09:24:00+09:00"
    assert feed.find(f"{A}updated").text == "2026-07-01T09:24:00+09:00"
    papers = _xml(pages["papers.xml"])
    assert papers.find(f"{A}updated").text == "2026-07-01T09:24:00+09:00"
    for entry in _entries(papers):
        assert RFC3339.match(entry.find(f"{A}updated").text)


def test_missing_published_falls_back_to_window_end(shipped):
    config, views = shipped
    view = next(v for v in views if v.issue.date == date(2026, 7, 1))
    unpublished = dataclasses.replace(view, issue=dataclasses.replace(view.issue, published=None))
    entry = _entries(_xml(_pages(config, [unpublished])["feed.xml"]))[0]
    assert entry.find(f"{A}published").text == "2026-07-01T09:00:00+09:00"
    assert _when(entry.find(f"{A}updated").text) == view.window.end


def test_feed_updated_is_the_latest_entry_not_the_first(shipped):
    config, views = shipped
    old = next(v for v in views if v.issue.date == date(2024, 11, 29))
    late = datetime.fromisoformat("2027-01-01T00:00:00+00:00")
    edited = dataclasses.replace(old, issue=dataclasses.replace(old.issue, published=late))
    others = [v for v in views if v is not old]
    feed = _xml(_pages(config, others + [edited])["feed.xml"])
    assert _when(feed.find(f"{A}updated").text) == late
    assert feed.find(f"{A}updated").text == "2027-01-01T09:00:00+09:00"


def test_no_issues_gives_valid_empty_feeds(shipped):
    config, _ = shipped
    pages = _pages(config, [], ["index.html", "archive/index.html", "404.html"])
    for name in ("feed.xml", "papers.xml"):
        feed = _xml(pages[name])
        assert _entries(feed) == []
        assert RFC3339.match(feed.find(f"{A}updated").text)
        assert not feedparser.parse(pages[name]).bozo


def test_caps(shipped):
    config, views = shipped
    view = next(v for v in views if v.issue.date == date(2026, 7, 1))
    many = []
    for i in range(MAX_ISSUES + 10):
        d = date(2026, 7, 1) - timedelta(days=i)
        issue = dataclasses.replace(view.issue, date=d, published=view.issue.published - timedelta(days=i))
        many.append(dataclasses.replace(view, issue=issue, url=d.strftime("%Y/%m/%d/")))
    pages = _pages(config, many)
    issues = _entries(_xml(pages["feed.xml"]))
    assert len(issues) == MAX_ISSUES
    assert issues[0].find(f"{A}id").text.startswith("tag:example.org,2026-07-01:")
    papers = _entries(_xml(pages["papers.xml"]))
    assert len(papers) == MAX_PAPERS
    ids = [e.find(f"{A}id").text for e in papers]
    assert len(set(ids)) == len(ids)


# --------------------------------------------------------------------------
# The issue's full text
# --------------------------------------------------------------------------


def _all_links(soup: BeautifulSoup) -> list[str]:
    return [t.get("href") for t in soup.find_all(href=True)] + [t.get("src") for t in soup.find_all(src=True)]


def test_issue_content_holds_table_and_cards(shipped):
    config, views = shipped
    feed = _xml(_pages(config, views)["feed.xml"])
    for entry, view in zip(_entries(feed), _by_date(views)):
        url = BASE + view.url
        soup = _content_soup(entry)
        table = soup.find("table")
        rows = table.find("tbody").find_all("tr")
        assert [r.find("td").get_text() for r in rows] == [str(p.rank) for p in view.papers]
        assert [r.find("th").get_text(" ", strip=True) for r in rows] == [p.name for p in view.papers]
        for row, p in zip(rows, view.papers):
            href = row.find("th").find("a")["href"]
            assert href == (f"{url}#{p.anchor}" if p.featured else p.primary_url)
            assert row.find("sup").find("a")["href"] == f"{url}#ref-{p.rank}"
        headings = [h.get_text() for h in soup.find_all("h2")]
        assert len(view.featured) == 5
        for p in view.featured:
            assert f"{p.rank}. {p.name}: {p.tagline}" in headings
            for _label, html in p.sections:
                # The card's own prose made it in (first words of each section).
                first = BeautifulSoup(str(html), "html.parser").get_text(" ").split()[:6]
                assert " ".join(first) in soup.get_text(" ")
            for link in p.links:
                assert link.url in _all_links(soup)
        assert len(soup.find_all("h3")) >= sum(len(p.sections) for p in view.featured)
        assert "Sources" in headings
        # Every link absolute (https), the citation links point back at the issue page.
        links = _all_links(soup)
        assert links and all(link.startswith("https://") for link in links), links
        assert f"{url}#ref-1" in links


def _issue_page(config, views, view) -> BeautifulSoup:
    """The issue's own page, as the site shows it."""
    page = next(p for p in plan_pages(config, views).pages if p.path == view.url + "index.html")
    return BeautifulSoup(page.make(NoStash()), "html.parser")


# Elements a feed reader shows as nothing when they are empty.
_MUST_HAVE_TEXT = ("a", "p", "li", "dt", "dd", "h1", "h2", "h3", "h4", "section", "figcaption", "blockquote",
                   "ol", "ul")


def test_issue_entry_is_the_issue_pages_body_with_absolute_links(shipped):
    # feed.xml renders the page's own macro (issue_body): the same text and links as the page's article below
    # its header, each link resolved against the issue page, and nothing that works only on the site.
    config, views = shipped
    feed = _xml(_pages(config, views)["feed.xml"])
    for entry, view in zip(_entries(feed), _by_date(views)):
        url = BASE + view.url
        soup = _content_soup(entry)
        article = _issue_page(config, views, view).find("article")
        article.find("header").decompose()  # the entry's own title, date and summary say it
        assert soup.get_text(" ", strip=True) == article.get_text(" ", strip=True)
        assert _all_links(soup) == [urljoin(url, link) for link in _all_links(article)]
        cards = soup.find_all("section", class_="card")
        assert [c["id"] for c in cards] == [p.anchor for p in view.featured]
        for card, p in zip(cards, view.featured):
            assert card.find("h2").get_text() == f"{p.rank}. {p.name}: {p.tagline}"
            assert [h.get_text() for h in card.select(".card-section h3")] == [
                h.get_text() for h in article.find("section", id=p.anchor).select(".card-section h3")]
            assert len(card.select(".card-section")) == len(p.sections) > 0
        for tag in ("script", "style", "iframe", "form", "input", "nav", "header"):
            assert soup.find(tag) is None, tag
        assert soup.find(tabindex=True) is None  # the page's scrollable table box stays on the page
        assert not [t for t in soup.find_all(_MUST_HAVE_TEXT) if not t.get_text(strip=True)]


def test_paper_entry_is_the_card_without_its_heading(shipped):
    # papers.xml: the lead line (rank, link to the issue), then the page's card macro without its heading
    # (the entry's title), so its sections are <h2>.
    config, views = shipped
    entries = _entries(_xml(_pages(config, views)["papers.xml"]))
    expected = [(v, p) for v in _by_date(views) for p in v.featured]
    pages = {v.url: _issue_page(config, views, v) for v in views}
    assert len(entries) == len(expected)
    for entry, (view, p) in zip(entries, expected):
        url = BASE + view.url
        soup = _content_soup(entry)
        lead = soup.find("p")
        assert lead.get_text() == f"#{p.rank} · {view.title}" and lead.find("a")["href"] == url
        card = soup.find("section", class_="card")
        assert card["id"] == p.anchor and "aria-labelledby" not in card.attrs
        on_page = pages[view.url].find("section", id=p.anchor)
        on_page.find(id=f"{p.anchor}-h").decompose()
        assert card.get_text(" ", strip=True) == on_page.get_text(" ", strip=True)
        assert [h.get_text() for h in card.find_all("h2")] == [h.get_text() for h in on_page.find_all("h3")]
        assert _all_links(card) == [urljoin(url, link) for link in _all_links(on_page)]
        assert all(link.startswith("https://") for link in _all_links(soup))
        assert soup.find("script") is None
        assert not [t for t in soup.find_all(_MUST_HAVE_TEXT) if not t.get_text(strip=True)]


def test_a_theme_override_of_the_card_macro_reaches_both_feeds(tmp_path):
    root = copy_project(tmp_path / "proj")
    override = root / "templates" / "_issue.html"
    text = override.read_text(encoding="utf-8")
    anchor = '    <dl class="paper-meta">\n'
    assert text.count(anchor) == 1  # in the card macro
    override.write_text(text.replace(anchor, '    <p class="house">Our desk on {{ p.name }}</p>\n' + anchor),
                        encoding="utf-8")
    config, views = _load(root)
    pages = _pages(config, views)
    wanted = [f"Our desk on {p.name}" for v in _by_date(views) for p in v.featured]
    for name in ("feed.xml", "papers.xml"):
        notes = [n.get_text() for e in _entries(_xml(pages[name])) for n in _content_soup(e).select("p.house")]
        assert notes == wanted, name
    view = _by_date(views)[0]
    assert [n.get_text() for n in _issue_page(config, views, view).select("p.house")] == wanted[:len(view.featured)]


@pytest.mark.parametrize("text, missing", [
    ("<article>{{ view.title }}</article>\n", "fails without an issue"),  # written before the feeds used it
    ("{% if view is defined %}<article>{{ view.title }}</article>{% endif %}\n", "no macro 'issue_body'"),
])
def test_an_issue_template_without_the_macros_is_a_template_error(tmp_path, text, missing):
    root = copy_project(tmp_path / "proj")
    (root / "templates" / "_issue.html").write_text(text, encoding="utf-8")
    config, views = _load(root)
    env = _env(config, views)
    for make in (issues_feed, papers_feed):
        with pytest.raises(jinja2.TemplateRuntimeError, match=missing):
            make(config, views, env)


def test_issue_content_cover_is_absolute(shipped):
    config, views = shipped
    entry = _entries(_xml(_pages(config, views)["feed.xml"]))[0]
    img = _content_soup(entry).find("img")
    assert img["src"] == BASE + "covers/2026-07-01.svg"
    assert img["alt"].startswith("Abstract illustration")


def test_content_is_escaped_html_not_cdata(shipped):
    config, views = shipped
    for name in ("feed.xml", "papers.xml"):
        body = _pages(config, views)[name]
        assert b"<![CDATA[" not in body
        assert b"<table" not in body and b"<p>" not in body  # HTML is text content, so escaped


# --------------------------------------------------------------------------
# One entry per featured paper
# --------------------------------------------------------------------------


def test_papers_feed_entries(shipped):
    config, views = shipped
    feed = _xml(_pages(config, views)["papers.xml"])
    expected = [(v, p) for v in _by_date(views) for p in v.featured]
    entries = _entries(feed)
    assert len(entries) == len(expected) == 10
    for entry, (view, p) in zip(entries, expected):
        url = BASE + view.url
        assert entry.find(f"{A}title").text == f"{p.name}: {p.tagline}"
        links = {l.get("rel"): l.get("href") for l in entry.findall(f"{A}link")}
        assert links["alternate"] == f"{url}#{p.anchor}"
        assert links["related"] == p.primary_url
        ident = entry.find(f"{A}id").text
        assert ident == f"tag:example.org,{view.issue.date.isoformat()}:digest/paper:{p.arxiv or p.anchor}"
        assert _when(entry.find(f"{A}published").text) == view.issue.published
        assert [a.find(f"{A}name").text for a in entry.findall(f"{A}author")] == p.authors
        assert [c.get("term") for c in entry.findall(f"{A}category")] == p.categories
        summary = entry.find(f"{A}summary").text
        assert "<" not in summary and summary == BeautifulSoup(str(p.reason), "html.parser").get_text()
        soup = _content_soup(entry)
        assert all(link.startswith("https://") for link in _all_links(soup))
        assert soup.find("a", href=url) is not None
        assert len(soup.find_all("h2")) == len(p.sections)
    # Authors and categories are there when known: the 2024 issue comes from arXiv records.
    assert all(e.findall(f"{A}author") for e in entries[5:])
    assert all(e.findall(f"{A}category") for e in entries)
    assert entries[1].find(f"{A}author/{A}name").text == "Chika Maduabuchi"
    # The related link points at arXiv, or at the paper page when there is no arXiv id.
    assert {l.get("href") for l in entries[3].findall(f"{A}link")} >= {"https://sjtu-deng-lab.github.io/mbd-lms/"}


def test_papers_feed_via_feedparser(shipped):
    config, views = shipped
    parsed = feedparser.parse(_pages(config, views)["papers.xml"])
    vdmini = next(e for e in parsed.entries if e.title.startswith("VDMini"))
    assert [a.name for a in vdmini.authors][:3] == ["Yiming Wu", "Huan Wang", "Zhenghao Chen"]
    assert [t.term for t in vdmini.tags] == ["cs.CV", "eess.IV"]
    assert vdmini.link == BASE + "2024/11/29/#vdmini"


# --------------------------------------------------------------------------
# Sitemap and robots.txt
# --------------------------------------------------------------------------


def test_sitemap(shipped):
    config, views = shipped
    paths = HTML_PATHS + ["archive/index.html"]  # a duplicate is listed once
    root = _xml(_pages(config, views, paths)["sitemap.xml"])
    assert root.tag == f"{SM}urlset"
    urls = root.findall(f"{SM}url")
    locs = [u.find(f"{SM}loc").text for u in urls]
    assert locs == sorted(locs)
    assert sorted(locs) == sorted([BASE, BASE + "2024/11/29/", BASE + "2026/07/01/", BASE + "archive/"])
    lastmod = {u.find(f"{SM}loc").text: getattr(u.find(f"{SM}lastmod"), "text", None) for u in urls}
    assert lastmod[BASE + "2026/07/01/"] == "2026-07-01"
    assert lastmod[BASE + "2024/11/29/"] == "2024-11-29"
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in lastmod.values() if v)
    assert not any("404" in loc for loc in locs)


def test_robots(shipped):
    config, views = shipped
    robots = _pages(config, views)["robots.txt"].decode()
    assert "User-agent: *\n" in robots and "Disallow: /" not in robots
    assert f"Sitemap: {BASE}sitemap.xml\n" in robots


def test_deterministic(shipped, tmp_path):
    config, views = shipped
    first = _pages(config, views)
    assert first == _pages(config, views)
    config2, views2 = _load(copy_project(tmp_path / "again"))
    assert first == _pages(config2, views2)
    assert _pages(config, list(reversed(views))) == first  # input order does not matter


# --------------------------------------------------------------------------
# Hostile text
# --------------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script> ]]> \x00\x01\x0b \u202eevil\u202c & <b>bold</b> \ud800 \ufffe"


def _assert_safe(pages: dict[str, bytes]) -> None:
    for name in ("feed.xml", "papers.xml", "sitemap.xml"):
        _xml(pages[name])  # well-formed
    for name in ("feed.xml", "papers.xml"):
        assert not feedparser.parse(pages[name]).bozo
        for entry in _entries(_xml(pages[name])):
            soup = _content_soup(entry)
            assert soup.find("script") is None
            assert soup.find("b") is None
            assert not any(k.startswith("on") for t in soup.find_all(True) for k in t.attrs)


def test_hostile_editor_text_end_to_end(tmp_path):
    root = copy_project(tmp_path / "proj")
    path = root / "issues" / "2026-07-01.yaml"
    text = path.read_text(encoding="utf-8")
    evil = r'"<script>alert(1)</script> ]]> \0\x01 \u202eevil\u202c & <b>bold</b>"'
    text = text.replace("featured: 5\n", f"title: {evil}\nfeatured: 5\n", 1)
    text = text.replace("short: Cross-Space Distillation", f"short: {evil}", 1)
    text = text.replace("tagline: one-step students taught from outside their own latent space",
                        f"tagline: {evil}\n    title: {evil}\n    authors: [{evil}, Ada]", 1)
    path.write_text(text, encoding="utf-8")
    config, views = _load(root)
    pages = _pages(config, views)
    _assert_safe(pages)
    feed = _xml(pages["feed.xml"])
    expected = "<script>alert(1)</script> ]]>  \u202eevil\u202c & <b>bold</b>"
    assert _entries(feed)[0].find(f"{A}title").text == expected  # kept as text, control characters gone
    soup = _content_soup(_entries(feed)[0])
    assert soup.find("tbody").find("th").get_text() == expected  # the paper's name in the table
    paper = _entries(_xml(pages["papers.xml"]))[0]
    assert paper.find(f"{A}title").text == f"{expected}: {expected}"
    assert [a.find(f"{A}name").text for a in paper.findall(f"{A}author")] == [expected, "Ada"]
    assert b"\x00" not in pages["feed.xml"] and b"<script" not in pages["feed.xml"]


def test_hostile_abstract_and_fields(shipped):
    config, views = shipped
    view = _by_date(views)[0]
    papers = [dataclasses.replace(p, abstract=HOSTILE, sections=[], reviewed=False, title=HOSTILE,
                                  authors=[HOSTILE], categories=[HOSTILE], venue=HOSTILE)
              if p.rank == 1 else p for p in view.papers]
    bad = dataclasses.replace(view, title=HOSTILE, dek=HOSTILE, window_text=HOSTILE, papers=papers,
                              featured=[p for p in papers if p.featured])
    pages = _pages(config, [bad])
    _assert_safe(pages)
    entry = _entries(_xml(pages["papers.xml"]))[0]
    soup = _content_soup(entry)
    assert soup.find("blockquote").get_text() == xml_text(HOSTILE)
    assert entry.find(f"{A}summary").text  # the reason, as plain text


# Any code point, lone surrogates included, with the troublemakers drawn often.
_PIECES = st.one_of(
    st.characters(codec=None, exclude_categories=()),
    st.sampled_from(["\x00", "\x08", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\ufdd0",
                     "\u202e", "\u2066", "\r", "\n", "&", "<", ">", '"', "'", "]]>", "<script>", "</content>"]),
)
NASTY = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=NASTY, name=NASTY.filter(bool))
def test_any_text_keeps_feeds_well_formed(shipped, title, name):
    config, views = shipped
    view = _by_date(views)[0]
    papers = [dataclasses.replace(p, name=name) if p.rank == 1 else p for p in view.papers]
    odd = dataclasses.replace(view, title=title, papers=papers, featured=[p for p in papers if p.featured])
    pages = _pages(config, [odd])
    feed = _xml(pages["feed.xml"])
    assert (_entries(feed)[0].find(f"{A}title").text or "") == xml_text(title)
    paper = _entries(_xml(pages["papers.xml"]))[0]
    assert paper.find(f"{A}title").text == xml_text(f"{name}: {papers[0].tagline}")
    for body in (pages["feed.xml"], pages["papers.xml"]):
        for entry in _entries(_xml(body)):
            assert _content_soup(entry).find("script") is None


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def test_absolutize():
    base = BASE + "2026/07/01/"
    html = ('<p><a href="#ref-2">2</a> <a href="../../06/30/">prev</a> <a href="//cdn.example/x.png">x</a> '
            '<a href="mailto:ed@example.org">mail</a> <a href="javascript:alert(1)">js</a> '
            '<img src="img/a.png" alt="a &amp; b" onerror="x()"><br /></p><script>bad()</script>'
            "<annotation>a &lt; b</annotation>")
    out = absolutize(html, base)
    soup = BeautifulSoup(out, "html.parser")
    assert [a.get("href") for a in soup.find_all("a")] == [
        base + "#ref-2", BASE + "2026/06/30/", "https://cdn.example/x.png", "mailto:ed@example.org", None]
    assert soup.find("img")["src"] == base + "img/a.png"
    assert soup.find("img")["alt"] == "a & b" and "onerror" not in soup.find("img").attrs
    assert soup.find("script") is None and "bad()" not in out
    assert "a &lt; b" in out


def test_plain_text_drops_citations_and_keeps_tex():
    html = Markup('Faster around <math xmlns="http://www.w3.org/1998/Math/MathML"><semantics><mrow><mi>log</mi>'
                  '</mrow><annotation encoding="application/x-tex">\\log \\text{SNR} = 0</annotation></semantics>'
                  '</math>, really <sup class="cite"><a href="#ref-7">7</a></sup>. Q&amp;A &quot;x&quot;')
    assert plain_text(html) == 'Faster around \\log \\text{SNR} = 0, really. Q&A "x"'


def test_xml_text():
    assert xml_text("a\x00b\x0bc\td\r\ne\rf\ud800g\u202eh\U0001F600") == "abc\td\ne\nfg\u202eh\U0001F600"


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.one_of(st.from_regex(r"[a-z0-9._~-]{1,12}", fullmatch=True), st.text(min_size=1, max_size=12)),
                      min_size=1, max_size=6))
def test_each_sitemap_address_is_the_base_and_the_quoted_path(shipped, names):
    # Whatever the base address holds (here `&`, which XML escapes) and whatever a page path holds, each <loc>
    # reads as the base followed by the path percent-encoded, less what XML cannot carry.
    config, views = shipped
    base = "https://example.org/digest?a=1&b=2/"
    config = dataclasses.replace(config, site=dataclasses.replace(config.site, base_url=base))
    root = _xml(sitemap(config, views, [f"topics/{name}/index.html" for name in names]))
    locs = {u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")}
    assert locs == {xml_text(base + quote(f"topics/{name}/", safe="/-._~!$&'()*+,;=:@%")) for name in names}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(min_size=1, max_size=12), min_size=0, max_size=6))
def test_sitemap_lists_any_page_path_once_as_well_formed_xml(shipped, names):
    config, views = shipped
    paths = [f"topics/{name}/index.html" for name in names] + ["404.html"]
    root = _xml(_pages(config, views, paths)["sitemap.xml"])
    locs = [u.find(f"{SM}loc").text for u in root.findall(f"{SM}url")]
    assert locs == sorted(set(locs)) and len(locs) == len(set(names))
    assert all(loc.startswith(BASE + "topics/") for loc in locs)
