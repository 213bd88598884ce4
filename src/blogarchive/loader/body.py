"""A post's kept lines -> Markdown blocks: paragraphs, headings, lists, real footnotes.

Dump text is text, never markup: every character Markdown or HTML would act on is escaped,
so python-markdown (footnotes + nl2br) shows exactly the words of the dump.
"""

from __future__ import annotations

import re

from . import lines as L
from .model import Guess

_INLINE_RE = re.compile(r"([\\`*_\[\]])")
_ENTITY_RE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_ORDERED_RE = re.compile(r"^(\d+)(\.)")
# Alt text glued to a paragraph's start: "harrietALTHOUGH HARRIET", "11-plusI’ve", "img-2 (2)While".
_GLUED_LOWER_RE = re.compile(r"^(?P<res>[a-z][a-z0-9]{1,30})(?=[A-Z]{2,}\b)")
_GLUED_FILE_RE = re.compile(
    r"^(?P<res>[A-Za-z0-9][\w.]*?[\d_-][\w.\-]*?(?: \(\d+\))?)(?=[A-Z][a-z’'])"
)
_SCREENSHOT_RE = re.compile(
    r"Screen ?[Ss]hot \d{4}-\d{2}-\d{2}(?: at)? \d{1,2}[.:]\d{2}[.:]\d{2}(?: ?[AP]M)?"
)

Block = list[tuple[int, str]]


def escape_text(text: str) -> str:
    """Escape one line of dump text so Markdown renders it verbatim."""
    s = _escape_inline(text.strip())
    if s[:1] in ("#", ">", "+", "-"):
        s = "\\" + s
    elif s[:1] == "=":
        s = "&#61;" + s[1:]
    elif s[:1].isdigit():  # (a superset of what \d matches)
        s = _ORDERED_RE.sub(lambda m: m.group(1) + "\\" + m.group(2), s, count=1)
    return s


def escape_with_markers(text: str, defined: set[int]) -> str:
    """Escape text, turning "[n]" into a Markdown footnote reference where note n exists."""
    out, pos = [], 0
    stripped = text.strip()
    for m in L.MARKER_RE.finditer(stripped) if "[" in stripped else ():
        n = int(m.group("n"))
        if n in defined:
            out.append(_escape_piece(stripped[pos : m.start()], first=pos == 0))
            out.append(f"[^{n}]")
            pos = m.end()
    out.append(_escape_piece(stripped[pos:], first=pos == 0))
    return "".join(out)


def _escape_piece(piece: str, first: bool) -> str:
    """Escape part of a line; only the line's first piece needs line-start escapes."""
    if first:
        lead = piece[: len(piece) - len(piece.lstrip())]
        return lead + escape_text(piece) + piece[len(piece.rstrip()) :] if piece.strip() else piece
    return _escape_inline(piece)


def _escape_inline(text: str) -> str:
    """Backslash before Markdown's inline characters, entities and "<" made literal
    (each regex only where its character occurs: most text has none)."""
    if _has_inline(text):
        text = _INLINE_RE.sub(r"\\\1", text)
    if "&" in text:
        text = _ENTITY_RE.sub("&amp;", text)
    return text.replace("<", "&lt;")


def _has_inline(text: str) -> bool:
    """Whether _INLINE_RE would find a character (str's own search: faster than the regex's)."""
    return "\\" in text or "`" in text or "*" in text or "_" in text or "[" in text or "]" in text


def unglue(block: Block, file: str, guesses: list[Guess]) -> tuple[Block, str]:
    """Strip image alt text glued to a paragraph (a guess, so it is reported)."""
    (no, first), rest = block[0], block[1:]
    reason = ""
    text = first.strip()
    m = _GLUED_LOWER_RE.match(text) or _GLUED_FILE_RE.match(text)
    if m and len(text) - m.end() >= 40:
        reason = f"alt text {m.group('res')!r} removed from the paragraph's start"
        text = text[m.end() :]
    shot = _SCREENSHOT_RE.search(text) if "Screen" in text else None
    if shot:
        reason = (
            reason + "; " if reason else ""
        ) + f"screenshot file name {shot.group(0)!r} removed"
        text = text[: shot.start()] + text[shot.end() :]
    if reason:
        guesses.append(Guess(file, no, first.strip()[:80], reason))
    return [(no, text)] + rest, reason


