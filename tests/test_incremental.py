"""Incremental builds: the manifest's no-change shortcut, the per-issue view cache, Pagefind reuse, hard links.

Whatever is reused, the site must be byte-identical to a cold `digest build --clean` of the same inputs.
"""
from __future__ import annotations

import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import jinja2
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as hs
from conftest import Rendered, assert_same_site, cold_site, digests, synth_archive, write

import digest.build.keys as keys_module
import digest.build.publish as publish_module
import digest.build.search_index as search_module
import digest.build.state as mf
import digest.build.view_cache as view_cache_module
import digest.build.views as project_module
import digest.build.workers as parallel_module
import digest.build.writer as writer_module
import digest.render.feeds as feeds_module
import digest.render.tokens as tokens_module
from digest.build import build
from digest.cli import main
from digest.editorial.config import load_config
from digest.errors import DigestError
from digest.render.pages import PlanBasis

ROOT = Path(__file__).resolve().parent.parent
ISSUES = 31  # the newest one is held back and added by a test


@pytest.fixture(scope="module")
def archive_source(tmp_path_factory) -> Path:
    return synth_archive(tmp_path_factory, ISSUES, seed=1)


def stats(folder: Path) -> dict[str, tuple]:
    out = {".": (folder.stat().st_ino, folder.stat().st_mtime_ns)}
    for p in sorted(folder.rglob("*")):
        st = p.stat()
        out[p.relative_to(folder).as_posix()] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return out


def cli_build(root: Path, *args: str) -> int:
    return main(["--config", str(root / "digest.yaml"), "build", *args])


class Counter:
    """Counts views actually built (not taken from the cache)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = project_module.build_issue_view

        def counting(*a, **k):
            self.n += 1
            return real(*a, **k)

        monkeypatch.setenv("DIGEST_JOBS", "1")  # building in this process, where the counter is
        monkeypatch.setattr(project_module, "build_issue_view", counting)


def no_load(monkeypatch) -> None:
    def explode(*a, **k):
        raise AssertionError("the project was loaded")

    monkeypatch.setattr(project_module, "load_project", explode)


# ---------------------------------------------------------------- changes of every kind

def _edit_issue(root: Path) -> None:
    p = root / "issues" / "2026-06-10.yaml"
    text = p.read_text(encoding="utf-8")
    assert "\ntitle:" not in text
    p.write_text(text.replace("\npublished:", "\ntitle: An edited title for this issue\npublished:", 1), encoding="utf-8")


def _delete_issue(root: Path) -> None:
    (root / "issues" / "2026-06-20.yaml").unlink()
    (root / "issues" / "2026-06-20.candidates.json").unlink()


def _change_candidates(root: Path) -> None:
    p = root / "issues" / "2026-06-15.candidates.json"
    data = json.loads(p.read_text(encoding="utf-8"))
    for c in data["candidates"]:
        c["abstract"] = "Changed abstract. " + c.get("abstract", "")
    p.write_text(json.dumps(data, indent=1), encoding="utf-8")


def _change_template(root: Path) -> None:
    p = root / "templates" / "base.html"
    p.write_text(p.read_text(encoding="utf-8") + "<!-- template changed -->\n", encoding="utf-8")


def _change_language(root: Path) -> None:
    p = root / "digest.yaml"
    text = p.read_text(encoding="utf-8")
    assert re.search(r"(?m)^  language: en$", text)
    p.write_text(re.sub(r"(?m)^  language: en$", "  language: ko", text), encoding="utf-8")


def _change_static(root: Path) -> None:
    p = next(q for q in sorted((root / "static").rglob("*")) if q.is_file())
    p.write_bytes(p.read_bytes() + b"\n<!-- changed -->\n")
    (root / "static" / "extra.txt").write_text("a new static file\n", encoding="utf-8")


def _hold_newest(root: Path, tmp_path: Path) -> Path:
    """Move the newest issue's files out of the archive; the folder they are kept in."""
    held = tmp_path / "held"
    held.mkdir()
    for name in ("2026-07-01.yaml", "2026-07-01.candidates.json"):
        shutil.move(root / "issues" / name, held / name)
    return held


def _bring_back(held: Path, root: Path) -> None:
    """Add the held issue to the archive, as a nightly adds the day's issue."""
    for f in held.iterdir():
        shutil.copy(f, root / "issues" / f.name)


def test_incremental_equals_cold_after_each_kind_of_change(archive: Path, tmp_path: Path, monkeypatch) -> None:
    held = _hold_newest(archive, tmp_path)
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path), "first build")

    def add_issue(root: Path) -> None:
        _bring_back(held, root)

    steps = [("issue edited", _edit_issue, 2), ("issue added", add_issue, 1), ("issue deleted", _delete_issue, 1),
             ("candidates changed", _change_candidates, 1), ("template changed", _change_template, 0),
             ("static changed", _change_static, 0), ("language en->ko", _change_language, None)]
    for label, change, max_views in steps:
        change(archive)
        counter = Counter(monkeypatch)
        assert cli_build(archive) == 0, label
        monkeypatch.undo()
        if max_views is not None:
            # Only the changed issue (and the next one, whose window starts where it was published) is rebuilt.
            assert counter.n <= max_views, (label, counter.n)
        assert_same_site(archive / "site", cold_site(archive, tmp_path), label)


# ---------------------------------------------------------------- the no-change shortcut

def test_no_change_rebuild_touches_nothing_and_loads_nothing(project: Path, monkeypatch, capsys) -> None:
    assert cli_build(project) == 0
    site = project / "site"
    before = stats(site)
    manifest_before = mf.manifest_path(project).read_bytes()
    capsys.readouterr()
    no_load(monkeypatch)
    assert cli_build(project) == 0
    out = capsys.readouterr()
    assert "unchanged" in out.out
    assert stats(site) == before
    # The library call takes the same shortcut.
    result = build(load_config(project / "digest.yaml"))
    assert result.changed is False and result.issues == 2 and result.pages > 10
    assert stats(site) == before
    assert mf.manifest_path(project).read_bytes() == manifest_before


def test_no_change_rebuild_reports_the_same_warnings(project: Path, capsys) -> None:
    # A missing score and a formula that cannot be rendered are warnings.
    write(project / "issues" / "2026-07-03.yaml", """
        date: 2026-07-03
        intro: "A broken formula $\\\\frac{a$ here."
        papers:
          - arxiv: "2607.00001"
            title: A paper
            scores: {novelty: 5, relevance: 5, venue: 5}
    """)
    assert cli_build(project) == 0
    first = capsys.readouterr().err
    assert "warning:" in first
    assert cli_build(project) == 0
    out = capsys.readouterr()
    assert "unchanged" in out.out
    assert out.err == first


def test_cli_decides_without_importing_rendering_libraries(project: Path, monkeypatch) -> None:
    monkeypatch.setattr(mf, "_fingerprint", None)  # the code as it is now on disk, as the child process sees it
    assert cli_build(project) == 0
    code = ("import sys; from digest.cli import main; rc = main(['--config', sys.argv[1], 'build']); "
            "heavy = [m for m in ('jinja2', 'markdown_it', 'jsonschema', 'latex2mathml', 'babel', 'yaml') "
            "if m in sys.modules]; print(rc, heavy)")
    proc = subprocess.run([sys.executable, "-c", code, str(project / "digest.yaml")], capture_output=True,
                          text=True, check=True, cwd=project)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr


def test_the_code_fingerprint_sees_the_installed_library_versions() -> None:
    # Read from the dist-info folder names (importlib.metadata costs more than a whole no-change build).
    from importlib import metadata

    found = mf._installed_versions()
    for name in mf.LIBRARIES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = None
        assert found.get(mf._canonical(name)) == expected, name


