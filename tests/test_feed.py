"""feed.py: RSS and Atom read back by feedparser, the client readers actually use."""

from __future__ import annotations

import datetime as dt
import random
import time
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree

from blogarchive.feed import FeedInfo, FeedItem, absolutize, atom_xml, rss_xml
from blogarchive.post import Post

SITE = "https://example.org/blog/"
HOSTILE = 'Tom & Jerry <script>alert(1)</script> "quotes" ‘curly’ £ 😀 ]]>'
CONTROL = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe"
ATOM = "{http://www.w3.org/2005/Atom}"


def info(**changes) -> FeedInfo:
    fields = dict(
        title="Archive & <Co>",
        description="Posts — recovered",
        author="Ann Example",
        language="en-GB",
        site_url=SITE,
        feed_url=SITE + "feed.xml",
        timezone="Europe/London",
        limit=None,
    )
    return FeedInfo(**{**fields, **changes})


def item(post: Post, html: str = "", summary: str = "") -> FeedItem:
    return FeedItem(
        post,
        f"{SITE}{post.slug}/",
        html or f"<p>Body of {post.slug}.</p>",
        summary or f"Summary of {post.slug}.",
    )


# Feed order, newest first: undated posts sit at their date_before (else date_after) bound,
# posts with no bound at all come last, ordered by title.
NEWEST = item(
    Post("Newest post", "newest", date=dt.date(2015, 8, 25), categories=("Labour Party News",))
)
HOSTILE_ITEM = item(
    Post(
        HOSTILE[:12] + "\x00" + HOSTILE[12:] + CONTROL,
        "hostile",
        date=dt.date(2015, 6, 1),
        categories=("Local & <Democracy>",),
    ),
    html=f'<p>{CONTROL}£ 😀 &amp; &lt;tag&gt; ]]&gt; <a href="{SITE}x/">x</a></p>',
    summary=f"Tom & Jerry ]]> {CONTROL}£",
)
BETWEEN = item(
    Post(
        "Undated between",
        "undated-between",
        date_after=dt.date(2014, 9, 8),
        date_before=dt.date(2015, 4, 30),
    )
)
MIDDLE = item(Post("Middle post", "middle", date=dt.date(2015, 1, 10), categories=()))
AFTER_ONLY = item(Post("Undated after", "undated-after", date_after=dt.date(2013, 5, 2)))
OLDEST = item(Post("Oldest post", "oldest", date=dt.date(2013, 3, 1)))
NO_BOUNDS_A = item(Post("A undated, no bounds", "no-bounds-a"))
NO_BOUNDS_B = item(Post("B undated, no bounds", "no-bounds-b"))
ITEMS = [NEWEST, HOSTILE_ITEM, BETWEEN, MIDDLE, AFTER_ONLY, OLDEST, NO_BOUNDS_A, NO_BOUNDS_B]
DATED = [i for i in ITEMS if i.post.date]


def shuffled(items):
    return random.Random(2015).sample(items, len(items))


def urls(parsed) -> list[str]:
    return [e.link for e in parsed.entries]


def utc_struct(day: dt.date, zone: str = "Europe/London") -> tuple:
    return time.gmtime(dt.datetime.combine(day, dt.time(), ZoneInfo(zone)).timestamp())[:6]


@pytest.fixture(scope="module")
def rss():
    return feedparser.parse(rss_xml(info(), ITEMS))


@pytest.fixture(scope="module")
def atom():
    return feedparser.parse(atom_xml(info(feed_url=SITE + "atom.xml"), ITEMS))


def test_shuffled_helper_is_a_permutation():
    assert sorted(i.url for i in shuffled(ITEMS)) == sorted(i.url for i in ITEMS)
    assert shuffled(ITEMS) != ITEMS


def test_both_feeds_are_well_formed_for_feedparser(rss, atom):
    assert rss.bozo == 0, rss.get("bozo_exception")
    assert atom.bozo == 0, atom.get("bozo_exception")
    assert rss.version == "rss20" and atom.version == "atom10"


def test_rss_has_every_post_newest_first_undated_at_their_bounds(rss):
    assert urls(rss) == [i.url for i in ITEMS]


