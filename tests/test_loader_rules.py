"""Each loader rule on a small inline dump fragment, with whole expected values."""

import datetime as dt
import re

import markdown
import pytest
from bs4 import BeautifulSoup

from blogarchive.loader import load_dumps, parse_dump, parse_overrides
from blogarchive.loader.body import escape_text
from blogarchive.post import from_markdown, to_markdown

HEADER = "Archive for the ‘Labour Party News’ Category\n\n"
FOOTER = "\nFollow\n\nGet every new post delivered to your Inbox.\n\nJoin 136 other followers"


def render(body: str) -> BeautifulSoup:
    return BeautifulSoup(markdown.markdown(body, extensions=["footnotes", "nl2br"]), "html.parser")


def one(text, name="d.txt", **kw):
    return parse_dump(text, name, **kw)


def test_dated_posts_split_at_titles_and_keep_section_headings():
    text = HEADER + (
        "First post\n\nAugust 25, 2015 2 comments\n\nPart I\n\nOpening paragraph of the post.\n\n"
        "Second post\n\nAugust 6, 2015 Leave a comment\n\nBody two.\n" + FOOTER
    )
    posts = one(text).posts
    assert [p.title for p in posts] == ["First post", "Second post"]
    assert (posts[0].date, posts[0].comments) == (dt.date(2015, 8, 25), 2)
    assert (posts[1].date, posts[1].comments) == (dt.date(2015, 8, 6), 0)
    assert posts[0].blocks == ["## Part I", "Opening paragraph of the post."]
    assert posts[1].blocks == ["Body two."]
    assert posts[0].categories == ["Labour Party News"]


def test_categories_line_closes_post_and_adds_category():
    text = (
        "A post\n\nJuly 1, 2015 3 comments\n\nText here.\n\n"
        "Categories: General Politics, Unions\n\n"
        "Next\n\nJune 1, 2015 1 comment\n\nMore text.\n"
    )
    posts = one(text).posts
    assert posts[0].categories == ["General Politics", "Unions"]
    assert posts[1].categories == []  # never guessed
    assert posts[0].blocks == ["Text here."]


def test_undated_post_after_completed_notes_is_bounded_by_neighbours():
    text = HEADER + (
        "Newer\n\nJune 29, 2014 1 comment\n\nA claim [1] in the body.\n\n[1] The note.\n\n\n\n"
        "An undated title\n\nIts first paragraph, long enough to be prose.\n\n"
        "Older\n\nJune 16, 2014 3 comments\n\nOld body.\n"
    )
    posts = one(text).posts
    assert [p.title for p in posts] == ["Newer", "An undated title", "Older"]
    undated = posts[1]
    assert (undated.date, undated.comments) == (None, None)
    assert (undated.date_after, undated.date_before) == (dt.date(2014, 6, 16), dt.date(2014, 6, 29))


def test_heading_after_incomplete_notes_stays_in_post():
    text = (
        "Post\n\nMay 1, 2015 1 comment\n\nBody [1] and [2].\n\n[1] First note:\n\n"
        "Bush and Folger identify two ways\n\n[2] Second note.\n"
    )
    posts = one(text).posts
    assert len(posts) == 1
    soup = render("\n\n".join(posts[0].blocks))
    assert "Bush and Folger identify two ways" in soup.select_one("div.footnote").get_text()


def test_footnotes_are_linked_both_ways():
    text = (
        "Post\n\nMay 1, 2015 1 comment\n\nA claim [1] here.\n\n"
        "[1] The source.\n\nMore of the note.\n"
    )
    body = "\n\n".join(one(text).posts[0].blocks)
    soup = render(body)
    ref = soup.select_one("sup a")
    assert ref["href"] == "#fn:1"
    note = soup.find(id="fn:1")
    assert "The source." in note.get_text() and "More of the note." in note.get_text()
    assert note.select_one("a.footnote-backref")["href"] == "#fnref:1"


def test_unmatched_bracket_numbers_stay_text():
    text = "Post\n\nMay 1, 2015 1 comment\n\nSee [3] and [I]f [t]he.\n"
    soup = render("\n\n".join(one(text).posts[0].blocks))
    assert soup.get_text().strip() == "See [3] and [I]f [t]he."


def test_chrome_never_reaches_a_body():
    text = (
        "Archive\n\n" + HEADER + "Post\n\nMay 1, 2015 1 comment\n\nBody.\n\n\u00a0\n\n \n\n"
        "Continue reading →\n" + FOOTER
    )
    parse = one(text)
    assert parse.posts[0].blocks == ["Body."]
    assert parse.posts[0].excerpt is True
    roles = {n.no: n.role for n in parse.notes}
    assert roles[1] == "chrome" and roles[3] == "chrome"