def test_deleting_the_site_forces_a_real_build(project: Path, tmp_path: Path) -> None:
    assert cli_build(project) == 0
    shutil.rmtree(project / "site")
    assert cli_build(project) == 0
    assert_same_site(project / "site", cold_site(project, tmp_path))


def test_an_extra_published_file_forces_a_real_build_which_also_repairs_edited_pages(project: Path) -> None:
    assert cli_build(project) == 0
    site = project / "site"
    good = digests(site)
    page = site / "2026" / "07" / "01" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<", b"< ", 1))
    (site / "stray.html").write_text("x", encoding="utf-8")
    assert cli_build(project) == 0
    assert digests(site) == good


@pytest.mark.parametrize("where", ["top", "year"])
def test_a_file_added_or_removed_near_the_top_of_the_site_is_noticed(project: Path, where: str) -> None:
    assert cli_build(project) == 0
    site = project / "site"
    good = digests(site)
    folder = site if where == "top" else site / "2026"
    victim = sorted(p for p in folder.iterdir() if p.is_file() or p.is_dir())[0]
    if victim.is_dir():
        shutil.rmtree(victim)
    else:
        victim.unlink()
    assert cli_build(project) == 0
    assert digests(site) == good


def test_a_page_edited_in_place_deep_in_the_site_is_put_right_by_the_next_real_build(project: Path,
                                                                                       tmp_path: Path) -> None:
    # The no-change check looks at the published folder's top (see manifest.folder_marks), not at every
    # file: an in-place edit deeper down waits for the next build that has something to do, or --clean.
    assert cli_build(project) == 0
    site = project / "site"
    good = digests(site)
    page = site / "2026" / "07" / "01" / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<", b"< ", 1))
    assert cli_build(project, "--clean") == 0
    assert digests(site) == good
    page.write_bytes(page.read_bytes().replace(b"<", b"< ", 1))
    _edit_issue_small(project)
    assert cli_build(project) == 0
    assert_same_site(site, cold_site(project, tmp_path))


def test_touched_but_unchanged_inputs_keep_the_shortcut(project: Path, monkeypatch) -> None:
    assert cli_build(project) == 0
    before = stats(project / "site")
    tpl = project / "templates" / "base.html"
    os.utime(tpl, ns=(tpl.stat().st_atime_ns, tpl.stat().st_mtime_ns + 5_000_000_000))
    no_load(monkeypatch)
    assert cli_build(project) == 0
    assert stats(project / "site") == before


def test_clean_rebuilds_everything(project: Path, monkeypatch) -> None:
    assert cli_build(project) == 0
    counter = Counter(monkeypatch)
    assert cli_build(project, "--clean") == 0
    assert counter.n == 2


# ---------------------------------------------------------------- compiled templates

def test_compiled_templates_are_kept_and_an_edited_one_is_compiled_again(archive: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    assert cli_build(archive) == 0
    folder = mf.cache_root(archive) / "templates"
    [kept] = folder.iterdir()
    assert list(kept.glob("*.cache"))
    (folder / "0123456789abcdef").mkdir()  # what an earlier version of the code compiled
    compiled: list[str] = []
    real = jinja2.Environment.compile

    def spy(env, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return real(env, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", spy)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    assert compiled == []
    assert [p.name for p in folder.iterdir()] == [kept.name]  # the earlier code's compilations are gone
    template = archive / "templates" / "_issue.html"
    text = template.read_text(encoding="utf-8")
    template.write_text(text.replace("<article ", '<article data-marker="m-6021" ', 1), encoding="utf-8")
    assert cli_build(archive) == 0
    assert compiled == ["_issue.html"]
    page = archive / "site" / "2026" / "06" / "15" / "index.html"
    assert 'data-marker="m-6021"' in page.read_text(encoding="utf-8")
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_build_whose_template_cache_cannot_be_written_still_builds(archive: Path, tmp_path: Path) -> None:
    folder = mf.cache_root(archive) / "templates"
    folder.parent.mkdir(parents=True)
    folder.write_text("not a folder", encoding="utf-8")
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_page_keys_parse_again_only_a_template_whose_source_changed(archive: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    assert cli_build(archive) == 0
    [memo] = (mf.cache_root(archive) / "templates").glob("*/tokens.json")
    lexed: list[str] = []
    real = keys_module.significant
    monkeypatch.setattr(keys_module, "significant", lambda env, source: lexed.append(source) or real(env, source))
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    assert lexed == []  # every template the pages render was read from the memo
    template = archive / "templates" / "_issue.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<article ", '<article data-marker="m-7130" ', 1),
                        encoding="utf-8")
    assert cli_build(archive) == 0
    assert len(lexed) == 1 and "m-7130" in lexed[0]
    assert "m-7130" in (archive / "site" / "2026" / "06" / "15" / "index.html").read_text(encoding="utf-8")
    assert memo.is_file()
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


@pytest.mark.parametrize("damage", [b"", b"{not json", b"[]", b'{"_issue.html": [1, 2, 3]}',
                                    b'{"_issue.html": ["0", "0", null], "issue.html": ["a", "b", [7]]}'])
def test_a_damaged_template_memo_only_costs_parsing_again(archive: Path, tmp_path: Path, damage: bytes) -> None:
    assert cli_build(archive) == 0
    [memo] = (mf.cache_root(archive) / "templates").glob("*/tokens.json")
    memo.write_bytes(damage)
    template = archive / "templates" / "_issue.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<article ", "<article data-edited ", 1),
                        encoding="utf-8")
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))
    assert json.loads(memo.read_bytes())["_issue.html"][0] != "0"  # written again, whole

# ---------------------------------------------------------------- damaged state

@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 0}', b"[]",
                                    b'{"format": 2, "inputs": 3}', b"[" * 200_000])
@pytest.mark.parametrize("which", ["manifest", "quick"])
def test_damaged_manifest_is_ignored(project: Path, tmp_path: Path, damage: bytes, which: str) -> None:
    assert cli_build(project) == 0
    if which == "manifest":
        _edit_issue_small(project)
    path = mf.manifest_path(project) if which == "manifest" else mf.quick_path(project)
    path.write_bytes(damage)
    assert cli_build(project) == 0
    assert_same_site(project / "site", cold_site(project, tmp_path))
    assert mf.load(project) is not None
    assert mf.unchanged(project, "digest.yaml", project / "site") is not None


def test_manifest_with_wrong_record_shapes_is_ignored(project: Path, tmp_path: Path) -> None:
    assert cli_build(project) == 0
    data = json.loads(mf.manifest_path(project).read_bytes())
    data["outputs"] = {k: "x" for k in data["outputs"]}
    mf.manifest_path(project).write_text(json.dumps(data), encoding="utf-8")
    assert mf.load(project) is None
    assert cli_build(project) == 0
    assert_same_site(project / "site", cold_site(project, tmp_path))


@pytest.mark.parametrize("search", [[], "x", {"shards": []}, {"shards": {"2026": "x"}}])
def test_a_manifest_with_a_search_record_of_another_shape_costs_only_the_reuse(archive: Path, tmp_path: Path,
                                                                               search) -> None:
    assert cli_build(archive) == 0
    data = json.loads(mf.manifest_path(archive).read_bytes())
    data["search"] = search
    mf.manifest_path(archive).write_text(json.dumps(data), encoding="utf-8")
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def _edit_issue_small(root: Path) -> None:
    p = root / "issues" / "2026-07-01.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("# title omitted", "title: Edited\n# title omitted", 1), encoding="utf-8")


