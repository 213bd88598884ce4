"""Faults during a build: kill -9 at random moments, a second build at once, a full disk.

Afterwards the previous site is intact (every file as the last finished build wrote it),
the next build succeeds, and no temporary folder outlives it.
"""

from __future__ import annotations

import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blogarchive.build import BuildOptions, build
from blogarchive.config import Config

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402

CONFIG = "base_url: https://example.org/\nposts_per_page: 10\nfeed_limit: 20\n"


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.endswith(".blogarchive-tmp"))


def command(work: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "build.py"),
        "build",
        "--posts",
        str(work / "posts"),
        "--out",
        str(work / "site"),
        "--config",
        str(work / "site.yaml"),
        "--cache",
        str(work / "cache"),
        "--dumps",
        str(work / "no-dumps"),
        "--no-search",
        *extra,
    ]


@pytest.fixture()
def work(tmp_path):
    corpus.write(250, tmp_path / "posts", seed=3)
    (tmp_path / "site.yaml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def edit(work: Path, n: int) -> None:
    post = sorted((work / "posts").glob("*.md"))[n % 250]
    post.write_text(post.read_text("utf-8") + f"\nEdit number {n}.\n", "utf-8")


@pytest.mark.slow
def test_kill_9_at_random_moments_never_damages_the_site(work):
    subprocess.run(command(work), check=True, capture_output=True)
    good = tree(work / "site")
    typical = {}
    for kind in ("--no-cache", "--timings"):  # a cold build, and a cached one after an edit
        edit(work, 99)
        started = time.perf_counter()
        subprocess.run(command(work, kind), check=True, capture_output=True)
        typical[kind] = time.perf_counter() - started
    good = tree(work / "site")
    rng = random.Random(20261123)
    kills = attempts = 0
    for n in range(80):  # until 24 kills land mid-build
        if kills >= 24:
            break
        attempts += 1
        edit(work, n)
        kind = "--no-cache" if n % 2 == 0 else "--timings"
        proc = subprocess.Popen(
            command(work, kind),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.02, 0.6 * typical[kind]))  # typical was timed on a busy machine
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the build and its workers, mid-stride
            kills += 1
        proc.wait()
        now = tree(work / "site")
        if now != good:  # the kill came after the swap: a whole new site
            assert proc.returncode == 0 or "index.html" in now
            done = subprocess.run(command(work), capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            good = tree(work / "site")
            continue
        done = subprocess.run(command(work), capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert leftovers(work) == [], "a killed build's temp folders outlived the next build"
        good = tree(work / "site")
    print(
        f"\n{kills} of {attempts} builds killed with -9 (cold {typical['--no-cache']:.2f} s, "
        f"warm {typical['--timings']:.2f} s); the site was whole after every one"
    )
    assert kills >= 20, f"only {kills} of {attempts} builds were still running when killed"
    reference = work / "reference"
    build(
        work / "posts",
        reference,
        Config(base_url="https://example.org/", posts_per_page=10, feed_limit=20),
        BuildOptions(jobs=1),
    )
    assert tree(work / "site") == tree(reference)


def test_a_second_build_is_refused_while_the_first_runs(work):
    first = subprocess.Popen(
        command(work, "--no-cache", "--jobs", "1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 30
    while not (work / ".site.lock").exists() and time.time() < deadline:
        time.sleep(0.01)
    second = subprocess.run(command(work), capture_output=True, text=True)
    first.wait()
    assert first.returncode == 0
    assert second.returncode != 0 and "Traceback" not in second.stderr
    assert f"another build (PID {first.pid}) is writing this folder" in second.stderr
    assert tree(work / "site")  # the first build's site, whole


def test_a_full_disk_fails_clearly_and_leaves_the_previous_site(work):
    subprocess.run(command(work), check=True, capture_output=True)
    before = tree(work / "site")
    edit(work, 1)

    def small_files_only():  # every file over 8 KB fails to write, as on a full disk
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    for extra in ((), ("--no-cache",)):
        done = subprocess.run(
            command(work, *extra), capture_output=True, text=True, preexec_fn=small_files_only
        )
        assert done.returncode != 0, done.stdout
        assert "Traceback" not in done.stderr and "File too large" in done.stderr, done.stderr
        assert tree(work / "site") == before
        assert leftovers(work) == []
    assert subprocess.run(command(work), capture_output=True).returncode == 0
