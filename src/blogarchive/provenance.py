"""The source view: the raw dump lines a post came from, and what the import made of each.

The roles are not stored anywhere: they come from running the loader again on the dumps
(`load_dumps`, with each dump's overrides, exactly as `import` does), so the view shows
the decisions the import made. A post found in several dumps shows every copy, with the
lines that differ between copies marked. A missing folder or dump gives a note, never an
error: the site must still build from posts/ alone.

`source_views` reads the dumps (the I/O edge); `views_from_dumps` is the pure part.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from .errors import DumpError
from .importer import read_dump_text, read_overrides
from .loader import load_dumps
from .loader.model import DumpParse, LineNote
from .post import Post, Source
from .site import source_path  # noqa: F401  (the rule lives in site.py; re-exported)
from .text import squeeze_spaces

KEPT = {
    "title": "title",
    "body": "text",
    "heading": "heading",
    "list": "list item",
    "note": "footnote",
}
DROPPED = {"residue": "residue", "chrome": "page chrome", "footer": "page footer"}
METADATA = ("date line", "categories line", "category archive header", "teaser link")


@dataclass(frozen=True)
class SourceLine:
    """One dump line: its number and text as in the dump, and its fate in the import."""

    no: int
    text: str
    role: str  # the loader's role: title, body, heading, list, note, chrome, footer, residue, blank
    reason: str  # the loader's reason, e.g. "image file name", "date line"
    fate: str  # kept | metadata (read for the date or categories, not shown) | dropped | blank
    in_range: bool = True  # False: residue just outside first..last (see _context_before/_after)
    differs: bool = False  # its text is not in the other copies of the post

    @property
    def label(self) -> str:
        """'title', 'text (alt text removed …)', 'read as the date line', 'dropped: image file
        name'."""
        if self.fate == "kept":
            kind = KEPT[self.role]
            return f"{kind} ({self.reason})" if self.reason and self.reason != "note" else kind
        if self.fate == "metadata":
            return f"read as the {self.reason}"
        if self.fate == "blank":
            return "blank"
        kind = DROPPED.get(self.role, self.role)
        return (
            f"dropped as {kind}: {self.reason}"
            if self.reason and kind not in self.reason
            else f"dropped: {self.reason or kind}"
        )


@dataclass(frozen=True)
class SourceCopy:
    """The lines of one source of a post (file, first..last), plus any residue just before them;
    or, for a saved page or an export, the element or item it came from (no lines)."""

    file: str
    first: int | None
    last: int | None
    lines: tuple[SourceLine, ...] = ()
    note: str = ""  # why lines are missing, or why they may not match the post
    element: str | None = None


@dataclass(frozen=True)
class SourceView:
    slug: str
    title: str
    copies: tuple[SourceCopy, ...] = ()
    notes: tuple[str, ...] = ()


def source_views(dumps_dir: Path, posts: Sequence[Post]) -> dict[str, SourceView]:
    """slug -> the post's source view, read from the dumps in `dumps_dir` (never raises for
    them)."""
    if not dumps_dir.is_dir():
        note = f"{dumps_dir}: no dumps folder, so the raw lines cannot be shown"
        return {p.slug: SourceView(p.slug, p.title, notes=(note,)) for p in posts}
    dumps, problems = [], {}
    for path in sorted(dumps_dir.glob("*.txt")):
        try:
            text, _ = read_dump_text(path)
        except DumpError as exc:
            problems[path.name] = f"{exc}; its lines cannot be shown"
            continue
        try:
            overrides = read_overrides(path, text)
        except DumpError as exc:
            problems[path.name] = f"{exc}; lines shown as the loader reads them without overrides"
            overrides = None
        dumps.append((path.name, text, overrides))
    return views_from_dumps(dumps, posts, problems, str(dumps_dir))


def views_from_dumps(
    dumps: list,
    posts: Sequence[Post],
    problems: dict[str, str] | None = None,
    folder: str = "dumps",
) -> dict[str, SourceView]:
    """The pure part: (name, text, overrides) dumps and the posts -> slug -> SourceView."""
    parses = {p.name: p for p in load_dumps(dumps).parses} if dumps else {}
    problems = problems or {}
    views = {}
    for post in sorted(posts, key=lambda p: p.slug):
        copies = tuple(
            _copy(s, parses.get(s.file), problems.get(s.file), folder) for s in post.sources
        )
        notes = () if post.sources else ("the post records no source lines",)
        views[post.slug] = SourceView(post.slug, post.title, _mark_differences(copies), notes)
    return views