def test_the_feeds_make_absolute_only_html_no_earlier_build_made(archive: Path, tmp_path: Path, monkeypatch) -> None:
    # feed.xml and papers.xml show every issue of this archive; an edit of the newest issue changes its
    # entries only, and only those go through the HTML parser again: the others come from the memo.
    assert cli_build(archive) == 0
    made: list[str] = []
    real = feeds_module.absolutize
    monkeypatch.setattr(feeds_module, "absolutize", lambda html, base: made.append(base) or real(html, base))
    monkeypatch.setenv("DIGEST_JOBS", "1")  # the feeds are made in this process, where the spy is
    newest = archive / "issues" / "2026-07-01.yaml"
    text = newest.read_text(encoding="utf-8")
    assert "\ntitle:" not in text
    # A title, which the issue's entry in feed.xml and its papers' entries in papers.xml show.
    newest.write_text(text.replace("\npublished:", "\ntitle: The newest issue, retitled\npublished:", 1), encoding="utf-8")
    assert cli_build(archive) == 0
    entries = sum(len(re.findall(r"<entry>", (archive / "site" / name).read_text(encoding="utf-8")))
                  for name in ("feed.xml", "papers.xml"))
    assert made and all("/2026/07/01/" in base for base in made), made
    assert len(made) <= 6 < entries  # its issue entry and its papers, of every entry the feeds hold
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_damaged_cache_entries_are_ignored(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    views = mf.cache_root(archive) / "views"
    entries = sorted(views.glob("*.pickle"))
    assert len(entries) == ISSUES
    damages = [lambda raw: b"\x80\x05garbage" * 10, lambda raw: raw[: len(raw) // 2], lambda raw: b"",
               lambda raw: pickle.dumps({"format": 1, "key": "nope"}), lambda raw: pickle.dumps([1, 2]),
               lambda raw: raw.replace(b"digest.render.view", b"digest.render.gone"),
               lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]), lambda raw: raw + b"\0", lambda raw: raw[:-1],
               lambda raw: _flip(raw, _head_length(raw) + 1)]  # in what news warnings read, after the head
    for i, e in enumerate(entries):
        e.write_bytes(damages[i % len(damages)](e.read_bytes()))
    (views / "unreadable.pickle").mkdir()
    _change_template(archive)  # a real build, which reads the views
    counter = Counter(monkeypatch)
    assert cli_build(archive) == 0
    monkeypatch.undo()
    assert counter.n == ISSUES
    assert_same_site(archive / "site", cold_site(archive, tmp_path))
    # The entries were rewritten and are used next time.
    assert sorted(p.name for p in views.glob("*.pickle") if p.is_file()) == sorted(p.name for p in entries)
    counter = Counter(monkeypatch)
    _change_template(archive)
    assert cli_build(archive) == 0
    assert counter.n == 0


class FullReads:
    """Counts the view cache entries read in full (not taken from its index)."""

    def __init__(self, monkeypatch):
        self.n = 0
        real = view_cache_module.ViewCache._read

        def counting(cache, *a, **k):
            entry = real(cache, *a, **k)
            self.n += entry is not None
            return entry

        monkeypatch.setenv("DIGEST_JOBS", "1")  # pages made in this process, where the counter is
        monkeypatch.setattr(view_cache_module.ViewCache, "_read", counting)


def _saved_now(root: Path) -> None:
    """Every issue file saved after its news (a view with "new since you last edited" news is read in full)."""
    for p in (root / "issues").glob("*.yaml"):
        os.utime(p)


def _change_404(root: Path) -> None:
    p = root / "templates" / "404.html"
    p.write_text(p.read_text(encoding="utf-8") + "<!-- edited -->\n", encoding="utf-8")


def test_a_rebuild_that_makes_no_issue_page_reads_no_view_in_full(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    _saved_now(archive)
    _change_404(archive)
    reads, rendered = FullReads(monkeypatch), Rendered(monkeypatch)
    assert cli_build(archive) == 0
    assert rendered.paths == ["404.html"]
    assert reads.n == 0  # the whole site was planned from the views' index
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_nightly_reads_in_full_only_the_issue_before_the_new_one(archive: Path, tmp_path: Path, monkeypatch) -> None:
    held = _hold_newest(archive, tmp_path)
    assert cli_build(archive) == 0
    _saved_now(archive)
    _bring_back(held, archive)
    reads = FullReads(monkeypatch)
    assert cli_build(archive) == 0
    # Its page links to the new one; every other page made (home, archive, topics, papers, feeds) shows
    # only what the views' index holds, or what the feeds kept.
    assert reads.n == 1
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


class Keyed:
    """Records the site paths of the pages a build works a key out for (those not keeping the last plan's)."""

    def __init__(self, monkeypatch):
        self.paths: list[str] = []
        real = keys_module.digest

        def recording(*parts):
            if len(parts) == 4:  # a page's: base, templates, path, what it shows
                self.paths.append(parts[2])
            return real(*parts)

        monkeypatch.setattr(keys_module, "digest", recording)

    def under(self, folder: str) -> set[str]:
        return {path for path in self.paths if path.startswith(folder)}


def _papers_of(issue: Path) -> list[str]:
    return [p["arxiv"] for p in yaml.safe_load(issue.read_text(encoding="utf-8"))["papers"]]


def test_a_nightly_keys_only_the_paper_and_topic_pages_its_issue_reaches(archive: Path, tmp_path: Path,
                                                                          monkeypatch) -> None:
    held = _hold_newest(archive, tmp_path)
    assert cli_build(archive) == 0
    _bring_back(held, archive)
    new = _papers_of(held / "2026-07-01.yaml")
    keyed = Keyed(monkeypatch)
    assert cli_build(archive) == 0
    assert keyed.under("papers/") == {f"papers/{arxiv}/index.html" for arxiv in new}
    topics = {path.split("/")[1] for path in keyed.under("topics/") if path != "topics/index.html"}
    reached = {slug for page in keyed.under("papers/")
               for slug in re.findall(r'href="\.\./\.\./topics/([^/"]+)/"',
                                      (archive / "site" / page).read_text(encoding="utf-8"))}
    assert topics == reached and reached
    issue_pages = {p for p in keyed.paths if re.fullmatch(r"\d{4}/\d{2}/\d{2}/index\.html", p)}
    assert issue_pages == {"2026/06/30/index.html", "2026/07/01/index.html"}  # the one before links to it
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_nightly_that_lists_a_paper_again_keys_its_page_and_its_topics_pages(archive: Path, tmp_path: Path,
                                                                                monkeypatch) -> None:
    held = _hold_newest(archive, tmp_path)
    older = yaml.safe_load(sorted((archive / "issues").glob("????-??-??.yaml"))[3].read_text(encoding="utf-8"))
    again = {key: value for key, value in older["papers"][-1].items() if key != "abbrev"}
    again = {key: re.sub(r"\[@[^\]]+\]", "", value) if isinstance(value, str) else value
             for key, value in again.items()}
    doc = yaml.safe_load((held / "2026-07-01.yaml").read_text(encoding="utf-8"))
    doc["papers"].append(again)
    (held / "2026-07-01.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert cli_build(archive) == 0
    before = (archive / "site" / "papers" / again["arxiv"] / "index.html").read_text(encoding="utf-8")
    _bring_back(held, archive)
    keyed = Keyed(monkeypatch)
    assert cli_build(archive) == 0
    assert keyed.under("papers/") == {f"papers/{arxiv}/index.html" for arxiv in _papers_of(held / "2026-07-01.yaml")}
    after = (archive / "site" / "papers" / again["arxiv"] / "index.html").read_text(encoding="utf-8")
    assert "2026/07/01/" in after and "2026/07/01/" not in before
    for area in again["areas"]:
        assert any(slug in path for path in keyed.under("topics/") for slug in [area.replace(" ", "-").lower()])
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


@pytest.mark.parametrize("damage", [None, "garbage", "other base", "template"])
def test_a_manifest_whose_plan_cannot_be_planned_since_keys_every_page(archive: Path, tmp_path: Path, monkeypatch,
                                                                      damage) -> None:
    held = _hold_newest(archive, tmp_path)
    assert cli_build(archive) == 0
    data = json.loads(mf.manifest_path(archive).read_bytes())
    if damage is None:
        del data["plan"]
    elif damage == "garbage":
        data["plan"] = {"base": data["plan"]["base"], "templates": data["plan"]["templates"],
                        "basis": {"issues": [1], "topics": [], "papers": None}}
    elif damage == "other base":
        data["plan"]["base"] = "0" * 64
    else:  # the templates the last plan was keyed with are not the ones there now
        data["plan"]["templates"]["paper.html"] = "0" * 64
    mf.manifest_path(archive).write_bytes(json.dumps(data).encode())
    _bring_back(held, archive)
    keyed = Keyed(monkeypatch)
    assert cli_build(archive) == 0
    assert len(keyed.under("papers/")) > 100
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))

