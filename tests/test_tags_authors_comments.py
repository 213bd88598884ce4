"""Tags, authors and archived comments in the built site, from the example blogs' WordPress
exports: tag pages, tag feeds and the tags index; the byline; comments under the post, nested;
all of it in feeds (read by feedparser), posts.json and JSON-LD."""

import dataclasses
import json
import posixpath
import re
from pathlib import Path

import feedparser
import pytest
from conftest import EXAMPLES, read_posts, soup

from blogarchive import site as S
from blogarchive.build import build
from blogarchive.cli import main
from blogarchive.config import Config
from blogarchive.post import Comment, Post, from_markdown, to_markdown

BLOGS = EXAMPLES
BASE = "https://club.example.org/"
CONFIG = Config(title="Club archive", author="The club", posts_per_page=1, base_url=BASE)
HOSTILE = "<script>alert(1)</script> I *really* mean it & [click](javascript:alert(2))"
pytestmark = pytest.mark.skipif(not BLOGS.is_dir(), reason="theme examples not present")


def threaded_export(folder: Path) -> Path:
    """twentyfifteen's export with two replies (Helen K to Mike, Mike to Helen K) and one
    comment whose date was not archived: WordPress threads replies by wp:comment_parent."""
    xml = (BLOGS / "twentyfifteen" / "export.xml").read_text(encoding="utf-8")
    for child, parent in (("1634", "1633"), ("1636", "1634")):
        xml = re.sub(
            rf"(<wp:comment_id>{child}</wp:comment_id>.*?<wp:comment_parent>)0<",
            rf"\g<1>{parent}<",
            xml,
            count=1,
            flags=re.S,
        )
    xml = re.sub(
        r"(<wp:comment_id>1632</wp:comment_id>.*?<wp:comment_date><!\[CDATA\[)[^\]]*",
        r"\g<1>",
        xml,
        count=1,
        flags=re.S,
    )
    path = folder / "export.xml"
    path.write_text(xml, encoding="utf-8")
    return path


def edit_post(path: Path, change) -> None:
    post = from_markdown(path.read_text(encoding="utf-8"), str(path))
    path.write_text(to_markdown(change(post)), encoding="utf-8")


@pytest.fixture(scope="module")
def blog(tmp_path_factory):
    """(site, posts by slug) of twentyfifteen's export, threaded as above; one post's author
    removed and one comment made hostile."""
    work = tmp_path_factory.mktemp("wxr")
    export = threaded_export(work)
    assert (
        main(
            [
                "import",
                str(export),
                "--posts",
                str(work / "posts"),
                "--report",
                str(work / "report.txt"),
            ]
        )
        == 0
    )
    edit_post(
        work / "posts" / "a-short-note-on-mudguards.md",
        lambda p: dataclasses.replace(p, author=None),
    )
    edit_post(
        work / "posts" / "headwinds-and-flapjack.md",
        lambda p: dataclasses.replace(
            p, archived_comments=(*p.archived_comments, Comment("Mallory", HOSTILE))
        ),
    )
    build(work / "posts", work / "site", CONFIG)
    return work / "site", {p.slug: p for p in read_posts(work / "posts")}


def page_of(site: Path, post: Post):
    return soup(site / S.post_path(post))


def resolve(site: Path, here: str, href: str) -> Path:
    """The file a relative link of page `here` leads to."""
    return site / posixpath.normpath(posixpath.join(posixpath.dirname(here), href))


def tags_by_key(posts) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for post in posts:
        for tag in post.tags:
            out.setdefault(S.category_key(tag), set()).add(post.title)
    return out


def listing_titles(site: Path, first: str) -> list[str]:
    """Every entry title of a paginated listing, following its 'Older' links."""
    titles, here = [], first
    while True:
        page = soup(site / here)
        titles += [a.get_text() for a in page.select("article.entry h2 a")]
        older = page.select_one('.pager a[rel="next"]')
        if older is None:
            return titles
        here = posixpath.normpath(posixpath.join(posixpath.dirname(here), older["href"]))


def test_example_exports_have_what_these_tests_check(blog):
    _, posts = blog
    assert sum(bool(p.tags) for p in posts.values()) >= 7
    assert len({p.author for p in posts.values()} - {None}) == 2
    assert sum(len(p.archived_comments) for p in posts.values()) >= 30


def test_tags_index_lists_every_tag_with_its_count_and_its_pages_list_exactly_its_posts(blog):
    site, posts = blog
    expected = tags_by_key(posts.values())
    index = soup(site / "tag" / "index.html")
    assert index.h1.get_text() == "Tags"
    items = index.select("ul.counts li")
    assert len(items) == len(expected)
    for item in items:
        link = item.select_one("a")
        titles = expected[S.category_key(link.get_text())]
        assert item.select_one(".count").get_text() == f"({len(titles)})"
        first = posixpath.normpath(posixpath.join("tag", link["href"]))
        assert re.fullmatch(r"tag/[a-z0-9-]+/index\.html", first)
        listed = listing_titles(site, first)
        assert sorted(listed) == sorted(titles)  # each once, across every page
        dates = [next(p.date for p in posts.values() if p.title == t) for t in listed]
        assert dates == sorted(dates, reverse=True)


