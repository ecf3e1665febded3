"""Any sequence of an editor's and a theme author's changes, each followed by `digest build`, publishes exactly
the site a cold `digest build --clean` makes of the same files; a change that breaks an issue publishes nothing.

test_incremental.py pins each kind of change once, after a fresh build. Here hypothesis draws sequences of
them (an issue retitled, papers rescored, moved to another topic, listed again in another issue, dropped or
added, cards and covers, issues deleted and brought back, a new issue after the newest, candidates,
`published` times, templates, static files, the site's title and holidays), so each incremental build
starts from whatever state the builds before it left: its manifest, view cache, feeds' memos, spare tree and
search shards. DIGEST_SEQUENCE_EXAMPLES runs more of them (a hunt, not CI).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import assert_same_site, benchmark_script, cold_site, files, synth_archive
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digest.cli import EXIT_INVALID, EXIT_OK, main

ISSUES = 14
END = date(2026, 1, 6)  # the archive spans a new year: two archive years, topic pages of two years
EXAMPLES = int(os.environ.get("DIGEST_SEQUENCE_EXAMPLES", "4"))


@pytest.fixture(scope="module")
def archive_source(tmp_path_factory) -> Path:
    return synth_archive(tmp_path_factory, ISSUES, seed=5, end=END)


class Archive:
    """A private copy of the synthetic archive, the issues taken out of it, and what the edits drew."""

    def __init__(self, source: Path, folder: Path):
        self.root = folder / "archive"
        shutil.copytree(source, self.root)
        self.held = folder / "held"  # issues deleted by a step, which a later step may bring back
        self.held.mkdir()
        self.scratch = folder / "scratch"
        self.serial = 0  # makes each edit's text its own

    def issues(self) -> list[Path]:
        return sorted((self.root / "issues").glob("????-??-??.yaml"))

    def next_text(self, what: str) -> str:
        self.serial += 1
        return f"{what} {self.serial}"

    def build(self, *args: str) -> int:
        return main(["--config", str(self.root / "digest.yaml"), "build", *args])


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _save(path: Path, data: dict) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _pick(data: st.DataObject, items: list, label: str):
    return items[data.draw(st.integers(0, len(items) - 1), label=label)]


# ---------------------------------------------------------------- the changes (each returns the files it changed)

def _one_issue(change):
    """A change of one issue's YAML document, `change(a, data, doc)` (False: it cannot apply to that issue),
    as a change of the archive: the issue is drawn, read, changed and saved."""
    def apply(a: Archive, data: st.DataObject) -> list[Path]:
        path = _pick(data, a.issues(), "issue")
        doc = _load(path)
        if not change(a, data, doc):
            return []
        _save(path, doc)
        return [path]
    apply.__name__, apply.__doc__ = change.__name__, change.__doc__
    return apply


@_one_issue
def retitle(a: Archive, data: st.DataObject, doc: dict) -> bool:
    doc["title"] = a.next_text("An edited title")
    return True


@_one_issue
def rescore(a: Archive, data: st.DataObject, doc: dict) -> bool:
    paper = _pick(data, doc["papers"], "paper")
    paper["scores"] = {name: data.draw(st.integers(0, 10), label=name)
                       for name in ("novelty", "relevance", "venue", "evidence")}
    return True


@_one_issue
def retopic(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """A paper moved to a topic another issue has, to that topic spelled otherwise, or to a new one."""
    paper = _pick(data, doc["papers"], "paper")
    known = sorted({area for p in a.issues() for q in _load(p)["papers"] for area in q.get("areas", [])})
    kind = data.draw(st.sampled_from(["known", "respelled", "new", "two"]), label="topic")
    if kind == "known":
        paper["areas"] = [_pick(data, known, "area")]
    elif kind == "respelled":
        paper["areas"] = [_pick(data, known, "area").upper()]
    elif kind == "new":
        paper["areas"] = [a.next_text("a topic no issue had")]
    else:
        paper["areas"] = [_pick(data, known, "area"), _pick(data, known, "second area")]
    return True


def relist(a: Archive, data: st.DataObject) -> list[Path]:
    """A paper of one issue listed again in another, with a tagline of its own there."""
    issues = a.issues()
    source, target = _pick(data, issues, "from"), _pick(data, issues, "to")
    paper = _uncited(_pick(data, _load(source)["papers"], "paper"))
    doc = _load(target)
    if source == target or any(p.get("arxiv") == paper.get("arxiv") or p.get("short") == paper.get("short")
                               for p in doc["papers"]):
        return []
    paper["tagline"] = a.next_text("listed again")
    doc["papers"].insert(data.draw(st.integers(0, len(doc["papers"])), label="at"), paper)
    _save(target, doc)
    return [target]


@_one_issue
def drop_paper(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """A paper taken out of an issue (one that nothing else in the issue cites)."""
    droppable = [i for i in range(len(doc["papers"])) if not _cited(doc, i)]
    if len(doc["papers"]) < 2 or not droppable:
        return False
    doc["papers"].pop(_pick(data, droppable, "paper"))
    return True


def _cited(doc: dict, index: int) -> bool:
    """Whether the issue's text other than the paper at `index` cites that paper by one of its names."""
    paper = doc["papers"][index]
    rest = yaml.safe_dump({**doc, "papers": doc["papers"][:index] + doc["papers"][index + 1:]}, allow_unicode=True)
    names = [str(paper[key]) for key in ("arxiv", "short", "abbrev") if paper.get(key)]
    return any(re.search("@" + re.escape(name) + r"(?![\w.-])", rest) for name in names)