def test_an_entry_damaged_behind_the_index_is_built_again(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    _saved_now(archive)
    views = mf.cache_root(archive) / "views"
    victim = sorted(views.glob("*.pickle"))[7]
    raw, st = victim.read_bytes(), victim.stat()
    victim.write_bytes(_flip(raw, len(raw) - 1))  # in its body; the size and mtime the index checks stay
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    _change_template(archive)  # every page made again: every view read in full
    counter = Counter(monkeypatch)
    assert cli_build(archive) == 0
    monkeypatch.undo()
    assert counter.n == 1 and not victim.exists()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))
    for built in (1, 0):  # stored again by the next build, then read from the cache
        _change_template(archive)
        counter = Counter(monkeypatch)
        assert cli_build(archive) == 0
        monkeypatch.undo()
        assert counter.n == built


def test_a_damaged_view_index_costs_only_time(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    index = mf.cache_root(archive) / "views" / view_cache_module.INDEX_NAME
    index.write_bytes(b"\x80\x05garbage")
    _change_template(archive)
    counter = Counter(monkeypatch)
    assert cli_build(archive) == 0
    monkeypatch.undo()
    assert counter.n == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))
    _saved_now(archive)
    _change_404(archive)
    reads = FullReads(monkeypatch)
    assert cli_build(archive) == 0
    assert reads.n == 0  # the index was written again, whole


def _head_length(raw: bytes) -> int:
    """Where the first pickle of a view cache entry ends."""
    stream = io.BytesIO(raw)
    pickle.Unpickler(stream).load()
    return stream.tell()


def _flip(raw: bytes, at: int) -> bytes:
    return raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:]


def test_cache_is_pruned_to_the_current_issues(archive: Path) -> None:
    assert cli_build(archive) == 0
    views = mf.cache_root(archive) / "views"
    (views / "0123.pickle").write_bytes(b"old")
    _delete_issue(archive)
    assert cli_build(archive) == 0
    # The deleted issue's entry and the next issue's (its previous issue changed) are replaced.
    assert len(list(views.glob("*.pickle"))) == ISSUES - 1
    assert not (views / "0123.pickle").exists()


# ---------------------------------------------------------------- validation problems

def _break(root: Path) -> None:
    p = root / "issues" / "2026-07-01.yaml"
    text = p.read_text(encoding="utf-8")
    assert "intro: |\n  Four signals" in text
    p.write_text(text.replace("intro: |\n  Four signals", "intro: |\n  See [@9999.99999]. Four signals", 1),
                 encoding="utf-8")


def _failing_build(root: Path, capsys, *args: str) -> str:
    capsys.readouterr()
    assert cli_build(root, *args) == 1
    return capsys.readouterr().err


def test_validation_error_is_reported_the_same_with_or_without_cache(project: Path, capsys) -> None:
    other = project.parent / "other"
    shutil.copytree(project, other)
    # Cached: the valid version was built (and its view cached) first.
    assert cli_build(project) == 0
    _break(project)
    cached = _failing_build(project, capsys)
    # Never built before.
    _break(other)
    fresh = _failing_build(other, capsys)
    clean = _failing_build(project, capsys, "--clean")
    assert "unknown citation [@9999.99999]" in fresh
    assert re.search(r"issues/2026-07-01\.yaml:\d+:\d+: unknown citation", fresh)
    assert cached == fresh == clean
    # Failing again (nothing cached for the broken version) says the same.
    assert _failing_build(project, capsys) == fresh
    with pytest.raises(DigestError):
        build(load_config(project / "digest.yaml"))


def test_warnings_are_the_same_from_cached_views(archive: Path) -> None:
    config = load_config(archive / "digest.yaml")
    cold = build(config, clean=True)
    _change_template(archive)
    warm = build(config)
    assert warm.changed
    assert [str(w) for w in warm.warnings] == [str(w) for w in cold.warnings]


def test_news_warnings_follow_the_issue_files_mtime(archive: Path, capsys) -> None:
    project = archive
    cands = project / "issues" / "2026-07-01.candidates.json"
    data = json.loads(cands.read_text(encoding="utf-8"))
    data["candidates"].append({"id": "2607.09999", "title": "A late arrival", "version": 1,
                               "first_seen": "2030-01-01T00:00:00+00:00", "abstract": "Late."})
    cands.write_text(json.dumps(data), encoding="utf-8")
    assert cli_build(project) == 0
    assert "new since you last edited: 2607.09999" in capsys.readouterr().err
    issue = project / "issues" / "2026-07-01.yaml"
    future = 1_900_000_000  # 2030-03-17, after first_seen: the editor has seen it
    os.utime(issue, (future, future))
    assert cli_build(project) == 0
    assert "2607.09999" not in capsys.readouterr().err
    # Saved before it arrived again: the view comes from the cache, the warning comes back.
    past = 1_700_000_000
    os.utime(issue, (past, past))
    assert cli_build(project) == 0
    assert "new since you last edited: 2607.09999" in capsys.readouterr().err


# ---------------------------------------------------------------- Pagefind reuse and hard links

def _pagefind_script(site: Path) -> Path:
    """pagefind.js of the newest index shard (the one the search box loads)."""
    newest = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))["shards"][0]
    return site / "pagefind" / newest / "pagefind.js"


def _forbid_pagefind(monkeypatch) -> None:
    """Make any Pagefind run fail the test: every shard must be reused."""
    def no_pagefind(binary, source, output):
        raise AssertionError("Pagefind ran")

    monkeypatch.setattr(search_module, "run_pagefind", no_pagefind)


def _edit_article_tag(archive: Path, replacement: str) -> None:
    """Replace the start of the issue template's <article> tag (a change every issue page is made with)."""
    p = archive / "templates" / "_issue.html"
    p.write_text(p.read_text(encoding="utf-8").replace("<article ", replacement, 1), encoding="utf-8")


