"""The sharded search index: which shard a page belongs to, what decides a rebuild, reuse, and determinism.

Every index here is built by the real Pagefind binary; a spy around `run_pagefind` only records which shards ran.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from collections import Counter
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import digest.build.search_index as search
from digest.build import build
from digest.build.search_index import (
    BUNDLE_DIR,
    OTHER,
    SearchIndexError,
    assign_shards,
    bundle_hashes,
    first_scope,
    index_site,
    page_fingerprint,
    shard_key,
)
from digest.editorial.config import load_config

# ---------------------------------------------------------------- a small site, written by hand

HEAD = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta name="description" content="{description}">
</head>
<body>
<header class="site-header"><a href="/">Digest</a><nav><a href="/archive/">{nav}</a></nav>
<div id="site-search"><a href="/archive/">Search</a></div>
<script>(function () {{ var x = "<not a tag>"; }})();</script>
</header>
<main id="main">
"""
BODY = """<article data-pagefind-body>
<h1>{title}</h1>
<p>{text}</p>
</article>
</main>
<footer><p>Footer</p></footer>
</body>
</html>
"""
PAGES = {
    "2024/03/05/index.html": "An issue from March twenty twenty-four about lighthouses",
    "2024/11/29/index.html": "An issue from November about glaciers",
    "papers/2411.18263/index.html": "A paper page about tidal pools",
    "2025/11/02/index.html": "An issue about orchards",
    "2026/01/10/index.html": "An issue about volcanoes",
    "2026/02/03/index.html": "An issue about tundra",
    "papers/2602.01234/index.html": "A paper page about savannas",
    "papers/astro-ph/0601001/index.html": "An old-style paper about comets",
    "papers/multi-block-diffusion/index.html": "A paper known by its slug, about deserts",
}
SHARDS = ["2026-02", "2026-01", "2025", "2024", "other"]


def page_html(text: str, *, title: str = "Title", description: str = "Description", nav: str = "Archive") -> str:
    return HEAD.format(title=title, description=description, nav=nav) + BODY.format(title=title, text=text)


def make_site(folder: Path, pages: dict[str, str] | None = None) -> Path:
    for rel, text in (PAGES if pages is None else pages).items():
        write_page(folder, rel, page_html(text))
    # Pages without a body are not indexed.
    write_page(folder, "index.html", HEAD.format(title="Home", description="d", nav="n") + "</main></body></html>")
    write_page(folder, "archive/index.html", "<!doctype html><html lang=en><body><p>Archive</p></body></html>")
    write_page(folder, "assets/style.css", "body {}")
    return folder


def write_page(site: Path, rel: str, text: str) -> None:
    """Replace the file (never write through a hard link into another site)."""
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_text(text, encoding="utf-8")


def edit_body(site: Path, rel: str, old: str, new: str) -> None:
    text = (site / rel).read_text(encoding="utf-8")
    assert old in text
    write_page(site, rel, text.replace(old, new, 1))


def copy_pages(src: Path, dest: Path) -> Path:
    """The site without its index, as a fresh build would have it before indexing."""
    shutil.copytree(src, dest, ignore=lambda d, names: [BUNDLE_DIR] if Path(d) == src else [])
    return dest


def bundle(site: Path) -> dict[str, str]:
    folder = site / BUNDLE_DIR
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def html_hashes(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in site.rglob("*") if p.is_file()}


