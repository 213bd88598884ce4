"""The page around its posts, told from one page's own structure (pure: notes in, titles out).

Across several pages chrome.py learns a blog's header, menu, sidebar and footer from what the
pages repeat; that is the stronger evidence.  A page imported alone (or with one or two others)
must tell them by their shape instead.  In a page whose posts carry dates or meta lines, a
candidate "post" that nothing dates, counts or closes and whose lines hold no prose (the site's
title and tagline, a menu, the titles of Recent Posts, the months of Archives, category names,
"X on <title>" lines of Recent Comments) is a block of chrome, not a post.  A page whose posts
carry no dates at all (a theme that hides them) is left alone: there an undated post is the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..text import normalise_title
from . import grammar as G
from .classify import Classified
from .model import Guess

EVIDENCE_ROLES = ("date", "cats", "more", "thread")  # what only a post has under or after it
DATED_ROLES = ("date", "cats", "thread")  # a page with one of these has posts that show meta
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
        if cand in posts or _prose(done, cand) or _forced(done, cand):
            continue
        why = _why_chrome(done, cand, post_titles)
        _mark_chrome(done, _text_lines(done, cand), why)
        del kept[cand.title]
    for cand in posts:
        _retitle(done, cand, kept)
    return kept


def _retitle(done: Classified, cand: Candidate, titles: dict[int, str]) -> None:
    """A post found by its place whose first lines are short ones above its first prose, one
    of them the title its closing meta line names ('4 Comments on <title>'): the lines above
    that one are the page's header or sidebar, not the post."""
    if cand.reason.startswith("dated") or cand.reason == "forced by overrides":
        return
    named = _named(done, cand)
    run = []
    for i in _text_lines(done, cand):
        if is_prose(done.rows[i]):
            break
        run.append(i)
    hits = [k for k, i in enumerate(run) if k and normalise_title(done.rows[i]) in named]
    if not hits:
        return
    new = run[hits[-1]]
    why = (
        f"header or sidebar above the post's title (its meta line names "
        f"'{done.rows[new].strip()}')"
    )
    _mark_chrome(done, run[: hits[-1]], why)
    del titles[cand.title]
    titles[new] = "named by the meta line closing its post"
    done.result.guesses.append(Guess(done.result.name, new + 1, done.rows[new].strip(),
                                     "post title (named by the meta line closing its post; "
                                     f"{hits[-1]} short line(s) above it taken for chrome)"))


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


def _prose(done: Classified, cand: Candidate) -> bool:
    """A sentence among the candidate's lines (a post's words): two words or more ending in
    punctuation, or a long line.  Menus, widget lists, titles and taglines end bare."""
    return any(is_prose(done.rows[i]) for i in _text_lines(done, cand))


def is_prose(text: str) -> bool:
    s = text.strip()
    return G.is_sentence(s) or len(s) > PROSE_CHARS or (len(s.split()) > 1 and s.endswith(PROSE_END))


def _forced(done: Classified, cand: Candidate) -> bool:
    """A person's overrides name a line of the candidate as title, text or heading."""
    forced = done.overrides.lines
    return any(forced.get(i + 1) in ("title", "text", "heading") for i in _text_lines(done, cand))


def _why_chrome(done: Classified, cand: Candidate, post_titles: set[str]) -> str:
    """The evidence, for the report: how many short lines, and which repeat post titles."""
    lines = _text_lines(done, cand)
    repeats = sum(normalise_title(done.rows[i]) in post_titles for i in lines)
    why = (
        f"chrome block of {len(lines)} short line(s): no date, meta line or prose, "
        "in a page whose posts carry them (a header, menu or widget)"
    )
    if repeats:
        why += f"; {repeats} repeat titles of this page's posts (a recent-posts list)"
    return why


def _mark_chrome(done: Classified, lines: list[int], why: str) -> None:
    """Lines (the first a title found by place) become chrome; the report lists them once."""
    result = done.result
    for i in lines:
        done.notes[i].role, done.notes[i].reason = "chrome", why
    result.guesses[:] = [g for g in result.guesses if g.line != lines[0] + 1]
    text = " / ".join(done.rows[i].strip() for i in lines[:3])
    result.guesses.append(Guess(result.name, lines[0] + 1, text, why))
