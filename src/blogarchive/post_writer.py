"""Writing posts/ for the import: each post file staged, judged against what a person may have
changed, then put in place by rename, with posts/.import-manifest.json recording the hash of
every file the loader wrote (so a re-import rewrites only files nobody changed since;
`--force` overwrites; nothing is ever deleted).  Safe against a kill at any moment.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OutputError
from .fsutil import atomic_write, clean_stale_temps, commit_staged, discard_staged, stage_write
from .import_manifest import OldManifest
from .loader import AHEAD, LoadResult
from .loader.stored import private_db
from .post import to_markdown

MANIFEST = ".import-manifest.json"
POST_BATCH = 256  # posts merged and rendered by the workers at a time (the main process writes)


@dataclass
class WriteOutcome:
    written: int = 0  # how many post files were written (counts: names would grow with posts)
    unchanged: int = 0  # how many already held what the dumps give
    kept_edited: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # "name: why" (a folder in the way…)
    stale: list[str] = field(default_factory=list)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def save_manifest(
    folder: Path, manifest: dict[str, frozenset[str] | str] | Iterable[tuple[str, Any]]
) -> None:
    """Write the manifest: file name -> its hashes (a set, or one hash as a string), from a
    dict or from (name, hashes) pairs in name order (made one at a time: see Ledger), each
    entry written to the temp file as it is made (manifest_parts)."""
    entries = sorted(manifest.items()) if isinstance(manifest, dict) else manifest
    atomic_write(folder / MANIFEST, manifest_parts(entries))


def manifest_json(entries: Iterable[tuple[str, Any]]) -> io.BytesIO:
    """The manifest's bytes at once (manifest_parts joined)."""
    return io.BytesIO(b"".join(manifest_parts(entries)))


def manifest_parts(entries: Iterable[tuple[str, Any]]) -> Iterator[bytes]:
    """The manifest as json.dumps({"version": 1, "files": dict(entries)}, indent=1,
    ensure_ascii=False) writes it (UTF-8), a set of hashes as its one hash or as a sorted
    list, in parts made entry by entry from entries in name order: no dict, list or text of
    them all is held."""
    yield b'{\n "version": 1,\n "files": {'
    first = True
    for name, hashes in entries:
        yield ("\n" if first else ",\n").encode() + _manifest_entry(name, hashes).encode()
        first = False
    yield b"}\n}\n" if first else b"\n }\n}\n"


def _manifest_entry(name: str, hashes) -> str:
    key = json.dumps(name, ensure_ascii=False)
    if not isinstance(hashes, str) and len(hashes) == 1:
        hashes = next(iter(hashes))
    if isinstance(hashes, str):
        return f"  {key}: {json.dumps(hashes, ensure_ascii=False)}"
    if not hashes:
        return f"  {key}: []"
    items = ",\n".join(f"   {json.dumps(h, ensure_ascii=False)}" for h in sorted(hashes))
    return f"  {key}: [\n{items}\n  ]"


