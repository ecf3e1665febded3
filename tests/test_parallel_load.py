"""Loading the project in worker processes gives exactly what loading it in one process gives."""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import pickle
import re
import shutil
import signal
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields, replace
from pathlib import Path

import pytest
from conftest import synth_archive

import digest.build.views as project_module
import digest.build.workers as parallel
from digest.build.view_cache import NEWS_PATH, ViewCache
from digest.build.views import load_project
from digest.build.workers import can_fork
from digest.cli import main
from digest.editorial.config import load_config
from digest.editorial.issues import issue_files
from digest.editorial.lazy import Lazy
from digest.editorial.model import Entry, Issue
from digest.errors import DigestError
from digest.render.view import IssueView, PaperView

ROOT = Path(__file__).resolve().parent.parent
ISSUES = 30

pytestmark = pytest.mark.skipif(not can_fork(), reason="worker processes are forked")


@pytest.fixture(scope="module")
def archive_source(tmp_path_factory) -> Path:
    return synth_archive(tmp_path_factory, ISSUES, seed=3)


@pytest.fixture(autouse=True)
def _fork_ok(fork_ok):
    """Every test here is about the parallel path (see conftest.fork_ok)."""


class Pools:
    """Counts the pools load_project starts (the spy runs in this process, around the fork)."""

    def __init__(self, monkeypatch):
        self.runs: list[int] = []
        real = project_module.run_tasks

        def spy(fn, shared, tasks, workers):
            self.runs.append(len(tasks))
            return real(fn, shared, tasks, workers)

        monkeypatch.setattr(project_module, "run_tasks", spy)


def load(root: Path, jobs: str, monkeypatch, cache: bool = True):
    """load_project with DIGEST_JOBS=jobs and a view cache under root; (project, cache, pools started)."""
    with monkeypatch.context() as m:
        m.setenv("DIGEST_JOBS", jobs)
        config = load_config(root / "digest.yaml")
        view_cache = ViewCache(views_dir(root), config, "code") if cache else None
        pools = Pools(m)
        project = load_project(config, view_cache)
    return project, view_cache, pools.runs


def views_dir(root: Path) -> Path:
    return root / ".digest-cache" / "build" / "views"


def view_state(view) -> dict:
    """A view's fields, neighbours by URL (comparing them as views would recurse through the whole chain)."""
    out = {f.name: getattr(view, f.name) for f in fields(view) if f.name not in ("prev", "next")}
    # A cached issue keeps of its YAML document only where its news warnings point (cache.put).
    source = view.issue.source
    out["issue"] = replace(view.issue, source=None)
    out["news_at"] = source.where(NEWS_PATH) if source is not None else None
    out["prev"] = view.prev.url if view.prev else None
    out["next"] = view.next.url if view.next else None
    return out


def entries(root: Path) -> dict[str, object]:
    """The cache entries on disk, unpickled, by file name."""
    return {p.name: pickle.loads(p.read_bytes()) for p in sorted(views_dir(root).glob("*.pickle"))}


def assert_same(a, b) -> None:
    """Two loaded projects are the same: views, problems, issues."""
    assert [view_state(v) for v in a.views] == [view_state(v) for v in b.views]
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert [i.date for i in a.issues] == [i.date for i in b.issues]
    assert [v.issue is i for v, i in zip(a.views, a.issues)] == [v.issue is i for v, i in zip(b.views, b.issues)]


def expected_keys(root: Path, project, cache: ViewCache) -> list[str]:
    """The cache key of each view, computed from the files and the previous issue's `published`."""
    keys, previous = [], None
    for view in project.views:
        path = view.issue.path
        cands = path.with_name(path.name.replace(".yaml", ".candidates.json"))
        keys.append(cache.key(path, path.read_bytes(), cands.read_bytes() if cands.exists() else None, previous))
        previous = view.issue.published
    return keys


# ---------------------------------------------------------------- the same result

