"""The `import` command: dumps/*.txt -> posts/<slug>.md, edit-safe, plus the import report.

The file I/O of the loader lives here; the parsing is pure (blogarchive.loader).
posts/.import-manifest.json records the hash of every file the loader wrote, so a re-import
rewrites only files nobody has changed since; `--force` overwrites; nothing is ever deleted.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .cli import add_quiet_option
from .errors import BlogArchiveError, DumpError, OutputError
from .fsutil import atomic_write, clean_stale_temps
from .loader import LoadResult, load_dumps, parse_overrides
from .loader.sniff import refuse_non_text
from .post import to_markdown
from .progress import Progress

MANIFEST = ".import-manifest.json"


def register(sub) -> None:
    p = sub.add_parser("import", help="parse dumps, saved pages and exports into posts/<slug>.md",
                       description="Read text dumps, saved HTML pages (web-archive snapshots too) "
                                   "and WordPress exports, recognised by content, into one "
                                   "Markdown file per post. Files you edited since the last "
                                   "import are kept unless --force.")
    p.add_argument("dumps", nargs="*", metavar="FILE",
                   help="files or folders to import (default: dumps/*.txt)")
    p.add_argument("--posts", default="posts", metavar="DIR", help="output folder (default: posts)")
    p.add_argument("--force", action="store_true",
                   help="overwrite posts you edited and recreate posts you deleted")
    p.add_argument("--report", default="import-report.txt", metavar="FILE",
                   help="where to write the line-by-line import report (default: import-report.txt)")
    p.add_argument("--images", metavar="DIR",
                   help="where images found beside saved pages are copied (default: images/ "
                        "beside the posts folder)")
    add_quiet_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from . import readers       # here, not at the top: it loads bs4, which builds do not need

    started = time.perf_counter()
    paths = args.dumps or sorted(glob.glob(os.path.join("dumps", "*.txt")))
    if not paths:
        raise DumpError("dumps", None, "no dump files given and none found in dumps/*.txt")
    inputs = readers.gather(paths)                  # text, HTML or WXR, by content
    texts = [str(i.path) for i in inputs if i.kind == readers.TEXT]
    dumps, warnings = read_dumps(texts) if texts else ([], [])
    with Progress.for_stderr(args.quiet).phase("import", len(inputs)) as advance:
        rich = readers.read_rich(inputs, advance)
        loaded = load_dumps(dumps, extra=rich.parses, advance=advance)
    result = readers.link_posts(loaded, rich)
    _refuse_empty(result, texts)
    readers.write_images(rich.images, Path(args.images) if args.images
                         else Path(args.posts).parent / "images")
    outcome = write_posts(result, Path(args.posts), args.force)
    report = format_report(result, outcome)
    clean_stale_temps(Path(args.report).parent, Path(args.report).name)
    atomic_write(Path(args.report), report.encode("utf-8"))
    for w in warnings + result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not args.quiet:
        print(format_summary(result, outcome, len(result.parses),
                             time.perf_counter() - started, args.report))
    for blocked in outcome.blocked:
        print(f"error: {Path(args.posts) / blocked}", file=sys.stderr)
    return 1 if outcome.blocked else 0


def read_dumps(paths: list[str]) -> tuple[list, list[str]]:
    """(name, text, overrides) for each dump; every unreadable dump is reported at once."""
    dumps, errors, warnings = [], [], []
    for path in paths:
        try:
            text, warning = read_dump_text(Path(path))
            if warning:
                warnings.append(warning)
            dumps.append((Path(path).name, text, read_overrides(Path(path), text)))
        except DumpError as exc:
            errors.append(str(exc))
    if errors:
        raise BlogArchiveError("cannot import:\n  " + "\n  ".join(errors))
    names = [d[0] for d in dumps]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise DumpError(dup[0], None, "two dumps share this file name; sources would be ambiguous")
    return dumps, warnings


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
        raise BlogArchiveError("no post found in: " + ", ".join(empty)
                               + " (is this a blog archive dump?)")


@dataclass
class WriteOutcome:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edited: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)     # "name: why" (a folder in the way…)
    stale: list[str] = field(default_factory=list)


_OUTCOME_LIST = {"write": "written", "same": "unchanged", "edited": "kept_edited",
                 "deleted": "kept_deleted"}


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_manifest(folder: Path) -> dict[str, frozenset[str]]:
    """File name -> hashes of the versions the loader wrote (two while a write is under way)."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
        return {k: frozenset([v] if isinstance(v, str) else v) for k, v in files.items()
                if isinstance(k, str) and (isinstance(v, str) or isinstance(v, list)
                                           and all(isinstance(h, str) for h in v))}
    except (OSError, ValueError, AttributeError):
        return {}


def save_manifest(folder: Path, manifest: dict[str, frozenset[str]]) -> None:
    files = {k: sorted(v)[0] if len(v) == 1 else sorted(v) for k, v in sorted(manifest.items())}
    text = json.dumps({"version": 1, "files": files}, indent=1, ensure_ascii=False) + "\n"
    atomic_write(folder / MANIFEST, text.encode("utf-8"))