class Ledger:
    """What write_posts keeps of every post file until the import ends (name, hash, temp
    file, whether the manifest is to record it), in a private on-disk SQLite table
    (loader.stored.private_db) rather than in memory: however many the posts, it holds a few
    pages of them.  Rows are added in post order and read back in it or by name."""

    def __init__(self):
        self.db = private_db()
        self.db.execute(
            "CREATE TABLE post (name TEXT PRIMARY KEY, sha TEXT, staged TEXT, fresh INTEGER)"
        )
        self.rows: list[tuple] = []  # added, not yet in the table

    def add(self, f: PostFile) -> None:
        self.rows.append((f.name, f.sha, f.staged, f.decision in ("write", "same")))
        if len(self.rows) >= POST_BATCH:
            self.flush()

    def flush(self) -> None:
        self.db.executemany("INSERT INTO post VALUES (?, ?, ?, ?)", self.rows)
        self.rows = []

    def __contains__(self, name: str) -> bool:
        self.flush()
        return self.db.execute("SELECT 1 FROM post WHERE name = ?", (name,)).fetchone() is not None

    def staged(self) -> Iterator[tuple[str, str]]:
        """(temp file, name) of each file staged, in post order."""
        self.flush()
        yield from self.db.execute(
            "SELECT staged, name FROM post WHERE staged IS NOT NULL ORDER BY rowid"
        )

    def hashes(self, only_staged: bool) -> Iterator[tuple[str, str]]:
        """(name, hash) of each file staged, or of each the manifest is to record, by name."""
        self.flush()
        where = "staged IS NOT NULL" if only_staged else "fresh"
        yield from self.db.execute(f"SELECT name, sha FROM post WHERE {where} ORDER BY name")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def merged_entries(
    old: Mapping[str, Any], new: Iterable[tuple[str, str]], both
) -> Iterator[tuple[str, Any]]:
    """The entries of manifest `old` (an OldManifest, or a dict) and the (name, hash) pairs
    `new` (in name order), in name order; a name in both gets both(its old hashes, its new
    hash).  An OldManifest is read as the entries are made."""
    olds = old.sorted_items() if isinstance(old, OldManifest) else iter(sorted(old.items()))
    waiting = next(olds, None)
    for name, sha in new:
        while waiting is not None and waiting[0] < name:
            yield waiting
            waiting = next(olds, None)
        if waiting is not None and waiting[0] == name:
            yield name, both(waiting[1], sha)
            waiting = next(olds, None)
        else:
            yield name, sha
    while waiting is not None:
        yield waiting
        waiting = next(olds, None)


@dataclass(frozen=True)
class PostFile:
    """One post's file as a writer left it: its name, its content's hash, what `_decide` made
    of it (write, same, edited, deleted, "blocked: why") and, to be written, the temp file
    beside the post that holds its new version (fsutil.stage_write)."""

    name: str
    sha: str
    decision: str
    staged: str | None = None


def set_write_state(state: dict, values: dict) -> None:
    """Give the writers the posts folder, its manifest and --force (see post_files_task)."""
    state.update(values)


def post_files_task(state: dict, batch: list[int]) -> list[PostFile]:
    """Posts `batch` of state["posts"] (merged as they are read) rendered, each judged against
    the file in state["folder"] and staged there where it is to be written: the writers, not
    the main process, write the files (only names and hashes come back).  A failure removes
    what this batch staged."""
    posts, folder, manifest = state["posts"], state["folder"], state["manifest"]
    out: list[PostFile] = []
    try:
        for k in batch:
            post = posts[k]
            name = f"{post.slug}.md"
            data = to_markdown(post).encode("utf-8")
            target = os.path.join(folder, name)  # a str: os.lstat needs no Path's conversion
            decision = _decide(target, data, manifest.get(name, frozenset()), state["force"])
            staged = stage_write(target, data).name if decision == "write" else None
            out.append(PostFile(name, _sha(data), decision, staged))
    except BaseException:
        _discard_files(folder, out)
        raise
    return out


def _discard_files(folder: Path, files: list[PostFile]) -> None:
    for f in files:
        if f.staged:
            discard_staged(folder / f.staged)


def _post_files(posts, state: dict, workers) -> Iterator[PostFile]:
    """Every post's PostFile, in order; the workers (forked with the posts in their state)
    merge, render and stage POST_BATCH at a time, here if there are none.  AHEAD batches are
    in their hands at a time (as loader._in_turn); those under way when the caller stops
    are undone."""
    batches = [
        list(range(start, min(start + POST_BATCH, len(posts))))
        for start in range(0, len(posts), POST_BATCH)
    ]
    if workers is None:
        for batch in batches:
            yield from post_files_task(state, batch)
        return
    workers.broadcast(set_write_state, state)  # before the first batch forks them
    sent: deque = deque()

    def collected() -> Iterator[list[PostFile]]:
        for batch in batches:
            sent.append(workers.submit(post_files_task, batch))
            if len(sent) == AHEAD:
                yield workers.collect(sent.popleft())
        while sent:
            yield workers.collect(sent.popleft())

    files, taken = [], 0
    try:
        for files in collected():
            for taken, f in enumerate(files, 1):
                yield f
    except BaseException:  # the files not taken yet (and the one being taken) are undone
        _discard_files(state["folder"], files[max(0, taken - 1) :])
        for handle in sent:
            _discard_files(state["folder"], _settled(workers, handle))
        raise


