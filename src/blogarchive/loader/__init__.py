"""The loader: raw dump text -> Post records (pure; importer.py does the file I/O).

Modules follow the data: lines.py judges single lines, segment.py cuts a dump into posts,
body.py writes a post's Markdown, merge.py joins copies of one post across dumps.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..post import Post
from . import passes as P
from .chrome import learn_chrome
from .classify import SLASH, decide_places
from .duplicates import title_key
from .known_titles import KnownTitles
from .merge import MergedPosts, lone, merge_posts
from .model import DumpParse, Guess, Overrides, parse_overrides
from .segment import parse_dump, split_lines
from .stored import Joined, Span, StoredParses, stored_ints, stored_list


@dataclass
class LoadResult:
    posts: Sequence[Post]  # a MergedPosts: bodies are merged as they are read
    parses: Sequence[DumpParse]  # with a store: each dump's read from it (StoredParses)
    slug_of: Mapping = field(default_factory=dict)  # (dump, raw index) -> slug: slugs.SlugMap
    learned: list[str] = field(default_factory=list)  # what was learned from all the dumps

    @property
    def guesses(self) -> list[Guess]:
        return [g for p in self.parses for g in p.guesses]

    @property
    def guess_count(self) -> int:
        return sum(len(p.guesses) for p in self.parses)

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.parses for w in p.warnings]

    @property
    def duplicates_merged(self) -> int:
        return sum(len(p.posts) for p in self.parses) - len(self.posts)


@dataclass(frozen=True)
class ParseSink:
    """Where each dump's line notes go when they are too many to keep: `digest(parse)` runs
    where the dump was cut (perhaps a worker: a module-level function) and `take(parse, digest)`
    here, in dump order; the parse is then kept without its notes."""

    digest: Callable[[DumpParse], Any]
    take: Callable[[DumpParse, Any], None]


class BlockStore(Protocol):
    """Where the posts found, and what the passes keep of each page, wait until they are read
    (the importer's on disk), as bytes (stored.py; posts are pickled where the dump was cut)."""

    def put(self, blobs: list[bytes]) -> list[Any]: ...  # one write for many records
    def get(self, ref: Any) -> bytes: ...
    def read(self, ref: Any, start: int, size: int) -> bytes: ...  # part of one blob


def load_dumps(
    dumps: Sequence[tuple[str, str, Overrides | None]],
    extra: list[DumpParse] = (),
    advance: Callable[[int], None] = lambda n: None,
    sink: ParseSink | None = None,
    store: BlockStore | None = None,
    workers=None,
) -> LoadResult:
    """Parse every dump (name, text, overrides) and merge the posts they share with each other
    and with `extra`, the posts other readers found (HTML pages, WordPress exports).

    The dumps of one import are read together first: the chrome their pages share and where
    the blog puts each kind of meta line are learned from all of them (chrome.py, classify.py).
    `dumps` is read once per pass (passes.py) and only one dump is held at a time, so with a
    `sink` for the notes and a `store` for the posts (found and merged, stored.py) memory
    does not grow with the dumps.
    `workers` (build/pool.py's Workers, state {}) runs the passes in parallel.
    advance(1) follows each dump cut into posts (for a progress bar)."""
    workers = workers or P.InProcess()
    workers.broadcast(
        P.set_state,
        {"dumps": dumps, "digest": sink and sink.digest, "store_blocks": store is not None},
    )
    profile, chrome, controls = _learn_chrome(dumps, workers, store)
    workers.broadcast(P.set_state, {"controls": controls})
    firsts, titles, votes = _first_pass(dumps, chrome, workers, store)
    places = decide_places(votes)
    raws, keys, guesses = stored_list(store), stored_ints(store), stored_list(store)
    lones = stored_list(store)
    parses = [] if store is None else StoredParses(store, raws, guesses)
    workers.broadcast(P.set_state, {"titles": titles.index(store), "places": places})
    with_first = _with(firsts, titles)
    cuts = _in_turn(workers, P.cut_task, _batches(len(firsts), workers), with_first)
    for batch, results in cuts:
        for parse, digest, packed in results:
            if sink:
                sink.take(parse, digest)
            if store is not None:  # read back by the report only
                parse.guesses = Span(guesses, guesses.extend(parse.guesses))
            if packed is not None:
                parse.posts = Span(raws, raws.add_packed(packed.blobs))
                keys.extend(packed.title_keys)
                lones.add_packed(packed.lones)
            else:
                raws.extend(parse.posts)
                keys.extend(title_key(raw.title) for raw in parse.posts)
                lones.extend(lone(raw) for raw in parse.posts)
            parses.append(parse)
        advance(len(batch))
    titles.close()
    for stored in (parses, guesses):
        getattr(stored, "flush", lambda: None)()
    parses = parses + list(extra) if store is None else Joined(parses, list(extra))
    extra_raws = [raw for p in extra for raw in p.posts]
    posts, slug_of = merge_posts(
        Joined(raws, extra_raws),
        store=store,
        title_keys=Joined(keys, [title_key(raw.title) for raw in extra_raws]),
        lones=Joined(lones, [lone(raw) for raw in extra_raws]),
    )
    return LoadResult(
        posts=posts,
        parses=parses,
        slug_of=slug_of,
        learned=profile.summary + _place_summary(votes, places),
    )


def _learn_chrome(dumps, workers, store=None):
    """The chrome the pages share, from each page's first and last lines (all of them only
    where the shared lines run deeper than PageEnds keeps): the profile's summary, and each
    dump's chrome lines by its index; and the indexes of the dumps that hold control
    characters.  The kept lines, and each dump's chrome, wait in `store`, if given."""
    for keep in (P.HEAD, P.HEAD * 16, None):
        workers.broadcast(P.set_state, {"keep": keep})
        pages, controls = {}, set()
        for batch, results in _in_turn(workers, P.ends_task, _batches(len(dumps), workers)):
            for i, (name, ends, found) in zip(batch, results):
                if store is not None:
                    ends.spill(store)
                pages[name] = ends
                if found:
                    controls.add(i)
        try:
            profile = learn_chrome(pages)
        except P.TooDeep:
            continue
        chrome = stored_list(store)  # each dump's, by its index: sent with its batch
        chrome.extend(profile.of(name) for name in pages)
        profile.found.clear()
        getattr(chrome, "flush", lambda: None)()
        return profile, chrome, controls
    raise AssertionError("PageEnds without a limit keeps every line")


def _first_pass(dumps, chrome, workers, store=None):
    """Every dump classified (packed and pickled; waiting in `store`, if given), its known
    titles (known_titles.KnownTitles: the caller closes it), and the votes of all on meta
    lines (known titles come back None where they wait for the votes: pass 3); `chrome`,
    each dump's chrome lines, goes with the dump's batch."""
    firsts, titles, votes, pending = stored_list(store), KnownTitles(), Counter(), []
    with_chrome = lambda batch: [(i, chrome[i]) for i in batch]  # noqa: E731
    for batch, results in _in_turn(
        workers, P.first_task, _batches(len(dumps), workers), with_chrome
    ):
        for i, (_, first, vote, known) in zip(batch, results):
            firsts.append(first)
            votes += vote
            if known is None:
                pending.append(i)
            else:
                titles.add(i, known)
    if pending:
        workers.broadcast(P.set_state, {"places": decide_places(votes)})
        for batch, found in _in_turn(
            workers, P.titles_task, _batches(pending, workers), _with(firsts)
        ):
            for i, known in zip(batch, found):
                titles.add(i, known)
    return firsts, titles, votes


def _batches(items: int | list, workers) -> list[list]:
    """A few dumps (`items`, or range(items)) per worker at a time: results come back (and
    are let go) as they are done."""
    items = list(range(items)) if isinstance(items, int) else items
    size = 4 * max(1, getattr(workers, "count", 1))
    return [items[k : k + size] for k in range(0, len(items), size)]


def _with(firsts, titles=None) -> Callable[[list[int]], list[tuple]]:
    """A batch of dump indexes -> (index, its first pass) each, and its known titles if
    `titles` is given, read when the batch is sent."""
    if titles is None:
        return lambda batch: [(i, firsts[i]) for i in batch]
    return lambda batch: [(i, firsts[i], titles.own(i)) for i in batch]


AHEAD = 3  # batches in the workers' hands at a time (see _in_turn)


def _in_turn(workers, task, batches: list[list], make=lambda batch: batch):
    """(batch, task's results for make(batch)) for each batch, in order.  With worker
    processes (Workers.submit), AHEAD batches are handed out before the first is collected:
    a worker done with its part of one batch goes on with its part of the next at once,
    instead of waiting for the other's part (dumps differ threefold in size) and for the
    next batch to be sent."""
    if not hasattr(workers, "submit"):
        for batch in batches:
            yield batch, workers.map(task, make(batch))
        return
    sent: deque = deque()
    for batch in batches:
        sent.append((batch, workers.submit(task, make(batch))))
        if len(sent) == AHEAD:
            done, handle = sent.popleft()
            yield done, workers.collect(handle)
    while sent:
        done, handle = sent.popleft()
        yield done, workers.collect(handle)


def _place_summary(votes: Counter, places: dict[str, str]) -> list[str]:
    """How the blog's meta lines were placed, with the votes that decided it."""
    out = []
    for shape in sorted({s for s, _ in votes} - {SLASH}):
        head, foot = votes[(shape, "header")], votes[(shape, "footer")]
        where = "under the title" if places[shape] == "header" else "closing the post"
        out.append(
            f"{shape} meta lines read as {where} ({head} stand under a title-like line, "
            f"{foot} under prose)"
        )
    return out


__all__ = [
    "load_dumps",
    "parse_dump",
    "parse_overrides",
    "split_lines",
    "LoadResult",
    "MergedPosts",
    "Overrides",
    "ParseSink",
]