def test_atom_has_only_dated_posts_newest_first(atom):
    assert urls(atom) == [i.url for i in DATED]


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_every_entry_has_title_link_id_content_and_author(feed, request):
    parsed = request.getfixturevalue(feed)
    for entry in parsed.entries:
        assert entry.title and entry.link and entry.id and entry.author == "Ann Example"
        assert entry.content[0].value and entry.content[0].type == "text/html"
        assert entry.summary


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_ids_are_the_permalinks_and_unique(feed, request):
    parsed = request.getfixturevalue(feed)
    ids = [e.id for e in parsed.entries]
    assert ids == urls(parsed)
    assert len(set(ids)) == len(ids)


def test_rss_guid_is_a_permalink():
    root = etree.fromstring(rss_xml(info(), ITEMS))
    guids = root.findall("channel/item/guid")
    assert len(guids) == len(ITEMS)
    assert {g.get("isPermaLink") for g in guids} == {"true"}


def test_rss_dates_only_where_the_post_has_one(rss):
    for entry, source in zip(rss.entries, ITEMS):
        if source.post.date:
            assert entry.published_parsed[:6] == utc_struct(source.post.date)
        else:
            assert "published" not in entry and "published_parsed" not in entry
            assert "updated" not in entry


def test_atom_dates_are_the_post_dates(atom):
    for entry, source in zip(atom.entries, DATED):
        assert entry.published_parsed[:6] == utc_struct(source.post.date)
        assert entry.updated_parsed[:6] == utc_struct(source.post.date)


def test_dates_are_midnight_in_the_site_time_zone_with_explicit_offset():
    rss_text = rss_xml(info(), [NEWEST, OLDEST]).decode()
    atom_text = atom_xml(info(), [NEWEST, OLDEST]).decode()
    assert "<pubDate>Tue, 25 Aug 2015 00:00:00 +0100</pubDate>" in rss_text  # BST
    assert "<pubDate>Fri, 01 Mar 2013 00:00:00 +0000</pubDate>" in rss_text  # GMT
    assert "<published>2015-08-25T00:00:00+01:00</published>" in atom_text
    assert "<updated>2013-03-01T00:00:00+00:00</updated>" in atom_text
    utc = atom_xml(info(timezone="UTC"), [NEWEST]).decode()
    assert "<updated>2015-08-25T00:00:00+00:00</updated>" in utc


def test_rss_self_link_and_site_link(rss, atom):
    assert {"rel": "self", "href": SITE + "feed.xml"}.items() <= next(
        link for link in rss.feed.links if link.rel == "self"
    ).items()
    assert rss.feed.link == SITE
    assert next(link.href for link in atom.feed.links if link.rel == "self") == SITE + "atom.xml"
    assert atom.feed.link == SITE and atom.feed.id == SITE + "atom.xml"


@pytest.mark.parametrize("feed", ["rss", "atom"])
def test_hostile_text_round_trips_minus_illegal_characters(feed, request):
    parsed = request.getfixturevalue(feed)
    entry = next(e for e in parsed.entries if e.link == HOSTILE_ITEM.url)
    assert entry.title == HOSTILE
    assert [t.term for t in entry.tags] == ["Local & <Democracy>"]
    assert "£ 😀 &amp; &lt;tag&gt; ]]&gt;" in entry.content[0].value
    assert entry.summary == "Tom & Jerry ]]> £"
    assert parsed.feed.title == "Archive & <Co>"


@pytest.mark.parametrize("make", [rss_xml, atom_xml])
def test_output_is_valid_utf8_xml_without_illegal_characters(make):
    data = make(info(), ITEMS)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    text = data.decode("utf-8")
    assert not any(c in text for c in CONTROL)
    etree.fromstring(data)  # lxml's parser is strict about well-formedness


def test_categories_as_given_and_none_for_empty(rss):
    by_link = {e.link: e for e in rss.entries}
    assert [t.term for t in by_link[NEWEST.url].tags] == ["Labour Party News"]
    assert "tags" not in by_link[MIDDLE.url]


