"""The dumps of one import read in passes that keep little of each dump in between.

What one dump's posts are depends on all the dumps (the chrome their pages share, where the
blog puts its meta lines, titles dated elsewhere), so each dump is read more than once: for
its first and last lines (`PageEnds`, from which the chrome is learned), to classify its lines,
and to cut its posts.  Between passes a dump is a `FirstPass`: its lines' roles packed a byte
each, the few notes that say more, and what else the first pass found; its text is read again
from the sequence of dumps.  So memory holds one dump's text at a time, whatever their number.

Each pass is a task `(state, batch) -> results` that a pool of forked workers can run
(build/pool.py's `Workers`); `InProcess` runs them here.
"""

from __future__ import annotations

import dataclasses
import operator
import pickle
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .classify import Classified, place_votes, resolve_meta
from .duplicates import title_key
from .known_titles import KnownElsewhere, digests
from .merge import lone
from .model import LineNote
from .segment import cut_posts, first_pass, has_controls, known_titles_of, split_lines
from .stored import PackedTexts, width
from .stored import pack as pack_record

HEAD = 64  # non-blank lines kept from each end of a page to learn chrome from
_NOTE_FIELDS = tuple(
    f.name for f in dataclasses.fields(LineNote) if f.name not in ("no", "text", "role")
)
_PLAIN = tuple(f.default for f in dataclasses.fields(LineNote) if f.name in _NOTE_FIELDS)
_get_more = operator.attrgetter(*_NOTE_FIELDS)
_more_of = _get_more if len(_NOTE_FIELDS) > 1 else (lambda note: (_get_more(note),))


class TooDeep(LookupError):
    """The chrome walk read a line a PageEnds did not keep."""


class PageEnds(Sequence):
    """A page's lines as learn_chrome reads them, keeping only its first and last `keep`
    non-blank lines (all of them if `keep` is None) and where they stand: looking up another
    line, or where another non-blank line stands (`nonblank_lines`), raises TooDeep.  Its
    kept lines, and where they stand, can wait in a BlockStore (`spill`) as one blob, so
    what the chrome pass holds of a page is a few numbers, however many the pages."""

    __slots__ = ("size", "count", "heads", "kept", "at", "texts", "store", "ref", "itemsize")

    def __init__(self, rows: list[str], keep: int | None = HEAD):
        nonblank = [i for i, t in enumerate(rows) if t.strip()]
        head = nonblank if keep is None else nonblank[:keep]
        tail = [] if keep is None else nonblank[max(keep, len(nonblank) - keep) :]
        self.size, self.count, self.heads = len(rows), len(nonblank), len(head)
        self.kept = len(head) + len(tail)
        self.at: array | None = array(width(len(rows)), head + tail)  # kept lines' places
        self.texts: PackedTexts | None = PackedTexts([rows[i] for i in self.at])
        self.store = self.ref = self.itemsize = None  # once spilled (then at, texts: None)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, i: int) -> str:
        at = self.places()
        k = bisect_left(at, i) if isinstance(i, int) else len(at)
        if k == len(at) or at[k] != i:
            raise TooDeep(i)
        return self.texts[k] if self.store is None else self._stored_text(k)

    def nonblank_lines(self) -> Sequence[int]:
        """Where the page's non-blank lines stand, in order (learn_chrome's `seq`)."""
        return _NonBlank(self)

    def nonblank_text(self, pos: int) -> str:
        """The text of the page's `pos`-th non-blank line (TooDeep if it was not kept)."""
        k = self._kept(pos)
        return self.texts[k] if self.store is None else self._stored_text(k)

    def nonblank_place(self, pos: int) -> int:
        """Where the page's `pos`-th non-blank line stands (TooDeep if it was not kept)."""
        return self.places()[self._kept(pos)]

    def places(self) -> Sequence[int]:
        """Where the kept lines stand, in order (read from the store once spilled)."""
        return self.at if self.store is None else _StoredPlaces(self)

    def spill(self, store) -> None:
        """Keep the kept lines and their places in `store` (a BlockStore) as one blob:
        the places, the lines' ends, then the lines; each read back when looked up."""
        if self.store is not None:
            return
        code = width(max(self.size, self.texts.ends[-1]))
        at, ends = array(code, self.at), array(code, self.texts.ends)
        self.ref = store.put([at.tobytes() + ends.tobytes() + self.texts.blob])[0]
        self.store, self.itemsize, self.at, self.texts = store, at.itemsize, None, None

    def _kept(self, pos: int) -> int:
        """Which kept line the `pos`-th non-blank line is."""
        tail_from = self.count - (self.kept - self.heads)  # the first tail line's position
        if 0 <= pos < self.heads:
            return pos
        if tail_from <= pos < self.count and pos >= self.heads:
            return self.heads + pos - tail_from
        raise TooDeep(pos)

    def _number(self, k: int) -> int:
        """The k-th number of the stored blob (places, then ends)."""
        size = self.itemsize
        return int.from_bytes(self.store.read(self.ref, k * size, size), "little")

    def _stored_text(self, k: int) -> str:
        """The k-th kept line, read from the store (its ends, then the text)."""
        kept, size = self.kept, self.itemsize
        pair = self.store.read(self.ref, (kept + k) * size, 2 * size)
        begin, end = int.from_bytes(pair[:size], "little"), int.from_bytes(pair[size:], "little")
        return self.store.read(self.ref, (2 * kept + 1) * size + begin, end - begin).decode()


