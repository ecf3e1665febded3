"""Search (Pagefind, with a no-JavaScript fallback) and MathML layout, in headless Chromium."""
from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup

from digest.build.search_index import assign_shards

from .conftest import HEIGHT, axe_violations, describe

REFERENCE_ISSUE = "2026/07/01/index.html"
STOPWORDS = {"about", "after", "their", "there", "these", "those", "under", "which", "while", "with", "without",
             "through", "using", "where", "model", "models", "learning", "diffusion"}


def _url(site, server, rel: str) -> str:
    return server + site.url_path(rel)[len(site.prefix):]


def _title_word(site) -> tuple[str, str, str]:
    """(word, title, issue page) for a featured paper: the longest plain word of its title that no other
    issue page contains, so the search has exactly one issue to find."""
    issues = {rel: BeautifulSoup((site.folder / rel).read_text(encoding="utf-8"), "html.parser")
              for rel in site.pages["issue"]}
    texts = {rel: soup.get_text(" ").lower() for rel, soup in issues.items()}
    for rel in sorted(issues, key=lambda r: r != REFERENCE_ISSUE):
        for card in issues[rel].select("section.card"):
            titles = [dd.get_text(" ") for dt, dd in zip(card.select("dt"), card.select("dd")) if dt.get_text() == "Title"]
            title = titles[0] if titles else re.sub(r"^\d+\.\s*", "", card.find(re.compile("^h[1-6]$")).get_text(" "))
            words = sorted({w for w in re.findall(r"[A-Za-z]{6,}", title) if w.lower() not in STOPWORDS},
                           key=lambda w: (-len(w), w))
            for word in words:
                if not any(word.lower() in text for other, text in texts.items() if other != rel):
                    return word, title, rel
    pytest.fail("no featured paper has a title word found in only one issue")


def test_search_finds_a_paper_by_a_word_of_its_title(tab, site, server, axe_source):
    word, title, issue = _title_word(site)
    tab.open(_url(site, server, "index.html"), width=1280)
    page = tab.page
    box = page.locator("#site-search input")
    box.click()
    box.press_sequentially(word.lower(), delay=20)
    issue_path = site.url_path(issue)
    link = page.locator(f'#site-search a.pagefind-ui__result-link[href^="{issue_path}"]').first
    link.wait_for(state="visible", timeout=10_000)
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
    assert page.url.split("#")[0].endswith(issue_path), page.url
    assert word.lower() in page.locator("main").inner_text().lower()
    tab.assert_clean()


def _shard_bundles(site) -> list[str]:
    """The served paths of the index's shard bundles, newest first (pagefind/shards.json)."""
    names = json.loads((site.folder / "pagefind" / "shards.json").read_text(encoding="utf-8"))["shards"]
    return [f"{site.prefix}pagefind/{name}/" for name in names]


def test_search_index_covers_only_issue_articles(tab, site, server):
    """The home page repeats the latest issue; only the issue page itself (and paper pages) can be a result."""
    word, _, issue = _title_word(site)
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
    assert issue[: -len("index.html")] in paths, urls
    indexed = {rel[: -len("index.html")] if rel.endswith("index.html") else rel
               for kind in ("issue", "papers-item") for rel in site.pages.get(kind, [])}
    assert paths <= indexed, f"pages other than issue (and paper) pages are in the index: {paths - indexed}"


def _indexed(site) -> dict[str, str]:
    """The text of every page's `data-pagefind-body` article, by site path (the pages the index holds)."""
    found = {}
    for path in sorted(site.folder.rglob("*.html")):
        rel = path.relative_to(site.folder).as_posix()
        body = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select_one("[data-pagefind-body]")
        if body is not None and not rel.startswith("pagefind/"):
            found[rel] = body.get_text(" ").lower()
    return found


def test_one_search_finds_issues_in_the_oldest_and_the_newest_shard(tab, site, server):
    """The index is split into shards merged in the browser: one query in the search box finds an issue whose
    shard is the newest (the one the UI is loaded from) and one whose shard is an older, merged one."""
    indexed = _indexed(site)
    issues = sorted(rel for rel in indexed if re.fullmatch(r"\d{4}/\d{2}/\d{2}/index\.html", rel))
    old, new = issues[0], issues[-1]
    shards = assign_shards(indexed)
    shard_of = {rel: name for name, rels in shards.items() for rel in rels}
    names = [b.rstrip("/").rsplit("/", 1)[-1] for b in _shard_bundles(site)]
    assert names == list(shards) and shard_of[new] == names[0] and shard_of[old] != names[0], (names, shard_of)
    # A word of both articles whose first five letters are in no other indexed page (Pagefind matches
    # prefixes and stems), so these two are the only full matches (looser ones rank below them).
    words = set(re.findall(r"[a-z]{6,}", indexed[old])) & set(re.findall(r"[a-z]{6,}", indexed[new]))
    word = next((w for w in sorted(words, key=lambda w: (-len(w), w))
                 if not any(w[:5] in text for rel, text in indexed.items() if rel not in (old, new))), None)
    assert word, "the two issues share no word that only they contain"
    tab.open(_url(site, server, "index.html"), width=1280)
    page = tab.page
    box = page.locator("#site-search input")
    box.click()
    box.press_sequentially(word, delay=20)
    for rel in (new, old):
        link = page.locator(f'#site-search a.pagefind-ui__result-link[href^="{site.url_path(rel)}"]').first
        link.wait_for(state="visible", timeout=10_000)
    shown = page.locator("#site-search a.pagefind-ui__result-link").evaluate_all(
        "links => [...new Set(links.map(a => a.pathname))]")  # a page's sub-results link to it again
    assert sorted(shown[:2]) == sorted([site.url_path(new), site.url_path(old)]), (word, shown)
    tab.settle()
    tab.assert_clean()


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
