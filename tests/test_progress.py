"""Progress: a bar on a terminal, one summary line per phase elsewhere, nothing with -q."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from conftest import FIXTURE_POSTS, ROOT

from blogarchive import progress
from blogarchive.progress import Progress

DUMPS = sorted((ROOT / "dumps").glob("*.txt"))


def run(*args: str, cwd) -> subprocess.CompletedProcess:
    """The command as CI runs it: stdout and stderr are pipes, not a terminal."""
    return subprocess.run(
        [sys.executable, str(ROOT / "build.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_build_off_a_terminal_prints_one_line_per_phase_and_its_summary(tmp_path):
    done = run(
        "build",
        "--posts",
        str(FIXTURE_POSTS),
        "--out",
        "site",
        "--no-cache",
        "--base-url",
        "https://example.org/",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    posts = len(list(FIXTURE_POSTS.glob("*.md")))
    lines = done.stderr.splitlines()
    assert len(lines) == 3 and re.fullmatch(rf"convert: {posts} posts in \d+\.\d\d s", lines[0])
    assert re.fullmatch(r"render: \d+ files in \d+\.\d\d s", lines[1])
    assert re.fullmatch(r"search index: \d+ shards? in \d+\.\d\d s", lines[2])
    assert "\r" not in done.stderr and "\x1b" not in done.stderr
    assert len(done.stdout.splitlines()) == 1 and done.stdout.startswith("built ")


def test_an_import_off_a_terminal_prints_one_progress_line(tmp_path):
    done = run("import", *map(str, DUMPS), "--posts", "posts", "--report", "r.txt", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(rf"import: {len(DUMPS)} files in \d+\.\d\d s\n", done.stderr)


@pytest.mark.parametrize(
    "command",
    [
        ["import", *map(str, DUMPS), "--posts", "posts", "--report", "r.txt", "-q"],
        [
            "build",
            "--posts",
            str(FIXTURE_POSTS),
            "--out",
            "site",
            "--no-search",
            "--base-url",
            "https://example.org/",
            "--quiet",
        ],
    ],
)
def test_quiet_prints_nothing_on_success(tmp_path, command):
    done = run(*command, cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_bar_fills_and_is_erased(monkeypatch):
    monkeypatch.setattr(progress, "REDRAW_EVERY", 0.0)
    monkeypatch.setattr(sys, "stderr", Terminal())
    shown = Progress.for_stderr()
    with shown.phase("convert", 40, "post") as advance:
        for _ in range(4):
            advance(10)
    frames = sys.stderr.getvalue().split("\r\x1b[K")[1:]
    assert len(frames) == 6 and frames[-1] == ""  # drawn 5 times, then erased
    assert frames[0].startswith("convert [" + "-" * progress.BAR_WIDTH + "] 0/40 posts")
    assert frames[4].startswith("convert [" + "#" * progress.BAR_WIDTH + "] 40/40 posts")
    assert "\n" not in sys.stderr.getvalue()


def test_a_failed_phase_leaves_no_summary_and_an_empty_phase_is_silent():
    stream = io.StringIO()
    shown = Progress(stream)
    with pytest.raises(ValueError), shown.phase("render") as advance:
        advance(3)
        raise ValueError("broken template")
    with shown.phase("convert", 0, "post") as advance:
        pass
    assert stream.getvalue() == ""
    with Progress(None).phase("render", 5) as advance:  # quiet
        advance(5)
