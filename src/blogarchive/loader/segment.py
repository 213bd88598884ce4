"""Cut one dump into posts: find titles, date lines, chrome and residue (pure: text in, data out).

A post starts at its title.  A title is a line followed by a date line; or, where the dump
gives no date, a title-like line in a place only a new post can start: the top of the dump,
after a post's "Continue reading →" or "Categories:" line, after the last of the previous
post's footnotes, anywhere in a dump that has no dates at all when a paragraph follows it,
or wherever a line repeats a title dated in another dump.  Every such inference is a guess
and is listed in the import report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..text import FORBIDDEN_RE, holds_forbidden, normalise_title
from . import grammar as G
from . import lines as L
from .above import read_above
from .body import build_body
from .classify import (
    Classified,
    classify,
    date_formats,
    decide_places,
    find_dates_above,
    place_votes,
    resolve_meta,
)
from .frame import drop_chrome_blocks
from .model import DumpParse, Guess, LineNote, Overrides, RawPost, unite


def split_lines(text: str, controls: bool = True) -> list[str]:
    """Split on \\n only (not on U+2028 and friends), so numbers match an editor's.

    Control characters are dropped: no page or feed can show them (see `control_warnings`);
    `controls=False` says the caller found none (`has_controls`), so none are looked for."""
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if controls and has_controls(text):  # scanning is cheaper than substituting
        text = FORBIDDEN_RE.sub("", text)
    parts = text.split("\n")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def has_controls(text: str) -> bool:
    """Whether the text holds a character split_lines drops (most dumps hold none)."""
    return holds_forbidden(text)


def control_warnings(text: str, name: str, most: int = 5) -> list[str]:
    """'dump.txt:12: control character U+0001 removed' for the first few lines holding one."""
    if not has_controls(text):
        return []
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    hits = [
        (i, m.group()) for i, row in enumerate(rows, 1) for m in [FORBIDDEN_RE.search(row)] if m
    ]
    out = [
        f"{name}:{i}: control character U+{ord(c):04X} removed (pages cannot show it)"
        for i, c in hits[:most]
    ]
    if len(hits) > most:
        out.append(f"{name}: control characters removed from {len(hits) - most} more lines")
    return out


def dated_titles(text: str, rows: list[str] | None = None) -> set[str]:
    """Normalised titles that a date line confirms; other dumps use them to spot undated copies."""
    return _dated_in(
        [t for t in (split_lines(text) if rows is None else rows) if not L.is_blank(t)]
    )


def _dated_in(rows: list[str]) -> set[str]:
    """dated_titles of a dump's non-blank lines."""
    return {
        normalise_title(a)
        for a, b in zip(rows, rows[1:])
        if L.is_title_like(a, 200, 40) and _dateline(b)  # the cheaper test first
    }


def _dateline(text: str):
    try:
        return L.parse_dateline(text)
    except ValueError:
        return None


@dataclass
class _Notes:
    """Tracks footnote markers and notes, to know when a post's notes are complete."""

    markers: set = field(default_factory=set)
    stars: set = field(default_factory=set)
    seen: set = field(default_factory=set)
    star_seen: set = field(default_factory=set)
    in_notes: bool = False

    def feed(self, text: str) -> None:
        s = text.strip()
        opens = s[:1]  # a note starts with "[n]" or "*": most lines cannot be one
        note = L.NOTE_RE.match(s) if opens == "[" else None
        star = L.STAR_NOTE_RE.match(s) if opens == "*" else None
        if note and int(note.group("n")) in self.markers:
            self.in_notes = True
            self.seen.add(int(note.group("n")))
        elif star and len(star.group("stars")) in self.stars:
            self.in_notes = True
            self.star_seen.add(len(star.group("stars")))
        elif not self.in_notes:
            self.markers.update(L.markers_in(s))
            self.stars.update(L.star_markers_in(s))

    @property
    def complete(self) -> bool:
        return (
            bool(self.markers or self.stars)
            and self.markers <= self.seen
            and self.stars <= self.star_seen
        )


def parse_dump(
    text: str,
    name: str,
    overrides: Overrides | None = None,
    known_titles: frozenset[str] = frozenset(),
    chrome: dict[int, str] | None = None,
    places: dict[str, str] | None = None,
) -> DumpParse:
    """Every post in one dump, with what became of each of its lines.

    `chrome` (line index -> why) and `places` (where this blog puts each kind of meta line)
    come from the whole import (see load_dumps); alone, a dump is judged on its own."""
    done = first_pass(text, name, overrides, chrome or {})
    resolve_meta(done, places or decide_places(place_votes(done)))
    return cut_posts(done, known_titles)


