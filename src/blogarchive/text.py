"""Shared text rules, one home each: which characters a post, a page or a feed may hold,
month names, plurals, title identity, safe and unique slugs, dates as feeds give them, and
what counts as an absolute URL. Pure functions and constants only.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

# -- characters --------------------------------------------------------------------------------
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f"  # C0 controls but tab, newline and carriage return
_SURROGATES = "\ud800-\udfff"  # never valid alone; UTF-8 cannot encode them
_NONCHARS = "\ufffe\uffff"  # the two non-characters XML 1.0 forbids

# Characters no post may hold: control characters (HTML shows none of them, XML 1.0 and
# feeds cannot carry C0 ones) and the two non-characters XML forbids.  Python-Markdown
# also uses STX/ETX internally as placeholders, so they must never reach it as text.
FORBIDDEN_RE = re.compile(f"[{_C0}\x7f-\x9f{_NONCHARS}]")
# The same test on a whole text, 2-3x faster than FORBIDDEN_RE.search on a dump (a regex
# class scan goes character by character): on its UTF-8 bytes (lone surrogates passed
# through, as FORBIDDEN_RE ignores them), C0 and DEL by deleting every other byte, then the
# C1 controls (U+0080-U+009F: C2 80-9F) and U+FFFE/U+FFFF (EF BF BE/BF) by their lead bytes.
_C0_DEL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_C0_DEL_BYTES = bytes(b for b in range(256) if b not in _C0_DEL_BYTES)
_C1_UTF8_RE = re.compile(b"\xc2[\x80-\x9f]")
_NONCHARS_UTF8_RE = re.compile(b"\xef\xbf[\xbe\xbf]")


def holds_forbidden(text: str) -> bool:
    """Whether FORBIDDEN_RE finds anything in `text` (the same answer, found faster)."""
    data = text.encode("utf-8", "surrogatepass")
    if data.translate(None, _NOT_C0_DEL_BYTES):
        return True
    if text.isascii():
        return False
    return bool(_C1_UTF8_RE.search(data) or _NONCHARS_UTF8_RE.search(data))


# What no HTML page may hold: C0 controls, DEL and lone surrogates.
NOT_IN_HTML_RE = re.compile(f"[{_C0}\x7f{_SURROGATES}]")
# XML 1.0 Char excludes these; lone surrogates cannot be encoded as UTF-8 at all.
NOT_IN_XML_RE = re.compile(f"[{_C0}{_SURROGATES}{_NONCHARS}]")
# For str.translate: drops lone surrogates (JSON text written as UTF-8).
DROP_SURROGATES = str.maketrans({c: None for c in range(0xD800, 0xE000)})

# -- words -------------------------------------------------------------------------------------
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def plural(n: int, noun: str, zero: str | None = None) -> str:
    """'1 post', '3 posts'; `zero` replaces '0 posts' when given ('no posts')."""
    if n == 0 and zero is not None:
        return zero
    return f"1 {noun}" if n == 1 else f"{n} {noun}s"


def squeeze_spaces(text: str) -> str:
    """Runs of whitespace (no-break spaces too) as one space, none at either end."""
    return re.sub(r"\s+", " ", text).strip()


_TITLE_PUNCTUATION = str.maketrans("‘’“”–—\u00a0", "''\"\"-- ")


def normalise_title(title: str) -> str:
    """The identity of a title across dumps: case, quotes and spacing ignored."""
    return squeeze_spaces(title.translate(_TITLE_PUNCTUATION)).casefold()


def series_key(text: str) -> str:
    """Title text as series are grouped by: case, apostrophes and all punctuation ignored."""
    return re.sub(r"[^\w]+", " ", text.replace("’", "'").replace("'", "")).strip().casefold()


# -- names -------------------------------------------------------------------------------------
# Names Windows reserves for devices, in any folder and with any extension.
WINDOWS_DEVICE_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)
SLUG_WORDS_MAX = 80  # characters of a slug made from a title or category name


def safe_slug(name: str, fallback: str) -> str:
    """The slug `name` asks for: a valid folder name everywhere, never empty (`fallback`),
    never a Windows device name (`fallback` appended), at most 80 characters."""
    from slugify import slugify  # loaded when a slug is made, not by every command

    slug = slugify(name, max_length=SLUG_WORDS_MAX, word_boundary=True) or fallback
    return f"{slug}-{fallback}" if slug in WINDOWS_DEVICE_NAMES else slug


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or on a collision `base-2`, `base-3`…: the first not in `taken` (now added)."""
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


# -- dates and URLs ------------------------------------------------------------------------------
def midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """A post's day as feeds publish it: midnight, aware, in the blog's time zone."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def is_absolute_http(url) -> bool:
    """True for an absolute http(s) URL with a host."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)