class _StoredPlaces(Sequence):
    """A spilled PageEnds' places, each read from the store when looked up."""

    __slots__ = ("page",)

    def __init__(self, page: PageEnds):
        self.page = page

    def __len__(self) -> int:
        return self.page.kept

    def __getitem__(self, k: int) -> int:
        if not 0 <= k < len(self):
            raise IndexError(k)
        return self.page._number(k)


class _NonBlank(Sequence):
    """The indexes of a PageEnds' non-blank lines, known only for the lines it kept."""

    __slots__ = ("page",)

    def __init__(self, page: PageEnds):
        self.page = page

    def __len__(self) -> int:
        return self.page.count

    def __getitem__(self, pos: int) -> int:
        return self.page.nonblank_place(pos)


@dataclasses.dataclass
class FirstPass:
    """A classified dump without its lines: `roles` indexes `role_names` a byte per line,
    `more` holds a line's other note fields where they are not the defaults."""

    done: Classified  # rows and notes emptied
    role_names: tuple[str, ...]
    roles: bytes
    more: dict[int, tuple]
    places_read: bool = False  # resolving its meta lines needs every dump's votes


def pack(done: Classified) -> FirstPass:
    """The first pass's findings, small: the dump's text is read again to unpack them."""
    names = tuple(dict.fromkeys([n.role for n in done.notes]))
    if len(names) > 255:
        raise ValueError("more than 255 kinds of line")
    code = {name: k for k, name in enumerate(names)}
    more = {}
    for i, note in enumerate(done.notes):
        values = _more_of(note)
        if values != _PLAIN:
            more[i] = values
    roles = bytes([code[n.role] for n in done.notes])
    result = dataclasses.replace(done.result, notes=[])
    return FirstPass(
        dataclasses.replace(done, rows=[], notes=[], result=result), names, roles, more
    )


def unpack(first: FirstPass, rows: list[str]) -> Classified:
    """The Classified that `pack` was given, its lines read again (`rows`)."""
    names, more = first.role_names, first.more
    notes = [LineNote(i + 1, t, names[r]) for i, (t, r) in enumerate(zip(rows, first.roles))]
    for i, values in more.items():
        for name, value in zip(_NOTE_FIELDS, values):
            setattr(notes[i], name, value)
    result = dataclasses.replace(first.done.result, notes=notes)
    return dataclasses.replace(first.done, rows=rows, notes=notes, result=result)


class _Places(dict):
    """The meta-line places, noting whether resolve_meta looked any up."""

    read = False

    def get(self, key, default=None):
        self.read = True
        return super().get(key, default)

    def __getitem__(self, key):
        self.read = True
        return super().__getitem__(key)


# -- the passes, as pool tasks: (state, batch of dump indexes) -> results ----------------------


