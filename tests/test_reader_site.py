"""The reader features as the built site shows them: chart against month pages, related posts,
source views, feed.json and posts.json against the posts, and the security policy of every page."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from conftest import ROOT, soup

from blogarchive import site as S
from blogarchive.build import BuildOptions, build

JSON_FEED_REQUIRED = ("version", "title", "items")


@pytest.fixture
def built(searchable_site):
    """(site folder, posts, config) of the real site with source views and search."""
    return searchable_site[:3]


def test_chart_counts_match_the_month_pages(built):
    out, posts, _ = built
    doc = soup(out / "archives/index.html")
    bars = doc.select("svg a")
    assert bars, "no linked bar in the activity chart"
    for bar in bars:
        label = bar.find("title").get_text()  # "August 2015: 10 posts"
        count = int(re.search(r": (\d+) posts?$", label).group(1))
        month = (out / "archives" / bar["href"]).resolve()
        listed = soup(month).select("article.entry")
        pages = sorted(month.parent.glob("page/*/index.html"))
        listed += [e for p in pages for e in soup(p).select("article.entry")]
        assert count == len(listed), label
    assert sum(
        int(re.search(r"(\d+) posts?$", b.find("title").get_text()).group(1)) for b in bars
    ) == sum(1 for p in posts if p.date)


def test_related_posts_are_at_most_five_never_the_post_and_deterministic(built, tmp_path):
    out, posts, config = built
    shown = {}
    for post in posts:
        doc = soup(out / S.post_path(post))
        links = [a["href"] for a in doc.select("nav.related a")]
        assert len(links) <= 5 and len(set(links)) == len(links)
        here = (out / S.post_path(post)).resolve()
        assert all((here.parent / href).resolve() != here for href in links), post.slug
        assert all((here.parent / href).resolve().is_file() for href in links)
        shown[post.slug] = links
    assert sum(1 for v in shown.values() if v) >= 25
    again = tmp_path / "again"
    build(ROOT / "posts", again, config, BuildOptions(jobs=3))
    for post in posts:
        assert [
            a["href"] for a in soup(again / S.post_path(post)).select("nav.related a")
        ] == shown[post.slug]


def test_each_post_links_its_source_view_which_shows_the_dump_lines(built):
    out, posts, _ = built
    for post in posts:
        doc = soup(out / S.post_path(post))
        link = doc.select_one(".provenance a")
        assert link is not None, post.slug
        source = (out / S.post_path(post)).parent / link["href"]
        text = soup(source.resolve()).get_text()
        assert post.title in text and all(s.file in text for s in post.sources)


def test_feed_json_has_the_json_feed_1_1_required_fields_and_the_rss_entries(built):
    out, posts, _ = built
    for feed in sorted(out.rglob("feed.json")):
        data = json.loads(feed.read_text("utf-8"))
        assert data["version"] == "https://jsonfeed.org/version/1.1"
        assert all(k in data for k in JSON_FEED_REQUIRED)
        for item in data["items"]:
            assert item["id"] and ("content_html" in item or "content_text" in item)
        rss = feedparser.parse(feed.with_name("feed.xml").read_bytes())
        assert [i["url"] for i in data["items"]] == [e.link for e in rss.entries]
    site = json.loads((out / "feed.json").read_text("utf-8"))
    undated = {
        S.absolute_url("https://archive.example.org/", S.post_path(p)) for p in posts if not p.date
    }
    assert all("date_published" not in i for i in site["items"] if i["url"] in undated)


def test_posts_json_lists_every_post_with_its_metadata(built):
    out, posts, _ = built
    data = json.loads((out / "posts.json").read_text("utf-8"))
    assert data["count"] == len(posts) == len(data["posts"])
    by_slug = {p.slug: p for p in posts}
    for record in data["posts"]:
        post = by_slug[record["slug"]]
        assert record["title"] == post.title and record["categories"] == list(post.categories)
        assert record["date"] == (post.date.isoformat() if post.date else None)
        assert [(s["file"], s["first"], s["last"]) for s in record["sources"]] == [
            (s.file, s.first, s.last) for s in post.sources
        ]


def test_every_page_forbids_inline_and_foreign_script(built):
    out, _, _ = built
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 60
    for page in pages:
        doc = soup(page)
        csp = doc.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1).split()
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, page
        assert set(script_src) <= {"'self'", "'wasm-unsafe-eval'"}, page
        if "'wasm-unsafe-eval'" in script_src:
            assert page.relative_to(out).as_posix() == "search/index.html"
        for tag in doc.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], (page, tag.name)
            for attr in ("href", "src", "action"):
                assert not str(tag.get(attr, "")).strip().lower().startswith("javascript:"), page
        for script in doc.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", page
