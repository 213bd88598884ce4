"""The Post record and its Markdown-with-front-matter form (posts/<slug>.md).

One frozen `Post` flows loader -> posts/ -> renderer -> feed.  `to_markdown` and
`from_markdown` are exact inverses: `from_markdown(to_markdown(p)) == p`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath

import yaml
from slugify import slugify

from . import front_matter
from .errors import PostError, PostErrors, PostWarning
from .text import FORBIDDEN_RE
from .text import WINDOWS_DEVICE_NAMES as RESERVED_NAMES

# The C loader is ~10x faster with the same safe semantics; the pure dumper is kept
# because libyaml escapes emoji and other non-BMP text instead of writing it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 200  # a slug is a file and folder name: well under 255 bytes
MAX_NESTING = 32  # front matter nests 3 deep; libyaml overflows the C stack


@dataclass(frozen=True)
class Source:
    """Where a post was found: a file and, for a text dump, the 1-based lines from its title to
    its last line; for an HTML page or a WordPress export, the element or item it came from."""

    file: str
    first: int | None = None
    last: int | None = None
    element: str | None = None  # e.g. "article#post-12" or "item 3 (wp:post_id 12)"


@dataclass(frozen=True)
class Comment:
    """An archived reader comment, kept under the post (never part of its body)."""

    author: str
    text: str  # Markdown, escaped like a post body: text, never markup
    date: dt.date | None = None
    parent: int | None = None  # 1-based number of the comment this one replies to


@dataclass(frozen=True)
class Post:
    title: str
    slug: str
    body: str = ""  # Markdown (python-markdown + footnotes + nl2br)
    date: dt.date | None = None
    date_after: dt.date | None = None  # bounds for undated posts, from neighbouring posts
    date_before: dt.date | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    author: str | None = None  # where a byline or export names one
    comments: int | None = None  # as archived; None when the dump had no date line
    excerpt: bool = False  # the dump held only a teaser
    draft: bool = False  # kept out of the site unless built with --drafts
    sources: tuple[Source, ...] = field(default_factory=tuple)
    archived_comments: tuple[Comment, ...] = ()

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


def post_to_json(post: Post) -> dict:
    """A post's header (everything but the body) as JSON-ready data; `post_from_json` inverts it."""
    day = lambda d: d.isoformat() if d else None  # noqa: E731
    return {
        "title": post.title,
        "slug": post.slug,
        "date": day(post.date),
        "date_after": day(post.date_after),
        "date_before": day(post.date_before),
        "categories": list(post.categories),
        "tags": list(post.tags),
        "author": post.author,
        "comments": post.comments,
        "excerpt": post.excerpt,
        "draft": post.draft,
        "sources": [[s.file, s.first, s.last, s.element] for s in post.sources],
        "archived_comments": [
            [c.author, c.text, day(c.date), c.parent] for c in post.archived_comments
        ],
    }


