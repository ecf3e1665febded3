"""Publishing a finished site: the swap and the removal of the tree it replaced."""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest.fsutil import clean_stale_build_dirs, make_build_dir, swap_in_dir


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
