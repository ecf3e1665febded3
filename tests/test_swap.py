"""Publishing a finished site: the swap and the removal of the tree it replaced."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest.build.publish import clean_stale_build_dirs, make_build_dir, swap_in_dir


def _tree(folder: Path, marker: str, n: int = 50) -> None:
    for i in range(n):
        page = folder / f"{i:03d}" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"{marker} {i}\n")


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".site-"))


@pytest.mark.parametrize("background", [False, True])
def test_swap_publishes_the_new_tree_and_removes_the_old_one(tmp_path: Path, background: bool) -> None:
    site = tmp_path / "site"
    site.mkdir()
    _tree(site, "old")
    new = make_build_dir(site)
    _tree(new, "new")
    swap_in_dir(new, site, background=background)
    assert (site / "007" / "index.html").read_text() == "new 7\n"
    deadline = time.monotonic() + 20
    while _leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.05)  # the detached remover works on its own time
    assert _leftovers(tmp_path) == []


def test_a_replaced_tree_whose_remover_died_is_removed_by_the_next_build(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    orphan = tmp_path / ".site-old-999999999-bg"  # no such process
    _tree(orphan, "old", 3)
    clean_stale_build_dirs(site)
    assert _leftovers(tmp_path) == []


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("known", ["both", "new side", "published side", "neither"])
def test_a_new_tree_is_the_published_one_only_when_every_file_has_the_same_bytes(tmp_path: Path, known: str) -> None:
    # Whether a build publishes its tree or leaves the published folder alone: trusted hashes on either
    # side spare reading those files, and change nothing in the answer.
    import shutil

    from digest.build.publish import same_tree

    new, published = tmp_path / "new", tmp_path / "site"
    _tree(new, "page")
    shutil.copytree(new, published)

    def answer() -> bool:
        a = {p.relative_to(new).as_posix(): _sha(p) for p in new.rglob("*") if p.is_file()}
        b = {p.relative_to(published).as_posix(): _sha(p) for p in published.rglob("*") if p.is_file()}
        return same_tree(new, published, a if known in ("both", "new side") else None,
                         b if known in ("both", "published side") else None)

    assert answer()
    page = published / "007" / "index.html"
    page.write_text(page.read_text().replace("page", "pagf"))  # same size, other bytes
    assert not answer()
    page.write_text(page.read_text().replace("pagf", "page"))
    assert answer()
    (published / "extra.txt").write_text("x")
    assert not answer()


def test_trees_whose_file_sizes_differ_are_told_apart_without_reading_a_file(tmp_path: Path, monkeypatch) -> None:
    import filecmp
    import shutil

    import digest.build.state as mf
    from digest.build.publish import same_tree

    new, published = tmp_path / "new", tmp_path / "site"
    _tree(new, "page")
    shutil.copytree(new, published)
    (published / "049" / "index.html").write_text("a longer page 49\n")

    def no_reading(*args, **kwargs):
        raise AssertionError("a file was read")

    monkeypatch.setattr(mf, "sha256_file", no_reading)
    monkeypatch.setattr(filecmp, "cmp", no_reading)
    assert not same_tree(new, published)