def write_posts(result: LoadResult, folder: Path, force: bool) -> WriteOutcome:
    """Write each post unless a person changed or deleted it since the loader wrote it.

    Safe against a kill at any moment: the manifest first records the new hash beside the
    old one of every file about to change, then each file is replaced by one rename, then
    the manifest keeps only the new hashes.  So every post is whole (old or new version)
    and still recognised as the loader's, never mistaken for a person's edit."""
    _make_folder(folder)
    clean_stale_temps(folder)
    manifest = load_manifest(folder)
    outcome, writes, final = WriteOutcome(), [], dict(manifest)
    for post in result.posts:
        name = f"{post.slug}.md"
        data = to_markdown(post).encode("utf-8")
        state = _decide(folder / name, data, manifest.get(name, frozenset()), force)
        if state.startswith("blocked"):
            outcome.blocked.append(f"{name}: {state.split(': ', 1)[1]}")
            continue
        getattr(outcome, _OUTCOME_LIST[state]).append(name)
        if state == "write":
            writes.append((folder / name, data))
        if state in ("write", "same"):
            final[name] = frozenset([_sha(data)])
    if writes:
        save_manifest(folder, {**manifest, **{t.name: manifest.get(t.name, frozenset()) | {_sha(d)}
                                              for t, d in writes}})
    for target, data in writes:
        atomic_write(target, data)
    produced = {f"{p.slug}.md" for p in result.posts}
    outcome.stale = sorted(n for n in manifest if n not in produced and (folder / n).exists())
    if final != manifest or writes:
        save_manifest(folder, final)
    return outcome


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"{folder}: exists and is not a folder; cannot write posts there") from None
    except OSError as exc:
        raise OutputError(f"{folder}: cannot create the posts folder: {exc.strerror}") from None


def _decide(target: Path, data: bytes, recorded: frozenset[str], force: bool) -> str:
    """write / same / edited (keep) / deleted (keep) / "blocked: why" for one post file."""
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


def format_summary(result: LoadResult, outcome: WriteOutcome, dumps: int, seconds: float,
                   report: str) -> str:
    """The few lines `import` prints."""
    undated = sum(1 for p in result.posts if p.date is None)
    per_dump = ", ".join(f"{p.name}: {len(p.posts)}" for p in result.parses)
    lines = [
        f"read {dumps} dumps ({per_dump})",
        f"{len(result.posts)} posts ({result.duplicates_merged} duplicates merged, {undated} undated); "
        f"written {len(outcome.written)}, unchanged {len(outcome.unchanged)}, "
        f"kept because edited {len(outcome.kept_edited)}, kept deleted {len(outcome.kept_deleted)}",
        f"{len(result.guesses)} guesses to check; full report in {report} ({seconds:.2f} s)",
    ]
    for name in outcome.kept_edited:
        lines.append(f"  kept {name}: you edited it since the last import (--force overwrites)")
    for name in outcome.kept_deleted:
        lines.append(f"  not recreated {name}: you deleted it (--force recreates)")
    for name in outcome.stale:
        lines.append(f"  {name}: the dumps no longer produce this post; left in place")
    return "\n".join(lines)


def _page_line(parse) -> str:
    """What the loader took the page to be, and the date formats it read there."""
    kinds = "; ".join(dict.fromkeys(parse.page_kinds)) or "unknown"
    dates = ", ".join(parse.date_formats) or "none found"
    chrome = sum(1 for n in parse.notes if n.role in ("chrome", "footer"))
    return f"   page: {kinds}; date format: {dates}; {chrome} lines of chrome and meta"


def format_report(result: LoadResult, outcome: WriteOutcome) -> str:
    """Which lines of each dump went where: post (title, body, heading…), chrome or residue."""
    out = ["blogarchive import report", ""]
    out.append(f"{len(result.posts)} posts from {len(result.parses)} dumps; "
               f"{result.duplicates_merged} duplicates merged")
    out += ["", "Learned from all the dumps together:"] + [f"  {line}" for line in result.learned]
    out += ["", "Guesses, weakest first (correct any of them in dumps/<dump>.overrides.yaml, "
                "see README):"]
    guesses = sorted(result.guesses, key=lambda g: not g.weak)
    out += [f"  {g.file}:{g.line}: {'(weak) ' if g.weak else ''}{g.what}: {g.text[:70]!r}"
            for g in guesses] or ["  none"]
    if outcome.kept_edited:
        out += ["", "Kept because edited by a person:"] + [f"  {n}" for n in outcome.kept_edited]
    if outcome.blocked:
        out += ["", "Not written:"] + [f"  {n}" for n in outcome.blocked]
    for parse in result.parses:
        out += ["", f"== {parse.name} ({len(parse.posts)} posts) ==", _page_line(parse)]
        for note in parse.notes:
            slug = result.slug_of.get((parse.name, note.post), "-") if note.post is not None else "-"
            text = note.text.strip()[:60]
            out.append(f"{note.no:5}  {note.role:8} {slug[:44]:44} {note.reason}"
                       + (f" | {text}" if text else ""))
    return "\n".join(out) + "\n"