def test_a_tag_with_more_posts_than_a_page_is_paginated(blog):
    site, posts = blog
    how_to = [p for p in posts.values() if "how to" in p.tags]
    assert len(how_to) > CONFIG.posts_per_page
    assert (site / "tag" / "how-to" / "page" / "2" / "index.html").is_file()
    first = soup(site / "tag" / "how-to" / "index.html")
    assert first.h1.get_text() == "Tag: how to"
    assert first.select_one(".intro").get_text().startswith(f"{len(how_to)} posts tagged how to.")


def test_tags_are_in_the_nav_only_where_a_post_has_a_tag(blog, real_site):
    site, posts = blog
    for path in (
        "index.html",
        "tag/how-to/index.html",
        S.post_path(posts["how-to-replace-a-chain"]),
    ):
        nav = [a.get_text() for a in soup(site / path).select('nav[aria-label="Site"] a')]
        assert nav == ["Home", "Categories", "Tags", "Archives", "Undated"]
        href = soup(site / path).find("a", string="Tags")["href"]
        assert resolve(site, path, href) == site / "tag" / "index.html"
    real = real_site[0]
    assert not (real / "tag").exists()
    assert [a.get_text() for a in soup(real / "index.html").select('nav[aria-label="Site"] a')] == [
        "Home",
        "Categories",
        "Archives",
        "Undated",
    ]


def test_post_pages_show_their_tags_and_author_and_listings_their_tags(blog):
    site, posts = blog
    for post in posts.values():
        page, here = page_of(site, post), S.post_path(post)
        links = page.select("article.post p.tags a")
        assert sorted(a.get_text() for a in links) == sorted(post.tags)
        for a in links:
            assert a["rel"] == ["tag"]
            target = resolve(site, here, a["href"])
            assert soup(target).h1.get_text() == f"Tag: {a.get_text()}"
        byline = page.select_one("article.post .meta .author")
        assert (byline.get_text() if byline else None) == post.author
        (item,) = post.sources  # where it came from: the export's item
        assert (
            page.select_one(".provenance").get_text()
            == f"Recovered from export.xml, {item.element}."
        )
    home = soup(site / "index.html")
    newest = S.newest_first(list(posts.values()))[0]
    entry = home.select_one("article.entry")
    assert entry.h2.get_text() == newest.title
    shown = [a.get_text() for a in entry.select(".meta a") if a["href"].startswith("tag/")]
    assert sorted(shown) == sorted(newest.tags) and newest.tags


def test_a_post_without_an_author_claims_none_on_its_page_but_feeds_name_the_site(blog):
    site, posts = blog
    mudguards = posts["a-short-note-on-mudguards"]
    assert mudguards.author is None
    assert not page_of(site, mudguards).select(".author")
    url = S.absolute_url(BASE, S.post_path(mudguards))
    for name in ("feed.xml", "atom.xml"):
        entry = next(e for e in feedparser.parse(site / name).entries if e.link == url)
        assert entry.author == "The club"


def test_feeds_carry_each_posts_author_and_its_categories_and_tags(blog):
    site, posts = blog
    by_url = {S.absolute_url(BASE, S.post_path(p)): p for p in posts.values()}
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse(site / name)
        assert not feed.bozo and len(feed.entries) == len(posts)
        for entry in feed.entries:
            post = by_url[entry.link]
            assert entry.author == (post.author or "The club")
            assert sorted(t.term for t in entry.get("tags", [])) == sorted(
                {*post.categories, *post.tags}
            )
    data = json.loads((site / "feed.json").read_text(encoding="utf-8"))
    for item in data["items"]:
        post = by_url[item["url"]]
        assert item["authors"] == [{"name": post.author or "The club"}]
        assert sorted(item.get("tags", [])) == sorted({*post.categories, *post.tags})


def test_each_tag_has_feeds_of_exactly_its_posts(blog):
    site, posts = blog
    for key, titles in tags_by_key(posts.values()).items():
        folder = site / "tag" / S.tag_slug(key)
        for name in ("feed.xml", "atom.xml"):
            feed = feedparser.parse(folder / name)
            assert not feed.bozo and sorted(e.title for e in feed.entries) == sorted(titles)
        data = json.loads((folder / "feed.json").read_text(encoding="utf-8"))
        assert sorted(i["title"] for i in data["items"]) == sorted(titles)
        links = soup(folder / "index.html").select('link[rel="alternate"]')
        assert {l["href"] for l in links} >= {"feed.xml", "atom.xml", "feed.json"}


