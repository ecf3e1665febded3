"""The default theme (Jinja2 templates and assets/) shipped in the package, and a project's overrides of it.

The theme's source is the repository's templates/ folder, installed as the data-only package `digest_theme`
(pyproject.toml maps it). A project overrides any single file by putting one at the same relative path in
its own templates/ folder: lookups try that folder first, then the packaged theme. Imports only the
standard library, so the build manifest can list the theme's files without loading a rendering library.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from ..errors import DigestError, Problem
from ..files import walk

PACKAGE = "digest_theme"
ASSETS = "assets"  # the theme's files copied into the site (site/assets/), not templates

_found: Path | None = None


def theme_dir() -> Path:
    """The folder of the default theme installed with the package."""
    global _found
    if _found is None:
        # importlib.resources.files() cannot open this package on Python 3.11 when it is installed in
        # editable mode (setuptools adds a path entry that is not a folder to a namespace package, and
        # its reader rejects it); the spec's search locations hold the real folder in both installs.
        try:
            spec = importlib.util.find_spec(PACKAGE)
        except (ImportError, ValueError):
            spec = None
        places = [Path(p) for p in (spec.submodule_search_locations or []) if os.path.isdir(p)] if spec else []
        if not places:
            raise DigestError(Problem(PACKAGE, 0, 0, "the default theme is not installed with digest; "
                                                     "reinstall the package (pip install .)"))
        _found = places[0].resolve()
    return _found


def layers(templates: Path) -> list[Path]:
    """Where a template or asset is looked for, first match wins: the project's `templates` folder (when it
    exists), then the packaged theme."""
    found = [Path(templates)] if Path(templates).is_dir() else []
    packaged = theme_dir()
    # Run in the repository itself (an editable install), both are the same folder.
    if not found or found[0].resolve() != packaged:
        found.append(packaged)
    return found


def asset_files(templates: Path) -> list[tuple[Path, str]]:
    """(source file, path under assets/) of every asset, the project's where it has one of the same path,
    sorted by path; hidden files are left out."""
    chosen: dict[str, Path] = {}
    for layer in reversed(layers(templates)):  # the packaged theme first, overridden by the project's
        root = layer / ASSETS
        if not root.is_dir():
            continue
        for rel, entry in walk(root, follow_symlinks=False):
            if entry.is_file() and not entry.name.startswith("."):
                chosen[rel] = Path(entry.path)
    return [(chosen[rel], rel) for rel in sorted(chosen)]


def shown_path(filename: str, root: Path) -> str | None:
    """A theme file's path as messages give it: `templates/<name>` for the project's own (the project folder
    is `root`), the packaged file's full path for the default theme; None for a file that is neither."""
    path = os.path.abspath(filename)
    own = os.path.join(os.path.abspath(root), "templates") + os.sep
    if path.startswith(own):
        return "templates/" + Path(path[len(own):]).as_posix()
    try:
        packaged = str(theme_dir()) + os.sep
    except DigestError:
        return None
    return path if path.startswith(packaged) else None