def _uncited(paper: dict) -> dict:
    """A paper's entry with its citations of other papers taken out (they may not be in another issue)."""
    return {key: re.sub(r"\[@[^\]]+\]", "", value) if isinstance(value, str) else value
            for key, value in paper.items() if key != "abbrev"}


@_one_issue
def new_paper(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """A paper no issue had (so a paper page of its own), copied from another with a new arXiv id."""
    paper = _uncited(_pick(data, doc["papers"], "paper"))
    a.serial += 1
    paper["arxiv"] = f"2512.{90000 + a.serial:05d}"
    paper["short"] = a.next_text("NewPaper")
    doc["papers"].append(paper)
    return True


def delete_issue(a: Archive, data: st.DataObject) -> list[Path]:
    issues = a.issues()
    if len(issues) < 4:
        return []
    path = _pick(data, issues, "issue")
    moved = [f for f in (path, path.with_name(path.stem + ".candidates.json")) if f.exists()]
    for f in moved:
        shutil.move(f, a.held / f.name)
    return moved


def restore_issue(a: Archive, data: st.DataObject) -> list[Path]:
    """An issue deleted earlier comes back (the newest of them: the nightly's new issue)."""
    held = sorted(a.held.glob("????-??-??.yaml"))
    if not held:
        return []
    path = held[-1] if data.draw(st.booleans(), label="newest") else _pick(data, held, "held")
    moved = [f for f in (path, path.with_name(path.stem + ".candidates.json")) if f.exists()]
    for f in moved:
        shutil.move(f, a.root / "issues" / f.name)
    return [a.root / "issues" / f.name for f in moved]


def next_day(a: Archive, data: st.DataObject) -> list[Path]:
    """The nightly: a new issue after the newest (as benchmarks/synth.py writes one), which may list again
    papers of earlier issues."""
    synth = benchmark_script("synth")
    earlier = a.issues()
    day = date.fromisoformat(earlier[-1].stem) + timedelta(days=data.draw(st.integers(1, 3), label="days later"))
    _, written = synth.write_issue(a.root, day, data.draw(st.integers(0, 10**6), label="seed"),
                                   synth.read_site(a.root), hugo=False)
    path = a.root / "issues" / f"{day.isoformat()}.yaml"
    doc = _load(path)
    for _ in range(data.draw(st.integers(0, 2), label="listed again")):
        paper = _uncited(_pick(data, _load(_pick(data, earlier, "from"))["papers"], "paper"))
        if not any(p.get("arxiv") == paper.get("arxiv") or p.get("short") == paper.get("short") for p in doc["papers"]):
            doc["papers"].insert(data.draw(st.integers(0, len(doc["papers"])), label="at"), paper)
    _save(path, doc)
    return written


def edit_candidates(a: Archive, data: st.DataObject) -> list[Path]:
    """The abstract of one of an issue's papers changes in its candidates file (a new arXiv version)."""
    path = _pick(data, a.issues(), "issue")
    cpath = path.with_name(path.stem + ".candidates.json")
    if not cpath.exists():
        return []
    listed = {p.get("arxiv") for p in _load(path)["papers"]}
    cands = json.loads(cpath.read_text(encoding="utf-8"))
    ours = [c for c in cands["candidates"] if c["id"] in listed]
    if not ours:
        return []
    _pick(data, ours, "candidate")["abstract"] = a.next_text("A changed abstract.")
    cpath.write_text(json.dumps(cands, indent=1, ensure_ascii=False), encoding="utf-8")
    return [cpath]


@_one_issue
def move_published(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """An issue's `published` time moves: the next issue's window starts there."""
    published = doc.get("published")
    if not isinstance(published, datetime):
        return False
    doc["published"] = published + timedelta(minutes=data.draw(st.integers(-90, 90), label="minutes"))
    return True


@_one_issue
def edit_intro(a: Archive, data: st.DataObject, doc: dict) -> bool:
    doc["intro"] = a.next_text("An **edited** introduction with a formula $x^{2}$ and a [link](https://example.org/),")
    return True


def touch(a: Archive, data: st.DataObject) -> list[Path]:
    """An issue saved again with the same bytes (its mtime moves)."""
    path = _pick(data, a.issues(), "issue")
    path.write_bytes(path.read_bytes())
    return [path]


def restyle(a: Archive, data: st.DataObject) -> list[Path]:
    """A template change that only restyles: an attribute the search index does not read."""
    path = a.root / "templates" / "_issue.html"
    text = path.read_text(encoding="utf-8")
    marker = '<article data-styled="1" '
    new = text.replace(marker, "<article ", 1) if marker in text else text.replace("<article ", marker, 1)
    assert new != text
    path.write_text(new, encoding="utf-8")
    return [path]


def reword_template(a: Archive, data: st.DataObject) -> list[Path]:
    """A template change every page shows, and the search index reads."""
    path = a.root / "templates" / "base.html"
    text = path.read_text(encoding="utf-8")
    assert "</main>" in text
    path.write_text(text.replace("</main>", f"<p>{a.next_text('A note in every page')}</p></main>", 1),
                    encoding="utf-8")
    return [path]


def edit_static(a: Archive, data: st.DataObject) -> list[Path]:
    """A static file added, changed or removed."""
    path = a.root / "static" / "notes.txt"
    if path.exists() and data.draw(st.booleans(), label="remove"):
        path.unlink()
    else:
        path.write_text(a.next_text("notes"), encoding="utf-8")
    return [path]


def retitle_site(a: Archive, data: st.DataObject) -> list[Path]:
    path = a.root / "digest.yaml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  title: "))
    lines[at] = f"  title: {a.next_text('Diffusion Digest')}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return [path]


