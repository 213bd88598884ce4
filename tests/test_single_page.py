"""One page imported alone: no other page to learn the blog's chrome from, so the header, menu,
sidebar widgets, footer, comment thread and post navigation must be told by the page's own
structure.  Every page of both example blogs (../shared/themes-examples), in both text
flavours, against its ground truth; and hand-written dumps of other layouts in
tests/fixtures/dumps/."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from blogarchive.importer import read_dump_text
from blogarchive.loader import load_dumps
from test_theme_examples import EXAMPLES, norm

FIXTURES = Path(__file__).parent / "fixtures" / "dumps"


def _pages():
    out = []
    for blog in ("twentytwelve", "twentyfifteen"):
        for flavour in ("text", "text-bs"):
            out += [(blog, flavour, p.stem) for p in sorted((EXAMPLES / blog / flavour).glob("*.txt"))]
    return out


PAGES = _pages() if EXAMPLES.is_dir() else []


def _truth(blog: str) -> dict:
    return json.loads((EXAMPLES / blog / "truth.json").read_text(encoding="utf-8"))


def _alone(path: Path):
    return load_dumps([(path.name, read_dump_text(path)[0], None)])


@pytest.mark.parametrize(("blog", "flavour", "page"), PAGES, ids=["/".join(p) for p in PAGES])
def test_a_page_alone_gives_exactly_its_posts(blog, flavour, page):
    truth = _truth(blog)
    shown = truth["pages"][page]
    want = [next(p for p in truth["posts"] if p["id"] == i) for i in dict.fromkeys(shown["posts"])]
    result = _alone(EXAMPLES / blog / flavour / f"{page}.txt")
    assert sorted(p.title for p in result.posts) == sorted(w["title"] for w in want)
    got = {p.title: p for p in result.posts}
    for w in want:
        post = got[w["title"]]
        assert str(post.date) == w["date"], w["title"]  # every example page shows the dates
        first = w.get("first_words_alt") if flavour == "text-bs" else None
        body = norm(re.sub(r"^(?:## |- )", "", post.body, flags=re.M))
        assert body.startswith(norm(first or w["first_words"])), (w["title"], body[:80])
    banned = {norm(line) for line in shown["chrome"][flavour] + shown["comment_lines"][flavour]}
    for post in result.posts:
        for block in post.body.split("\n"):
            text = norm(re.sub(r"^(?:## |- |\[\^\d+\]: )", "", block))
            assert text not in banned, (post.title, block)


@pytest.mark.parametrize(("blog", "flavour", "page"), PAGES[:1] + PAGES[-1:])
def test_chrome_blocks_are_reported_with_their_evidence(blog, flavour, page):
    result = _alone(EXAMPLES / blog / flavour / f"{page}.txt")
    blocks = [g for g in result.guesses if g.what.startswith("chrome block of")]
    assert blocks and all("no date, meta line or prose" in g.what for g in blocks)
    reasons = {n.reason for n in result.parses[0].notes if n.role == "chrome"}
    assert any(r.startswith("chrome block of") for r in reasons)


def test_the_issues_two_post_twentyfifteen_dump():
    """Site title, tagline and the Recent Posts / Archives / Categories widgets above the
    posts; bylines under the titles; sharing blocks and 'Posted in … | Tagged …' after them."""
    result = _alone(FIXTURES / "twentyfifteen_two_posts.txt")
    got = [
        (p.title, p.date, p.author, p.categories, p.tags, p.comments, p.excerpt)
        for p in result.posts
    ]
    assert got == [
        ("Tomatoes after the frost", dt.date(2012, 5, 3), "gardener", ("Vegetables",),
         ("tomatoes", "frost"), 4, False),
        ("Planning the beds", dt.date(2012, 4, 20), "gardener", ("Planning",), (), 0, False),
    ]
    tomatoes, beds = result.posts
    assert tomatoes.body.startswith("The frost came late this year")
    assert tomatoes.body.endswith("Next year they go out a fortnight later.\n")
    assert beds.body == (
        "Every spring I draw the plot on squared paper and every spring the plan survives "
        "about a week. This year the beans move to the far end.\n"
    )
    roles = {n.no: n.role for n in result.parses[0].notes}
    assert all(roles[no] == "chrome" for no in (2, 3, 6, 7, 12))  # title, tagline, widgets
