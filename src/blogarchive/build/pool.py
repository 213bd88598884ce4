"""Long-lived forked workers that each keep their own state between build steps.

A task is a module-level function `task(state, batch) -> results`; it is sent to the workers
by name (pickled by reference), the state never is. Results come back in the order the items
were given, so output never depends on the number of workers or on scheduling. With one
worker (or little work) everything runs in this process, unforked.

Work can be handed out ahead (`submit`, then `collect`): each worker takes its messages in
the order sent, so the parent can go on with its own work (planning the next pages, finding
related posts) while the workers render, and a worker never waits for the others between
batches. A thread per worker writes its messages, so the parent never blocks on a full pipe.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import threading
import traceback
from multiprocessing.reduction import ForkingPickler
from typing import Any, Callable, Iterator

from ..errors import BlogArchiveError, OutputError

Task = Callable[[Any, Any], Any]  # (state, batch) -> results
PROGRESS_SLICES = 20  # a batch followed by a progress bar goes in this many parts


class WorkerFailed(BlogArchiveError):
    """A worker raised or died; the message says which and why."""


class Batch:
    """Items handed to the workers by `Workers.submit`: which of them each worker was sent,
    and, once collected, the results in the items' order."""

    def __init__(self, parts: list[list[int]], results: list | None = None):
        self.parts, self.results = parts, results


