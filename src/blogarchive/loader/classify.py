"""First pass over a dump: what each line is before posts are cut (pure: lines in, notes out).

Evidence, strongest first: a person's overrides; runs of lines page.py reads as a whole
(comment threads, forms, navigation, meta blocks under labels); the single-line rules of
lines.py (the committed dumps' theme); the chrome learned across the import's pages and
WordPress's own words (page.py); otherwise the line is text.  Meta lines whose place a theme
decides ("Posted on … by …", "5 Replies") are read as under-the-title or after-the-body by
how such lines stand across the whole import (`place_votes`, `decide_places`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import grammar as G
from . import lines as L
from .model import DumpParse, LineNote, Overrides
from .page import Mark, PageStructure, describe, read_structure

DEFAULT_PLACE = {"count": "header", "byline": "header", "labelled": "footer", "terms": "footer"}
SLASH = "slash dates"  # votes and decision on the order of '10/12/2011' (see decide_places)
SLASH_FORMATS = ("m/d/Y", "d/m/Y")


@dataclass
class Classified:
    """A dump after the first pass: its lines, their notes, the page's structure."""

    rows: list[str]
    notes: list[LineNote]
    result: DumpParse
    page: PageStructure
    overrides: Overrides
    header_tags: list[str] = field(default_factory=list)
    header_author: str | None = None
    dates_above: dict[int, int] = field(default_factory=dict)  # title line -> its date above


def classify(
    rows: list[str], result: DumpParse, ov: Overrides, chrome: dict[int, str]
) -> Classified:
    """Give every non-blank line its first role: text, date, cats, more, footer, chrome, meta…"""
    page = read_structure(rows, chrome)
    done = Classified(rows, result.notes, result, page, ov)
    seen_text = False
    for i, t in enumerate(rows):
        note = result.notes[i]
        if note.role == "blank":
            continue
        forced = ov.lines.get(i + 1)
        mark = page.marks.get(i)
        if forced in ("chrome", "residue"):
            note.role, note.reason = forced, "forced by overrides"
        elif forced in ("title", "text", "heading"):
            note.role = "text"
        elif mark is not None and mark.zone:
            _apply(done, note, mark)
        elif not _legacy(t, note, i, seen_text, rows, result):
            if mark is not None:
                _apply(done, note, mark)
            else:
                note.role = "text"
        seen_text = seen_text or note.role == "text"
    return done


def _legacy(t: str, note: LineNote, i: int, seen_text: bool, rows, result: DumpParse) -> bool:
    """The committed dumps' single-line rules (lines.py); False if none applies."""
    if not L.LEGACY_RE.match(t):
        return False
    cat = L.header_category(t)
    try:
        date = L.parse_dateline(t)
    except ValueError as exc:
        result.warnings.append(
            f"{result.name}:{i + 1}: impossible date in date line ({exc}); kept as text"
        )
        date = None
    if cat:
        note.role, note.reason = "chrome", f"category archive header ({cat})"
        result.header_categories.append(cat)
        result.page_kinds.append(f"category archive ({cat})")
    elif L.ARCHIVE_RE.match(t) and not seen_text:
        note.role, note.reason = "chrome", "archive page heading"
    elif date is not None:
        hit = G.find_date(t)
        note.role = "date"
        note.data = G.Meta(
            "dateline", "header", date=date[0], fmt=hit[1] if hit else None, comments=date[1]
        )
    elif L.is_more(t):
        note.role, note.reason = "more", "teaser link"
    elif L.categories_of(t) is not None:
        note.role, note.data = (
            "cats",
            G.Meta("categories", "footer", categories=tuple(L.categories_of(t))),
        )
    elif L.is_footer(t) or (L.FOLLOW_RE.match(t) and _next_is_footer(rows, i)):
        note.role, note.reason = "footer", "page footer"
    else:
        return False
    return True


def _next_is_footer(rows, i) -> bool:
    j = next((j for j in range(i + 1, len(rows)) if not L.is_blank(rows[j])), None)
    return j is None or L.is_footer(rows[j])


