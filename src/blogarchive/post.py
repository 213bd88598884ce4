"""The Post record and its Markdown-with-front-matter form (posts/<slug>.md).

One frozen `Post` flows loader -> posts/ -> renderer -> feed.  `to_markdown` and
`from_markdown` are exact inverses: `from_markdown(to_markdown(p)) == p`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import yaml

from .errors import PostError

# The C loader is ~10x faster with the same safe semantics; the pure dumper is kept
# because libyaml escapes emoji and other non-BMP text instead of writing it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 200                      # a slug is a file and folder name: well under 255 bytes
# Names Windows reserves for devices, in any folder and with any extension.
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                            *(f"lpt{i}" for i in range(10))})
# Characters no post may hold: control characters (HTML shows none of them, XML 1.0 and
# feeds cannot carry C0 ones) and the two non-characters XML forbids.  Python-Markdown
# also uses STX/ETX internally as placeholders, so they must never reach it as text.
FORBIDDEN_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
MAX_NESTING = 32                    # front matter nests 3 deep; libyaml overflows the C stack
KEYS = ("title", "slug", "date", "date_after", "date_before", "categories",
        "comments", "excerpt", "sources")


@dataclass(frozen=True)
class Source:
    """Where a post was found: a dump file and the 1-based lines from its title to its last line."""
    file: str
    first: int
    last: int


@dataclass(frozen=True)
class Post:
    title: str
    slug: str
    body: str = ""                      # Markdown (python-markdown + footnotes + nl2br)
    date: dt.date | None = None
    date_after: dt.date | None = None   # bounds for undated posts, from neighbouring posts
    date_before: dt.date | None = None
    categories: tuple[str, ...] = ()
    comments: int | None = None         # as archived; None when the dump had no date line
    excerpt: bool = False               # the dump held only a teaser
    sources: tuple[Source, ...] = field(default_factory=tuple)

    @property
    def sort_date(self) -> dt.date | None:
        """The date used to order posts: the exact date, else the upper bound (never invented)."""
        return self.date or self.date_before or self.date_after


def undated_label(post: Post, day) -> str:
    """What is known of an undated post's date, each bound written by `day(date)`:
    'Undated — between 8 September 2014 and 30 April 2015'; never an invented date."""
    after, before = post.date_after, post.date_before
    if after and before:
        return f"Undated — between {day(after)} and {day(before)}"
    if after or before:
        return f"Undated — {'after' if after else 'before'} {day(after or before)}"
    return "Undated"


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes each source as a one-line mapping."""


class _Flow(dict):
    pass


_Dumper.add_representer(
    _Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", dict(m), flow_style=True))


def to_markdown(post: Post) -> str:
    """Serialise a post as YAML front matter plus Markdown body."""
    meta: dict = {"title": post.title, "slug": post.slug}
    if post.date is not None:
        meta["date"] = post.date
    else:
        if post.date_after is not None:
            meta["date_after"] = post.date_after
        if post.date_before is not None:
            meta["date_before"] = post.date_before
    meta["categories"] = list(post.categories)
    meta["comments"] = post.comments
    meta["excerpt"] = post.excerpt
    meta["sources"] = [_Flow(file=s.file, lines=[s.first, s.last]) for s in post.sources]
    head = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=2**31 - 1)
    body = post.body
    return f"---\n{head}---\n{body}"


def split_front_matter(text: str, path: str) -> tuple[str, str]:
    """Split '---\\n<yaml>---\\n<body>' into its two parts; the body is kept verbatim.

    A file saved with Windows line endings (its first line ends in CRLF) is read as LF
    throughout; otherwise a CR in the body is the body's own and is kept."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if text.startswith("---\r\n"):
        text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise PostError(path, 1, "expected front matter starting with '---'")
    end = re.search(r"^---[ \t]*\r?$\n?", text[4:], re.M)
    if end is None:
        raise PostError(path, 1, "front matter is not closed by a '---' line")
    return text[4:4 + end.start()], text[4 + end.end():]


def from_markdown(text: str, path: str) -> Post:
    """Parse posts/<slug>.md; every problem is a PostError naming the file and line."""
    _refuse_forbidden(text, path)
    head, body = split_front_matter(text, path)
    _refuse_deep_nesting(head, path)
    try:
        meta = yaml.load(head, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        raise PostError(path, line, f"bad YAML in front matter: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise PostError(path, 1, f"bad YAML in front matter: {exc}") from None
    except ValueError as exc:  # e.g. date: 2015-02-30
        raise PostError(path, _key_line(head, "date"), f"impossible date: {exc}") from None
    if not isinstance(meta, dict):
        raise PostError(path, 2, "front matter must be a mapping of keys to values")
    return _post_from_meta(meta, body, head, path)


def _refuse_forbidden(text: str, path: str) -> None:
    """A control character anywhere in the file is an error naming its line."""
    bad = FORBIDDEN_RE.search(text)
    if bad:
        raise PostError(path, text.count("\n", 0, bad.start()) + 1, _forbidden(bad.group()))


def _forbidden(char: str) -> str:
    return (f"control character U+{ord(char):04X} is not allowed (pages and feeds cannot show it); "
            "remove it")


def _refuse_deep_nesting(head: str, path: str) -> None:
    """Refuse absurdly nested YAML before libyaml recurses into it (a C stack overflow)."""
    if sum(map(head.count, ("[", "{", "- ", "? "))) <= MAX_NESTING:
        return
    depth = 0
    try:
        for token in yaml.scan(head, Loader=_SafeLoader):
            depth += isinstance(token, _OPENERS) - isinstance(token, _CLOSERS)
            if depth > MAX_NESTING:
                raise PostError(path, token.start_mark.line + 2,
                                f"front matter nested more than {MAX_NESTING} levels deep")
    except yaml.YAMLError:
        return      # the load reports it, with its line


_OPENERS = (yaml.BlockSequenceStartToken, yaml.BlockMappingStartToken,
            yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)
_CLOSERS = (yaml.BlockEndToken, yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)


def _describe(value) -> str:
    """A value for an error message, never the whole of a huge or self-referencing one."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return repr(value)[:60]
    return f"a {type(value).__name__}"