def test_sites_built_with_one_and_two_processes_are_byte_identical(archive: Path, tmp_path: Path,
                                                                   monkeypatch) -> None:
    other = tmp_path / "other"
    shutil.copytree(archive, other)
    sites = {}
    for jobs, root in (("1", archive), ("2", other)):
        with monkeypatch.context() as m:
            m.setenv("DIGEST_JOBS", jobs)
            pools = Pools(m)
            assert main(["--config", str(root / "digest.yaml"), "build", "--clean"]) == 0
        assert bool(pools.runs) == (jobs == "2")
        sites[jobs] = {p.relative_to(root / "site").as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                       for p in sorted((root / "site").rglob("*")) if p.is_file()}
    assert sites["1"] and sorted(sites["1"]) == sorted(sites["2"])
    assert [k for k in sites["1"] if sites["1"][k] != sites["2"][k]] == []
    # The same cache entries, under the same names (the key covers the project's path, hence the rename).
    assert len(list(views_dir(archive).glob("*.pickle"))) == ISSUES == len(list(views_dir(other).glob("*.pickle")))


def test_cold_load_is_the_same_in_workers(archive: Path, monkeypatch) -> None:
    serial, cache1, runs1 = load(archive, "1", monkeypatch)
    on_disk = {p.name: p.read_bytes() for p in views_dir(archive).glob("*.pickle")}
    shutil.rmtree(views_dir(archive))
    par, cache2, runs2 = load(archive, "2", monkeypatch)
    assert runs1 == [] and runs2 == [8]  # 2 workers x 4 contiguous ranges
    assert len(par.views) == ISSUES
    assert threading.active_count() == 1  # the pool is gone, threads included
    assert_same(serial, par)
    assert (cache1.hits, cache1.misses, cache1.used) == (cache2.hits, cache2.misses, cache2.used)
    assert (cache2.hits, cache2.misses, len(cache2.used)) == (0, ISSUES, ISSUES)
    # The workers stored the very bytes one process stores.
    assert {p.name: p.read_bytes() for p in views_dir(archive).glob("*.pickle")} == on_disk
    # A later serial load takes every view from what the workers stored.
    warm, cache3, _ = load(archive, "1", monkeypatch)
    assert (cache3.hits, cache3.misses) == (ISSUES, 0)
    assert_same(serial, warm)


def is_complete(obj) -> bool:
    """False while `obj` has deferred fields left in the cache file."""
    return "_lazy" not in obj.__dict__


def _objects(view) -> list:
    return [view, view.issue, *view.issue.entries, *view.papers]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cached_views_read_their_prose_only_when_it_is_used(archive: Path, monkeypatch, jobs) -> None:
    built, _, _ = load(archive, jobs, monkeypatch)
    # Stored views, built here or by workers, and views read from the cache wait for their first use.
    assert not any(is_complete(o) for v in built.views for o in _objects(v))
    warm, cache, _ = load(archive, jobs, monkeypatch)
    assert cache.hits == ISSUES
    assert not any(is_complete(o) for v in warm.views for o in _objects(v))
    view = warm.views[5]
    assert view.intro is not None  # one read fills in every object of that issue, and no other
    assert all(is_complete(o) for o in _objects(view))
    assert not any(is_complete(o) for v in warm.views[6:] for o in _objects(v))
    # The same as views built without a cache, field by field.
    fresh = load_project(load_config(archive / "digest.yaml"))
    assert all(is_complete(o) for v in fresh.views for o in _objects(v))

    def state(view) -> dict:
        return {k: v for k, v in view_state(view).items() if k != "source_key"}

    assert [state(v) for v in fresh.views] == [state(v) for v in warm.views]
    assert [[e.technical for e in v.issue.entries] for v in fresh.views] == \
        [[e.technical for e in v.issue.entries] for v in warm.views]


def test_a_cached_view_reads_back_every_left_out_field_as_built(archive: Path, monkeypatch) -> None:
    # Fields with a plain default (an entry's title, tagline, card prose) included: their defaults must not
    # stand in for what the cache file holds.
    load(archive, "1", monkeypatch)
    warm, cache, _ = load(archive, "1", monkeypatch)
    assert cache.hits == ISSUES
    fresh = load_project(load_config(archive / "digest.yaml"))

    def entries_first(view) -> list:
        # The first field read fills in every object of the issue: an entry's is the one to try.
        return [*view.issue.entries, view.issue, view, *view.papers]

    compared = 0
    for cached_view, fresh_view in zip(warm.views, fresh.views, strict=True):
        for cached, built in zip(entries_first(cached_view), entries_first(fresh_view), strict=True):
            for name in type(cached).deferred:
                assert getattr(cached, name) == getattr(built, name), (type(cached).__name__, name)
                compared += getattr(built, name) not in (None, [], {})
    assert compared > ISSUES * 20  # the archive's entries do have titles, scores and prose to read back


