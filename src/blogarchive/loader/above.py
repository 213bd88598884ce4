"""Meta a theme prints above a post's title, and meta glued into one line.

- Category lines between the previous post and the next title (Twenty Fourteen's
  'Fruit, Vegetables', Twenty Twenty's 'Categories' / 'Fruit Vegetables'): read only when every
  name is one the page itself lists as a category (its Categories widget, its category archive
  header) or a screen-reader label says so, and the title below has its own meta under it.
- A date block over the title ('Posted on' / 'May 3, 2017', Twenty Seventeen) where the blog's
  date blocks stand over titles rather than under prose.
- The categories, tags and author of a glued meta line ('May 3, 2013Fruitfrost, winterAnn').

No theme's strings are listed: names come from the page, places from how the lines stand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from ..text import normalise_title
from . import grammar as G
from . import lines as L
from .classify import ABOVE_OK, Classified

UNCATEGORIZED = "uncategorized"  # WordPress's own name for a post's default category
_PERSON = r"[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}"  # 'Ann Pettigrew' glued after the last term
WIDGET_ITEMS = 60  # a Categories widget lists at most this many lines
NAME_WORDS = 5  # a category name is short


def category_names(done: Classified) -> frozenset[str]:
    """Casefolded names the page lists as categories: the items under a 'Categories' widget
    heading and a category archive's name; else the categories its meta lines read."""
    names = {h.label.casefold() for h in done.page.headers if h.kind == "category"}
    names |= {c.casefold() for c in done.result.header_categories}
    for i, text in enumerate(done.rows):
        if "Categories" in text and text.strip().rstrip(":") == "Categories":
            names |= _widget_items(done.rows, i)
    if names:
        return frozenset(names)
    metas = [n.data for n in done.notes if isinstance(n.data, G.Meta)]
    return frozenset(c.casefold() for meta in metas for c in meta.categories)


def _widget_items(rows: list[str], head: int) -> set[str]:
    """The short lines under a 'Categories' heading, up to other chrome; none where the run
    ends at a label (a post's 'Categories' label over its own categories and title)."""
    items = set()
    for text in rows[head + 1 : head + 1 + WIDGET_ITEMS]:
        s = text.strip()
        if not s:
            continue
        if G.is_label(s):
            return set()
        if G.SITE_RE.match(s) or G.SITE_WEAK_RE.match(s) or not _name_like(s):
            break
        items.add(s.casefold())
    return items if len(items) > 1 else set()


def _name_like(text: str) -> bool:
    return len(text.split()) <= NAME_WORDS and not G.is_sentence(text) and not G.find_date(text)


def split_categories(text: str, names: frozenset[str]) -> tuple[str, ...] | None:
    """'Fruit, Vegetables' or 'Vegetable Garden Odd Jobs' as known names, each once, else
    None."""
    words = text.replace(",", " , ").split()
    found: list[str] = []
    k = 0
    while k < len(words):
        if words[k] == ",":
            k += 1
            continue
        end = next(
            (
                e
                for e in range(min(len(words), k + NAME_WORDS), k, -1)
                if " ".join(words[k:e]).casefold() in names
            ),
            None,
        )
        if end is None:
            return None
        found.append(" ".join(words[k:end]))
        k = end
    if len({name.casefold() for name in found}) != len(found):
        return None  # a post's categories never repeat: words of a sentence, not its terms
    return tuple(found) or None


def find_terms_above(done: Classified, names: Callable[[], frozenset[str]]) -> None:
    """Category lines (or labelled blocks) right above a title that has its meta under it:
    the post's categories, read into `done.dates_above` as that title's line above.
    `names()` gives the page's category names (computed once, when first needed)."""
    nb = [i for i, n in enumerate(done.notes) if n.role != "blank"]
    dated = [k for k in range(2, len(nb)) if done.notes[nb[k]].role == "date"]
    for k in sorted({k - d for k in dated for d in (2, 3)} - {-1}):  # a block 1 or 2 lines up
        block, title = _block_above(done, nb, k, names)
        if block is None or title in done.dates_above:
            continue
        first = done.notes[block[0]]
        for i in block:
            done.notes[i].role = "chrome"
            done.notes[i].reason = "categories above its post's title"
        cats = split_categories(done.rows[block[-1]], names())
        if cats or not isinstance(first.data, G.Meta):
            first.data = G.Meta("categories", "header", categories=cats or ())
        done.dates_above[title] = block[0]


