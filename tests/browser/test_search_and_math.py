"""Search (Pagefind, with a no-JavaScript fallback) and MathML layout, in headless Chromium."""
from __future__ import annotations

import itertools
import json
import re
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup

from digest.build.search_index import assign_shards

from .conftest import HEIGHT, axe_violations, describe

REFERENCE_ISSUE = "2026/07/01/index.html"
STOPWORDS = {"about", "after", "their", "there", "these", "those", "under", "which", "while", "with", "without",
             "through", "using", "where", "model", "models", "learning", "diffusion"}


def _url(site, server, rel: str) -> str:
    return server + site.url_path(rel)[len(site.prefix):]


def _soup(site, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site.folder / rel).read_text(encoding="utf-8"), "html.parser")


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


def _title_word(site) -> tuple[str, str, str]:
    """(word, title, paper page) for a paper: the longest plain word of its title that no other page's index
    holds, so the search has exactly one page to find (the title is indexed on the paper page only)."""
    indexed = _indexed(site)
    for rel in sorted(site.pages["papers-item"]):
        meta = _soup(site, rel).select_one("dl.paper-meta")
        titles = [_text(dd) for dt, dd in zip(meta.select("dt"), meta.select("dd")) if dt.get_text() == "Title"]
        if not titles:
            continue
        words = sorted({w for w in re.findall(r"[A-Za-z]{6,}", titles[0]) if w.lower() not in STOPWORDS},
                       key=lambda w: (-len(w), w))
        for word in words:
            if not any(word.lower() in text for other, text in indexed.items() if other != rel):
                return word, titles[0], rel
    pytest.fail("no paper has a title word that only its page holds")


def _search_home_page_for(tab, site, server, word: str, paper: str):
    """Type `word` into the home page's search box; the first result link to the page `paper`, once visible."""
    tab.open(_url(site, server, "index.html"), width=1280)
    box = tab.page.locator("#site-search input")
    box.click()
    box.press_sequentially(word.lower(), delay=20)
    link = tab.page.locator(f'#site-search a.search-result-link[href^="{site.url_path(paper)}"]').first
    link.wait_for(state="visible", timeout=10_000)
    return link


def test_search_finds_a_paper_by_a_word_of_its_title(tab, site, server, axe_source):
    word, title, paper = _title_word(site)
    link = _search_home_page_for(tab, site, server, word, paper)
    page = tab.page
    assert link.inner_text().strip(), "the result link has no text"
    tab.settle()
    tab.assert_clean()
    # The results drawer, too, passes axe in both colour schemes.
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        violations = axe_violations(page, axe_source)
        assert not violations, f"axe-core on the search results ({scheme}):\n{describe(violations)}"
    link.click()
    page.wait_for_load_state("load")
    assert page.url.split("#")[0].endswith(site.url_path(paper)), page.url
    assert word.lower() in page.locator("main").inner_text().lower()
    tab.assert_clean()


def _shard_bundles(site) -> list[str]:
    """The served paths of the index's shard bundles, newest first (pagefind/shards.json)."""
    names = json.loads((site.folder / "pagefind" / "shards.json").read_text(encoding="utf-8"))["shards"]
    return [f"{site.prefix}pagefind/{name}/" for name in names]


def test_search_index_covers_only_issue_articles(tab, site, server):
    """The home page repeats the latest issue; only the issue page itself (and paper pages) can be a result."""
    word, _, paper = _title_word(site)
    tab.open(_url(site, server, "index.html"), width=1280)
    urls = tab.page.evaluate("""async ([bundles, word]) => {
        // A module instance of its own (the query), so nothing the search box set up is shared.
        const pagefind = await import(bundles[0] + 'pagefind.js?probe');
        for (const bundle of bundles.slice(1)) await pagefind.mergeIndex(bundle);
        const search = await pagefind.search(word);
        const data = await Promise.all(search.results.map(r => r.data()));
        return data.map(d => d.url);
    }""", [_shard_bundles(site), word.lower()])
    # Pagefind stores root-relative URLs; the UI, if it already set the module up, prefixes the site's path.
    paths = {u[len(site.prefix):] if u.startswith(site.prefix) else u.lstrip("/") for u in urls}
    assert paper[: -len("index.html")] in paths, urls
    indexed = {rel[: -len("index.html")] if rel.endswith("index.html") else rel
               for kind in ("issue", "papers-item") for rel in site.pages.get(kind, [])}
    assert paths <= indexed, f"pages other than issue (and paper) pages are in the index: {paths - indexed}"