def test_no_class_of_a_view_keeps_a_default_where_a_left_out_field_belongs() -> None:
    classes = [IssueView, PaperView, Issue, Entry]
    assert {cls for cls in Lazy.__subclasses__()} == set(classes)  # a new one is checked here too
    assert [(cls.__name__, name) for cls in classes for name in cls.deferred if name in cls.__dict__] == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_stored_views_hold_no_more_of_their_documents_than_cached_ones(archive: Path, monkeypatch, jobs) -> None:
    # A freshly built and stored view keeps of its YAML document only what a view read from the cache keeps:
    # the whole located documents of a ten-year archive would cost a build about 200 MB.
    built, _, _ = load(archive, jobs, monkeypatch)
    warm, cache, _ = load(archive, jobs, monkeypatch)
    assert cache.hits == ISSUES
    kept = [(v.issue.source.data, v.issue.source.marks, v.issue.source.key_marks) for v in built.views]
    assert kept == [(v.issue.source.data, v.issue.source.marks, v.issue.source.key_marks) for v in warm.views]
    assert all(set(marks) <= {NEWS_PATH, ()} and data is None for data, marks, _ in kept)
    # Without a cache nothing is stored, and the view keeps its whole document.
    fresh, _, _ = load(archive, jobs, monkeypatch, cache=False)
    assert all(len(v.issue.source.marks) > 10 for v in fresh.views)


def test_prose_read_for_a_page_goes_back_to_the_cache_file_once_the_page_is_made(archive: Path, monkeypatch) -> None:
    from digest.build.writer import Writer, _Folders
    from digest.render.site import plan_pages

    load(archive, "1", monkeypatch)
    warm, cache, _ = load(archive, "1", monkeypatch)
    view = warm.views[4]
    job = next(p for p in plan_pages(warm.config, warm.views).pages if p.path == view.url + "index.html")
    out = archive / "made"
    writer = Writer(out, archive / "site", {}, release=cache.ledger.release)
    first = writer.make_one(job, _Folders(str(out)))
    # The page read the issue's prose, and gave it back: a worker process rendering 1,800 issue pages
    # one after another holds none of them.
    assert not any(is_complete(o) for o in _objects(view))
    page = (out / job.path).read_bytes()
    assert b"data-pagefind-body" in page and len(page) > 5000
    (out / job.path).unlink()
    # Read back when used again, it is the same.
    assert writer.make_one(job, _Folders(str(out)))[:2] == first[:2]
    assert (out / job.path).read_bytes() == page
    assert [[s for s in p.sections] for p in view.papers] == \
        [[s for s in p.sections] for p in load_project(load_config(archive / "digest.yaml")).views[4].papers]


def test_views_from_the_index_give_back_what_pages_read_of_them_beyond_the_newest_few(archive: Path,
                                                                                      monkeypatch) -> None:
    from digest.build.view_cache import ReadLedger
    from digest.build.writer import Writer, _Folders
    from digest.render.site import plan_pages

    stored, cache, _ = load(archive, "1", monkeypatch)
    cache.save_index(stored.views)
    for view in stored.views:
        os.utime(view.issue.path)  # saved after their news: a view with news to report is read in full
    project, cache, _ = load(archive, "1", monkeypatch)
    assert len(cache.index.served) == ISSUES
    plan = plan_pages(project.config, project.views)
    jobs = {p.path: p for p in plan.pages}
    out = archive / "made-from-index"
    writer = Writer(out, archive / "site", {}, release=cache.ledger.release)
    made = {}
    for view in project.views:
        rel = view.url + "index.html"
        writer.make_one(jobs[rel], _Folders(str(out)))
        made[rel] = (out / rel).read_bytes()
        (out / rel).unlink()
        # A worker making 1,800 issue pages holds the whole of only the last few views it read.
        filled = [v for v in project.views if "window" in v.__dict__]
        assert len(filled) <= ReadLedger.HEADS_KEPT
    first = project.views[0]
    assert "window" not in first.__dict__ and "papers" in first.__dict__  # as the index gave it
    # Made again, each page reads its view back and is the same; so is every field, whole or given back.
    for view in project.views[:3] + project.views[-3:]:
        rel = view.url + "index.html"
        writer.make_one(jobs[rel], _Folders(str(out)))
        assert (out / rel).read_bytes() == made[rel]
        (out / rel).unlink()
    config = load_config(archive / "digest.yaml")
    whole = ViewCache(views_dir(archive), config, "code")
    whole.use_index = False
    assert_same(project, load_project(config, whole))