def first_pass(
    text: str,
    name: str,
    overrides: Overrides | None,
    chrome: dict[int, str],
    rows: list[str] | None = None,
    controls: bool = True,
) -> Classified:
    """Split and classify a dump's lines (before meta lines are placed and posts cut);
    `controls=False`: the text is known to hold no control character (see split_lines)."""
    rows = split_lines(text, controls) if rows is None else rows
    notes = [LineNote(i + 1, t, "blank" if L.is_blank(t) else "") for i, t in enumerate(rows)]
    warnings = control_warnings(text, name) if controls else []
    result = DumpParse(name=name, notes=notes, warnings=warnings)
    return classify(rows, result, overrides or Overrides(), chrome)


def cut_posts(done: Classified, known_titles: frozenset[str] = frozenset()) -> DumpParse:
    """Second and third passes: find the titles, then gather each post's lines."""
    rows, notes, ov, result = done.rows, done.notes, done.overrides, done.result
    known_titles = _AlsoNamed(known_titles, done)
    find_dates_above(done)
    read_above(done, known_titles)
    titles = _find_titles(rows, notes, ov, known_titles, result, done.dates_above)
    titles = drop_chrome_blocks(done, titles)
    _assemble(done, titles)
    _bound_undated(result.posts)
    _grade_title_guesses(result)
    result.date_formats = date_formats(done)
    if not result.page_kinds:
        result.page_kinds.append(_page_kind(done, result))
    return result


class _AlsoNamed:
    """Titles known elsewhere, and the title this page's comment thread names
    ('2 thoughts on “Title”'): a single post's title, wherever its meta stands."""

    def __init__(self, known, done: Classified):
        self.known = known
        self.named = {normalise_title(t.title) for t in done.page.threads if t.title}

    def __contains__(self, title: str) -> bool:
        return title in self.named or title in self.known


def _page_kind(done: Classified, result: DumpParse) -> str:
    """What a page without an archive header is, from what it holds."""
    if done.page.threads:
        return "single post (with its comment thread)"
    if len(result.posts) > 1:
        return "list of posts, no archive header (a home page or one of its pages)"
    return "one post, no archive header"


def _grade_title_guesses(result: DumpParse) -> None:
    """A title found by its place is weak unless a meta line after the body dates its post."""
    dated = {p.title_line: p for p in result.posts if p.date}
    for k, g in enumerate(result.guesses):
        if not g.what.startswith("undated post title ("):
            continue
        post = dated.get(g.line)
        what = (
            f"post title ({g.what[20:-1]}; dated {post.date} by the meta line closing it)"
            if post
            else g.what
        )
        result.guesses[k] = Guess(g.file, g.line, g.text, what, weak=post is None)


def known_titles_of(done: Classified) -> set[str]:
    """Titles a dump confirms: above a date or meta line under a title, or named by a
    comment link or thread heading; other dumps use them to spot undated copies."""
    rows, notes = done.rows, done.notes
    out = _dated_in([rows[i] for i, note in enumerate(notes) if note.role != "blank"])
    prev = None
    for i, note in enumerate(done.notes):
        if note.role == "blank":
            continue
        if note.role == "date" and prev is not None and done.notes[prev].role == "text":
            out.add(normalise_title(done.rows[prev]))
        if isinstance(note.data, G.Meta) and note.data.about:
            out.add(normalise_title(note.data.about))
        prev = i
    out.update(normalise_title(t.title) for t in done.page.threads if t.title)
    return out


def _next_nonblank(notes, i):
    for j in range(i + 1, len(notes)):
        if notes[j].role != "blank":
            return j
    return None