def test_pagefind_index_is_reused_when_the_html_is_unchanged(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    assert _pagefind_script(archive / "site").is_file()
    _change_static(archive)  # the HTML Pagefind reads stays the same
    _forbid_pagefind(monkeypatch)
    assert cli_build(archive) == 0
    monkeypatch.undo()
    # Byte-identical to a fresh Pagefind run over the same pages.
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_pages_made_again_with_the_same_bytes_keep_their_search_shards(archive: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    assert cli_build(archive) == 0
    # Other tokens, the same output: every page that shows an issue is made again, and comes out the same.
    _edit_article_tag(archive, '{{ "" }}<article ')
    rendered = Rendered(monkeypatch)
    _forbid_pagefind(monkeypatch)
    assert cli_build(archive) == 0
    assert sum(bool(re.fullmatch(r"\d{4}/\d{2}/\d{2}/index\.html", path)) for path in rendered.paths) == ISSUES
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_pagefind_runs_again_when_its_previous_output_is_damaged(archive: Path, tmp_path: Path) -> None:
    assert cli_build(archive) == 0
    ui = _pagefind_script(archive / "site")
    ui.write_bytes(ui.read_bytes() + b"//")
    _change_static(archive)
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_unchanged_pages_are_hard_linked_not_rewritten(archive: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    site = archive / "site"
    old_page = site / "2026" / "06" / "05" / "index.html"
    inode = old_page.stat().st_ino
    edited_inode = (site / "2026" / "06" / "10" / "index.html").stat().st_ino
    site_inode = site.stat().st_ino
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert site.stat().st_ino != site_inode  # a new tree was swapped in
    assert old_page.stat().st_ino == inode  # the unchanged page is the same file
    assert (site / "2026" / "06" / "10" / "index.html").stat().st_ino != edited_inode
    assert old_page.stat().st_nlink == 2  # the replaced tree is gone but for the spare's link (see below)
    assert (archive / ".site.spare").is_dir()
    assert_same_site(site, cold_site(archive, tmp_path))


# ---------------------------------------------------------------- page-level reuse

def test_a_new_issue_leaves_the_older_years_of_its_topics_alone(tmp_path_factory, tmp_path: Path, monkeypatch) -> None:
    # Across a new year, topics have a page for 2025 and one for 2026 (their own page). The new issue changes
    # its topics' own pages; their 2025 pages show nothing that it changes, so they are not rendered again.
    root = synth_archive(tmp_path_factory, 8, seed=3, end=date(2026, 1, 3))
    held = tmp_path / "held"
    held.mkdir()
    for name in ("2026-01-03.yaml", "2026-01-03.candidates.json"):
        shutil.move(root / "issues" / name, held / name)
    assert cli_build(root) == 0
    older = {p.relative_to(root / "site").as_posix() for p in (root / "site" / "topics").glob("*/2025/index.html")}
    for f in held.iterdir():
        shutil.copy(f, root / "issues" / f.name)
    rendered = Rendered(monkeypatch)
    assert cli_build(root) == 0
    topics = [p for p in rendered.paths if p.startswith("topics/")]
    # The test means something only if one of the new issue's topics had an older year already. (A topic
    # whose newest year was 2025 gets its first 2026 paper: its 2025 page moves to 2025/, a new page.)
    assert any(p.replace("/index.html", "/2025/index.html") in older for p in topics), (topics, older)
    assert not older & set(topics), sorted(older & set(topics))
    monkeypatch.undo()
    assert_same_site(root / "site", cold_site(root, tmp_path))


def test_an_issue_edit_renders_only_the_pages_that_show_it(archive: Path, tmp_path: Path, monkeypatch) -> None:
    assert cli_build(archive) == 0
    total = len([p for p in (archive / "site").rglob("*") if p.is_file()])
    _edit_issue(archive)  # 2026-06-10, a middle issue, gets a new title
    rendered = Rendered(monkeypatch)
    assert cli_build(archive) == 0
    paths = set(rendered.paths)
    assert "2026/06/10/index.html" in paths
    assert {"2026/06/09/index.html", "2026/06/11/index.html"} <= paths  # their prev/next links name it
    assert "2026/06/05/index.html" not in paths and "2026/06/20/index.html" not in paths
    assert "archive/index.html" in paths  # lists every issue
    assert not any(p.startswith("papers/") for p in paths) or all(
        "2026/06/10" in (archive / "site" / p).read_text(encoding="utf-8") for p in paths if p.startswith("papers/"))
    assert len(paths) < total / 5, sorted(paths)
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_template_change_renders_only_the_pages_made_with_that_template(archive: Path, tmp_path: Path,
                                                                                  monkeypatch) -> None:
    assert cli_build(archive) == 0
    _edit_article_tag(archive, "<article data-edited ")
    rendered = Rendered(monkeypatch)
    assert cli_build(archive) == 0
    paths = set(rendered.paths)
    issue_pages = {p for p in paths if re.fullmatch(r"\d{4}/\d{2}/\d{2}/index\.html", p)}
    assert len(issue_pages) == ISSUES and "index.html" in paths  # both include _issue.html
    assert not any(p.startswith(("papers/", "topics/", "archive/")) for p in paths), sorted(paths)[:5]
    assert 'data-edited' in (archive / "site" / "2026" / "06" / "10" / "index.html").read_text(encoding="utf-8")
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


@pytest.mark.parametrize("edit", [
    ("{#", "{# edited comment,\nnow on two lines "),  # a comment's text and line count
    ("{% if ", "{%   if "),  # spacing inside a tag
])
def test_a_template_edit_that_cannot_change_output_takes_the_no_change_shortcut(archive: Path, monkeypatch,
                                                                                capsys, edit) -> None:
    assert cli_build(archive) == 0
    site = archive / "site"
    before = stats(site)
    p = archive / "templates" / "_issue.html"
    text = p.read_text(encoding="utf-8")
    assert edit[0] in text
    p.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    no_load(monkeypatch)
    capsys.readouterr()
    assert cli_build(archive) == 0
    assert "(the published folder was left as it was)" in capsys.readouterr().out
    assert stats(site) == before
    # A visible change to the same template is a change.
    p.write_text(text.replace("<article ", "<article data-edited ", 1), encoding="utf-8")
    monkeypatch.undo()
    rendered = Rendered(monkeypatch)
    assert cli_build(archive) == 0
    assert "2026/06/10/index.html" in rendered.paths


def test_the_manifest_names_each_template_by_its_current_tokens(archive: Path, monkeypatch) -> None:
    # Templates whose bytes did not change keep the digest the last build recorded; the others are lexed
    # again. Either way the manifest holds what lexing every template now gives.
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    p = archive / "templates" / "_issue.html"
    p.write_text(p.read_text(encoding="utf-8").replace("<article ", "<article data-edited ", 1), encoding="utf-8")
    _edit_issue(archive)
    assert cli_build(archive) == 0
    lexed = []
    monkeypatch.setattr(tokens_module, "file_digest", lambda path, sha=None: lexed.append(Path(path).name)
                        or tokens_module.digest(Path(path).read_bytes()))
    _retitle(archive, "2026-06-12")
    assert cli_build(archive) == 0
    assert lexed == []  # no template changed since the last build
    recorded = mf.load(archive)
    monkeypatch.undo()
    fresh = {rel: tokens_module.file_digest(archive / rel) for rel in recorded.tokens}
    assert recorded.tokens == fresh and "templates/_issue.html" in fresh and all(fresh.values())


def test_a_rebuild_that_would_publish_the_same_files_builds_no_new_folder(archive: Path, monkeypatch,
                                                                          capsys) -> None:
    assert cli_build(archive) == 0
    site = archive / "site"
    before = stats(site)
    # An issue file saved again unchanged is read again (its news warnings depend on when it was saved)...
    issue = archive / "issues" / "2026-06-10.yaml"
    st = issue.stat()
    os.utime(issue, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    rendered = Rendered(monkeypatch)
    made = []
    monkeypatch.setattr(publish_module, "make_build_dir", lambda out: made.append(out))
    capsys.readouterr()
    assert cli_build(archive) == 0
    # ... but no page is rendered and no new site is put together only to be found identical.
    assert rendered.paths == [] and made == []
    assert stats(site) == before
    assert ", 0 written," in capsys.readouterr().out
    monkeypatch.undo()
    no_load(monkeypatch)
    assert cli_build(archive) == 0


def test_pages_rendered_in_worker_processes_are_the_same(archive: Path, tmp_path: Path, monkeypatch, fork_ok) -> None:
    monkeypatch.setattr(writer_module, "PARALLEL_MIN_PAGES", 1)
    monkeypatch.setenv("DIGEST_JOBS", "2")
    pools = []
    real = writer_module.Writer._make_parallel
    monkeypatch.setattr(writer_module.Writer, "_make_parallel", lambda *a: pools.append(a[-1]) or real(*a))
    assert cli_build(archive, "--clean") == 0
    assert pools == [2]
    monkeypatch.setenv("DIGEST_JOBS", "1")
    assert_same_site(archive / "site", cold_site(archive, tmp_path), "2 workers vs 1")


def test_a_template_error_in_a_worker_is_reported_like_in_one_process(archive: Path, monkeypatch, fork_ok, capsys) -> None:
    monkeypatch.setattr(writer_module, "PARALLEL_MIN_PAGES", 1)
    p = archive / "templates" / "paper.html"
    p.write_text(p.read_text(encoding="utf-8").replace("{{ paper.name }}", "{{ paper.name | no_such_filter }}", 1),
                 encoding="utf-8")
    messages = []
    for jobs in ("2", "1"):
        monkeypatch.setenv("DIGEST_JOBS", jobs)
        assert cli_build(archive, "--clean") != 0
        messages.append(capsys.readouterr().err)
    assert messages[0] == messages[1] and "paper.html" in messages[0]
    assert not (archive / "site").exists()


def test_cached_issues_are_found_by_the_hashes_the_build_already_took(archive: Path, tmp_path: Path,
                                                                       monkeypatch) -> None:
    assert cli_build(archive) == 0
    _edit_issue(archive)
    reads: list[str] = []
    real = project_module._read
    monkeypatch.setattr(project_module, "_read", lambda p: reads.append(p.name) or real(p))
    monkeypatch.setenv("DIGEST_JOBS", "1")
    assert cli_build(archive) == 0
    # Only the edited issue is read again (to load it and check it did not change meanwhile).
    assert set(reads) == {"2026-06-10.yaml", "2026-06-10.candidates.json"}, sorted(set(reads))[:6]
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def forked_calls(monkeypatch) -> list[str]:
    """The names of the functions the build runs in forked processes (parallel.ForkedCall), in order."""
    forked: list[str] = []
    real = parallel_module.ForkedCall

    def spy(*args):
        forked.append(args[0].__name__)
        return real(*args)

    monkeypatch.setattr(parallel_module, "ForkedCall", spy)
    return forked


@pytest.mark.parametrize("how", ["process", "thread"])
def test_the_manifest_records_the_published_files_as_they_are(archive: Path, monkeypatch, fork_ok, how) -> None:
    # The new tree is walked while Pagefind runs, all of it but what indexing writes, which is walked after:
    # together they must be exactly the files published, or the next build would trust the wrong ones.
    forked = forked_calls(monkeypatch)
    if how == "thread":
        monkeypatch.setattr(parallel_module, "can_fork_now", lambda: False)

    def recorded() -> dict:
        return {rel: tuple(rec[:2]) for rel, rec in mf.load(archive).outputs.items()}

    for change in (None, _edit_issue):  # a cold build; one with a shard indexed again and the others reused
        if change is not None:
            change(archive)
        assert cli_build(archive) == 0
        site = mf.stat_tree(archive / "site")
        assert any(rel.startswith("pagefind/") for rel in site) and any(rel.endswith(".xml") for rel in site)
        assert recorded() == site
    assert forked.count("stat_tree") == (2 if how == "process" else 0)


def test_search_files_copied_where_links_fail_still_publish_what_a_cold_build_does(archive: Path, tmp_path: Path,
                                                                                  monkeypatch) -> None:
    # A reused shard's files are recorded with the published files' stat, without a walk. Where a file could
    # not be linked but was copied, the copy's mtime differs from that record, so the next build checks it
    # again instead of trusting it; both builds publish what a cold build does.
    assert cli_build(archive) == 0
    real = os.link

    def no_search_links(src, dst, *args, **kwargs):
        if "/pagefind/" in os.fspath(dst):
            raise OSError(18, "Invalid cross-device link")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", no_search_links)
    _edit_issue(archive)
    assert cli_build(archive) == 0
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path / "first"))
    site = mf.stat_tree(archive / "site")
    recorded = mf.load(archive).outputs
    assert recorded.keys() == site.keys()
    assert [rel for rel in site if recorded[rel].mtime_ns != site[rel][1]]  # the copies, recorded as published
    assert all(recorded[rel].size == site[rel][0] for rel in site)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path / "second"))


