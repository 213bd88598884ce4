"""Page chrome learned from the dumps themselves: what every page of one blog repeats.

A blog prints the same header, menu, sidebar and footer around the posts of every page.  Read
side by side from their first line (and from their last), the pages of one import agree line
for line through that chrome and part where each page's own content starts: a home page, a
category page and a single post differ right after the menu.  Post text repeats across pages
too (a post is on its home page, its category page, its month page), but never at the same
place on most of the pages, so it is never taken for chrome.  No theme's strings are listed.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from . import grammar as G
from .lines import DATELINE_RE
from .stored import width

MIN_PAGES = 3  # fewer pages cannot tell a blog's chrome from a post shown on each
SHARE = 0.6  # a line must stand in the same place on this share of the pages
SKIP = 1  # lines a page may hold that the others lack (a "Menu" toggle) and stay in step


@dataclass
class ChromeProfile:
    """Per dump: line index -> why it is chrome (`of`, made when asked from `found`, three
    numbers a line, 4 bytes each where that is enough: its index, how many pages agree, 0 for
    the top or 1 for the bottom);
    and a summary for the import report."""

    found: dict[str, array] = field(default_factory=dict)
    pages: int = 0
    summary: list[str] = field(default_factory=list)

    def of(self, name: str) -> dict[int, str]:
        found, out, reasons = self.found.get(name, ()), {}, {}
        for k in range(0, len(found), 3):
            line, agree, end = found[k : k + 3]
            if (agree, end) not in reasons:  # one string per count, however many lines
                reasons[(agree, end)] = (
                    f"page chrome: the same line at the {('top', 'bottom')[end]} of {agree} "
                    f"of {self.pages} pages"
                )
            out[line] = reasons[(agree, end)]
        return out


def learn_chrome(pages: dict[str, Sequence[str]]) -> ChromeProfile:
    """Chrome of every page (name -> its lines), read from the top down and the bottom up."""
    code = width(max(len(pages), *(len(rows) for rows in pages.values()), 0))
    profile = ChromeProfile({name: array(code) for name in pages}, len(pages))
    if len(pages) < MIN_PAGES:
        if pages:
            profile.summary.append(
                f"{len(pages)} page(s): too few to learn the blog's chrome "
                f"(needs {MIN_PAGES}); only WordPress's own words are recognised"
            )
        return profile
    need = max(MIN_PAGES, -(-len(pages) * SHARE // 1))
    seqs = {name: _nonblank_lines(rows) for name, rows in pages.items()}
    keys = {name: _Keys(rows, seqs[name]) for name, rows in pages.items()}
    for end, label in ((False, "top"), (True, "bottom")):
        found = _consensus(keys, int(need), from_end=end)
        for name, positions in found.items():
            for k in range(0, len(positions), 2):
                pos, agree = positions[k : k + 2]
                profile.found[name].extend((seqs[name][pos], agree, int(end)))
        count = max((len(p) // 2 for p in found.values()), default=0)
        profile.summary.append(
            f"{label} of the pages: {count} lines of chrome shared by at least "
            f"{int(need)} of {len(pages)} pages"
        )
    return profile


def _nonblank_lines(rows) -> Sequence[int]:
    """Where a page's non-blank lines stand; a page that keeps only its ends (the passes'
    PageEnds) says so itself, without listing every line."""
    known = getattr(rows, "nonblank_lines", None)
    return known() if known else [i for i, t in enumerate(rows) if t.strip()]


class _Keys:
    """A page's non-blank lines as comparison keys, computed only as far as the walk reads."""

    __slots__ = ("rows", "seq", "from_end", "cache")

    def __init__(self, rows: list[str], seq: list[int], from_end: bool = False):
        self.rows, self.seq, self.from_end, self.cache = rows, seq, from_end, {}

    def reversed(self) -> "_Keys":
        return _Keys(self.rows, self.seq, not self.from_end)

    def __len__(self) -> int:
        return len(self.seq)

    def __getitem__(self, span: slice) -> list[str]:
        return [self._key(p) for p in range(*span.indices(len(self.seq)))]

    def raw(self, pos: int) -> str:
        """The line itself (grammar reads it as written, not as a key)."""
        if not 0 <= pos < len(self.seq):
            return ""
        return self.rows[self.seq[len(self.seq) - 1 - pos] if self.from_end else self.seq[pos]]

    def _key(self, pos: int) -> str:
        if pos not in self.cache:
            if len(self.cache) > 2 * (SKIP + 1):  # the walk only moves on: keep its window
                self.cache.clear()
            self.cache[pos] = G.norm(self.raw(pos))
        return self.cache[pos]


def post_structure(key: str) -> bool:
    """A line that belongs to a post, never to chrome: a date, byline, meta or thread line."""
    return bool(
        G.date_line(key)
        or G.byline(key)
        or G.count_line(key)
        or G.entry_meta(key)
        or G.labelled_meta(key)
        or G.glued_meta(key)
        or G.dated_count(key)
        or G.THREAD_RE.match(key)
        or DATELINE_RE.match(key)
    )


def _consensus(keys: dict[str, _Keys], need: int, from_end: bool) -> dict[str, array]:
    """Walk every page in step from one end while most pages show the same line there.

    Returns, per page, the positions (in its non-blank lines) found to be shared chrome,
    each followed by how many pages agree on it."""
    order = {n: (k.reversed() if from_end else k) for n, k in keys.items()}
    at = {n: 0 for n in order}
    code = width(max(len(order), *(len(k) for k in order.values()), 0))
    found: dict[str, array] = {n: array(code) for n in order}  # 4 bytes a number if enough
    active = set(order)
    while len(active) >= need:
        votes: dict[str, list[int]] = {}  # line -> [pages showing it, pages showing it next]
        for n in active:
            window = order[n][at[n] : at[n] + SKIP + 1]
            for k in set(window):
                votes.setdefault(k, [0, 0])[0] += 1
            if window:
                votes[window[0]][1] += 1
        if not votes:
            break
        line, (agree, _) = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
        if agree < need:
            break
        steps = {}
        for n in sorted(active):
            window = order[n][at[n] : at[n] + SKIP + 1]
            skipped = range(at[n], at[n] + window.index(line)) if line in window else ()
            if line not in window or any(
                G.page_header(order[n].raw(p)) or post_structure(order[n].raw(p)) for p in skipped
            ):
                active.discard(n)
            else:
                steps[n] = at[n] + window.index(line)
        if len(steps) < need or any(
            post_structure(order[n].raw(p))
            or (not from_end and post_structure(order[n].raw(p + 1)))
            for n, p in steps.items()
        ):
            break  # too few left in step, a post's own line, or a title over its date or byline
        for n, pos in steps.items():
            real = len(order[n]) - 1 - pos if from_end else pos
            found[n].extend((real, agree))
            at[n] = pos + 1
    for keys_of in order.values():  # what the walk read of each page: no longer needed
        keys_of.cache.clear()
    return found
