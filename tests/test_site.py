"""Built sites (the fixture posts and the real posts/), parsed with an HTML parser and checked
against the posts."""

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest
from conftest import FIXTURE_POSTS, REAL_POSTS, ROOT, soup

from blogarchive import site as S
from blogarchive.build import build
from blogarchive.build.output import Output
from blogarchive.cli import main
from blogarchive.config import Config, load_config
from blogarchive.errors import OutputError


@pytest.fixture(params=["fixture_site", "real_site"])
def any_site(request):
    """Each invariant below holds for the hand-made fixtures and for the real posts."""
    return request.getfixturevalue(request.param)


def listed(site: Path, first: str) -> list[str]:
    """Post titles across every page of a paginated listing, following its 'Older' links."""
    titles, page = [], site / first
    while True:
        doc = soup(page)
        titles += [a.get_text() for a in doc.select("article.entry h2 a")]
        older = doc.select_one('.pager a[rel="next"]')
        if not older:
            return titles
        page = (page.parent / older["href"]).resolve()


def expected_categories(posts) -> dict[str, set[str]]:
    """slug -> titles, straight from the posts (empty categories mean Uncategorized)."""
    out: dict[str, set[str]] = {}
    for post in posts:
        for name in post.categories or ("Uncategorized",):
            out.setdefault(S.category_slug(name), set()).add(post.title)
    return out


# --- invariants, on both sites -------------------------------------------------------------


def test_every_post_page_has_its_title_as_the_only_h1(any_site):
    site, posts, _ = any_site
    for post in posts:
        doc = soup(site / S.post_path(post))
        assert [h.get_text() for h in doc.find_all("h1")] == [post.title]
    for page in site.rglob("*.html"):
        doc = soup(page)
        assert len(doc.find_all("h1")) == 1, page
        assert doc.html["lang"] and doc.find("main") and doc.find("nav") and doc.find("footer")
        assert doc.select_one('a.skip[href="#content"]') and doc.find(id="content")