def _block_above(done: Classified, nb: list[int], k: int, names) -> tuple[list[int] | None, int]:
    """(lines of a categories block starting at nb[k], the title under it) or (None, -1)."""
    notes, rows = done.notes, done.rows
    first = notes[nb[k]]
    labelled = isinstance(first.data, G.Meta) and first.data.shape in ("labelled", "terms")
    if labelled and _terms_only(first.data) and first.data.categories:
        size = 2 if k + 1 < len(nb) and notes[nb[k + 1]].data is None else 1
    elif first.role in ("text", "chrome"):
        size = 1
    else:
        return None, -1
    if k + size + 1 >= len(nb):
        return None, -1
    title, under = nb[k + size], notes[nb[k + size + 1]]
    if notes[title].role != "text" or under.role != "date":
        return None, -1
    if not labelled and not (
        split_categories(rows[nb[k]], names()) and not (k and _in_list(rows[nb[k - 1]], names()))
    ):
        return None, -1
    return nb[k : k + size], title


def _in_list(above: str, names) -> bool:
    """The line above is the Categories widget's heading or another of its items."""
    return above.strip().rstrip(":") == "Categories" or bool(split_categories(above, names))


def _terms_only(meta: G.Meta) -> bool:
    return meta.date is None and meta.comments is None and meta.author is None


def split_glued(done: Classified, names: Callable[[], frozenset[str]]) -> None:
    """Read the terms of each glued meta line (WordPress prints categories, then tags, then the
    author): the categories where they are names the page lists, then the tags; an author
    glued to the last tag ('winterAnn Pettigrew') where a capital follows a small letter."""
    for note in done.notes:
        meta = note.data
        if isinstance(meta, G.Meta) and meta.glued:
            note.data = _read_glued(meta, names() | {UNCATEGORIZED})


def _read_glued(meta: G.Meta, names: frozenset[str]) -> G.Meta:
    rest, cats = meta.glued, []
    while True:
        name = next(
            (
                rest[: len(n)]
                for n in sorted(names, key=len, reverse=True)
                if rest.casefold().startswith(n)
            ),
            None,
        )
        if name is None:
            break
        cats.append(name)
        rest = rest[len(name) :]
        if not rest.startswith(", "):
            break
        rest = rest[2:]
    if not cats:
        return meta
    author = None
    glue = re.search(rf"(?:^|(?<=[a-z]))(?={_PERSON}$)", rest)
    if glue:
        rest, author = rest[: glue.start()], rest[glue.start() :]
    tags = G.split_names(rest) if rest and not rest[0].isupper() else ()
    return meta.with_(categories=tuple(cats), tags=tags, author=author or meta.author)


def find_dated_blocks_above(done: Classified, known=frozenset()) -> None:
    """Date blocks ('Posted on' / 'May 3, 2017', 'Posted on May 3, 2017') standing right over a
    title that has no meta of its own under it: that title's date, where more of the page's
    date blocks stand clearly over a title (below prose or the previous post's end) than under
    one, or where the title is known (dated in another dump, or named by the comment thread:
    `known`).
    Read into `done.dates_above` like bare dates above titles."""
    nb = [i for i, n in enumerate(done.notes) if n.role != "blank"]
    clear, either, under = [], [], 0
    for k, i in enumerate(nb):
        if done.notes[i].data is None or not _date_block(done.notes[i]):
            continue
        e = k + 1
        while (
            e < len(nb)
            and done.notes[nb[e]].data is None
            and done.notes[nb[e]].role
            in (
                "date",
                "cats",
            )
        ):
            e += 1
        if not _bare_title(done, nb, e):
            under += k > 0 and _title_like(done, nb[k - 1])
            continue
        above = done.notes[nb[k - 1]] if k else None
        if normalise_title(done.rows[nb[e]]) in known:
            clear.append((nb[k:e], nb[e]))
            under -= 1  # counts once more than a vote: the title says so
        elif above is None or above.role in ABOVE_OK or not _title_like(done, nb[k - 1]):
            clear.append((nb[k:e], nb[e]))
        else:
            either.append((nb[k:e], nb[e]))
    if len(clear) <= under:
        return
    for block, title in clear + either:
        if title in done.dates_above:
            continue
        for i in block:
            done.notes[i].role, done.notes[i].reason = "chrome", "date above its post's title"
        done.dates_above[title] = block[0]


def _date_block(note) -> bool:
    meta = note.data
    return (
        note.role in ("date", "cats")
        and isinstance(meta, G.Meta)
        and meta.shape in ("labelled", "byline")
        and meta.date is not None
        and not (meta.categories or meta.tags)
        and meta.comments is None
    )


def _bare_title(done: Classified, nb: list[int], e: int) -> bool:
    """nb[e] is a title-like line with no date or meta line under it."""
    if e >= len(nb) or not _title_like(done, nb[e]):
        return False
    nxt = done.notes[nb[e + 1]] if e + 1 < len(nb) else None
    return nxt is None or nxt.role not in ("date", "cats")


def _title_like(done: Classified, i: int) -> bool:
    return done.notes[i].role == "text" and L.is_title_like(done.rows[i])


def read_above(done: Classified, known) -> None:
    """Meta above titles and glued meta lines of one page (see the module's docstring)."""
    names = cache(lambda: category_names(done))
    find_dated_blocks_above(done, known)
    find_terms_above(done, names)
    split_glued(done, names)
