"""Archive calendar, topic pages and paper pages; every internal link of the built site resolves.

`assert_links_resolve(site_dir)` is meant to be imported by other tests:

    from test_site_pages import assert_links_resolve
"""
from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, time
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from bs4 import BeautifulSoup
from conftest import write
from htmlq import page, text

from digest.build import build
from digest.build.views import load_project
from digest.editorial.config import load_config
from digest.render.collections import HOLIDAY, NONE, WEEKEND, build_collections, day_state, rebase_links
from digest.render.i18n import lang

# --- the reusable link checker ------------------------------------------------------------------

_LINK_ATTRS = (("a", "href"), ("area", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
               ("source", "src"), ("iframe", "src"), ("video", "src"), ("audio", "src"))


def _site_root_path(site_dir: Path) -> str:
    """The URL path the site is served under ('/digest/'), read from the home page's canonical link."""
    index = site_dir / "index.html"
    if index.is_file():
        link = BeautifulSoup(index.read_text(encoding="utf-8"), "html.parser").find("link", rel="canonical")
        if link and link.get("href"):
            path = urlsplit(link["href"]).path or "/"
            return path if path.endswith("/") else path + "/"
    return "/"


def _ids(file: Path, cache: dict[Path, set[str]]) -> set[str]:
    if file not in cache:
        doc = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
        cache[file] = {n["id"] for n in doc.find_all(id=True)} | {n["name"] for n in doc.find_all("a", attrs={"name": True})}
    return cache[file]


def broken_links(site_dir: Path) -> list[str]:
    """'page: link (why)' for every internal link or #fragment on any built page that does not resolve."""
    site_dir = Path(site_dir).resolve()
    root_path = _site_root_path(site_dir)
    cache: dict[Path, set[str]] = {}
    problems: list[str] = []
    for file in sorted(site_dir.rglob("*.html")):
        rel_page = file.relative_to(site_dir).as_posix()
        doc = BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser")
        for tag, attr in _LINK_ATTRS:
            for node in doc.find_all(tag, attrs={attr: True}):
                value = node[attr].strip()
                parts = urlsplit(value)
                if parts.scheme or parts.netloc or not value:
                    continue  # outbound (https:, mailto:, data:, //host) links are not ours to check
                path = unquote(parts.path)
                if path.startswith("/"):
                    if not path.startswith(root_path) and path + "/" != root_path:
                        problems.append(f"{rel_page}: {value} (outside the site root {root_path})")
                        continue
                    target = site_dir / path[len(root_path):]
                elif path:
                    target = file.parent / path
                else:
                    target = file
                target = target.resolve()
                if target != site_dir and site_dir not in target.parents:
                    problems.append(f"{rel_page}: {value} (leaves the site folder)")
                    continue
                if target.is_dir():
                    target = target / "index.html"
                elif path.endswith("/"):
                    target = target / "index.html"
                if not target.is_file():
                    problems.append(f"{rel_page}: {value} (no file {target.relative_to(site_dir).as_posix()})")
                    continue
                if parts.fragment:
                    if target.suffix != ".html":
                        problems.append(f"{rel_page}: {value} (a #fragment into a non-HTML file)")
                    elif unquote(parts.fragment) not in _ids(target, cache):
                        problems.append(f"{rel_page}: {value} (no id {parts.fragment!r} in "
                                        f"{target.relative_to(site_dir).as_posix()})")
    return problems


def assert_links_resolve(site_dir: Path) -> None:
    """Fail, listing them all, when an internal link or #anchor on a built page leads nowhere."""
    problems = broken_links(site_dir)
    assert not problems, f"{len(problems)} broken internal link(s):\n" + "\n".join(problems[:50])


# --- fixtures: extra issues ---------------------------------------------------------------------


def built(project: Path) -> Path:
    build(load_config(project / "digest.yaml"))
    return project / "site"


def set_language(project: Path, tag: str) -> None:
    cfg = project / "digest.yaml"
    cfg.write_text(cfg.read_text().replace("language: en", f"language: {tag}"))


SCORES = "{novelty: 5, relevance: 5, venue: 5, evidence: 5}"


def add_rich_issues(project: Path) -> None:
    """Issues around the shipped ones: a replaced paper, an old-style id, title+url papers, area spellings."""
    write(project / "issues" / "2026-06-30.yaml", f"""
        date: 2026-06-30
        published: 2026-06-30T09:20:00+09:00
        featured: 2
        papers:
          - arxiv: "2606.40001v1"
            short: Replaced Paper
            tagline: first version
            reason: "Shown first as v1 [@]; see also [the table](#table-2026-06-30)."
            scores: {{novelty: 9, relevance: 9, venue: 9, evidence: 9}}
            areas: [Diffusion Theory]
          - arxiv: "astro-ph/0601001"
            short: Old Style
            scores: {{novelty: 8, relevance: 8, venue: 8, evidence: 8}}
            areas: [galaxies]
          - arxiv: "2606.40002"
            short: Table Only Distiller
            tagline: a one-step paper that only made the table
            scores: {SCORES}
            areas: ["One-Step  Distillation"]
          - title: Same Title Twice
            url: https://example.com/first
            scores: {{novelty: 1, relevance: 1, venue: 1, evidence: 1}}
    """)
    write(project / "issues" / "2026-07-02.yaml", f"""
        date: 2026-07-02
        published: 2026-07-02T09:10:00+09:00
        featured: 0
        papers:
          - arxiv: "2606.40001"
            short: Replaced Paper
            tagline: second version, now with numbers
            venue: ICML 2026
            scores: {SCORES}
            areas: [diffusion theory]
          - title: Same Title Twice
            url: https://example.com/second
            scores: {SCORES}
    """)
    (project / "issues" / "2026-07-02.candidates.json").write_text(json.dumps({
        "format": 1,
        "candidates": [{"id": "2606.40001", "version": 2, "announce_type": "replace",
                        "title": "A Paper That Was Replaced", "authors": ["Ada Lovelace"],
                        "categories": ["cs.LG"],
                        "abstract": "A long abstract. " * 60 + "The very end of the abstract."}],
    }), encoding="utf-8")
    (project / "issues" / "2026-06-30.candidates.json").write_text(json.dumps({
        "format": 1,
        "candidates": [{"id": "2606.40001", "version": 1, "announce_type": "new"}],
    }), encoding="utf-8")
    # Around the Labor Day holiday (2026-09-07, a Monday, in digest.yaml).
    for day in ("2026-09-04", "2026-09-10"):
        write(project / "issues" / f"{day}.yaml", f"""
            date: {day}
            papers:
              - arxiv: "2609.{day[-2:]}001"
                short: September {day[-2:]}
                scores: {SCORES}
        """)


def calendar_cells(doc: BeautifulSoup, month_id: str) -> dict[int, object]:
    """Day number -> its <td> in the month's calendar."""
    section = doc.find(id=month_id).find_parent("section")
    cells = {}
    for td in section.select("table.cal tbody td"):
        num = td.select_one(".cal-num")
        if num is not None:
            cells[int(text(num))] = td
    return cells


def headings_in_order(doc: BeautifulSoup) -> None:
    levels = [int(h.name[1]) for h in doc.find_all(re.compile(r"^h[1-6]$"))]
    assert levels and levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


# --- archive ------------------------------------------------------------------------------------


def test_archive_is_a_page_per_year_newest_first_with_linked_calendars(project):
    add_rich_issues(project)
    site = built(project)
    doc = page(site / "archive/index.html")
    headings_in_order(doc)
    # The archive's own page is its newest year; each older year has a page of its own.
    assert [text(h) for h in doc.find_all("h2")] == ["2026"]
    assert [text(h) for h in doc.find_all("h3")] == ["September 2026", "July 2026", "June 2026"]
    years = doc.select("nav.topic-years li")
    assert [text(li.a) for li in years] == ["2026", "2024"]
    assert years[0].a["aria-current"] == "page" and years[1].a["href"] == "2024/"
    assert [text(li.select_one(".topic-count")) for li in years] == ["5 issues", "1 issue"]
    # Only months with an issue get a calendar; each is a real table with weekday column headers.
    tables = doc.select("table.cal")
    assert len(tables) == 3
    for table in tables:
        heads = table.select('thead th[scope="col"]')
        assert [text(th) for th in heads] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        assert [th.abbr["title"] for th in heads][0] == "Monday"
        box = table.find_parent("div")
        assert box["tabindex"] == "0" and box["role"] == "region" and box["aria-label"]
    july = calendar_cells(doc, "m-2026-07")
    link = july[1].find("a")
    assert link["href"] == "../2026/07/01/"
    assert link["title"] == "Five diffusion papers: July 1, 2026"
    assert text(link.select_one(".visually-hidden")) == "Five diffusion papers: July 1, 2026"
    assert july[2].find("a")["href"] == "../2026/07/02/"
    assert july[3].find("a") is None
    # The plain list under each calendar: the month's issues, newest first.
    july_list = doc.find(id="m-2026-07").find_parent("section").select("ul.issue-list a")
    assert [a["href"] for a in july_list] == ["../2026/07/02/", "../2026/07/01/"]
    older = page(site / "archive/2024/index.html")
    headings_in_order(older)
    assert text(older.find("h1")) == "Archive 2024"
    assert [text(h) for h in older.find_all("h3")] == ["November 2024"]
    nav = older.select("nav.topic-years li")
    assert [a["href"] for li in nav for a in li.select("a")] == ["../", "./"]
    assert not older.select(".topic-count")  # tonight's issue changes no older year's page
    nov = calendar_cells(older, "m-2024-11")
    assert nov[29].find("a")["href"] == "../../2024/11/29/"
    assert_links_resolve(site)


def test_days_without_an_issue_say_why(project):
    add_rich_issues(project)
    doc = page(built(project) / "archive/index.html")
    sep = calendar_cells(doc, "m-2026-09")

    def why(day: int) -> str:
        node = sep[day].select_one(".cal-why")
        return text(node) if node else ""

    # Seoul, 09:00 cutoff, summer: the issue of day D holds the US-Eastern announcement of D-1.
    assert sep[4].find("a") and sep[10].find("a")
    assert why(5) == "weekend" and why(6) == "weekend"  # Friday and Saturday ET: no announcement
    assert why(7) == "no issue"  # Sunday's announcement would have been in it
    assert why(8) == "holiday" and "September 7" in sep[8]["title"]  # Labor Day, 2026-09-07 ET
    assert why(9) == "no issue"
    assert why(11) == "" and why(3) == "no issue"  # after the latest issue: nothing to say
    assert "cal-outside" in sep[11]["class"]
    # The label is text, not only a colour: every labelled day's reason is in its cell.
    for day in (5, 6, 7, 8, 9):
        assert sep[day]["title"].startswith("No issue")
    # Around the 2026-07-03 holiday (a Friday, when arXiv never announces anyway): the weekend explains it.
    july = calendar_cells(doc, "m-2026-07")
    assert text(july[3].select_one(".cal-why")) == "no issue"  # it would hold Thursday 07-02's announcement
    assert text(july[4].select_one(".cal-why")) == "weekend" and text(july[5].select_one(".cal-why")) == "weekend"
    assert text(july[6].select_one(".cal-why")) == "no issue"


def test_day_state_follows_the_site_zone_and_cutoff(project):
    config = load_config(project / "digest.yaml")
    # Seoul, 09:00: the issue of day D covers D-1's announcement in summer (EDT) ...
    assert day_state(date(2026, 9, 8), config) == (HOLIDAY, [date(2026, 9, 7)])
    assert day_state(date(2026, 9, 5), config)[0] == WEEKEND
    assert day_state(date(2026, 9, 7), config)[0] == NONE
    # ... and D-2's in winter (EST), when 20:00 ET is 10:00 the next morning in Seoul.
    assert day_state(date(2026, 1, 3), config) == (HOLIDAY, [date(2026, 1, 1)])
    assert day_state(date(2026, 1, 4), config)[0] == WEEKEND and day_state(date(2026, 1, 5), config)[0] == WEEKEND
    # New York with a 21:00 cutoff: the holiday's own date and Fridays/Saturdays are the empty ones.
    ny = dataclasses.replace(config, site=dataclasses.replace(config.site, timezone="America/New_York",
                                                               tz=ZoneInfo("America/New_York")),
                             schedule=dataclasses.replace(config.schedule, cutoff=time(21, 0)))
    assert day_state(date(2026, 9, 7), ny) == (HOLIDAY, [date(2026, 9, 7)])
    assert day_state(date(2026, 9, 4), ny)[0] == WEEKEND and day_state(date(2026, 9, 5), ny)[0] == WEEKEND
    assert day_state(date(2026, 9, 6), ny)[0] == NONE


def test_korean_archive_has_korean_weekdays_and_labels(project):
    add_rich_issues(project)
    set_language(project, "ko")
    site = built(project)
    doc = page(site / "archive/index.html")
    assert doc.html["lang"] == "ko"
    assert [text(h) for h in doc.find_all("h2")] == ["2026년"]
    assert [text(li.a) for li in doc.select("nav.topic-years li")] == ["2026년", "2024년"]
    assert text(doc.find("h3")) == "2026년 9월"
    heads = doc.select("table.cal")[0].select('thead th[scope="col"]')
    assert [text(th) for th in heads] == ["월", "화", "수", "목", "금", "토", "일"]
    assert heads[0].abbr["title"] == "월요일"
    sep = calendar_cells(doc, "m-2026-09")
    assert text(sep[5].select_one(".cal-why")) == "주말"
    assert text(sep[8].select_one(".cal-why")) == "휴일" and "9월 7일" in sep[8]["title"]
    assert text(sep[9].select_one(".cal-why")) == "호 없음"
    nav = [text(a) for a in doc.select("header nav a")]
    assert "주제" in nav
    topics = page(site / "topics/index.html")
    assert text(topics.find("h1")) == "주제"
    assert "3편" in text(topics.select_one('a[href="one-step-distillation/"]').parent)
    paper = page(site / "papers/2606.40001/index.html")
    assert [text(th) for th in paper.select("table.paper-issues thead th")] == ["호", "#", "실린 형태", "버전"]
    assert_links_resolve(site)


# --- topics -------------------------------------------------------------------------------------


def test_topics_index_counts_papers_and_merges_spellings(project):
    add_rich_issues(project)
    site = built(project)
    doc = page(site / "topics/index.html")
    headings_in_order(doc)
    items = {text(li.a): text(li.select_one(".topic-count")) for li in doc.select("ul.topic-index > li")}
    # "one-step distillation" (both shipped issues) and "One-Step  Distillation" are one topic.
    assert items["one-step distillation"] == "3 papers"
    assert items["caching"] == "2 papers"
    assert items["diffusion theory"] == "2 papers"  # Mem2Gen, and one paper listed in two issues
    assert items["galaxies"] == "1 paper"
    assert [k.casefold() for k in items] == sorted(k.casefold() for k in items)
    assert sum(1 for k in items if k.casefold() == "one-step distillation") == 1
    assert doc.select_one('a[href="one-step-distillation/"]')
    nav = doc.select_one("header nav a[aria-current]")
    assert text(nav) == "Topics" and nav["href"] == "./"


def test_topic_page_lists_papers_from_several_issues_newest_first(project):
    add_rich_issues(project)
    site = built(project)
    doc = page(site / "topics/one-step-distillation/index.html")
    headings_in_order(doc)
    assert text(doc.find("h1")) == "one-step distillation"
    # The topic's page shows its newest year; each older year has a page of its own.
    names = [text(h) for h in doc.select("ol.topic-papers > li > h2")]
    assert names == ["Cross-Space Distillation", "Table Only Distiller"]
    hrefs = [h.a["href"] for h in doc.select("ol.topic-papers > li > h2")]
    assert hrefs == ["../../2026/07/01/#cross-space-distillation", "../../2026/06/30/#table-2026-06-30"]
    years = doc.select("nav.topic-years li")
    assert [text(li) for li in years] == ["2026 2 papers", "2024 1 paper"]
    assert [li.a["href"] for li in years] == ["./", "2024/"] and years[0].a["aria-current"] == "page"
    first = doc.select("ol.topic-papers > li")[0]
    assert "one-step students taught from outside their own latent space" in text(first)
    assert "July 1, 2026 · rank 1 · card" in text(first) and "ECCV 2026" in text(first)
    assert "rank 3 · table only" in text(doc.select("ol.topic-papers > li")[1])
    assert first.find("a", href="../../papers/2606.32020/")
    older = page(site / "topics/one-step-distillation/2024/index.html")
    headings_in_order(older)
    assert text(older.find("h1")) == "one-step distillation 2024"
    assert [text(h) for h in older.select("ol.topic-papers > li > h2")] == ["TSD-SR"]
    assert [h.a["href"] for h in older.select("ol.topic-papers > li > h2")] == ["../../../2024/11/29/#tsd-sr"]
    assert older.select_one('nav.topic-years a[aria-current="page"]')["href"] == "./"
    # An older year's page gives its own count only: the newest year's grows with every issue, and showing it
    # would make every year's page change every night.
    assert [text(li) for li in older.select("nav.topic-years li")] == ["2026", "2024"]
    assert text(older.select_one("p.dek")).startswith("1 paper on one-step distillation in ")
    assert "last shown in 2024" in text(older.select_one("p.dek"))
    assert "2 papers" not in older.decode() and "3 papers" not in older.decode()
    assert text(doc.select_one("p.dek")).startswith("3 papers on one-step distillation in ")
    # The #anchor of every card link exists in the issue page it points at.
    for folder, doc_ in (("topics/one-step-distillation", doc), ("topics/one-step-distillation/2024", older)):
        for h in doc_.select("ol.topic-papers > li > h2"):
            target, frag = h.a["href"].split("#")
            assert page(site / folder / target / "index.html").find(id=frag), h.a["href"]
    # A paper listed in two issues under one topic is one entry with both appearances.
    theory = page(site / "topics/diffusion-theory/index.html")
    entry = theory.select("ol.topic-papers > li")[0]
    assert text(entry.h2) == "Replaced Paper"
    assert [a["href"] for a in entry.select(".topic-meta time")[0].find_parents("a")] == ["../../2026/07/02/#table-2026-07-02"]
    assert len(entry.select(".topic-meta time")) == 2
    assert_links_resolve(site)


# --- paper pages --------------------------------------------------------------------------------


def test_every_paper_has_a_page(project):
    add_rich_issues(project)
    site = built(project)
    papers = site / "papers"
    found = sorted(p.parent.relative_to(papers).as_posix() for p in papers.rglob("index.html"))
    assert found == sorted([
        "2405.18428", "2407.03297", "2411.17769", "2411.17807", "2411.18263", "2411.18375", "2411.18562",
        "2411.18616", "2602.22265", "2606.30849", "2606.31026", "2606.32020", "2606.40001", "2606.40002",
        "2609.04001", "2609.10001", "astro-ph/0601001", "multi-block-diffusion-language-models",
        "same-title-twice", "same-title-twice-2",
    ])
    old = page(papers / "astro-ph/0601001/index.html")
    headings_in_order(old)
    assert text(old.find("h1")) == "Old Style"
    assert old.find("a", href="https://arxiv.org/abs/astro-ph/0601001")
    assert old.find("a", href="../../../2026/06/30/#old-style")
    # Title+url papers: the one that appeared first keeps the plain slug.
    first = page(papers / "same-title-twice/index.html")
    assert first.find("a", href="https://example.com/first")
    assert first.find("a", href="../../2026/06/30/#table-2026-06-30")
    second = page(papers / "same-title-twice-2/index.html")
    assert second.find("a", href="https://example.com/second")
    mbd = page(papers / "multi-block-diffusion-language-models/index.html")
    assert text(mbd.find("h1")) == "Multi-Block Diffusion Language Models"
    assert mbd.find("a", href="https://sjtu-deng-lab.github.io/mbd-lms/")
    assert_links_resolve(site)


def test_paper_page_shows_facts_issues_and_versions(project):
    add_rich_issues(project)
    site = built(project)
    doc = page(site / "papers/2606.40001/index.html")
    headings_in_order(doc)
    assert text(doc.find("h1")) == "Replaced Paper"
    assert text(doc.select_one(".dek")) == "second version, now with numbers"
    meta = {text(d.dt): text(d.dd) for d in doc.select("dl.paper-meta > div")}
    assert meta["Title"] == "A Paper That Was Replaced"
    assert meta["Authors"] == "Ada Lovelace" and meta["Categories"] == "cs.LG"
    assert meta["Venue"] == "ICML 2026" and meta["arXiv id"] == "2606.40001"
    assert meta["Versions seen"] == "v1, v2" and meta["Topics"] == "diffusion theory"
    links = [(text(a), a["href"]) for a in doc.select("ul.links a")]
    assert links[:2] == [("arXiv abstract", "https://arxiv.org/abs/2606.40001"), ("PDF", "https://arxiv.org/pdf/2606.40001")]
    # The whole abstract, not the card's excerpt.
    assert text(doc.select_one("blockquote.abstract")).endswith("The very end of the abstract.")
    rows = [[text(c) for c in tr.find_all(["th", "td"])] for tr in doc.select("table.paper-issues tbody tr")]
    assert rows == [["July 2, 2026", "1", "table only", "v2 (replacement)"],
                    ["June 30, 2026", "1", "card", "v1 (new)"]]
    row_links = [tr.a["href"] for tr in doc.select("table.paper-issues tbody tr")]
    assert row_links == ["../../2026/07/02/#table-2026-07-02", "../../2026/06/30/#replaced-paper"]
    # The editor's reason comes from the newest issue that gave one; its citation and its
    # in-page link now point back into that issue.
    reason = doc.select_one("#reason-h").find_parent("section")
    assert "Shown first as v1" in text(reason) and "June 30, 2026" in text(reason)
    assert [a["href"] for a in reason.select("a")] == ["../../2026/06/30/#ref-1", "../../2026/06/30/#table-2026-06-30"]
    # Shipped paper: reviewed card, one issue.
    dig = page(site / "papers/2405.18428/index.html")
    assert [text(c) for c in dig.select("table.paper-issues tbody tr")[0].find_all(["th", "td"])] == \
        ["November 29, 2024", "3", "card", "v2 (replacement)"]
    assert dig.find("a", href="https://github.com/hustvl/DiG")
    assert dig.find("link", rel="canonical")["href"] == "https://example.org/digest/papers/2405.18428/"
    assert_links_resolve(site)


def test_issue_cards_can_find_their_paper_pages(project):
    add_rich_issues(project)
    config = load_config(project / "digest.yaml")
    views = load_project(config).views
    cols = build_collections(views, config, lang("en"))
    paths = {pg.path for pg in cols.papers}
    for view in views:
        for p in view.papers:
            assert cols.paper_page(view, p) in paths
    by_date = {v.issue.date: v for v in views}
    old = next(p for p in by_date[date(2026, 6, 30)].papers if p.arxiv == "astro-ph/0601001")
    assert cols.paper_page(by_date[date(2026, 6, 30)], old) == "papers/astro-ph/0601001/"


def test_editor_and_arxiv_text_is_escaped_on_the_new_pages(project):
    write(project / "issues" / "2026-06-30.yaml", f"""
        date: 2026-06-30
        papers:
          - arxiv: "2606.40009"
            short: "<b>Bold</b> & co"
            tagline: "<script>alert(1)</script>"
            scores: {SCORES}
            areas: ["<img src=x onerror=alert(1)>"]
    """)
    site = built(project)
    for path in ("papers/2606.40009/index.html", "topics/img-src-x-onerror-alert-1/index.html", "topics/index.html"):
        doc = page(site / path)
        assert not doc.find("b") and not doc.select("img[onerror]"), path
        assert not [s for s in doc.find_all("script") if "alert" in s.get_text()], path
    doc = page(site / "papers/2606.40009/index.html")
    assert text(doc.find("h1")) == "<b>Bold</b> & co"
    assert text(page(site / "topics/img-src-x-onerror-alert-1/index.html").find("h1")) == "<img src=x onerror=alert(1)>"


def test_rebase_links_moves_relative_links_and_keeps_outbound_ones():
    from markupsafe import Markup
    html = Markup('x<sup class="cite"><a href="#ref-2">2</a></sup> <a href="../../06/30/#a&amp;b">y</a> '
                  '<a href="https://arxiv.org/abs/1" rel="noopener">z</a> <a href="?q=1">q</a>')
    out = rebase_links(html, "2026/07/01/", "papers/2606.1/index.html")
    assert str(out) == ('x<sup class="cite"><a href="../../2026/07/01/#ref-2">2</a></sup> '
                        '<a href="../../2026/06/30/#a&amp;b">y</a> '
                        '<a href="https://arxiv.org/abs/1" rel="noopener">z</a> <a href="../../2026/07/01/?q=1">q</a>')
    assert rebase_links(None, "a/", "b/index.html") is None


# --- the whole site -----------------------------------------------------------------------------


def test_every_internal_link_resolves_on_the_shipped_site(project):
    site = built(project)
    assert_links_resolve(site)
    for path in ["archive/index.html", "topics/index.html", "topics/caching/index.html",
                 "papers/2606.31026/index.html", "papers/multi-block-diffusion-language-models/index.html"]:
        doc = page(site / path)
        headings_in_order(doc)
        assert doc.find("header") and doc.find("main") and doc.find("nav") and doc.find("footer")
        assert doc.find("link", rel="canonical")["href"].startswith("https://example.org/digest/")


def test_link_checker_reports_missing_files_and_anchors(tmp_path):
    write(tmp_path / "index.html", '<link rel="canonical" href="https://x.org/s/">'
                                  '<a href="a/">ok</a><a href="a/#here">ok</a><a href="a/#gone">bad</a>'
                                  '<a href="missing/">bad</a><a href="/s/a/">ok</a><a href="/other/">bad</a>'
                                  '<a href="#self">bad</a><a href="https://example.com/#x">outbound</a>')
    write(tmp_path / "a/index.html", '<p id="here">hi</p>')
    problems = broken_links(tmp_path)
    assert len(problems) == 4, problems
    assert any("#gone" in p for p in problems) and any("missing/" in p for p in problems)
    assert any("/other/" in p for p in problems) and any("#self" in p for p in problems)


def test_two_builds_are_byte_identical(project, tmp_path):
    add_rich_issues(project)
    config = load_config(project / "digest.yaml")
    a, b = tmp_path / "a", tmp_path / "b"
    build(config, a)
    build(config, b)
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    assert "papers/astro-ph/0601001/index.html" in files_a and "topics/index.html" in files_a
    for rel in files_a:
        assert (a / rel).read_bytes() == (b / rel).read_bytes(), rel


def test_a_site_without_issues_still_has_archive_and_topics_pages(empty_project):
    site = built(empty_project)
    archive = page(site / "archive/index.html")
    assert text(archive.find("h1")) == "Archive" and "No issue has been published yet." in text(archive.main)
    assert not archive.select("table.cal")
    topics = page(site / "topics/index.html")
    assert "No paper has been tagged with a research area yet." in text(topics.main)
    assert not (site / "papers").exists()
    assert_links_resolve(site)