def _copy(source: Source, parse: DumpParse | None, problem: str | None, folder: str) -> SourceCopy:
    """The lines of one source; a note instead when its dump is missing or has changed, or
    when it is an element of a page or an item of an export (read as markup, not lines)."""
    if source.element is not None or source.first is None:
        where = f"{source.file}, {source.element}" if source.element else source.file
        return SourceCopy(
            source.file,
            source.first,
            source.last,
            element=source.element,
            note=f"Read from {where}: a saved page or a WordPress export is read "
            "as markup, not line by line, so there are no dump lines to show.",
        )
    if parse is None:
        note = problem or f"{folder}/{source.file}: not found, so these lines cannot be shown"
        return SourceCopy(source.file, source.first, source.last, note=note)
    notes = parse.notes
    if source.last > len(notes):
        note = (
            f"{source.file} has only {len(notes)} lines now: "
            "it changed since this post was imported"
        )
        return SourceCopy(source.file, source.first, source.last, note=note)
    note = problem or ""
    if notes[source.first - 1].role != "title":
        note = (
            f"{source.file}:{source.first} is not a title in the dump as it is now: the dump or "
            f"the loader changed since this post was imported, so the lines may not match the post"
        )
    inside = [_line(n, True) for n in notes[source.first - 1 : source.last]]
    lines = (
        _context_before(notes, source.first)
        + inside
        + _context_after(notes, source.first, source.last)
    )
    return SourceCopy(source.file, source.first, source.last, tuple(lines), note)


def _context_before(notes: list[LineNote], first: int) -> list[SourceLine]:
    """Residue the import gave to no post, just above the title (an image name, say)."""
    j = first - 2
    while j >= 0 and notes[j].post is None and notes[j].role in ("residue", "blank"):
        j -= 1
    context = [_line(n, False) for n in notes[j + 1 : first - 1]]
    while context and context[0].fate == "blank":
        context.pop(0)
    return context if any(line.fate != "blank" for line in context) else []


def _context_after(notes: list[LineNote], first: int, last: int) -> list[SourceLine]:
    """Lines the loader gave to this post but dropped after its last kept line (trailing
    residue)."""
    owner = notes[first - 1].post
    j = last
    while (
        j < len(notes)
        and owner is not None
        and (notes[j].post == owner or notes[j].role == "blank")
    ):
        j += 1
    context = [_line(n, False) for n in notes[last:j]]
    while context and context[-1].fate == "blank":
        context.pop()
    return context


def _line(note: LineNote, in_range: bool) -> SourceLine:
    return SourceLine(note.no, note.text, note.role, note.reason, _fate(note), in_range)


def _fate(note: LineNote) -> str:
    if note.role in KEPT:
        return "kept"
    if note.role == "blank":
        return "blank"
    if note.role == "chrome" and note.reason.startswith(METADATA):
        return "metadata"
    return "dropped"


def _mark_differences(copies: tuple[SourceCopy, ...]) -> tuple[SourceCopy, ...]:
    """With several copies, mark each non-blank line whose text some other copy lacks."""
    shown = [c for c in copies if c.lines]
    if len(shown) < 2:
        return copies
    texts = {
        id(c): [squeeze_spaces(line.text) for line in c.lines if _compared(line)] for c in shown
    }
    out = []
    for copy in copies:
        if not copy.lines:
            out.append(copy)
            continue
        unmatched: set[int] = set()
        for other in shown:
            if other is not copy:
                unmatched |= _unmatched(texts[id(copy)], texts[id(other)])
        compared = [line for line in copy.lines if _compared(line)]
        differing = {id(compared[i]) for i in unmatched}
        out.append(
            SourceCopy(
                copy.file,
                copy.first,
                copy.last,
                tuple(replace(line, differs=id(line) in differing) for line in copy.lines),
                copy.note,
            )
        )
    return tuple(out)


def _compared(line: SourceLine) -> bool:
    return line.in_range and line.fate != "blank"


def _unmatched(a: list[str], b: list[str]) -> set[int]:
    """Indexes of lines of `a` that difflib does not match to a line of `b`."""
    matched = set()
    for block in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_matching_blocks():
        matched.update(range(block.a, block.a + block.size))
    return set(range(len(a))) - matched
