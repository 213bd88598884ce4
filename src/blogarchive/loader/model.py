"""The loader's working records: what became of each dump line, and a post as one dump shows it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..errors import DumpError
from ..post import Comment
from ..text import FORBIDDEN_RE

LINE_KINDS = ("title", "text", "heading", "chrome", "residue")


def unite(names) -> list[str]:
    """Category names without repeats, compared case-insensitively; the first spelling is kept."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


@dataclass(slots=True)  # slots: one per dump line, made and read in every pass
class LineNote:
    """One dump line and its fate: title, body, heading, list, note, chrome, residue or blank."""

    no: int
    text: str
    role: str = ""
    reason: str = ""
    post: int | None = None  # index into DumpParse.posts
    data: Any = None


@dataclass(frozen=True)
class Guess:
    """A decision the loader could not be sure of; listed in the import report."""

    file: str
    line: int
    text: str
    what: str
    weak: bool = False  # listed first in the report: the likeliest to be wrong


@dataclass
class RawPost:
    """A post as one dump shows it, before duplicates across dumps are merged."""

    title: str
    title_line: int
    last_line: int
    dump: str
    index: int
    date: dt.date | None = None
    comments: int | None = None
    categories: list[str] = field(default_factory=list)
    excerpt: bool = False
    blocks: list[str] = field(default_factory=list)  # Markdown blocks, in order
    date_after: dt.date | None = None
    date_before: dt.date | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None
    thread: list[Comment] = field(default_factory=list)  # archived comments, in page order
    origin: str = "text"  # text | html | wxr: precedence when copies disagree (wxr first)
    element: str | None = None  # the HTML element or WXR item, where origin is not text
    slug: str | None = None  # the blog's own slug, where the source gives one (WXR)


@dataclass
class DumpParse:
    """One dump read: its lines' fates, its posts, the guesses made and what the page is."""

    name: str
    notes: list[LineNote]
    posts: list[RawPost] = field(default_factory=list)
    guesses: list[Guess] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    header_categories: list[str] = field(default_factory=list)
    page_kinds: list[str] = field(default_factory=list)  # from archive headers, threads…
    date_formats: list[str] = field(default_factory=list)  # WordPress formats of its dates


@dataclass(frozen=True)
class PostOverride:
    line: int  # the title's line number
    date: dt.date | None = None
    categories: tuple[str, ...] | None = None
    comments: int | None = None
    title: str | None = None


@dataclass(frozen=True)
class Overrides:
    """A person's corrections for one dump (dumps/<dump>.overrides.yaml)."""

    lines: dict = field(default_factory=dict)  # line number -> one of LINE_KINDS
    posts: tuple[PostOverride, ...] = ()

    def apply(self, post: RawPost, dump: str) -> RawPost:
        for o in self.posts:
            if o.line == post.title_line:
                if o.date is not None:
                    post.date = o.date
                if o.categories is not None:
                    post.categories = list(o.categories)
                if o.comments is not None:
                    post.comments = o.comments
                if o.title is not None:
                    post.title = o.title
        return post


def parse_overrides(data: Any, path: str, line_count: int) -> Overrides:
    """Validate an overrides mapping; every problem names the file and the key."""
    if data is None:
        return Overrides()
    if not isinstance(data, dict):
        raise DumpError(path, None, "expected a mapping with 'lines' and/or 'posts'")
    unknown = sorted(set(map(str, data)) - {"lines", "posts"})
    if unknown:
        raise DumpError(path, None, f"unknown key {unknown[0]!r} (expected 'lines' or 'posts')")
    lines = {}
    for key, kind in (data.get("lines") or {}).items():
        if not isinstance(key, int) or not 1 <= key <= line_count:
            raise DumpError(
                path, None, f"lines: {key!r} is not a line number of the dump (1-{line_count})"
            )
        if kind not in LINE_KINDS:
            raise DumpError(
                path, None, f"lines: {key}: {kind!r} is not one of {', '.join(LINE_KINDS)}"
            )
        lines[key] = kind
    posts = tuple(_post_override(p, path, line_count) for p in (data.get("posts") or []))
    return Overrides(lines=lines, posts=posts)


def _post_override(item: Any, path: str, line_count: int) -> PostOverride:
    if not isinstance(item, dict) or not isinstance(item.get("line"), int):
        raise DumpError(
            path, None, "posts: each entry needs 'line: N', the line of the post's title"
        )
    bad = sorted(set(map(str, item)) - {"line", "date", "categories", "comments", "title"})
    if bad:
        raise DumpError(path, None, f"posts: line {item['line']}: unknown key {bad[0]!r}")
    date, cats, comments = item.get("date"), item.get("categories"), item.get("comments")
    if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
        raise DumpError(path, None, f"posts: line {item['line']}: date must be YYYY-MM-DD")
    if cats is not None and not (isinstance(cats, list) and all(isinstance(c, str) for c in cats)):
        raise DumpError(
            path, None, f"posts: line {item['line']}: categories must be a list of names"
        )
    if comments is not None and (not isinstance(comments, int) or comments < 0):
        raise DumpError(path, None, f"posts: line {item['line']}: comments must be a whole number")
    title = item.get("title")
    if title is not None and not (isinstance(title, str) and title.strip()):
        raise DumpError(path, None, f"posts: line {item['line']}: title must be text")
    if any(FORBIDDEN_RE.search(t) for t in [title or "", *(cats or [])]):
        raise DumpError(
            path,
            None,
            f"posts: line {item['line']}: a control character in a title "
            "or category (pages cannot show it)",
        )
    return PostOverride(
        line=item["line"],
        date=date,
        categories=tuple(cats) if cats is not None else None,
        comments=comments,
        title=title,
    )