def _find_titles(
    rows, notes, ov: Overrides, known: frozenset, result: DumpParse, dates_above: dict[int, int]
) -> dict[int, str]:
    """Indexes of title lines, each with why it is a title."""
    titles: dict[int, str] = {t: "dated by the date above it" for t in dates_above}
    prev = None
    for i, note in enumerate(notes):
        if note.role == "blank":
            continue
        if (
            note.role == "date"
            and prev is not None
            and notes[prev].role == "text"
            and ov.lines.get(prev + 1) not in ("text", "heading")
            and _could_head_date(rows[prev], note.data)
        ):
            titles[prev] = "dated"
        prev = i
    for line, kind in ov.lines.items():
        if kind == "title" and 0 < line <= len(rows):
            titles[line - 1] = "forced by overrides"
    no_dates = not dates_above and not any(
        n.role == "date" or (n.role == "cats" and n.data and n.data.date) for n in notes
    )
    facts = _DumpFacts(rows, notes, titles, no_dates, known)
    ctx_open, tracker = True, _Notes()
    for i, note in enumerate(notes):
        if i in titles:
            ctx_open, tracker = False, _Notes()
            continue
        if note.role in ("more", "cats", "footer", "thread"):
            ctx_open = True
            continue
        if note.role != "text" or ov.lines.get(i + 1) in ("text", "heading"):
            if note.role == "text":
                tracker.feed(rows[i])
            continue
        reason = _undated_title_reason(facts, i, ctx_open, tracker)
        if reason:
            titles[i] = reason
            result.guesses.append(
                Guess(result.name, i + 1, rows[i].strip(), f"undated post title ({reason})")
            )
            ctx_open, tracker = False, _Notes()
        else:
            tracker.feed(rows[i])
    return titles


def _could_head_date(text: str, meta) -> bool:
    """A line above a date line is its post's title; a bare date needs a title-like line."""
    if meta is None:
        return False
    if meta.shape != "dateline" or meta.comments is None:
        return L.is_title_like(text, 200, 40)
    return len(text.strip()) <= 300


@dataclass(frozen=True)
class _DumpFacts:
    """What the undated-title rules know of the whole dump: its lines and their notes, the
    titles found so far (by line index), whether it has no dates at all, and the titles
    dated in other dumps."""

    rows: list
    notes: list
    titles: dict
    no_dates: bool
    known: frozenset


def _undated_title_reason(facts: _DumpFacts, i: int, ctx_open: bool, tracker) -> str:
    """Why line i starts an undated post, or '' if it does not."""
    rows, notes, titles = facts.rows, facts.notes, facts.titles
    no_dates, known = facts.no_dates, facts.known
    t = rows[i]
    if not ctx_open and not L.is_title_like(t):
        return ""  # the test below that most lines fail, first: the others need it passed
    nxt = _next_nonblank(notes, i)
    if L.is_filename(t) or L.is_lower_phrase(t) or nxt in titles:
        return ""  # residue, or a caption standing before the next title
    if nxt is not None and notes[nxt].role == "date":
        return ""
    if ctx_open:
        return "first line after a post's end" if L.is_title_like(t) or nxt is not None else ""
    if not L.is_title_like(t) or nxt is None:
        return ""
    if tracker.complete:
        return "follows the previous post's completed notes"
    if normalise_title(t) in known:
        return "matches a title dated in another dump"
    if no_dates and _is_paragraph(rows, notes, nxt):
        return "title-like line before a paragraph in a dump without dates"
    return ""


def _is_paragraph(rows, notes, j) -> bool:
    t = rows[j]
    return (
        notes[j].role == "text"
        and not L.is_title_like(t)
        and not L.is_filename(t)
        and not L.is_lower_phrase(t)
    )


def _assemble(done: Classified, titles: dict[int, str]) -> None:
    """Third pass: gather each post's lines and turn them into a RawPost."""
    notes, result = done.notes, done.result
    spans: list[tuple[int, list[int], list[int]]] = []  # (title, content idx, closing idx)
    current = closed = None  # closed: the post a teaser link, meta line or chrome just ended
    for i, note in enumerate(notes):
        role = note.role
        if i in titles:
            current, closed = (i, [], [done.dates_above[i]] if i in done.dates_above else []), None
            spans.append(current)
            note.role, note.reason = "title", titles[i]
        elif role in ("blank", "thread"):
            current = None if role == "thread" else current
        elif current is None:
            closed = _between_posts(done, i, closed)
        elif role == "date" and _opens_post(notes, current, i):
            current[2].append(i)
        elif role in ("more", "cats") or (role == "date" and note.data.shape != "dateline"):
            current[2].append(i)
            current, closed = None, current
        elif role == "footer":
            note.reason = note.reason or "page footer"
            current, closed = None, current
        elif role == "text":
            current[1].append(i)
        elif role == "date":
            note.role, note.reason = "text", ""
            current[1].append(i)
    threads = _attach_threads(done, spans)
    for index, (title, content, closing) in enumerate(spans):
        post = _make_post(done, index, title, content, closing, threads.get(index, []))
        result.posts.append(post)


