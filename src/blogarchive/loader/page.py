"""What a page is made of around its posts: chrome, meta blocks, archive headers, navigation,
comment threads and forms, sharing blocks (pure: a dump's lines in, marks per line out).

grammar.py judges single lines; here runs of lines are read together: the labels a browser
copy puts on lines of their own ("Posted on" / "19 April 2015" / "Author" / …), a comment
thread from its "N thoughts on “Title”" to the comment form, the links under "Post navigation".
segment.py then cuts the posts from what is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import grammar as G
from . import lines as L
from .thread import Thread, comment_header, parse_thread

SHORT_WORDS = 12  # navigation and form lines are short labels, not prose
LONGEST = 500  # characters: longer lines are prose, never page structure

NAV_LINE_RE = re.compile(
    r"^\s*(?:←.{1,120}|.{1,120}→|(?:[«‹]\s*)?(?:Older|Newer|Previous|Next) "
    r"(?:posts|entries|Posts|Entries|page|Page|post|Post)(?:\s*[»›])?|Page \d+ of \d+)\s*$"
)
TIME_RE = re.compile(r"\b\d{1,2}[:.]\d{2}\b")  # a comment's date shows the time of day
STICKY_RE = re.compile(r"^\s*(?:Featured(?: post)?|Sticky(?: post)?)\s*$", re.I)


@dataclass
class Mark:
    """What page.py found a line to be.  role: footer (chrome that ends a post), chrome (chrome
    that does not), meta, more, thread.  zone: part of a run read as a whole (it outranks the
    single-line rules of lines.py)."""

    role: str
    reason: str
    data: object = None  # a Meta on a meta block's first line, a PageHeader on a header
    zone: bool = False


@dataclass
class PageStructure:
    marks: dict[int, Mark] = field(default_factory=dict)
    threads: list[Thread] = field(default_factory=list)
    headers: list[G.PageHeader] = field(default_factory=list)


def read_structure(rows: list[str], chrome: dict[int, str]) -> PageStructure:
    """Marks for the lines of one page whose part in it WordPress's grammar or the learned
    chrome tells; lines left unmarked are text for segment.py."""
    page = PageStructure()
    for i, reason in chrome.items():
        page.marks[i] = Mark("footer", reason)
    nb = [i for i, t in enumerate(rows) if not L.is_blank(t)]  # zero-width spaces are blank
    earlier: set[str] = set()
    k = 0
    while k < len(nb):
        i = nb[k]
        if len(rows[i]) > LONGEST:  # a paragraph: no heading, label or link runs this long
            k += 1
            continue
        if i not in page.marks:
            for step in _RUNS if _RUN_HEAD_RE.match(rows[i]) else _LABELS:
                nxt = step(rows, nb, k, page)
                if nxt is not None:
                    for j in nb[k:nxt]:
                        earlier.add(G.norm(rows[j]))
                    k = nxt
                    break
            else:
                _single(rows, nb, k, page, earlier)
                earlier.add(G.norm(rows[i]))
                k += 1
            continue
        earlier.add(G.norm(rows[i]))
        k += 1
    return page


# How the head line of a thread, form, navigation, sharing or related block starts (any case):
# a cheap first test, so most lines go straight to the meta-block reader.
_RUN_HEAD_RE = re.compile(
    r"\s*(?:\d|one|no|zero|leave|comment|add|post|you|navigation|share|like|related)", re.I
)


def _mark(page: PageStructure, lines, role: str, reason: str) -> None:
    for i in lines:
        page.marks.setdefault(i, Mark(role, reason, zone=True))


def _short(text: str, words: int = SHORT_WORDS) -> bool:
    return len(text.split()) <= words and not G.is_sentence(text)


def _stops(rows, i: int, page: PageStructure) -> bool:
    """Where a run of navigation, form or thread lines ends: a marked line, another heading,
    or a comment count (the heading of a thread, never a link of the run)."""
    t = rows[i]
    return i in page.marks or bool(
        G.THREAD_RE.match(t) or G.NAV_HEAD_RE.match(t) or G.FORM_HEAD_RE.match(t) or G.count_line(t)
    )


def _thread(rows, nb, k, page) -> int | None:
    """'6 thoughts on “Title”' (or a bare '2 Comments' over a comment's author and date) and
    the comments under it, up to the comment form or chrome."""
    if not (G.THREAD_RE.match(rows[nb[k]]) or _count_over_comment(rows, nb, k)):
        return None
    j = k + 1
    while j < len(nb) and not _stops(rows, nb[j], page):
        j += 1
    end = nb[j] if j < len(nb) else len(rows)
    thread = parse_thread(rows, nb[k], end)
    page.threads.append(thread)
    page.marks[nb[k]] = Mark(
        "thread",
        f"comment thread heading ({len(thread.comments)} comments read, kept as archived comments)",
        zone=True,
    )
    _mark(page, nb[k + 1 : j], "thread", "comment thread (an archived comment, not the post)")
    return j


def _count_over_comment(rows, nb, k) -> bool:
    """'2 Comments' (or '2 Responses to Title') right above a comment's header: its author
    ('Pete says:') and the date with the time of day ('May 4, 2012 at 8:10 am'), glued or on
    the next line."""
    count = G.count_line(rows[nb[k]]) or G.BARE_THREAD_RE.match(rows[nb[k]])
    if not count or k + 2 >= len(nb) or not getattr(count, "comments", True):
        return False
    author = rows[nb[k + 1]].strip()
    if author.endswith((".", "!", "?")):
        return False
    for j in nb[k + 1 : k + 4]:  # the date under the author, perhaps under 'says:'
        got = comment_header(rows, j)
        if got and got[2] == nb[k + 1] and TIME_RE.search(rows[j]):
            return True
    return False


def _form(rows, nb, k, page) -> int | None:
    """'Leave a Reply' and the comment form's labels."""
    t = rows[nb[k]]
    if not G.FORM_HEAD_RE.match(t):
        return None
    ahead = [rows[i] for i in nb[k + 1 : k + 4]]
    if not (
        any(G.FORM_RE.match(a) for a in ahead) or "cancel" in t.lower() or "closed" in t.lower()
    ):
        return None
    j = k + 1
    while (
        j < len(nb)
        and not _stops(rows, nb[j], page)
        and (G.FORM_RE.match(rows[nb[j]]) or _short(rows[nb[j]], 8))
    ):
        j += 1
    _mark(page, nb[k:j], "footer", "comment form")
    return j


def _nav(rows, nb, k, page) -> int | None:
    """'Post navigation' and the short links under it (older/newer, page numbers, titles)."""
    if not G.NAV_HEAD_RE.match(rows[nb[k]]):
        return None
    j = k + 1
    while j < len(nb) and not _stops(rows, nb[j], page) and _short(rows[nb[j]]):
        j += 1
    _mark(page, nb[k:j], "footer", "post navigation")
    return j


def _share(rows, nb, k, page) -> int | None:
    """Jetpack's 'Share this:' / 'Like this:' block and its buttons."""
    if not G.SHARE_HEAD_RE.match(rows[nb[k]]):
        return None
    j = k + 1
    while (
        j < len(nb)
        and nb[j] not in page.marks
        and (G.SHARE_ITEM_RE.match(rows[nb[j]]) or G.SHARE_HEAD_RE.match(rows[nb[j]]))
    ):
        j += 1
    _mark(page, nb[k:j], "footer", "sharing buttons")
    return j


def _related(rows, nb, k, page) -> int | None:
    """Jetpack's 'Related' block: titles of other posts, each with a date or 'In “Category”'."""
    if not G.RELATED_HEAD_RE.match(rows[nb[k]]):
        return None
    j = k + 1
    while j < len(nb) and nb[j] not in page.marks:
        ahead = [rows[i] for i in nb[j : j + 3]]
        if G.RELATED_CONTEXT_RE.match(ahead[0]):
            j += 1
        elif len(ahead) > 1 and G.RELATED_CONTEXT_RE.match(ahead[1]):
            j += 2
        elif len(ahead) > 2 and G.date_line(ahead[1]) and G.RELATED_CONTEXT_RE.match(ahead[2]):
            j += 3
        else:
            break
    _mark(page, nb[k:j], "footer", "related posts")
    return j


def _labels(rows, nb, k, page) -> int | None:
    """A meta block under screen-reader labels: on one line, a line per label and value, or a
    line per label with its value ('Author gardener' / 'Posted on May 3, 2012' / …)."""
    t = rows[nb[k]].strip()
    terms_only = False
    label = G.is_label(t)
    if not label and not G.opens_with_label(t):
        return None  # no label on a line of its own nor at its start: no labelled meta
    starts = not label and G.label_start(t)
    if (label or starts) and G.page_header(t):
        return None  # 'Category: Fruit' heads the page, not a post (_single reads it)
    if label:
        parts, j = _label_pairs(rows, nb, k, page)
        terms_only = len(parts) >= 4 or _post_meta_follows(rows, nb, j)
    elif starts and k + 1 < len(nb) and _labelled_line(rows[nb[k + 1]]):
        parts, j = _labelled_lines(rows, nb, k, page)
    elif G.entry_meta(t) or G.byline(t):
        return None  # a whole sentence of meta ("Posted in A | Tagged b"): read by _single
    else:
        parts, j = [t], k + 1
    text = parts[0] if len(parts) == 1 else " ".join(parts)  # (one part: no copy to hash)
    meta = G.labelled_meta(text, terms_only) if parts else None
    if meta is None:
        return None
    page.marks[nb[k]] = Mark("meta", describe(meta), meta, zone=True)
    _mark(page, nb[k + 1 : j], "meta", "part of the meta block above")
    return j


def _heads_next_post(rows, nb, j: int) -> bool:
    """The label pair at nb[j] stands over a title with labels under it: the next post's
    ('Tags' / 'frost' / 'Categories' / 'Fruit' / <title> / 'Post author' …)."""
    if j + 3 >= len(nb):
        return False
    title, under = rows[nb[j + 2]], rows[nb[j + 3]]
    return not G.is_label(title) and not G.strip_count(title)[2] and G.is_label(under)


def _post_meta_follows(rows, nb, j: int) -> bool:
    """After a 'Tags' / 'frost' block: another label, a title over a label, the posts'
    navigation, a comment thread or form, or WordPress's furniture ('Search for:'): a post's
    own labelled terms, not a widget's list under its heading."""
    ahead = [rows[i] for i in nb[j : j + 2]]
    return (
        not ahead
        or any(G.is_label(a) for a in ahead)
        or any(rx.match(ahead[0]) for rx in _POST_END_RES)
    )


_POST_END_RES = (G.NAV_HEAD_RE, G.NAV_RE, G.THREAD_RE, G.BARE_THREAD_RE, G.FORM_HEAD_RE, G.SITE_RE)


_RUNS = (_thread, _form, _nav, _share, _related, _labels)  # read_structure tries these in turn
_LABELS = (_labels,)


def _label_pairs(rows, nb, k, page) -> tuple[list[str], int]:
    """'Posted on' / '19 April 2015' / 'Author' / 'Tom' …: labels and values on lines of their
    own, perhaps ending with the comment link's 'on <title>'."""
    parts, j = [], k
    while j + 1 < len(nb) and nb[j + 1] not in page.marks:
        if G.is_label(rows[nb[j]]) and not G.is_label(rows[nb[j + 1]]):
            if j > k and _heads_next_post(rows, nb, j):
                break
            parts += [rows[nb[j]].strip(), rows[nb[j + 1]].strip()]
            j += 2
        elif j > k and G.label_start(rows[nb[j]]):  # a label and its value on one line
            parts.append(rows[nb[j]].strip())
            j += 1
        else:
            break
    if (
        parts
        and j < len(nb)
        and nb[j] not in page.marks
        and _labelled_line(rows[nb[j]])
        and not _count_over_comment(rows, nb, j)
    ):
        parts.append(rows[nb[j]].strip())  # the comment link on a line of its own
        j += 1
    on_title = j < len(nb) and rows[nb[j]].strip().startswith("on ")
    if parts and on_title and G.strip_count(parts[-1])[2]:
        parts.append(rows[nb[j]].strip())
        j += 1
    return parts, j


def _labelled_line(text: str) -> bool:
    """'Categories Waders', or the comment link '4 Comments on <title>'."""
    value, _, found, _ = G.strip_count(text.strip())
    return G.label_start(text) or (found and not value)


def _labelled_lines(rows, nb, k, page) -> tuple[list[str], int]:
    """'Author gardener' / 'Posted on May 3, 2012' / 'Categories Waders' / '4 Comments on T'."""
    j = k
    while (
        j < len(nb)
        and (j == k or nb[j] not in page.marks)
        and _labelled_line(rows[nb[j]])
        and not _count_over_comment(rows, nb, j)  # '2 comments' heading a thread
    ):
        j += 1
    return [rows[i].strip() for i in nb[k:j]], j


_ARROW = " →»›"


def _single(rows, nb, k, page, earlier: set[str]) -> None:
    """One line on its own: a teaser link, an archive header, a meta line, site words."""
    i, t = nb[k], rows[nb[k]].strip()
    if len(t) > 250:
        return
    nxt = nb[k + 1] if k + 1 < len(nb) else None
    if G.more_link(t, earlier):
        page.marks[i] = Mark("more", "teaser link")
        if (
            nxt == i + 1
            and G.MORE_RE.match(t).group("rest").strip(G._ARROWS) == ""
            and G.norm(rows[nxt].strip(G._ARROWS)) in earlier
        ):
            page.marks[nxt] = Mark(
                "footer", "the teaser link's hidden words (its post's title)", zone=True
            )
            if nxt + 1 < len(rows) and rows[nxt + 1].strip() and not rows[nxt + 1].strip(_ARROW):
                page.marks[nxt + 1] = Mark("footer", "the teaser link's arrow", zone=True)
        return
    header = G.page_header(t)
    if header and (header.anywhere or _above_posts(rows, nb, k, page)):
        page.headers.append(header)
        page.marks[i] = Mark(
            "chrome",
            f"page header: {header.kind} archive ({header.label})",
            header,
            zone=not header.anywhere,
        )
        _description(rows, nb, k, page)
        return
    meta = (
        G.entry_meta(t)
        or G.byline(t)
        or G.count_line(t)
        or _dateline(t)
        or G.glued_meta(t)
        or _bubble(rows, nb, k, page)
    )
    if meta:
        page.marks[i] = Mark("meta", describe(meta), meta)
    elif (
        t.startswith("on ")
        and G.norm(t[3:]) in earlier
        and k > 0
        and G.strip_count(rows[nb[k - 1]])[2]
    ):
        page.marks[i] = Mark("footer", "the comment link's hidden words (its post's title)")
    elif STICKY_RE.match(t):
        page.marks[i] = Mark("chrome", "sticky post label")
    elif G.SITE_RE.match(t) or NAV_LINE_RE.match(t):
        page.marks[i] = Mark("footer", "WordPress page furniture")
    elif G.SITE_WEAK_RE.match(t) and _beside_chrome(rows, nb, k, page):
        page.marks[i] = Mark("footer", "WordPress page furniture (beside other chrome)")


def _beside_chrome(rows, nb, k, page) -> bool:
    """The line above or below is chrome too (or more of WordPress's words)."""
    near = [nb[j] for j in (k - 1, k + 1) if 0 <= j < len(nb)]
    return any(
        (i in page.marks and page.marks[i].role in ("footer", "chrome"))
        or G.SITE_RE.match(rows[i])
        or G.SITE_WEAK_RE.match(rows[i])
        for i in near
    )


def _bubble(rows, nb, k, page) -> G.Meta | None:
    """A comment link shown as a bare number or 'Reply' (no comments yet) right under a
    byline or date line: the post's comment count, not the first line of its body."""
    t = rows[nb[k]].strip()
    above = page.marks.get(nb[k - 1]) if k > 0 else None
    meta = above.data if above is not None and above.role == "meta" else None
    if not isinstance(meta, G.Meta) or meta.shape not in ("byline", "dateline"):
        return None
    if t.isdigit() and len(t) <= 5:
        return G.Meta("count", "header", comments=int(t))
    return G.Meta("count", "header", comments=0) if G.COMMENT_REPLY_RE.match(t) else None


def _dateline(text: str) -> G.Meta | None:
    hit = G.date_line(text)
    if hit:
        return G.Meta("dateline", "header", date=hit[0], fmt=hit[1])
    return G.dated_count(text)


_PROSE_ENDS = (".", "!", "?", ",", ";", ":", "…", "”", '"', "’")  # labels and menus end
# bare; prose ends like this


def _closing(text: str) -> bool:
    """A line of the page's footer ('Follow', 'Blog at WordPress.com.'): no post."""
    s = text.strip()
    return L.is_footer(s) or bool(L.FOLLOW_RE.match(s)) or bool(G.SITE_RE.match(s))


def _above_posts(rows, nb, k, page) -> bool:
    """Nothing but chrome and short labels above (a header, menu, widgets), and one line at
    most that reads as prose (a tagline): the page's own header, not a line of a post (a post above
    would show prose, a date or a meta line); between an 'Archive' heading and the header,
    no prose at all (the site's title and tagline stand above that heading). Posts follow
    it: over nothing but the page's footer, or under a footnote, the line is a post's own (its
    'Category: X')."""
    if all(_closing(rows[i]) for i in nb[k + 1 :]):
        return False
    unmarked = [rows[i] for i in nb[:k] if i not in page.marks]
    heading = max((j for j in range(k) if L.ARCHIVE_RE.match(rows[nb[j]])), default=None)
    under_heading = [rows[i] for i in nb[heading + 1 : k]] if heading is not None else []
    return (
        not any(L.NOTE_RE.match(t.strip()) for t in unmarked)
        and not any(t.rstrip().endswith(_PROSE_ENDS) for t in under_heading)
        and all(page.marks[i].role in ("footer", "chrome") for i in nb[:k] if i in page.marks)
        and not any(_meta_like(t) for t in unmarked)
        and sum(not _short(t) or t.rstrip().endswith(_PROSE_ENDS) for t in unmarked) <= 1
        and all(len(t.split()) <= SHORT_WORDS for t in unmarked)
    )


def _description(rows, nb, k, page) -> None:
    """An archive's description: sentences between its header and the first post's title."""
    j = k + 1
    while (
        j + 1 < len(nb)
        and j <= k + 2
        and nb[j] not in page.marks
        and rows[nb[j]].strip().endswith(".")
        and len(rows[nb[j]].split()) >= 3
        and _short(rows[nb[j + 1]], 25)
        and not _meta_like(rows[nb[j + 1]])
    ):
        page.marks[nb[j]] = Mark("chrome", "archive description (under the page header)")
        j += 1


def _meta_like(text: str) -> bool:
    """A line that dates or counts the post above it: the line before it is a title."""
    return bool(
        G.date_line(text)
        or G.count_line(text)
        or G.byline(text)
        or L.DATELINE_RE.match(text)
        or G.glued_meta(text)
    )


def describe(meta: G.Meta) -> str:
    """'meta line: date 2015-04-19 (j F Y), author …, categories …' for the report."""
    parts = []
    if meta.date:
        parts.append(f"date {meta.date.isoformat()} ({meta.fmt})")
    if meta.author:
        parts.append(f"author {meta.author}")
    if meta.categories:
        parts.append("categories " + ", ".join(meta.categories))
    if meta.tags:
        parts.append("tags " + ", ".join(meta.tags))
    if meta.comments is not None:
        parts.append(f"{meta.comments} comments")
    return f"{meta.shape} meta: " + ("; ".join(parts) or "nothing")
