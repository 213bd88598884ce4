"""Kill -9 of `import`: every post stays whole, the manifest stays true, the next run succeeds.

An import writes each post to a temp file and renames it into place, and keeps
posts/.import-manifest.json (the hashes of what it wrote) true at every instant: before
replacing files it records their new hashes beside the old ones, after it keeps only the new.
So whenever the process dies, each post is the old or the new version, never a mix; every
post the loader wrote is still recognised as the loader's (not mistaken for a person's edit
and kept forever); a person's edits and deletions are still respected; and the next run
removes the temp files a killed run left and brings every post up to date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blogarchive import import_report, post_writer
from blogarchive.cli import main
from blogarchive.fsutil import TEMP_SUFFIX
from blogarchive.loader import load_dumps
from blogarchive.post import from_markdown, to_markdown

ROOT = Path(__file__).resolve().parents[1]
KILLS = int(os.environ.get("BLOGARCHIVE_KILLS", "24"))


def synthetic_dumps(version: int, dumps: int = 4, posts: int = 400) -> dict[str, str]:
    """Dumps shaped like the real ones; every post's text changes with `version`."""
    out = {}
    for d in range(dumps):
        lines = [f"Archive for the ‘Category {d}’ Category", ""]
        for k in range(posts):
            day = dt.date(2015, 12, 31) - dt.timedelta(days=k)
            lines += [
                f"Post {d}-{k} about local democracy",
                "",
                f"{day:%B} {day.day}, {day.year} {k % 7} comments",
                "",
            ]
            for p in range(4):
                lines += [
                    f"Paragraph {p} of post {d}-{k}, revision {version}, with enough words "
                    f"to be prose{' and a footnote marker [1]' if p == 1 else ''} here.",
                    "",
                ]
            lines += [
                f"[1] The note of post {d}-{k}, revision {version}.",
                "",
                f"Categories: Category {d}, Shared",
                "",
            ]
        out[f"{d:03d}_synthetic.txt"] = "\n".join(lines) + "\n"
    return out


def expected_posts(version: int) -> dict[str, bytes]:
    """File name -> bytes a complete import of this version writes."""
    result = load_dumps([(name, text, None) for name, text in synthetic_dumps(version).items()])
    return {f"{p.slug}.md": to_markdown(p).encode("utf-8") for p in result.posts}


def write_dumps(folder: Path, version: int) -> list[str]:
    folder.mkdir(exist_ok=True)
    for name, text in synthetic_dumps(version).items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(str(p) for p in folder.glob("*.txt"))


def import_cmd(work: Path) -> list[str]:
    return [
        sys.executable,
        str(ROOT / "build.py"),
        "import",
        *sorted(str(p) for p in (work / "dumps").glob("*.txt")),
        "--posts",
        str(work / "posts"),
        "--report",
        str(work / "report.txt"),
    ]


