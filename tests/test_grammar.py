"""WordPress's grammar, line by line: dates in every format the settings allow, bylines, meta
lines, archive headers, comment counts and threads; and refusing files that are not dumps."""

import datetime as dt

import pytest

from blogarchive.errors import DumpError
from blogarchive.loader import grammar as G
from blogarchive.loader.sniff import refuse_non_text, sniff_kind
from blogarchive.loader.thread import comment_header

D = dt.date(2012, 5, 3)


@pytest.mark.parametrize(
    "line, fmt",
    [
        ("May 3, 2012", "F j, Y"),
        ("3 May 2012", "j F Y"),
        ("2012-05-03", "Y-m-d"),
        ("03/05/2012", "d/m/Y"),
        ("05/13/2012", "m/d/Y"),
        ("Thursday, May 3, 2012", "F j, Y"),
        ("Thursday 3 May 2012", "j F Y"),
        ("May 3, 2012 at 5:35 pm", "F j, Y"),
        ("3 May 2012 at 17:35", "j F Y"),
        ("Sept 3, 2012", "F j, Y"),
        ("3rd May 2012", "j F Y"),
    ],
)
def test_date_lines_in_every_wordpress_format(line, fmt):
    date, got = G.date_line(line)
    assert got == fmt
    assert date == (
        dt.date(2012, 5, 13) if fmt == "m/d/Y" else dt.date(2012, 9, 3) if "Sept" in line else D
    )


@pytest.mark.parametrize(
    "line", ["May 2012", "Mayday 3, 2012", "February 30, 2012", "3 May", "In May 3 people came."]
)
def test_not_date_lines(line):
    assert G.date_line(line) is None


@pytest.mark.parametrize(
    "line, author, comments",
    [
        ("Posted on May 3, 2012 by gardener", "gardener", None),
        ("Posted on 3 May 2012", None, None),
        ("by gardener on May 3, 2012", "gardener", None),
        ("By Jane Smith, 2012-05-03", "Jane Smith", None),
        ("gardener wrote on May 3, 2012", "gardener", None),
        ("On May 3, 2012, gardener wrote:", "gardener", None),
        ("May 3, 2012 by gardener | 4 Comments", "gardener", 4),
        ("Posted on May 3, 2012 by gardener — Leave a comment", "gardener", 0),
        ("May 3, 2012 gardener 4 Comments", "gardener", 4),
        ("3 May 2012 Jane Smith Leave a comment", "Jane Smith", 0),
    ],
)
def test_bylines(line, author, comments):
    meta = G.byline(line)
    assert (meta.date, meta.author, meta.comments) == (D, author, comments)


@pytest.mark.parametrize(
    "line, author, cats, comments",
    [
        ("Posted on May 3, 2012 in Rides | 2 Comments", None, ("Rides",), 2),
        ("Posted on May 3, 2012 in Rides, Routes by Sam", "Sam", ("Rides", "Routes"), None),
        ("Posted by Sam on May 3, 2012 in Rides | Leave a comment", "Sam", ("Rides",), 0),
    ],
)
def test_bylines_naming_the_categories(line, author, cats, comments):
    """A byline that names the categories stays a byline: where it stands decides its place."""
    meta = G.byline(line)
    assert G.entry_meta(line) is None
    assert (meta.date, meta.author, meta.categories, meta.comments) == (D, author, cats, comments)


@pytest.mark.parametrize(
    "line, cats, author",
    [
        ("Posted in Rides on May 3, 2012 by Sam", ("Rides",), "Sam"),
        ("Filed under Rides, Routes on May 3, 2012", ("Rides", "Routes"), None),
    ],
)
def test_category_lines_with_a_date_and_author_after(line, cats, author):
    meta = G.entry_meta(line)
    assert (meta.categories, meta.date, meta.author) == (cats, D, author)


@pytest.mark.parametrize(
    "line",
    [
        "By the way, the frost came on May 3, 2012 and took everything.",
        "Written in haste",
        "by the river",
    ],
)
def test_prose_is_not_a_byline(line):
    assert G.byline(line) is None


@pytest.mark.parametrize(
    "line, cats, tags, comments, date",
    [
        (
            "Posted in Vegetables, Fruit | Tagged tomatoes, frost | 4 Comments",
            ("Vegetables", "Fruit"),
            ("tomatoes", "frost"),
            4,
            None,
        ),
        ("Posted in Vegetables | Leave a comment", ("Vegetables",), (), 0, None),
        (
            "This entry was posted in Soil and Compost and tagged compost, mulch on May 3, 2012.",
            ("Soil and Compost",),
            ("compost", "mulch"),
            None,
            D,
        ),
        (
            "This entry was posted in Uncategorized. Bookmark the permalink.",
            ("Uncategorized",),
            (),
            None,
            None,
        ),
        ("Filed under: Vegetables", ("Vegetables",), (), None, None),
        ("Categories: A, B", ("A", "B"), (), None, None),
        ("Tags: a, b", (), ("a", "b"), None, None),
        ("Posted in Vegetables | Tagged frost | One Reply", ("Vegetables",), ("frost",), 1, None),
    ],
)
def test_entry_meta_lines(line, cats, tags, comments, date):
    meta = G.entry_meta(line)
    assert (meta.categories, meta.tags, meta.comments, meta.date, meta.place) == (
        cats,
        tags,
        comments,
        date,
        "footer",
    )