def _indexed(site, *, as_indexed: bool = True) -> dict[str, str]:
    """The lower-case text of every page's `data-pagefind-body` article, by site path (the pages the index
    holds): without what it marks `data-pagefind-ignore` (what Pagefind reads), or all of it."""
    found = {}
    for path in sorted(site.folder.rglob("*.html")):
        rel = path.relative_to(site.folder).as_posix()
        body = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("[data-pagefind-body]")
        if body is not None and not rel.startswith("pagefind/"):
            for skipped in body.select("[data-pagefind-ignore]") if as_indexed else []:
                skipped.decompose()
            found[rel] = _text(body).lower()
    return found


def _oldest_and_newest_issue(site) -> tuple[str, str, str, dict[str, str]]:
    """(oldest issue page, newest issue page, a word only they hold, the indexed text by page)."""
    indexed = _indexed(site)
    issues = sorted(rel for rel in indexed if re.fullmatch(r"\d{4}/\d{2}/\d{2}/index\.html", rel))
    old, new = issues[0], issues[-1]
    # A word of both articles whose first five letters are in no other indexed page (Pagefind matches
    # prefixes and stems), so these two are the only full matches (looser ones rank below them).
    words = set(re.findall(r"[a-z]{6,}", indexed[old])) & set(re.findall(r"[a-z]{6,}", indexed[new]))
    word = next((w for w in sorted(words, key=lambda w: (-len(w), w))
                 if not any(w[:5] in text for rel, text in indexed.items() if rel not in (old, new))), None)
    assert word, "the two issues share no word that only they contain"
    return old, new, word, indexed


def _result_link(page, site, rel: str):
    return page.locator(f'#site-search a.search-result-link[href^="{site.url_path(rel)}"]').first


def test_one_search_finds_issues_in_the_oldest_and_the_newest_shard(tab, site, server):
    """The index is split into shards merged in the browser: one query in the search box finds an issue whose
    shard is the newest (the one Pagefind is loaded from) and one whose shard is an older, merged one."""
    old, new, word, indexed = _oldest_and_newest_issue(site)
    shards = assign_shards(indexed)
    shard_of = {rel: name for name, rels in shards.items() for rel in rels}
    names = [b.rstrip("/").rsplit("/", 1)[-1] for b in _shard_bundles(site)]
    assert names == list(shards) and shard_of[new] == names[0] and shard_of[old] != names[0], (names, shard_of)
    tab.open(_url(site, server, "index.html"), width=1280)
    page = tab.page
    box = page.locator("#site-search input")
    box.click()
    box.press_sequentially(word, delay=20)
    for rel in (new, old):
        _result_link(page, site, rel).wait_for(state="visible", timeout=10_000)
    shown = page.locator("#site-search a.search-result-link").evaluate_all(
        "links => [...new Set(links.map(a => a.pathname))]")  # a page's sub-results link to it again
    assert sorted(shown[:2]) == sorted([site.url_path(new), site.url_path(old)]), (word, shown)
    # The shipped issues' shards all fit the first search's budget: nothing is left to widen it to.
    assert re.fullmatch(rf"\d+ results for {word}", page.locator("#site-search .search-message").inner_text())
    assert page.locator("#site-search button.search-all").is_hidden()
    tab.settle()
    tab.assert_clean()