@pytest.mark.parametrize("how", ["process", "at once"])
def test_reused_pages_are_linked_the_same_by_a_process_or_at_once(archive: Path, tmp_path: Path, monkeypatch, fork_ok,
                                                                   how) -> None:
    forked = forked_calls(monkeypatch)
    monkeypatch.setattr(writer_module, "FORK_MIN_LINKS", 1 if how == "process" else 10**9)
    assert cli_build(archive) == 0
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert ("_link_all" in forked) == (how == "process")
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_pages_that_could_not_be_linked_are_rendered(archive: Path, tmp_path: Path, monkeypatch, fork_ok,
                                                     jobs) -> None:
    # A published page gone or unlinkable when the linking process reaches it: the build renders it instead.
    real = writer_module._link_all

    def half(paths, out, tmp):
        return real(paths[::2], out, tmp) + paths[1::2]

    monkeypatch.setattr(writer_module, "FORK_MIN_LINKS", 1)
    monkeypatch.setattr(writer_module, "_link_all", half)
    assert cli_build(archive) == 0
    _edit_issue(archive)
    if jobs == "1":
        rendered = Rendered(monkeypatch)
        assert cli_build(archive) == 0
        assert len(rendered.paths) > 50
    else:  # pages rendered by workers, the unlinked ones then in this process
        monkeypatch.setenv("DIGEST_JOBS", "2")
        monkeypatch.setattr(writer_module, "PARALLEL_MIN_PAGES", 1)
        assert cli_build(archive) == 0
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))



def test_pages_the_spare_holds_in_an_older_version_are_replaced_by_links_or_made_afresh(archive: Path, tmp_path: Path,
                                                                                         monkeypatch, fork_ok) -> None:
    # After two edits the spare holds the first edited issue's pages as they were before it: each such file
    # is replaced, by a link to the published one or, where linking fails, by the page made again.
    assert cli_build(archive) == 0
    _edit_issue(archive)
    assert cli_build(archive) == 0
    page = "2026/06/10/index.html"
    assert (archive / ".site.spare" / page).read_bytes() != (archive / "site" / page).read_bytes()
    _retitle(archive, "2026-06-15")
    linked = linked_pages(monkeypatch)
    monkeypatch.setattr(writer_module, "FORK_MIN_LINKS", 10**9)  # linked in this process, where the spy sees it
    assert cli_build(archive) == 0
    assert page in linked
    assert_same_site(archive / "site", cold_site(archive, tmp_path))
    _retitle(archive, "2026-06-20")
    monkeypatch.setattr(writer_module, "_link_all", lambda paths, out, tmp: list(paths))  # no link can be made
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


# ---------------------------------------------------------------- the spare tree

def _spare(root: Path) -> Path:
    return root / ".site.spare"


def _retitle(root: Path, day: str) -> None:
    p = root / "issues" / f"{day}.yaml"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("\npublished:", f"\ntitle: Retitled {len(text)}\npublished:", 1), encoding="utf-8")


def linked_pages(monkeypatch) -> list[str]:
    """The site paths the build hard-links from the published site (build/writer.py _link_all), as it links them."""
    linked: list[str] = []
    real = writer_module._link_all

    def spy(paths, out, tmp):
        linked.extend(paths)
        return real(paths, out, tmp)

    monkeypatch.setattr(writer_module, "_link_all", spy)
    return linked


