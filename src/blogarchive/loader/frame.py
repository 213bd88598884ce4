"""The page around its posts, told from one page's own structure (pure: notes in, titles out).

Across several pages chrome.py learns a blog's header, menu, sidebar and footer from what the
pages repeat; that is the stronger evidence, and lines it finds never reach this module.  A page
imported alone (or with one or two others) must tell them by their shape instead.  In a page
whose posts carry dates or meta lines, a candidate "post" that nothing dates, counts or closes
is a block of chrome, not a post, when:

- it holds no prose at all (site title and tagline, a menu, the titles of Recent Posts, the
  months of Archives, category names, the "X on <title>" lines of Recent Comments);
- it stands above the first real post, beside the page's furniture or at the very top of the
  page, and holds no paragraph (a site title over a tagline that ends in a full stop);
- it stands below the last real post, whose meta line or the page's navigation closed it, and
  does not end in prose (a text widget followed by more widgets; a page cut off mid-post ends
  in prose and is kept).

A post found by its place whose first lines are short ones above its first paragraph starts at
the line its closing meta names ("4 Comments on <title>") or at the line a recent-posts list
above it repeats; the lines above are the page's header or sidebar.  A page whose posts carry no
dates or meta at all (a theme that hides them) is left alone: there an undated post is the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text import normalise_title
from . import grammar as G
from . import lines as L
from .classify import Classified
from .model import Guess

EVIDENCE_ROLES = ("date", "cats", "more", "thread")  # what only a post has under or after it
DATED_ROLES = ("date", "cats", "thread")  # a page with one of these has posts that show meta
CLOSING_ROLES = ("cats", "more", "thread")  # a post's own lines after its body
PROSE_CHARS = 200  # a line this long is prose whatever its punctuation
PROSE_END = (".", ",", ";", ":", "!", "?", "…", "”", '"', "’", "'")


@dataclass(frozen=True)
class Candidate:
    """A title found by segment.py and the lines up to the next one."""

    title: int
    end: int  # exclusive
    reason: str


def drop_chrome_blocks(done: Classified, titles: dict[int, str]) -> dict[int, str]:
    """The titles left once candidates that are blocks of chrome are dropped; their lines
    become chrome, each with the evidence, and the report lists every block as a guess."""
    cands = _candidates(done, titles)
    posts = [c for c in cands if _evidence(done, c)]
    if not any(_evidence(done, c, DATED_ROLES) for c in posts):
        return titles  # no post here is dated or has meta: nothing to judge the others by
    post_titles = {normalise_title(done.rows[c.title]) for c in posts}
    kept = dict(titles)
    for cand in cands:
        if cand in posts or _forced(done, cand):
            continue
        verdict = _why_chrome(done, cand, posts, post_titles)
        if verdict:
            why = verdict.why + _repeats(done, cand, post_titles)
            _mark_chrome(done, _text_lines(done, cand), why, verdict.weak)
            del kept[cand.title]
    for cand in posts:
        _retitle(done, cand, kept)
    return kept


@dataclass(frozen=True)
class Verdict:
    """Why a candidate is chrome; weak where only its place decided (it holds a sentence)."""

    why: str
    weak: bool


def _why_chrome(
    done: Classified, cand: Candidate, posts: list[Candidate], post_titles: set[str]
) -> Verdict | None:
    """Why a candidate nothing dates or closes is chrome, or None if it may be a post."""
    lines = [done.rows[i] for i in _text_lines(done, cand)]
    head = f"chrome block of {len(lines)} short line(s): no date or meta line"
    if len(lines) == 1 and not _paragraph(lines[0]):
        return Verdict(f"{head}, and no text under it (a post has words)", weak=True)
    if not any(is_prose(t) for t in lines):
        return Verdict(
            f"{head} and no prose, in a page whose posts carry them (a header, menu or widget)",
            weak=False,
        )
    framed = (
        _widgets(done, cand, post_titles) or _furniture_above(done, cand) or _opens_page(done, cand)
    )
    if (
        cand.title < posts[0].title
        and framed
        and sum(map(is_prose, lines)) <= 1
        and not any(_paragraph(t) for t in lines)
    ):
        return Verdict(
            f"{head} and one short sentence at most, above the page's first dated "
            "post beside the page's furniture (site title, tagline, menu)",
            weak=True,
        )
    last = posts[-1]
    closed = any(done.notes[i].role in CLOSING_ROLES for i in range(last.title + 1, last.end))
    closed = closed or any(n.role == "footer" for n in done.notes[last.title + 1 : cand.title])
    if (
        cand.title > last.title
        and closed
        and not is_prose(lines[-1])
        and _widgets(done, cand, post_titles)
    ):
        return Verdict(
            f"{head}, below the meta line closing the page's last post (or the page's "
            "navigation under it), ending in widget lists, not prose (sidebar widgets)",
            weak=True,
        )
    return None


def _widgets(done: Classified, cand: Candidate, post_titles: set[str]) -> bool:
    """A widget heading ('Recent Posts', 'Archives') or a title of this page's posts among the
    candidate's lines: the sidebar's lists, not a post's words."""
    return any(
        G.SITE_WEAK_RE.match(done.rows[i]) or normalise_title(done.rows[i]) in post_titles
        for i in _text_lines(done, cand)
    )


