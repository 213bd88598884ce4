"""Long-lived forked workers that each keep their own state between build steps.

A post is converted in step one and its page rendered in step two; sending the page to the
worker that converted the post lets it use the HTML still in its memory. Results come back
in the order the items were given, so output never depends on the number of workers or on
scheduling. With one worker (or little work) everything runs in this process, unforked.
"""
from __future__ import annotations

import multiprocessing
import os
import traceback
from typing import Any, Callable

from .errors import BlogArchiveError, OutputError


class WorkerFailed(BlogArchiveError):
    """A worker raised or died; the message says which and why."""


class Workers:
    """`map(method, items)` calls `getattr(state, method)(batch)` in worker processes.

    `state` is built once, in this process, before any fork, so workers inherit it (the
    Jinja2 environment, settings, the cache) without pickling it."""

    def __init__(self, count: int, state: Any, threshold: int = 64):
        self.count, self.state, self.threshold = max(1, count), state, threshold
        self.procs: list = []
        self.conns: list = []

    def map(self, method: str, items: list, owner: Callable[[int, Any], int] | None = None) -> list:
        """Results for `items`, in order. `owner(i, item)` picks the worker for an item
        (default: round robin); small batches run here, unforked."""
        if self.count == 1 or (len(items) < self.threshold and not self.procs):
            return getattr(self.state, method)(items)
        self._start()
        n = len(self.conns)
        slots: list[list[int]] = [[] for _ in range(n)]
        for i, item in enumerate(items):
            slots[(owner(i, item) if owner else i) % n].append(i)
        for conn, idx in zip(self.conns, slots):
            conn.send((method, [items[i] for i in idx]))
        results: list = [None] * len(items)
        failure = None
        for w, (conn, idx) in enumerate(zip(self.conns, slots)):
            try:
                status, payload = conn.recv()
            except (EOFError, OSError):
                status, payload = "died", f"build worker {w + 1} died (exit code {self.procs[w].exitcode})"
            if status != "ok":
                failure = failure or payload
                continue
            for i, result in zip(idx, payload):
                results[i] = result
        if failure:
            self.close()
            raise WorkerFailed(failure)
        return results

    def broadcast(self, method: str, value) -> None:
        """Give every worker (and this process, which later workers fork from) the same value."""
        getattr(self.state, method)(value)
        for conn in self.conns:
            conn.send((method, value))
        failure = None
        for w, conn in enumerate(self.conns):
            try:
                status, payload = conn.recv()
            except (EOFError, OSError):
                status, payload = "died", f"build worker {w + 1} died (exit code {self.procs[w].exitcode})"
            if status != "ok":
                failure = failure or payload
        if failure:
            self.close()
            raise WorkerFailed(failure)

    def worker_of(self, i: int) -> int:
        """Which worker round-robin sends item i to (for `owner` in a later step)."""
        return i % self.count

    def _start(self) -> None:
        if self.procs:
            return
        ctx = multiprocessing.get_context("fork")
        for _ in range(self.count):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(child, self.state), daemon=True)
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


def _serve(conn, state) -> None:
    """A worker's loop: run each batch it is sent, answer ('ok', results) or ('error', message)."""
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        if message is None:
            break
        method, batch = message
        try:
            reply = ("ok", getattr(state, method)(batch))
        except BlogArchiveError as exc:
            reply = ("error", str(exc))
        except BaseException:  # noqa: BLE001 - anything else is a bug: send its traceback home
            reply = ("error", f"internal error in build worker {os.getpid()}:\n{traceback.format_exc()}")
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    os._exit(0)