def inodes(site: Path, shard: str) -> dict[str, int]:
    folder = site / BUNDLE_DIR / shard
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def snapshot(folder: Path) -> dict[str, tuple]:
    return {p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Spy:
    """Records the shards Pagefind actually ran for (the real binary still does the work)."""

    def __init__(self, monkeypatch):
        self.shards: list[str] = []
        real = search.run_pagefind

        def spying(binary, source, output):
            self.shards.append(Path(output).name)
            return real(binary, source, output)

        monkeypatch.setattr(search, "run_pagefind", spying)


def rebuild(previous_site: Path, record: dict, dest: Path, **kwargs) -> tuple[Path, dict]:
    """The next build: a copy of the pages, indexed with the previous record and site (JSON round trip)."""
    site = copy_pages(previous_site, dest)
    return site, index_site(site, html_hashes(site), json.loads(json.dumps(record)), previous_site, **kwargs)


@pytest.fixture
def first(tmp_path: Path) -> tuple[Path, dict]:
    """A small site indexed once: (site, record)."""
    site = make_site(tmp_path / "first")
    return site, index_site(site, html_hashes(site))


# ---------------------------------------------------------------- shard assignment

years = st.integers(min_value=1000, max_value=9999)
months = st.integers(min_value=1, max_value=12)
days = st.integers(min_value=1, max_value=31)
tails = st.sampled_from(["index.html", "", "x/index.html", "page.html"])


@given(years, months, days, tails)
def test_an_issue_page_is_filed_under_its_year_and_month(year, month, day, tail):
    assert shard_key(f"{year:04d}/{month:02d}/{day:02d}/{tail}") == (year, month)


@given(st.integers(min_value=0, max_value=99), months, st.integers(min_value=0, max_value=99999),
       st.sampled_from([4, 5]), st.sampled_from(["", "v1", "v12"]), tails)
def test_a_new_style_paper_page_is_filed_under_its_ids_year_and_month(yy, month, number, width, version, tail):
    number %= 10 ** width
    path = f"papers/{yy:02d}{month:02d}.{number:0{width}d}{version}/{tail}"
    assert shard_key(path) == (2000 + yy, month)


other_paths = st.one_of(
    st.builds(lambda a, n: f"papers/{a}/{n:07d}/index.html", st.sampled_from(["astro-ph", "hep-th", "math.AG"]),
              st.integers(min_value=0, max_value=9999999)),  # old-style arXiv ids
    st.from_regex(r"papers/[a-z][a-z-]{0,30}/index\.html", fullmatch=True),  # slugs
    st.builds(lambda y, m, d: f"{y:04d}/{m:02d}/{d:02d}/index.html", years,
              st.integers(min_value=13, max_value=99), days),  # no such month
    st.builds(lambda yy, m: f"papers/{yy:02d}{m:02d}.12345/index.html", st.integers(0, 99), st.integers(13, 99)),
    st.sampled_from(["index.html", "404.html", "archive/index.html", "topics/x/index.html", "2026/index.html",
                     "2026/07/index.html", "papers/index.html", "papers/2607.1234567/index.html"]),
)


@given(other_paths)
def test_anything_else_is_filed_under_other(path):
    assert shard_key(path) is None


@given(st.lists(st.one_of(
    st.builds(lambda y, m, d: f"{y}/{m:02d}/{d:02d}/index.html", st.integers(2015, 2026), months, days),
    st.builds(lambda yy, m, n: f"papers/{yy}{m:02d}.{n:05d}/index.html", st.integers(15, 26), months,
              st.integers(0, 99999)),
    other_paths), unique=True, max_size=60), st.randoms(), st.integers(0, 8))
@settings(max_examples=150)
def test_shards_group_the_newest_years_months_and_each_older_year_whole_or_in_halves(paths, rnd, split):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SPLIT_YEAR", split)  # with at most 60 pages, both kinds of older year
        shards = assign_shards(paths)
        shuffled = list(paths)
        rnd.shuffle(shuffled)
        assert list(assign_shards(shuffled).items()) == list(shards.items())
    # Every page is in exactly one shard, and the grouping depends on the set of pages, not their order.
    assert sorted(p for group in shards.values() for p in group) == sorted(paths)
    keys = {p: shard_key(p) for p in paths}
    newest = max((k[0] for k in keys.values() if k), default=None)
    per_year = Counter(k[0] for k in keys.values() if k)
    for name, group in shards.items():
        assert group == sorted(group)
        for p in group:
            key = keys[p]
            if key is None:
                assert name == "other"
            elif key[0] == newest:
                assert name == f"{key[0]:04d}-{key[1]:02d}"
            elif per_year[key[0]] > split:
                assert name == f"{key[0]:04d}-h{1 if key[1] <= 6 else 2}"
            else:
                assert name == f"{key[0]:04d}"
    # Newest first, `other` last; at most 12 months + two per older year + other.
    names = [n for n in shards if n != "other"]
    assert names == sorted(names, reverse=True)
    assert "other" not in shards or list(shards)[-1] == "other"
    older = {k[0] for k in keys.values() if k and k[0] != newest}
    assert len(shards) <= 12 + 2 * len(older) + 1


def test_an_older_year_of_a_daily_digest_is_two_shards_and_a_sparse_one_stays_whole():
    """A year of daily issues with five papers each is 2,196 pages, over SPLIT_YEAR; a weekly digest's is not."""
    daily = [f"2025/{m:02d}/{d:02d}/index.html" for m in range(1, 13) for d in range(1, 29)]
    daily += [f"papers/25{m:02d}.{n:05d}/index.html" for m in range(1, 13) for n in range(150)]
    weekly = [f"2024/{m:02d}/{d:02d}/index.html" for m in range(1, 13) for d in (1, 8, 15, 22)]
    shards = assign_shards(daily + weekly + ["2026/01/05/index.html"])
    assert list(shards) == ["2026-01", "2025-h2", "2025-h1", "2024"]
    assert len(daily) > search.SPLIT_YEAR >= len(weekly)
    assert shards["2025-h1"] == sorted(p for p in daily if shard_key(p)[1] <= 6)
    assert len(shards["2024"]) == len(weekly)


# ---------------------------------------------------------------- what Pagefind reads

def test_the_fingerprint_ignores_markup_around_the_body_but_not_the_body_text():
    base = page_html("Words about lighthouses")
    fp = page_fingerprint(base.encode())
    assert fp
    same = [
        page_html("Words about lighthouses", description="Another description", nav="Archives"),
        base.replace('<div id="site-search">', '<div id="site-search"><img src="x.png" alt="x"><span id="new">'
                                              "Navigation words</span>"),
        base.replace("<footer><p>Footer", "<footer><p>Footers"),  # after the body
        base.replace("</main>", '</main><nav><a href="/next/">Next issue</a></nav>'),
        base.replace("</main>", "</main><script>var x = '</article>';</script><!-- a comment -->"),
    ]
    for html in same:
        assert html != base and page_fingerprint(html.encode()) == fp, html[-300:]
    # The body's end tag is found by counting tags of its name, in any case, never inside an attribute value.
    nested = base.replace("<p>", '<ARTICLE class="inner"><p title="</article>">Inner</p></Article><p>')
    assert page_fingerprint(nested.encode()) == page_fingerprint(nested.replace("Footer", "Footers").encode())
    assert page_fingerprint(nested.encode()) != page_fingerprint(nested.replace("Words", "Wordz").encode())
    different = [
        page_html("Words about lighthouse"),  # one letter of the body
        base.replace('<html lang="en">', '<html lang="ko">'),  # the index language
        page_html("Words about lighthouses", title="Another title"),  # also the h1; alone it is the fallback title
        base.replace("<header", '<h1>Site</h1><header'),  # the first h1 of the page is the result title
        base.replace("<header", '<meta data-pagefind-meta="image[content]" content="/a.png"><header'),
        base.replace("<header", '<meta data-pagefind-filter="year:2024"><header'),
        base.replace("<header", "<!-- <header"),  # an unclosed comment would hide the body
        base.replace("</script>", ""),  # so would an unclosed script
        # After the body: what Pagefind could read there, and anything once the body's end is uncertain.
        base.replace("<footer>", '<footer data-pagefind-meta="author:x">'),
        base.replace("<footer>", "<FOOTER DATA-PAGEFIND-FILTER='year:2024'>"),
        base.replace("<footer>", "<div data-pagefind-body><p>More</p></div><footer>"),
        base.replace("<footer>", "<h1>Another title</h1><footer>"),
        base.replace("<footer>", '<img src="/next.png" alt="a cover"><footer>'),  # the result image
    ]
    for html in different:
        assert html != base and page_fingerprint(html.encode()) != fp, html[:400]
    uncertain = [
        base.replace("<p>Words", "<!-- </article> --><p>Words"),  # a comment in the body
        base.replace("<p>Words", "<script>var x = '</article>';</script><p>Words"),  # a raw-text element
        base.replace("<p>Words", '<p title="unclosed>Words'),  # a quote the tag pattern cannot read
        base.replace("</article>", ""),  # no end tag
    ]
    for html in uncertain:
        assert page_fingerprint(html.encode()) != page_fingerprint(html.replace("Footer", "Footers").encode())
    assert page_fingerprint(b"<html><body><p>No body here</p></body></html>") == ""
    # Attribute names are case-insensitive in HTML, and to Pagefind.
    assert page_fingerprint(base.replace("data-pagefind-body", "DATA-PAGEFIND-BODY").encode())


def test_markup_before_the_body_does_not_change_the_pagefind_shard(first, tmp_path):
    """The experiment behind the rule: Pagefind itself gives byte-identical output when only pre-body markup
    changes, and different output when one word of the body does."""
    site, _ = first
    rel = "2026/02/03/index.html"
    changed = copy_pages(site, tmp_path / "changed")
    text = (site / rel).read_text(encoding="utf-8")
    text = text.replace('content="Description"', 'content="Another description"')
    text = text.replace('<div id="site-search">', '<div id="site-search"><span id="more">More navigation</span>'
                                                  '<img src="/cover.png" alt="a cover">')
    text = text.replace("<title>Title</title>", "<title>Another page title</title>")  # the body has an h1
    write_page(changed, rel, text)
    assert page_fingerprint((changed / rel).read_bytes()) != page_fingerprint((site / rel).read_bytes())  # title
    index_site(changed)
    assert bundle(changed) == bundle(site)
    worded = copy_pages(site, tmp_path / "worded")
    edit_body(worded, rel, "about tundra", "about the tundra")
    index_site(worded)
    theirs, ours = bundle(worded), bundle(site)
    different = {k for k in set(theirs) | set(ours) if theirs.get(k) != ours.get(k)}
    assert different and all(k.startswith("2026-02/") for k in different), different


def test_markup_after_the_body_does_not_change_the_pagefind_shard(first, tmp_path):
    """The experiment behind leaving out what follows the body: Pagefind gives byte-identical output when the
    text, links and scripts after the body change, and the fingerprint stays the same; an image there is the
    result's image when the body has none, and changes both."""
    site, _ = first
    rel = "2026/02/03/index.html"
    changed = copy_pages(site, tmp_path / "changed")
    text = (site / rel).read_text(encoding="utf-8")
    text = text.replace("<footer><p>Footer</p></footer>",
                        '<nav class="pager"><a href="/2026/02/04/" rel="next">February 4 words</a></nav>'
                        "<footer><p>Another footer</p></footer><script>var later = '</article>';</script>")
    write_page(changed, rel, text)
    assert page_fingerprint((changed / rel).read_bytes()) == page_fingerprint((site / rel).read_bytes())
    index_site(changed)
    assert bundle(changed) == bundle(site)
    pictured = copy_pages(site, tmp_path / "pictured")
    write_page(pictured, rel, text.replace("</nav>", '<img src="/next.png" alt="the next cover"></nav>'))
    assert page_fingerprint((pictured / rel).read_bytes()) != page_fingerprint((site / rel).read_bytes())
    index_site(pictured)
    assert bundle(pictured) != bundle(site)


# ---------------------------------------------------------------- what a reader's first search reads

def _shard_of(bundle: Path, name: str, meta: int, chunks: list[int]) -> None:
    """A shard folder with a metadata file and index chunks of these sizes (what first_scope weighs)."""
    (bundle / name / "index").mkdir(parents=True)
    (bundle / name / f"pagefind.en_{name}.pf_meta").write_bytes(b"m" * meta)
    for i, size in enumerate(chunks):
        (bundle / name / "index" / f"en_{i}.pf_index").write_bytes(b"i" * size)


def test_the_first_search_reads_the_newest_shards_whose_metadata_and_median_chunk_fit_the_budget(tmp_path):
    kb = 1024
    _shard_of(tmp_path, "2026-07", 1 * kb, [16 * kb])                    # 17 KB
    _shard_of(tmp_path, "2026-06", 2 * kb, [30 * kb, 22 * kb, 1 * kb])   # the median chunk: 24 KB in all
    _shard_of(tmp_path, "2026-05", 2 * kb, [25 * kb, 24 * kb])           # 27 KB: 68 KB so far
    _shard_of(tmp_path, "2025", 15 * kb, [26 * kb] * 100)                # 41 KB: over 72 KB
    _shard_of(tmp_path, "2024", 50 * kb, [30 * kb])                      # 80 KB: over it alone
    _shard_of(tmp_path, OTHER, 1 * kb, [2 * kb])
    names = ["2026-07", "2026-06", "2026-05", "2025", OTHER]
    assert search.FIRST_SEARCH_BYTES == 72 * kb
    assert first_scope(tmp_path, names) == 3
    assert first_scope(tmp_path, names[:3]) == 3  # all of them fit: the box searches everything at once
    assert first_scope(tmp_path, ["2024", "2026-07"]) == 1  # one shard over the budget is still searched
    assert first_scope(tmp_path, [OTHER, "2026-07"]) == 2


def test_the_shard_list_says_how_many_shards_the_first_search_reads_and_the_record_knows_it(first, tmp_path,
                                                                                            monkeypatch):
    site, _ = first
    monkeypatch.setattr(search, "FIRST_SEARCH_BYTES", 1)  # every shard is over it: only the newest
    again = copy_pages(site, tmp_path / "again")
    record = index_site(again)
    assert json.loads((again / BUNDLE_DIR / "shards.json").read_text()) == {"format": 1, "shards": SHARDS,
                                                                             "first": 1}
    assert record["first"] == 1
    assert bundle_hashes(record) == {f"{BUNDLE_DIR}/{k}": v for k, v in bundle(again).items()}


# ---------------------------------------------------------------- reuse

def test_the_index_has_one_bundle_per_shard_and_a_list_newest_first(first):
    site, record = first
    listing = json.loads((site / BUNDLE_DIR / "shards.json").read_text())
    assert listing == {"format": 1, "shards": SHARDS, "first": len(SHARDS)}  # small shards: all searched first
    assert sorted(p.name for p in (site / BUNDLE_DIR).iterdir()) == sorted(SHARDS + ["shards.json"])
    for name in SHARDS:
        entry = json.loads((site / BUNDLE_DIR / name / "pagefind-entry.json").read_text())
        assert entry["languages"]["en"]["page_count"] == len(assign_shards(PAGES)[name]), name
    assert list(record["shards"]) == SHARDS
    assert bundle_hashes(record) == {f"{BUNDLE_DIR}/{k}": v for k, v in bundle(site).items()}
    # Only the pages with a body carry a fingerprint; every HTML page is recorded.
    assert {p for p, (_, fp) in record["pages"].items() if fp} == set(PAGES)
    assert set(record["pages"]) == set(PAGES) | {"index.html", "archive/index.html"}
    json.dumps(record)  # kept in the build manifest


def test_an_edit_to_one_issues_body_reindexes_only_its_shard(first, tmp_path, monkeypatch):
    site, record = first
    before = {name: inodes(site, name) for name in SHARDS}
    spy = Spy(monkeypatch)
    second = copy_pages(site, tmp_path / "second")
    edit_body(second, "2025/11/02/index.html", "about orchards", "about apple orchards")
    # And a change before the body of another page, in another shard: no reindex for it.
    edit_body(second, "2024/03/05/index.html", 'content="Description"', 'content="Changed"')
    new_record = index_site(second, html_hashes(second), json.loads(json.dumps(record)), site)
    assert spy.shards == ["2025"]
    for name in SHARDS:
        now = inodes(second, name)
        if name == "2025":
            assert not set(now.values()) & set(before[name].values())  # written anew
        else:
            assert now == before[name], name  # the very files of the previous site, hard-linked
    assert new_record["shards"]["2025"]["inputs"] != record["shards"]["2025"]["inputs"]
    assert {k: v for k, v in new_record["shards"].items() if k != "2025"} == \
           {k: v for k, v in record["shards"].items() if k != "2025"}
    # The same index as a fresh build of the same pages.
    fresh = copy_pages(second, tmp_path / "fresh")
    index_site(fresh)
    assert bundle(second) == bundle(fresh)


def restyle(site: Path, rel: str) -> None:
    """New classes and data- attributes throughout a page's body, as a theme change would make them."""
    text = (site / rel).read_text(encoding="utf-8")
    styled = (text.replace("<article data-pagefind-body>", '<article class="card wide" data-pagefind-body data-kind="x">')
              .replace("<h1>", '<h1 class="title" data-n="1">').replace("<p>", "<p class='lead' data-tone=calm>"))
    assert styled != text
    write_page(site, rel, styled)


def test_words_like_styling_attributes_inside_an_attribute_value_still_rebuild_the_shard(first, tmp_path, monkeypatch):
    # Pagefind indexes an image's alt text: "A class of zebras" and "A of zebras" give different indexes, so
    # the value keeps every word, even one that reads like an attribute name.
    site, record = first
    rel = "2026/01/10/index.html"
    pictured = copy_pages(site, tmp_path / "pictured")
    edit_body(pictured, rel, "</article>", '<img src="a.png" alt="A class of zebras data-x here"></article>')
    pictured_record = index_site(pictured, html_hashes(pictured), json.loads(json.dumps(record)), site)
    cut = copy_pages(pictured, tmp_path / "cut")
    edit_body(cut, rel, "A class of zebras data-x here", "A of zebras here")
    assert page_fingerprint((cut / rel).read_bytes()) != page_fingerprint((pictured / rel).read_bytes())
    spy = Spy(monkeypatch)
    index_site(cut, html_hashes(cut), json.loads(json.dumps(pictured_record)), pictured)
    assert spy.shards == ["2026-01"]
    fresh = copy_pages(cut, tmp_path / "fresh")
    index_site(fresh)
    assert bundle(fresh) == bundle(cut) != bundle(pictured)


def test_restyled_pages_reuse_every_shard_and_pagefind_gives_the_same_index(first, tmp_path, monkeypatch):
    site, record = first
    spy = Spy(monkeypatch)
    second = copy_pages(site, tmp_path / "second")
    for rel in PAGES:
        restyle(second, rel)
    new_record = index_site(second, html_hashes(second), json.loads(json.dumps(record)), site)
    assert spy.shards == []
    assert new_record["shards"] == record["shards"]
    # The assumption behind it, checked with the real Pagefind: a fresh index of the restyled pages is
    # byte-identical to the one reused.
    fresh = copy_pages(second, tmp_path / "fresh")
    index_site(fresh)
    assert bundle(fresh) == bundle(second)


@pytest.mark.parametrize("html, expected", [
    (b'<p class="a" id="k" data-x="1" data-pagefind-meta="t:1">text</p>', b'<p id="k" data-pagefind-meta="t:1">text</p>'),
    (b"<img CLASS='c' alt=\"a > b\" data-src=x.png src=y.png>", b'<img alt="a > b" src=y.png>'),
    (b'<a classification="x" data-="y" href="/">z</a>', b'<a classification="x" href="/">z</a>'),
    (b'<p>he wrote class="x" and data-y="z" here</p>', b'<p>he wrote class="x" and data-y="z" here</p>'),
    (b'<div data-pagefind-body class=x\n  data-a>', b'<div data-pagefind-body>'),
    (b'<img alt="A class of zebras" class=c data-x="y class z" src=s>', b'<img alt="A class of zebras" src=s>'),
    (b"<p title='see data-x here' data-y>t</p>", b"<p title='see data-x here'>t</p>"),
    (b'<a title="x" href="a class=b">t</a>\0', b'<a title="x" href="a class=b">t</a>\0'),
])
def test_without_styling_drops_only_class_and_non_pagefind_data_attributes(html, expected):
    assert search.without_styling(html) == expected


_ATTRIBUTE_NAMES = ["class", "CLASS", "Class", "data-x", "DATA-Y", "data-", "data-pagefind-meta",
                    "DATA-PAGEFIND-FILTER", "id", "href", "alt", "classification", "datax", "aria-label"]


def _styling(name: str) -> bool:
    lower = name.lower()
    return lower == "class" or (lower.startswith("data-") and not lower.startswith("data-pagefind"))


@st.composite
def _tag_soup(draw, values):
    """(HTML, the same HTML without its styling attributes): text, start tags with attributes, end tags."""
    full, plain = [], []
    for kind in draw(st.lists(st.sampled_from(["text", "tag", "end"]), max_size=12)):
        if kind == "text":
            text = draw(st.text(alphabet="ab <>=\"'/\n", max_size=8)).replace("<", "&lt;")
            full.append(text)
            plain.append(text)
        elif kind == "end":
            full.append("</p>")
            plain.append("</p>")
        else:
            quotes = st.sampled_from(['"', "'", "", None])  # None: no value
            attrs = draw(st.lists(st.tuples(st.sampled_from(_ATTRIBUTE_NAMES), values, quotes), min_size=1, max_size=5))
            parts = []
            for name, value, quote in attrs:
                if quote is None:
                    text = f" {name}"
                elif quote == "":
                    text = f" {name}={''.join(c for c in value if c not in '>=<`' and not c.isspace()) or 'v'}"
                else:
                    text = f" {name}={quote}{value.replace(quote, '')}{quote}"
                parts.append((name, text))
            full.append("<p" + "".join(t for _, t in parts) + ">")
            kept = "".join(t for n, t in parts if not _styling(n))
            plain.append("<p" + kept + ">" if kept else "<p>")
    return "".join(full).encode(), "".join(plain).encode()


@given(_tag_soup(st.text(alphabet="abc-._:>", max_size=6)))
def test_without_styling_removes_exactly_the_styling_attributes(soup):
    html, expected = soup
    assert search.without_styling(html) == expected


# Values holding words that read like attribute names, after a space: alt="a class of", title='see data-x'.
_WORDY_VALUES = st.lists(st.sampled_from(["a", " ", "\n", "class", "CLASS", "data-x", "data-pagefind-y", "=", ">",
                                          "/", "-"]), max_size=6).map("".join)


@given(_tag_soup(_WORDY_VALUES))
def test_without_styling_keeps_every_word_of_a_value(soup):
    html, expected = soup
    assert search.without_styling(html) == expected
    assert search.without_styling(html + b"<p>\0</p>") == expected + b"<p>\0</p>"


@given(_tag_soup(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)))
def test_without_styling_cleans_each_tag_as_if_alone(soup):
    # A page holding NUL takes the one-tag-at-a-time way; every page gets what that way gives.
    html = soup[0]
    assume(b"\0" not in html)
    assert search.without_styling(html + b"<p>\0</p>") == search.without_styling(html) + b"<p>\0</p>"


