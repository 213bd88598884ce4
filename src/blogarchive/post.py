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
from .text import FORBIDDEN_RE
from .text import WINDOWS_DEVICE_NAMES as RESERVED_NAMES

# The C loader is ~10x faster with the same safe semantics; the pure dumper is kept
# because libyaml escapes emoji and other non-BMP text instead of writing it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 200                      # a slug is a file and folder name: well under 255 bytes
MAX_NESTING = 32                    # front matter nests 3 deep; libyaml overflows the C stack
KEYS = ("title", "slug", "date", "date_after", "date_before", "categories", "tags", "author",
        "comments", "excerpt", "draft", "sources", "archived_comments")


@dataclass(frozen=True)
class Source:
    """Where a post was found: a file and, for a text dump, the 1-based lines from its title to
    its last line; for an HTML page or a WordPress export, the element or item it came from."""
    file: str
    first: int | None = None
    last: int | None = None
    element: str | None = None          # e.g. "article#post-12" or "item 3 (wp:post_id 12)"


@dataclass(frozen=True)
class Comment:
    """An archived reader comment, kept under the post (never part of its body)."""
    author: str
    text: str                           # Markdown, escaped like a post body: text, never markup
    date: dt.date | None = None
    parent: int | None = None           # 1-based number of the comment this one replies to


@dataclass(frozen=True)
class Post:
    title: str
    slug: str
    body: str = ""                      # Markdown (python-markdown + footnotes + nl2br)
    date: dt.date | None = None
    date_after: dt.date | None = None   # bounds for undated posts, from neighbouring posts
    date_before: dt.date | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    author: str | None = None           # where a byline or export names one
    comments: int | None = None         # as archived; None when the dump had no date line
    excerpt: bool = False               # the dump held only a teaser
    draft: bool = False                 # kept out of the site unless built with --drafts
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
    day = lambda d: d.isoformat() if d else None     # noqa: E731
    return {"title": post.title, "slug": post.slug, "date": day(post.date),
            "date_after": day(post.date_after), "date_before": day(post.date_before),
            "categories": list(post.categories), "tags": list(post.tags), "author": post.author,
            "comments": post.comments, "excerpt": post.excerpt, "draft": post.draft,
            "sources": [[s.file, s.first, s.last, s.element] for s in post.sources],
            "archived_comments": [[c.author, c.text, day(c.date), c.parent]
                                  for c in post.archived_comments]}


def post_from_json(item: dict) -> Post:
    """The Post that `post_to_json` wrote (body empty); raises TypeError/ValueError if damaged."""
    day = lambda s: dt.date.fromisoformat(s) if s else None     # noqa: E731
    if not all(isinstance(item[k], str) for k in ("title", "slug")):
        raise TypeError("bad post header")
    return Post(title=item["title"], slug=item["slug"], date=day(item["date"]),
                date_after=day(item["date_after"]), date_before=day(item["date_before"]),
                categories=tuple(map(str, item["categories"])), tags=tuple(map(str, item["tags"])),
                author=item["author"], comments=item["comments"], excerpt=bool(item["excerpt"]),
                draft=bool(item["draft"]),
                sources=tuple(Source(str(f), a, b, e) for f, a, b, e in item["sources"]),
                archived_comments=tuple(Comment(a, t, day(d), p)
                                        for a, t, d, p in item["archived_comments"]))


class _Dumper(yaml.SafeDumper):
    """Safe dumper that writes each source as a one-line mapping."""


class _Flow(dict):
    pass


class _Record(dict):
    """A mapping written one key a line (an archived comment)."""


class _Block(str):
    """A multi-line string written as a YAML literal block where YAML allows it."""


