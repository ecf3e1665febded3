"""The editor's preview (digest/build/preview.py): a save re-makes only the pages it changes, in place, with
the bytes `digest build` gives them; catch_up() then makes the whole folder what a cold build makes."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import cold_site, digests, synth_archive

from digest.build import build
from digest.build.preview import Preview
from digest.editorial.config import load_config
from digest.errors import DigestError

ISSUES = 12


@pytest.fixture(scope="module")
def archive_source(tmp_path_factory) -> Path:
    return synth_archive(tmp_path_factory, ISSUES, seed=3)


def pages(folder: Path) -> dict[str, str]:
    """The site's files but the search index (which catch_up() brings up to date)."""
    return {rel: sha for rel, sha in digests(folder).items() if not rel.startswith("pagefind/")}


def issue(root: Path, index: int) -> Path:
    return sorted((root / "issues").glob("*.yaml"))[index]


def retitle(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\npublished:", f"\ntitle: {title}\npublished:", 1), encoding="utf-8")


@pytest.fixture
def previewed(archive: Path):
    """The archive built once through a Preview; (preview, config, site folder)."""
    config = load_config(archive / "digest.yaml")
    preview = Preview()
    preview(config, archive / "site", None)
    assert not preview.behind
    return preview, config, archive / "site"


@pytest.mark.parametrize("which", [-1, 0, ISSUES // 2])
def test_a_saved_issue_remakes_only_its_pages_with_the_bytes_a_cold_build_gives(previewed, archive, tmp_path,
                                                                                which):
    preview, config, site = previewed
    before = pages(site)
    edited = issue(archive, which)
    retitle(edited, "A retitled issue, previewed")
    result = preview(config, site, frozenset({edited}))
    assert preview.behind and result.changed
    assert 0 < result.written < result.pages / 4  # files replaced: those whose bytes changed
    cold = cold_site(archive, tmp_path)
    now, final = pages(site), pages(cold)
    assert now == final  # every page shown is what `digest build` makes of these files
    assert sum(before[rel] != now[rel] for rel in now) == result.written
    preview.catch_up(config, site)
    assert not preview.behind
    assert digests(site) == digests(cold)  # the search index too


def test_moving_published_remakes_the_next_issue_whose_window_starts_there(previewed, archive, tmp_path):
    preview, config, site = previewed
    edited, following = issue(archive, 3), issue(archive, 4)
    text = edited.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("published:"))
    edited.write_text(text.replace(line, line[:-6] + "+03:00"), encoding="utf-8")
    next_page = site / following.stem.replace("-", "/") / "index.html"
    old = next_page.read_bytes()
    preview(config, site, frozenset({edited}))
    cold = cold_site(archive, tmp_path)
    assert next_page.read_bytes() != old
    assert pages(site) == pages(cold)


def test_a_broken_save_is_located_and_changes_nothing_then_the_fix_is_quick(previewed, archive):
    preview, config, site = previewed
    before = digests(site)
    edited = issue(archive, 5)
    good = edited.read_text(encoding="utf-8")
    edited.write_text(good + 'papers: [\n', encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        preview(config, site, frozenset({edited}))
    assert str(caught.value).startswith(f"issues/{edited.name}:")
    assert digests(site) == before
    edited.write_text(good, encoding="utf-8")
    retitle(edited, "Fixed")
    result = preview(config, site, frozenset({edited}))
    assert preview.behind and result.written > 0


def test_anything_but_existing_issue_files_is_a_whole_build(previewed, archive):
    preview, config, site = previewed
    template = archive / "templates" / "base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("</body>", "<p>Edited</p></body>"),
                        encoding="utf-8")
    result = preview(config, site, frozenset({template}))
    assert not preview.behind and result.written > ISSUES
    new = archive / "issues" / "2030-01-01.yaml"
    new.write_text(issue(archive, 0).read_text(encoding="utf-8").replace(issue(archive, 0).stem, "2030-01-01"),
                   encoding="utf-8")
    preview(config, site, frozenset({new}))
    assert not preview.behind  # a new issue changes the archive, the neighbours, the feeds: a whole build


def test_an_editors_temporary_file_is_no_change(previewed, archive):
    preview, config, site = previewed
    before = digests(site)
    temp = archive / "issues" / ".2026-07-01.yaml.swp"
    temp.write_text("x", encoding="utf-8")
    result = preview(config, site, frozenset({temp}))
    assert preview.behind and result.written == 0 and digests(site) == before


# --- edits that move papers between pages: the quick update gathers only what they touch ------------------


def edit_papers(path: Path, change) -> None:
    """Rewrite an issue file's papers with `change(papers)` (a list of dicts, changed in place)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["papers"])
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def papers_of(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["papers"]


def reorder(papers: list[dict]) -> None:
    papers[0]["scores"] = {"novelty": 1, "relevance": 1, "venue": 1, "evidence": 1}  # the first paper drops to last


def move_topic(archive: Path):
    other = next(area for i in range(ISSUES) for p in papers_of(issue(archive, i)) for area in p.get("areas", [])
                 if area not in papers_of(issue(archive, 0))[0].get("areas", []))

    def change(papers: list[dict]) -> None:
        papers[0]["areas"] = [other.upper()]  # another topic, spelled otherwise (its name stays the majority's)
    return change


def relist(archive: Path):
    """The newest issue's first paper listed again in the oldest issue, with a new tagline and another topic."""
    again = dict(papers_of(issue(archive, -1))[0], tagline="listed again with a new tagline",
                 areas=[papers_of(issue(archive, 1))[0]["areas"][0]])

    def change(papers: list[dict]) -> None:
        papers.append(again)
    return change


def new_topic(papers: list[dict]) -> None:
    papers[0]["areas"] = ["a topic no issue had"]


def new_paper(papers: list[dict]) -> None:
    papers[-1]["arxiv"] = "2001.99999"  # a paper no issue had: a page of its own


EDITS = {"reorder": lambda archive: reorder, "move a topic": move_topic, "list a paper again": relist,
         "a new topic": lambda archive: new_topic, "a new paper": lambda archive: new_paper}


@pytest.mark.parametrize("edit", list(EDITS))
def test_edits_that_move_papers_leave_every_page_as_a_cold_build_makes_it(previewed, archive, tmp_path, edit):
    preview, config, site = previewed
    edited = issue(archive, 0)
    edit_papers(edited, EDITS[edit](archive))
    result = preview(config, site, frozenset({edited}))
    assert result.written > 0
    cold = pages(cold_site(archive, tmp_path))
    now = pages(site)
    assert {rel: now.get(rel) for rel in cold} == cold  # a page the edit removed goes with catch_up()
    preview.catch_up(config, site)
    assert pages(site) == cold


@pytest.mark.parametrize("edit, partial", [("reorder", True), ("move a topic", True), ("list a paper again", True),
                                           ("a new topic", False), ("a new paper", False)])
def test_replan_names_every_page_an_edit_changes_or_says_it_cannot(archive, edit, partial):
    """site.replan(): the pages it plans include every page whose key differs after the edit, with that key;
    None when the edit adds or removes a page."""
    from digest.build.keys import page_keys
    from digest.build.views import reload_views
    from digest.render.site import plan_pages, replan

    config = load_config(archive / "digest.yaml")
    kept = []
    build(config, archive / "site", keep=kept.append)
    loaded = kept[0]
    edited = issue(archive, 0)
    edit_papers(edited, EDITS[edit](archive))
    views, _ = reload_views(config, loaded.cache, loaded.project.views, {loaded.project.views[0].issue.date})
    plan = replan(config, views, loaded.env, loaded.collections, list(loaded.keys))
    assert (plan is not None) == partial
    if plan is None:
        return
    fresh = plan_pages(config, views)
    after = dict(zip((p.path for p in fresh.pages), page_keys(fresh, loaded.stamp)))
    assert after.keys() == loaded.keys.keys()
    planned = dict(zip((p.path for p in plan.pages), page_keys(plan, loaded.stamp, loaded.template_keys)))
    changed = {path for path, key in after.items() if key != loaded.keys[path]}
    assert changed and changed <= planned.keys()
    assert all(planned[path] == after[path] for path in planned)
    assert len(planned) < len(after) / 3


def test_a_topic_page_follows_the_newest_issue_of_its_papers_even_under_another_topic(previewed, archive, tmp_path):
    """A topic page shows each paper's newest name and tagline: an edit of the newest issue that had the paper
    reaches the pages of topics it had only in an older issue."""
    preview, config, site = previewed
    oldest, newest = issue(archive, 0), issue(archive, -1)
    edit_papers(oldest, relist(archive))
    preview(config, site, frozenset({oldest}))
    preview.catch_up(config, site)

    def retag(papers: list[dict]) -> None:
        papers[0]["tagline"] = "a tagline changed in the newest issue"
    edit_papers(newest, retag)
    preview(config, site, frozenset({newest}))
    cold = pages(cold_site(archive, tmp_path))
    assert pages(site) == cold


def test_the_next_issue_reloaded_with_an_edit_keeps_its_warnings_once(previewed, archive, tmp_path):
    preview, config, site = previewed
    edited, following = issue(archive, 3), issue(archive, 4)
    bad = "    technical: |\n      $\\frac{a}$ is shown as TeX.\n"  # a formula warning in the next issue
    following.write_text(following.read_text(encoding="utf-8").replace("    technical: |\n", bad, 1), encoding="utf-8")
    preview.catch_up(config, site)
    text = edited.read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("published:"))
    edited.write_text(text.replace(line, line[:-6] + "+03:00"), encoding="utf-8")  # the next issue is reloaded too
    result = preview(config, site, frozenset({edited}))
    cold = tmp_path / "cold"
    shutil.copytree(archive, cold, ignore=shutil.ignore_patterns("site", ".digest-cache", ".site-*"))
    expected = build(load_config(cold / "digest.yaml"), clean=True).warnings
    assert [str(w) for w in result.warnings] == [str(w) for w in expected] != []


def test_the_feeds_entries_stay_in_memory_between_saves_and_reach_the_disk_before_the_whole_build(
        previewed, archive, tmp_path, monkeypatch):
    import digest.render.feeds as feeds

    preview, config, site = previewed
    kept = sorted((archive / ".digest-cache").rglob("feed*.xml.json")) + \
        sorted((archive / ".digest-cache").rglob("papers.xml.json"))
    assert kept
    before = {path: path.read_bytes() for path in kept}
    newest = issue(archive, -1)
    retitle(newest, "A first title")
    preview(config, site, frozenset({newest}))
    newest.write_text(newest.read_text(encoding="utf-8").replace("A first title", "A second"), encoding="utf-8")
    preview(config, site, frozenset({newest}))
    assert {path: path.read_bytes() for path in kept} == before  # nothing written while the editor waits
    assert pages(site) == pages(cold_site(archive, tmp_path))
    calls = []
    real = feeds.absolutize
    monkeypatch.setattr(feeds, "absolutize", lambda html, base: calls.append(base) or real(html, base))
    preview.catch_up(config, site)
    assert calls == []  # the entries the saves made were found by the whole build
    assert {path: path.read_bytes() for path in kept} != before