def _key_line(head: str, key: str) -> int:
    """1-based line of `key:` in the post file (front matter starts on line 2)."""
    for i, line in enumerate(head.split("\n")):
        if re.match(rf"{re.escape(str(key))}\s*:", line):
            return i + 2
    return 1


def _post_from_meta(meta: dict, body: str, head: str, path: str) -> Post:
    def fail(key: str, message: str):
        raise PostError(path, _key_line(head, key), f"{key}: {message}")

    unknown = [k for k in meta if not isinstance(k, str) or k not in KEYS]
    if unknown:
        key = unknown[0] if isinstance(unknown[0], str) else _describe(unknown[0])
        fail(key, f"unknown key (known keys: {', '.join(KEYS)})")
    title = meta.get("title")
    if not isinstance(title, str):
        fail("title", "missing; every post needs a title" if title is None
             else f"expected text, got {_describe(title)}")
    if not title.strip():
        fail("title", "empty; every post needs a title")
    slug = meta.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        fail("slug", "must be lowercase letters, digits and single hyphens (e.g. my-post)")
    if len(slug) > SLUG_MAX:
        fail("slug", f"is {len(slug)} characters long; at most {SLUG_MAX} (it names a folder of the site)")
    if slug in RESERVED_NAMES:
        fail("slug", f"{slug!r} is a device name on Windows, not a valid file name; use {slug}-post")
    dates = {}
    for key in ("date", "date_after", "date_before"):
        value = meta.get(key)
        if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
            fail(key, f"expected a date written YYYY-MM-DD, got {_describe(value)}")
        dates[key] = value
    if dates["date_after"] and dates["date_before"] and dates["date_after"] > dates["date_before"]:
        fail("date_after", "is later than date_before")
    categories = meta.get("categories", [])
    if categories is None:
        categories = []
    if not isinstance(categories, list) or not all(
            isinstance(c, str) and c.strip() for c in categories):
        fail("categories", "expected a list of category names, e.g. [Labour Party News]")
    comments = meta.get("comments")
    if comments is not None and (isinstance(comments, bool) or not isinstance(comments, int)
                                 or comments < 0):
        fail("comments", "expected a whole number of comments, or null")
    excerpt = meta.get("excerpt", False)
    if not isinstance(excerpt, bool):
        fail("excerpt", "expected true or false")
    for key, names in (("title", [title]), ("categories", categories)):
        bad = next((FORBIDDEN_RE.search(n) for n in names if FORBIDDEN_RE.search(n)), None)
        if bad:     # written as a YAML escape such as "\x01"
            fail(key, _forbidden(bad.group()))
    return Post(title=title, slug=slug, body=body, date=dates["date"],
                date_after=dates["date_after"], date_before=dates["date_before"],
                categories=tuple(categories), comments=comments, excerpt=excerpt,
                sources=_sources(meta.get("sources", []), fail))


def _sources(raw, fail) -> tuple[Source, ...]:
    if raw is None:
        return ()
    ok = isinstance(raw, list)
    out = []
    for item in raw if ok else ():
        lines = item.get("lines") if isinstance(item, dict) else None
        if not (isinstance(item, dict) and isinstance(item.get("file"), str)
                and isinstance(lines, list) and len(lines) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lines)
                and lines[0] <= lines[1]):
            ok = False
            break
        out.append(Source(item["file"], lines[0], lines[1]))
    if not ok:
        fail("sources", "expected a list of {file: NAME, lines: [FIRST, LAST]}")
    return tuple(out)
