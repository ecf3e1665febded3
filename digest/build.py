"""Build the whole site into a fresh folder and swap it in only when it is complete."""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import DigestError
from .fsutil import clean_stale_build_dirs, make_build_dir, swap_in_dir
from .project import load_project
from .render.site import copy_static, render_pages


@dataclass
class BuildResult:
    """What a build wrote."""

    out: Path
    pages: int
    issues: int
    seconds: float
    warnings: list


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
        tmp.chmod(0o755)
        swap_in_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(out=out, pages=len(pages), issues=len(project.views),
                       seconds=time.perf_counter() - started, warnings=project.warnings)