@contextmanager
def _first_search_reads(tab, site, first: int):
    """Serve pagefind/shards.json saying the first search reads the newest `first` shards (what the build
    writes for an archive whose shards are over the budget; the shipped issues' shards all fit it); yields the
    list of the shard of every index file the page fetches meanwhile."""
    listing = json.loads((site.folder / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    body = json.dumps({**listing, "first": first})
    fetched: list[str] = []

    def note(request) -> None:
        fetched.extend(re.findall(r"/pagefind/([^/]+)/(?:index|fragment)/", request.url))

    tab.page.route("**/pagefind/shards.json", lambda route: route.fulfill(
        status=200, content_type="application/json", body=body))
    tab.page.on("request", note)
    try:
        yield fetched
    finally:
        tab.page.remove_listener("request", note)
        tab.page.unroute("**/pagefind/shards.json")


def test_the_first_search_reads_the_newest_shards_says_so_and_widens_to_every_issue_when_asked(tab, site, server,
                                                                                             axe_source):
    old, new, word, _ = _oldest_and_newest_issue(site)
    newest = _shard_bundles(site)[0].rstrip("/").rsplit("/", 1)[-1]
    with _first_search_reads(tab, site, 1) as fetched:
        tab.open(_url(site, server, "index.html"), width=1280)
        page = tab.page
        box = page.locator("#site-search input")
        box.click()
        box.press_sequentially(word, delay=20)
        _result_link(page, site, new).wait_for(state="visible", timeout=10_000)
        tab.settle()
        message = page.locator("#site-search .search-message")
        assert re.fullmatch(rf"\d+ results? for {word} in issues since July 2026", message.inner_text())
        assert _result_link(page, site, old).count() == 0
        assert set(fetched) == {newest}, fetched  # no other shard's index was read
        widen = page.locator("#site-search button.search-all")
        assert widen.is_visible() and widen.inner_text() == "Search all issues"
        for scheme in ("light", "dark"):
            page.emulate_media(color_scheme=scheme)
            violations = axe_violations(page, axe_source)
            assert not violations, f"axe-core on the first search's results ({scheme}):\n{describe(violations)}"
        page.emulate_media(color_scheme="light")
        widen.click()
        _result_link(page, site, old).wait_for(state="visible", timeout=10_000)
        assert re.fullmatch(rf"\d+ results for {word}", message.inner_text())
        assert widen.is_hidden()
        assert box.evaluate("input => document.activeElement === input")  # the reader types on
        assert len(set(fetched)) > 1, fetched
        tab.settle()
        tab.assert_clean()


def test_a_search_with_no_match_in_the_newest_shards_says_where_it_looked(tab, site, server):
    old, _, _, indexed = _oldest_and_newest_issue(site)
    word = next(w for w in sorted(set(re.findall(r"[a-z]{7,}", indexed[old])), key=lambda w: (-len(w), w))
                if not any(w[:5] in text for rel, text in indexed.items() if rel != old))
    with _first_search_reads(tab, site, 1):
        tab.open(_url(site, server, "index.html"), width=1280)
        page = tab.page
        page.locator("#site-search input").fill(word)
        message = page.locator("#site-search .search-message")
        message.filter(has_text="No results").wait_for(timeout=10_000)
        assert message.inner_text() == f"No results for {word} in issues since July 2026"
        page.locator("#site-search button.search-all").click()
        _result_link(page, site, old).wait_for(state="visible", timeout=10_000)
        tab.settle()
        tab.assert_clean()


STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'"


def test_search_works_on_a_host_that_forbids_inline_scripts(tab, site, server):
    """Every page, served with a Content-Security-Policy that allows only the site's own script files (and
    Pagefind's WebAssembly), shows the search box and finds a paper: no page relies on an inline script."""
    word, _, paper = _title_word(site)

    def strict(route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    def is_page(url: str) -> bool:
        return url.endswith((".html", "/"))

    def note(msg) -> None:
        if "Content Security Policy" in msg.text:
            violations.append(msg.text)

    violations: list[str] = []
    tab.page.route(is_page, strict)
    tab.page.on("console", note)
    try:
        for kind in sorted(site.pages):
            tab.open(_url(site, server, site.representative(kind)), width=1280)
        _search_home_page_for(tab, site, server, word, paper)
        tab.settle()
        assert not violations, violations
        tab.assert_clean()
    finally:
        tab.page.remove_listener("console", note)
        tab.page.unroute(is_page, strict)


def test_the_box_turns_back_into_the_link_to_the_archive_when_pagefind_cannot_load(tab, site, server):
    tab.page.route("**/pagefind.js", lambda route: route.abort())
    try:
        tab.open(_url(site, server, "index.html"), width=1280)
        page = tab.page
        page.locator("#site-search input").click()
        link = page.locator("#site-search a.search-fallback")
        link.wait_for(state="visible", timeout=10_000)
        assert link.evaluate("a => a.pathname") == site.url_path("archive/index.html")
        assert page.locator("#site-search input").count() == 0
    finally:
        tab.page.unroute("**/pagefind.js")


# ---------------------------------------------------------------- each text indexed once, found where a reader wants it

_probes = itertools.count()


def _search(tab, site, query: str) -> list[dict]:
    """Every result of `query` through Pagefind's API over all the shards (a module instance of its own): each
    page's site path and the site paths (with #anchor) of its sub-results, the sections that hold a hit."""
    data = tab.page.evaluate("""async ([bundles, query, probe]) => {
        const pagefind = await import(bundles[0] + 'pagefind.js?probe=' + probe);
        for (const bundle of bundles.slice(1)) await pagefind.mergeIndex(bundle);
        const search = await pagefind.search(query);
        const data = await Promise.all(search.results.map(r => r.data()));
        return data.map(d => ({url: d.url, subs: d.sub_results.map(s => s.url)}));
    }""", [_shard_bundles(site), query, next(_probes)])

    def rel(url: str) -> str:
        return url[len(site.prefix):] if url.startswith(site.prefix) else url.lstrip("/")
    return [{"url": rel(d["url"]), "subs": [rel(s) for s in d["subs"]]} for d in data]


def _phrase(text: str, page_text: str, elsewhere: list[str], n: int = 4) -> str | None:
    """The first `n` consecutive plain words of `text` that its page's indexed text holds once and no other
    page's text holds, as a phrase search sees them (letters only, nothing between them but a space)."""
    tokens = text.split()
    for i in range(len(tokens) - n + 1):
        if all(re.fullmatch(r"[A-Za-z]+", w) for w in tokens[i:i + n]):
            phrase = " ".join(tokens[i:i + n]).lower()
            if page_text.count(phrase) == 1 and not any(phrase in other for other in elsewhere):
                return phrase
    return None


def _path(rel: str) -> str:
    """A site path as the index gives it: a folder's index.html is the folder."""
    return rel[: -len("index.html")]


def test_a_phrase_of_a_cards_technical_read_lands_on_that_card(tab, site, server):
    """The issue page holds the card's text; the card's heading has an id, so the result links to the card."""
    indexed = _indexed(site)
    others = [text for rel, text in indexed.items() if rel != REFERENCE_ISSUE]
    found = None
    for card in _soup(site, REFERENCE_ISSUE).select("section.card"):
        for section in card.select(".card-section"):
            if section.find(re.compile("^h[1-6]$")).get_text() == "Technical read":
                phrase = _phrase(_text(section.select_one(".prose")), indexed[REFERENCE_ISSUE], others)
                found = found or (phrase and (phrase, card.find(re.compile("^h[1-6]$"), id=True)["id"]))
    assert found, "no technical read has a phrase of its own"
    phrase, heading = found
    tab.open(_url(site, server, "index.html"), width=1280)
    issue = _path(REFERENCE_ISSUE)
    assert _search(tab, site, f'"{phrase}"') == [{"url": issue, "subs": [f"{issue}#{heading}"]}], phrase
    # In the search box (sub-results on): a link to the card itself, which scrolls it into view.
    page = tab.page
    box = page.locator("#site-search input")
    box.click()
    box.press_sequentially(phrase, delay=10)
    link = page.locator(f'#site-search a.search-result-link[href="{site.url_path(REFERENCE_ISSUE)}#{heading}"]')
    link.first.wait_for(state="visible", timeout=10_000)
    link.first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"#{heading}"), page.url
    top = page.locator(f"#{heading}").evaluate("h => h.getBoundingClientRect().top")
    assert -1 <= top < page.viewport_size["height"], top  # scrolled to the card's heading (to a subpixel)
    tab.assert_clean()


def test_a_phrase_of_an_abstract_finds_the_paper_page(tab, site, server):
    indexed = _indexed(site)
    found = None
    for rel in sorted(site.pages["papers-item"]):
        abstract = _soup(site, rel).select_one("blockquote.abstract")
        if abstract is not None and not found:
            phrase = _phrase(_text(abstract), indexed[rel], [t for other, t in indexed.items() if other != rel])
            found = phrase and (phrase, rel)
    assert found, "no abstract has a phrase of its own"
    phrase, rel = found
    tab.open(_url(site, server, "index.html"), width=1280)
    assert _search(tab, site, f'"{phrase}"') == [{"url": _path(rel), "subs": [f"{_path(rel)}#abstract-h"]}], phrase


def test_a_reason_in_the_issue_table_and_on_the_paper_page_is_found_on_the_paper_page_only(tab, site, server):
    """The speed-read table and the paper page both show the first-read reason; the index holds it once, on the
    paper page, so a search for it has one result, which lands on the reason."""
    shown, indexed = _indexed(site, as_indexed=False), _indexed(site)
    found = None
    for rel in sorted(site.pages["papers-item"]):
        reason = _soup(site, rel).select_one("section[aria-labelledby=reason-h] .prose")
        if reason is None or found:
            continue
        phrase = _phrase(_text(reason), indexed[rel], [])
        # Shown on the paper page and on exactly one issue page, and on no other page.
        pages = [other for other, text in shown.items() if phrase and phrase in text]
        if len(pages) == 2 and rel in pages and any(re.fullmatch(r"\d{4}/\d\d/\d\d/index\.html", p) for p in pages):
            found = phrase, rel
    assert found, "no first-read reason is shown on its paper page and in one issue's table"
    phrase, rel = found
    tab.open(_url(site, server, "index.html"), width=1280)
    assert _search(tab, site, f'"{phrase}"') == [{"url": _path(rel), "subs": [f"{_path(rel)}#reason-h"]}], phrase


def test_without_javascript_the_search_box_is_a_link_to_the_archive(browser, site, server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": HEIGHT})
    try:
        page = context.new_page()
        requested = []
        page.on("request", lambda req: requested.append(req.url))
        for rel in (site.representative(kind) for kind in sorted(site.pages)):
            page.goto(_url(site, server, rel))
            link = page.locator("#site-search a")
            assert link.count() == 1 and link.is_visible(), rel
            href = link.evaluate("a => a.href")
            assert href == server + "archive/", (rel, href)
            assert page.locator("#site-search input").count() == 0
        assert not [u for u in requested if "/pagefind/" in u], "pagefind loaded without JavaScript"
        page.goto(server + "archive/")
        assert page.locator("main a").count() > 0
    finally:
        context.close()


def test_ecfm_fraction_is_laid_out_as_mathml(tab, site, server):
    """The reference issue's ECFM card: d/dt is a stacked fraction, taller than a line of its paragraph."""
    tab.open(_url(site, server, REFERENCE_ISSUE), width=1280)
    tab.assert_clean()
    card = tab.page.locator("section.card", has_text="ECFM").filter(has=tab.page.locator("math mfrac")).first
    measures = card.locator("math:has(mfrac)").first.evaluate("""math => {
        const frac = math.querySelector('mfrac');
        const [num, den] = frac.children;
        const para = math.closest('p') || math.parentElement;
        const box = math.getBoundingClientRect();
        return {height: box.height, width: box.width,
                lineHeight: parseFloat(getComputedStyle(para).lineHeight),
                numBottom: num.getBoundingClientRect().bottom, denTop: den.getBoundingClientRect().top,
                display: getComputedStyle(math).display};
    }""")
    assert measures["display"].endswith("math"), measures  # Chromium lays it out as MathML, not as text
    assert measures["numBottom"] <= measures["denTop"] + 0.5, measures  # numerator stacked over denominator
    assert measures["height"] > measures["lineHeight"], measures