@given(_tag_soup(_WORDY_VALUES), _tag_soup(_WORDY_VALUES), st.integers(min_value=0, max_value=6))
def test_a_tag_is_cleaned_the_same_whatever_pages_were_cleaned_before(soup, before, kept):
    # Tags seen on earlier pages are looked up (search_index._CLEAN_TAGS), however few of them are kept.
    html, expected = soup
    with patch.object(search, "_CLEAN_TAGS_KEPT", kept):
        search._CLEAN_TAGS.clear()
        assert search.without_styling(before[0]) == before[1]
        assert search.without_styling(html) == expected
        assert search.without_styling(html) == expected
        assert len(search._CLEAN_TAGS) <= kept + max(before[0].count(b"<"), html.count(b"<"))  # one page more


@given(st.text(alphabet=st.characters(blacklist_characters="<", blacklist_categories=("Cs",)), max_size=200))
def test_without_styling_never_changes_text(text):
    data = text.encode("utf-8")
    assert search.without_styling(b"<p class=x>" + data + b"</p>") == b"<p>" + data + b"</p>"


@st.composite
def _body_soup(draw):
    """What may stand inside a body element: text (quotes, `=` and `/` in it), start tags whose quoted values
    may hold `</article>`, comments, and articles nested in it, each closed in some letter case."""
    out, depth = [], 0
    for kind in draw(st.lists(st.sampled_from(["text", "tag", "open", "close", "comment"]), max_size=14)):
        if kind == "text":
            out.append(draw(st.text(alphabet="ab =\"'/&;", max_size=8)))
        elif kind == "tag":
            value = draw(st.sampled_from(["x", "</article>", "a > b", "<article>", ""]))
            quote = draw(st.sampled_from(['"', "'"]))
            out.append(f"<p title={quote}{value}{quote}>")
        elif kind == "open":
            out.append(draw(st.sampled_from(["<article>", '<ARTICLE class="c">', "<article\n>"])))
            depth += 1
        elif kind == "close" and depth:
            out.append(draw(st.sampled_from(["</article>", "</ARTICLE >", "</Article\n>"])))
            depth -= 1
        elif kind == "comment":
            out.append(draw(st.sampled_from(["<!-- </article> -->", "<!-- x -->"])))
    out += ["</article>"] * depth
    return "".join(out)


