"""The built site from the committed posts, parsed with an HTML parser and checked against posts/."""
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup

from blogarchive import site as S
from blogarchive.builder import build, read_posts
from blogarchive.cli import main
from blogarchive.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = """---
title: "<script>alert(1)</script> {{ 7*7 }} & £ 😀 part 1 of 2"
slug: hostile
date: 2016-01-02
categories: ["<b>Bold</b> & co"]
comments: 3
excerpt: true
sources: []
---
<img src=x onerror=alert(1)> {% raw %} [x](javascript:alert(1)) <script>alert(2)</script>

![i](javascript:alert(3))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "site"
    build(ROOT / "posts", out, load_config(ROOT / "site.yaml"))
    return out


@pytest.fixture(scope="module")
def posts():
    return read_posts(ROOT / "posts", keep_going=False)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_every_post_has_a_page_in_wordpress_shape(built, posts):
    for post in posts:
        page = built / S.post_path(post)
        assert page.exists(), page
        doc = soup(page)
        assert doc.find("h1").get_text() == post.title
        assert len(doc.find_all("h1")) == 1
    assert (built / "2015/08/25/outsourcing-reality-part-ii-the-response/index.html").exists()
    assert (built / "undated/the-corbyn-insurgency/index.html").exists()


def test_undated_post_shows_its_bounds(built):
    doc = soup(built / "undated/the-labour-movements-post-election-battleground-part-i-of-ii/index.html")
    assert "Undated — between 8 September 2014 and 30 April 2015" in doc.select_one(".meta").get_text()


def test_category_counts_and_uncategorized(built, posts):
    doc = soup(built / "category/index.html")
    counts = {a.get_text(): int(re.search(r"\d+", a.find_next("span").get_text()).group())
              for a in doc.select("main li a")}
    expected = {}
    for p in posts:
        for c in p.categories or ("Uncategorized",):
            expected[c] = expected.get(c, 0) + 1
    assert counts == expected
    assert counts["Uncategorized"] == 9


def _listed(built: Path, first: str) -> list[str]:
    """Titles across every page of a paginated listing, following 'Older' links."""
    titles, page = [], built / first
    while True:
        doc = soup(page)
        titles += [a.get_text() for a in doc.select("article.entry h2 a")]
        older = doc.select_one('a[rel="next"]')
        if not older:
            return titles
        page = (page.parent / older["href"]).resolve()


def test_home_paginates_newest_first_and_reaches_every_post(built, posts):
    titles = _listed(built, "index.html")
    assert sorted(titles) == sorted(p.title for p in posts)
    assert titles[0] == "How I’ll vote in the Labour leadership election"
    assert len(list((built / "page").iterdir())) == 3          # 33 posts, 10 a page


def test_month_and_year_pages_match_posts(built, posts):
    months = {}
    for p in posts:
        if p.date:
            months.setdefault(p.date.strftime("%Y/%m"), []).append(p.title)
    for key, titles in months.items():
        assert sorted(_listed(built, f"{key}/index.html")) == sorted(titles)
    archive = " ".join(soup(built / "archives/index.html").get_text().split())
    assert f"August 2015 ({len(months['2015/08'])})" in archive


def test_prev_next_and_series_links(built):
    doc = soup(built / "2015/08/05/outsourcing-reality-part-i/index.html")
    series = [a.get_text() for a in doc.select(".series a")]
    assert series == ["Outsourcing reality (part II): the response"]
    assert doc.select_one('.prevnext a[rel="prev"]').get_text() == "Liz Kendall and the meanings of empowerment"
    assert doc.select_one('.prevnext a[rel="next"]').get_text() == "Corbyn’s Third Way"


def test_footnotes_and_teaser_notice(built):
    doc = soup(built / "2015/08/25/towards-associative-democracy/index.html")
    ref = doc.select_one('sup a[href="#fn:1"]')
    assert ref and doc.find(id="fn:1")
    teaser = soup(built / "undated/use-it-or-lose-it/index.html")
    assert "held only the opening" in teaser.select_one(".notice").get_text()


def test_no_broken_internal_links_or_fragments(built):
    pages = {p: soup(p) for p in built.rglob("*.html")}
    ids = {p: {t["id"] for t in d.find_all(id=True)} for p, d in pages.items()}
    for page, doc in pages.items():
        for tag in doc.find_all(["a", "link"], href=True):
            href = tag["href"]
            if urlparse(href).scheme:
                continue
            url = urlparse(urljoin(page.as_uri(), href))
            target = Path(unquote(url.path))
            assert target.exists(), (page, href)
            if url.fragment and target.suffix == ".html":
                assert url.fragment in ids[target], (page, href)


def test_hostile_post_injects_nothing(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "site"
    build(posts, out, Config())
    page = out / "2016/01/02/hostile/index.html"
    doc = soup(page)
    assert doc.find("h1").get_text() == "<script>alert(1)</script> {{ 7*7 }} & £ 😀 part 1 of 2"
    assert not doc.find("script") and not doc.select("[onerror]") and not doc.find("img")
    assert "javascript:" not in page.read_text(encoding="utf-8")
    body = doc.select_one(".body").get_text()
    assert "<img src=x onerror=alert(1)>" in body and "{% raw %}" in body
    assert doc.select_one(".categories a").get_text() == "<b>Bold</b> & co"


def test_byte_identical_across_builds_and_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "deeper" / "b"
    for out in (a, b):
        build(ROOT / "posts", out, load_config(ROOT / "site.yaml"))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_failed_build_leaves_previous_site(tmp_path, capsys):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "ok.md").write_text("---\ntitle: Fine\nslug: ok\n---\nText\n", encoding="utf-8")
    out = tmp_path / "site"
    assert main(["build", "--posts", str(posts), "--out", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (posts / "bad.md").write_text("---\ntitle: [unclosed\nslug: bad\n---\n", encoding="utf-8")
    (posts / "worse.md").write_text("---\ntitle: x\nslug: w\ndate: 2015-02-30\n---\n", encoding="utf-8")
    assert main(["build", "--posts", str(posts), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.md:3: bad YAML" in err and "worse.md:4: impossible date" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert main(["build", "--posts", str(posts), "--out", str(out), "--keep-going"]) == 0
    assert "skipped" in capsys.readouterr().err
    assert not list(tmp_path.glob(".site.*"))


def test_deleted_post_disappears_and_templates_override(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for slug in ("one", "two"):
        (posts / f"{slug}.md").write_text(f"---\ntitle: {slug}\nslug: {slug}\n---\nText\n", encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "404.html").write_text('{% extends "base.html" %}{% block content %}<h1>Gone</h1>{% endblock %}',
                                   encoding="utf-8")
    out = tmp_path / "site"
    assert main(["build", "--posts", str(posts), "--out", str(out), "--templates", str(mine)]) == 0
    assert soup(out / "404.html").find("h1").get_text() == "Gone"
    (posts / "two.md").unlink()
    assert main(["build", "--posts", str(posts), "--out", str(out)]) == 0
    assert (out / "undated/one/index.html").exists() and not (out / "undated/two").exists()


def test_bad_site_yaml_names_every_bad_key(tmp_path, capsys):
    cfg = tmp_path / "site.yaml"
    cfg.write_text("posts_per_page: zero\ntimezone: Mars/Base\ncolour: red\nauthor: ''\n", encoding="utf-8")
    assert main(["build", "--config", str(cfg), "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert all(k in err for k in ("posts_per_page", "timezone", "colour", "author")) and "Traceback" not in err


def test_sitemap_robots_and_feed_autodiscovery(built):
    sitemap = (built / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<loc>") == len([p for p in built.rglob("*.html") if p.name != "404.html"])
    assert "Sitemap:" in (built / "robots.txt").read_text(encoding="utf-8")
    doc = soup(built / "category/labour-party-news/index.html")
    feeds = {l["href"] for l in doc.select('link[rel="alternate"]')}
    assert {"../../feed.xml", "../../atom.xml", "feed.xml", "atom.xml"} <= feeds
    assert doc.select_one(".subscribe a")
