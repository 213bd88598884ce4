"""WordPress's own grammar for page text, shared by every theme: dates, bylines, meta lines,
archive headers, comment counts, and the words WordPress and Jetpack print around posts.

Pure predicates on one line of text; page.py puts them together over a whole page.  These are
the strings of WordPress core, its default themes' screen-reader text and Jetpack, not of any
one theme; whatever a theme adds is learned from the dumps themselves (chrome.py).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september "
        "october november december".split(),
        1,
    )
}
MONTHS.update({m[:3]: i for m, i in list(MONTHS.items())})
MONTHS["sept"] = 9

_MON = r"[A-Z][a-z]{2,8}\.?"
_WEEKDAY = r"(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+"
_TIME = r"(?:\s*(?:,|at|@|-|–)?\s*\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|[AP]M)?)"
_DATE = (
    rf"(?:{_WEEKDAY})?(?:"
    rf"(?P<mdy_m>{_MON})\s+(?P<mdy_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mdy_y>\d{{4}})"
    rf"|(?P<dmy_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dmy_m>{_MON}),?\s+(?P<dmy_y>\d{{4}})"
    r"|(?P<iso_y>\d{4})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})"
    r"|(?P<sl_a>\d{1,2})/(?P<sl_b>\d{1,2})/(?P<sl_y>\d{4}))"
)
DATE_RE = re.compile(rf"(?<![\w/-]){_DATE}(?![\w/-])")
# Every date above has a four-digit year: a line without one holds no date (a cheap first test).
YEAR_RE = re.compile(r"\d{4}")
_DATE_LINE_RE = re.compile(rf"^\s*{_DATE}{_TIME}?\s*$")
# A comment's author glued to its date by a browser copy: "SunitaMay 29, 2012 at 5:35 am".
GLUED_DATE_RE = re.compile(
    rf"^(?P<who>.{{0,59}}?[^\s,])(?P<d>{_DATE}){_TIME}?\s*(?:said|says|wrote)?:?\s*$"
)
# Twenty Eleven's 'Janet Oduya on 22 November 2011 at 8:15 am said:'
COMMENT_ON_DATE_RE = re.compile(
    rf"^(?P<who>.{{1,59}}?)\s+on\s+(?P<d>{_DATE}){_TIME}?\s*(?:said|says|wrote)?:?\s*$"
)

COUNT = (
    r"(?P<count>(?:View all\s+)?(?P<n>\d{1,5}|One|No|Zero)\s+"
    r"(?:[Cc]omments?|[Rr]epl(?:y|ies)|[Rr]esponses?)(?:\s+so far)?"
    r"|Leave an?\s+(?:[Cc]omment|[Rr]eply)|Comments?\s+(?:are\s+)?(?:[Oo]ff|closed))"
)
_COUNT_RE = re.compile(rf"^\s*{COUNT}\.?\s*$")
_GLUED_COUNT_RE = re.compile(rf"{COUNT}(?:\s+on\s+(?P<on>.+?))?\s*$")
THREAD_RE = re.compile(
    r"^\s*(?P<n>\d{1,5}|One|No)\s+(?:[Tt]houghts?|[Rr]esponses?|[Rr]epl(?:y|ies)|"
    r"[Cc]omments?)\s+(?:on|to)\s+[“\"‘'«](?P<title>.+?)[”\"’'»]\s*:?\s*$"
)
# The same heading with the title in italics, not quotes ("2 Responses to Title"): a thread's
# heading only right above a comment's header (page.py).
BARE_THREAD_RE = re.compile(
    r"^\s*(?P<n>\d{1,5}|One)\s+(?:[Tt]houghts?|[Rr]esponses?|[Rr]epl(?:y|ies)|[Cc]omments?)"
    r"\s+(?:on|to)\s+(?P<title>[^“”\"]{1,200}?)\s*:?\s*$"
)


@dataclass(frozen=True)
class Meta:
    """What a meta line (or block of lines) says about its post.

    `place`: where the theme puts it: "header" (under the title), "footer" (after the body)
    or "either" (decided per blog from where such lines stand, see page.py)."""

    shape: str
    place: str
    date: dt.date | None = None
    fmt: str | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    comments: int | None = None
    about: str | None = None  # "… on <title>": the title the line names
    glued: str | None = None  # what a glued meta line holds after its date (above.py reads it)

    def with_(self, **kw) -> "Meta":
        return Meta(**{**self.__dict__, **kw})


def _date_of(m: re.Match) -> tuple[dt.date, str]:
    """(date, WordPress format name) from a DATE_RE match; ValueError if impossible."""
    g = m.groupdict()
    if g.get("mdy_m"):
        return dt.date(int(g["mdy_y"]), _month(g["mdy_m"]), int(g["mdy_d"])), "F j, Y"
    if g.get("dmy_m"):
        return dt.date(int(g["dmy_y"]), _month(g["dmy_m"]), int(g["dmy_d"])), "j F Y"
    if g.get("iso_y"):
        return dt.date(int(g["iso_y"]), int(g["iso_m"]), int(g["iso_d"])), "Y-m-d"
    a, b = int(g["sl_a"]), int(g["sl_b"])
    if b > 12 >= a:
        return dt.date(int(g["sl_y"]), a, b), "m/d/Y"
    return dt.date(int(g["sl_y"]), b, a), "d/m/Y"


def _month(name: str) -> int:
    key = name.rstrip(".").lower()
    if key not in MONTHS:
        raise ValueError(f"{name!r} is not a month")
    return MONTHS[key]


def find_date(text: str) -> tuple[dt.date, str, re.Match] | None:
    """The first valid date written anywhere in the text, its format and where it stands."""
    for m in DATE_RE.finditer(text):
        try:
            date, fmt = _date_of(m)
        except ValueError:
            continue
        return date, fmt, m
    return None


_DATED_COUNT_RE = re.compile(rf"^\s*(?P<d>{_DATE}){_TIME}?\s*(?:[|·•—–/-]\s*)?{COUNT}\.?\s*$")


def dated_count(text: str) -> Meta | None:
    """A date and the comment link beside it: '21st November 2014 2 Comments'."""
    if "omment" not in text and "epl" not in text and "espons" not in text:
        return None  # every COUNT phrase holds one of these
    m = _DATED_COUNT_RE.match(text)
    hit = find_date(m.group("d")) if m else None
    if hit is None:
        return None
    count = comment_count(m.group("count"), m.group("n"))
    return Meta("dateline", "header", date=hit[0], fmt=hit[1], comments=count)


# The line readers below are pure and their results immutable; chrome and meta lines repeat
# on every page, so each keeps its latest answers.
_remember = functools.lru_cache(maxsize=4096)


@_remember
def date_line(text: str) -> tuple[dt.date, str] | None:
    """A line that is only a date (weekday and time allowed): 'Sunday, 19 April 2015 at 9:00'."""
    m = _DATE_LINE_RE.match(text) if YEAR_RE.search(text) else None
    if not m:
        return None
    try:
        return _date_of(m)
    except ValueError:
        return None


def comment_count(phrase: str | None, n: str | None) -> int | None:
    """'4 Comments' -> 4, 'One Reply' -> 1, 'Leave a comment' -> 0, 'Comments off' -> None."""
    if not phrase:
        return None
    if n:
        return {"one": 1, "no": 0, "zero": 0}.get(n.lower(), None) if not n.isdigit() else int(n)
    return 0 if phrase.lower().startswith("leave") else None


def count_line(text: str) -> Meta | None:
    """'5 Replies', 'Leave a reply', 'No Comments': a comment count standing alone."""
    m = _COUNT_RE.match(text)
    if not m:
        return None
    return Meta("count", "either", comments=comment_count(m.group("count"), m.group("n")))


def split_names(text: str) -> tuple[str, ...]:
    """'Club Rides, Routes' -> ('Club Rides', 'Routes'); WordPress joins terms with commas."""
    return tuple(n.strip(" .") for n in re.split(r",\s*|\s+·\s+", text) if n.strip(" ."))


def strip_count(value: str) -> tuple[str, int | None, bool, str | None]:
    """A value with a comment link glued to its end ('sportive, recce3 Comments on X'):
    (value, count, found, title named by 'on …')."""
    m = _GLUED_COUNT_RE.search(value)
    if not m:
        return value, None, False, None
    return (
        value[: m.start()].strip(" |,"),
        comment_count(m.group("count"), m.group("n")),
        True,
        m.group("on"),
    )


# --- bylines: "Posted on May 3, 2012 by gardener", "by X on DATE", "X wrote on DATE" ---------

_AUTHOR = r"(?P<author>[^|·•/.!?:;]{1,60}?)"
_TAIL = rf"(?:\s*[|·•/—–-]?\s*{COUNT})?\.?"
_IN_CATS = r"(?:\s+in\s+(?P<cats>[^|·•]{1,150}?))?"  # "Posted on May 3, 2012 in Rides by …"
_BYLINE_RES = (
    re.compile(
        rf"^\s*(?:Posted|Published|Written|Added)(?:\s+on)?\s+(?P<d>{_DATE}){_TIME}?{_IN_CATS}"
        rf"(?:,?\s+by\s+{_AUTHOR})?{_TAIL}\s*$",
        re.I,
    ),
    re.compile(
        rf"^\s*(?:Posted\s+|Written\s+)?[Bb]y\s+{_AUTHOR}(?:\s+on|,|\s+[|·•—–-])\s+"
        rf"(?P<d>{_DATE}){_TIME}?{_IN_CATS}"
        rf"{_TAIL}\s*$"
    ),
    re.compile(
        rf"^\s*{_AUTHOR}\s+(?:wrote|posted)\s+(?:this\s+)?(?:on\s+)?(?P<d>{_DATE}){_TIME}?:?"
        rf"{_TAIL}\s*$"
    ),
    re.compile(rf"^\s*On\s+(?P<d>{_DATE}){_TIME}?,?\s+{_AUTHOR}\s+(?:wrote|said):?\s*$"),
    re.compile(rf"^\s*(?P<d>{_DATE}){_TIME}?\s+(?:by|·|—|–|\||/)\s+{_AUTHOR}{_TAIL}\s*$"),
    re.compile(rf"^\s*(?:Posted|Written)\s+by\s+{_AUTHOR}{_TAIL}\s*$"),
    # date, author and comment link side by side: "May 3, 2012 gardener 4 Comments", or
    # glued by a browser copy: "21 November 2014 Hal Whitby2 Comments"
    re.compile(rf"^\s*(?P<d>{_DATE}){_TIME}?\s+{_AUTHOR}\s*{COUNT}\.?\s*$"),
)


_UNDATED_BYLINE = ("Posted", "Written")  # how the one byline without a date starts


@_remember
def byline(text: str) -> Meta | None:
    """A byline: date and/or author, perhaps a comment count."""
    if len(text) > 200:
        return None
    if not YEAR_RE.search(text) and not text.lstrip().startswith(_UNDATED_BYLINE):
        return None  # every byline but "Posted by X" holds a date
    for rx in _BYLINE_RES:
        m = rx.match(text)
        if not m:
            continue
        date = fmt = None
        if m.groupdict().get("d"):
            hit = find_date(m.group("d"))
            if hit is None:
                return None
            date, fmt = hit[0], hit[1]
        author = (m.groupdict().get("author") or "").strip() or None
        if author and not _name_like(author):
            continue
        g = m.groupdict()
        return Meta(
            "byline",
            "either",
            date=date,
            fmt=fmt,
            author=author,
            categories=split_names(g.get("cats") or ""),
            comments=comment_count(g.get("count"), g.get("n")),
        )
    return None


_GLUED_META_RE = re.compile(rf"^\s*(?P<d>{_DATE})(?P<rest>[A-Z][^.!?]{{0,200}})$")


def glued_meta(text: str) -> Meta | None:
    """A meta line whose links a copy glued together, the date first and a name straight after
    it with no space ('May 3, 2013Fruit, Vegetablesfrost, winterAnn'): its date, and the rest
    kept as it is (where the categories end and the tags begin is not marked: above.py)."""
    m = _GLUED_META_RE.match(text)
    hit = find_date(m.group("d")) if m else None
    if hit is None:
        return None
    return Meta("glued", "header", date=hit[0], fmt=hit[1], glued=m.group("rest"))


def _name_like(text: str) -> bool:
    return len(text.split()) <= 5 and not text.lower().startswith(("the ", "a ", "an "))


# --- entry meta: "This entry was posted in A and tagged b on DATE by X.", "Posted in A | Tagged b"

_ENTRY_RE = re.compile(
    r"^\s*This entry was posted(?:\s+in\s+(?P<cats>.+?))?(?:\s+and tagged\s+(?P<tags>.+?))?"
    rf"(?:\s+on\s+(?P<d>{_DATE}))?(?:\s+by\s+(?P<author>[^.]+?))?\."
    r"(?:\s*Bookmark the permalink\.)?\s*$"
)
_PART_RES = (
    (
        "cats",
        re.compile(
            r"^(?:Posted in|Filed (?:under|in)|Categories|Categorized in)\s*:?\s+"
            r"(?P<v>[^.!?]{1,150})$"
        ),
    ),
    ("tags", re.compile(r"^(?:Tagged(?: with)?|Tags)\s*:?\s+(?P<v>[^.!?]{1,150})$")),
    ("skip", re.compile(r"^(?:Bookmark the permalink\.?|Edit|Permalink)$")),
)


# An entry meta line holds one of these words (its "This entry" form, or a part naming
# categories or tags): a cheap first test before the patterns.
_ENTRY_WORDS_RE = re.compile(r"This entry was posted|Posted in|Filed (?:under|in)|Categor|Tag")
# Parts of an entry meta line: '|' or '·' between them, or nothing but the tags' own label
# ('Categories Fruit Tags frost, winter 2 Comments', GeneratePress as a scraper reads it).
_ENTRY_SPLIT_RE = re.compile(r"\s+\|\s+|\s+·\s+|\s+(?=(?:Tags|Tagged)\s*:?\s)")
_BAR_SPLIT_RE = re.compile(r"\s+\|\s+|\s+·\s+")

_DATED_TAIL_RE = re.compile(
    rf"^(?P<v>.+?)(?:\s+on\s+(?P<d>{_DATE}){_TIME}?)?(?:,?\s+by\s+{_AUTHOR})?\.?$"
)


def _dated_tail(value: str, meta: Meta) -> tuple[str, Meta]:
    """'Rides on June 2, 2013 by Sam' -> 'Rides', with the date and author folded into meta."""
    m = _DATED_TAIL_RE.match(value)
    hit = find_date(m.group("d")) if m and m.group("d") else None
    author = (m.group("author") or "").strip() if m else ""
    if not m or not (hit or (author and _name_like(author))):
        return value, meta
    if hit:
        meta = meta.with_(date=hit[0], fmt=hit[1])
    return m.group("v"), meta.with_(author=author or meta.author)


@_remember
def entry_meta(text: str) -> Meta | None:
    """A footer meta line: categories, tags, date, author, count
    ('Posted in A | Tagged b | 4 Comments'); not a sentence that starts like one (a term
    never ends in ';', '!' or '?')."""
    if len(text) > 400 or not _ENTRY_WORDS_RE.search(text):
        return None
    meta = _entry_meta(text)
    if meta is not None and any(n.endswith((";", "!", "?")) for n in meta.categories + meta.tags):
        return None
    return meta


def _entry_meta(text: str) -> Meta | None:
    m = _ENTRY_RE.match(text)
    if m:
        hit = find_date(m.group("d")) if m.group("d") else None
        return Meta(
            "entry",
            "footer",
            date=hit[0] if hit else None,
            fmt=hit[1] if hit else None,
            author=(m.group("author") or "").strip() or None,
            categories=split_names(m.group("cats") or ""),
            tags=split_names(m.group("tags") or ""),
        )
    split = _ENTRY_SPLIT_RE if "Tag" in text else _BAR_SPLIT_RE
    parts = [p.strip() for p in split.split(text.strip()) if p.strip()]
    meta = Meta("entry", "footer")
    keyword = False
    for part in parts:
        got = _entry_part(part, meta)
        if got is None:
            return None
        meta, key = got
        keyword = keyword or key
    return meta if keyword else None


def _entry_part(part: str, meta: Meta) -> tuple[Meta, bool] | None:
    """One '|'-separated part of an entry meta line folded into meta; None if it is not one."""
    for kind, rx in _PART_RES:
        m = rx.match(part)
        if not m:
            continue
        if kind == "skip":
            return meta, False
        value, count, found, _ = strip_count(m.group("v"))
        meta = meta.with_(comments=count if found else meta.comments)
        value, meta = _dated_tail(value, meta)
        if kind == "cats":
            return meta.with_(categories=meta.categories + split_names(value)), True
        return meta.with_(tags=meta.tags + split_names(value)), True
    count = count_line(part)
    if count:
        return meta.with_(comments=count.comments), False
    by = byline(part)
    if by:
        cats = meta.categories + by.categories
        return meta.with_(date=by.date, fmt=by.fmt, author=by.author, categories=cats), False
    hit = date_line(part)
    if hit:
        return meta.with_(date=hit[0], fmt=hit[1]), False
    return None


# --- labelled meta: screen-reader labels ("Posted on", "Author", "Categories", "Tags") ---------

LABELS = {
    "posted on": "date",
    "post date": "date",
    "post author": "author",
    "published": "date",
    "date": "date",
    "author": "author",
    "by": "author",
    "posted by": "author",
    "categories": "cats",
    "category": "cats",
    "posted in": "cats",
    "filed under": "cats",
    "tags": "tags",
    "tagged": "tags",
    "categorized as": "cats",
    "categorized in": "cats",
}
_LONGEST_LABEL = max(map(len, LABELS))
_LABEL_WORDS = (
    r"(Posted on|Posted in|Posted by|Post date|Post author|Published|Author|Categories|Category|"
    r"Categorized as|Categorized in|Tags|Tagged|Filed under)"
)
_LABEL_SPLIT_RE = re.compile(rf"\s*{_LABEL_WORDS}(?=[\s:])\s*:?\s*")
# Labels a copy glued to their values ('CategoriesFruitTagsfrost'): a label at the start before
# a capital, or after a small letter inside a line that starts with a label.
_GLUED_FIRST_RE = re.compile(rf"^{_LABEL_WORDS}(?=[A-Z])")
_LABEL_FIRST_RE = re.compile(rf"\s*{_LABEL_WORDS}")  # a line that may start with a label
_GLUED_LABEL_RE = re.compile(rf"(?<=[a-z0-9]){_LABEL_WORDS}(?=[A-Za-z])")
_GLUED_BY_RE = re.compile(r"(?<=\d)(By\s)")  # 'Published 3 May 2021By Owen'
# An author's name glued to the date after it ('Nadia HoltNovember 21, 2019')
_AUTHOR_DATE_RE = re.compile(rf"^(?P<who>.{{1,60}}?)(?P<d>{_DATE}){_TIME}?\s*$")


def _unglue_labels(text: str) -> str:
    """'CategoriesFruitTagsfrost' -> 'Categories Fruit Tags frost'; other lines as they are."""
    if not _LABEL_FIRST_RE.match(text):
        return text.strip()
    s = _GLUED_FIRST_RE.sub(r"\1 ", text.strip())
    if not _LABEL_SPLIT_RE.match(s):
        return text.strip()
    return _GLUED_BY_RE.sub(r" \1", _GLUED_LABEL_RE.sub(r" \1 ", s))


def is_label(text: str) -> bool:
    """A screen-reader label on a line of its own ('Posted on', 'Author', 'Tags')."""
    s = text.strip().rstrip(":")
    return len(s) <= _LONGEST_LABEL and s.lower() in LABELS  # lower() never shortens


def opens_with_label(text: str) -> bool:
    """The line may start with a label (every label_start and labelled_meta line does)."""
    return bool(_LABEL_FIRST_RE.match(text))


def label_start(text: str) -> bool:
    """A label and its value on one line: 'Author gardener', 'Categories Waders'."""
    if not _LABEL_FIRST_RE.match(text):
        return False
    s = _unglue_labels(text)
    return len(s) <= 200 and not is_label(s) and bool(_LABEL_SPLIT_RE.match(s))


@_remember
def labelled_meta(text: str, terms_only: bool = False) -> Meta | None:
    """'Posted on 19 April 2015Author Tom AshworthCategories Club RidesTags a, b3 Comments on T'.
    A block of categories or tags alone counts only where the caller says so (`terms_only`)."""
    s = _unglue_labels(text)
    if len(s) > 500 or not _LABEL_SPLIT_RE.match(s):
        return None
    pieces = _LABEL_SPLIT_RE.split(s)[1:]
    terms_only = terms_only or len({LABELS[p.lower()] for p in pieces[::2]}) > 1
    meta = Meta("labelled", "either")
    for label, value in zip(pieces[::2], pieces[1::2]):
        value, count, found, about = strip_count(value.strip())
        if found:
            meta = meta.with_(comments=count, about=about)
        kind = LABELS[label.lower()]
        if kind == "date":
            hit = find_date(value)
            if hit is None:
                return None
            by = byline(f"Posted on {value}")  # '… 14 November 2011 by Ruth Abara'
            meta = meta.with_(date=hit[0], fmt=hit[1], author=by and by.author or meta.author)
        elif kind == "author" and value:
            meta = _author_value(meta, value)
        elif kind in ("cats", "tags") and value:
            key = "categories" if kind == "cats" else "tags"
            meta = meta.with_(**{key: getattr(meta, key) + split_names(value)})
    terms = meta.categories or meta.tags
    if meta.date is None and not (terms and (meta.comments is not None or terms_only)):
        return None
    if meta.date is None and meta.comments is None and meta.author is None:
        return meta.with_(shape="terms")  # placed by its own votes: themes split the two
    return meta


def _author_value(meta: Meta, value: str) -> Meta:
    """'By Owen Price', or a name glued to the date after it ('Nadia HoltNovember 21, 2019')."""
    m = _AUTHOR_DATE_RE.match(value)
    hit = find_date(m.group("d")) if m else None
    if hit:
        meta, value = meta.with_(date=hit[0], fmt=hit[1]), m.group("who")
    return meta.with_(author=re.sub(r"^[Bb]y\s+", "", value.strip()))


# --- page headers: "Category Archives: X", "Archive for the ‘X’ Category", "Posts tagged x" ----

_HEADER_RES = (
    ("category", re.compile(r"^Archive for the [‘'\"“](?P<v>.+?)[’'\"”] Category$", re.I), True),
    ("tag", re.compile(r"^Archive for the [‘'\"“](?P<v>.+?)[’'\"”] Tag$", re.I), True),
    ("category", re.compile(r"^Category Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("tag", re.compile(r"^Tag Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("tag", re.compile(r"^Posts tagged\s*:?\s*[‘'\"“]?(?P<v>.+?)[’'\"”]?$", re.I), True),
    ("month", re.compile(r"^Monthly Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("year", re.compile(r"^Yearly Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("day", re.compile(r"^Daily Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("author", re.compile(r"^Author Archives?\s*:\s*(?P<v>.+)$", re.I), True),
    ("month", re.compile(r"^Archive for (?P<v>[A-Z][a-z]+,? \d{4})$"), True),
    ("search", re.compile(r"^Search Results for\s*:\s*(?P<v>.+)$", re.I), True),
    ("category", re.compile(r"^Category\s*:\s*(?P<v>.+)$"), False),
    ("tag", re.compile(r"^Tag\s*:\s*(?P<v>.+)$"), False),
    ("month", re.compile(r"^Month\s*:\s*(?P<v>.+)$"), False),
    ("year", re.compile(r"^Year\s*:\s*(?P<v>\d{4})$"), False),
    ("day", re.compile(r"^Day\s*:\s*(?P<v>.+)$"), False),
    ("author", re.compile(r"^Author\s*:\s*(?P<v>.+)$"), False),
)


@dataclass(frozen=True)
class PageHeader:
    kind: str  # category, tag, month, year, day, author, search
    label: str
    anywhere: bool  # unmistakable wording; the short forms count only above the posts


# The first word of every header above (any case): a cheap first test before the patterns.
_HEADER_START_RE = re.compile(
    r"\s*(?:archive|category|tag|posts|monthly|yearly|daily|author|search|month|year|day)", re.I
)


@_remember
def page_header(text: str) -> PageHeader | None:
    if not _HEADER_START_RE.match(text):
        return None
    s = " ".join(text.split())
    if len(s) > 120:
        return None
    for kind, rx, anywhere in _HEADER_RES:
        m = rx.match(s)
        if m:
            kept = rx.match(_LOOSE_SPACE_RE.sub(" ", text.strip()))  # a no-break space in a
            label = (kept or m).group("v")  # name stays one: only the wording's are folded
            return PageHeader(kind, label.strip(" ‘’“”\"'"), anywhere)
    return None


_LOOSE_SPACE_RE = re.compile(r"[^\S\u00a0]+|\s{2,}")  # runs of spaces but a lone no-break one


# --- WordPress core, default-theme and Jetpack words around posts -----------------------------


def _words_re(*patterns: str) -> re.Pattern:
    return re.compile(r"^\s*(?:" + "|".join(patterns) + r")\s*$", re.I)


MORE_RE = re.compile(
    r"^\s*(?:Continue reading|Read more|Read More|Read the rest of this (?:entry|post)|"
    r"\(more(?:…|\.\.\.)\))(?P<rest>.*?)\s*$"
)
_ARROWS = " →»›…>.-–—\"“”‘’'()"
NAV_HEAD_RE = _words_re(r"Posts? [Nn]avigation", r"Comment navigation", r"Navigation")
NAV_RE = _words_re(
    r"(?:[←«‹]\s*)?(?:Older|Newer|Previous|Next)(?:\s+(?:posts?|entries|page|Post|Entries|Page))?"
    r"(?:\s*[→»›])?:?",
    r"Page(?:\s+\d+(?:\s+of\s+\d+)?)?",
    r"\d{1,3}(?:\s+(?:Next|Previous)\s+page)?",
    r"…|\.\.\.",
    r"[←«‹].{1,120}",
    r".{1,120}[→»›]",
)
SITE_RE = _words_re(  # unmistakable anywhere
    r"Skip to (?:the |main )?content",
    r"Search for:",
    r"Search …",
    r"Menu and widgets",
    r"(?:[^.!?]{1,60}[,|·—–-]\s*)?(?:Proudly )?[Pp]owered by WordPress\.?",
    r"(?:Blog|Website) (?:at|Powered by) WordPress\.com\.?",
    r"Create a (?:free )?website or blog at WordPress\.com\.?",
    r"Theme: .{1,60} by .{1,60}\.",
    r"Entries (?:RSS|feed)",
    r"Comments (?:RSS|feed)",
    r"WordPress\.org",
    r"Close and accept",
    r"Privacy & Cookies: .+",
    r"To find out more, including how to control cookies, see here: .+",
    r"Report this content",
    r"View site in Reader",
    r"Manage subscriptions",
    r"Collapse this bar",
    r"Bookmark the permalink\.?",
    r"Reply\s*↓",
    r"Log in to Reply",
    r"Cancel reply",
    r"Post Comment",
    r"Like Loading(?:…|\.\.\.)",
    r"Be the first to like this\.?",
    r"\d+ bloggers? likes? this\.?",
    r"Share this:",
    r"Like this:",
    r"Click to (?:share|email|print) .{1,80}",
    r"Follow (?:Blog )?via Email",
    r"Enter your email address to (?:follow|subscribe to) this blog.{1,120}",
    r"Join \d[\d,]* other (?:followers|subscribers)",
)
SITE_WEAK_RE = _words_re(  # common words: chrome only beside other chrome
    r"Menu",
    r"Search",
    r"Log in",
    r"Log out",
    r"Follow",
    r"Subscribe",
    r"Subscribed",
    r"Sign me up",
    r"Edit",
    r"Reply(?:\s*→)?",
    r"Loading(?:…|\.\.\.)",
    r"Share:?",
    r"Related",
    r"Press This",
    r"Reblog",
    r"Meta",
    r"Archives",
    r"Categories",
    r"Recent Posts",
    r"Recent Comments",
    r"Pages",
    r"Blogroll",
    r"Tags",
    r"Links",
    r"Top Posts(?: & Pages)?",
    r"Calendar",
)
SHARE_HEAD_RE = _words_re(r"Share this:?", r"Share:", r"Like this:")
SHARE_ITEM_RE = _words_re(
    r"Twitter",
    r"Facebook",
    r"Email",
    r"Print",
    r"LinkedIn",
    r"Reddit",
    r"Tumblr",
    r"Pinterest",
    r"Pocket",
    r"Telegram",
    r"WhatsApp",
    r"Mastodon",
    r"Threads",
    r"Bluesky",
    r"Nextdoor",
    r"X",
    r"More",
    r"Like",
    r"Reblog",
    r"Share",
    r"Loading(?:…|\.\.\.)",
    r"Like Loading(?:…|\.\.\.)",
    r"Be the first to like this\.?",
    r"\d+ bloggers? likes? this\.?",
    r"Click to .{1,80}",
)
RELATED_HEAD_RE = _words_re(r"Related(?: posts)?")
RELATED_CONTEXT_RE = re.compile(r"^\s*(?:In [“\"].+[”\"]|Similar post|With \d+ comments?)\s*$")
FORM_HEAD_RE = _words_re(
    r"Leave an? (?:Reply|Comment)(?: to .{1,80})?(?:\s+Cancel reply)?",
    r"(?:Add|Post) a comment",
    r"Comments are closed\.?",
    r"You must be logged in to post a comment\.?",
)
FORM_RE = _words_re(
    r"Cancel reply",
    r"Your email address will not be published\..*",
    r"Required fields are marked \*",
    r"Comment\s*\*?",
    r"Name\s*\*?",
    r"Email\s*\*?",
    r"Website",
    r"Post Comment",
    r"Save my name.{1,120}",
    r"Notify me of .{1,80}",
    r"You must be logged in to post a comment\.?",
    r"Fill in your details below or click an icon to log in:?",
    r"Enter your comment here\.*",
    r"Δ",
    r"Comments are closed\.?",
)
COMMENT_REPLY_RE = _words_re(r"Reply(?:\s*[↓→])?", r"Log in to Reply", r"Reply to .{1,60}")


def more_link(text: str, earlier: set[str]) -> bool:
    """'Continue reading →', 'Read more', or 'Continue reading <a title shown earlier>'."""
    m = MORE_RE.match(text)
    if not m:
        return False
    rest = m.group("rest").strip(_ARROWS)
    return not rest or norm(rest) in earlier


def norm(text: str) -> str:
    """A line's identity for comparisons: quotes, dashes and spacing ignored, case folded
    (lines longer than any title or label are compared as they are)."""
    if len(text) > 200:
        return text
    t = text
    for old, new in _NORM:  # str.replace: several times faster than str.translate
        if old in t:
            t = t.replace(old, new)
    return " ".join(t.split()).strip(" .:").casefold()


_NORM = tuple(zip("‘’“”–—\u00a0", "''\"\"-- "))


def is_sentence(text: str) -> bool:
    """Prose rather than a label: ends like a sentence or runs long."""
    s = text.strip()
    return len(s.split()) > 14 or s.endswith((".", "!", "?", "”", '"')) and len(s.split()) > 3