def test_home_pagination_reaches_every_post_newest_first(any_site):
    site, posts, config = any_site
    titles = listed(site, "index.html")
    assert titles == [p.title for p in S.newest_first(posts)]
    assert len(list((site / "page").iterdir())) == -(-len(posts) // config.posts_per_page) - 1


def test_category_pages_and_index_match_the_posts(any_site):
    site, posts, _ = any_site
    expected = expected_categories(posts)
    index = soup(site / "category/index.html")
    counts = {
        a["href"].split("/")[0]: int(re.search(r"\d+", li.select_one(".count").get_text()).group())
        for li in index.select("main li")
        for a in [li.find("a")]
    }
    assert counts == {slug: len(titles) for slug, titles in expected.items()}
    for slug, titles in expected.items():
        assert sorted(listed(site, f"category/{slug}/index.html")) == sorted(titles)


def test_year_month_and_archive_pages_match_the_posts(any_site):
    site, posts, _ = any_site
    months: dict[str, list[str]] = {}
    for p in posts:
        if p.date:
            months.setdefault(p.date.strftime("%Y/%m"), []).append(p.title)
    for key, titles in months.items():
        assert sorted(listed(site, f"{key}/index.html")) == sorted(titles)
    for year in {k[:4] for k in months}:
        assert sorted(listed(site, f"{year}/index.html")) == sorted(
            t for k, ts in months.items() if k.startswith(year) for t in ts
        )
    archive = " ".join(soup(site / "archives/index.html").get_text().split())
    for key, titles in months.items():
        name = dt.date(int(key[:4]), int(key[5:]), 1).strftime("%B %Y")
        assert f"{name} ({len(titles)})" in archive


def test_undated_page_lists_exactly_the_undated_posts(any_site):
    site, posts, _ = any_site
    assert sorted(listed(site, "undated/index.html")) == sorted(
        p.title for p in posts if not p.date
    )


def test_no_broken_internal_link_or_fragment(any_site):
    site, _, config = any_site
    pages = {p: soup(p) for p in site.rglob("*.html")}
    ids = {p: {t["id"] for t in d.find_all(id=True)} for p, d in pages.items()}
    root = urlparse(config.site_url).path
    for page, doc in pages.items():
        for tag in doc.find_all(["a", "link", "img"]):
            href = tag.get("href") or tag.get("src")
            if href is None or urlparse(href).scheme:
                continue
            if page.name == "404.html" and not href.startswith(
                "#"
            ):  # shown at any depth, so it links from the root path
                assert href.startswith(root), href
                href = href[len(root) :] + ("index.html" if href.endswith("/") else "")
            url = urlparse(urljoin(page.as_uri(), href))
            target = Path(unquote(url.path))
            assert target.is_file(), (page, href)
            if url.fragment and target.suffix == ".html":
                assert url.fragment in ids[target], (page, href)


def test_every_page_links_its_feeds_and_offers_a_subscribe_link(any_site):
    site, _, _ = any_site
    for page in site.rglob("*.html"):
        doc = soup(page)
        types = {link["type"] for link in doc.select('link[rel="alternate"]')}
        assert types == {"application/rss+xml", "application/atom+xml", "application/feed+json"}, (
            page
        )
        assert doc.select(".subscribe a")
    doc = soup(site / "category/labour-party-news/index.html")
    feeds = {link["href"] for link in doc.select('link[rel="alternate"]')}
    assert {"../../feed.xml", "../../atom.xml", "feed.xml", "atom.xml"} <= feeds


def test_sitemap_and_robots(any_site):
    site, _, config = any_site
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert sitemap.count("<loc>") == len([p for p in site.rglob("*.html") if p.name != "404.html"])
    assert f"<loc>{config.site_url}2015/08/</loc>" in sitemap
    assert f"Sitemap: {config.site_url}sitemap.xml" in (site / "robots.txt").read_text(
        encoding="utf-8"
    )


def test_canonical_links_use_base_url(any_site):
    site, posts, config = any_site
    post = S.newest_first(posts)[0]
    doc = soup(site / S.post_path(post))
    assert (
        doc.select_one('link[rel="canonical"]')["href"] == config.site_url + S.post_path(post)[:-10]
    )


# --- the fixture posts: one case each --------------------------------------------------------


def test_category_identity_is_by_slug_in_the_commonest_spelling(fixture_site):
    site, _, _ = fixture_site
    names = [a.get_text() for a in soup(site / "category/index.html").select("main li a")]
    assert "Local Democracy" in names and "Local democracy" not in names
    assert "Uncategorized" in names
    assert len(listed(site, "category/local-democracy/index.html")) == 4


def test_category_pages_paginate(fixture_site):
    site, _, _ = fixture_site
    assert (site / "category/general-politics/page/2/index.html").is_file()
    doc = soup(site / "category/general-politics/page/2/index.html")
    assert doc.select_one('.pager a[rel="prev"]')["href"] == "../../index.html"
    assert "Page 2 of 2" in doc.select_one(".intro").get_text()


@pytest.mark.parametrize(
    "slug, label",
    [
        (
            "the-labour-movements-post-election-battleground-part-i-of-ii",
            "Undated — between 8 September 2014 and 30 April 2015",
        ),
        ("use-it-or-lose-it", "Undated — after 1 March 2016"),
        ("an-early-note", "Undated — before 1 May 2013"),
        ("a-fragment-with-no-date-at-all", "Undated"),
    ],
)
def test_undated_posts_show_their_bounds(fixture_site, slug, label):
    site, _, _ = fixture_site
    meta = soup(site / f"undated/{slug}/index.html").select_one(".meta").get_text()
    assert meta.startswith(label) and "1970" not in meta


def test_undated_page_names_the_source_of_a_post_without_bounds(fixture_site):
    site, _, _ = fixture_site
    text = " ".join(soup(site / "undated/index.html").get_text().split())
    assert "Found in 005_fixture.txt, lines 100–120" in text


@pytest.mark.parametrize(
    "slug, parts",
    [
        (
            "2015/06/08/reflections-on-rotherham-part-2-of-3",
            [
                "Reflections on Rotherham: part 1 of 3",
                "Reflections on Rotherham: part 2 of 3",
                "Reflections on Rotherham – Part 3 of 3",
            ],
        ),
        (
            "2015/08/05/outsourcing-reality-part-i",
            ["Outsourcing reality (part I)", "Outsourcing reality (part II): the response"],
        ),
        (
            "undated/the-labour-movements-post-election-battleground-part-i-of-ii",
            [
                "The labour movement’s post-election battleground: Part I of II",
                "The labour movement's post-election battleground part 2",
            ],
        ),
    ],
)
def test_series_link_every_part_in_order(fixture_site, slug, parts):
    site, _, _ = fixture_site
    doc = soup(site / slug / "index.html")
    assert [li.get_text() for li in doc.select(".series li")] == parts
    assert doc.select_one('.series [aria-current="page"]')
    for a in doc.select(".series a"):
        assert (site / slug / a["href"]).resolve().is_file()


def test_prev_next_follow_date_order(fixture_site):
    site, _, _ = fixture_site
    doc = soup(site / "2015/08/05/outsourcing-reality-part-i/index.html")
    assert (
        doc.select_one('.prevnext a[rel="prev"]').get_text()
        == "Outsourcing reality (part II): the response"
    )
    assert doc.select_one('.prevnext a[rel="next"]').get_text() == "Participatory budgets"


def test_post_page_details(fixture_site):
    site, _, _ = fixture_site
    doc = soup(site / "2015/08/25/towards-associative-democracy/index.html")
    assert doc.select_one('sup a[href="#fn:1"]') and doc.find(id="fn:1")
    assert doc.select_one(".body br")  # nl2br
    assert "2 comments" in doc.select_one(".meta").get_text()
    assert [a.get_text() for a in doc.select(".categories a")] == ["Labour Party News"]
    assert "001_fixture.txt lines 10–40" in doc.select_one(".provenance").get_text()
    assert not doc.select(".notice")
    teaser = soup(site / "undated/use-it-or-lose-it/index.html")
    assert "held only the opening" in teaser.select_one(".notice").get_text()


def test_home_entries_show_date_categories_and_summary(fixture_site):
    site, _, _ = fixture_site
    entry = soup(site / "index.html").select("article.entry")[0]
    assert entry.find("time")["datetime"] == "2016-03-17"
    assert entry.select_one(".meta a").get_text() == "Uncategorized"
    assert entry.select_one(".summary").get_text() == "The budget."


def test_hostile_post_shows_as_text_and_injects_nothing(fixture_site):
    site, _, _ = fixture_site
    page = site / "2016/01/02/hostile/index.html"
    html, doc = page.read_text(encoding="utf-8"), soup(page)
    assert doc.find("h1").get_text() == "<script>alert(1)</script> {{ 7*7 }} & £ 😀"
    scripts = doc.find_all("script")  # only the JSON-LD data block, which no text can close
    assert [s.get("type") for s in scripts] == ["application/ld+json"] and "<" not in scripts[
        0
    ].string
    assert json.loads(scripts[0].string)["headline"] == "<script>alert(1)</script> {{ 7*7 }} & £ 😀"
    assert not doc.find("img") and not doc.select("[onerror], [onclick]")
    assert "javascript" not in html.lower()
    body = doc.select_one(".body").get_text()
    assert "<img src=x onerror=alert(1)>" in body and "{% raw %} {{ 7*7 }} & £ 😀" in body
    assert '<div onclick="alert(4)">block</div>' in body
    assert [a.get_text() for a in doc.select(".categories a")] == ["<b>Bold</b> & co", "{{ 7*7 }}"]
    assert "<evil>.txt" in doc.select_one(".provenance").get_text()
    for listing in ("index.html", "category/7-7/index.html", "2016/01/index.html"):
        doc = soup(site / listing)
        assert not doc.find("script") and "<script>alert(1)</script>" in doc.get_text()


def test_404_page_links_from_the_site_root(fixture_site):
    site, _, config = fixture_site
    doc = soup(site / "404.html")
    assert doc.select_one('link[rel="stylesheet"]')["href"] == "/blog/static/style.css"
    assert doc.select_one(".site-title a")["href"] == "/blog/"


# --- builds ------------------------------------------------------------------------------------


def test_byte_identical_across_builds_and_folders(tmp_path):
    for posts in [p for p in (FIXTURE_POSTS, REAL_POSTS) if list(p.glob("*.md"))]:
        a, b = tmp_path / posts.name / "a", tmp_path / posts.name / "deeper" / "b"
        for out in (a, b):
            build(posts, out, load_config(ROOT / "site.yaml"))
        files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
        assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_failed_build_leaves_previous_site_and_keep_going_skips(tmp_path, capsys):
    posts = tmp_path / "posts"
    shutil.copytree(FIXTURE_POSTS, posts)
    out = tmp_path / "site"
    assert (
        main(
            ["build", "--cache", str(tmp_path / "cache"), "--posts", str(posts), "--out", str(out)]
        )
        == 0
    )
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (posts / "bad.md").write_text("---\ntitle: [unclosed\nslug: bad\n---\n", encoding="utf-8")
    (posts / "worse.md").write_text(
        "---\ntitle: x\nslug: w\ndate: 2015-02-30\n---\n", encoding="utf-8"
    )
    assert (
        main(
            ["build", "--cache", str(tmp_path / "cache"), "--posts", str(posts), "--out", str(out)]
        )
        == 1
    )
    err = capsys.readouterr().err
    assert (
        "bad.md:3: bad YAML" in err
        and "worse.md:4: impossible date" in err
        and "Traceback" not in err
    )
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert (
        main(
            [
                "build",
                "--cache",
                str(tmp_path / "cache"),
                "--posts",
                str(posts),
                "--out",
                str(out),
                "--keep-going",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "skipped" in err and "bad.md" in err and "worse.md" in err
    assert (out / "2015/08/25/towards-associative-democracy/index.html").is_file()
    assert [p.name for p in tmp_path.glob(".site.*")] == [".site.previous"]  # the spare only


def test_deleted_post_disappears_and_templates_override(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    for slug in ("one", "two"):
        (posts / f"{slug}.md").write_text(
            f"---\ntitle: {slug}\nslug: {slug}\n---\nText\n", encoding="utf-8"
        )
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "404.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>Gone</h1>{% endblock %}', encoding="utf-8"
    )
    out = tmp_path / "site"
    assert (
        main(
            [
                "build",
                "--cache",
                str(tmp_path / "cache"),
                "--posts",
                str(posts),
                "--out",
                str(out),
                "--templates",
                str(mine),
            ]
        )
        == 0
    )
    assert soup(out / "404.html").find("h1").get_text() == "Gone"
    assert soup(out / "index.html").find("h1")  # other templates: built-in
    (posts / "two.md").unlink()
    assert (
        main(
            ["build", "--cache", str(tmp_path / "cache"), "--posts", str(posts), "--out", str(out)]
        )
        == 0
    )
    assert (out / "undated/one/index.html").exists() and not (out / "undated/two").exists()


def test_broken_user_template_names_its_file_and_line(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "post.html").write_text(
        '{% extends "base.html" %}\n{% block content %}{{ nope }}{% endblock %}', encoding="utf-8"
    )
    args = [
        "build",
        "--posts",
        str(FIXTURE_POSTS),
        "--out",
        str(tmp_path / "s"),
        "--templates",
        str(mine),
        "--cache",
        str(tmp_path / "cache"),
    ]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{mine / 'post.html'}:2: 'nope' is undefined" in err and "Traceback" not in err


def test_the_same_output_path_is_refused_naming_both_sources():
    out = Output()
    out.add("index.html", "home page")
    with pytest.raises(OutputError, match="by home page and by post 'x'"):
        out.add("index.html", "post 'x'")


def test_bad_site_yaml_names_every_bad_key_and_its_line(tmp_path, capsys):
    cfg = tmp_path / "site.yaml"
    cfg.write_text(
        "title: Fine\nposts_per_page: zero\ntimezone: Mars/Base\ncolour: red\nauthor: ''\n",
        encoding="utf-8",
    )
    assert (
        main(
            [
                "build",
                "--cache",
                str(tmp_path / "cache"),
                "--config",
                str(cfg),
                "--out",
                str(tmp_path / "s"),
            ]
        )
        == 1
    )
    err = capsys.readouterr().err
    for line, key in ((2, "posts_per_page"), (3, "timezone"), (4, "colour"), (5, "author")):
        assert f"{cfg}:{line}: {key}:" in err
    assert "Traceback" not in err and not (tmp_path / "s").exists()


def test_missing_site_yaml_uses_defaults_and_warns_about_placeholder_links(
    tmp_path, capsys, monkeypatch
):
    out = tmp_path / "s"
    monkeypatch.chdir(tmp_path)  # no site.yaml here, and no --config: defaults
    assert (
        main(
            [
                "build",
                "--cache",
                str(tmp_path / "cache"),
                "--posts",
                str(FIXTURE_POSTS),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "base_url" in err
    assert soup(out / "index.html").select_one(".site-title").get_text() == Config().title


@pytest.mark.parametrize("command", ["build", "serve", "import"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and "usage:" in capsys.readouterr().out


def test_real_posts_specifics(real_site):
    site, posts, _ = real_site
    assert (site / "2015/08/25/outsourcing-reality-part-ii-the-response/index.html").exists()
    doc = soup(
        site / "undated/the-labour-movements-post-election-battleground-part-i-of-ii/index.html"
    )
    assert (
        "Undated — between 8 September 2014 and 30 April 2015" in doc.select_one(".meta").get_text()
    )
    doc = soup(site / "2015/08/05/outsourcing-reality-part-i/index.html")
    assert [a.get_text() for a in doc.select(".series a")] == [
        "Outsourcing reality (part II): the response"
    ]


def test_server_serves_only_the_site_folder(fixture_site, tmp_path):
    import http.client
    import threading

    from blogarchive.server import make_server

    site, _, _ = fixture_site
    (site.parent / "secret.txt").write_text("secret", encoding="utf-8")
    server = make_server("127.0.0.1", 0, site)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def get(path: str):
        conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read().decode()

    try:
        assert get("/")[0] == 200 and get("/2015/08/")[0] == 200
        assert get("/feed.xml")[1].startswith("application/rss+xml")
        for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/static/", "/no/such/page/"):
            status, _, body = get(path)
            assert status == 404 and "secret" not in body and "Page not found" in body, path
    finally:
        server.shutdown()
        server.server_close()