def _settled(workers, handle) -> list[PostFile]:
    """What a batch under way gave, or nothing if it failed."""
    try:
        return workers.collect(handle)
    except Exception:  # noqa: BLE001 - the caller is already failing for its own reason
        return []


def write_posts(result: LoadResult, folder: Path, force: bool, workers=None) -> WriteOutcome:
    """Write each post unless a person changed or deleted it since the loader wrote it.

    Safe against a kill at any moment: each new version is first written to a temp file
    beside its post, the manifest then records the new hash beside the old one of every file
    about to change, then each file is replaced by one rename, then the manifest keeps only
    the new hashes.  So every post is whole (old or new version) and still recognised as the
    loader's, never mistaken for a person's edit; temp files a kill leaves are removed by the
    next import.  Posts are built and staged a batch at a time (result.posts merges each when
    read), by `workers` (build/pool.py's Workers, state {"posts": result.posts}) if given;
    what is kept of each until the end waits in a Ledger."""
    _make_folder(folder)
    clean_stale_temps(folder)
    state = {"posts": result.posts, "folder": folder, "force": force}
    outcome = WriteOutcome()
    with OldManifest.load(folder / MANIFEST) as manifest, Ledger() as ledger:
        state["manifest"] = manifest
        committed = 0  # the first `committed` staged files are in place
        try:
            for f in _post_files(result.posts, state, workers):
                ledger.add(f)
                _count(outcome, f)
            if outcome.written:
                save_manifest(
                    folder, merged_entries(manifest, ledger.hashes(True), lambda o, h: o | {h})
                )
            for tmp, name in ledger.staged():
                commit_staged(folder / tmp, folder / name)
                committed += 1
        finally:
            for tmp, _ in itertools.islice(ledger.staged(), committed, None):
                discard_staged(folder / tmp)
        outcome.stale = sorted(n for n in manifest if n not in ledger and (folder / n).exists())
        if outcome.written or any(manifest.get(n) != {h} for n, h in ledger.hashes(False)):
            save_manifest(folder, merged_entries(manifest, ledger.hashes(False), lambda o, h: h))
    return outcome


def _count(outcome: WriteOutcome, f: PostFile) -> None:
    """One post file's fate, told in the outcome."""
    if f.decision == "write":
        outcome.written += 1
    elif f.decision == "same":
        outcome.unchanged += 1
    elif f.decision == "edited":
        outcome.kept_edited.append(f.name)
    elif f.decision == "deleted":
        outcome.kept_deleted.append(f.name)
    else:
        outcome.blocked.append(f"{f.name}: {f.decision.split(': ', 1)[1]}")


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(
            f"{folder}: exists and is not a folder; cannot write posts there"
        ) from None
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the posts folder: {exc.strerror}") from None


def _decide(target: Path | str, data: bytes, recorded: frozenset[str], force: bool) -> str:
    """write / same / edited (keep) / deleted (keep) / "blocked: why" for one post file."""
    try:
        os.lstat(target)
    except FileNotFoundError:  # the common case on a first import, told by one system call
        return "deleted" if recorded and not force else "write"
    except OSError:
        pass  # the checks below say why
    target = Path(target)
    if target.is_symlink():
        return "edited" if not force else "write"
    if target.exists() and not target.is_file():
        return "blocked: something other than a file is in the way"
    try:
        current = target.read_bytes()
    except FileNotFoundError:
        return "deleted" if recorded and not force else "write"
    except OSError as exc:
        return f"blocked: cannot read it ({exc.strerror})"
    if current == data:
        return "same"
    if force or _sha(current) in recorded:
        return "write"
    return "edited"
