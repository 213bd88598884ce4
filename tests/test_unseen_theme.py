"""A theme none of the loader's rules were written for: three hand-written pages of a blog in
the Twenty Ten layout with Jetpack's blocks (bylines under titles, "Posted in … | Tagged … |
N Comments" after bodies, "Share this:", "Like this:", "Related", a sidebar after the posts,
"N Responses to “Title”" threads).  Its chrome is learned, its meta read by WordPress's grammar."""

import datetime as dt
from pathlib import Path

import pytest

from blogarchive.cli import main
from blogarchive.loader import load_dumps, parse_dump
from blogarchive.post import from_markdown

FOLDER = Path(__file__).parent / "fixtures" / "unseen_theme_twentyten_jetpack"
PAGES = sorted(FOLDER.glob("*.txt"))
CHROME = (
    "Kitchen Garden Diary",
    "Just another WordPress site",
    "Sample Page",
    "Share this:",
    "Twitter",
    "Facebook",
    "Like this:",
    "Like Loading...",
    "Related",
    'In "Vegetables"',
    "Posted in",
    "Search for:",
    "Recent Posts",
    "Archives",
    "Meta",
    "Log in",
    "Blog at WordPress.com.",
    "Older posts",
    "Responses to",
    "Leave a Reply",
    "Your email address",
    "Rosa says",
)


@pytest.fixture(scope="module")
def result():
    return load_dumps([(p.name, p.read_text(encoding="utf-8"), None) for p in PAGES])


def test_three_posts_with_their_bylines_and_meta(result):
    got = {
        p.title: (p.date, p.author, p.categories, p.tags, p.comments, p.excerpt)
        for p in result.posts
    }
    assert got == {
        "Tomatoes under fleece": (
            dt.date(2012, 5, 3),
            "gardener",
            ("Vegetables",),
            ("tomatoes", "frost"),
            4,
            False,
        ),
        "The first asparagus": (
            dt.date(2012, 4, 28),
            "gardener",
            ("Vegetables",),
            ("asparagus",),
            0,
            False,
        ),
        "Why we keep bees": (dt.date(2012, 4, 20), "gardener", (), (), 1, False),  # Uncategorized
    }


def test_bodies_hold_only_the_post(result):
    tomatoes = next(p for p in result.posts if p.title == "Tomatoes under fleece")
    assert tomatoes.body.startswith("A late frost was forecast")
    assert tomatoes.body.rstrip().endswith("with no harm done to a single plant.")
    assert (
        "## Lessons" in tomatoes.body and "Pegs, not bricks\nTwo layers, not one" in tomatoes.body
    )
    for post in result.posts:
        for words in CHROME:
            assert words not in post.body, (post.title, words)


def test_comment_thread_archived_with_authors_and_dates(result):
    tomatoes = next(p for p in result.posts if p.title == "Tomatoes under fleece")
    assert [(c.author, c.date) for c in tomatoes.archived_comments] == [
        ("Rosa", dt.date(2012, 5, 4)),
        ("gardener", dt.date(2012, 5, 4)),
        ("Tom Baker", dt.date(2012, 5, 5)),
        ("gardener", dt.date(2012, 5, 5)),
    ]
    assert (
        tomatoes.archived_comments[2].text
        == "Does the fleece need to touch the leaves or should it sit on hoops?"
    )


def test_chrome_learned_from_the_pages_with_its_evidence(result):
    assert any("top of the pages: 5 lines" in line for line in result.learned)
    assert any("bottom of the pages: 14 lines" in line for line in result.learned)
    notes = {n.text: n for n in result.parses[1].notes}  # index.txt
    assert (
        notes["Kitchen Garden Diary"].reason
        == "page chrome: the same line at the top of 3 of 3 pages"
    )
    assert notes["Posted on May 3, 2012 by gardener"].role == "chrome"


def test_a_single_page_alone_still_reads_its_post():
    """Without other pages nothing can be learned; WordPress's words and grammar still hold."""
    page = FOLDER / "single-tomatoes-under-fleece.txt"
    parse = parse_dump(page.read_text(encoding="utf-8"), page.name)
    post = next(p for p in parse.posts if p.title == "Tomatoes under fleece")
    assert (post.date, post.author, post.comments, len(post.thread)) == (
        dt.date(2012, 5, 3),
        "gardener",
        4,
        4,
    )
    assert "Share this" not in " ".join(post.blocks)


def test_import_writes_tags_author_and_comments(tmp_path):
    assert (
        main(
            [
                "import",
                *map(str, PAGES),
                "--posts",
                str(tmp_path / "posts"),
                "--report",
                str(tmp_path / "report.txt"),
            ]
        )
        == 0
    )
    post = from_markdown(
        (tmp_path / "posts" / "tomatoes-under-fleece.md").read_text(encoding="utf-8"), "x.md"
    )
    assert post.tags == ("tomatoes", "frost") and post.author == "gardener"
    assert len(post.archived_comments) == 4
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert "page: single post (with its comment thread); date format: F j, Y" in report
    assert "byline meta lines read as under the title" in report


def test_files_that_are_not_dumps_are_refused_naming_the_file(tmp_path, capsys):
    """HTML pages and WordPress exports go to their readers; JSON or an empty file is refused."""
    data = tmp_path / "posts.json"
    data.write_text('{"posts": [{"title": "Tomatoes"}]}', encoding="utf-8")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\xef\xbb\xbf \r\n")
    for path, why in ((data, "a JSON file"), (empty, "empty file")):
        assert (
            main(
                [
                    "import",
                    str(path),
                    "--posts",
                    str(tmp_path / "p"),
                    "--report",
                    str(tmp_path / "r"),
                ]
            )
            != 0
        )
        assert f"{path}: {why}" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