def test_posts_json_and_json_ld_carry_tags_and_author(blog):
    site, posts = blog
    records = {r["slug"]: r for r in json.loads((site / "posts.json").read_text())["posts"]}
    for post in posts.values():
        record = records[post.slug]
        assert record["tags"] == list(post.tags) and record["author"] == post.author
        assert record["archived_comments"] == len(post.archived_comments)
        assert record["sources"] == [
            {"file": "export.xml", "first": None, "last": None, "element": s.element}
            for s in post.sources
        ]
        ld = json.loads(page_of(site, post).find("script", type="application/ld+json").string)
        assert ld["author"]["name"] == (post.author or "The club")
        assert sorted(ld.get("keywords", [])) == sorted({*post.categories, *post.tags})


def comment_items(section):
    """(li, its heading, its meta) of every comment, in document order."""
    return [
        (li, li.select_one(".comment-author"), li.select_one(":scope > article .meta"))
        for li in section.select("li[id^=comment-]")
    ]


def test_archived_comments_are_shown_under_the_post_in_order(blog):
    site, posts = blog
    for post in posts.values():
        section = page_of(site, post).select_one("section.archived-comments")
        if not post.archived_comments:
            assert section is None
            continue
        heading = section.find("h2").get_text(" ", strip=True)
        assert heading == f"Archived comments ({len(post.archived_comments)})"
        items = comment_items(section)
        assert len(items) == len(post.archived_comments)
        for comment, (li, author, meta) in zip(post.archived_comments, items):
            assert author.get_text() == comment.author
            time = meta.find("time") if meta else None
            if comment.date is None:
                assert time is None  # never an invented date
            else:
                assert time["datetime"] == comment.date.isoformat()
            text = li.select_one(":scope > article .comment-text").get_text(" ", strip=True)
            assert (
                " ".join(text.split())[:40]
                == " ".join(re.sub(r"[\\*]", "", comment.text).split())[:40]
            )


def test_replies_are_nested_under_their_parent(blog):
    site, posts = blog
    hills = posts["hill-repeats-on-dover-lane"]
    helen = next(n for n, c in enumerate(hills.archived_comments, 1) if c.author == "Helen K")
    assert hills.archived_comments[helen - 1].parent is not None
    section = page_of(site, hills).select_one("section.archived-comments")
    reply = section.select_one(f"#comment-{helen}")
    parent_li = reply.find_parent("li")
    assert parent_li["id"] == f"comment-{hills.archived_comments[helen - 1].parent}"
    assert reply.parent.name == "ol" and "comment-replies" in reply.parent["class"]
    assert reply.select_one(".comment-author").name == "h4"  # one level below a top comment
    deeper = [li for li in reply.select("li[id^=comment-]")]
    assert deeper and deeper[0].select_one(".comment-author").name == "h5"
    assert reply.select_one(".meta a")["href"] == f"#{parent_li['id']}"
    top = section.select(":scope > ol.comment-list > li")
    assert len(top) == len(hills.archived_comments) - 2


def test_comment_text_is_text_never_markup_and_stays_out_of_feeds(blog):
    site, posts = blog
    headwinds = posts["headwinds-and-flapjack"]
    page = page_of(site, headwinds)
    last = page.select("section.archived-comments li[id^=comment-]")[-1]
    assert last.select_one(".comment-author").get_text() == "Mallory"
    assert last.select_one(".meta") is None  # no date archived
    text = last.select_one(".comment-text")
    assert not text.find("script") and not text.find("a") and text.find("em").get_text() == "really"
    assert "<script>alert(1)</script>" in text.get_text()
    assert "javascript" not in str(page.find_all("a"))
    comment = headwinds.archived_comments[0].text.split(".")[0]
    for name in ("feed.xml", "atom.xml", "feed.json"):
        assert comment not in (site / name).read_text(encoding="utf-8")


def test_tag_slugs_follow_the_category_rules():
    """Case and spacing make one tag; colliding and empty slugs stay apart and valid."""
    names = [("C",), ("C++",), ("Local  democracy",), ("local democracy",), ("???",), ("con",)]
    posts = [Post(f"Post {n}", f"post-{n}", tags=t) for n, t in enumerate(names)]
    site = S.group(posts)
    assert [(t.name, t.slug, len(t.posts)) for t in site.tags] == [
        ("???", "tag", 1),
        ("C", "c", 1),
        ("C++", "c-2", 1),
        ("con", "con-tag", 1),
        ("Local  democracy", "local-democracy", 2),
    ]
    assert [t.path for t in site.tags_of(posts[1])] == ["tag/c-2/index.html"]
