"""Every feed of the built site read by feedparser, a real feed client."""

from pathlib import Path

import feedparser
import pytest

from blogarchive.build import build
from blogarchive.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://archive.example.org/blog/"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("s") / "site"
    build(ROOT / "posts", out, load_config(ROOT / "site.yaml", base_url=BASE))
    return out


def all_feeds(site):
    return sorted(site.glob("feed.xml")) + sorted(site.glob("category/*/feed.xml"))


def test_every_feed_parses_cleanly_with_right_entries(site):
    assert len(all_feeds(site)) == 5
    for rss in all_feeds(site):
        atom = rss.with_name("atom.xml")
        if not atom.exists():  # no dated post there (checked below)
            atom = rss
        r, a = feedparser.parse(rss.read_bytes()), feedparser.parse(atom.read_bytes())
        assert r.bozo == 0 and a.bozo == 0, (rss, r.get("bozo_exception"), a.get("bozo_exception"))
        for feed in (r, a):
            ids = [e.id for e in feed.entries]
            assert len(ids) == len(set(ids))
            for e in feed.entries:
                assert e.title and e.link.startswith(BASE) and e.id and e.content[0].value
        dated = [e for e in r.entries if e.get("published_parsed")]
        assert [e.published_parsed for e in dated] == sorted(
            (e.published_parsed for e in dated), reverse=True
        )
        if atom != rss:
            assert len(a.entries) == len(dated)  # Atom leaves undated posts out
        self_link = [link for link in r.feed.links if link.rel == "self"][0].href
        assert self_link == BASE + rss.relative_to(site).as_posix()
    home = feedparser.parse((site / "feed.xml").read_bytes())
    assert len(home.entries) == 33
    assert home.entries[0].title == "How I’ll vote in the Labour leadership election"


def test_undated_posts_state_their_bounds_and_have_no_date(site):
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if e.title.startswith("The labour movement’s"))
    assert "published_parsed" not in entry
    assert entry.summary.startswith("Undated — between 8 September 2014 and 30 April 2015")


def test_feeds_are_byte_identical_across_builds_and_folders(tmp_path, site):
    other = tmp_path / "x" / "site"
    build(ROOT / "posts", other, load_config(ROOT / "site.yaml", base_url=BASE))
    for rss in all_feeds(site):
        for name in ("feed.xml", "atom.xml"):
            rel = rss.with_name(name).relative_to(site)
            assert (other / rel).exists() == (site / rel).exists()
            if not (site / rel).exists():
                continue
            assert (other / rel).read_bytes() == (site / rel).read_bytes()


def test_limit_keeps_newest(tmp_path):
    out = tmp_path / "site"
    build(ROOT / "posts", out, Config(feed_limit=5, base_url=BASE))
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert len(feed.entries) == 5 and feed.entries[0].title.startswith("How I’ll vote")


def test_no_atom_feed_is_written_or_linked_where_no_post_is_dated(site):
    """category/uncategorized/ holds only undated posts: RSS without a lastBuildDate, no Atom."""
    from bs4 import BeautifulSoup
    from lxml import etree

    folder = site / "category" / "uncategorized"
    posts = feedparser.parse((folder / "feed.xml").read_bytes()).entries
    assert posts and not any(e.get("published_parsed") for e in posts)
    assert etree.parse(str(folder / "feed.xml")).find("channel/lastBuildDate") is None
    assert not (folder / "atom.xml").exists() and (folder / "feed.json").exists()
    for page in [folder / "index.html", *folder.glob("page/*/index.html")]:
        doc = BeautifulSoup(page.read_text("utf-8"), "html.parser")
        hrefs = {a["href"] for a in doc.select('link[rel="alternate"], .subscribe a')}
        assert {"feed.xml", "feed.json", "../../atom.xml"} <= hrefs, page
        assert "atom.xml" not in hrefs, page
    # every category with a dated post keeps its Atom feed, linked from its page
    for rss in site.glob("category/*/feed.xml"):
        dated = any(e.get("published_parsed") for e in feedparser.parse(rss.read_bytes()).entries)
        assert rss.with_name("atom.xml").exists() == dated, rss
        linked = 'href="atom.xml"' in rss.with_name("index.html").read_text("utf-8")
        assert linked == dated, rss


def test_a_site_without_one_dated_post_has_no_atom_feed_at_all(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for src in ROOT.glob("posts/*.md"):
        if "\ndate:" not in src.read_text("utf-8"):
            (posts / src.name).write_bytes(src.read_bytes())
    out = tmp_path / "site"
    build(posts, out, Config(base_url=BASE))
    assert list(out.rglob("feed.xml")) and not list(out.rglob("atom.xml"))
    assert not any("atom" in p.read_text("utf-8") for p in out.rglob("*.html"))
