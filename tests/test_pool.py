"""build/pool.py: work handed out ahead comes back in order, whatever finishes first, and a
failing or dying worker fails the build clearly instead of hanging it."""

from __future__ import annotations

import os
import time

import pytest

from blogarchive.build.pool import Forked, WorkerFailed, Workers
from blogarchive.errors import PostError


def square_slowly(state: dict, batch: list[int]) -> list[tuple[int, int]]:
    """Each item squared, with the worker's PID; odd items take longer, so the workers
    finish out of step."""
    out = []
    for n in batch:
        time.sleep(0.002 * (n % 2))
        out.append((n * n, os.getpid()))
    return out


def add_offset(state: dict, batch: list[int]) -> list[int]:
    return [n + state.get("offset", 0) for n in batch]


def set_offset(state: dict, value: int) -> None:
    state["offset"] = value


def refuse_seven(state: dict, batch: list[int]) -> list[int]:
    for n in batch:
        if n == 7:
            raise PostError("posts/seven.md", 3, "seven is not allowed")
    return batch


def die_on_five(state: dict, batch: list[int]) -> list[int]:
    if 5 in batch:
        os._exit(3)
    return batch


def test_batches_handed_out_ahead_come_back_in_order_whichever_is_collected_first():
    with Workers(2, {}, threshold=1) as workers:
        batches = [workers.submit(square_slowly, list(range(k, k + 40))) for k in (0, 40, 80)]
        last = workers.collect(batches[2])  # the earlier two are read first, and kept
        first, middle = workers.collect(batches[0]), workers.collect(batches[1])
        pids = {pid for _, pid in first + middle + last}
    assert [n for n, _ in first + middle + last] == [k * k for k in range(120)]
    assert len(pids) == 2 and os.getpid() not in pids  # both workers took a share


def test_slices_come_in_order_and_map_advances_by_each_slice():
    items = list(range(300))
    shown: list[int] = []
    with Workers(2, {}, threshold=10) as workers:
        parts = list(workers.slices(add_offset, items))
        mapped = workers.map(add_offset, items, shown.append)
    assert [n for part in parts for n in part] == items == mapped
    assert len(parts) > 1 and sum(shown) == 300 and shown == [len(p) for p in parts]


def test_a_broadcast_reaches_the_workers_before_the_work_sent_after_it():
    state: dict = {}
    with Workers(2, state, threshold=1) as workers:
        before = workers.submit(add_offset, [1, 2, 3, 4])
        workers.broadcast(set_offset, 100)
        after = workers.submit(add_offset, [1, 2, 3, 4])
        assert workers.collect(after) == [101, 102, 103, 104]
        assert workers.collect(before) == [1, 2, 3, 4]
    assert state == {"offset": 100}  # this process too: workers forked later inherit it


def test_one_worker_or_little_work_runs_here_unforked():
    with Workers(1, {}) as workers:
        assert workers.collect(workers.submit(square_slowly, [3])) == [(9, os.getpid())]
        assert workers.map(square_slowly, [2, 4], lambda n: None) == [
            (4, os.getpid()),
            (16, os.getpid()),
        ]
        assert not workers.procs
    with Workers(2, {}, threshold=64) as workers:
        assert workers.map(square_slowly, [5]) == [(25, os.getpid())]
        assert workers.collect(workers.submit(square_slowly, [])) == []
        assert not workers.procs


def test_a_worker_raising_fails_the_collect_with_its_message_and_stops_the_workers():
    workers = Workers(2, {}, threshold=1)
    started = time.perf_counter()
    batches = [workers.submit(refuse_seven, list(range(k, k + 10))) for k in (0, 10, 20, 30)]
    with pytest.raises(WorkerFailed, match=r"posts/seven\.md:3: seven is not allowed"):
        workers.collect(batches[-1])
    assert not workers.procs and not workers.senders and not workers.pending
    assert time.perf_counter() - started < 5  # no wait for the batches still in flight


def test_a_worker_dying_fails_the_collect_naming_it():
    workers = Workers(2, {}, threshold=1)
    batch = workers.submit(die_on_five, list(range(10)))
    with pytest.raises(WorkerFailed, match=r"build worker \d died \(exit code"):
        workers.collect(batch)
    assert not workers.procs


def test_forked_work_runs_in_a_child_and_hands_back_its_result():
    outside = {"offset": 5}
    child = Forked(lambda: (os.getpid(), add_offset(outside, [1, 2])))
    pid, result = child.result()
    assert result == [6, 7] and pid != os.getpid()


def test_forked_work_that_raises_or_dies_fails_its_result_with_why():
    with pytest.raises(WorkerFailed, match="seven is not allowed"):
        Forked(lambda: refuse_seven({}, [7])).result()
    with pytest.raises(WorkerFailed, match=r"died \(exit code 3\)"):
        Forked(lambda: die_on_five({}, [5])).result()


def test_forked_work_cancelled_is_stopped_at_once():
    child = Forked(lambda: time.sleep(30))
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 5