def test_a_rebuild_links_only_what_changed_into_the_spare_tree(archive: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    _edit_issue(archive)
    assert cli_build(archive) == 0  # the first replaced tree becomes the spare
    assert _spare(archive).is_dir()
    linked = linked_pages(monkeypatch)
    rendered = Rendered(monkeypatch)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    pages = [p for p in (archive / "site").rglob("*.html")]
    # The pages the last build changed are linked again; every other page was the published file already.
    assert 0 < len(linked) < len(pages) / 5, len(linked)
    assert rendered.paths and not set(rendered.paths) & set(linked)
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_build_from_nothing_that_publishes_nothing_new_leaves_no_spare(archive: Path, tmp_path: Path,
                                                                         monkeypatch) -> None:
    # `digest build --clean` over the same site keeps the published folder as it is; the tree it built holds
    # copies, not the published files, so as the spare it would make the next build unlink and link again
    # every file. It is dropped instead, and the next build starts from an empty folder.
    assert cli_build(archive) == 0
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert _spare(archive).is_dir()
    before = {p: p.stat().st_mtime_ns for p in (archive / "site").rglob("*.html")}
    assert cli_build(archive, "--clean") == 0
    assert {p: p.stat().st_mtime_ns for p in (archive / "site").rglob("*.html")} == before  # left alone
    assert not _spare(archive).exists()
    assert not [p for p in archive.iterdir() if p.name.startswith(".site-build-")]
    linked = linked_pages(monkeypatch)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    assert len(linked) > len(before) / 2  # into an empty folder: nearly every page is linked
    assert _spare(archive).is_dir()  # and the tree it replaced is the spare again
    monkeypatch.undo()
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def _background_done(root: Path, timeout: float = 60.0) -> None:
    """Wait until the detached processes a build started (remover, spare maker) have finished."""
    deadline = time.monotonic() + timeout
    while any(p.name.startswith((".site-build-", ".site-old-")) for p in root.iterdir()):
        assert time.monotonic() < deadline, sorted(p.name for p in root.iterdir())
        time.sleep(0.05)


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def test_a_build_from_nothing_leaves_the_next_build_a_spare_of_links_to_the_published_files(
        archive: Path, tmp_path: Path, monkeypatch) -> None:
    # Without it the first build after `digest build --clean` makes a folder and a link for every page.
    monkeypatch.setattr(publish_module, "BACKGROUND_REMOVAL_PAGES", 0)  # what a big site does
    assert cli_build(archive) == 0
    _background_done(archive)
    site, spare = archive / "site", _spare(archive)
    assert _inodes(spare) == _inodes(site)  # the very files published, every one
    assert sorted(p.relative_to(spare) for p in spare.rglob("*") if p.is_dir()) == \
        sorted(p.relative_to(site) for p in site.rglob("*") if p.is_dir())
    linked = linked_pages(monkeypatch)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    pages = list(site.rglob("*.html"))
    assert len(linked) < len(pages) / 5, len(linked)  # the rest were in place already
    _background_done(archive)
    assert cli_build(archive, "--clean") == 0  # over a published site: the same again
    _background_done(archive)
    assert _inodes(_spare(archive)) == _inodes(site)
    monkeypatch.undo()
    assert_same_site(site, cold_site(archive, tmp_path))


def test_a_spare_kept_by_a_build_while_one_was_being_linked_stays(archive: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish_module, "BACKGROUND_REMOVAL_PAGES", 0)
    assert cli_build(archive) == 0
    _background_done(archive)
    spare = _spare(archive)
    shutil.rmtree(spare)
    spare.mkdir()
    (spare / "kept.html").write_text("the spare a build kept", encoding="utf-8")
    given = archive / ".site-build-1-spare"
    given.mkdir()
    subprocess.run([sys.executable, "-c", publish_module._SPARE_MAKER, str(archive / "site"), str(given),
                    str(spare), "site"], check=True, timeout=60)
    assert [p.name for p in spare.iterdir()] == ["kept.html"]
    assert not [p for p in archive.iterdir() if p.name.startswith(".site-build-")]
    # And with a spare already there, none is started.
    publish_module.make_spare(archive / "site", background=False)
    assert [p.name for p in spare.iterdir()] == ["kept.html"]


def test_pages_written_into_the_spare_never_change_the_published_files(archive: Path, monkeypatch) -> None:
    # The spare's files are hard links to published ones: a page rendered there must replace its file,
    # not write through it into the site being served (or into the tree kept as the next spare).
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    _change_static(archive)
    assert cli_build(archive) == 0  # the spare now shares every page with the site
    page = archive / "site" / "2026" / "06" / "10" / "index.html"
    before = page.read_bytes()
    spare_page = _spare(archive) / "2026" / "06" / "10" / "index.html"
    assert spare_page.stat().st_ino == page.stat().st_ino
    inode = page.stat().st_ino
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert page.read_bytes() != before
    # The published file of the last build is now the spare's, with its bytes as they were.
    assert spare_page.stat().st_ino == inode and spare_page.read_bytes() == before


@pytest.mark.parametrize("old", ["longer", "shorter"])
def test_a_page_made_over_its_own_old_file_in_the_spare_has_exactly_its_new_bytes(archive: Path, tmp_path: Path,
                                                                                  monkeypatch, old: str) -> None:
    # A page that changed in the last build is a file of its own in the spare: made again, it is written
    # over that file, which must end up holding the new page and nothing of the old one.
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    _change_static(archive)
    assert cli_build(archive) == 0
    _retitle(archive, "2026-06-10")
    assert cli_build(archive) == 0
    spare_page = _spare(archive) / "2026" / "06" / "10" / "index.html"
    assert spare_page.stat().st_nlink == 1
    with open(spare_page, "r+b") as fh:  # the same file, other bytes
        fh.write(b"<html>" + b"x" * 200_000 if old == "longer" else b"<p>old</p>")
        fh.truncate()
    inode = spare_page.stat().st_ino
    issue = archive / "issues" / "2026-06-10.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("title: Retitled", "title: Again retitled"),
                     encoding="utf-8")
    assert cli_build(archive) == 0
    page = archive / "site" / "2026" / "06" / "10" / "index.html"
    assert page.stat().st_ino == inode  # it was that file that was written (what this test is about)
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


@pytest.mark.parametrize("index", ["damaged", "removed"])
def test_a_spare_tree_in_any_state_gives_the_same_site(archive: Path, tmp_path: Path, monkeypatch, index) -> None:
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    _change_static(archive)
    assert cli_build(archive) == 0
    spare = _spare(archive)
    site = archive / "site"
    # A page with other bytes (a file of its own), a page hard-linked to another published page, a page
    # missing, a folder where a page goes, stray files and folders; a search index damaged the same ways,
    # or none.
    (spare / "2026" / "06" / "05" / "index.html").unlink()
    (spare / "2026" / "06" / "05" / "index.html").write_text("stale", encoding="utf-8")
    (spare / "2026" / "06" / "06" / "index.html").unlink()
    os.link(site / "2026" / "06" / "07" / "index.html", spare / "2026" / "06" / "06" / "index.html")
    (spare / "2026" / "06" / "08" / "index.html").unlink()
    (spare / "archive" / "index.html").unlink()
    (spare / "archive" / "index.html").mkdir()
    (spare / "stray" / "deep").mkdir(parents=True)
    (spare / "stray" / "deep" / "file.html").write_text("stray", encoding="utf-8")
    (spare / "2026" / "stray.txt").write_text("stray", encoding="utf-8")
    (spare / "stray-empty" / "deeper").mkdir(parents=True)  # as a spare linked while a build published
    (spare / "2026" / "06" / "stray-empty").mkdir()
    if index == "removed":
        shutil.rmtree(spare / "pagefind")
    else:
        # In a shard the edit does not change, so that it is reused (2026-06-10 is in the 2026-06 shard).
        shard = sorted(d for d in (spare / "pagefind").iterdir() if d.is_dir() and d.name != "2026-06")[0]
        shard_files = sorted(p for p in shard.rglob("*") if p.is_file())
        assert len(shard_files) > 10
        shard_files[0].unlink()
        shard_files[1].unlink()
        shard_files[1].write_bytes(b"stale")
        shard_files[2].unlink()
        os.link(site / "index.html", shard_files[2])
        (shard_files[3].parent / "stray.pf_fragment").write_bytes(b"stray")
        (shard_files[4].parent / "stray-folder").mkdir()
        (spare / "pagefind" / "shards.json").write_bytes(b"[]")
    _edit_issue(archive)
    assert cli_build(archive) == 0
    assert_same_site(site, cold_site(archive, tmp_path))
    assert not list(site.rglob("stray*"))


