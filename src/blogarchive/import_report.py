"""The import report: which lines of each dump went where (import-report.txt).

A dump's section lists every one of its lines, which is too much to keep for a large import,
so `ReportFile` writes each section as soon as the dump is cut (`section`, with a placeholder
where the slug goes, since slugs are given only when all posts are merged) into a temp file
beside the report; `finish` writes the summary on top and the sections with their slugs, and
renames the whole into place.  `format_report` writes the same text at once.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError
from .fsutil import TEMP_SUFFIX, clean_stale_temps, commit_staged
from .loader import LoadResult

_SLUG = "\x1a"  # around a post index in a streamed section; dumps hold no C0 control
_SLUG_RE = re.compile(f"{_SLUG}(\\d+){_SLUG}")


def header(result: LoadResult, outcome) -> Iterator[str]:
    """The report's summary, line by line: counts, what was learned, guesses (read twice from
    the parses, weak ones first, rather than all held to sort them), files not written."""
    yield from ["blogarchive import report", ""]
    yield (
        f"{len(result.posts)} posts from {len(result.parses)} dumps; "
        f"{result.duplicates_merged} duplicates merged"
    )
    yield from ["", "Learned from all the dumps together:"]
    yield from (f"  {line}" for line in result.learned)
    yield ""
    yield "Guesses, weakest first (correct any of them in dumps/<dump>.overrides.yaml, see README):"
    for weak in (True, False):
        for g in (g for p in result.parses for g in p.guesses if bool(g.weak) == weak):
            yield f"  {g.file}:{g.line}: {'(weak) ' if g.weak else ''}{g.what}: {g.text[:70]!r}"
    if not result.guess_count:
        yield "  none"
    if outcome.kept_edited:
        yield from ["", "Kept because edited by a person:"]
        yield from (f"  {n}" for n in outcome.kept_edited)
    if outcome.blocked:
        yield from ["", "Not written:"]
        yield from (f"  {n}" for n in outcome.blocked)


def section(parse, slug_of: dict | None = None) -> str:
    """One dump's lines, each with its role, post and reason ("\\n" first); without `slug_of`
    each post's slug is a placeholder that `ReportFile.finish` fills in."""

    def slug(post: int | None) -> str:
        if post is None:
            return f"{'-':44}"
        if slug_of is None:
            return f"{_SLUG}{post}{_SLUG}"
        return f"{slug_of.get((parse.name, post), '-')[:44]:44}"

    cells = {post: slug(post) for post in {note.post for note in parse.notes}}
    out = ["", f"== {parse.name} ({len(parse.posts)} posts) ==", _page_line(parse)]
    for note in parse.notes:
        text = note.text.strip()[:60]
        line = f"{note.no:5}  {note.role:8} {cells[note.post]} {note.reason}"
        out.append(f"{line} | {text}" if text else line)
    return "\n".join(out)


def _page_line(parse) -> str:
    """What the loader took the page to be, and the date formats it read there."""
    kinds = "; ".join(dict.fromkeys(parse.page_kinds)) or "unknown"
    dates = ", ".join(parse.date_formats) or "none found"
    chrome = sum(1 for n in parse.notes if n.role in ("chrome", "footer"))
    return f"   page: {kinds}; date format: {dates}; {chrome} lines of chrome and meta"


def format_report(result: LoadResult, outcome) -> str:
    """The whole report at once (every parse still holding its notes)."""
    return (
        "\n".join(header(result, outcome))
        + "".join("\n" + section(p, result.slug_of) for p in result.parses)
        + "\n"
    )


class ReportFile:
    """The report written as the import goes: `add` a dump's section (from `section`) when it
    is cut, `finish` once; a temp file beside the report until then (removed if unfinished,
    and by the next import if this one is killed)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.made_folder = not self.path.parent.exists()  # removed again if left empty
        clean_stale_temps(self.path.parent, self.path.name)
        self.streamed = 0  # sections in `sections`, each after its dump's name
        self.sections = self._open("sections")

    def _open(self, what: str):
        tmp = self.path.with_name(f".{self.path.name}.{what}-{secrets.token_hex(6)}{TEMP_SUFFIX}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return open(tmp, "w+", encoding="utf-8", newline="")
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror}") from None

    def add(self, parse, text: str) -> None:
        """A streamed section (`section(parse)`), written now."""
        self.streamed += 1
        self.sections.write(f"{len(parse.name)} {len(text)}\n{parse.name}{text}")

    def finish(self, result: LoadResult, outcome) -> None:
        """Write the report: summary, the streamed sections with their slugs, the rest."""
        out = self._open("report")
        try:
            for k, line in enumerate(header(result, outcome)):
                out.write(f"\n{line}" if k else line)
            self.sections.seek(0)
            for _ in range(self.streamed):
                name_size, text_size = map(int, self.sections.readline().split())
                name, text = self.sections.read(name_size), self.sections.read(text_size)
                out.write("\n" + _with_slugs(text, name, result.slug_of))
            for parse in result.parses[self.streamed :]:  # not streamed: other readers'
                out.write("\n" + section(parse, result.slug_of))
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
            out.close()
            commit_staged(Path(out.name), self.path)
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write: {exc.strerror}") from None
        finally:
            _discard(out)
            self.close()

    def close(self) -> None:
        """Remove the temp files, and the report's folder if this import made it and nothing
        was written there (a refused import leaves no folder behind)."""
        _discard(self.sections)
        if self.made_folder:
            try:
                self.path.parent.rmdir()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _with_slugs(text: str, name: str, slug_of: dict) -> str:
    """A streamed section of dump `name` with each post's slug in its placeholder."""
    parts = text.split(_SLUG)  # placeholders at the odd places (faster than a substitution)
    if len(parts) % 2 == 0 or not all(p.isdecimal() for p in parts[1::2]):
        return _SLUG_RE.sub(lambda m: _slug_cell(slug_of, name, m[1]), text)
    cells = {post: _slug_cell(slug_of, name, post) for post in set(parts[1::2])}
    parts[1::2] = [cells[post] for post in parts[1::2]]
    return "".join(parts)


def _slug_cell(slug_of: dict, name: str, post: str) -> str:
    return f"{slug_of.get((name, int(post)), '-')[:44]:44}"


def _discard(file) -> None:
    """Close a temp file and remove it, if it is still there."""
    file.close()
    try:
        os.unlink(file.name)
    except OSError:
        pass
