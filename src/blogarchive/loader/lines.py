"""What a single dump line is, judged on its own: blank, chrome, a date line, residue-like…

These predicates know nothing about neighbouring lines; segment.py adds the context.
"""

from __future__ import annotations

import datetime as dt
import re

from ..text import MONTHS as MONTH_NAMES

MONTHS = {m.lower(): i for i, m in enumerate(MONTH_NAMES, 1)}

_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_BLANK_RE = re.compile(rf"^[\s{_ZERO_WIDTH}]*$")
HEADER_RE = re.compile(r"^Archive for the [‘'\"“](?P<name>.+?)[’'\"”] Category\s*$", re.I)
_COMMENTS = r"(?P<comments>Leave a comment|(?P<n>\d+|One|No) [Cc]omments?|(?P<r>\d+) [Rr]esponses?)"
_DATE_MDY = r"(?P<month>[A-Z][a-z]+) (?P<day>\d{1,2}), (?P<year>\d{4})"
_DATE_DMY = r"(?P<day2>\d{1,2}) (?P<month2>[A-Z][a-z]+),? (?P<year2>\d{4})"
DATELINE_RE = re.compile(
    rf"^\s*(?=\S)(?:{_DATE_MDY}|{_DATE_DMY})?(?:(?:(?<=\d)\s+|(?<!\d)){_COMMENTS})?\s*$"
)
MORE_RE = re.compile(
    r"^\s*(?:Continue reading\s*(?:→|->|&rarr;)?|Read more\s*(?:→|»)?|\(more…\))\s*$"
)
CATEGORIES_RE = re.compile(r"^\s*Categor(?:y|ies):\s*(?P<names>\S.*?)\s*$")
FOOTER_RES = (
    re.compile(r"^\s*Get every new post delivered to your Inbox\.?\s*$"),
    re.compile(r"^\s*Join \d[\d,]* other followers\s*$"),
    re.compile(r"^\s*(?:Blog at|Create a free website or blog at) WordPress\.com\.?\s*$"),
)
FOLLOW_RE = re.compile(r"^\s*Follow\s*$")
ARCHIVE_RE = re.compile(r"^\s*Archives?\s*$")
# An image file name left where the image was: "IDS-spain-2014", "4a081ec76", "foo_bar (2)".
FILENAME_RE = re.compile(r"^(?=[^\s]*[-_\d])[A-Za-z0-9][\w.\-]*(?: \(\d+\))?$")
# A short all-lowercase phrase ("a priori") standing alone: alt text, not prose.
LOWER_PHRASE_RE = re.compile(r"^[a-z][a-z'’\- ]{0,30}$")
CREDIT_RE = re.compile(r"^(?:Photo|Image|Picture|Credit|Photograph)s?\b\s*(?:by\b|:|©)", re.I)
NOTE_RE = re.compile(r"^\[(?P<n>\d{1,3})\]\s*")
STAR_NOTE_RE = re.compile(r"^(?P<stars>\*{1,3})\s*\S")
MARKER_RE = re.compile(r"\[(?P<n>\d{1,3})\]")
STAR_MARKER_RE = re.compile(r"(?<=[\w.,;:!?)’'\"”])(?P<stars>\*{1,3})(?!\w)")
BULLET_RE = re.compile(r"^\s*[•●▪◦]\s*")
# Every line one of the patterns above reads as a whole (classify._legacy's rules): one test,
# which prose fails at once, where trying each pattern in turn cost a call apiece.
_LEGACY_RES = (HEADER_RE, DATELINE_RE, ARCHIVE_RE, MORE_RE, CATEGORIES_RE, *FOOTER_RES, FOLLOW_RE)
LEGACY_RE = re.compile(
    "|".join(f"(?{'i' if rx.flags & re.I else ''}:{rx.pattern})" for rx in _LEGACY_RES)
)
_SENTENCE_END = tuple(".,;:!?…\"”'’")
_NUMBERED_HEADING_RE = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s+\S")


