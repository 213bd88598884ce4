"""What kind of file a would-be dump is, from its first bytes: a text dump, or something the
text loader must refuse (HTML, XML, JSON, binary, empty).  Readers of other kinds can route
on `sniff_kind`; `refuse_non_text` is the text loader's gate (pure: bytes in)."""

from __future__ import annotations

import json
import re

from ..errors import DumpError

_HEAD = 4096
_MARKUP_RE = re.compile(rb"^\s*(?:<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>])", re.I)
_XML_RE = re.compile(rb"^\s*(?:<\?xml|<rss[\s>]|<feed[\s>]|<!\[CDATA\[)", re.I)
_TAG_RE = re.compile(
    rb"</?(?:p|div|span|a|br|li|ul|h[1-6]|article|section|img|script|style)\b[^>]*>", re.I
)
_CONTROL_RE = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
KINDS = ("text", "html", "xml", "json", "binary", "empty")


def sniff_kind(data: bytes) -> str:
    """'text', 'html', 'xml', 'json', 'binary' or 'empty', judged from the file's content."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body.strip():
        return "empty"
    head = body[:_HEAD]
    if b"\x00" in head or len(_CONTROL_RE.findall(head)) > max(8, len(head) // 100):
        return "binary"
    if _XML_RE.match(head):
        return "xml"
    if _MARKUP_RE.match(head) or len(_TAG_RE.findall(head)) >= 5:
        return "html"
    if head.lstrip()[:1] in (b"{", b"[") and _is_json(body):
        return "json"
    return "text"


def _is_json(body: bytes) -> bool:
    try:
        json.loads(body.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return False
    return True


_WHY = {
    "empty": "empty file; nothing to import",
    "binary": "binary file, not a text dump",
    "html": "an HTML page, not a text dump (copy the page's text from a browser, or import the "
    "page with a reader for HTML)",
    "xml": "an XML file (a WordPress export or a feed?), not a text dump",
    "json": "a JSON file, not a text dump",
}


def refuse_non_text(data: bytes, path) -> None:
    """Raise DumpError naming the file unless its content is a text dump."""
    kind = sniff_kind(data)
    if kind == "binary" and b"\x00" in data:
        raise DumpError(
            path,
            data[: data.index(b"\x00")].count(b"\n") + 1,
            "binary file (NUL byte); a dump must be text",
        )
    if kind != "text":
        raise DumpError(path, None, _WHY[kind])