@pytest.mark.parametrize("make", [rss_xml, atom_xml])
def test_byte_identical_for_repeat_calls_and_any_input_order(make):
    first = make(info(), ITEMS)
    assert make(info(), ITEMS) == first
    assert make(info(), shuffled(ITEMS)) == first
    assert make(info(), list(reversed(ITEMS))) == first


def test_no_clock_every_date_in_the_output_comes_from_a_post():
    post_days = {i.post.date.isoformat() for i in DATED}
    root = etree.fromstring(atom_xml(info(), ITEMS))
    stamps = [e.text for e in root.iter(f"{ATOM}updated", f"{ATOM}published")]
    assert len(stamps) == 1 + 2 * len(DATED)
    assert {s[:10] for s in stamps} <= post_days
    rss_root = etree.fromstring(rss_xml(info(), ITEMS))
    assert rss_root.findtext("channel/lastBuildDate") == "Tue, 25 Aug 2015 00:00:00 +0100"


def test_feed_level_date_is_the_newest_post_date(rss, atom):
    newest = utc_struct(NEWEST.post.date)
    assert rss.feed.updated_parsed[:6] == newest  # lastBuildDate
    assert atom.feed.updated_parsed[:6] == newest


def test_without_dated_posts_no_date_is_invented():
    undated = [BETWEEN, AFTER_ONLY, NO_BOUNDS_A]
    for items in (undated, [NO_BOUNDS_A], []):
        with pytest.raises(ValueError, match="Atom feed needs a dated post"):
            atom_xml(info(), items)
        rss_root = etree.fromstring(rss_xml(info(), items))
        assert rss_root.find("channel/lastBuildDate") is None
        assert len(rss_root.findall("channel/item")) == len(items)
        assert b"1970" not in rss_xml(info(), items)
    # one dated post among them: both feeds are dated by it, and by nothing else
    rss_root = etree.fromstring(rss_xml(info(), [*undated, OLDEST]))
    assert rss_root.findtext("channel/lastBuildDate") == "Fri, 01 Mar 2013 00:00:00 +0000"
    assert (
        etree.fromstring(atom_xml(info(), [*undated, OLDEST])).findtext(f"{ATOM}updated")
        == "2013-03-01T00:00:00+00:00"
    )


def test_undated_rss_descriptions_state_the_bounds(rss):
    by_link = {e.link: e.summary for e in rss.entries}
    assert by_link[BETWEEN.url] == (
        "Undated — between 8 September 2014 and 30 April 2015. Summary of undated-between."
    )
    assert by_link[AFTER_ONLY.url] == "Undated — after 2 May 2013. Summary of undated-after."
    assert by_link[NO_BOUNDS_A.url] == "Undated. Summary of no-bounds-a."
    assert by_link[NEWEST.url] == "Summary of newest."
    before_only = item(Post("Before", "before-only", date_before=dt.date(2016, 1, 1)))
    only = feedparser.parse(rss_xml(info(), [before_only])).entries[0]
    assert only.summary == "Undated — before 1 January 2016. Summary of before-only."


def test_empty_summary_keeps_content_encoded():
    bare = FeedItem(Post("Bare", "bare", date=dt.date(2015, 1, 1)), SITE + "bare/", "<p>x</p>", "")
    entry = feedparser.parse(rss_xml(info(), [bare])).entries[0]
    assert entry.content[0].value == "<p>x</p>" and entry.summary == "Bare"


@pytest.mark.parametrize("limit, rss_count, atom_count", [(1, 1, 1), (3, 3, 3), (100, 8, 4)])
def test_limit_keeps_the_newest_entries_of_each_feed(limit, rss_count, atom_count):
    rss_entries = feedparser.parse(rss_xml(info(limit=limit), shuffled(ITEMS))).entries
    atom_entries = feedparser.parse(atom_xml(info(limit=limit), shuffled(ITEMS))).entries
    assert [e.link for e in rss_entries] == [i.url for i in ITEMS][:rss_count]
    assert [e.link for e in atom_entries] == [i.url for i in DATED][:atom_count]


