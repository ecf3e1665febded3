"""The editor's preview (digest/build/preview.py): a save re-makes only the pages it changes, in place, with
the bytes `digest build` gives them; catch_up() then makes the whole folder what a cold build makes."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from conftest import cold_site, synth_archive
from digest.build.preview import Preview
from digest.editorial.config import load_config
from digest.errors import DigestError

ISSUES = 12


@pytest.fixture(scope="module")
def archive_source(tmp_path_factory) -> Path:
    return synth_archive(tmp_path_factory, ISSUES, seed=3)


def digests(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


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
