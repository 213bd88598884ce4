"""The `import` command: dumps/*.txt -> posts/<slug>.md, edit-safe, plus the import report.

Reading the inputs and running the loader lives here; the parsing is pure (blogarchive.loader)
and writing posts/ edit-safely, with its manifest, is post_writer.py.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path

import yaml

from .cli import add_quiet_option
from .errors import BlogArchiveError, DumpError
from .import_report import ReportFile, format_report, section  # noqa: F401 (format_report: tests)
from .loader import LoadResult, ParseSink, load_dumps, parse_overrides
from .loader.sniff import refuse_non_text
from .post_writer import POST_BATCH, WriteOutcome, write_posts
from .progress import Progress

IMPORT_JOBS = min(2, os.cpu_count() or 1)  # processes cutting dumps (build/pool.py)


def register(sub) -> None:
    p = sub.add_parser(
        "import",
        help="parse dumps, saved pages and exports into posts/<slug>.md",
        description="Read text dumps, saved HTML pages (web-archive snapshots too) "
        "and WordPress exports, recognised by content, into one "
        "Markdown file per post. Files you edited since the last "
        "import are kept unless --force.",
    )
    p.add_argument(
        "dumps", nargs="*", metavar="FILE", help="files or folders to import (default: dumps/*.txt)"
    )
    p.add_argument("--posts", default="posts", metavar="DIR", help="output folder (default: posts)")
    p.add_argument(
        "--force",
        action="store_true",
        help="overwrite posts you edited and recreate posts you deleted",
    )
    p.add_argument(
        "--report",
        default="import-report.txt",
        metavar="FILE",
        help="where to write the line-by-line import report (default: import-report.txt)",
    )
    p.add_argument(
        "--images",
        metavar="DIR",
        help="where images found beside saved pages are copied (default: images/ "
        "beside the posts folder)",
    )
    add_quiet_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from . import readers  # here, not at the top: it loads bs4, which builds do not need
    from .build.pool import Workers  # here: build/ imports provenance, which imports us

    started = time.perf_counter()
    paths = args.dumps or sorted(glob.glob(os.path.join("dumps", "*.txt")))
    if not paths:
        raise DumpError("dumps", None, "no dump files given and none found in dumps/*.txt")
    inputs = readers.gather(paths)  # text, HTML or WXR, by content
    texts = [str(i.path) for i in inputs if i.kind == readers.TEXT]
    dumps, warnings = read_dumps(texts) if texts else ([], [])
    with (
        _settled_heap(),
        ReportFile(Path(args.report)) as report,
        BlockStore() as store,
        Workers(IMPORT_JOBS, {}, threshold=1) as workers,
        Progress.for_stderr(args.quiet).phase("import", len(inputs)) as advance,
    ):
        rich = readers.read_rich(inputs, advance)
        loaded = load_dumps(
            dumps,
            extra=rich.parses,
            advance=advance,
            store=store,
            sink=ParseSink(section, report.add),
            workers=workers,
        )
        workers.close()
        result = readers.link_posts(loaded, rich)
        _refuse_empty(result, texts)
        readers.write_images(
            rich.images, Path(args.images) if args.images else Path(args.posts).parent / "images"
        )
        gc.freeze()  # the loaded posts too, before the writers are forked (see _settled_heap)
        with Workers(IMPORT_JOBS, {"posts": result.posts}, threshold=POST_BATCH) as writers:
            outcome = write_posts(result, Path(args.posts), args.force, writers)
        report.finish(result, outcome)
        summary = format_summary(  # here: the posts and parses are read from the store
            result, outcome, len(result.parses), time.perf_counter() - started, args.report
        )
        warnings += result.warnings
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not args.quiet:
        print(summary)
    for blocked in outcome.blocked:
        print(f"error: {Path(args.posts) / blocked}", file=sys.stderr)
    return 1 if outcome.blocked else 0


@contextlib.contextmanager
def _settled_heap() -> Iterator[None]:
    """Objects made so far (modules; later the loaded posts, see run) live until the import
    ends: frozen, the garbage collector no longer walks them at every full collection, here or
    in the workers forked from here, whose pages it then leaves shared.  Undone at the end."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class BlockStore:
    """Posts' Markdown blocks kept in an unnamed temp file until the merge reads them, so an
    import's memory does not grow with its dumps (loader.BlockStore).  Unbuffered, and read
    by position: processes forked later read it at the same time."""

    def __init__(self):
        self.file = tempfile.TemporaryFile(buffering=0)
        self.end = 0

    def put(self, blobs: list[bytes]) -> list[tuple[int, int]]:
        """Store blobs in one write; where each one is."""
        refs, at = [], self.end
        for blob in blobs:
            refs.append((at, len(blob)))
            at += len(blob)
        os.pwrite(self.file.fileno(), b"".join(blobs), self.end)
        self.end = at
        return refs

    def get(self, ref: tuple[int, int]) -> bytes:
        return os.pread(self.file.fileno(), ref[1], ref[0])

    def read(self, ref: tuple[int, int], start: int, size: int) -> bytes:
        """`size` bytes of a stored blob from `start` on."""
        return os.pread(self.file.fileno(), min(size, ref[1] - start), ref[0] + start)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


