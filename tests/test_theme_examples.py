"""Two example blogs in two other themes (../shared/themes-examples), each in two text flavours,
imported page by page and checked against their ground truth (truth.json), post by post."""

import json
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from blogarchive.importer import read_dump_text
from blogarchive.loader import load_dumps

EXAMPLES = Path(__file__).resolve().parents[2] / "shared" / "themes-examples"
if not EXAMPLES.is_dir():
    EXAMPLES = Path("/work/shared/themes-examples")
CASES = [
    (blog, flavour) for blog in ("twentytwelve", "twentyfifteen") for flavour in ("text", "text-bs")
]
pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(), reason="themes-examples not at hand")
_QUOTES = str.maketrans("‘’“”–—\u00a0", "''\"\"-- ")


def norm(text: str) -> str:
    """Compare words only: quotes, dashes, spacing and Markdown escapes ignored."""
    return " ".join(text.replace("\\", "").translate(_QUOTES).split())


def words(markdown_text: str) -> str:
    """A Markdown body as a reader sees it (footnote back-links dropped)."""
    soup = BeautifulSoup(
        markdown.markdown(markdown_text, extensions=["footnotes", "nl2br"]), "html.parser"
    )
    for tag in soup.select("a.footnote-backref"):
        tag.decompose()
    for sup in soup.select("sup"):
        sup.replace_with(f"[{sup.get_text()}]")
    for li in soup.select("div.footnote li"):
        li.insert(0, f"[{li['id'].split(':')[1]}] ")
    return norm(soup.get_text(" "))


@pytest.fixture(scope="module", params=CASES, ids=[f"{b}-{f}" for b, f in CASES])
def imported(request):
    blog, flavour = request.param
    folder = EXAMPLES / blog
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    files = sorted((folder / flavour).glob("*.txt"))
    texts = {p.stem: read_dump_text(p)[0] for p in files}
    result = load_dumps([(f"{stem}.txt", text, None) for stem, text in texts.items()])
    return truth, flavour, texts, result


def by_title(result):
    return {p.title: p for p in result.posts}


def test_every_post_found_and_no_other(imported):
    truth, _, _, result = imported
    assert sorted(p.title for p in result.posts) == sorted(t["title"] for t in truth["posts"])


def test_dates_categories_tags_comments_excerpt(imported):
    truth, _, _, result = imported
    got = by_title(result)
    for want in truth["posts"]:
        post = got[want["title"]]
        categories = sorted(c for c in want["categories"] if c != "Uncategorized")
        assert (str(post.date), sorted(post.categories), sorted(post.tags)) == (
            want["date"],
            categories,
            sorted(want["tags"]),
        ), want["title"]
        assert (post.comments, post.excerpt) == (want["comments"], want["excerpt"]), want["title"]


def test_bodies_start_and_end_with_the_right_words(imported):
    truth, flavour, _, result = imported
    got = by_title(result)
    for want in truth["posts"]:
        alt = flavour == "text-bs"
        first = norm(
            want.get("first_words_alt")
            if alt and want.get("first_words_alt")
            else want["first_words"]
        )
        last = norm(
            want.get("last_words_alt") if alt and want.get("last_words_alt") else want["last_words"]
        )
        body = words(got[want["title"]].body)
        assert body.startswith(first), (want["title"], body[:100])
        assert body.endswith(last), (want["title"], body[-100:])


def test_section_headings_stay_in_their_post(imported):
    """Every heading a page shows of a post is a heading in that post's body, never a new post."""
    truth, _, texts, result = imported
    got = by_title(result)
    checked = 0
    for want in truth["posts"]:
        shown = shown_lines(texts[want["most_complete_page"]], want)
        body = got[want["title"]].body
        for heading in want["section_headings"]:
            if norm(heading) in shown:
                assert re.search(rf"^## {re.escape(heading)}$", body.replace("\\", ""), re.M), (
                    want["title"],
                    heading,
                )
                checked += 1
    assert checked >= 8  # the headings teasers show are fewer


def shown_lines(page_text: str, want: dict) -> set[str]:
    """The lines a page shows of one post: from its title to the end of its teaser or body."""
    rows = [norm(line) for line in page_text.splitlines()]
    start = rows.index(norm(want["title"]))
    tail = norm(want["last_words"])[-20:]
    end = next((i for i in range(start, len(rows)) if rows[i].endswith(tail)), len(rows))
    return set(rows[start : end + 1])


def test_no_chrome_or_comment_line_in_any_body(imported):
    truth, flavour, _, result = imported
    banned = {
        norm(line)
        for page in truth["pages"].values()
        for line in page["chrome"][flavour] + page["comment_lines"][flavour]
    }
    for post in result.posts:
        for block in post.body.split("\n"):
            text = norm(re.sub(r"^(?:## |- |\[\^\d+\]: )", "", block))
            assert text not in banned, (post.title, block)


def test_authors_where_the_pages_show_them(imported):
    truth, flavour, texts, result = imported
    got = by_title(result)
    for want in truth["posts"]:
        shown = any(
            want["author"] in line
            for page in want["pages"]
            for line in truth["pages"][page["page"]]["chrome"][flavour]
        )
        assert got[want["title"]].author == (want["author"] if shown else None), want["title"]


def test_comment_threads_are_archived_not_body(imported):
    truth, flavour, _, result = imported
    got = by_title(result)
    singles = [p for p in truth["pages"].values() if p["kind"] == "single"]
    assert singles
    for page in singles:
        post = got[next(t["title"] for t in truth["posts"] if t["id"] == page["posts"][0])]
        kept = list(dict.fromkeys(norm(c.text) for c in post.archived_comments))  # truth: distinct
        assert kept == [norm(line) for line in page["comment_lines"][flavour]], post.title
        assert len(post.archived_comments) == post.comments
        assert all(c.author and c.date for c in post.archived_comments)


def test_report_names_each_page_kind_and_date_format(imported):
    truth, _, _, result = imported
    shown = {
        "home": "list of posts",
        "category": "category archive",
        "tag": "tag archive",
        "month": "month archive",
        "single": "single post",
    }
    for parse in result.parses:
        page = truth["pages"][parse.name[:-4]]
        assert any(k.startswith(shown[page["kind"]]) for k in parse.page_kinds), parse.name
        if page["label"]:
            assert any(page["label"] in k for k in parse.page_kinds), parse.name
        assert truth["date_format"] in parse.date_formats, parse.name