def _furniture_above(done: Classified, cand: Candidate) -> bool:
    """WordPress's own furniture ('Skip to content', 'Search for:') above the candidate's end."""
    return any(n.role == "footer" for n in done.notes[: cand.end])


def _opens_page(done: Classified, cand: Candidate) -> bool:
    """The candidate is the page's first block: a site title over its tagline, where no
    furniture marks the header ('The Potting Shed' / 'Notes from a small back garden.')."""
    return all(n.role in ("blank", "chrome", "footer") for n in done.notes[: cand.title])


def _repeats(done: Classified, cand: Candidate, post_titles: set[str]) -> str:
    n = sum(normalise_title(done.rows[i]) in post_titles for i in _text_lines(done, cand))
    return f"; {n} repeat titles of this page's posts (a recent-posts list)" if n else ""


def _retitle(done: Classified, cand: Candidate, titles: dict[int, str]) -> None:
    """A post found by its place whose real title stands lower down: the line its closing meta
    names ('4 Comments on <title>', the last such line with a paragraph under it), else a line
    among its first short ones that a recent-posts list above repeats.  The lines above that
    one are the page's header or sidebar, not the post."""
    if cand.reason.startswith("dated") or cand.reason == "forced by overrides":
        return
    lines = _text_lines(done, cand)
    keys = [normalise_title(done.rows[i]) for i in lines]
    named = _named(done, cand)
    if not lines or keys[0] in named:
        return
    evidence = "named by the meta line closing its post"
    hits = [
        k
        for k in range(1, len(lines))
        if keys[k] in named and any(_paragraph(done.rows[i]) for i in lines[k + 1 :])
    ]
    if not hits:
        evidence = "repeated from a list of posts above it"
        hits = _listed_above(done, lines, keys)
    if not hits and _opens_page(done, cand) and not _learned_chrome(done):
        evidence = "the first title-like line over a paragraph, under the page's header"
        hits = _under_header(done, lines)
    if hits:
        _move_title(done, cand, lines, hits[-1], evidence, titles)


def _under_header(done: Classified, lines: list[int]) -> list[int]:
    """The position of the post's title where a page read alone opens with its header: a site
    title, one short sentence at most (a tagline), two or more short lines (a menu), then a
    title-like line right over a paragraph."""
    rows = [done.rows[i] for i in lines]
    first = next((k for k, t in enumerate(rows) if _paragraph(t)), None)
    if first is None or first < 4 or not L.is_title_like(rows[first - 1]):
        return []
    head = rows[: first - 1]
    if sum(map(is_prose, head)) > 1 or any(_paragraph(t) or len(t.split()) > 8 for t in head):
        return []
    return [first - 1]