def _odd_spare(folder: Path) -> set[str]:
    """A spare tree with a page to keep, a folder and a link where pages go, strays and a search bundle; the
    pages a build of it would make."""
    for rel, text in [("a/index.html", "kept"), ("b/index.html/old.html", "under a page's path"),
                      ("c/deep/er/x.html", "stray"), ("top.txt", "stray"), ("pagefind/2026/x.pf_meta", "bundle")]:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    (folder / "d").mkdir()
    os.symlink("../a/index.html", folder / "d" / "index.html")
    (folder / "e" / "index.html").mkdir(parents=True)
    return {"a/index.html", "b/index.html", "d/index.html", "e/index.html"}


@pytest.mark.parametrize("listed", ["beside the loading", "at claim time"])
def test_a_claimed_spare_keeps_only_the_files_where_pages_go(tmp_path: Path, listed: str) -> None:
    # The build lists the spare beside the loading, before it claims it; listed then or when claimed, the
    # tree is emptied the same way, and only regular files at page paths are offered for reuse.
    out, tmp = tmp_path / "site", tmp_path / "build"
    spare = publish_module.spare_dir(out)
    spare.mkdir()
    pages = _odd_spare(spare)
    kept = (spare / "a" / "index.html").stat().st_ino
    listing = publish_module.list_spare(spare) if listed == "beside the loading" else None
    tmp.mkdir()
    assert publish_module.claim_spare(out, tmp)
    present = publish_module._prepare_spare(tmp, out, pages, listing or publish_module.list_spare(tmp))
    assert present == {"a/index.html": kept}
    left = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*"))
    # The folders the pages go into stay (a folder costs more to make than a file), emptied; strays are gone.
    assert left == [".pagefind-spare", ".pagefind-spare/2026", ".pagefind-spare/2026/x.pf_meta", "a", "a/index.html",
                    "b", "d", "e"]


def test_a_failed_build_keeps_its_folder_as_the_spare_and_the_next_build_is_right(archive: Path, tmp_path: Path,
                                                                                    monkeypatch) -> None:
    assert cli_build(archive) == 0
    _edit_issue(archive)
    assert cli_build(archive) == 0
    before = digests(archive / "site")
    _retitle(archive, "2026-06-15")
    real = writer_module.Writer.copy_static

    def explode(writer, files):
        real(writer, files)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(writer_module.Writer, "copy_static", explode)
    with pytest.raises(OSError):
        build(load_config(archive / "digest.yaml"))
    monkeypatch.undo()
    assert digests(archive / "site") == before
    assert _spare(archive).is_dir()
    assert not [p for p in archive.iterdir() if p.name.startswith(".site-build-")]
    assert cli_build(archive) == 0
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_unchanged_search_shards_in_the_spare_tree_are_not_linked_again(archive: Path, tmp_path: Path,
                                                                        monkeypatch) -> None:
    monkeypatch.setattr(mf, "RACY_NS", 0)
    assert cli_build(archive) == 0
    _change_static(archive)
    assert cli_build(archive) == 0  # the spare's shards are the published ones
    published = json.loads((archive / "site" / "pagefind" / "shards.json").read_text(encoding="utf-8"))["shards"]
    assert len(published) > 1
    linked: list[str] = []
    real = os.link

    def spy(src, dst, *args, **kwargs):
        linked.append(os.fspath(dst))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", spy)
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    monkeypatch.undo()
    assert linked  # the pages Pagefind reads for the changed shard, at least
    assert not [path for path in linked if "/pagefind/" in path]
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_a_spare_shard_is_trusted_only_where_it_holds_the_published_files(archive: Path, tmp_path: Path) -> None:
    # The spare's bundle is listed before the build claims it; what it lists that is not a published file of
    # the shard (a stray, a copy, an empty folder, a link) is removed or replaced, as a fresh copy would be.
    assert cli_build(archive) == 0
    _change_static(archive)
    assert cli_build(archive) == 0
    # A shard the edit below leaves alone, so it is taken from the spare (the edit's is made again).
    shard = next(p for p in (_spare(archive) / "pagefind").iterdir() if p.is_dir() and p.name != "2026-06")
    kept = {p.name: p.stat().st_ino for p in (archive / "site" / "pagefind" / shard.name).glob("*.pf_meta")}
    (shard / "stray.pf_index").write_bytes(b"stray")
    (shard / "empty" / "deeper").mkdir(parents=True)
    os.symlink("../../site/index.html", shard / "link")
    victim = sorted(shard.glob("*.pf_meta"))[0]
    copy = victim.read_bytes()
    victim.unlink()
    victim.write_bytes(copy)  # the same bytes, but not the published file
    _retitle(archive, "2026-06-15")
    assert cli_build(archive) == 0
    published = archive / "site" / "pagefind" / shard.name
    assert not [p for p in published.rglob("*") if p.name in ("stray.pf_index", "empty", "link")]
    assert {p.name: p.stat().st_ino for p in published.glob("*.pf_meta")} == kept  # the published file again
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


def test_feed_entries_kept_between_builds_follow_a_template_edit(archive: Path, tmp_path: Path) -> None:
    # The feeds keep their entries' HTML between builds; an edit of the card macro must still reach them.
    assert cli_build(archive) == 0
    template = archive / "templates" / "_issue.html"
    text = template.read_text(encoding="utf-8")
    marked = text.replace('<section class="card"', '<section data-marker="m-5150" class="card"', 1)
    assert marked != text
    template.write_text(marked, encoding="utf-8")
    assert cli_build(archive) == 0
    for name in ("feed.xml", "papers.xml"):
        assert "m-5150" in (archive / "site" / name).read_text(encoding="utf-8"), name
    assert_same_site(archive / "site", cold_site(archive, tmp_path))


# ---------------------------------------------------------------- the plan's basis, as the manifest keeps it

_JSON = hs.recursive(hs.none() | hs.booleans() | hs.integers() | hs.text(max_size=6),
                     lambda inner: (hs.lists(inner, max_size=4)
                                    | hs.dictionaries(hs.text(max_size=6), inner, max_size=4)),
                     max_leaves=20)


@given(issues=hs.lists(hs.text(max_size=8), max_size=5),
       topics=hs.dictionaries(hs.text(max_size=8), hs.tuples(hs.text(max_size=8), hs.text(max_size=8)), max_size=4),
       papers=hs.dictionaries(hs.text(max_size=8), hs.text(max_size=8), max_size=4))
def test_a_plan_basis_reads_back_from_the_manifest_as_it_was(issues, topics, papers) -> None:
    basis = PlanBasis(tuple(issues), topics, papers)
    assert PlanBasis.from_record(json.loads(json.dumps(basis.to_record()))) == basis


@given(hs.dictionaries(hs.sampled_from(["issues", "topics", "papers", "other"]), _JSON, max_size=4) | _JSON)
def test_a_plan_record_of_another_shape_is_no_basis_and_no_error(value) -> None:
    basis = PlanBasis.from_record(value)
    assert basis is None or PlanBasis.from_record(basis.to_record()) == basis
