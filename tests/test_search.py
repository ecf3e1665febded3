"""The search index: built by `digest build` with Pagefind, offline, from issue and paper articles only, each
text once, deterministically."""
from __future__ import annotations

import gzip
import hashlib
import json
import posixpath
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from htmlq import page, text

from digest.build import build
from digest.build.search_index import BUNDLE_DIR, SearchIndexError, index_site
from digest.cli import main
from digest.editorial.config import load_config


def built(project: Path) -> Path:
    build(load_config(project / "digest.yaml"))
    return project / "site"


def bundle_digest(site: Path) -> dict[str, str]:
    folder = site / BUNDLE_DIR
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def shard_folders(site: Path) -> list[Path]:
    """The index's shard bundles, newest first, as pagefind/shards.json lists them."""
    names = json.loads((site / BUNDLE_DIR / "shards.json").read_text())["shards"]
    return [site / BUNDLE_DIR / name for name in names]


def test_build_writes_the_index_and_the_ui_into_the_site(project):
    site = built(project)
    shards = shard_folders(site)
    # The shipped issues are from 2024 and 2026: one shard for 2024, one per month of 2026 with pages.
    assert [s.name for s in shards][0] == "2026-07" and "2024" in [s.name for s in shards]
    assert sorted(p.name for p in (site / BUNDLE_DIR).iterdir()) == sorted([s.name for s in shards] + ["shards.json"])
    for shard in shards:  # each a complete bundle: any of them can be the one the search box loads Pagefind from
        for name in ("pagefind.js", "pagefind-worker.js", "pagefind-entry.json"):
            assert (shard / name).is_file(), (shard.name, name)
        assert list((shard / "fragment").glob("*.pf_fragment")), shard.name


def test_only_issue_articles_are_indexed(project):
    site = built(project)
    marked = {p.relative_to(site).as_posix() for p in site.rglob("*.html")
              if BUNDLE_DIR not in p.relative_to(site).parts and page(p).select("[data-pagefind-body]")}
    issues = {p.relative_to(site).as_posix() for p in site.glob("[0-9][0-9][0-9][0-9]/*/*/index.html")}
    assert issues and issues <= marked
    # The home page shows the latest issue too, but only the issue's own page is a search result.
    assert "index.html" not in marked and "archive/index.html" not in marked and "404.html" not in marked
    assert all(page(site / rel).select_one("article[data-pagefind-body]") for rel in issues)
    entries = [json.loads((shard / "pagefind-entry.json").read_text()) for shard in shard_folders(site)]
    assert sum(lang["page_count"] for entry in entries for lang in entry["languages"].values()) == len(marked)


def test_the_search_box_speaks_the_sites_language(project):
    """Its messages come from the site's wording (the script fills in the term, the count and the month)."""
    english = json.loads(page(built(project) / "index.html").select_one("#site-search")["data-text"])
    assert english["many_scoped"] == "[COUNT] results for [SEARCH_TERM] in issues since [SINCE]"
    assert english["all"] == "Search all issues" and english["label"] == "Search"
    cfg = project / "digest.yaml"
    cfg.write_text(cfg.read_text().replace("language: en", "language: ko"))
    korean = json.loads(page(built(project) / "index.html").select_one("#site-search")["data-text"])
    assert korean["all"] == "모든 호에서 검색" and korean["label"] == "검색"
    assert korean["zero_scoped"] == "[SINCE] 이후 호에서 [SEARCH_TERM] 검색 결과 없음"
    assert set(korean) == set(english)


def test_every_page_has_a_search_box_that_is_a_link_to_the_archive_without_javascript(project):
    site = built(project)
    root = urlsplit(load_config(project / "digest.yaml").site.base_url).path  # the 404 page's links start here
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith(BUNDLE_DIR + "/"):
            continue
        box = page(path).select_one("header #site-search")
        assert box is not None, rel
        link = box.find("a", href=True)
        assert link is not None and link.get_text(strip=True), rel
        href = link["href"]
        target = href.removeprefix(root) if href.startswith("/") else posixpath.join(posixpath.dirname(rel), href)
        assert posixpath.normpath(target) == "archive", (rel, href)
        assert box["data-bundle"].endswith("pagefind/")


def test_the_index_does_not_depend_on_the_folder_or_the_order_files_were_written(project, tmp_path):
    site = built(project)
    first = bundle_digest(site)
    # The same pages written in the reverse order into a folder with another name: the same index.
    other = tmp_path / "another-name"
    files = sorted((p for p in site.rglob("*") if p.is_file() and BUNDLE_DIR not in p.relative_to(site).parts),
                   reverse=True)
    for f in files:
        dest = other / f.relative_to(site)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dest)
    index_site(other)
    assert bundle_digest(other) == first