def _apply(done: Classified, note: LineNote, mark: Mark) -> None:
    note.role, note.reason, note.data = mark.role, mark.reason, mark.data
    header = mark.data if isinstance(mark.data, G.PageHeader) else None
    if header is None:
        return
    note.data = None
    done.result.page_kinds.append(f"{header.kind} archive ({header.label})")
    if header.kind == "category":
        done.result.header_categories.append(header.label)
    elif header.kind == "tag":
        done.header_tags.append(header.label)
    elif header.kind == "author":
        done.header_author = header.label


def place_votes(done: Classified) -> Counter:
    """(shape, place) votes from this dump: a meta line under a title-like line is a header;
    one under prose closes the post above it, and so does one after the text that follows a
    post's header meta (a line only ever found under titles), unless such a line follows it."""
    votes: Counter = Counter()
    prev, text_since_header = None, None
    for i, note in enumerate(done.notes):
        if note.role == "blank":
            continue
        meta = note.data if note.role == "meta" else None
        if (
            meta is not None
            and meta.place == "either"
            and prev is not None
            and done.notes[prev].role == "text"
        ):
            title_like = L.is_title_like(done.rows[prev], 200, 40)
            if text_since_header and not _header_meta_next(done, i):
                title_like = False
            votes[(meta.shape, "header" if title_like else "footer")] += 1
        _vote_slash_order(votes, note.data)
        if meta is not None:
            text_since_header = 0 if meta.place == "header" else None
        elif note.role == "text" and text_since_header is not None:
            text_since_header += 1
        prev = i
    return votes


def _header_meta_next(done: Classified, i: int) -> bool:
    """The next line after line i (blanks skipped) is meta only ever found under a title."""
    nxt = next((n for n in done.notes[i + 1 :] if n.role != "blank"), None)
    return nxt is not None and nxt.role == "meta" and getattr(nxt.data, "place", "") == "header"


def _vote_slash_order(votes: Counter, meta) -> None:
    """'11/21/2011' says the blog writes month first, '21/11/2011' day first; '10/12/2011'
    says nothing (`decide_places` reads such dates the way the blog's others are written)."""
    if not isinstance(meta, G.Meta) or meta.fmt not in SLASH_FORMATS or meta.date is None:
        return
    if meta.fmt == "m/d/Y" or meta.date.day > 12:
        votes[(SLASH, meta.fmt)] += 1


def decide_places(votes: Counter) -> dict[str, str]:
    """Per shape of meta line, where this blog puts it: the majority of the votes; and under
    SLASH the order of day and month in its dates written with slashes."""
    out = dict(DEFAULT_PLACE)
    month_first = votes[(SLASH, "m/d/Y")] > votes[(SLASH, "d/m/Y")]
    out[SLASH] = "m/d/Y" if month_first else "d/m/Y"
    for shape in {s for s, _ in votes if s != SLASH}:
        head, foot = votes[(shape, "header")], votes[(shape, "footer")]
        if head != foot:
            out[shape] = "header" if head > foot else "footer"
    return out


def resolve_meta(done: Classified, places: dict[str, str]) -> None:
    """Turn each meta block into a header ('date', under its title) or a closing line ('cats')."""
    prev, head_role = None, "cats"
    for i, note in enumerate(done.notes):
        if note.role == "blank":
            continue
        if note.data is not None:  # places looked up only where a line needs them
            if _ambiguous_slash(note) and places.get(SLASH) == "m/d/Y":
                _month_first(note)
            if _bare_count(note) and places.get("count") == "footer":
                note.role = "cats"
                note.reason = "comment count (closing its post, as this blog's do)"
        if note.role == "meta":
            meta = note.data
            if meta is None:
                note.role = head_role
            else:
                place = meta.place if meta.place != "either" else places.get(meta.shape, "footer")
                above = done.notes[prev] if prev is not None else None
                header = (
                    place == "header"
                    and above is not None
                    and (
                        above.role == "text"
                        and L.is_title_like(done.rows[prev], 200, 40)
                        or above.role == "date"  # stacked under another line of the title's meta
                    )
                ) or _names_title_above(done, meta, above, prev)
                note.role = head_role = "date" if header else "cats"
                note.reason = (
                    f"{describe(meta)} ({'under its title' if header else 'closing its post'})"
                )
        prev = i


