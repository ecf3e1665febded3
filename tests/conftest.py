"""Shared test fixtures: a throwaway copy of the project to build and break."""
from __future__ import annotations

import hashlib
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def copy_project(dest: Path, *, issues: bool = True) -> Path:
    """Copy digest.yaml, templates/, static/ (and the shipped issues) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "digest.yaml", dest / "digest.yaml")
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copytree(ROOT / "static", dest / "static")
    (dest / "issues").mkdir(exist_ok=True)
    if issues:
        for f in (ROOT / "issues").iterdir():
            if f.is_file():
                shutil.copy(f, dest / "issues" / f.name)
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the shipped project (config, templates, static files, example issues)."""
    return copy_project(tmp_path / "proj")


@pytest.fixture
def empty_project(tmp_path: Path) -> Path:
    """The shipped config and templates with no issue files."""
    return copy_project(tmp_path / "proj", issues=False)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its path there (posix), with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def digests(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by its path there (posix)."""
    return {rel: hashlib.sha256(data).hexdigest() for rel, data in files(folder).items()}


def assert_same_site(a: Path, b: Path, label: object = "") -> None:
    """The two folders hold the same files with the same bytes; `label` says which step, when they differ."""
    fa, fb = digests(a), digests(b)
    assert sorted(fa) == sorted(fb), (label, sorted(fa.keys() ^ fb.keys())[:5])
    different = [k for k in fa if fa[k] != fb[k]]
    assert not different, f"{label}: {different[:5]}"


def write(path: Path, text: str) -> Path:
    """Write dedented text, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def fork_ok(monkeypatch):
    """Let builds fork workers even if threads from other tests' fixtures (HTTP servers) are still alive.

    digest refuses to fork while another thread runs (parallel.can_fork_now); only threads started during
    the test count here, so tests of the parallel paths do run them.
    """
    import threading

    before = set(threading.enumerate())
    monkeypatch.setattr(threading, "active_count", lambda: len(set(threading.enumerate()) - before) + 1)


def benchmark_script(name: str):
    """benchmarks/<name>.py loaded as a module (the scripts are not a package), once per test session."""
    import importlib.util
    import sys

    module = sys.modules.get(f"bench_{name}")
    if module is None:
        path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
        spec.loader.exec_module(module)
    return module


def synth_archive(tmp_path_factory, issues: int, seed: int, end=None) -> Path:
    """A synthetic archive of `issues` daily issues made by benchmarks/synth.py (a script, loaded by path),
    the newest on `end` (a date; synth.py's default when None)."""
    module = benchmark_script("synth")
    out = tmp_path_factory.mktemp("synth") / "archive"
    module.generate(out, issues, seed=seed, hugo=False, **({} if end is None else {"end": end}))
    return out


@pytest.fixture
def archive(archive_source: Path, tmp_path: Path) -> Path:
    """A private copy of the module's `archive_source` (a synth_archive made once per module)."""
    dest = tmp_path / "archive"
    shutil.copytree(archive_source, dest)
    return dest


class Rendered:
    """Records the paths of pages a build actually renders (not reused from the published site)."""

    def __init__(self, monkeypatch):
        from digest.build.writer import Writer

        self.paths: list[str] = []
        real = Writer.make_one

        def recording(writer, spec, *a, **k):
            self.paths.append(spec.path)
            return real(writer, spec, *a, **k)

        monkeypatch.setenv("DIGEST_JOBS", "1")  # rendering in this process, where the recorder is
        monkeypatch.setattr(Writer, "make_one", recording)


def cold_site(root: Path, tmp: Path) -> Path:
    """A `digest build --clean` of a fresh copy of the inputs (no manifest, no caches, no previous site)."""
    from digest.cli import main

    cold = tmp / "cold"
    shutil.rmtree(cold, ignore_errors=True)
    shutil.copytree(root, cold, ignore=shutil.ignore_patterns("site", ".digest-cache", ".site-*"))
    assert main(["--config", str(cold / "digest.yaml"), "build", "--clean"]) == 0
    return cold / "site"