def markers_in(text: str) -> set[int]:
    """Numbers of the '[n]' note markers in a line (the cheap test first: most lines have none)."""
    return {int(m.group("n")) for m in MARKER_RE.finditer(text)} if "[" in text else set()


def star_markers_in(text: str) -> set[int]:
    """Lengths of the '*' note markers ('sometimes*', '**') in a line."""
    return {len(m.group("stars")) for m in STAR_MARKER_RE.finditer(text)} if "*" in text else set()


def is_blank(text: str) -> bool:
    """Empty, or only spaces, no-break spaces and zero-width characters."""
    if text and not text[0].isspace() and text[0] not in _ZERO_WIDTH:
        return False  # the cheap test first: most lines start with a letter
    return bool(_BLANK_RE.match(text))


def parse_dateline(text: str) -> tuple[dt.date | None, int | None] | None:
    """'August 25, 2015 2 comments' -> (date, 2); not a date line -> None.

    An impossible date ('February 30, 2015') raises ValueError so the caller can say where.
    """
    m = DATELINE_RE.match(text)
    if not m:
        return None
    month = m.group("month") or m.group("month2")
    date = None
    if month:
        if month.lower() not in MONTHS:
            return None
        day = int(m.group("day") or m.group("day2"))
        year = int(m.group("year") or m.group("year2"))
        date = dt.date(year, MONTHS[month.lower()], day)
    return date, _comment_count(m)


def _comment_count(m: re.Match) -> int | None:
    if not m.group("comments"):
        return None
    if m.group("comments") == "Leave a comment":
        return 0
    raw = m.group("n") or m.group("r")
    return {"One": 1, "No": 0}.get(raw) if not raw.isdigit() else int(raw)


def header_category(text: str) -> str | None:
    m = HEADER_RE.match(text)
    return m.group("name").strip() if m else None


def categories_of(text: str) -> list[str] | None:
    """'Categories: A, B' -> ['A', 'B']; anything else -> None."""
    m = CATEGORIES_RE.match(text)
    if not m:
        return None
    return [c.strip() for c in m.group("names").split(",") if c.strip()]


def is_footer(text: str) -> bool:
    return bool(FOOTER_RES[0].match(text) or FOOTER_RES[1].match(text) or FOOTER_RES[2].match(text))


def is_more(text: str) -> bool:
    return bool(MORE_RE.match(text))


def is_filename(text: str) -> bool:
    """An image's file name standing alone ('IDS-spain-2014'): residue, not prose."""
    s = text.strip()
    return (
        len(s) <= 80
        and bool(FILENAME_RE.match(s))
        and any(c.isalpha() for c in s)
        and not s.isdigit()
    )


def is_lower_phrase(text: str) -> bool:
    s = text.strip()
    return bool(LOWER_PHRASE_RE.match(s)) and len(s.split()) <= 4


def is_credit(text: str) -> bool:
    return bool(CREDIT_RE.match(text.strip()))


def is_title_like(text: str, max_len: int = 150, max_words: int = 25) -> bool:
    """Could stand as a post title: short, no sentence-ending punctuation, not a note or list
    item."""
    s = text.strip()
    if not s or len(s) > max_len or s.endswith(_SENTENCE_END) or len(s.split()) > max_words:
        return False  # (counting words last: the costliest test)
    if not (s[0].isupper() or s[0].isdigit() or s[0] in "‘“\"'("):
        return False
    return not (
        NOTE_RE.match(s)
        or STAR_NOTE_RE.match(s)
        or BULLET_RE.match(s)
        or is_credit(s)
        or is_filename(s)
        or DATELINE_RE.match(s)
    )


def is_heading_like(text: str) -> bool:
    """A section heading inside a post ('Part I', '1  Introduction', 'The realist orthodoxy')."""
    return is_title_like(text, max_len=80, max_words=10)


def is_numbered_heading(text: str) -> bool:
    return bool(_NUMBERED_HEADING_RE.match(text.strip()))