def _names_title_above(done: Classified, meta, above, prev) -> bool:
    """The block's comment link names the line right above it ('2 Comments on <title>'): it
    stands under its title, wherever the blog's other such blocks stand."""
    return (
        above is not None
        and above.role == "text"
        and bool(meta.about)
        and G.norm(meta.about) == G.norm(done.rows[prev])
    )


def _ambiguous_slash(note: LineNote) -> bool:
    """A date read day first that could be month first ('10/12/2011')."""
    meta = note.data
    return isinstance(meta, G.Meta) and meta.fmt == "d/m/Y" and meta.date.day <= 12


def _month_first(note: LineNote) -> None:
    """A date read day first ('10/12/2011' as 10 December) where the blog writes month first."""
    meta = note.data
    date = meta.date.replace(month=meta.date.day, day=meta.date.month)
    note.data = meta.with_(date=date, fmt="m/d/Y")


def _bare_count(note: LineNote) -> bool:
    """A dateline that is only a comment count ('Leave a comment'), read as under its title."""
    meta = note.data
    return note.role == "date" and isinstance(meta, G.Meta) and meta.date is None


def date_formats(done: Classified) -> list[str]:
    return sorted({n.data.fmt for n in done.notes if isinstance(n.data, G.Meta) and n.data.fmt})


ABOVE_OK = ("cats", "more", "footer", "chrome", "thread")  # what may stand above a post's date


def find_dates_above(done: Classified) -> None:
    """Dates a theme prints above the title ('May 3, 2012' / 'Title' / 'Keith wrote on …').

    A bare date line over a title-like line stands above that post's title when more of the
    post's header meta follows the title, or when only chrome or the previous post's closing
    meta stands above the date.  Where a title-like line stands on both sides, the page's
    other dates decide: above if more of them stand clearly above a title than under one.
    Fills `done.dates_above` (title line -> date line); those date lines become chrome."""
    seen = {"above": [], "either": [], "under": 0}
    nb = [i for i, n in enumerate(done.notes) if n.role != "blank"]
    for k, i in enumerate(nb):
        if done.notes[i].role == "date" and _bare_date(done.notes[i].data):
            _place_date(done, nb, k, seen)
    if len(seen["above"]) > seen["under"]:
        seen["above"] += seen["either"]
    for i, t, why in seen["above"]:
        done.dates_above[t] = i
        done.notes[i].role, done.notes[i].reason = "chrome", f"date above its post's title ({why})"


def _place_date(done: Classified, nb: list[int], k: int, seen: dict) -> None:
    """Sort one bare date line: clearly above a title, clearly under one, or either."""

    def role(j):
        return done.notes[nb[j]].role if 0 <= j < len(nb) else "chrome"

    def title_like(j):
        return role(j) == "text" and L.is_title_like(done.rows[nb[j]])

    if not title_like(k + 1):
        seen["under"] += title_like(k - 1)
        return
    if role(k + 2) == "date":
        seen["above"].append((nb[k], nb[k + 1], "the title's own meta line follows it"))
    elif role(k - 1) in ABOVE_OK:
        seen["above"].append((nb[k], nb[k + 1], "only chrome or the previous post's meta above"))
    elif title_like(k - 1):
        seen["either"].append((nb[k], nb[k + 1], "as the page's other dates stand"))


def _bare_date(meta) -> bool:
    return (
        isinstance(meta, G.Meta)
        and meta.shape == "dateline"
        and meta.comments is None
        and meta.date is not None
    )
