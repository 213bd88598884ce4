"""JSON Feed 1.1, posts.json, JSON-LD and Open Graph: required fields, no invented dates, safe
embedding."""

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import read_posts

from blogarchive import site as S
from blogarchive.export import (
    JSON_FEED_VERSION,
    POSTS_SCHEMA,
    json_feed,
    json_ld,
    open_graph,
    posts_json,
)
from blogarchive.feed import FeedInfo, FeedItem, absolutize, rss_xml
from blogarchive.markdown_safe import post_html, summary, word_count
from blogarchive.post import Post, Source

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://archive.example.org/blog/"
INFO = FeedInfo(
    "Blog", "About things", "The authors", "en-GB", BASE, BASE + "feed.json", "Europe/London", None
)


def item(post: Post) -> FeedItem:
    """As build.workers makes them: absolute permalink, absolutised HTML, plain summary."""
    url = S.absolute_url(BASE, S.post_path(post))
    html = post_html(post.body)
    return FeedItem(post, url, absolutize(html, url), summary(html))


DATED = Post(
    title="Dated <b>& bold</b>",
    slug="dated",
    body="Hello world.\n",
    date=dt.date(2015, 8, 25),
    categories=("Labour Party News", "Local Democracy"),
    comments=2,
    sources=(Source("001.txt", 3, 9),),
)
UNDATED = Post(
    title="Undated one",
    slug="undated-one",
    body="Text.\n",
    date_after=dt.date(2014, 9, 8),
    date_before=dt.date(2015, 4, 30),
)
BOUNDLESS = Post(title="Nothing known", slug="nothing-known", body="More.\n")


@pytest.fixture(scope="module")
def real_posts():
    posts = read_posts(ROOT / "posts")
    if not posts:
        pytest.skip("posts/ is empty")
    return posts


def test_json_feed_has_the_required_fields_of_json_feed_1_1():
    feed = json.loads(json_feed(INFO, [item(DATED), item(UNDATED)]))
    assert feed["version"] == JSON_FEED_VERSION == "https://jsonfeed.org/version/1.1"
    assert (
        feed["title"] == "Blog"
        and feed["home_page_url"] == BASE
        and feed["feed_url"] == BASE + "feed.json"
    )
    assert feed["authors"] == [{"name": "The authors"}] and feed["language"] == "en-GB"
    for entry in feed["items"]:
        assert isinstance(entry["id"], str) and entry["id"]
        assert entry["url"].startswith(BASE) and entry["content_html"]
    first = feed["items"][0]
    assert first["title"] == "Dated <b>& bold</b>"  # JSON carries text; readers escape
    assert first["date_published"] == "2015-08-25T00:00:00+01:00"
    assert first["tags"] == ["Labour Party News", "Local Democracy"]


def test_json_feed_never_invents_a_date():
    feed = json.loads(json_feed(INFO, [item(UNDATED), item(BOUNDLESS)]))
    for entry in feed["items"]:
        assert "date_published" not in entry and "date_modified" not in entry
    assert feed["items"][0]["summary"].startswith(
        "Undated — between 8 September 2014 and 30 April 2015."
    )
    assert feed["items"][1]["summary"].startswith("Undated.")


def test_json_feed_is_byte_deterministic_and_order_independent():
    a = json_feed(INFO, [item(DATED), item(UNDATED), item(BOUNDLESS)])
    b = json_feed(INFO, [item(BOUNDLESS), item(UNDATED), item(DATED)])
    assert a == b and a.endswith(b"}\n")
    assert "Undated — between".encode() in a  # ensure_ascii=False: no \u escapes


def test_json_feed_honours_the_limit_and_refuses_relative_urls():
    limited = FeedInfo(*[*INFO.__dict__.values()][:7], limit=1)
    assert len(json.loads(json_feed(limited, [item(DATED), item(UNDATED)]))["items"]) == 1
    bad = FeedInfo(*[*INFO.__dict__.values()][:5], "feed.json", "UTC", None)
    with pytest.raises(ValueError, match="feed_url"):
        json_feed(bad, [item(DATED)])