def test_image_residue_removed_and_reported():
    text = (
        "Post one\n\nMay 2, 2015 1 comment\n4a081ec76\n\nThe caption of the picture\n\n"
        "harrietALTHOUGH HARRIET HARMAN never held a front-rank cabinet job, "
        "she is influential.\n\n"
        "I have two (Screenshot 2015-12-17 00.43.21rather belated) pieces.\n\n"
        "a priori\n\nPost two\n\nMay 1, 2015 1 comment\n\nBody.\n"
    )
    parse = one(text)
    assert parse.posts[0].blocks == [
        "ALTHOUGH HARRIET HARMAN never held a front-rank cabinet job, she is influential.",
        "I have two (rather belated) pieces.",
    ]
    dropped = {g.text for g in parse.guesses}
    assert {"4a081ec76", "The caption of the picture", "a priori"} <= dropped


def test_lowercase_line_inside_a_post_is_kept():
    text = "Post\n\nMay 1, 2015 1 comment\n\nA quote.\n\nand then\n\nAnother quote.\n"
    assert one(text).posts[0].blocks == ["A quote.", "and then", "Another quote."]


def test_bullets_become_a_list_and_asterisk_notes_stay_readable():
    text = (
        "Post\n\nMay 1, 2015 1 comment\n\nIntro:\n\n  • first item\n  • second item\n\n"
        "Love it sometimes*.\n\n* Not true.\n"
    )
    body = "\n\n".join(one(text).posts[0].blocks)
    soup = render(body)
    assert [li.get_text() for li in soup.select("ul li")] == ["first item", "second item"]
    assert "Love it sometimes*." in soup.get_text() and "* Not true." in soup.get_text()


@pytest.mark.parametrize(
    "line",
    [
        "* star",
        "# hash",
        "+ plus",
        "- dash",
        "1. one",
        "> quote",
        "<script>alert(1)</script>",
        "a_b_c *emph* **bold** `code` \\back",
        "[link](javascript:alert(1))",
        "&copy; &amp; & <b>",
        "===",
        "---",
        "[^1]: fake",
        "<http://example.com>",
        "![img](x.png)",
        "{{ 7*7 }} {% raw %}",
    ],
)
def test_escaping_renders_exactly_the_source_text(line):
    soup = render(escape_text(line))
    assert soup.get_text().strip() == line
    assert not soup.find(
        [
            "script",
            "a",
            "img",
            "em",
            "strong",
            "code",
            "h1",
            "h2",
            "ul",
            "ol",
            "blockquote",
            "hr",
            "b",
        ]
    )


def test_duplicates_merge_and_different_posts_do_not():
    base = "Shared title\n\nAugust 25, 2015 {c}\n\n" + "\n\n".join(
        f"Paragraph number {i} with enough words to count as prose here." for i in range(8)
    )
    a = (
        HEADER
        + base.format(c="Leave a comment")
        + "\n\nNotes\n\nExtra final paragraph only here.\n"
    )
    b = "Archive for the ‘Local Democracy’ Category\n\n" + base.format(c="2 comments") + "\n"
    quoting = (
        "Another title\n\nAugust 26, 2015 1 comment\n\n"
        + "\n\n".join(
            f"Paragraph number {i} with enough words to count as prose here." for i in range(8)
        )
        + "\n"
    )
    result = load_dumps([("a.txt", a, None), ("b.txt", b + "\n" + quoting, None)])
    titles = sorted(p.title for p in result.posts)
    assert titles == ["Another title", "Shared title"]
    shared = next(p for p in result.posts if p.title == "Shared title")
    assert shared.categories == ("Labour Party News", "Local Democracy")
    assert shared.comments == 2
    assert "Extra final paragraph only here." in shared.body and "## Notes" in shared.body
    assert [(s.file, s.first) for s in shared.sources] == [("a.txt", 1 + 2), ("b.txt", 3)]


def test_same_title_different_dates_are_two_posts_with_unique_slugs():
    text = (
        "Notes\n\nMay 2, 2015 1 comment\n\nFirst body.\n\n"
        "Notes\n\nMay 1, 2015 1 comment\n\nSecond body.\n"
    )
    result = load_dumps([("x.txt", text, None)])
    assert [p.slug for p in result.posts] == ["notes", "notes-2"]