@_one_issue
def refeature(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """Another number of papers shown as cards."""
    doc["featured"] = data.draw(st.integers(0, len(doc["papers"])), label="featured")
    return True


@_one_issue
def recover(a: Archive, data: st.DataObject, doc: dict) -> bool:
    """An issue gets the archive's cover image, or loses its cover."""
    if doc.pop("cover", None) is None:
        cover = next(p for p in sorted((a.root / "static" / "covers").iterdir()) if p.suffix == ".svg")
        doc["cover"] = {"src": f"covers/{cover.name}", "alt": a.next_text("A cover")}
    return True


def holiday(a: Archive, data: st.DataObject) -> list[Path]:
    """A day of the archive becomes an arXiv holiday in digest.yaml, or stops being one."""
    path = a.root / "digest.yaml"
    config = _load(path)
    days = config["schedule"]["holidays"]
    day = _pick(data, [date.fromisoformat(p.stem) for p in a.issues()], "day")
    config["schedule"]["holidays"] = [d for d in days if d != day] if day in days else sorted([*days, day])
    _save(path, config)
    return [path]


CHANGES = {f.__name__: f for f in (retitle, rescore, retopic, relist, drop_paper, new_paper, delete_issue,
                                   restore_issue, next_day, edit_candidates, move_published, edit_intro, touch, restyle,
                                   reword_template, edit_static, retitle_site, refeature, recover, holiday)}


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kinds=st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=4))
def test_any_sequence_of_changes_publishes_what_a_cold_build_makes(archive_source, tmp_path_factory, data, kinds):
    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp(), prefix="sequence-"))
    try:
        a = Archive(archive_source, folder)
        assert a.build() == EXIT_OK
        done = []
        for kind in kinds:
            if not CHANGES[kind](a, data):
                continue
            done.append(kind)
            assert a.build() == EXIT_OK, done
            assert_same_site(a.root / "site", cold_site(a.root, a.scratch), done)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), before=st.lists(st.sampled_from(sorted(CHANGES)), max_size=2))