def _learned_chrome(done: Classified) -> bool:
    """Lines the import's other pages showed to be chrome (chrome.py): this page is not alone."""
    return any(n.reason.startswith("page chrome") for n in done.notes)


def _listed_above(done: Classified, lines: list[int], keys: list[str]) -> list[int]:
    """Positions of title-like lines that repeat one of a list of short lines above them
    (Recent Posts), with nothing but short non-prose lines (more widgets) in between."""
    run = next((k for k, i in enumerate(lines) if _paragraph(done.rows[i])), len(lines))
    hits = []
    for k in range(2, run):
        first = keys.index(keys[k], 1)
        between = [done.rows[i] for i in lines[first + 1 : k]]
        if (
            first < k
            and L.is_title_like(done.rows[lines[k]])
            and between
            and not any(is_prose(t) for t in between)
        ):
            hits.append(k)
    return hits


def _move_title(
    done, cand: Candidate, lines: list[int], k: int, evidence: str, titles: dict[int, str]
) -> None:
    """The post's title is its k-th text line; the lines above it become chrome."""
    title = done.rows[lines[k]].strip()
    weak = evidence != "named by the meta line closing its post"
    _mark_chrome(
        done, lines[:k], f"header or sidebar above the post's title ('{title}', {evidence})", weak
    )
    del titles[cand.title]
    titles[lines[k]] = evidence
    done.result.guesses.append(
        Guess(
            done.result.name,
            lines[k] + 1,
            title,
            f"post title ({evidence}; the {k} line(s) above it taken for header or sidebar)",
            weak,
        )
    )


def _named(done: Classified, cand: Candidate) -> set[str]:
    """Titles the candidate's meta lines name ('… on <title>')."""
    out = set()
    for i in range(cand.title + 1, cand.end):
        meta = done.notes[i].data
        if isinstance(meta, G.Meta) and meta.about:
            out.add(normalise_title(meta.about))
    return out


def _candidates(done: Classified, titles: dict[int, str]) -> list[Candidate]:
    order = sorted(titles)
    ends = order[1:] + [len(done.notes)]
    return [Candidate(t, e, titles[t]) for t, e in zip(order, ends)]


def _evidence(done: Classified, cand: Candidate, roles=EVIDENCE_ROLES) -> bool:
    """Dated under its title, or a date, meta line, teaser link or comment thread (`roles`)
    among its lines."""
    if cand.reason.startswith("dated") or cand.reason == "forced by overrides":
        return True
    return any(done.notes[i].role in roles for i in range(cand.title + 1, cand.end))


def _text_lines(done: Classified, cand: Candidate) -> list[int]:
    return [i for i in range(cand.title, cand.end) if done.notes[i].role == "text"]


def is_prose(text: str) -> bool:
    """A sentence (two words or more ending in punctuation) or a long line: a post's words.
    Menus, widget lists, titles and most taglines end bare."""
    s = text.strip()
    return _paragraph(s) or (len(s.split()) > 1 and s.endswith(PROSE_END))


def _paragraph(text: str) -> bool:
    """More than a tagline or a label: over 14 words, or over PROSE_CHARS characters."""
    s = text.strip()
    return len(s.split()) > 14 or len(s) > PROSE_CHARS


def _forced(done: Classified, cand: Candidate) -> bool:
    """A person's overrides name a line of the candidate as title, text or heading."""
    forced = done.overrides.lines
    return any(forced.get(i + 1) in ("title", "text", "heading") for i in _text_lines(done, cand))


def _mark_chrome(done: Classified, lines: list[int], why: str, weak: bool = False) -> None:
    """Lines (the first a title found by place) become chrome; the report lists them once,
    among the weak guesses where only their place decided."""
    result = done.result
    for i in lines:
        done.notes[i].role, done.notes[i].reason = "chrome", why
    result.guesses[:] = [g for g in result.guesses if g.line != lines[0] + 1]
    text = " / ".join(done.rows[i].strip() for i in lines[:3])
    result.guesses.append(Guess(result.name, lines[0] + 1, text, why, weak))
