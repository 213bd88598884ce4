"""A post's front matter written and read exactly as PyYAML writes and reads it, faster.

`post.to_markdown` dumps its mapping with PyYAML's pure-Python emitter (libyaml's escapes emoji
and other non-BMP text), whose event machinery costs about a millisecond a post: most of an
import.  Front matter has a fixed shape (scalars, flow lists of scalars, a block list of
one-line flow mappings), so it is written here directly.  Every string goes through PyYAML's
own analysis and resolver, so it is quoted exactly as the emitter would quote it; what is not
simple (a line break, a character YAML must escape, an archived comment) returns None and the
caller uses PyYAML.  tests/test_post_record.py checks the two agree.

`load` reads that shape back as PyYAML's safe loader does (its resolver and constructors
type each plain scalar), four times faster than libyaml with PyYAML's constructors; any
other text it leaves to PyYAML.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

import yaml
from yaml.emitter import Emitter

_ANALYSER = Emitter.__new__(Emitter)  # only analyze_scalar is used: it reads allow_unicode
_ANALYSER.allow_unicode = True
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


def dump(meta: dict) -> str | None:
    """`yaml.dump(meta, Dumper=post._Dumper, sort_keys=False, allow_unicode=True,
    default_flow_style=None, width=2**31 - 1)`, or None where this shape is not covered.

    A list of mappings is written as post._Flow mappings are: a block list of one-line flow
    mappings (so archived comments, block mappings, must not be given here)."""
    out = []
    for key, value in meta.items():
        head, text = _scalar(key, flow=False), _block_value(value)
        if head is None or text is None or head != key:
            return None
        out.append(f"{key}:{text}\n")
    return "".join(out)


def _block_value(value) -> str | None:
    """' value' after 'key:' in a block mapping, or '\\n- …' lines for a list of mappings."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        items = [_flow_mapping(v) for v in value]
        return None if None in items else "".join(f"\n- {i}" for i in items)
    text = _flow_value(value, flow=False)
    return None if text is None else " " + text


def _flow_value(value, flow: bool) -> str | None:
    """One value written on one line: a scalar, or a list of scalars as `[a, b]`."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is dt.date:
        return value.isoformat()
    if type(value) is str:
        return _scalar(value, flow)
    if type(value) is list:
        items = [_flow_value(v, flow=True) for v in value]
        if None in items or any(isinstance(v, (list, dict)) for v in value):
            return None
        return "[" + ", ".join(items) + "]"
    return None


def _flow_mapping(mapping: dict) -> str | None:
    """`{file: x, lines: [1, 2]}`: a source, always written on one line."""
    parts = []
    for key, value in mapping.items():
        head, text = _scalar(key, flow=True), _flow_value(value, flow=True)
        if head is None or text is None:
            return None
        parts.append(f"{head}: {text}")
    return "{" + ", ".join(parts) + "}"


# Strings the analysis would allow plain (the common case, told without it): printable, no
# YAML indicator first, no ": " or " #" (no ":" or "#" at all), no space at either end, and
# in a flow collection none of ",?[]{}" ("---" and "..." open a document: quoted too).
_BLOCK_UNSAFE = re.compile(r"^(?:[-?:,\[\]{}#&*!|>'\"%@`\s]|\.\.\.)|[:#]|\s$")
_FLOW_UNSAFE = re.compile(r"^(?:[-?:,\[\]{}#&*!|>'\"%@`\s]|\.\.\.)|[:#,?\[\]{}]|\s$")


@lru_cache(maxsize=4096)
def _scalar(text: str, flow: bool) -> str | None:
    """A string as the emitter writes it (plain or single-quoted) as a value in a block
    (flow=False) or flow collection; None where it would need double quotes or line breaks."""
    if text and text.isprintable() and not (_FLOW_UNSAFE if flow else _BLOCK_UNSAFE).search(text):
        implicit = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR
        return text if implicit else "'" + text.replace("'", "''") + "'"
    analysis = _ANALYSER.analyze_scalar(text)
    if analysis.multiline or not analysis.allow_single_quoted:  # double quotes, breaks
        return None
    implicit = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR
    if implicit and (analysis.allow_flow_plain if flow else analysis.allow_block_plain):
        return text
    return "'" + text.replace("'", "''") + "'"


class _Uncovered(Exception):
    """Front matter `load` does not read itself: PyYAML reads it."""


_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?")
_FLOW_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*): (\[[^\[\]{}]*\]|[^\[\]{},]+)(?:, |$)")
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_CONSTRUCTED = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("int", "bool", "null", "timestamp")
)


def load(head: str) -> dict | None:
    """`yaml.load(head, Loader=yaml.CSafeLoader)` for front matter of the shape `dump` writes
    (one-line plain or single-quoted scalars, flow lists of plain scalars, a block list of
    one-line flow mappings), several times faster; None for anything else (a comment, a
    blank or continued line, a double quote, a float, a bad date...): the caller asks PyYAML.
    Plain scalars are typed by PyYAML's own resolver and constructors."""
    lines = head.split("\n")
    if lines.pop() != "" or not lines:
        return None
    out: dict = {}
    try:
        n = 0
        while n < len(lines):
            m = _KEY_LINE.fullmatch(lines[n])
            if m is None:
                return None
            key, text = _read_scalar(m.group(1), flow=False), m.group(2)
            n += 1
            if text is not None:
                out[key] = _read_value(text, flow=False)
                continue
            items = []
            while n < len(lines) and lines[n].startswith("- "):
                items.append(_read_flow_mapping(lines[n][2:]))
                n += 1
            out[key] = items or None
    except _Uncovered:
        return None
    return out


def _read_value(text: str, flow: bool):
    """A one-line value: a flow list of plain scalars, or a scalar."""
    if text.startswith("["):
        if not text.endswith("]"):
            raise _Uncovered
        inner = text[1:-1]
        return [_read_scalar(item, flow=True) for item in inner.split(", ")] if inner else []
    return _read_scalar(text, flow)


def _read_flow_mapping(text: str) -> dict:
    """`{file: x, lines: [1, 2]}`, each value plain or a flow list of plain scalars."""
    if not (text.startswith("{") and text.endswith("}")):
        raise _Uncovered
    inner, out, end = text[1:-1], {}, 0
    for m in _FLOW_PAIR.finditer(inner):
        if m.start() != end:
            raise _Uncovered
        out[_read_scalar(m.group(1), flow=True)] = _read_value(m.group(2), flow=True)
        end = m.end()
    if end != len(inner):
        raise _Uncovered
    return out


@lru_cache(maxsize=4096)  # keys, flags, counts, categories and dates recur (all immutable)
def _read_scalar(text: str, flow: bool):
    """A plain scalar as PyYAML types it, or (outside flow collections) a single-quoted one."""
    if text.startswith("'") and not flow:
        inner = text[1:-1]
        if len(text) < 2 or not text.endswith("'") or "'" in inner.replace("''", ""):
            raise _Uncovered
        if not text.isprintable():
            raise _Uncovered
        return inner.replace("''", "'")
    if not text or not text.isprintable() or (_FLOW_UNSAFE if flow else _BLOCK_UNSAFE).search(text):
        raise _Uncovered
    tag = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False))
    if tag == _STR:
        return text
    if tag not in _CONSTRUCTED:
        raise _Uncovered
    try:
        return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))
    except (ValueError, TypeError, yaml.YAMLError):
        raise _Uncovered from None
