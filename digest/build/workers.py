"""Worker processes: how many a build may use, and running a list of tasks in forked workers, results in order.

Forked workers share the parent's memory as it was at the fork (the loaded config, the view cache, work
already done), so a task only names its part of the work and nothing else has to be pickled on the way in.
The workers never print (their output goes to /dev/null) and ignore Ctrl-C: the parent alone takes the
KeyboardInterrupt and ends them at once. Whatever a task raises is raised again in the parent.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .gc_policy import in_forked_child

ENV = "DIGEST_JOBS"

# What the parent shared with this worker process (set by _init in the worker, None in the parent).
_shared: Any = None


class WorkerTraceback(Exception):
    """The traceback of an exception raised in a worker process, attached as its __cause__."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    def __str__(self) -> str:
        return "\n\n" + self.text


def can_fork_now() -> bool:
    """True when forking workers is safe here and now.

    Not with other threads running: a lock one of them held at the fork stays held forever in the child
    (and Python 3.12+ warns about such forks). Not inside a daemonic process, which may not have children.
    """
    return (can_fork() and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


def run_tasks(fn: Callable[[Any, Any], Any], shared: Any, tasks: Sequence[Any], workers: int) -> list[Any]:
    """fn(shared, task) for every task, in up to `workers` forked processes; the results in task order.

    `fn` must be a module-level function; `shared` reaches the workers through the fork, unpickled.
    """
    before = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(tasks))),
                               mp_context=multiprocessing.get_context("fork"),
                               initializer=_init, initargs=(shared, os.getpid()))
    try:
        futures: list[Future] = [pool.submit(_call, fn, task) for task in tasks]
        results = [f.result() for f in futures]
    except BaseException:
        # Ctrl-C, a task's exception or a worker that died: nothing more is wanted from the others.
        _terminate(pool, before)
        raise
    pool.shutdown(wait=True)
    return results


