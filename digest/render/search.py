"""The site's full-text search index, built offline with Pagefind at build time.

Pagefind (the PyPI package `pagefind[bin]`, whose wheel carries the binary)
reads the rendered HTML and writes `pagefind/` into the site: the index
fragments plus the UI script and stylesheet, so the search box loads nothing
from another host. Only elements marked `data-pagefind-body` are indexed (the
issue article on issue pages), so navigation, footers and the home page's copy
of the latest issue stay out of the results.

Pagefind's output depends only on the HTML it reads (checked: repeated runs
over the same pages, in differently named folders, give byte-identical files),
so a build stays deterministic. It is run with the site folder as its working
directory and without PAGEFIND_* variables (other than the binary path), so no
stray pagefind.yml or environment setting changes the index.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

BUNDLE_DIR = "pagefind"
TIMEOUT_SECONDS = 300


class SearchIndexError(OSError):
    """Pagefind is missing or failed: the site could not be written (the CLI exits 5)."""


def pagefind_binary() -> Path | None:
    """The Pagefind executable: $PAGEFIND_BINARY_PATH, the one in the `pagefind[bin]` wheel, or one on PATH."""
    try:
        from pagefind.service import get_executable
    except ImportError:
        found = os.environ.get("PAGEFIND_BINARY_PATH") or shutil.which("pagefind_extended") or shutil.which("pagefind")
        return Path(found) if found else None
    found = get_executable()
    return Path(found) if found else None


def index_site(site: Path) -> None:
    """Write the search index and UI into `site/pagefind/`, offline; SearchIndexError when Pagefind fails.

    Pages are indexed only from their `data-pagefind-body` element; a site with none (no issue yet) gets no index.
    """
    site = Path(site).resolve()
    if not any(b"data-pagefind-body" in page.read_bytes() for page in site.rglob("*.html")):
        # No issue yet: Pagefind would index every page's whole body instead. The search box stays a link
        # to the archive (its script finds no pagefind/ folder).
        return
    binary = pagefind_binary()
    if binary is None or not binary.is_file():
        raise SearchIndexError("the search index needs Pagefind, which is not installed: "
                               "pip install 'pagefind[bin]' (or reinstall paper-digest)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}
    cmd = [str(binary), "--site", ".", "--output-subdir", BUNDLE_DIR, "--silent"]
    try:
        proc = subprocess.run(cmd, cwd=site, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise SearchIndexError(f"Pagefind did not finish indexing the site in {TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise SearchIndexError(f"Pagefind could not be started ({binary}): {exc}") from None
    if proc.returncode != 0 or not (site / BUNDLE_DIR / "pagefind-ui.js").is_file():
        output = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
        last = output.splitlines()[-1] if output else f"exit status {proc.returncode}"
        raise SearchIndexError(f"Pagefind could not index the site: {last}")


def index_inputs(html_hashes: dict[str, str]) -> str:
    """A digest of what Pagefind reads: every HTML file's path and sha256 (`html_hashes`: path -> sha256)."""
    import hashlib

    h = hashlib.sha256(b"pagefind inputs 1\0")
    for rel in sorted(html_hashes):
        if rel.endswith(".html") and not rel.startswith(BUNDLE_DIR + "/"):
            h.update(f"{rel}\0{html_hashes[rel]}\n".encode())
    return h.hexdigest()


def reuse_index(previous_site: Path, site: Path, bundle: dict[str, str]) -> bool:
    """Put the previous build's index into `site` instead of running Pagefind again.

    `bundle` maps each file of the previous `pagefind/` folder (path relative to the site) to its sha256.
    Only call this when the HTML Pagefind reads is the same as last time (same `index_inputs`): its output
    depends on nothing else. Files are hard-linked where possible (the previous site is never written to)
    and checked against their recorded hash; False (and nothing left behind) when any is missing or differs.
    """
    import hashlib

    site = Path(site)
    try:
        for rel, sha in sorted(bundle.items()):
            if not rel.startswith(BUNDLE_DIR + "/"):
                raise ValueError(rel)
            src, dest = Path(previous_site) / rel, site / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(src, dest)
            except OSError:
                shutil.copyfile(src, dest)
            if hashlib.sha256(dest.read_bytes()).hexdigest() != sha:
                raise ValueError(rel)
    except (OSError, ValueError):
        shutil.rmtree(site / BUNDLE_DIR, ignore_errors=True)
        return False
    return True