@pytest.mark.parametrize(
    "line",
    [
        "In fact, in terms of policy this matters.",
        "Posted in haste. Sorry!",
        "Tagged along with friends, we went to the allotment and dug.",
    ],
)
def test_prose_is_not_entry_meta(line):
    assert G.entry_meta(line) is None


def test_labelled_meta_glued_and_split():
    glued = G.labelled_meta(
        "Posted on 19 April 2015Author Tom AshworthCategories Club Rides, Routes"
        "Tags sportive, recce3 Comments on Spring sportive recce"
    )
    assert (
        glued.date,
        glued.author,
        glued.categories,
        glued.tags,
        glued.comments,
        glued.about,
    ) == (
        dt.date(2015, 4, 19),
        "Tom Ashworth",
        ("Club Rides", "Routes"),
        ("sportive", "recce"),
        3,
        "Spring sportive recce",
    )
    bare = G.labelled_meta(
        "Posted on 22 February 2015 Author Tom Ashworth Categories Uncategorized4 Comments"
    )
    assert (bare.categories, bare.comments) == (("Uncategorized",), 4)
    assert G.labelled_meta("Categories Club Rides") is None  # a sidebar widget, not meta
    assert G.is_label("Posted on") and G.is_label("Tags") and not G.is_label("Tagged along")


@pytest.mark.parametrize(
    "line, count",
    [
        ("5 Replies", 5),
        ("1 Reply", 1),
        ("Leave a reply", 0),
        ("Leave a comment", 0),
        ("No Comments", 0),
        ("One Comment", 1),
        ("12 Responses", 12),
        ("Comments Off", None),
    ],
)
def test_comment_counts(line, count):
    assert G.count_line(line).comments == count


@pytest.mark.parametrize(
    "line, kind, label",
    [
        ("Category Archives: Vegetables", "category", "Vegetables"),
        ("Category: Club Rides", "category", "Club Rides"),
        ("Archive for the ‘Labour Party News’ Category", "category", "Labour Party News"),
        ("Monthly Archives: May 2012", "month", "May 2012"),
        ("Month: April 2015", "month", "April 2015"),
        ("Tag Archives: mulch", "tag", "mulch"),
        ("Posts tagged ‘frost’", "tag", "frost"),
        ("Author: gardener", "author", "gardener"),
        ("Yearly Archives: 2012", "year", "2012"),
    ],
)
def test_page_headers(line, kind, label):
    header = G.page_header(line)
    assert (header.kind, header.label) == (kind, label)


def test_thread_headings_and_comment_headers():
    m = G.THREAD_RE.match("6 thoughts on “Hill repeats on Dover Lane”")
    assert (m.group("n"), m.group("title")) == ("6", "Hill repeats on Dover Lane")
    assert G.THREAD_RE.match("4 Responses to “Tomatoes under fleece”")
    assert G.THREAD_RE.match("One thought on “X”").group("n") == "One"
    rows = [
        "SunitaMay 29, 2012 at 5:35 am",
        "Alan on plot 9June 1, 2012 at 2:29 am",
        "Gareth says:",
        "27 October 2014 at 4:39 pm",
        "Just a sentence ending on May 3, 2012 really.",
    ]
    assert comment_header(rows, 0) == ("Sunita", dt.date(2012, 5, 29), 0)
    assert comment_header(rows, 1) == ("Alan on plot 9", dt.date(2012, 6, 1), 1)
    assert comment_header(rows, 3) == ("Gareth", dt.date(2014, 10, 27), 2)
    assert comment_header(rows, 4) is None


def test_teaser_links():
    assert G.more_link("Continue reading →", set()) and G.more_link("Read more »", set())
    assert G.more_link(
        "Continue reading How to replace a chain", {G.norm("How to replace a chain")}
    )
    assert not G.more_link("Continue reading the report, which is long.", set())


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"<!DOCTYPE html><html><body><p>x</p></body></html>", "html"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><rss></rss>", "xml"),
        (b'{"posts": []}', "json"),
        (b"\x00\x01\x02binary", "binary"),
        (b"  \n\r\n", "empty"),
        (b"", "empty"),
        (b"A title\n\nMay 3, 2012\n\nBody with <b> in it and {braces}.\n", "text"),
        ("Caf\xe9 au lait\n".encode("cp1252"), "text"),
    ],
)
def test_sniffing_what_a_file_is(data, kind):
    assert sniff_kind(data) == kind


def test_files_that_are_not_dumps_are_refused_by_name():
    with pytest.raises(DumpError, match=r"^dumps/page\.html: an HTML page"):
        refuse_non_text(b"<html><head></head><body>Hi</body></html>", "dumps/page.html")
    with pytest.raises(DumpError, match=r"^dumps/x\.txt: an XML file"):
        refuse_non_text(b"<?xml version='1.0'?><rss/>", "dumps/x.txt")