class DumpFiles(Sequence):
    """The dumps, (name, text, overrides) each, read from disk every time one is looked up:
    the loader reads them once per pass, and only one needs to be in memory at a time.  Their
    paths are kept as strings (a Path each took three times as much)."""

    def __init__(self, paths: list[Path], overrides: list):
        self.paths, self.overrides = [str(p) for p in paths], overrides

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        path = Path(self.paths[i])
        text, _ = read_dump_text(path)
        return path.name, text, self.overrides[i]


def read_dumps(paths: list[str]) -> tuple[DumpFiles, list[str]]:
    """The dumps, each read once to check it (every unreadable dump is reported at once) and
    then again whenever the loader looks it up (DumpFiles)."""
    overrides, errors, warnings = [], [], []
    for path in paths:
        try:
            text, warning = read_dump_text(Path(path))
            if warning:
                warnings.append(warning)
            overrides.append(read_overrides(Path(path), text))
        except DumpError as exc:
            errors.append(str(exc))
    if errors:
        raise BlogArchiveError("cannot import:\n  " + "\n  ".join(errors))
    names = Counter(Path(p).name for p in paths)
    dup = sorted(n for n, k in names.items() if k > 1)
    if dup:
        raise DumpError(dup[0], None, "two dumps share this file name; sources would be ambiguous")
    return DumpFiles([Path(p) for p in paths], overrides), warnings


def read_dump_text(path: Path) -> tuple[str, str | None]:
    """Decode a dump: UTF-8 (BOM allowed), else cp1252 with a warning; refuse what is not a
    text dump (empty, binary, HTML, XML, JSON: see loader.sniff)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DumpError(path, None, "no such file") from None
    except IsADirectoryError:
        raise DumpError(path, None, "is a folder, not a dump file") from None
    except OSError as exc:
        raise DumpError(path, None, f"cannot read: {exc.strerror}") from None
    refuse_non_text(data, path)
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            return data.decode("cp1252"), f"{path}:{line}: not valid UTF-8; read as Windows-1252"
        except UnicodeDecodeError:
            raise DumpError(path, line, "neither UTF-8 nor Windows-1252 text") from None


def read_overrides(dump: Path, text: str):
    """dumps/<dump>.overrides.yaml, if present, validated against the dump's line count."""
    path = dump.with_name(dump.stem + ".overrides.yaml")
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise DumpError(path, mark.line + 1 if mark else None, f"bad YAML: {exc.problem}") from None
    except (yaml.YAMLError, UnicodeDecodeError, ValueError) as exc:
        raise DumpError(path, None, f"bad YAML: {exc}") from None
    return parse_overrides(data, str(path), text.count("\n") + 1)


def _refuse_empty(result: LoadResult, paths: list[str]) -> None:
    empty = [p for p, parse in zip(paths, result.parses) if not parse.posts]
    if empty:
        raise BlogArchiveError(
            "no post found in: " + ", ".join(empty) + " (is this a blog archive dump?)"
        )


def format_summary(
    result: LoadResult, outcome: WriteOutcome, dumps: int, seconds: float, report: str
) -> str:
    """The few lines `import` prints."""
    undated = getattr(result.posts, "undated", None)
    if undated is None:
        undated = sum(1 for p in result.posts.headers if p.date is None)
    per_dump = ", ".join(f"{p.name}: {len(p.posts)}" for p in result.parses)
    lines = [
        f"read {dumps} dumps ({per_dump})",
        f"{len(result.posts)} posts ({result.duplicates_merged} duplicates merged, "
        f"{undated} undated); "
        f"written {outcome.written}, unchanged {outcome.unchanged}, "
        f"kept because edited {len(outcome.kept_edited)}, kept deleted {len(outcome.kept_deleted)}",
        f"{result.guess_count} guesses to check; full report in {report} ({seconds:.2f} s)",
    ]
    for name in outcome.kept_edited:
        lines.append(f"  kept {name}: you edited it since the last import (--force overwrites)")
    for name in outcome.kept_deleted:
        lines.append(f"  not recreated {name}: you deleted it (--force recreates)")
    for name in outcome.stale:
        lines.append(f"  {name}: the dumps no longer produce this post; left in place")
    return "\n".join(lines)