_Dumper.add_representer(
    _Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", dict(m), flow_style=True))
_Dumper.add_representer(
    _Record, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", dict(m), flow_style=False))
_Dumper.add_representer(
    _Block, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", str(s), style="|"))


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
    head = yaml.dump(meta, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=2**31 - 1)
    body = post.body
    return f"---\n{head}---\n{body}"


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
    categories = _names(meta, "categories", "[Labour Party News]", fail)
    tags = _names(meta, "tags", "[tomatoes, frost]", fail)
    author = meta.get("author")
    if author is not None and not (isinstance(author, str) and author.strip()):
        fail("author", "expected a name, or leave the key out")
    comments = meta.get("comments")
    if comments is not None and (isinstance(comments, bool) or not isinstance(comments, int)
                                 or comments < 0):
        fail("comments", "expected a whole number of comments, or null")
    excerpt, draft = meta.get("excerpt", False), meta.get("draft", False)
    if not isinstance(excerpt, bool):
        fail("excerpt", "expected true or false")
    if not isinstance(draft, bool):
        fail("draft", "expected true or false")
    for key, names in (("title", [title]), ("categories", categories), ("tags", tags),
                       ("author", [author or ""])):
        bad = next((FORBIDDEN_RE.search(n) for n in names if FORBIDDEN_RE.search(n)), None)
        if bad:     # written as a YAML escape such as "\x01"
            fail(key, _forbidden(bad.group()))
    return Post(title=title, slug=slug, body=body, date=dates["date"],
                date_after=dates["date_after"], date_before=dates["date_before"],
                categories=tuple(categories), tags=tuple(tags), author=author,
                comments=comments, excerpt=excerpt, draft=draft,
                sources=_sources(meta.get("sources", []), fail),
                archived_comments=_comments(meta.get("archived_comments"), fail))


def _names(meta: dict, key: str, example: str, fail) -> list[str]:
    """A list of category or tag names (missing or null: none)."""
    names = meta.get(key)
    if names is None:
        return []
    if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        fail(key, f"expected a list of names, e.g. {example}")
    return names


def _comments(raw, fail) -> tuple[Comment, ...]:
    """Archived comments: [{author, date?, parent?, text}], each parent an earlier comment."""
    if raw is None:
        return ()
    usage = "expected a list of {author: NAME, date: YYYY-MM-DD, parent: N, text: TEXT}"
    if not isinstance(raw, list):
        fail("archived_comments", usage)
    out = []
    for n, item in enumerate(raw, 1):
        if not (isinstance(item, dict) and set(map(str, item)) <= {"author", "date", "parent", "text"}
                and isinstance(item.get("author"), str) and isinstance(item.get("text"), str)):
            fail("archived_comments", f"comment {n}: {usage}")
        date, parent = item.get("date"), item.get("parent")
        if date is not None and (isinstance(date, dt.datetime) or not isinstance(date, dt.date)):
            fail("archived_comments", f"comment {n}: date must be YYYY-MM-DD")
        if parent is not None and (isinstance(parent, bool) or not isinstance(parent, int)
                                   or not 1 <= parent < n):
            fail("archived_comments", f"comment {n}: parent must be the number of an earlier comment")
        if FORBIDDEN_RE.search(item["author"]) or FORBIDDEN_RE.search(item["text"]):
            fail("archived_comments", f"comment {n}: " + _forbidden(
                (FORBIDDEN_RE.search(item["author"]) or FORBIDDEN_RE.search(item["text"])).group()))
        out.append(Comment(author=item["author"], text=item["text"], date=date, parent=parent))
    return tuple(out)


def _sources(raw, fail) -> tuple[Source, ...]:
    """[{file, lines: [first, last]}] for dumps, [{file, element}] for pages and exports."""
    if raw is None:
        return ()
    usage = "expected a list of {file: NAME, lines: [FIRST, LAST]} or {file: NAME, element: WHERE}"
    if not isinstance(raw, list):
        fail("sources", usage)
    out = []
    for item in raw:
        if not (isinstance(item, dict) and isinstance(item.get("file"), str)
                and set(map(str, item)) <= {"file", "lines", "element"}):
            fail("sources", usage)
        lines, element = item.get("lines"), item.get("element")
        if lines is not None and not (
                isinstance(lines, list) and len(lines) == 2
                and all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in lines)
                and lines[0] <= lines[1]):
            fail("sources", usage)
        if element is not None and not isinstance(element, str):
            fail("sources", usage)
        first, last = lines if lines is not None else (None, None)
        out.append(Source(item["file"], first, last, element))
    return tuple(out)
