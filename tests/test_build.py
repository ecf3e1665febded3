"""`digest build`: the reference issue reproduced, ranking order, safety, atomicity, determinism."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import cold_site, write
from htmlq import page, text

from digest.build import build
from digest.editorial.config import load_config
from digest.errors import DigestError

REF = "2026/07/01/index.html"


def built(project: Path) -> Path:
    build(load_config(project / "digest.yaml"))
    return project / "site"


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_reference_issue_page_has_every_element(project):
    doc = page(built(project) / REF)
    assert text(doc.find("time")) == "July 1, 2026 · 09:24"
    assert doc.find("time")["datetime"] == "2026-07-01T09:24:00+09:00"
    assert text(doc.find("h1")) == "Five diffusion papers: July 1, 2026"
    dek = text(doc.select_one(".dek"))
    for name in ["Cross-Space Distillation", "ECFM", "OTCache", "MBD-LMs", "SyncCache"]:
        assert name in dek
    window = text(doc.select_one(".window"))
    assert "June 30, 09:20 to July 1, 09:00" in window and "shorter" in window and "after 09:00" in window
    assert doc.select_one(".intro p")
    headers = [text(th) for th in doc.select("table.speed-read thead th")]
    assert headers == ["#", "Paper", "First-read reason", "Evidence strength"]
    rows = doc.select("table.speed-read tbody tr")
    assert [text(r.find("th")) for r in rows] == [
        "Cross-Space Distillation", "Entropy-Controlled Flow Matching", "OTCache",
        "Multi-Block Diffusion Language Models", "SyncCache"]
    # each reason cites its source, and every citation resolves to a numbered source
    for i, row in enumerate(rows, start=1):
        assert row.select_one(f'sup.cite a[href="#ref-{i}"]')
    sources = doc.select(".sources li")
    assert [li["id"] for li in sources] == [f"ref-{i}" for i in range(1, 6)]
    ids = {el["id"] for el in doc.select("[id]")}
    for a in doc.select('a[href^="#"]'):
        assert a["href"][1:] in ids, a["href"]
    cards = doc.select("section.card")
    assert [text(c.find("h2")) .split(":")[0] for c in cards] == [
        "1. Cross-Space Distillation", "2. Entropy-Controlled Flow Matching", "3. OTCache",
        "4. Multi-Block Diffusion Language Models", "5. SyncCache"]
    for card in cards:
        assert [text(h) for h in card.select(".card-section h3")] == [
            "Decision", "What it does", "Technical read", "Evidence and limits"]
    first = cards[0]
    links = {text(a): a["href"] for a in first.select(".links a")}
    assert links["arXiv abstract"] == "https://arxiv.org/abs/2606.32020"
    assert links["PDF"] == "https://arxiv.org/pdf/2606.32020"
    assert "ECCV 2026" in text(first.select_one(".paper-meta"))
    otcache = {text(a): a["href"] for a in cards[2].select(".links a")}
    assert otcache["Code"] == "https://github.com/UnicomAI/OTCache"
    mbd = {text(a): a["href"] for a in cards[3].select(".links a")}
    assert mbd == {"Paper page": "https://sjtu-deng-lab.github.io/mbd-lms/",
                   "About this paper": "../../../papers/multi-block-diffusion-language-models/"}
    assert cards[1].find("math") is not None  # the ECFM constraint is MathML, no script needed
    assert [text(h) for h in doc.select(".reading-area h3")]
    figure = doc.select_one("figure.cover")
    assert figure.img["alt"] and "Cover:" in text(figure.figcaption)
    assert (project / "site" / "covers" / "2026-07-01.svg").is_file()
    # everything above is in the HTML itself: no script is needed to read the issue; the only script is the
    # search box's, from the site's own assets, run after the page is read
    scripts = doc.find_all("script")
    assert [(s.get("src"), s.has_attr("defer"), s.string) for s in scripts] == [
        ("../../../assets/search.js", True, None)]


def test_headings_are_in_order_and_landmarks_present(project):
    doc = page(built(project) / REF)
    levels = [int(h.name[1]) for h in doc.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    assert doc.find("header") and doc.find("main") and doc.find("nav") and doc.find("footer")


def test_index_shows_the_latest_issue_and_archive_groups_by_month(project):
    write(project / "issues" / "2026-06-30.yaml", """
        date: 2026-06-30
        published: 2026-06-30T09:20:00+09:00
        papers:
          - arxiv: "2606.20001"
            short: Earlier Paper
            scores: {novelty: 5, relevance: 5, venue: 5, evidence: 5}
    """)
    site = built(project)
    index = page(site / "index.html")
    assert text(index.find("h1")) == "Five diffusion papers: July 1, 2026"
    assert "One diffusion paper: June 30, 2026" in text(index.select_one(".recent"))
    archive = page(site / "archive/index.html")
    assert [text(h) for h in archive.find_all("h3")] == ["July 2026", "June 2026"]  # the newest year's page
    assert [text(h) for h in page(site / "archive/2024/index.html").find_all("h3")] == ["November 2024"]
    ref = page(site / REF)
    assert ref.select_one('a[rel="prev"]')["href"] == "../../06/30/"
    older = page(site / "2026/06/30/index.html")
    assert older.select_one('a[rel="next"]')["href"] == "../../07/01/"
    assert older.select_one('a[rel="prev"]')["href"] == "../../../2024/11/29/"
    oldest = page(site / "2024/11/29/index.html")
    assert oldest.select_one('a[rel="prev"]') is None and oldest.select_one('a[rel="next"]')


def test_shuffled_papers_render_in_score_order_and_excluded_never_appear(project):
    ref = (project / "issues" / "2026-07-01.yaml").read_text(encoding="utf-8")
    head, papers_and_rest = ref.split("\npapers:\n", 1)
    papers_part, rest = papers_and_rest.split("\nreading_order:", 1)
    blocks = re.split(r"\n(?=  - )", papers_part)
    shuffled = [blocks[i] for i in (4, 2, 0, 3, 1)]
    shuffled[0] = shuffled[0] + "\n    exclude: true"  # SyncCache
    # the reading order cites SyncCache, which is excluded here, so it goes too
    cover = rest[rest.index("\ncover:"):]
    (project / "issues" / "2026-07-01.yaml").write_text(
        head + "\npapers:\n" + "\n".join(shuffled) + cover, encoding="utf-8")
    doc = page(built(project) / REF)
    names = [text(r.find("th")) for r in doc.select("table.speed-read tbody tr")]
    assert names == ["Cross-Space Distillation", "Entropy-Controlled Flow Matching", "OTCache",
                     "Multi-Block Diffusion Language Models"]
    assert "SyncCache" not in doc.get_text()
    assert "Four diffusion papers" in text(doc.find("h1"))


def test_missing_prose_fields_are_left_out_not_blank(project):
    write(project / "issues" / "2026-07-02.yaml", """
        date: 2026-07-02
        papers:
          - arxiv: "2607.00001"
            short: Only Decision
            decision: Read it.
            scores: {novelty: 5, relevance: 5, venue: 5, evidence: 5}
          - title: Off arXiv Paper
            url: https://example.org/paper
            scores: {novelty: 1, relevance: 1, venue: 1, evidence: 1}
    """)
    doc = page(built(project) / "2026/07/02/index.html")
    first, second = doc.select("section.card")
    assert [text(h) for h in first.select(".card-section h3")] == ["Decision"]
    assert not first.select(".badge")
    assert second.select_one(".badge") and not second.select(".card-section")
    assert {text(a): a["href"] for a in second.select(".links a")} == {
        "Paper page": "https://example.org/paper", "About this paper": "../../../papers/off-arxiv-paper/"}
    assert not doc.select_one(".intro") and not doc.select_one(".reading-area")
    for h in doc.find_all(re.compile(r"^h[1-6]$")):
        assert text(h)


HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>'


def test_markup_in_editor_text_and_arxiv_titles_is_escaped_everywhere(project):
    write(project / "issues" / "2026-07-02.yaml", f"""
        date: 2026-07-02
        title: "{HOSTILE}"
        intro: "{HOSTILE}"
        papers:
          - arxiv: "2607.00001"
            short: "{HOSTILE}"
            tagline: "{HOSTILE}"
            reason: "{HOSTILE}"
            evidence: "{HOSTILE}"
            venue: "{HOSTILE}"
            areas: ["{HOSTILE}"]
            decision: "{HOSTILE}"
            authors: ["{HOSTILE}"]
            scores: {{novelty: 5, relevance: 5, venue: 5, evidence: 5}}
        reading_order:
          - area: "{HOSTILE}"
            text: "{HOSTILE}"
    """)
    (project / "issues" / "2026-07-02.candidates.json").write_text(
        '{"format": 1, "candidates": [{"id": "2607.00001", "title": "' + HOSTILE.replace('"', '\\"') +
        '", "abstract": "' + HOSTILE + '", "authors": ["' + HOSTILE + '"]}]}', encoding="utf-8")
    site = built(project)
    theme_scripts = {s.get_text() for s in page(site / "2026" / "07" / "01" / "index.html").find_all("script")}
    for path in site.rglob("*.html"):
        doc = page(path)
        # the only scripts are the theme's own (the search loader), identical on every page
        assert {s.get_text() for s in doc.find_all("script")} <= theme_scripts, path
        assert all("alert" not in s for s in theme_scripts)
        for el in doc.find_all(True):
            assert not any(a.startswith("on") for a in el.attrs), (path, el)
    assert "&lt;script&gt;" in (site / "2026/07/02/index.html").read_text()


def test_two_builds_are_byte_identical(project):
    site = built(project)
    first = tree_digest(site)
    (project / "site").rename(project / "site-first")
    second = tree_digest(built(project))
    assert first == second and len(first) >= 5


def test_failed_build_leaves_the_previous_site_untouched(project, monkeypatch):
    site = built(project)
    before = tree_digest(site)
    write(project / "issues" / "2026-07-02.yaml", """
        date: 2026-07-02
        papers:
          - arxiv: "2607.00001"
            scores: {novelty: 5, relevance: 5, venue: 5, evidence: 5}
    """)
    from digest.build.writer import Writer

    def explode(writer, files):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Writer, "copy_static", explode)
    with pytest.raises(OSError):
        build(load_config(project / "digest.yaml"))
    assert tree_digest(site) == before
    assert not [p for p in project.iterdir() if p.name.startswith(".site-")]


def test_invalid_issue_stops_the_build_and_keeps_the_site(project):
    site = built(project)
    before = tree_digest(site)
    write(project / "issues" / "2026-07-02.yaml", "date: 2026-07-02\npapers:\n  - arxiv: nope\n")
    with pytest.raises(DigestError) as info:
        build(load_config(project / "digest.yaml"))
    assert "issues/2026-07-02.yaml:3:12:" in str(info.value)
    assert tree_digest(site) == before


def test_unknown_citation_is_an_error_pointing_at_the_field(project):
    write(project / "issues" / "2026-07-02.yaml", """
        date: 2026-07-02
        papers:
          - arxiv: "2607.00001"
            decision: See [@NoSuchPaper].
    """)
    with pytest.raises(DigestError) as info:
        build(load_config(project / "digest.yaml"))
    assert "issues/2026-07-02.yaml:4:15: unknown citation [@NoSuchPaper]" in str(info.value)


def test_candidates_enrich_cards_and_auto_scores_fill_gaps(project):
    write(project / "issues" / "2026-07-02.yaml", """
        date: 2026-07-02
        papers:
          - arxiv: "2607.00001"
            scores: {novelty: 7}
    """)
    (project / "issues" / "2026-07-02.candidates.json").write_text("""{"format": 1, "candidates": [
      {"id": "2607.00001", "version": 2, "announce_type": "replace", "title": "A Fetched Title",
       "authors": ["Dirk Wübben", "Ana Núñez"], "categories": ["cs.LG", "cs.CV"], "abstract": "We study things at 2.5 $\\\\times$ the speed with \\\\textbf{care}.",
       "venue": "CVPR 2026", "links": {"code": ["https://github.com/a/b"], "project": []},
       "scores": {"relevance": {"value": 6, "reason": "title mentions diffusion"}, "venue": {"value": 8, "reason": "CVPR"}}}]}""",
        encoding="utf-8")
    doc = page(built(project) / "2026/07/02/index.html")
    card = doc.select_one("section.card")
    meta = text(card.select_one(".paper-meta"))
    assert "Dirk Wübben, Ana Núñez" in meta and "cs.LG, cs.CV" in meta and "CVPR 2026" in meta and "(v2)" in meta
    assert " ".join(card.select_one(".scores").get_text().split()) == "novelty 7 · relevance 6* · venue 8* · evidence – · total 21"
    abstract = card.select_one(".abstract")
    assert abstract.find("math") is not None and "care." in text(abstract) and "textbf" not in text(abstract)
    assert {text(a): a["href"] for a in card.select(".links a")}["Code"] == "https://github.com/a/b"
    assert text(doc.find("h1")).startswith("One diffusion paper")


def test_korean_site_uses_korean_dates_and_words(project):
    cfg = project / "digest.yaml"
    cfg.write_text(cfg.read_text().replace("language: en", "language: ko"))
    doc = page(built(project) / REF)
    assert doc.html["lang"] == "ko"
    assert text(doc.find("time")) == "2026. 7. 1. · 09:24"
    assert text(doc.find("h1")) == "diffusion 논문 5편: 2026년 7월 1일"
    assert [text(th) for th in doc.select("table.speed-read thead th")] == ["#", "논문", "먼저 읽을 이유", "근거의 강도"]
    assert "6월 30일 09:20부터 7월 1일 09:00까지" in text(doc.select_one(".window"))
    archive = page(project / "site" / "archive" / "index.html")
    assert [text(h) for h in archive.find_all("h3")][0] == "2026년 7월"


def test_pages_carry_social_and_feed_metadata(project):
    doc = page(built(project) / REF)
    meta = {m.get("property") or m.get("name"): m["content"] for m in doc.find_all("meta") if m.get("content")}
    assert meta["og:title"] == "Five diffusion papers: July 1, 2026"
    assert meta["og:url"] == "https://example.org/digest/2026/07/01/"
    assert meta["og:image"] == "https://example.org/digest/covers/2026-07-01.svg"
    assert meta["og:type"] == "article" and meta["twitter:card"] == "summary_large_image"
    assert meta["description"] and meta["og:description"] == meta["description"]
    feeds = [link["href"] for link in doc.find_all("link", rel="alternate")]
    assert feeds == ["../../../feed.xml", "../../../papers.xml"]
    assert doc.find("link", rel="icon")["href"] == "../../../assets/favicon.svg"
    assert (project / "site" / "assets" / "favicon.svg").is_file()


def edit_after_first_page(monkeypatch, template: Path, old: str, new: str) -> list[str]:
    """Make the next build (in one process) replace `old` by `new` in `template` once it has made its first
    page; the site paths it makes, in order, are appended to the list returned."""
    from digest.build.writer import Writer

    monkeypatch.setenv("DIGEST_JOBS", "1")
    real = Writer.make_one
    made: list[str] = []

    def render_then_edit(writer, spec, *args):
        placed = real(writer, spec, *args)
        made.append(spec.path)
        if len(made) == 1:
            template.write_text(template.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
        return placed

    monkeypatch.setattr(Writer, "make_one", render_then_edit)
    return made


def test_a_template_edited_during_a_build_does_not_reach_its_later_pages(project, monkeypatch):
    # Every page of one build is made with the templates as they were first loaded: a build never mixes
    # two versions of a template (and does not stat the templates again for every page).
    made = edit_after_first_page(monkeypatch, project / "templates" / "base.html", "</body>", "<p>EDITED</p></body>")
    site = built(project)
    assert len([p for p in made if p.endswith(".html")]) > 5
    assert not [p for p in made if b"EDITED" in (site / p).read_bytes()]


def test_a_template_edited_during_a_build_leaves_nothing_stale_for_the_next_one(project, monkeypatch, tmp_path):
    # The feeds keep their entries between builds under the templates' sources: those must be the bytes the
    # build rendered with, not the file as edited meanwhile, or the next build would reuse old entries.
    edit_after_first_page(monkeypatch, project / "templates" / "_issue.html", '<section class="card"',
                          '<section data-marker="m-8080" class="card"')
    site = built(project)
    assert "m-8080" not in (site / "feed.xml").read_text(encoding="utf-8")
    monkeypatch.undo()
    site = built(project)
    assert "m-8080" in (site / "feed.xml").read_text(encoding="utf-8")
    assert tree_digest(site) == tree_digest(cold_site(project, tmp_path))