def test_dump_without_dates_uses_context_and_drops_caption():
    text = (
        "Review: a book\n\nALTHOUGH the opening paragraph is long enough to be prose, it is.\n\n"
        "Continue reading →\n\nslug-of-image\n\nSecond title\n\n"
        "A paragraph of the second post that goes on for a while.\n\n"
        "Caption of an image\n\nThird title\n\nThe third post's paragraph, long enough.\n"
    )
    parse = one(text)
    assert [p.title for p in parse.posts] == ["Review: a book", "Second title", "Third title"]
    assert parse.posts[0].excerpt and not parse.posts[1].excerpt
    assert parse.posts[1].blocks == ["A paragraph of the second post that goes on for a while."]


def test_overrides_force_title_chrome_date_and_categories():
    text = "Post\n\nMay 1, 2015 1 comment\n\nBody one.\n\nHidden title\n\nBody two.\n\nJunk line.\n"
    ov = parse_overrides(
        {
            "lines": {7: "title", 11: "chrome"},
            "posts": [{"line": 7, "date": dt.date(2015, 4, 1), "categories": ["X"]}],
        },
        "d.overrides.yaml",
        11,
    )
    posts = one(text, overrides=ov).posts
    assert [p.title for p in posts] == ["Post", "Hidden title"]
    assert (posts[1].date, posts[1].categories, posts[1].blocks) == (
        dt.date(2015, 4, 1),
        ["X"],
        ["Body two."],
    )


@pytest.mark.parametrize(
    "data, message",
    [
        ([1], "expected a mapping"),
        ({"line": {}}, "unknown key"),
        ({"lines": {999: "title"}}, "not a line number"),
        ({"lines": {1: "banana"}}, "is not one of"),
        ({"posts": [{"date": "x"}]}, "needs 'line: N'"),
    ],
)
def test_bad_overrides_are_rejected_with_the_file_named(data, message):
    with pytest.raises(Exception, match=message) as info:
        parse_overrides(data, "dumps/d.overrides.yaml", 20)
    assert "dumps/d.overrides.yaml" in str(info.value)


def test_post_markdown_round_trip_is_exact():
    result = load_dumps(
        [("x.txt", HEADER + "T: “q” & <b>\n\nMay 1, 2015 1 comment\n\nBody.\n", None)]
    )
    post = result.posts[0]
    assert from_markdown(to_markdown(post), "x.md") == post
    assert re.search(r"^slug: t-q-b$", to_markdown(post), re.M)


def test_a_posts_own_category_line_is_not_read_as_the_page_header():
    """'Category: X' under a post, the page's last line or under sentences and a list, is that
    post's category (with its no-break space kept), not a category archive's header."""
    last = (
        "Archive\n\nFirst title here\n\nfine ok[1].\n\n[1] A note on it ok.\n"
        "Category: Corbyn\xa0Out\n"
    )
    (post,) = load_dumps([("a.txt", last, None)]).posts
    assert (post.categories, post.sources[0].last) == (("Corbyn\xa0Out",), 8)
    middle = (
        "Opening title\n\nA Labour İstanbul ok.\nand ok.\n\n• Labour vu A\n• the list\n\n"
        "Labour ok.\nCategory: Labour\n\nSecond title\n\nSome text here ok.\n\nMore reading →\n\n"
        "Third title\n\nClosing text.\nCategory: vu\n"
    )
    posts = load_dumps([("b.txt", middle, None)]).posts
    assert [(p.title, p.categories) for p in posts] == [
        ("Opening title", ("Labour",)),
        ("Second title", ()),
        ("Third title", ("vu",)),
    ]


def test_a_heading_over_a_few_spacing_lines_is_kept_not_dropped_as_alt_text():
    text = (
        HEADER + "A post\n\nAugust 25, 2015 2 comments\n\nOpening paragraph ok.\n\n"
        "Quoted heading words\n\t\n\xa0\n\xa0\n\t\n1. A list item ok.\n" + FOOTER
    )
    (post,) = one(text).posts
    assert "## Quoted heading words" in post.blocks


def test_terms_lines_are_lists_of_distinct_terms_not_sentences():
    from blogarchive.loader.above import split_categories
    from blogarchive.loader.grammar import entry_meta

    names = frozenset({"labour", "fruit", "vegetables"})
    assert split_categories("Fruit, Vegetables", names) == ("Fruit", "Vegetables")
    assert split_categories("Labour Labour Labour", names) is None  # a sentence's words
    assert entry_meta("Tagged politics, labour").tags == ("politics", "labour")
    assert entry_meta("Tags and the rest of a sentence ok;") is None