def set_state(state: dict, values: dict) -> None:
    """Give the passes what the whole import has learned so far (every worker gets it)."""
    state.update(values)


def ends_task(state: dict, batch: list[int]) -> list[tuple[str, PageEnds, bool]]:
    """Pass 1: each page's name and first and last lines, for learning chrome; and whether
    it holds control characters (the later passes look for them only where it does)."""
    out = []
    for i in batch:
        name, text, _ = state["dumps"][i]
        controls = has_controls(text)
        out.append((name, PageEnds(split_lines(text, controls), state["keep"]), controls))
    return out


def _rows(state: dict, i: int, text: str) -> list[str]:
    """Dump i's lines, read again (control characters looked for only where pass 1 saw any)."""
    return split_lines(text, i in state["controls"])


def first_task(state: dict, batch: list[tuple[int, dict]]) -> list[tuple[str, bytes, Counter, Any]]:
    """Pass 2: classify each dump (index, its chrome lines); its meta-line votes; its known
    titles where they do not depend on the votes of the other dumps (else None: pass 3 finds
    them).  The FirstPass
    is kept pickled (`frozen`): a tenth of the memory its objects take."""
    out = []
    for i, chrome in batch:
        name, text, ov = state["dumps"][i]
        controls = i in state["controls"]
        rows = split_lines(text, controls)
        done = first_pass(text, name, ov, chrome, rows, controls)
        first, votes, places = pack(done), place_votes(done), _Places()
        resolve_meta(done, places)  # undone: pass 4 resolves again, with every dump's votes
        first.places_read = places.read
        known = None if places.read else digests(known_titles_of(done))
        out.append((name, freeze(first), votes, known))
    return out


def freeze(first: FirstPass) -> bytes:
    return pickle.dumps(first, protocol=pickle.HIGHEST_PROTOCOL)


def thaw(frozen: bytes) -> FirstPass:
    return pickle.loads(frozen)


def titles_task(state: dict, batch: list[tuple[int, bytes]]) -> list[bytes]:
    """Pass 3, for dumps whose meta lines' place the whole import decides: known titles
    (known_titles.digests)."""
    out = []
    for i, first in batch:
        text = state["dumps"][i][1]
        done = unpack(thaw(first), _rows(state, i, text))
        resolve_meta(done, state["places"])
        out.append(digests(known_titles_of(done)))
    return out


def cut_task(state: dict, batch: list[tuple[int, bytes, bytes]]) -> list[tuple[Any, Any, Any]]:
    """Pass 4: cut each dump into posts; hand its notes to the digest and drop them; where the
    posts are stored (state["store_blocks"]), each one is pickled here (`stored.pack`, its
    blocks too) and taken out of the parse (PackedPosts)."""
    out = []
    for i, first, own_titles in batch:
        name, text, _ = state["dumps"][i]
        done = unpack(thaw(first), _rows(state, i, text))
        resolve_meta(done, state["places"])
        parse = cut_posts(done, KnownElsewhere(state["titles"], own_titles))
        digest = state["digest"](parse) if state["digest"] else None
        if state["digest"]:
            parse.notes = []
        packed = None
        if state.get("store_blocks"):
            packed = PackedPosts(
                [pack_record(raw) for raw in parse.posts],
                [title_key(raw.title) for raw in parse.posts],
                [pack_record(lone(raw)) for raw in parse.posts],
            )
            parse.posts = []
        out.append((parse, digest, packed))
    return out


@dataclasses.dataclass
class PackedPosts:
    """A dump's posts as cut_task hands them over: pickled, the key each is grouped by with
    its copies (merge.duplicate_groups) and what the merge makes of each if it has none
    (merge.Lone, pickled), so the merge need not unpickle them for these."""

    blobs: list[bytes]
    title_keys: list[int]
    lones: list[bytes]


class InProcess:
    """The passes run here, one after another (the pool's interface, without workers)."""

    def __init__(self):
        self.state: dict = {}

    def map(self, task, items: list) -> list:
        return task(self.state, items)

    def broadcast(self, task, value) -> None:
        task(self.state, value)
