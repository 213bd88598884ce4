"""A single post's comment thread ("6 thoughts on “Title”", each comment's author, date, text and
"Reply"): never part of the post, kept as archived comments (pure: lines in, records out)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..post import Comment
from . import grammar as G
from .body import escape_text

_SAYS_RE = re.compile(r"\s*(?:says|said|wrote)\s*:?\s*$|\s+on\s*$|\s*[|·,:]\s*$", re.I)


@dataclass
class Thread:
    """The comment thread under one post: where it is and what it holds."""

    head: int  # line index of "N thoughts on “Title”"
    title: str | None
    count: int | None
    lines: list[int] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


def _author(text: str) -> str | None:
    name = _SAYS_RE.sub("", text.strip()).strip()
    return name if name and len(name.split()) <= 6 and len(name) <= 60 else None


def comment_header(rows: list[str], j: int) -> tuple[str, object, int] | None:
    """(author, date, first line of the header) where line j dates a comment:
    'SunitaMay 29, 2012 at 5:35 am', 'Sunita says: May 29, 2012 at 5:35 am', or 'Gareth'
    (perhaps over 'says:') above '27 October 2014 at 4:39 pm'."""
    text = rows[j].strip()
    if len(text) > 120:
        return None
    whole = G.date_line(text)
    if whole:
        above = next((k for k in range(j - 1, max(j - 3, -1), -1) if rows[k].strip()), None)
        if above is not None and above > 0 and not _author(rows[above]):  # 'says:' on its own
            above = above - 1 if rows[above - 1].strip() else None
        if above is None or G.COMMENT_REPLY_RE.match(rows[above]) or G.THREAD_RE.match(rows[above]):
            return None
        author = _author(rows[above])
        return (author, whole[0], above) if author else None
    m = G.COMMENT_ON_DATE_RE.match(text) or G.GLUED_DATE_RE.match(text)
    hit = G.find_date(m.group("d")) if m else None
    if hit is None:
        return None
    author = _author(m.group("who"))
    return (author, hit[0], j) if author else None


def parse_thread(rows: list[str], head: int, end: int) -> Thread:
    """The comments between a thread's heading (line `head`) and `end` (exclusive)."""
    m = G.THREAD_RE.match(rows[head]) or G.BARE_THREAD_RE.match(rows[head])
    bare = None if m else G.count_line(rows[head])  # a heading with no title: '2 Comments'
    thread = Thread(
        head,
        m.group("title").strip() if m else None,
        G.comment_count("n", m.group("n")) if m else bare and bare.comments,
        list(range(head, end)),
    )
    starts = []
    for j in range(head + 1, end):
        got = comment_header(rows, j)
        if got and (not starts or got[2] > starts[-1][2]):
            starts.append(got)
    for k, (author, date, first) in enumerate(starts):
        stop = starts[k + 1][2] if k + 1 < len(starts) else end
        dated = next((k for k in range(first, min(first + 3, end)) if G.find_date(rows[k])), first)
        thread.comments.append(
            Comment(author=author, date=date, text=_comment_text(rows, dated + 1, stop))
        )
    return thread


def _comment_text(rows: list[str], start: int, stop: int) -> str:
    """A comment's paragraphs, escaped like post text; its 'Reply' link left out."""
    paras: list[list[str]] = []
    prev_blank = True
    for j in range(start, stop):
        t = rows[j].strip()
        if not t or G.COMMENT_REPLY_RE.match(t) or (G.date_line(t) and not paras):
            prev_blank = True
            continue
        if prev_blank:
            paras.append([])
        paras[-1].append(escape_text(t))
        prev_blank = False
    return "\n\n".join("\n".join(p) for p in paras)