def test_real_json_feed_follows_the_rss_order(real_posts):
    items = [item(p) for p in real_posts]
    feed = json.loads(json_feed(INFO, items))
    assert len(feed["items"]) == 33
    rss = rss_xml(INFO, items).decode()
    positions = [rss.index(f'<guid isPermaLink="true">{e["url"]}</guid>') for e in feed["items"]]
    assert positions == sorted(positions)
    dated = {S.absolute_url(BASE, S.post_path(p)) for p in real_posts if p.date}
    assert {e["url"] for e in feed["items"] if "date_published" in e} == dated


def test_posts_json_lists_exactly_the_posts_in_posts_folder(real_posts):
    counts = {p.slug: word_count(post_html(p.body)) for p in real_posts}
    data = json.loads(posts_json(real_posts, BASE, counts))
    assert data["schema"] == POSTS_SCHEMA and data["version"] == 1 and data["count"] == 33
    slugs = [p["slug"] for p in data["posts"]]
    assert slugs == sorted(f.stem for f in (ROOT / "posts").glob("*.md"))
    liz = next(
        p for p in data["posts"] if p["slug"] == "liz-kendall-and-the-meanings-of-empowerment"
    )
    assert (
        liz["date"] == "2015-08-06"
        and liz["date_after"] is None
        and liz["categories"] == ["Labour Party News"]
    )
    assert liz["sources"] == [
        {"file": "001_09106894f584fb7a.txt", "first": 271, "last": 357, "element": None},
        {"file": "003_7495873b7e09cbfc.txt", "first": 127, "last": 213, "element": None},
    ]
    assert liz["tags"] == [] and liz["author"] is None and liz["archived_comments"] == 0
    assert liz["url"] == BASE + "2015/08/06/liz-kendall-and-the-meanings-of-empowerment/"
    assert liz["words"] == counts[liz["slug"]] > 100
    undated = [p for p in data["posts"] if p["date"] is None]
    assert undated and all(p["url"].startswith(BASE + "undated/") for p in undated)
    assert posts_json(list(reversed(real_posts)), BASE, counts) == posts_json(
        real_posts, BASE, counts
    )


def test_posts_json_needs_every_word_count():
    with pytest.raises(ValueError, match="dated"):
        posts_json([DATED], BASE, {})


def test_json_ld_is_a_blog_posting_safe_inside_a_script_element():
    text = json_ld(INFO, item(DATED), 42)
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\\u003cb\\u003e\\u0026 bold\\u003c/b\\u003e" in text
    data = json.loads(text)
    assert data["@type"] == "BlogPosting" and data["@context"] == "https://schema.org"
    assert data["headline"] == "Dated <b>& bold</b>"
    assert data["datePublished"] == "2015-08-25" and data["wordCount"] == 42
    assert data["author"] == {"@type": "Person", "name": "The authors"}
    assert data["articleSection"] == ["Labour Party News", "Local Democracy"]
    assert data["isPartOf"] == {"@type": "Blog", "name": "Blog", "url": BASE}
    closing = Post(title="</script><!--", slug="x", body="a\n")
    assert "</script" not in json_ld(INFO, item(closing), 1).lower()


def test_json_ld_and_open_graph_leave_out_the_date_of_undated_posts():
    assert "datePublished" not in json.loads(json_ld(INFO, item(UNDATED), 1))
    assert not any(k == "article:published_time" for k, _ in open_graph(INFO, item(UNDATED)))


def test_open_graph_pairs():
    pairs = open_graph(INFO, item(DATED))
    assert pairs == [
        ("og:title", "Dated <b>& bold</b>"),
        ("og:type", "article"),
        ("og:url", BASE + "2015/08/25/dated/"),
        ("og:site_name", "Blog"),
        ("og:description", "Hello world."),
        ("og:locale", "en_GB"),
        ("article:published_time", "2015-08-25T00:00:00+01:00"),
        ("article:section", "Labour Party News"),
        ("article:section", "Local Democracy"),
    ]