def _note_numbers(blocks: list[Block]) -> tuple[int, set[int]]:
    """Where the notes begin (block index) and which notes become footnotes.

    Python-Markdown numbers footnotes 1, 2, 3… in the order they are defined, whatever
    their labels; so only notes [1], [2]… [k] standing in that order become footnotes (the
    page then shows the dump's own numbers).  After a gap ([1], [3]) the rest stay text."""
    markers: set[int] = set()
    stars: set[int] = set()
    start, found = len(blocks), []
    for k, block in enumerate(blocks):
        first = block[0][1].strip()
        note, star = L.NOTE_RE.match(first), L.STAR_NOTE_RE.match(first)
        if (note and int(note.group("n")) in markers) or (
            star and len(star.group("stars")) in stars
        ):
            start = min(start, k)
        if start <= k:
            if note and int(note.group("n")) in markers:
                found.append(int(note.group("n")))
            continue
        for _, text in block:
            markers.update(L.markers_in(text))
            stars.update(L.star_markers_in(text))
    defined: set[int] = set()
    for n in found:
        if n == len(defined) + 1:
            defined.add(n)
        elif n not in defined:
            break
    return start, defined


def build_body(
    blocks: list[Block], file: str, guesses: list[Guess], forced: dict | None = None
) -> tuple[list[str], dict[int, tuple[str, str]]]:
    """Markdown blocks for a post, and the role each dump line played in them."""
    forced = forced or {}
    notes_at, defined = _note_numbers(blocks)
    out: list[str] = []
    roles: dict[int, tuple[str, str]] = {}
    used: set[int] = set()
    in_note = False
    for k, block in enumerate(blocks):
        if k >= notes_at:
            in_note = _note_block(block, defined, used, in_note, out, roles)
            continue
        if _is_heading(blocks, k, forced):
            no, text = block[0]
            out.append(
                "## " + re.sub(r"(#+)$", lambda m: "\\#" * len(m.group(1)), escape_text(text))
            )
            roles[no] = ("heading", "section heading")
            continue
        block, reason = unglue(block, file, guesses)
        out.extend(_paragraphs(block, defined, roles, reason))
    return out, roles


def _is_heading(blocks: list[Block], k: int, forced: dict) -> bool:
    """A lone short line followed by prose, not introduced by a colon: a section heading."""
    block = blocks[k]
    if len(block) != 1:
        return False
    no, text = block[0]
    if forced.get(no) == "heading":
        return True
    if forced.get(no) == "text" or not L.is_heading_like(text) or k + 1 >= len(blocks):
        return False
    if k > 0 and (
        blocks[k - 1][-1][1].strip().endswith(":")
        or (len(blocks[k - 1]) == 1 and L.is_heading_like(blocks[k - 1][0][1]))
    ):
        return False  # introduced by a colon, or the last of a run of short lines
    nxt = blocks[k + 1]
    return not (len(nxt) == 1 and L.is_heading_like(nxt[0][1]) and not L.is_numbered_heading(text))


def _paragraphs(block: Block, defined: set[int], roles: dict, reason: str) -> list[str]:
    """Bullet lines become a Markdown list; the other lines stay a paragraph (line breaks kept)."""
    out, para, items = [], [], []
    for no, text in block:
        bullet = L.BULLET_RE.match(text)
        if bullet:
            if para:
                out.append("\n".join(para))
                para = []
            items.append("- " + escape_with_markers(text[bullet.end() :], defined))
            roles[no] = ("list", "bullet turned into a list item")
        else:
            if items:
                out.append("\n".join(items))
                items = []
            para.append(escape_with_markers(text, defined))
            roles[no] = ("body", reason if no == block[0][0] else "")
    if para:
        out.append("\n".join(para))
    if items:
        out.append("\n".join(items))
    return out


def _note_block(
    block: Block, defined: set[int], used: set[int], in_note: bool, out: list[str], roles: dict
) -> bool:
    """A block in the notes: a numbered note opens a footnote; other blocks continue it."""
    no, first = block[0]
    note = L.NOTE_RE.match(first.strip())
    if note and int(note.group("n")) in defined and int(note.group("n")) not in used:
        n = int(note.group("n"))
        used.add(n)
        lines = [f"[^{n}]: " + escape_with_markers(first.strip()[note.end() :], defined)]
        lines += ["    " + escape_with_markers(t, defined) for _, t in block[1:]]
        out.append("\n".join(lines))
        for line_no, _ in block:
            roles[line_no] = ("note", f"footnote {n}")
        return True
    if in_note:  # more of the note, or a "*" note after it: kept there, in the dump's order
        out[-1] += "\n\n" + "\n".join("    " + escape_with_markers(t, defined) for _, t in block)
        for line_no, _ in block:
            roles[line_no] = ("note", "footnote continued")
        return True
    out.append("\n".join(escape_with_markers(t, defined) for _, t in block))
    for line_no, _ in block:
        roles[line_no] = ("body", "note")
    return False