def test_a_broken_issue_publishes_nothing_and_its_fix_publishes_the_cold_site(archive_source, tmp_path_factory,
                                                                                data, before):
    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp(), prefix="broken-"))
    try:
        a = Archive(archive_source, folder)
        assert a.build() == EXIT_OK
        for kind in before:
            CHANGES[kind](a, data)
        path = _pick(data, a.issues(), "broken issue")
        good = path.read_bytes()
        published = files(a.root / "site")
        path.write_text(good.decode("utf-8") + "\npapers: [unclosed\n", encoding="utf-8")
        assert a.build() == EXIT_INVALID
        assert files(a.root / "site") == published  # the last good site stays, whatever changed beside
        path.write_bytes(good)
        assert a.build() == EXIT_OK
        assert_same_site(a.root / "site", cold_site(a.root, a.scratch), before)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _broken_save(a: Archive, data: st.DataObject, preview) -> None:
    """An issue saved broken: the preview raises the located problem and changes nothing; then it is saved
    again as it was."""
    from digest.editorial.config import load_config
    from digest.errors import DigestError

    path = _pick(data, a.issues(), "broken issue")
    good = path.read_bytes()
    before = files(a.root / "site")
    path.write_text(good.decode("utf-8") + "\npapers: [unclosed\n", encoding="utf-8")
    with pytest.raises(DigestError) as caught:
        preview(load_config(a.root / "digest.yaml"), a.root / "site", frozenset({path}))
    assert str(caught.value).startswith(f"issues/{path.name}:")
    assert files(a.root / "site") == before
    path.write_bytes(good)
    preview(load_config(a.root / "digest.yaml"), a.root / "site", frozenset({path}))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), kinds=st.lists(st.sampled_from(sorted(CHANGES)), min_size=1, max_size=5))
def test_the_preview_shows_what_a_cold_build_makes_after_any_sequence_of_saves(archive_source, tmp_path_factory,
                                                                                data, kinds):
    """`digest serve`: each save is a quick update where it can be (pages replaced in place, the search index
    and stale pages left for catch_up) and a whole build where it cannot; either way every page a cold build
    makes is there with its bytes, and after catch_up the folder is the cold site."""
    from digest.build.preview import Preview
    from digest.editorial.config import load_config

    folder = Path(tempfile.mkdtemp(dir=tmp_path_factory.getbasetemp(), prefix="preview-"))
    try:
        a = Archive(archive_source, folder)
        site = a.root / "site"
        preview = Preview()
        preview(load_config(a.root / "digest.yaml"), site, None)
        done = []
        for kind in kinds:
            if data.draw(st.booleans(), label="a broken save first"):
                _broken_save(a, data, preview)
                done.append("a broken save, then its fix")
            changed = CHANGES[kind](a, data)
            if not changed:
                continue
            done.append(kind)
            preview(load_config(a.root / "digest.yaml"), site, frozenset(changed))
            cold = files(cold_site(a.root, a.scratch))
            now = files(site)
            wrong = [rel for rel, body in cold.items() if not rel.startswith("pagefind/") and now.get(rel) != body]
            assert not wrong, (done, wrong[:5])
        preview.catch_up(load_config(a.root / "digest.yaml"), site)
        assert_same_site(site, cold_site(a.root, a.scratch), done)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