@given(_body_soup(), st.text(alphabet="ab <>/=\"'", max_size=20))
def test_the_fingerprint_covers_the_whole_body_and_nothing_after_it_when_it_can(soup, tail):
    def page(mark: str = "Mark", footer: str = "Footer") -> bytes:
        return (HEAD.format(title="T", description="D", nav="N") + f"<article data-pagefind-body>{soup}<p>{mark}"
                f"</p></article></main><footer>{footer}</footer></body></html>").encode()

    fingerprint = page_fingerprint(page())
    # The end of the body is never put before its last word ...
    assert page_fingerprint(page(mark="Marc")) != fingerprint
    # ... and when it is found, nothing after it counts.
    if search.page_inputs(page()).startswith(b"body 3"):
        assert page_fingerprint(page(footer=tail.replace("<", "&lt;"))) == fingerprint


def test_unchanged_pages_are_not_read_again(first, tmp_path, monkeypatch):
    site, record = first
    calls: list[int] = []
    real = search.page_fingerprint
    monkeypatch.setattr(search, "page_fingerprint", lambda data: calls.append(1) or real(data))
    spy = Spy(monkeypatch)
    rebuild(site, record, tmp_path / "again")
    assert calls == [] and spy.shards == []
    # Without the hashes every page is read (and hashed), but still nothing is reindexed.
    again = copy_pages(site, tmp_path / "again-2")
    assert index_site(again, None, record, site) == record
    assert len(calls) == len(record["pages"]) and spy.shards == []


