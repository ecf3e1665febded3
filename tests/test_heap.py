"""A build pauses Python's garbage collector while it loads, then freezes what it loaded, and restores it all."""
from __future__ import annotations

import gc
import weakref
from pathlib import Path

import pytest

import digest.build.views as views_module
from digest import cli
from digest.build.writer import Writer
from digest.build import build
from digest.build import gc_policy
from digest.build.gc_policy import BuildHeap
from digest.build.workers import can_fork, run_tasks
from digest.editorial.config import load_config
from digest.errors import DigestError


@pytest.fixture
def collector():
    """Whatever a test does to the collector is undone after it."""
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def _collector_state(_shared, _task) -> tuple[bool, bool]:
    return gc.isenabled(), gc.get_freeze_count() > 0


@pytest.mark.usefixtures("collector")
@pytest.mark.parametrize("enabled", [True, False])
def test_a_build_leaves_the_collector_as_it_found_it(project: Path, enabled: bool):
    gc.enable() if enabled else gc.disable()
    result = build(load_config(project / "digest.yaml"))
    assert result.pages > 0
    assert gc.isenabled() is enabled
    assert gc.get_freeze_count() == 0  # what the build froze is collectable again: `digest serve` builds many times


@pytest.mark.usefixtures("collector")
def test_a_failed_build_leaves_the_collector_as_it_found_it(project: Path):
    issue = sorted((project / "issues").glob("????-??-??.yaml"))[0]
    issue.write_text(issue.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    gc.enable()
    with pytest.raises(DigestError):
        build(load_config(project / "digest.yaml"))
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector")
def test_the_collector_is_paused_while_views_load_and_skips_them_afterwards(project: Path, monkeypatch):
    seen: dict[str, tuple[bool, int]] = {}
    real_load, real_write = views_module.load_project, Writer.write_pages

    def load_project(*args, **kwargs):
        seen["load"] = (gc.isenabled(), gc.get_freeze_count())
        return real_load(*args, **kwargs)

    def write_pages(*args, **kwargs):
        seen["write"] = (gc.isenabled(), gc.get_freeze_count())
        return real_write(*args, **kwargs)

    monkeypatch.setattr(views_module, "load_project", load_project)
    monkeypatch.setattr(Writer, "write_pages", write_pages)
    gc.enable()
    build(load_config(project / "digest.yaml"))
    assert seen["load"] == (False, 0)
    enabled, frozen = seen["write"]
    assert enabled and frozen > 0


@pytest.mark.usefixtures("collector")
def test_what_a_build_loaded_is_freed_unless_the_process_ends_after_it(project: Path, monkeypatch):
    """`digest build` ends its process once the build returns: freeing 3,650 views first would only cost time."""
    monkeypatch.setattr(gc_policy, "_UNTIL_EXIT", [])
    config = load_config(project / "digest.yaml")
    loaded: list[weakref.ref] = []

    def keep(what) -> None:
        loaded.append(weakref.ref(what.project))

    build(config, clean=True, keep=keep)
    gc.collect()
    assert loaded[-1]() is None
    build(config, clean=True, keep=keep, exiting=True)
    gc.collect()
    assert loaded[-1]() is not None
    assert gc.isenabled() and gc.get_freeze_count() == 0


@pytest.mark.usefixtures("collector")
def test_the_command_leaves_a_build_unfreed_only_when_its_process_ends_after_it(project: Path, monkeypatch):
    """`digest build` as a command (cli.run) ends its process after the build; cli.main called by a program
    that goes on (these tests) frees what each build loaded, as before."""
    monkeypatch.setattr(gc_policy, "_UNTIL_EXIT", [])
    argv = ["--config", str(project / "digest.yaml"), "build", "--clean"]
    assert cli.main(argv) == 0
    assert gc_policy._UNTIL_EXIT == []
    monkeypatch.setattr(cli, "_process_ends", True)
    assert cli.main(argv) == 0
    assert len(gc_policy._UNTIL_EXIT) == 1


@pytest.mark.usefixtures("collector")
def test_objects_frozen_before_a_build_stay_frozen():
    gc.freeze()
    before = gc.get_freeze_count()
    assert before > 0
    with BuildHeap() as heap:
        kept = [object() for _ in range(10)]
        heap.settle()
        assert gc.get_freeze_count() >= before
    assert gc.get_freeze_count() >= before
    assert kept


@pytest.mark.usefixtures("collector", "fork_ok")
@pytest.mark.skipif(not can_fork(), reason="worker processes are forked")
def test_worker_processes_collect_even_while_the_parent_has_paused_collecting():
    with BuildHeap():
        states = run_tasks(_collector_state, None, [1, 2, 3, 4], 2)
        assert not gc.isenabled()
    assert states == [(True, True)] * 4
