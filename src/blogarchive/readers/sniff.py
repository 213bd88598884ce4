"""What an input file is, judged by its content (never its name): text dump, HTML page, WXR.

Only the start of the file is looked at: a byte-order mark, blank space and comments (a browser's
"saved from url=" note, a generator's banner) are skipped, then the first tag decides.
"""

from __future__ import annotations

import re

TEXT, HTML, WXR, OTHER = "text", "html", "wxr", "other"

_HEAD = 65536  # enough for any preamble a saved page or export carries
_SKIP_RE = re.compile(rb"\A(?:\s+|<!--.*?-->|<\?xml[^>]*\?>)*", re.S)
_HTML_START_RE = re.compile(
    rb"<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|meta\s|title>)", re.I
)
_WXR_NS_RE = re.compile(rb"wordpress\.org/export/\d")
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x1f\x8b")


def sniff(data: bytes) -> str:
    """TEXT, HTML, WXR or OTHER (an image or archive, or XML that is not a WordPress export).
    Other binary data is TEXT: the text reader refuses it, naming the line of the first NUL."""
    head = data[:_HEAD]
    if head.startswith(_MAGIC):
        return OTHER
    if b"\x00" in head:
        return TEXT
    head = head.removeprefix(b"\xef\xbb\xbf")
    rest = head[_SKIP_RE.match(head).end() :]
    if _HTML_START_RE.match(rest):
        return HTML
    if rest[:1] == b"<" or head.lstrip()[:5] == b"<?xml":  # XML (or a stray tag)
        if _WXR_NS_RE.search(head):
            return WXR
        return HTML if re.match(rb"<(?:!doctype\s+)?html", rest, re.I) else OTHER
    return TEXT


def describe(kind: str) -> str:
    """A kind in words, for messages."""
    return {
        TEXT: "text dump",
        HTML: "HTML page",
        WXR: "WordPress export (WXR)",
        OTHER: "file of another kind",
    }[kind]
