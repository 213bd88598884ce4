"""The loader: raw dump text -> Post records (pure; importer.py does the file I/O).

Modules follow the data: lines.py judges single lines, segment.py cuts a dump into posts,
body.py writes a post's Markdown, merge.py joins copies of one post across dumps.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..post import Post
from .model import DumpParse, Guess, Overrides, parse_overrides
from .segment import dated_titles, parse_dump, split_lines


@dataclass
class LoadResult:
    posts: list[Post]
    parses: list[DumpParse]
    slug_of: dict = field(default_factory=dict)     # (dump, raw index) -> slug

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
    advance(1) follows each dump parsed (for a progress bar)."""
    from .merge import merge_posts

    titles = {name: dated_titles(text) for name, text, _ in dumps}
    parses = []
    for name, text, overrides in dumps:
        known = frozenset().union(*(t for n, t in titles.items() if n != name))
        parses.append(parse_dump(text, name, overrides, known))
        advance(1)
    parses.extend(extra)
    posts, slug_of = merge_posts([raw for p in parses for raw in p.posts])
    return LoadResult(posts=posts, parses=parses, slug_of=slug_of)


__all__ = ["load_dumps", "parse_dump", "parse_overrides", "split_lines", "LoadResult", "Overrides"]
