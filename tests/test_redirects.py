"""Old WordPress feed addresses keep working: the rule files the build writes for Netlify and
Cloudflare Pages, Apache and nginx, and `serve` answering the same rules."""

from __future__ import annotations

import http.client
import re
import threading

import feedparser
import pytest
from conftest import FIXTURE_CONFIG, FIXTURE_POSTS, read_posts

from blogarchive import site as S
from blogarchive.build import build
from blogarchive.redirects import redirect_files, resolve, rules
from blogarchive.server import make_server

BASE = "/blog/"  # FIXTURE_CONFIG's base_url is https://archive.example.org/blog/


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("redirects") / "site"
    build(FIXTURE_POSTS, out, FIXTURE_CONFIG)
    return out


def feed_files(site) -> set[str]:
    return {
        p.relative_to(site).as_posix()
        for p in site.rglob("*")
        if p.name in ("feed.xml", "atom.xml", "feed.json")
    }


def test_the_rules_files_for_a_small_site_whole():
    files = redirect_files(
        ["feed.xml", "atom.xml", "feed.json", "category/c/feed.xml", "category/c/feed.json"], "/"
    )
    assert (
        files["_redirects"]
        == """\
# Old WordPress feed addresses (written by blogarchive)
/comments/feed/ /404.html 410
/ feed=comments-rss2 /404.html 410
/ feed=rss /feed.xml 301
/ feed=rss2 /feed.xml 301
/ feed=rdf /feed.xml 301
/ feed=atom /atom.xml 301
/feed/ /feed.xml 301
/feed/rss/ /feed.xml 301
/feed/rss2/ /feed.xml 301
/feed/rdf/ /feed.xml 301
/feed/atom/ /atom.xml 301
/category/c/feed/ /category/c/feed.xml 301
/category/c/feed/rss/ /category/c/feed.xml 301
/category/c/feed/rss2/ /category/c/feed.xml 301
/category/c/feed/rdf/ /category/c/feed.xml 301
/category/c/feed/atom/ /category/c/feed.xml 301
"""
    )
    assert "RedirectMatch 301 ^/category/c/feed/atom/?$ /category/c/feed.xml" in files[".htaccess"]
    assert 'location ~ "^/feed/?$" { return 301 /feed.xml; }' in files["nginx-redirects.conf"]


def test_every_feed_folder_of_the_built_site_has_its_rules_under_the_base_path(site):
    categories = S.group(read_posts(FIXTURE_POSTS)).categories
    assert len(categories) > 2
    lines = (site / "_redirects").read_text("utf-8").splitlines()[1:]
    table = {tuple(line.split()[:-2]): (line.split()[-2], int(line.split()[-1])) for line in lines}
    for folder in ["", *(f"category/{c.slug}/" for c in categories)]:
        assert table[(f"{BASE}{folder}feed/",)] == (f"{BASE}{folder}feed.xml", 301)
        atom = "atom.xml" if (site / folder / "atom.xml").is_file() else "feed.xml"
        assert table[(f"{BASE}{folder}feed/atom/",)] == (f"{BASE}{folder}{atom}", 301)
    assert table[(f"{BASE}comments/feed/",)] == (f"{BASE}404.html", 410)
    assert table[(BASE, "feed=rss2")] == (f"{BASE}feed.xml", 301)
    for target, status in table.values():  # every target is a file of the site
        assert (site / target.removeprefix(BASE)).is_file()


@pytest.mark.parametrize("name", [".htaccess", "nginx-redirects.conf"])
def test_apache_and_nginx_patterns_match_exactly_the_old_addresses(site, name):
    """Each path rule's regular expression matches its address with and without the final
    '/', and no other rule's address (so /feed/ never swallows /feed/atom/)."""
    text = (site / name).read_text("utf-8")
    found = [r for r in rules(feed_files(site)) if not r.query]
    pairs = re.findall(r'RedirectMatch (?:301|gone) (\S+)|location ~ "([^"]+)"', text)
    patterns = [a or b for a, b in pairs]
    assert len(patterns) == len(found)
    for pattern, rule in zip(patterns, found):
        address = BASE + rule.path
        assert re.fullmatch(pattern, address) and re.fullmatch(pattern, address.rstrip("/"))
        assert not any(re.fullmatch(pattern, BASE + other.path) for other in found if other != rule)
        assert (
            f"{BASE}{rule.target}"
            if rule.target
            else ("gone" if name == ".htaccess" else "return 410")
        ) in text


def test_serve_resolves_what_the_files_say(site):
    """resolve (serve's view, from the files present) gives every rule written (and the same
    without the final '/'), and nothing for addresses that are not feeds of this site."""
    exists = lambda rel: (site / rel).is_file()  # noqa: E731
    for rule in rules(feed_files(site)):
        assert resolve(rule.path, rule.query, exists) == rule
        if rule.path:
            assert resolve(rule.path.rstrip("/"), rule.query, exists) == rule
    for path, query in [
        ("2014/feed/", ""),
        ("category/none/feed/", ""),
        ("", "feed=x"),
        ("category/", "feed=rss2"),
        ("myfeed/", ""),
        ("", ""),
    ]:
        assert resolve(path, query, exists) is None


@pytest.fixture(scope="module")
def port(site):
    server = make_server("127.0.0.1", 0, site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def test_serve_answers_old_feed_addresses_with_301_to_a_feed_feedparser_reads(port):
    for old, new in [
        ("/feed/", "/feed.xml"),
        ("/feed", "/feed.xml"),
        ("/feed/rss2/", "/feed.xml"),
        ("/feed/atom/", "/atom.xml"),
        ("/?feed=rss2", "/feed.xml"),
        ("/category/labour-party-news/feed/", "/category/labour-party-news/feed.xml"),
    ]:
        response = get(port, old)
        assert (response.status, response.getheader("Location")) == (301, new), old
        target = get(port, new)
        assert target.status == 200
        parsed = feedparser.parse(target.body)
        assert not parsed.bozo and parsed.entries and parsed.version in ("rss20", "atom10")
    assert get(port, "/comments/feed/").status == 410
    assert get(port, "/?feed=comments-rss2").status == 410
    assert get(port, "/2014/feed/").status == 404
    assert get(port, "/").status == 200 and get(port, "/?utm_source=x").status == 200