class Workers:
    """`map(task, items)` calls `task(state, batch)` in worker processes.

    `state` is built once, in this process, before any fork, so workers inherit it (the
    Jinja2 environment, settings, the cache) without pickling it."""

    def __init__(self, count: int, state: Any, threshold: int = 64):
        self.count, self.state, self.threshold = max(1, count), state, threshold
        self.procs: list = []
        self.conns: list = []
        self.outboxes: list[queue.SimpleQueue] = []  # pickled messages for each sender
        self.senders: list[threading.Thread] = []
        self.pending: collections.deque[Batch] = collections.deque()  # sent, not collected

    def map(self, task: Task, items: list, advance: Callable[[int], None] | None = None) -> list:
        """Results for `items`, in order, shared round robin; small batches run here, unforked.
        With `advance`, the items go in slices (`slices`), each followed by advance(its size)
        as its results come in, so a progress bar can follow."""
        if advance is None:
            return self.collect(self.submit(task, items))
        results: list = []
        for part in self.slices(task, items):
            results += part
            advance(len(part))
        return results

    def slices(self, task: Task, items: list) -> Iterator[list]:
        """The results for `items` in a few slices, in order, each as soon as it is in (every
        slice is sent at once: no worker waits for another between slices)."""
        size = max(self.threshold, -(-len(items) // PROGRESS_SLICES))
        starts = range(0, len(items), size)
        if self._here(len(items)):
            for s in starts:
                yield task(self.state, items[s : s + size])
            return
        for batch in [self.submit(task, items[s : s + size]) for s in starts]:
            yield self.collect(batch)

    def submit(self, task: Task, items: list) -> Batch:
        """Hand `items` to the workers, round robin, and return at once; `collect` gives the
        results. Run here and now when there is one worker, or few items and none started."""
        if not items:
            return Batch([], [])
        if self._here(len(items)):
            return Batch([], task(self.state, items))
        self._start()
        n = len(self.conns)
        parts = [list(range(w, len(items), n)) for w in range(n)]
        for w, idx in enumerate(parts):
            self.outboxes[w].put(ForkingPickler.dumps((task, [items[i] for i in idx])))
        batch = Batch(parts)
        self.pending.append(batch)
        return batch

    def collect(self, batch: Batch) -> list:
        """The results of a submitted batch, in its items' order (reading the replies to every
        batch sent before it first); WorkerFailed if a worker raised or died."""
        while batch.results is None:
            self._receive(self.pending.popleft())
        return batch.results

    def broadcast(self, task: Task, value) -> None:
        """Give every worker (and this process, which later workers fork from) the same value,
        pickled once. Returns at once: a worker that fails to take it fails the next collect."""
        task(self.state, value)
        if self.procs:
            message = ForkingPickler.dumps((task, value))
            for box in self.outboxes:
                box.put(message)
            self.pending.append(Batch([[] for _ in self.conns]))

    def _here(self, size: int) -> bool:
        return self.count == 1 or (size < self.threshold and not self.procs)

    def _receive(self, batch: Batch) -> None:
        """Read each worker's reply to `batch`, the oldest batch in flight."""
        results: list = [None] * sum(map(len, batch.parts))
        failure = None
        for w, (conn, idx) in enumerate(zip(self.conns, batch.parts)):
            status, payload = self._reply(w, conn)
            if status != "ok":
                failure = failure or payload
                continue
            for i, result in zip(idx, payload if idx else ()):
                results[i] = result
        if failure:
            self.close(abort=True)
            raise WorkerFailed(failure)
        batch.results = results

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
        for conn in self.conns:  # threads only once every worker is forked
            box: queue.SimpleQueue = queue.SimpleQueue()
            sender = threading.Thread(target=_send_all, args=(conn, box), daemon=True)
            sender.start()
            self.outboxes.append(box)
            self.senders.append(sender)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: each once it has done what it was sent, or at once (`abort`,
        after a failure: what is still in flight is of no use)."""
        stop = ForkingPickler.dumps(None)
        for box in self.outboxes:
            box.put(stop)
            box.put(None)  # its sender's end
        for proc in self.procs:
            if abort:
                proc.kill()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
        for sender in self.senders:
            sender.join()
        for conn in self.conns:
            conn.close()
        self.procs, self.conns, self.outboxes, self.senders = [], [], [], []
        self.pending.clear()

    def __enter__(self):
        return self

    def __exit__(self, kind, *exc):
        self.close(abort=kind is not None)


class Forked:
    """`work()` run in a child process forked now, which inherits everything it needs (no
    pickling but of its result): work that would otherwise hold this process's GIL runs
    beside it. `result()` waits for the value; WorkerFailed if the child raised or died.
    The child dies with this process."""

    def __init__(self, work: Callable[[], Any]):
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe(duplex=False)
        self._proc = ctx.Process(target=_run_once, args=(child, work, os.getpid()), daemon=True)
        try:
            self._proc.start()
        except OSError as exc:
            self._conn.close()
            raise OutputError(f"cannot start a build worker: {exc.strerror}") from None
        finally:
            child.close()

    def result(self) -> Any:
        try:
            status, payload = self._conn.recv()
        except (EOFError, OSError):
            self._proc.join()
            status = "died"
            payload = f"build worker {self._proc.pid} died (exit code {self._proc.exitcode})"
        finally:
            self._conn.close()
        self._proc.join()
        if status != "ok":
            raise WorkerFailed(payload)
        return payload

    def cancel(self) -> None:
        """Stop the child at once, if it still runs."""
        self._proc.kill()
        self._proc.join()
        self._conn.close()


def _run_once(conn, work: Callable[[], Any], parent: int) -> None:
    _die_with_parent(parent)
    gc.freeze()  # what the child inherited is never collected (nor its pages copied to look)
    gc.enable()  # the build paused it (pipeline.collector_paused); the child makes garbage
    try:
        conn.send(_answer(work))
    finally:
        os._exit(0)


def _answer(work: Callable[[], Any]) -> tuple[str, Any]:
    """('ok', what work() returned), or ('error', why it failed) for the parent to report."""
    try:
        return "ok", work()
    except BlogArchiveError as exc:
        return "error", str(exc)
    except BaseException:  # noqa: BLE001 - anything else is a bug: send its traceback home
        return "error", f"internal error in build worker {os.getpid()}:\n{traceback.format_exc()}"


def _send_all(conn, box: queue.SimpleQueue) -> None:
    """A sender thread: write each pickled message to the worker, in order, until told to stop
    (None); a worker gone ends it (its missing reply tells the parent)."""
    while (message := box.get()) is not None:
        try:
            conn.send_bytes(message)
        except (OSError, ValueError):
            return


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
    gc.freeze()
    gc.enable()  # as in _run_once
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            break
        if message is None:
            break
        task, batch = message
        reply = _answer(lambda: task(state, batch))
        try:
            conn.send(reply)
        except (OSError, ValueError):
            break
    os._exit(0)