def test_a_cache_entry_changed_during_the_build_is_a_clear_error(archive: Path, monkeypatch) -> None:
    load(archive, "1", monkeypatch)
    warm, _, _ = load(archive, "1", monkeypatch)
    victim = views_dir(archive) / (warm.views[3].source_key + ".pickle")
    raw = victim.read_bytes()
    victim.write_bytes(raw[:-3] + bytes([raw[-3] ^ 1]) + raw[-2:])
    with pytest.raises(DigestError) as caught:
        warm.views[3].papers[0].sections
    assert str(victim) in str(caught.value) and "run the build again" in str(caught.value)
    # Read again, the damaged entry is a miss, and the view is built anew.
    again, cache, _ = load(archive, "1", monkeypatch)
    assert (cache.hits, cache.misses) == (ISSUES - 1, 1)
    assert again.views[3].papers[0].sections == load_project(load_config(archive / "digest.yaml")).views[3].papers[0].sections


def test_hits_among_misses_are_the_same_in_workers(archive: Path, tmp_path: Path, monkeypatch) -> None:
    full, _, _ = load(archive, "2", monkeypatch)
    names = sorted(entries(archive))
    shutil.copytree(views_dir(archive), tmp_path / "views")
    results = {}
    for jobs in ("1", "2"):
        shutil.rmtree(views_dir(archive))
        shutil.copytree(tmp_path / "views", views_dir(archive))
        # No entries for the first four issues and three in the middle: the workers get hits and misses.
        for view in full.views[:4] + full.views[12:15]:
            (views_dir(archive) / (view.source_key + ".pickle")).unlink()
        project, cache, runs = load(archive, jobs, monkeypatch)
        assert bool(runs) == (jobs == "2")
        assert sorted(entries(archive)) == names  # stored again, nothing else kept
        results[jobs] = (project, cache.hits, cache.misses, cache.used)
    assert results["1"][1:] == results["2"][1:]
    assert results["2"][1:3] == (ISSUES - 7, 7)
    assert_same(results["1"][0], results["2"][0])


def test_views_from_the_index_read_as_the_views_they_stand_for(archive: Path, monkeypatch) -> None:
    stored, cache, _ = load(archive, "1", monkeypatch)
    cache.save_index(stored.views)
    for view in stored.views:
        os.utime(view.issue.path)  # saved after their news: a view with news to report is read in full
    for jobs in ("1", "2"):
        # No entries for issues 3, 5, 6 and 7: the fourth issue, found in the index by the scan, falls inside
        # the range the workers then load.
        for view in [stored.views[i] for i in (3, 5, 6, 7)]:
            (views_dir(archive) / (view.source_key + ".pickle")).unlink(missing_ok=True)
        project, cache, runs = load(archive, jobs, monkeypatch)
        assert bool(runs) == (jobs == "2")
        assert (cache.hits, cache.misses) == (ISSUES - 4, 4)
        # Workers read their hits in full (theirs go back pickled); the parent's scan had served four.
        assert len(cache.index.served) == (ISSUES - 4 if jobs == "1" else 4)
        indexed = project.views[4]
        assert "window" not in indexed.__dict__ and "papers" in indexed.__dict__  # read only when used
        config = load_config(archive / "digest.yaml")
        whole = ViewCache(views_dir(archive), config, "code")
        whole.use_index = False
        assert_same(project, load_project(config, whole))  # every field, read through the index's views
        assert "window" in indexed.__dict__


