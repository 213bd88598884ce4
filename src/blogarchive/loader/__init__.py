"""The loader: raw dump text -> Post records (pure; importer.py does the file I/O).

Modules follow the data: lines.py judges single lines, segment.py cuts a dump into posts,
body.py writes a post's Markdown, merge.py joins copies of one post across dumps.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from ..post import Post
from .chrome import learn_chrome
from .classify import decide_places, place_votes, resolve_meta
from .model import DumpParse, Guess, Overrides, parse_overrides
from .segment import cut_posts, first_pass, known_titles_of, parse_dump, split_lines


@dataclass
class LoadResult:
    posts: list[Post]
    parses: list[DumpParse]
    slug_of: dict = field(default_factory=dict)     # (dump, raw index) -> slug
    learned: list[str] = field(default_factory=list)  # what was learned from all the dumps

    @property
    def guesses(self) -> list[Guess]:
        return [g for p in self.parses for g in p.guesses]

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.parses for w in p.warnings]

    @property
    def duplicates_merged(self) -> int:
        return sum(len(p.posts) for p in self.parses) - len(self.posts)


def load_dumps(dumps: list[tuple[str, str, Overrides | None]], extra: list[DumpParse] = (),
               advance: Callable[[int], None] = lambda n: None) -> LoadResult:
    """Parse every dump (name, text, overrides) and merge the posts they share with each other
    and with `extra`, the posts other readers found (HTML pages, WordPress exports).

    The dumps of one import are read together first: the chrome their pages share and where
    the blog puts each kind of meta line are learned from all of them (chrome.py, classify.py).
    advance(1) follows each dump cut into posts (for a progress bar)."""
    from .merge import merge_posts

    rows = {name: split_lines(text) for name, text, _ in dumps}
    profile = learn_chrome(rows)
    done = [first_pass(text, name, ov, profile.of(name), rows[name]) for name, text, ov in dumps]
    votes = sum((place_votes(d) for d in done), Counter())
    places = decide_places(votes)
    for d in done:
        resolve_meta(d, places)
    titles = {d.result.name: known_titles_of(d) for d in done}
    parses = []
    for d in done:
        known = frozenset().union(*(t for n, t in titles.items() if n != d.result.name))
        parses.append(cut_posts(d, known))
        advance(1)
    parses.extend(extra)
    posts, slug_of = merge_posts([raw for p in parses for raw in p.posts])
    return LoadResult(posts=posts, parses=parses, slug_of=slug_of,
                      learned=profile.summary + _place_summary(votes, places))


def _place_summary(votes: Counter, places: dict[str, str]) -> list[str]:
    """How the blog's meta lines were placed, with the votes that decided it."""
    out = []
    for shape in sorted({s for s, _ in votes}):
        head, foot = votes[(shape, "header")], votes[(shape, "footer")]
        where = "under the title" if places[shape] == "header" else "closing the post"
        out.append(f"{shape} meta lines read as {where} ({head} stand under a title-like line, "
                   f"{foot} under prose)")
    return out


__all__ = ["load_dumps", "parse_dump", "parse_overrides", "split_lines", "LoadResult", "Overrides"]
