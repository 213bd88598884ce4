"""Web-archive snapshots (the Wayback Machine): the archive's wrapper off, the blog's URLs back.

A snapshot is the blog's page with the archive's toolbar and banner inserted, its scripts in the
head, and every URL rewritten to https://web.archive.org/web/<timestamp>[im_|js_|cs_…]/<url>.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment

# The toolbar is framed by these comments; the head's scripts end at the "Rewrite JS" one.
_TOOLBAR_RE = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?"
    r"<!--\s*END WAYBACK TOOLBAR INSERT\s*-->",
    re.S | re.I,
)
_HEAD_INSERT_RE = re.compile(
    r"(<head[^>]*>).*?<!--\s*End Wayback Rewrite JS Include\s*-->", re.S | re.I
)
_ARCHIVED_URL_RE = re.compile(
    r"^(?:(?:https?:)?//(?:web\.)?archive\.org)?/web/\d{1,14}(?:[a-z]{2}_)?/+(?P<url>.*)$", re.I
)
_SNAPSHOT_SIGNS = re.compile(
    r"BEGIN WAYBACK TOOLBAR INSERT|id=[\"']wm-ipp|__wm\.init|"
    r"web\.archive\.org/web/\d{4}",
    re.I,
)
_URL_ATTRS = ("href", "src", "action", "poster", "cite")


def is_snapshot(html: str) -> bool:
    """True for a page saved from a web archive (toolbar, its scripts or rewritten URLs)."""
    return bool(_SNAPSHOT_SIGNS.search(html))


def strip_inserts(html: str) -> str:
    """The page's HTML without the toolbar and the scripts the archive put in its head."""
    html = _TOOLBAR_RE.sub("", html)
    return _HEAD_INSERT_RE.sub(r"\1", html, count=1)


def original_url(url: str) -> str:
    """https://web.archive.org/web/20150301000000im_/http://blog/x.jpg -> http://blog/x.jpg."""
    m = _ARCHIVED_URL_RE.match(url.strip())
    if not m:
        return url
    inner = m.group("url")
    inner = re.sub(r"^(https?):/+", r"\1://", inner, flags=re.I)  # "http:/blog" after squashing
    return inner if re.match(r"^[a-z][a-z0-9+.-]*:", inner, re.I) else "http://" + inner


def clean_tree(soup: BeautifulSoup) -> None:
    """Remove what the archive left in the parsed page and restore every URL (in place)."""
    for el in soup.select('[id^="wm-ipp"], #donato, #wm-capinfo, #playback'):
        el.decompose()
    for note in soup.find_all(string=lambda s: isinstance(s, Comment)):
        if "ARCHIVED ON" in note or "playback timings" in note:
            note.extract()
    for tag in soup.find_all(True):
        for attr in _URL_ATTRS:
            value = tag.get(attr)
            if isinstance(value, str):
                tag[attr] = original_url(value)