@pytest.mark.parametrize("damage", ["changed", "missing", "extra"])
def test_a_damaged_shard_in_the_previous_site_is_rebuilt(first, tmp_path, monkeypatch, damage):
    site, record = first
    folder = site / BUNDLE_DIR / "2024"
    victim = sorted((folder / "fragment").iterdir())[0]
    if damage == "changed":
        victim.write_bytes(victim.read_bytes() + b"\0")
    elif damage == "missing":
        victim.unlink()
    else:
        (folder / "fragment" / "stray.pf_fragment").write_bytes(b"not Pagefind's")
    damaged = snapshot(site)
    spy = Spy(monkeypatch)
    second, new_record = rebuild(site, record, tmp_path / "second")
    # A stray file is never copied (only recorded files are); a changed or missing one means a rebuild.
    assert spy.shards == ([] if damage == "extra" else ["2024"])
    assert snapshot(site) == damaged  # the previous site is only read
    assert new_record == record
    fresh = copy_pages(second, tmp_path / "fresh")
    index_site(fresh)
    assert bundle(second) == bundle(fresh)


def test_the_output_is_the_same_serial_parallel_reused_or_fresh(first, tmp_path, monkeypatch):
    site, record = first
    serial = copy_pages(site, tmp_path / "serial")
    parallel = copy_pages(site, tmp_path / "parallel")
    assert index_site(serial, jobs=1) == index_site(parallel, jobs=2) == record
    monkeypatch.setenv("DIGEST_JOBS", "3")
    from_env = copy_pages(site, tmp_path / "env")
    assert index_site(from_env) == record
    reused, reused_record = rebuild(site, record, tmp_path / "reused")
    assert reused_record == record
    assert bundle(site) == bundle(serial) == bundle(parallel) == bundle(from_env) == bundle(reused)