def run_import(work: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run(import_cmd(work), capture_output=True, text=True, env=env, timeout=600)


def manifest(posts: Path) -> dict[str, set[str]]:
    files = json.loads((posts / ".import-manifest.json").read_text(encoding="utf-8"))["files"]
    return {k: {v} if isinstance(v, str) else set(v) for k, v in files.items()}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def temps(work: Path) -> list[Path]:
    return sorted(p for p in work.rglob(f"*{TEMP_SUFFIX}"))


def check_after_kill(
    posts: Path, allowed: dict[str, set[bytes]], edited: dict[str, bytes], deleted: set[str]
) -> None:
    """Each post whole (one of the allowed versions) and known to the manifest as the loader's."""
    recorded = manifest(posts)
    for path in sorted(posts.glob("*.md")):
        data = path.read_bytes()
        from_markdown(data.decode("utf-8"), str(path))  # parses: nothing half-written
        if path.name in edited:
            assert data == edited[path.name], path
            continue
        assert data in allowed[path.name], path
        assert sha(data) in recorded.get(path.name, set()), f"{path.name}: not in the manifest"
    assert not any((posts / name).exists() for name in deleted)


@pytest.mark.slow
def test_kill_minus_nine_during_import(tmp_path, record_property):
    work = tmp_path
    posts = work / "posts"
    write_dumps(work / "dumps", 0)
    started = time.perf_counter()
    first = run_import(work)
    typical = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    versions = {0: expected_posts(0)}
    assert {p.name for p in posts.glob("*.md")} == set(versions[0])
    # A person's edit and a person's deletion must survive every kill and every re-run.
    edited_name, deleted_name = sorted(versions[0])[5], sorted(versions[0])[7]
    (posts / edited_name).write_bytes(versions[0][edited_name] + b"\nMy own correction.\n")
    (posts / deleted_name).unlink()
    edited = {edited_name: (posts / edited_name).read_bytes()}
    rng = random.Random(8)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    current, survived, finished, leftovers = 0, 0, 0, 0
    for kill in range(KILLS):
        target = current + 1
        versions[target] = expected_posts(target)
        write_dumps(work / "dumps", target)
        proc = subprocess.Popen(
            import_cmd(work), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        time.sleep(rng.uniform(0, typical))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        else:
            finished += 1
        proc.wait()
        allowed = {
            name: {versions[current].get(name), versions[target].get(name)} - {None}
            for name in set(versions[current]) | set(versions[target])
        }
        check_after_kill(posts, allowed, edited, {deleted_name})
        leftovers += len(temps(work))
        # The next run (a newer version again) succeeds and brings every post up to date.
        current = target + 1
        versions[current] = expected_posts(current)
        write_dumps(work / "dumps", current)
        done = run_import(work)
        assert done.returncode == 0, done.stderr
        assert f"kept {edited_name}: you edited it" in done.stdout
        assert f"not recreated {deleted_name}" in done.stdout
        assert "kept because edited 1," in done.stdout, done.stdout
        for name, data in versions[current].items():
            if name not in edited and name != deleted_name:
                assert (posts / name).read_bytes() == data, name
        assert (posts / edited_name).read_bytes() == edited[edited_name]
        assert all(len(v) == 1 for v in manifest(posts).values())
        assert temps(work) == []
        survived += 1
        del versions[target]
    record_property("kills", survived)
    record_property("finished_before_kill", finished)
    record_property("temp_files_left_by_kills", leftovers)
    record_property("typical_import_seconds", round(typical, 2))
    assert survived == KILLS and finished < KILLS // 2


# ---------------------------------------------------------------------------------------
# The same guarantees, deterministically: the process dies after the n-th file write.


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not even `except Exception`)."""


DUMP = "Archive for the ‘News’ Category\n\n" + "".join(
    f"Post number {k}\n\nMay {k + 1}, 2015 1 comment\n\nBody {{v}} of post {k}, long enough.\n\n"
    for k in range(6)
)


def _dump(tmp_path: Path, version: str) -> str:
    path = tmp_path / "d.txt"
    path.write_text(DUMP.replace("{v}", version), encoding="utf-8")
    return str(path)


def _expected(text: str) -> dict[str, bytes]:
    return {
        f"{p.slug}.md": to_markdown(p).encode() for p in load_dumps([("d.txt", text, None)]).posts
    }


# The import's writes: 6 posts staged, the manifest, 6 renames, the manifest, the report.
WRITE_POINTS = (
    (post_writer, "stage_write"),
    (post_writer, "atomic_write"),
    (post_writer, "commit_staged"),
    (import_report, "commit_staged"),
)


@pytest.mark.parametrize("dies_after", range(15))
def test_import_dying_after_any_write_leaves_posts_whole_and_known(
    tmp_path, monkeypatch, dies_after
):
    run = ["--posts", str(tmp_path / "posts"), "--report", str(tmp_path / "r.txt")]
    assert main(["import", _dump(tmp_path, "one"), *run]) == 0
    old = {p.name: p.read_bytes() for p in (tmp_path / "posts").glob("*.md")}
    writes = []

    def dying(real):
        def write(*args):
            if len(writes) == dies_after:
                raise Killed
            writes.append(args)
            return real(*args)

        return write

    for module, name in WRITE_POINTS:
        monkeypatch.setattr(module, name, dying(getattr(module, name)))
    with pytest.raises(Killed):
        main(["import", _dump(tmp_path, "two"), *run])
    monkeypatch.undo()
    new = _expected(DUMP.replace("{v}", "two"))
    check_after_kill(tmp_path / "posts", {n: {old[n], new[n]} for n in old}, {}, set())
    # Then the dumps change again: every post follows, none is taken for a person's edit.
    assert main(["import", _dump(tmp_path, "three"), *run]) == 0
    three = _expected(DUMP.replace("{v}", "three"))
    assert {p.name: p.read_bytes() for p in (tmp_path / "posts").glob("*.md")} == three


def test_stale_temp_files_are_removed_by_the_next_import(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for name in (f".a-post.md.0badc0ffee{TEMP_SUFFIX}", f"..import-manifest.json.1{TEMP_SUFFIX}"):
        (posts / name).write_bytes(b"half a po")
    (tmp_path / f".r.txt.123{TEMP_SUFFIX}").write_bytes(b"half a report")
    (tmp_path / f".someone-else.txt.9{TEMP_SUFFIX}").write_bytes(b"not ours to remove")
    assert (
        main(
            [
                "import",
                _dump(tmp_path, "x"),
                "--posts",
                str(posts),
                "--report",
                str(tmp_path / "r.txt"),
            ]
        )
        == 0
    )
    assert sorted(p.name for p in tmp_path.rglob(f"*{TEMP_SUFFIX}")) == [
        f".someone-else.txt.9{TEMP_SUFFIX}"
    ]


def test_posts_are_written_with_ordinary_permissions(tmp_path):
    """mkstemp's 0600 made every post unreadable to the group (a web server, a colleague)."""
    old = os.umask(0o022)
    try:
        assert (
            main(
                [
                    "import",
                    _dump(tmp_path, "x"),
                    "--posts",
                    str(tmp_path / "posts"),
                    "--report",
                    str(tmp_path / "r.txt"),
                ]
            )
            == 0
        )
    finally:
        os.umask(old)
    modes = {oct(p.stat().st_mode & 0o777) for p in (tmp_path / "posts").iterdir()}
    assert modes == {"0o644"}