def post_from_json(item: dict) -> Post:
    """The Post that `post_to_json` wrote (body empty); raises TypeError/ValueError if damaged."""
    day = lambda s: dt.date.fromisoformat(s) if s else None  # noqa: E731
    if not all(isinstance(item[k], str) for k in ("title", "slug")):
        raise TypeError("bad post header")
    return Post(
        title=item["title"],
        slug=item["slug"],
        date=day(item["date"]),
        date_after=day(item["date_after"]),
        date_before=day(item["date_before"]),
        categories=tuple(map(str, item["categories"])),
        tags=tuple(map(str, item["tags"])),
        author=item["author"],
        comments=item["comments"],
        excerpt=bool(item["excerpt"]),
        draft=bool(item["draft"]),
        sources=tuple(Source(str(f), a, b, e) for f, a, b, e in item["sources"]),
        archived_comments=tuple(
            Comment(a, t, day(d), p) for a, t, d, p in item["archived_comments"]
        ),
    )


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes each source as a one-line mapping."""


class _Flow(dict):
    pass


class _Record(dict):
    """A mapping written one key a line (an archived comment)."""


class _Block(str):
    """A multi-line string written as a YAML literal block where YAML allows it."""


_Dumper.add_representer(
    _Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", dict(m), flow_style=True)
)
_Dumper.add_representer(
    _Record, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", dict(m), flow_style=False)
)
_Dumper.add_representer(
    _Block, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", str(s), style="|")
)


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
    if post.tags:
        meta["tags"] = list(post.tags)
    if post.author is not None:
        meta["author"] = post.author
    meta["comments"] = post.comments
    meta["excerpt"] = post.excerpt
    if post.draft:
        meta["draft"] = True
    meta["sources"] = [_source_to_yaml(s) for s in post.sources]
    if post.archived_comments:
        meta["archived_comments"] = [_comment_to_yaml(c) for c in post.archived_comments]
        head = None
    else:
        head = front_matter.dump(meta)  # PyYAML's output, written directly (most posts)
    if head is None:
        head = yaml.dump(
            meta,
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=None,
            width=2**31 - 1,
        )
    body = post.body
    return f"---\n{head}---\n{body}"


def starter_markdown(title: str, day: dt.date) -> str:
    """A new hand-written post (`python build.py new`): its front matter filled in, marked
    draft until its author removes that line, and an empty body; raises ValueError for a
    title no post may have."""
    try:
        title = _title(title)
    except _Bad as exc:
        raise ValueError(f"title: {exc}") from None
    meta = {
        "title": title,
        "slug": title_slug(title),
        "date": day,
        "categories": [],
        "tags": [],
        "draft": True,
    }
    head = yaml.dump(
        meta,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=2**31 - 1,
    )
    return f"---\n{head}---\n\n"


def _source_to_yaml(source: Source) -> _Flow:
    out = _Flow(file=source.file)
    if source.first is not None:
        out["lines"] = [source.first, source.last]
    if source.element is not None:
        out["element"] = source.element
    return out


def _comment_to_yaml(comment: Comment) -> _Record:
    out = _Record(author=comment.author)
    if comment.date is not None:
        out["date"] = comment.date
    if comment.parent is not None:
        out["parent"] = comment.parent
    out["text"] = _Block(comment.text) if "\n" in comment.text else comment.text
    return out


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
    return text[4 : 4 + end.start()], text[4 + end.end() :]


@dataclass(frozen=True)
class Parsed:
    """A post file read: the Post, and warnings ('path:line: message') that do not stop it."""

    post: Post
    warnings: tuple[str, ...] = ()


def from_markdown(text: str, path: str) -> Post:
    """Parse posts/<slug>.md; problems raise a PostError (several: PostErrors) naming the file
    and line, and warnings (an unknown key) are issued as PostWarning."""
    parsed = read_post(text, path)
    for message in parsed.warnings:
        warnings.warn(message, PostWarning, stacklevel=2)
    return parsed.post


def read_post(text: str, path: str) -> Parsed:
    """Parse posts/<slug>.md into a Post and its warnings (pure); see from_markdown."""
    _refuse_forbidden(text, path)
    head, body = split_front_matter(text, path)
    _refuse_deep_nesting(head, path)
    try:
        meta = front_matter.load(head)  # PyYAML's reading of the usual shape, quicker
        if meta is None:
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
    return _check_meta(meta, body, head, path)


# The ASCII characters a post may hold: all but C0 controls (tab, newline and CR aside) and DEL.
_ASCII_ALLOWED = bytes(range(0x20, 0x7F)) + b"\t\n\r"


def _refuse_forbidden(text: str, path: str) -> None:
    """A control character anywhere in the file is an error naming its line. (ASCII text,
    most posts, is checked by bytes.translate: the regex took a sixth of reading a post.)"""
    if text.isascii() and not text.encode("ascii").translate(None, _ASCII_ALLOWED):
        return
    bad = FORBIDDEN_RE.search(text)
    if bad:
        raise PostError(path, text.count("\n", 0, bad.start()) + 1, _forbidden(bad.group()))


def _forbidden(char: str) -> str:
    return (
        f"control character U+{ord(char):04X} is not allowed (pages and feeds cannot show it); "
        "remove it"
    )


def _refuse_deep_nesting(head: str, path: str) -> None:
    """Refuse absurdly nested YAML before libyaml recurses into it (a C stack overflow)."""
    if sum(map(head.count, ("[", "{", "- ", "? "))) <= MAX_NESTING:
        return
    depth = 0
    try:
        for token in yaml.scan(head, Loader=_SafeLoader):
            depth += isinstance(token, _OPENERS) - isinstance(token, _CLOSERS)
            if depth > MAX_NESTING:
                raise PostError(
                    path,
                    token.start_mark.line + 2,
                    f"front matter nested more than {MAX_NESTING} levels deep",
                )
    except yaml.YAMLError:
        return  # the load reports it, with its line


_OPENERS = (
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
)
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


def _check_meta(meta: dict, body: str, head: str, path: str) -> Parsed:
    """The Post the front matter describes, every bad value reported at once; unknown keys
    are warnings, and a missing slug comes from the file name or the title."""
    values, problems = {}, []
    for key, convert in FIELDS.items():
        try:
            values[key] = convert(meta.get(key))
        except _Bad as exc:
            problems.append(PostError(path, _key_line(head, key), f"{key}: {exc}"))
    after, before = values.get("date_after"), values.get("date_before")
    if after and before and after > before:
        problems.append(
            PostError(path, _key_line(head, "date_after"), "date_after: is later than date_before")
        )
    if problems:
        raise post_error(path, problems)
    if values["slug"] is None:
        values["slug"] = default_slug(path, values["title"])
    return Parsed(Post(body=body, **values), tuple(_unknown_keys(meta, head, path)))


def _unknown_keys(meta: dict, head: str, path: str) -> list[str]:
    """A warning for each key no post has, naming its line and the known key it resembles."""
    out = []
    for key in meta:
        if isinstance(key, str) and key in FIELDS:
            continue
        name = key if isinstance(key, str) else _describe(key)
        near = difflib.get_close_matches(name, KEYS, n=1) if isinstance(key, str) else []
        hint = f"did you mean {near[0]!r}?" if near else f"known keys: {', '.join(KEYS)}"
        out.append(f"{path}:{_key_line(head, name)}: unknown key {name!r} ignored ({hint})")
    return out


def post_error(path: str, problems: list[PostError]) -> PostError:
    """One problem as itself; several as one PostErrors listing them in line order."""
    problems = sorted(problems, key=lambda p: p.line or 0)
    return problems[0] if len(problems) == 1 else PostErrors(path, problems)


def default_slug(path: str, title: str) -> str:
    """A post without `slug:` is named by its file (my-post.md: my-post) when that is a valid
    slug, else by its title."""
    stem = PurePath(path).stem
    try:
        return _slug(stem)
    except _Bad:
        return title_slug(title)


def title_slug(title: str) -> str:
    """python-slugify of the title, as the loader names posts; never empty, never a device name."""
    slug = slugify(title, max_length=80, word_boundary=True) or "post"
    return f"{slug}-post" if slug in RESERVED_NAMES else slug


class _Bad(ValueError):
    """Why one front-matter value cannot be used (the caller adds the file, line and key)."""


def _text(value, what: str = "text") -> str:
    """A string free of control characters (a YAML escape such as "\\x01" can write one)."""
    if not isinstance(value, str):
        raise _Bad(f"expected {what}, got {_describe(value)}")
    bad = FORBIDDEN_RE.search(value)
    if bad:
        raise _Bad(_forbidden(bad.group()))
    return value


def _title(value) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise _Bad(f"{'missing' if value is None else 'empty'}; every post needs a title")
    return _text(value)


def _slug(value) -> str | None:
    if value is None:
        return None  # filled in from the file name or the title
    if not isinstance(value, str) or not SLUG_RE.match(value):
        raise _Bad("must be lowercase letters, digits and single hyphens (e.g. my-post)")
    if len(value) > SLUG_MAX:
        raise _Bad(
            f"is {len(value)} characters long; at most {SLUG_MAX} (it names a folder of the site)"
        )
    if value in RESERVED_NAMES:
        raise _Bad(
            f"{value!r} is a device name on Windows, not a valid file name; use {value}-post"
        )
    return value


def _day(value) -> dt.date | None:
    if value is not None and (isinstance(value, dt.datetime) or not isinstance(value, dt.date)):
        raise _Bad(f"expected a date written YYYY-MM-DD, got {_describe(value)}")
    return value


def _names(example: str):
    """A converter for a list of category or tag names (missing or null: none)."""

    def convert(value) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(n, str) and n.strip() for n in value):
            raise _Bad(f"expected a list of names, e.g. {example}")
        return tuple(_text(n) for n in value)

    return convert


def _author(value) -> str | None:
    if value is not None and not (isinstance(value, str) and value.strip()):
        raise _Bad("expected a name, or leave the key out")
    return None if value is None else _text(value)


def _count(value) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise _Bad("expected a whole number of comments, or null")
    return value


def _flag(value) -> bool:
    if value is not None and not isinstance(value, bool):
        raise _Bad("expected true or false")
    return bool(value)


def _comments(raw) -> tuple[Comment, ...]:
    """Archived comments: [{author, date?, parent?, text}], each parent an earlier comment."""
    if raw is None:
        return ()
    usage = "expected a list of {author: NAME, date: YYYY-MM-DD, parent: N, text: TEXT}"
    if not isinstance(raw, list):
        raise _Bad(usage)
    out = []
    for n, item in enumerate(raw, 1):
        if not (
            isinstance(item, dict)
            and set(map(str, item)) <= {"author", "date", "parent", "text"}
            and isinstance(item.get("author"), str)
            and isinstance(item.get("text"), str)
        ):
            raise _Bad(f"comment {n}: {usage}")
        date, parent = item.get("date"), item.get("parent")
        if date is not None and (isinstance(date, dt.datetime) or not isinstance(date, dt.date)):
            raise _Bad(f"comment {n}: date must be YYYY-MM-DD")
        if parent is not None and (
            isinstance(parent, bool) or not isinstance(parent, int) or not 1 <= parent < n
        ):
            raise _Bad(f"comment {n}: parent must be the number of an earlier comment")
        try:
            author, text = _text(item["author"]), _text(item["text"])
        except _Bad as exc:
            raise _Bad(f"comment {n}: {exc}") from None
        out.append(Comment(author=author, text=text, date=date, parent=parent))
    return tuple(out)


def _sources(raw) -> tuple[Source, ...]:
    """[{file, lines: [first, last]}] for dumps, [{file, element}] for pages and exports."""
    if raw is None:
        return ()
    usage = "expected a list of {file: NAME, lines: [FIRST, LAST]} or {file: NAME, element: WHERE}"
    if not isinstance(raw, list):
        raise _Bad(usage)
    out = []
    for item in raw:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("file"), str)
            and set(map(str, item)) <= {"file", "lines", "element"}
        ):
            raise _Bad(usage)
        lines, element = item.get("lines"), item.get("element")
        if lines is not None and not (
            isinstance(lines, list)
            and len(lines) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lines)
            and lines[0] <= lines[1]
        ):
            raise _Bad(usage)
        if element is not None and not isinstance(element, str):
            raise _Bad(usage)
        first, last = lines if lines is not None else (None, None)
        out.append(Source(item["file"], first, last, element))
    return tuple(out)


# Every front-matter key and its converter (raw YAML value, None when absent -> Post field);
# the order is the order of the Post's fields and of to_markdown's keys.
FIELDS = {
    "title": _title,
    "slug": _slug,
    "date": _day,
    "date_after": _day,
    "date_before": _day,
    "categories": _names("[Labour Party News]"),
    "tags": _names("[tomatoes, frost]"),
    "author": _author,
    "comments": _count,
    "excerpt": _flag,
    "draft": _flag,
    "sources": _sources,
    "archived_comments": _comments,
}
KEYS = tuple(FIELDS)