def test_errors_in_several_issues_are_reported_the_same(archive: Path, monkeypatch) -> None:
    files, _ = issue_files(load_config(archive / "digest.yaml"))
    # Loading errors (YAML syntax, a schema error, a damaged candidates file) and a rendering error, placed
    # so that ranges handed to workers start right after a file that does not load.
    text = files[6].read_text(encoding="utf-8")
    files[6].write_text(text.replace("\npapers:", "\npapers: [unclosed\n  - nope: :", 1), encoding="utf-8")
    text = files[17].read_text(encoding="utf-8")
    files[17].write_text(text.replace("\npapers:", "\nno_such_field: 1\npapers:", 1), encoding="utf-8")
    files[10].with_name(files[10].name.replace(".yaml", ".candidates.json")).write_text("{not json", encoding="utf-8")
    text = files[25].read_text(encoding="utf-8")
    assert "\nintro: |\n" in text
    files[25].write_text(text.replace("\nintro: |\n", "\nintro: |\n  See [@9999.99999].\n", 1), encoding="utf-8")
    projects = {}
    for jobs in ("1", "2"):
        shutil.rmtree(views_dir(archive), ignore_errors=True)
        projects[jobs], _, runs = load(archive, jobs, monkeypatch)
        assert bool(runs) == (jobs == "2")
    # The same problems (errors and warnings) in the same order: what `digest build` and `check` print.
    assert_same(projects["1"], projects["2"])
    errors = projects["2"].errors
    assert {Path(p.file).name for p in errors} == {files[6].name, files[17].name, files[25].name,
                                                   files[10].name.replace(".yaml", ".candidates.json")}
    for p in errors:
        assert re.fullmatch(r"issues/\d{4}-\d{2}-\d{2}\.(yaml|candidates\.json):[1-9]\d*:[1-9]\d*: .+", str(p)), str(p)
    assert len(projects["2"].views) == ISSUES - 2


# ---------------------------------------------------------------- source_key

def test_source_key_is_the_cache_key_for_fresh_and_cached_views(archive: Path, monkeypatch) -> None:
    # Serial loads give the same views, source_key included (test_cold_load_is_the_same_in_workers).
    fresh, cache, runs = load(archive, "2", monkeypatch)
    assert runs
    keys = expected_keys(archive, fresh, cache)
    assert [v.source_key for v in fresh.views] == keys
    assert sorted(k + ".pickle" for k in keys) == sorted(entries(archive))
    # Stored with it, and set again when taken from the cache.
    assert all(e["view"].source_key == e["key"] for e in entries(archive).values())
    cached, cache, _ = load(archive, "2", monkeypatch)
    assert cache.hits == ISSUES
    assert [v.source_key for v in cached.views] == keys


def test_source_key_is_none_when_not_cacheable(archive: Path, monkeypatch) -> None:
    project, _, runs = load(archive, "2", monkeypatch, cache=False)
    assert runs
    assert len(project.views) == ISSUES and all(v.source_key is None for v in project.views)
    # A file that cannot be read for the key (too large, unreadable) is built but not cached.
    files, _ = issue_files(load_config(archive / "digest.yaml"))
    real = project_module._read
    results = {}
    for jobs in ("1", "2"):
        shutil.rmtree(views_dir(archive), ignore_errors=True)
        with monkeypatch.context() as m:
            m.setattr(project_module, "_read", lambda p: None if p == files[20] else real(p))
            project, cache, _ = load(archive, jobs, m)
        results[jobs] = [v.source_key for v in project.views]
        assert len(cache.used) == ISSUES - 1
    assert results["1"] == results["2"]
    assert [i for i, k in enumerate(results["2"]) if k is None] == [20]


# ---------------------------------------------------------------- when workers are used

def test_few_misses_or_other_threads_stay_in_one_process(archive: Path, monkeypatch) -> None:
    # Forking while another thread runs could leave a lock held forever in the child.
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        project, cache, runs = load(archive, "2", monkeypatch)
    finally:
        stop.set()
        thread.join()
    assert runs == [] and cache.misses == ISSUES
    for view in project.views[-project_module.MIN_PARALLEL + 1:]:
        (views_dir(archive) / (view.source_key + ".pickle")).unlink()
    _, cache, runs = load(archive, "2", monkeypatch)
    assert runs == [] and cache.misses == project_module.MIN_PARALLEL - 1