def test_the_number_of_parallel_runs_comes_from_jobs_or_digest_jobs(monkeypatch):
    monkeypatch.delenv("DIGEST_JOBS", raising=False)
    assert search._job_count(None) == min(2, os.cpu_count() or 1)
    assert search._job_count(1) == 1 and search._job_count(4) == 4 and search._job_count(0) == 1
    for raw, expected in (("1", 1), ("6", 6), (" 3 ", 3), ("0", None), ("-2", None), ("two", None), ("", None)):
        monkeypatch.setenv("DIGEST_JOBS", raw)
        assert search._job_count(None) == (expected or min(2, os.cpu_count() or 1)), raw
    monkeypatch.setenv("DIGEST_JOBS", "5")
    assert search._job_count(2) == 2  # an explicit argument wins


MALFORMED = [
    None, [], "text", {}, {"format": 2}, {"format": 1, "tool": "x", "pages": [], "shards": {}},
    {"format": 1, "tool": 1, "pages": {}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {"a.html": ["x", ""]}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {"a.html": "sha"}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"../../etc": {"inputs": "x", "files": {"a": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"../../../x": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"/etc/passwd": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": None, "files": {"a": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": []}},
    {"format": 1, "tool": "x", "pages": {"a.html": ["0" * 64, "A" * 64]}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {"a.html": ["0" * 64, None]}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {"a.html": ["0" * 64, "", ""]}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {"a.html": ["0" * 63, ""]}, "shards": {}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"a": 7}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"a\\b": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"a\0": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {}, "shards": {"2024": {"inputs": "x", "files": {"a//b": "0" * 64}}}},
    {"format": 1, "tool": "x", "pages": {},
     "shards": {"2024": {"inputs": "x", "files": {"a": "0" * 64, "./b": "0" * 64}}}},
]