def _between_posts(done: Classified, i: int, closed):
    """A line outside any post: the closing meta of the post just ended, chrome, or residue."""
    note = done.notes[i]
    if closed is not None and note.role in ("cats", "more"):
        closed[2].append(i)  # the ended post's own meta ("Categories:", "Posted in …")
        return closed
    if note.role in ("footer", "chrome"):
        return closed
    if note.role == "text":
        note.role, note.reason = "residue", "between posts"
        done.result.guesses.append(
            Guess(
                done.result.name,
                i + 1,
                done.rows[i].strip(),
                "dropped as residue between posts",
                weak=True,
            )
        )
    return None


def _opens_post(notes, current, i) -> bool:
    """A date line right under the title (or under its other header lines) dates the post."""
    if current[1] or any(notes[k].role != "date" for k in current[2] if k > current[0]):
        return False
    between = [notes[k] for k in range(current[0] + 1, i) if notes[k].role != "blank"]
    return (
        not between
        or (notes[i].data is None or notes[i].data.shape != "dateline")
        and all(n.role == "date" for n in between)
    )


def _attach_threads(done: Classified, spans) -> dict[int, list]:
    """Each comment thread goes to the post it names, else to the post above it."""
    out: dict[int, list] = {}
    for thread in done.page.threads:
        named = [
            k
            for k, (t, _, _) in enumerate(spans)
            if thread.title and normalise_title(done.rows[t]) == normalise_title(thread.title)
        ]
        above = [k for k, (t, _, _) in enumerate(spans) if t < thread.head]
        target = named[0] if named else (above[-1] if above else None)
        if target is None:
            continue
        out.setdefault(target, []).append(thread)
        for i in thread.lines:
            if done.notes[i].role != "blank":
                done.notes[i].post = target
                done.notes[i].role = "chrome"
    return out


def _is_first_date(notes, title, i) -> bool:
    return all(notes[k].role == "blank" for k in range(title + 1, i))


def _make_post(done: Classified, index, title, content, closing, threads) -> RawPost:
    """One RawPost from its title line, content lines and closing lines (date, meta lines…)."""
    rows, notes, ov, result = done.rows, done.notes, done.overrides, done.result
    after = [i for i in closing if i > title]  # not the date standing above the title
    ended_by_title = not after or notes[after[-1]].role == "date"
    facts = _Facts(
        categories=list(result.header_categories),
        tags=list(done.header_tags),
        author=done.header_author,
    )
    for i in closing:
        reason = notes[i].reason if i < title else None
        facts.take(notes[i])
        notes[i].post = index
        notes[i].reason = reason or notes[i].reason
    for thread in threads:
        facts.count(thread.count)
    notes[title].post = index
    kept = _drop_residue(rows, notes, content, ended_by_title, ov, result)
    for i in content:
        notes[i].post = index
    body, roles = build_body(_blocks(rows, kept), result.name, result.guesses, forced=ov.lines)
    for line_no, (role, reason) in roles.items():
        notes[line_no - 1].role, notes[line_no - 1].reason = role, reason
    last = max([title] + kept + closing)
    post = RawPost(
        title=" ".join(rows[title].split()),
        title_line=title + 1,
        last_line=last + 1,
        date=facts.date,
        comments=facts.comments,
        categories=[c for c in facts.categories if c.casefold() != "uncategorized"],
        excerpt=facts.excerpt,
        blocks=body,
        dump=result.name,
        index=index,
        tags=unite(facts.tags),
        author=facts.author,
        thread=[c for t in threads for c in t.comments],
    )
    return ov.apply(post, result.name)