# ---------------------------------------------------------------- failures in workers

def _failing(monkeypatch, *, view_date=None, load_name=None) -> None:
    """Make building one issue's view (ValueError) and/or loading one file (RuntimeError) fail."""
    real_view, real_load = project_module.build_issue_view, project_module.load_issue

    def view(issue, *a, **k):
        if str(issue.date) == view_date:
            raise ValueError(f"view of {issue.date} failed")
        return real_view(issue, *a, **k)

    def load_issue(path, *a, **k):
        if path.name == load_name:
            raise RuntimeError(f"loading {path.name} failed")
        return real_load(path, *a, **k)

    monkeypatch.setattr(project_module, "build_issue_view", view)
    monkeypatch.setattr(project_module, "load_issue", load_issue)


def test_an_exception_in_a_worker_is_raised_as_in_one_process(archive: Path, monkeypatch) -> None:
    files, _ = issue_files(load_config(archive / "digest.yaml"))
    cases = [dict(view_date=files[20].stem), dict(view_date=files[4].stem, load_name=files[27].name)]
    for case in cases:
        raised = {}
        for jobs in ("1", "2"):
            shutil.rmtree(views_dir(archive), ignore_errors=True)  # the serial run stored the views before the failure
            with monkeypatch.context() as m:
                _failing(m, **case)
                m.setenv("DIGEST_JOBS", jobs)
                config = load_config(archive / "digest.yaml")
                with pytest.raises(Exception) as info:
                    load_project(config, ViewCache(views_dir(archive), config, "code"))
            raised[jobs] = info.value
        assert type(raised["1"]) is type(raised["2"]) and str(raised["1"]) == str(raised["2"])
        # A loading error comes before any building error, as in one process.
        assert isinstance(raised["2"], RuntimeError if "load_name" in case else ValueError)
        assert isinstance(raised["2"].__cause__, parallel.WorkerTraceback)
        assert "Traceback" in str(raised["2"].__cause__)


def test_workers_never_print(archive: Path, monkeypatch, capfd) -> None:
    real = project_module.build_issue_view

    def noisy(*a, **k):
        print("printed by a worker")
        print("printed by a worker", file=sys.stderr)
        os.write(2, b"printed by a worker\n")
        return real(*a, **k)

    monkeypatch.setattr(project_module, "build_issue_view", noisy)
    _, _, runs = load(archive, "2", monkeypatch, cache=False)
    assert runs
    out = capfd.readouterr()
    assert "printed by a worker" not in out.out + out.err


def test_ctrl_c_stops_the_workers_at_once(archive: Path, monkeypatch) -> None:
    real = project_module.build_issue_view

    def slow(*a, **k):
        time.sleep(1)
        return real(*a, **k)

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    monkeypatch.setattr(project_module, "build_issue_view", slow)
    monkeypatch.setenv("DIGEST_JOBS", "2")
    previous = signal.signal(signal.SIGALRM, interrupt)
    started = time.monotonic()
    try:
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        with pytest.raises(KeyboardInterrupt):
            load_project(load_config(archive / "digest.yaml"))  # 30 slow views: 15 s with two workers
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert time.monotonic() - started < 5
    assert multiprocessing.active_children() == []
    assert threading.active_count() == 1


def test_a_worker_that_dies_is_an_error_not_a_hang(archive: Path, monkeypatch) -> None:
    # Killed, out of memory, os._exit in a library: the load fails at once.
    def die(*a, **k):
        os._exit(3)

    monkeypatch.setattr(project_module, "build_issue_view", die)
    monkeypatch.setenv("DIGEST_JOBS", "2")
    with pytest.raises(BrokenProcessPool):
        load_project(load_config(archive / "digest.yaml"))
    assert multiprocessing.active_children() == []
    assert threading.active_count() == 1  # nothing of the pool is left: the next load may fork again