@pytest.mark.parametrize("previous", MALFORMED, ids=range(len(MALFORMED)))
def test_a_malformed_previous_record_means_no_reuse_never_an_error(first, tmp_path, monkeypatch, previous):
    site, record = first
    spy = Spy(monkeypatch)
    second = copy_pages(site, tmp_path / "second")
    assert index_site(second, html_hashes(second), previous, site) == record
    assert sorted(spy.shards) == sorted(SHARDS)
    assert bundle(second) == bundle(site)


_SEGMENT = st.text(alphabet="ab.\\/\0", max_size=4)


@settings(max_examples=500)
@given(files=st.dictionaries(_SEGMENT, st.sampled_from(["0" * 64] * 6 + ["f" * 64, "F" * 64, "0" * 63, "", 7]),
                             max_size=3),
       fingerprints=st.lists(st.sampled_from([""] * 4 + ["a" * 64] * 4 + ["a" * 65, "g" * 64, None]), max_size=3))
def test_a_record_is_read_only_when_every_page_and_file_in_it_is_well_formed(files, fingerprints):
    # The record is checked in bulk; this pins it to the rule stated one item at a time.
    def sha(value: object) -> bool:
        return isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) is not None

    def plain(rel: str) -> bool:
        return "\\" not in rel and "\0" not in rel and all(part not in ("", ".", "..") for part in rel.split("/"))

    pages = {f"p{i}.html": ["0" * 64, fp] for i, fp in enumerate(fingerprints)}
    record = {"format": 1, "tool": "x", "pages": pages, "shards": {"2024": {"inputs": "x", "files": files}}}
    well_formed = (bool(files) and all(plain(rel) and sha(value) for rel, value in files.items())
                   and all(fp == "" or sha(fp) for fp in fingerprints))
    assert search._read_record(record) == ((pages, record["shards"], "x") if well_formed else ({}, {}, None))