@dataclass
class _Facts:
    """What a post's date, meta and teaser lines say about it, gathered line by line."""

    categories: list
    tags: list
    author: str | None = None
    date: object = None
    comments: int | None = None
    excerpt: bool = False

    def count(self, n: int | None) -> None:
        if n is not None:
            self.comments = n if self.comments is None else max(self.comments, n)

    def take(self, note: LineNote) -> None:
        """Fold one closing line in, and mark it as read (chrome, with the reason)."""
        meta = note.data if isinstance(note.data, G.Meta) else None
        if note.role == "more":
            self.excerpt = True
            note.role, note.reason = "chrome", "teaser link (the dump holds only the opening)"
            return
        if meta is None:
            note.role = "chrome"
            note.reason = note.reason or "meta line"
            return
        if meta.date and (self.date is None or note.role == "date"):
            self.date = meta.date
        self.count(meta.comments)
        self.author = self.author or meta.author
        self.categories = unite(self.categories + list(meta.categories))
        self.tags += list(meta.tags)
        if meta.shape == "dateline":
            note.reason = "date line"
        elif meta.shape == "categories":
            note.reason = "categories line"
        note.role = "chrome"


def _drop_residue(rows, notes, content, ended_by_title, ov, result) -> list[int]:
    """Remove image residue: file names, the caption after one, alt text before the next title."""
    drop: dict[int, str] = {}
    forced = {i for i in content if ov.lines.get(i + 1) in ("text", "heading")} if ov.lines else ()
    for k, i in enumerate(content):
        if i in forced:
            continue
        if L.is_filename(rows[i]) and _alone(notes, i):
            drop[i] = "image file name"
            nxt = content[k + 1] if k + 1 < len(content) else None
            if (
                nxt is not None
                and nxt not in forced
                and _alone(notes, nxt)
                and L.is_title_like(rows[nxt])
                and not L.is_numbered_heading(rows[nxt])
                and _only_blanks_between(notes, i, nxt)
            ):
                drop[nxt] = "image caption after an image file name"
        elif (
            _alone(notes, i) and _caption_like(rows[i]) and _spacers_after(rows, i) >= IMAGE_SPACERS
        ):
            drop[i] = (
                "alt text standing over an image's empty lines "
                f"({_spacers_after(rows, i)} spacer lines)"
            )
    if ended_by_title:
        for i in reversed(content):
            if i in drop:
                continue
            if i in forced or not _alone(notes, i) or not _caption_like(rows[i]):
                break
            drop[i] = "alt text or caption before the next post"
    for i, why in sorted(drop.items()):
        notes[i].role, notes[i].reason = "residue", why
        result.guesses.append(
            Guess(result.name, i + 1, rows[i].strip(), f"dropped as residue: {why}")
        )
    return [i for i in content if i not in drop]


IMAGE_SPACERS = 6  # no-break-space lines in a row: the room an image took on the page
# (the real dumps show 13 under an image; a writer's own spacing paragraphs are fewer)


def _spacers_after(rows, i) -> int:
    """Spacer lines (no-break spaces only) before the next line of text below line i."""
    count = 0
    for t in rows[i + 1 :]:
        if t.strip():
            break
        count += "\u00a0" in t and not t.strip(" \u00a0\t")
    return count


def _caption_like(text: str) -> bool:
    return (
        L.is_title_like(text, 60, 8) or L.is_lower_phrase(text) or L.is_filename(text)
    ) and not L.is_credit(text)


def _alone(notes, i) -> bool:
    """A line standing alone: no prose directly above or below (blank, chrome or nothing)."""
    prose = ("text", "body", "heading", "list", "note")
    above = i == 0 or notes[i - 1].role not in prose
    below = i + 1 >= len(notes) or notes[i + 1].role not in prose
    return above and below


def _only_blanks_between(notes, a, b) -> bool:
    return all(notes[k].role == "blank" for k in range(a + 1, b))


def _blocks(rows, kept: list[int]) -> list[list[tuple[int, str]]]:
    """Group kept lines into paragraphs: lines adjacent in the dump stay together."""
    blocks: list[list[tuple[int, str]]] = []
    prev = None
    for i in kept:
        if prev is not None and i == prev + 1:
            blocks[-1].append((i + 1, rows[i]))
        else:
            blocks.append([(i + 1, rows[i])])
        prev = i
    return blocks


def _bound_undated(posts: list[RawPost]) -> None:
    """Undated posts get bounds from the nearest dated posts (archives list newest first)."""
    for k, post in enumerate(posts):
        if post.date is not None:
            continue
        above = next((p.date for p in reversed(posts[:k]) if p.date), None)
        below = next((p.date for p in posts[k + 1 :] if p.date), None)
        post.date_before, post.date_after = above, below
        if above and below and below > above:  # out of order: the bounds mean nothing
            post.date_before = post.date_after = None


__all__ = ["parse_dump", "dated_titles", "normalise_title", "split_lines"]
