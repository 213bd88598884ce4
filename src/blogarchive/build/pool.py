"""Long-lived forked workers that each keep their own state between build steps.

A task is a module-level function `task(state, batch) -> results`; it is sent to the workers
by name (pickled by reference), the state never is. Results come back in the order the items
were given, so output never depends on the number of workers or on scheduling. With one
worker (or little work) everything runs in this process, unforked.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import traceback
from typing import Any, Callable

from ..errors import BlogArchiveError, OutputError

Task = Callable[[Any, Any], Any]  # (state, batch) -> results
PROGRESS_SLICES = 20  # a batch followed by a progress bar goes in this many parts


class WorkerFailed(BlogArchiveError):
    """A worker raised or died; the message says which and why."""


class Workers:
    """`map(task, items)` calls `task(state, batch)` in worker processes.

    `state` is built once, in this process, before any fork, so workers inherit it (the
    Jinja2 environment, settings, the cache) without pickling it."""

    def __init__(self, count: int, state: Any, threshold: int = 64):
        self.count, self.state, self.threshold = max(1, count), state, threshold
        self.procs: list = []
        self.conns: list = []

    def map(self, task: Task, items: list, advance: Callable[[int], None] | None = None) -> list:
        """Results for `items`, in order, shared round robin; small batches run here, unforked.
        With `advance`, the items go in a few slices, each followed by advance(its size), so a
        progress bar can follow."""
        if advance is None:
            return self._map(task, items)
        results: list = []
        size = max(self.threshold, -(-len(items) // PROGRESS_SLICES))
        for start in range(0, len(items), size):
            results += self._map(task, items[start : start + size])
            advance(len(results) - start)
        return results

    def _map(self, task: Task, items: list) -> list:
        if self.count == 1 or (len(items) < self.threshold and not self.procs):
            return task(self.state, items)
        self._start()
        n = len(self.conns)
        slots: list[list[int]] = [list(range(w, len(items), n)) for w in range(n)]
        for conn, idx in zip(self.conns, slots):
            conn.send((task, [items[i] for i in idx]))
        results: list = [None] * len(items)
        failure = None
        for w, (conn, idx) in enumerate(zip(self.conns, slots)):
            status, payload = self._reply(w, conn)
            if status != "ok":
                failure = failure or payload
                continue
            for i, result in zip(idx, payload):
                results[i] = result
        if failure:
            self.close()
            raise WorkerFailed(failure)
        return results

    def broadcast(self, task: Task, value) -> None:
        """Give every worker (and this process, which later workers fork from) the same value."""
        task(self.state, value)
        for conn in self.conns:
            conn.send((task, value))
        failure = None
        for w, conn in enumerate(self.conns):
            status, payload = self._reply(w, conn)
            if status != "ok":
                failure = failure or payload
        if failure:
            self.close()
            raise WorkerFailed(failure)

    def _reply(self, w: int, conn) -> tuple[str, Any]:
        """Worker w's answer: ('ok', results), or why there is none."""
        try:
            return conn.recv()
        except (EOFError, OSError):
            return "died", f"build worker {w + 1} died (exit code {self.procs[w].exitcode})"

    def _start(self) -> None:
        if self.procs:
            return
        ctx = multiprocessing.get_context("fork")
        for _ in range(self.count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, self.state, os.getpid()), daemon=True)
            try:
                proc.start()
            except OSError as exc:
                self.close()
                raise OutputError(f"cannot start a build worker: {exc.strerror}") from None
            child.close()
            self.procs.append(proc)
            self.conns.append(parent)

    def close(self) -> None:
        for conn in self.conns:
            try:
                conn.send(None)
                conn.close()
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
        self.procs, self.conns = [], []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent dies


def _die_with_parent(parent: int) -> None:
    """Have Linux kill this worker when the process that forked it dies (kill -9 included):
    a sibling worker holds an inherited end of this worker's pipe, so it would never see EOF
    and would wait forever. Elsewhere, or if the parent is already gone, nothing or exit."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def _serve(conn, state, parent: int) -> None:
    """A worker's loop: run each batch it is sent, answer ('ok', results) or ('error', message)."""
    _die_with_parent(parent)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        if message is None:
            break
        task, batch = message
        try:
            reply = ("ok", task(state, batch))
        except BlogArchiveError as exc:
            reply = ("error", str(exc))
        except BaseException:  # noqa: BLE001 - anything else is a bug: send its traceback home
            reply = (
                "error",
                f"internal error in build worker {os.getpid()}:\n{traceback.format_exc()}",
            )
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    os._exit(0)