def test_a_missing_pagefind_fails_the_build_with_exit_5_and_keeps_the_site(project, monkeypatch, capsys):
    site = built(project)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    (project / "issues" / "2026-07-01.yaml").write_text(
        (project / "issues" / "2026-07-01.yaml").read_text().replace("Cross-Space Distillation", "Changed"))
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(project / "no-such-pagefind"))
    with pytest.raises(SearchIndexError, match="Pagefind"):
        build(load_config(project / "digest.yaml"))
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    code = main(["--config", str(project / "digest.yaml"), "build"])
    assert code == 5
    assert "pagefind" in capsys.readouterr().err.lower()
    assert not [p for p in project.iterdir() if p.name.startswith(".site-build-")]


# ---------------------------------------------------------------- what the index holds: each text once
# Read from Pagefind's own output: a page's fragment holds the text it indexed (`content`) and the headings with
# ids that split it into sub-results (`anchors`). Real searches of the same site: tests/browser/.

def indexed(site: Path) -> dict[str, dict]:
    """Pagefind's fragment of every indexed page, by site path ('papers/2411.18375/')."""
    found = {}
    for shard in shard_folders(site):
        for path in (shard / "fragment").glob("*.pf_fragment"):
            raw = gzip.decompress(path.read_bytes())
            assert raw.startswith(b"pagefind_dcd"), path  # Pagefind 1.x's fragment: a tag, then JSON
            data = json.loads(raw[len(b"pagefind_dcd"):])
            found[data["url"].lstrip("/")] = data
    return found


def words(text: str) -> str:
    """Lower-case words and numbers, one space apart, padded: the text as a phrase search sees it."""
    return " " + " ".join(re.findall(r"[^\W_]+", text.lower())) + " "


def plain(node) -> str | None:
    """An element's text, or None when it holds math (indexed as MathML and TeX source, not as displayed)."""
    return None if node is None or node.find("math") else text(node)


def test_each_fact_about_a_paper_is_indexed_on_its_paper_page_only(project):
    """Title, authors, first-read reason and abstract appear on the issue page (card, table, sources) and on the
    paper page; the index keeps them on the paper page, so a search for one finds that page once."""
    site = built(project)
    index = indexed(site)
    issues = {rel: words(d["content"]) for rel, d in index.items() if re.fullmatch(r"\d{4}/\d\d/\d\d/", rel)}
    papers = sorted(rel for rel in index if rel.startswith("papers/"))
    assert len(issues) == 2 and len(papers) == 13
    issue_html = " ".join(words(text(page(site / rel / "index.html").select_one("article"))) for rel in issues)
    checked = 0
    for rel in papers:
        doc = page(site / rel / "index.html")
        # (A card's prose may name a single author; a list of them is the metadata's.)
        facts = [plain(dd) for dt, dd in zip(doc.select("dl.paper-meta dt"), doc.select("dl.paper-meta dd"))
                 if dt.get_text() == "Title" or (dt.get_text() == "Authors" and "," in dd.get_text())]
        facts += [plain(doc.select_one("section[aria-labelledby=reason-h] p.prose")),
                  plain(doc.select_one("blockquote.abstract"))]
        for fact in filter(None, facts):
            phrase = words(fact)
            assert phrase in words(index[rel]["content"]), (rel, fact)
            assert not any(phrase in content for content in issues.values()), (rel, fact)
            checked += phrase in issue_html  # shown on an issue page, indexed on the paper page only
    assert checked >= 20, checked  # the reasons, and most titles and author lists, are on an issue page too
    # The paper's name is its result's title and its page's first text (a page with no reason and no
    # abstract still has something to index: Pagefind refuses a shard without any).
    assert index["papers/2411.18375/"]["meta"]["title"] == "VDMini"
    assert words(index["papers/2411.18375/"]["content"]).startswith(" vdmini ")


def test_an_issue_page_indexes_its_cards_each_under_a_heading_with_an_id(project):
    """What only the issue page says stays in its index, and each card's heading (with its id) splits it, so a
    search lands on the card (Pagefind's sub-results)."""
    site = built(project)
    index = indexed(site)
    for rel in ("2024/11/29/", "2026/07/01/"):
        doc = page(site / rel / "index.html")
        content, anchors = words(index[rel]["content"]), index[rel]["anchors"]
        cards = doc.select("section.card")
        assert cards
        for card in cards:
            heading = card.select_one("h2[id]")
            assert {"element": "h2", "id": heading["id"], "text": text(heading)} in \
                   [{k: a[k] for k in ("element", "id", "text")} for a in anchors], (rel, heading["id"])
            for section in card.select(".card-section .prose"):
                if plain(section):
                    assert words(plain(section)) in content, (rel, heading["id"])
        for cell in doc.select("table.speed-read td[data-label=Evidence]"):
            assert words(text(cell)) in content  # the evidence column is only on the issue page
        for label in ("arXiv abstract", "About this paper"):
            assert words(label) not in content, label  # links are not text to find


def test_a_site_with_no_issue_has_no_index_and_still_builds(empty_project):
    site = built(empty_project)
    assert (site / "index.html").is_file()
    assert not (site / BUNDLE_DIR).exists()  # Pagefind would otherwise index whole pages (home, 404...)
    assert page(site / "index.html").select_one("#site-search a[href]")