def test_a_record_with_the_right_shape_but_paths_outside_the_shard_is_not_followed(first, tmp_path, monkeypatch):
    site, record = first
    bad = json.loads(json.dumps(record))
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the site")
    bad["shards"]["2024"]["files"]["../../../secret.txt"] = hashlib.sha256(secret.read_bytes()).hexdigest()
    second = copy_pages(site, tmp_path / "second")
    spy = Spy(monkeypatch)
    assert index_site(second, html_hashes(second), bad, site) == record
    assert sorted(spy.shards) == sorted(SHARDS)
    assert not [p for p in second.rglob("*") if p.name == "secret.txt"]


def test_a_site_without_a_body_gets_no_index_and_a_record_without_shards(tmp_path):
    site = tmp_path / "site"
    write_page(site, "index.html", "<!doctype html><html lang=en><body><p>Nothing yet</p></body></html>")
    record = index_site(site)
    assert record["shards"] == {} and list(record["pages"]) == ["index.html"]
    assert not (site / BUNDLE_DIR).exists()
    assert bundle_hashes(record) == {}


def test_an_old_index_in_the_folder_is_replaced_not_merged(first, tmp_path):
    site, record = first
    second = copy_pages(site, tmp_path / "second")
    (second / BUNDLE_DIR / "1999").mkdir(parents=True)
    (second / BUNDLE_DIR / "1999" / "pagefind-entry.json").write_text("{}")
    assert index_site(second) == record
    assert bundle(second) == bundle(site)


def test_a_failing_pagefind_is_a_search_index_error_with_its_message(first, tmp_path, monkeypatch):
    site, _ = first
    fake = tmp_path / "bin" / "pagefind"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'Error: something broke in Pagefind' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    second = copy_pages(site, tmp_path / "second")
    for jobs in (1, 2):
        with pytest.raises(SearchIndexError, match="something broke in Pagefind"):
            index_site(second, jobs=jobs)
        assert not [p for p in second.iterdir() if p.name.startswith(".pagefind-")]  # staging removed
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-binary"))
    with pytest.raises(SearchIndexError, match="needs Pagefind"):
        index_site(second)


# ---------------------------------------------------------------- through `digest build`

def test_a_build_after_an_issue_edit_reindexes_only_that_issues_shard(project, tmp_path, monkeypatch):
    config = load_config(project / "digest.yaml")
    build(config)
    site = project / "site"
    names = json.loads((site / BUNDLE_DIR / "shards.json").read_text())["shards"]
    before = {name: inodes(site, name) for name in names}
    issue = project / "issues" / "2026-07-01.yaml"
    text = issue.read_text(encoding="utf-8")
    assert "intro: |\n  Four signals" in text
    issue.write_text(text.replace("intro: |\n  Four signals", "intro: |\n  Five signals", 1), encoding="utf-8")
    spy = Spy(monkeypatch)
    build(config)
    assert spy.shards == ["2026-07"]
    for name in names:
        if name != "2026-07":
            assert inodes(site, name) == before[name], name
    # Byte-identical to a clean build of the same inputs.
    monkeypatch.undo()
    cold = tmp_path / "cold"
    shutil.copytree(project, cold, ignore=shutil.ignore_patterns("site", ".digest-cache", ".site-*"))
    build(load_config(cold / "digest.yaml"), clean=True)
    assert bundle(site) == bundle(cold / "site")
    for rel in sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()):
        assert (site / rel).read_bytes() == (cold / "site" / rel).read_bytes(), rel
    manifest = json.loads((project / ".digest-cache" / "build" / "manifest.json").read_text())
    assert set(manifest["search"]["shards"]) == set(names)
    assert re.fullmatch(r"[0-9a-f]{64}", manifest["search"]["shards"]["2026-07"]["inputs"])
