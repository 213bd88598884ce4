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
from test_theme_examples import EXAMPLES, norm

from blogarchive.importer import read_dump_text
from blogarchive.loader import load_dumps

FIXTURES = Path(__file__).parent / "fixtures" / "dumps"


def _pages():
    out = []
    for blog in ("twentytwelve", "twentyfifteen"):
        for flavour in ("text", "text-bs"):
            files = sorted((EXAMPLES / blog / flavour).glob("*.txt"))
            out += [(blog, flavour, p.stem) for p in files]
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
    assert blocks and all("no date or meta line" in g.what for g in blocks)
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
        (
            "Tomatoes after the frost",
            dt.date(2012, 5, 3),
            "gardener",
            ("Vegetables",),
            ("tomatoes", "frost"),
            4,
            False,
        ),
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


D = dt.date
LAYOUTS = {  # fixture -> (title, date, author, categories, tags, comments, first words, last words)
    "twentyeleven_comment_bubble_under_byline.txt": [
        (
            "Winter pruning the old Bramley",
            D(2013, 1, 14),
            "Margaret",
            ("Pruning",),
            ("apples", "bramley"),
            2,
            "The old Bramley by the gate",
            "can wait until next year.",
        ),
        (
            "Grafting day at the community orchard",
            D(2012, 12, 2),
            "Margaret",
            ("Events",),
            (),
            0,
            "Twenty of us turned up",
            "which is better than last year.",
        ),
    ],
    "twentyfourteen_date_author_count_line.txt": [
        (
            "Bramble jelly, the slow way",
            D(2012, 5, 3),
            "gardener",
            (),
            ("blackberries", "jelly"),
            4,
            "Blackberries picked after",
            "or the jelly turns cloudy.",
        ),
        (
            "A loaf for the weekend",
            D(2012, 4, 20),
            "gardener",
            (),
            ("bread",),
            0,
            "A slow overnight rise",
            "any quick loaf I have made.",
        ),
    ],
    "twentysixteen_label_value_lines_after_body.txt": [
        (
            "Avocets back on the scrape",
            D(2012, 5, 3),
            "gardener",
            ("Waders",),
            ("avocet", "scrape"),
            4,
            "The first pair of avocets",
            "the pumps could not keep up.",
        ),
        (
            "A quiet week at the reedbed",
            D(2012, 4, 20),
            "gardener",
            ("Reedbed",),
            (),
            0,
            "Nothing much moved",
            "and that was all.",
        ),
    ],
    "byline_by_x_on_date_sidebar_first.txt": [
        (
            "Lambing is over",
            D(2012, 5, 3),
            "Anna",
            ("Sheep",),
            (),
            3,
            "The last ewe lambed",
            "as we could have hoped.",
        ),
        (
            "Fencing the top meadow",
            D(2012, 4, 20),
            "Anna",
            ("Fencing",),
            (),
            0,
            "Two hundred metres",
            "a sheep could walk through.",
        ),
    ],
    "date_above_title_x_wrote_on.txt": [
        (
            "The water trough is fixed",
            D(2012, 5, 3),
            "Keith",
            ("Site news",),
            (),
            2,
            "After three weeks",
            "for the new ball valve.",
        ),
        (
            "Seed swap on Sunday",
            D(2012, 4, 20),
            "Keith",
            ("Events",),
            (),
            0,
            "Bring your spare seeds",
            "over two hundred packets.",
        ),
    ],
    "text_widget_after_the_posts.txt": [
        (
            "Over Ide Hill in the rain",
            D(2013, 6, 2),
            "Sam",
            ("Rides",),
            (),
            2,
            "It rained",
            "nobody minded at all.",
        ),
        (
            "The Bough Beech loop",
            D(2013, 5, 20),
            "Sam",
            ("Routes",),
            (),
            0,
            "A flat loop",
            "first ride of the year.",
        ),
    ],
    "sidebar_first_tagline_sentence_undated.txt": [  # the theme shows no dates
        (
            "Over Ide Hill in the rain",
            None,
            None,
            ("Rides",),
            (),
            2,
            "It rained",
            "Toys Hill for soup.",
        ),
        (
            "The Bough Beech loop",
            None,
            None,
            ("Routes",),
            (),
            0,
            "A flat loop",
            "anyone on a heavy bike.",
        ),
    ],
    "sidebar_first_text_widget_labels_on_lines.txt": [
        (
            "Hill repeats on Dover Lane",
            D(2015, 4, 19),
            "Tom Ashworth",
            ("Training",),
            (),
            0,
            "Six times up Dover Lane",
            "the longer side of the hill.",
        ),
        (
            "The winter series",
            D(2015, 4, 2),
            "Priya Nair",
            ("Club Rides",),
            (),
            2,
            "Four rides through the winter",
            "with the hundred in March.",
        ),
    ],
    "single_post_responses_navigation_sidebar_after.txt": [
        (
            "Swarm season again",
            D(2012, 5, 3),
            "Jo",
            ("Swarms",),
            ("swarm", "ash"),
            2,
            "Two swarms in a week",
            "is still there.",
        ),
    ],
    "single_post_bare_comment_count_heading.txt": [  # '2 Comments' over the thread
        (
            "Swarm season again",
            D(2012, 5, 3),
            "Jo",
            ("Swarms",),
            ("swarm", "ash"),
            2,
            "Two swarms in a week",
            "is still there.",
        ),
    ],
    "sidebar_first_posted_on_in_footer.txt": [  # the title repeats the recent-posts list
        (
            "Over Ide Hill in the rain",
            D(2013, 6, 2),
            None,
            ("Rides",),
            (),
            2,
            "It rained",
            "Toys Hill for soup.",
        ),
        (
            "The Bough Beech loop",
            D(2013, 5, 20),
            None,
            ("Routes",),
            (),
            0,
            "A flat loop",
            "anyone on a heavy bike.",
        ),
    ],
    "date_above_title_sidebar_after.txt": [
        (
            "Repotting the citrus",
            D(2012, 5, 3),
            None,
            ("Houseplants",),
            (),
            2,
            "The lemon tree has outgrown",
            "until the nights are warmer.",
        ),
        (
            "A new cold frame",
            D(2012, 4, 20),
            None,
            ("Projects",),
            (),
            0,
            "Built from old windows",
            "already holds forty seedlings.",
        ),
    ],
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_other_layouts_alone(name):
    """Bylines, comment links and dates where other themes put them; sidebars before or after."""
    result = _alone(FIXTURES / name)
    got = [(p.title, p.date, p.author, p.categories, p.tags, p.comments) for p in result.posts]
    assert got == [w[:6] for w in LAYOUTS[name]]
    rows = [line.strip() for line in (FIXTURES / name).read_text(encoding="utf-8").splitlines()]
    starts = [p.sources[0].first - 1 for p in result.posts] + [len(rows)]  # title lines
    for k, (post, want) in enumerate(zip(result.posts, LAYOUTS[name])):
        body = post.body.replace("\\", "")
        assert body.startswith(want[6]) and body.rstrip().endswith(want[7]), post.title
        own = set(rows[starts[k] + 1 : starts[k + 1]])  # the lines between it and the next title
        assert all(line in own for line in body.splitlines() if line), post.title
    single = [p for p in result.posts if p.archived_comments]
    assert [len(p.archived_comments) for p in single] == [p.comments for p in single]


def test_blocks_judged_by_place_are_weak_guesses():
    """A block holding a sentence (a tagline, a text widget) is chrome only by where it stands:
    the report lists it among the weak guesses, first."""
    header = _alone(FIXTURES / "sidebar_first_tagline_sentence_undated.txt").guesses
    widget = _alone(FIXTURES / "text_widget_after_the_posts.txt").guesses
    assert [g.line for g in widget if g.weak and "below the meta line closing" in g.what] == [12]
    assert [g.line for g in widget if g.weak and "above the page's first" in g.what] == [2]
    assert [g.line for g in header if g.weak and "above the page's first" in g.what] == [2]
    issue = _alone(FIXTURES / "twentyfifteen_two_posts.txt").guesses
    assert [(g.line, g.weak) for g in issue] == [(2, False), (6, False)]
