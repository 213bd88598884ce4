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
    profile = ChromeProfile({}, len(pages))
    if len(pages) < MIN_PAGES:
        if pages:
            profile.summary.append(
                f"{len(pages)} page(s): too few to learn the blog's chrome "
                f"(needs {MIN_PAGES}); only WordPress's own words are recognised"
            )
        return profile
    need = int(max(MIN_PAGES, -(-len(pages) * SHARE // 1)))
    names, walked = list(pages), [_readable(rows) for rows in pages.values()]
    for end, label in ((False, "top"), (True, "bottom")):
        found = _consensus(walked, need, from_end=end)
        for n, positions in found.items():
            for k in range(0, len(positions), 2):
                pos, agree = positions[k : k + 2]
                profile.found.setdefault(names[n], array(code)).extend(
                    (walked[n].nonblank_place(pos), agree, int(end))
                )
        count = max((len(p) // 2 for p in found.values()), default=0)
        profile.summary.append(
            f"{label} of the pages: {count} lines of chrome shared by at least "
            f"{need} of {len(pages)} pages"
        )
    return profile


class _Lines:
    """A page given as its lines, read the way the walk reads a PageEnds (passes.py)."""

    __slots__ = ("rows", "seq", "count")

    def __init__(self, rows: Sequence[str]):
        self.rows, self.seq = rows, [i for i, t in enumerate(rows) if t.strip()]
        self.count = len(self.seq)

    def nonblank_text(self, pos: int) -> str:
        return self.rows[self.seq[pos]]

    def nonblank_place(self, pos: int) -> int:
        return self.seq[pos]


def _readable(rows):
    """A page as the walk reads it: its non-blank lines' count, texts and places (a
    PageEnds, from the passes, already answers so without listing every line)."""
    return rows if hasattr(rows, "nonblank_text") else _Lines(rows)


class _Walk:
    """Every page read in step from one end, by number: where each stands (`at`) and
    whether it is still in step (`active`), a few bytes a page; a line's key is made
    again from the page each time it is read, so nothing else is kept per page."""

    def __init__(self, pages: list, from_end: bool):
        self.pages, self.from_end = pages, from_end
        self.at = array("q", bytes(8 * len(pages)))
        self.active = bytearray(b"\x01" * len(pages))

    def raw(self, n: int, pos: int) -> str:
        """The page's `pos`-th non-blank line from this end, as written ("" past its end)."""
        page = self.pages[n]
        if not 0 <= pos < page.count:
            return ""
        return page.nonblank_text(page.count - 1 - pos if self.from_end else pos)

    def window(self, n: int) -> list[str]:
        """The keys of the lines a page may step to next (SKIP lines may be skipped)."""
        at, count = self.at[n], self.pages[n].count
        return [G.norm(self.raw(n, p)) for p in range(at, min(at + SKIP + 1, count))]

    def in_step(self) -> list[int]:
        return [n for n, on in enumerate(self.active) if on]


CANDIDATES = int((SKIP + 1) / SHARE) + 2  # lines a step's vote follows (see _vote)


def _vote(walk: _Walk, pages: list[int]) -> tuple[str, int] | None:
    """The line most pages show next (ties: most show it first, then the larger line), and
    on how many pages; None if no page has a line left.  Counted in two rounds so that
    memory does not grow with the pages: Misra-Gries with CANDIDATES counters keeps every
    line shown on more than 1/(CANDIDATES + 1) of the windows (SKIP + 1 lines a page), so
    any line on SHARE of the pages, which alone can win; the second round counts those."""
    counters: dict[str, int] = {}
    for n in pages:
        for key in set(walk.window(n)):
            if key in counters or len(counters) < CANDIDATES:
                counters[key] = counters.get(key, 0) + 1
                continue
            counters = {k: c - 1 for k, c in counters.items() if c > 1}
    if not counters:
        return None
    votes = {key: [0, 0] for key in counters}  # line -> [pages showing it, showing it next]
    for n in pages:
        window = walk.window(n)
        for key in set(window).intersection(votes):
            votes[key][0] += 1
        if window and window[0] in votes:
            votes[window[0]][1] += 1
    line, (agree, _) = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
    return line, agree


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


def _consensus(pages: list, need: int, from_end: bool) -> dict[int, array]:
    """Walk every page in step from one end while most pages show the same line there.

    Returns, per page number (of the pages with any), the positions (in its non-blank
    lines, from its start) found to be shared chrome, each followed by how many pages agree
    on it."""
    walk = _Walk(pages, from_end)
    code = width(max(len(pages), *(p.count for p in pages), 0))
    found: dict[int, array] = {}  # 4 bytes a number if enough
    active = walk.in_step()
    while len(active) >= need:
        vote = _vote(walk, active)
        if vote is None or vote[1] < need:
            break
        line, agree = vote
        steps = _steps(walk, active, line)
        if len(steps) < need or any(
            post_structure(walk.raw(n, p)) or (not from_end and post_structure(walk.raw(n, p + 1)))
            for n, p in steps.items()
        ):
            break  # too few left in step, a post's own line, or a title over its date or byline
        for n, pos in steps.items():
            real = pages[n].count - 1 - pos if from_end else pos
            found.setdefault(n, array(code)).extend((real, agree))
            walk.at[n] = pos + 1
        active = walk.in_step()
    return found


def _steps(walk: _Walk, active: list[int], line: str) -> dict[int, int]:
    """Where each page in step stands once it steps to `line`; a page that does not show it
    next, or would skip a header or a post's own line to reach it, falls out of step."""
    steps = {}
    for n in active:
        window, at = walk.window(n), walk.at[n]
        skipped = range(at, at + window.index(line)) if line in window else ()
        if line not in window or any(
            G.page_header(walk.raw(n, p)) or post_structure(walk.raw(n, p)) for p in skipped
        ):
            walk.active[n] = 0
        else:
            steps[n] = at + window.index(line)
    return steps