def test_limit_does_not_change_the_feed_date():
    root = etree.fromstring(rss_xml(info(limit=1), [OLDEST, NEWEST]))
    assert root.findtext("channel/lastBuildDate") == "Tue, 25 Aug 2015 00:00:00 +0100"


@pytest.mark.parametrize(
    "field", ["title", "description", "author", "site_url", "feed_url", "timezone"]
)
@pytest.mark.parametrize("make", [rss_xml, atom_xml])
def test_missing_channel_field_is_named(make, field):
    with pytest.raises(ValueError, match=rf"FeedInfo\.{field} is missing"):
        make(info(**{field: " \x00"}), ITEMS)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"timezone": "Mars/Olympus"}, "unknown IANA time zone 'Mars/Olympus'"),
        ({"site_url": "/blog/"}, "site_url must be an absolute http"),
        ({"site_url": "https://example.org/blog"}, "site_url must end with '/'"),
        ({"feed_url": "feed.xml"}, "feed_url must be an absolute http"),
        ({"limit": 0}, "limit must be a positive whole number"),
    ],
)
def test_bad_channel_fields_are_reported(changes, message):
    with pytest.raises(ValueError, match=message):
        rss_xml(info(**changes), ITEMS)


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValueError) as caught:
        atom_xml(info(title="", author="", timezone="Nowhere/Here"), ITEMS)
    assert all(word in str(caught.value) for word in ("title", "author", "Nowhere/Here"))


def test_items_need_unique_absolute_urls():
    twin = FeedItem(Post("Twin", "twin", date=dt.date(2015, 1, 1)), NEWEST.url, "<p/>", "s")
    with pytest.raises(ValueError, match="'newest' and 'twin' share the url"):
        rss_xml(info(), [NEWEST, twin])
    relative = FeedItem(Post("Rel", "rel", date=dt.date(2015, 1, 1)), "rel/", "<p/>", "s")
    with pytest.raises(ValueError, match="post 'rel': url must be absolute"):
        atom_xml(info(), [relative])


PAGE = "https://example.org/blog/2015/08/post/"


@pytest.mark.parametrize(
    "html, expected",
    [
        ('<a href="../x/">x</a>', '<a href="https://example.org/blog/2015/08/x/">x</a>'),
        (
            '<img src="a.png" alt="a">',
            '<img src="https://example.org/blog/2015/08/post/a.png" alt="a">',
        ),
        (
            '<sup id="fnref:1"><a class="footnote-ref" href="#fn:1">1</a></sup>',
            f'<sup id="fnref:1"><a class="footnote-ref" href="{PAGE}#fn:1">1</a></sup>',
        ),
        ('<a href="/about/">a</a>', '<a href="https://example.org/about/">a</a>'),
        (
            "<a title='x > y' href='q?a=1&amp;b=2'>q</a>",
            f"<a title='x > y' href=\"{PAGE}q?a=1&amp;b=2\">q</a>",
        ),
        ('<IMG SRC="b.png"/>', f'<IMG SRC="{PAGE}b.png"/>'),
    ],
)
def test_absolutize_rewrites_relative_links(html, expected):
    assert absolutize(html, PAGE) == expected


@pytest.mark.parametrize(
    "html",
    [
        '<a href="https://other.example/x/">x</a>',
        '<a href="mailto:someone@example.org">mail</a>',
        '<img src="data:image/png;base64,AAAA">',
        '<a title="href=&quot;x&quot;" data-x=\'src="y"\'>no link</a>',
        '<p>Text mentioning href="x.html" and &lt;a href="y"&gt;</p>',
        '<a id="fn:1" class="anchor">no href</a>',
    ],
)
def test_absolutize_leaves_absolute_links_and_text_alone(html):
    assert absolutize(html, PAGE) == html


def test_absolutize_is_idempotent_and_needs_an_absolute_page_url():
    once = absolutize('<a href="../x/">x</a><a href="#fn:2">2</a>', PAGE)
    assert absolutize(once, PAGE) == once
    with pytest.raises(ValueError, match="page_url must be an absolute"):
        absolutize('<a href="x">x</a>', "/blog/post/")