_ORPHAN_SCRIPT = """
import os, sys, time
from pathlib import Path
import digest.build.views as project_module
from digest.editorial.config import load_config

real = project_module.build_issue_view

def slow(*a, **k):
    Path(sys.argv[2], str(os.getpid())).touch()
    time.sleep(60)
    return real(*a, **k)

project_module.build_issue_view = slow
project_module.load_project(load_config(Path(sys.argv[1]) / "digest.yaml"))
"""


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")  # a zombie is dead, waiting for whoever adopted it


def test_workers_die_with_their_parent(archive: Path, tmp_path: Path) -> None:
    # Else a killed `digest nightly` would leave workers holding the project lock for ever.
    import subprocess

    pids = tmp_path / "pids"
    pids.mkdir()
    env = dict(os.environ, DIGEST_JOBS="2", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _ORPHAN_SCRIPT, str(archive), str(pids)], env=env)
    try:
        deadline = time.monotonic() + 20
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p.name) for p in pids.iterdir()]
        assert len(workers) == 2 and proc.pid not in workers
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in workers if not _gone(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)  # do not leave them behind when the test fails
    assert left == []


# ---------------------------------------------------------------- one call in a forked process

def _add(a: int, b: int) -> int:
    return a + b


def _fail(message: str) -> None:
    raise ValueError(message)


def _unpicklable_failure() -> None:
    raise ValueError(lambda: None)


def _exit_at_once() -> None:
    os._exit(7)


def _sleep_then_touch(path: str) -> None:
    time.sleep(3)
    Path(path).touch()


def _print_loudly() -> int:
    print("printed by a forked call")
    os.write(2, b"printed by a forked call\n")
    return 1


def test_a_forked_call_returns_what_the_function_returns() -> None:
    call = parallel.ForkedCall(_add, 2, 3)
    assert call.result() == 5


def test_a_forked_call_raises_what_the_function_raised() -> None:
    with pytest.raises(ValueError, match="no such page"):
        parallel.ForkedCall(_fail, "no such page").result()
    # An exception that cannot travel back is described instead of lost.
    with pytest.raises(RuntimeError, match="ValueError"):
        parallel.ForkedCall(_unpicklable_failure).result()


def test_a_forked_call_that_dies_is_an_error_not_a_hang() -> None:
    with pytest.raises(RuntimeError, match="without an answer"):
        parallel.ForkedCall(_exit_at_once).result()


def test_a_killed_forked_call_stops_at_once(tmp_path: Path) -> None:
    marker = tmp_path / "touched"
    call = parallel.ForkedCall(_sleep_then_touch, str(marker))
    pid = call.pid
    call.kill()
    assert _gone(pid)
    time.sleep(3.5)
    assert not marker.exists()


def test_a_forked_call_never_prints(capfd) -> None:
    assert parallel.ForkedCall(_print_loudly).result() == 1
    out = capfd.readouterr()
    assert "printed by a forked call" not in out.out + out.err


@pytest.mark.parametrize("how", ["process", "thread"])
def test_work_beside_the_caller_returns_or_raises_the_same_in_a_process_or_a_thread(how, monkeypatch) -> None:
    if how == "thread":  # what happens whenever forking is unsafe (other threads running, `digest serve`)
        monkeypatch.setattr(parallel, "can_fork_now", lambda: False)
    beside = parallel.Beside(_add, 2, 3)
    assert (beside.process is not None) == (how == "process")
    assert beside.result() == 5
    with pytest.raises(ValueError, match="no such page"):
        parallel.Beside(_fail, "no such page").result()


def test_a_build_that_fails_stops_the_published_folder_walk(archive: Path, monkeypatch) -> None:
    started = []
    real = parallel.Beside

    def spy(*args, **kwargs):
        beside = real(*args, **kwargs)
        started.append(beside)
        return beside

    monkeypatch.setattr(parallel, "Beside", spy)
    assert main(["--config", str(archive / "digest.yaml"), "build"]) == 0
    issue = sorted((archive / "issues").glob("????-??-??.yaml"))[-1]
    issue.write_text(issue.read_text(encoding="utf-8") + "\n  bad: [unclosed\n", encoding="utf-8")
    started.clear()
    assert main(["--config", str(archive / "digest.yaml"), "build"]) != 0
    assert started and all(b.process is None or b.process.pid is None for b in started)  # killed and reaped
