"""Build the whole site into a fresh folder and swap it in only when it is complete."""
from __future__ import annotations

import filecmp
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import DigestError
from .fsutil import clean_stale_build_dirs, make_build_dir, swap_in_dir
from .project import load_project
from .render.search import index_site
from .render.site import copy_static, render_pages


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    pages: int
    issues: int
    seconds: float
    warnings: list
    changed: bool = True


def build(config: Config, out: str | Path | None = None) -> BuildResult:
    """Render the site into `out` (default: site/ beside digest.yaml); the old site stays until the new one is whole."""
    started = time.perf_counter()
    out = Path(out) if out is not None else config.root / "site"
    project = load_project(config)
    if project.errors:
        raise DigestError(project.errors)
    clean_stale_build_dirs(out)
    tmp = make_build_dir(out)
    try:
        pages = render_pages(config, project.views)
        for page in pages:
            dest = tmp / page.path
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(page.body)
        copy_static(config, tmp)
        # The search index is part of the site: built offline from the finished pages, before the swap.
        index_site(tmp)
        tmp.chmod(0o755)
        # A rebuild with nothing new leaves the published folder alone (mtimes, rsync, caches).
        changed = not same_tree(tmp, out)
        if changed:
            swap_in_dir(tmp, out)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out=out, pages=len(pages), issues=len(project.views),
                       seconds=time.perf_counter() - started, warnings=project.warnings, changed=changed)


def same_tree(a: Path, b: Path) -> bool:
    """True when the two folders hold the same files with the same bytes."""
    if not b.is_dir():
        return False
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    if files_a != files_b:
        return False
    return all(filecmp.cmp(a / rel, b / rel, shallow=False) for rel in files_a)