class ForkedCall:
    """fn(*args) running in one forked child process while the caller goes on; result() waits for it.

    For work made of many short system calls (linking thousands of files): in a thread of this process
    each call would wait for the GIL whenever the main thread computes, here it runs on another CPU.
    What fn returns comes back pickled; what it raises is raised by result(). Only when can_fork_now().
    """

    def __init__(self, fn: Callable[..., Any], *args: Any):
        parent = os.getpid()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            status = 1
            try:
                os.close(read)
                _quiet_child(parent)
                try:
                    payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as exc:  # noqa: BLE001 - sent to the parent, which raises it
                    payload = pickle.dumps((False, sendable(exc)), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as fh:
                    fh.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self.pid: int | None = pid
        self.fd = read

    def result(self) -> Any:
        """Wait for the child; what fn returned (or raise what it raised)."""
        try:
            with os.fdopen(self.fd, "rb") as fh:
                data = fh.read()
        finally:
            self._reap()
        if not data:
            raise RuntimeError("a worker process ended without an answer")
        ok, value = pickle.loads(data)
        if not ok:
            raise value
        return value

    def kill(self) -> None:
        """End the child now (the caller gave up on it)."""
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.close(self.fd)
        except OSError:
            pass
        self._reap()

    def _reap(self) -> None:
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None


class Beside:
    """fn(*args) running beside the caller: in a ForkedCall when forking is safe now, else in a thread.

    For work made of system calls (walking or linking thousands of files) that would otherwise wait for the
    GIL whenever the caller computes. result() waits and returns what fn returned or raises what it raised;
    cancel() gives up on it (a process is killed, a thread is waited for).
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, name: str = "digest-beside"):
        self.process: ForkedCall | None = None
        self.thread: threading.Thread | None = None
        self._value: Any = None
        self._error: BaseException | None = None
        if can_fork_now():
            self.process = ForkedCall(fn, *args)
        else:
            self.thread = threading.Thread(target=self._run, args=(fn, args), name=name, daemon=True)
            self.thread.start()

    def _run(self, fn: Callable[..., Any], args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # noqa: BLE001 - raised again by result(), in the caller's thread
            self._error = exc

    def result(self) -> Any:
        """Wait for fn; what it returned (or raise what it raised)."""
        if self.process is not None:
            return self.process.result()
        assert self.thread is not None
        self.thread.join()
        if self._error is not None:
            raise self._error
        return self._value

    def cancel(self) -> None:
        """Stop (a process) or wait for (a thread) the work: the caller no longer wants it."""
        if self.process is not None:
            self.process.kill()
        elif self.thread is not None:
            self.thread.join()


def sendable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling, else a RuntimeError that says what it was."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - any failure: send a description instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def _init(shared: Any, parent: int) -> None:
    global _shared
    _shared = shared
    _quiet_child(parent)


def _quiet_child(parent: int) -> None:
    """What every worker process does first: die with the parent, leave the inherited heap to it (heap.py), leave
    Ctrl-C to it, print nothing."""
    _die_with(parent)
    in_forked_child()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and then ends this process
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A library never prints, and a worker even less: not from Python, not from C code writing to fd 1 or 2.
    devnull = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - lives as long as the process
    try:
        os.dup2(devnull.fileno(), 1)
        os.dup2(devnull.fileno(), 2)
    except OSError:
        pass
    sys.stdout = sys.stderr = devnull


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when the parent dies (Linux).

    Otherwise a worker whose parent was killed waits for work forever, keeping the parent's open files,
    the project lock (an flock) among them, so every later run would find the project locked.
    """
    prctl = _prctl()
    if prctl is not None:
        _set_death_signal(prctl, parent)


def dies_with_caller() -> Callable[[], None] | None:
    """A subprocess `preexec_fn` that has the kernel kill the program when this process dies (Linux); None
    elsewhere. The calling thread must wait for the program (the signal comes when that thread ends).

    For programs that write into a build's folder (Pagefind): left running after the build was killed, one
    would write its output there after the next build had removed the folder as stale, making it again.
    """
    prctl = _prctl()  # looked up here: the child of a threaded process should only call it
    if prctl is None:
        return None
    return functools.partial(_set_death_signal, prctl, os.getpid())


def _prctl() -> Callable[..., int] | None:
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


def _set_death_signal(prctl: Callable[..., int], parent: int) -> None:
    prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)  # the parent died before prctl took effect


def _call(fn: Callable[[Any, Any], Any], task: Any) -> Any:
    return fn(_shared, task)


def _terminate(pool: ProcessPoolExecutor, before: set) -> None:
    """End the pool's processes now instead of letting them finish their tasks."""
    # ProcessPoolExecutor has no public way to stop running tasks before Python 3.14 (terminate_workers);
    # children started since `before` count too: Ctrl-C may land between a fork and the pool noting it.
    processes = set((getattr(pool, "_processes", None) or {}).values())
    processes |= set(multiprocessing.active_children()) - before
    manager = getattr(pool, "_executor_manager_thread", None)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        try:
            process.kill()
        except (OSError, ValueError, AttributeError):
            pass
    for process in processes:
        try:
            process.join(timeout=5)
        except (OSError, ValueError, AssertionError, AttributeError):
            pass
    # The pool's own thread reaps the workers too; once it is done nothing of the pool is left, and a
    # later load in this process may fork again (see can_fork_now).
    if manager is not None and manager is not threading.current_thread():
        manager.join(timeout=5)



def worker_count(default_max: int = 8, *, forked: bool = True) -> int:
    """$DIGEST_JOBS when it is a positive integer, else the CPUs this process may use (at most `default_max`).

    1 means: do everything in this process. For forked workers (`forked`), platforms without fork(2) always
    get 1, because workers there would have to re-import and re-load the project, which costs more than it
    saves; other parallel work (programs run side by side) does not depend on fork.
    """
    if forked and not can_fork():
        return 1
    raw = os.environ.get(ENV, "").strip()
    if raw.isascii() and raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, default_max))


def can_fork() -> bool:
    """True where worker processes can be forked from this one (Linux, BSDs; not Windows or macOS by default)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
