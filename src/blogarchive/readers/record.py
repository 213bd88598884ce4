"""What reading one HTML page or WordPress export gives, beside the posts themselves."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from slugify import slugify

from ..loader.model import DumpParse
from ..post import SLUG_RE
from ..text import FORBIDDEN_RE
from ..text import WINDOWS_DEVICE_NAMES as RESERVED_NAMES

if TYPE_CHECKING:  # images.py loads bs4, which text dumps do not need
    from .images import ImageCopy

UNCATEGORIZED = "uncategorized"
_ISO_DATE_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})")


@dataclass
class FileRead:
    """One file's posts (as the loader's DumpParse), their addresses on the old blog, its images."""

    parse: DumpParse
    addresses: dict[int, tuple[str, ...]] = field(default_factory=dict)  # raw index -> URLs
    images: dict[str, ImageCopy] = field(default_factory=dict)


def clean(text: str | None) -> str:
    """Text of a title, name or category: control characters gone, spaces collapsed."""
    return " ".join(FORBIDDEN_RE.sub("", text or "").split())


def categories(names) -> list[str]:
    """Category names as shown, without WordPress's "Uncategorized" (no category at all)."""
    return [n for n in (clean(x) for x in names) if n and n.casefold() != UNCATEGORIZED]


def iso_date(value: str | None) -> dt.date | None:
    """The date of '2012-01-15T11:30:00+00:00' or '2012-01-15 11:30:00' as written (local)."""
    m = _ISO_DATE_RE.match(value or "")
    if not m:
        return None
    try:
        return dt.date(*map(int, m.groups()))
    except ValueError:
        return None


def own_slug(name: str | None) -> str | None:
    """The blog's own slug (WordPress's post_name, or a permalink's last part), made valid."""
    name = unquote(name or "").strip().lower()
    slug = (
        name
        if SLUG_RE.match(name) and len(name) <= 80
        else (slugify(name, max_length=80, word_boundary=True) or None)
    )
    return f"{slug}-post" if slug in RESERVED_NAMES else slug
