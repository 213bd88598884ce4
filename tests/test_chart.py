"""The activity chart: one bar per month over the whole span, links, titles, escaping,
determinism."""

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import read_posts

from blogarchive import site as S
from blogarchive.chart import MonthBar, activity_svg, activity_table, month_bars
from blogarchive.post import Post

ROOT = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def post(slug, date):
    return Post(title=slug, slug=slug, date=date)


def link(year, month):
    return S.relative_url("archives/index.html", S.month_path(year, month))


POSTS = [
    post("a", dt.date(2014, 11, 3)),
    post("b", dt.date(2015, 2, 1)),
    post("c", dt.date(2015, 2, 20)),
    Post(title="undated", slug="u"),
]


def test_month_bars_cover_the_span_with_empty_months_as_gaps():
    bars = month_bars(POSTS, link)
    assert [(b.year, b.month, b.count) for b in bars] == [
        (2014, 11, 1),
        (2014, 12, 0),
        (2015, 1, 0),
        (2015, 2, 2),
    ]
    assert bars[0].url == "../2014/11/index.html" and bars[1].url is None
    assert bars[3].label == "February 2015: 2 posts" and bars[1].label == "December 2014: no posts"


def test_no_dated_posts_no_bars_no_chart():
    assert month_bars([Post(title="u", slug="u")], link) == ()
    assert activity_svg(()) == ""


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_svg_is_well_formed_labelled_and_links_each_month_with_posts():
    svg = activity_svg(month_bars(POSTS, link), chart_id="chart1")
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart1-title chart1-desc"
    assert root.find(f"{SVG}title").get("id") == "chart1-title"
    assert "3 posts from November 2014 to February 2015" in root.find(f"{SVG}desc").text
    links = root.findall(f"{SVG}a")
    assert [a.get("href") for a in links] == ["../2014/11/index.html", "../2015/02/index.html"]
    assert [a.find(f"{SVG}title").text for a in links] == [
        "November 2014: 1 post",
        "February 2015: 2 posts",
    ]
    assert len(root.findall(f".//{SVG}rect")) == 2  # empty months are gaps, not bars
    heights = [int(r.get("height")) for r in root.findall(f".//{SVG}rect")]
    assert heights == [40, 80]


def test_colours_come_from_current_color_and_classes_only():
    svg = activity_svg(month_bars(POSTS, link))
    root = parse(svg)
    fills = {el.get("fill") for el in root.iter() if el.get("fill")}
    assert fills == {"currentColor"}
    assert "#" not in svg and "style=" not in svg and "<script" not in svg
    assert root.get("class") == "activity-chart"


def test_everything_is_escaped():
    bars = (MonthBar(2015, 3, 4, 'x.html?a=1&b="2"><script>'),)
    svg = activity_svg(bars, chart_id='id"><b>', title="<Posts> & more")
    root = parse(svg)  # still well-formed XML
    assert root.find(f"{SVG}a").get("href") == 'x.html?a=1&b="2"><script>'
    assert root.find(f"{SVG}title").text == "<Posts> & more"
    assert "<script>" not in svg and "<b>" not in svg


def test_bars_must_be_consecutive_months():
    with pytest.raises(ValueError, match="consecutive"):
        activity_svg((MonthBar(2015, 1, 1, "a"), MonthBar(2015, 3, 1, "b")))


def test_table_has_a_row_per_year_with_twelve_months():
    rows = activity_table(month_bars(POSTS, link))
    assert [(r.year, r.total) for r in rows] == [(2014, 1), (2015, 2)]
    assert rows[0].months[:10] == (None,) * 10 and rows[0].months[10].count == 1
    assert rows[1].months[1].url == "../2015/02/index.html" and rows[1].months[2] is None


def test_real_posts_chart_is_deterministic_and_counts_every_dated_post():
    posts = read_posts(ROOT / "posts")
    bars = month_bars(posts, link)
    assert sum(b.count for b in bars) == sum(1 for p in posts if p.date)
    first = min(p.date for p in posts if p.date)
    last = max(p.date for p in posts if p.date)
    assert (bars[0].year, bars[0].month) == (first.year, first.month)
    assert (bars[-1].year, bars[-1].month) == (last.year, last.month)
    assert len(bars) == (last.year - first.year) * 12 + last.month - first.month + 1
    svg = activity_svg(bars)
    assert svg == activity_svg(month_bars(list(reversed(posts)), link))
    parse(svg)
    site = S.group(posts)
    months = {m.path for y in site.years for m in y.months}
    assert {S.month_path(b.year, b.month) for b in bars if b.count} == months


# ---- the chart in a page, in Chromium, light and dark ---------------------------------------

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chart_page(tmp_path: Path) -> Path:
    """archives/index.html of a throwaway site holding the _activity.html include, with the real
    CSS."""
    from markupsafe import Markup

    from blogarchive.build.plan import PlainPage
    from blogarchive.chart import SHORT_MONTHS
    from blogarchive.config import Config
    from blogarchive.render import make_env, render

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "chart_page.html").write_text(
        '{% extends "base.html" %}{% block head %}'
        '<link rel="stylesheet" href="{{ link(\'static/reader.css\') }}">'
        "{% endblock %}{% block content %}<h1>Archives</h1>"
        '{% include "_activity.html" %}{% endblock %}',
        encoding="utf-8",
    )
    here = "archives/index.html"
    bars = month_bars(
        read_posts(ROOT / "posts"), lambda y, m: S.relative_url(here, S.month_path(y, m))
    )
    activity = {
        "svg": Markup(activity_svg(bars)),
        "rows": activity_table(bars),
        "months": SHORT_MONTHS,
    }
    page = PlainPage(here, "chart page", "chart_page.html", "Archives", {})
    html = render(page, make_env(templates), Config(), {"activity": activity})
    site = tmp_path / "site"
    (site / "archives").mkdir(parents=True)
    (site / here).write_text(html, encoding="utf-8")
    import shutil

    shutil.copytree(ROOT / "static", site / "static")
    return site / here


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
def test_chart_reads_in_light_and_dark_and_links_to_months(tmp_path, shots):
    from playwright.sync_api import sync_playwright

    page_file = chart_page(tmp_path)
    colours = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 800, "height": 700}, color_scheme=scheme)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri())
            page.click("details summary")
            colours[scheme] = (
                page.evaluate(
                    "getComputedStyle(document.querySelector('.activity-chart .bar')).fill"
                ),
                page.evaluate("getComputedStyle(document.body).backgroundColor"),
            )
            assert page.evaluate("document.documentElement.scrollWidth") <= 800
            page.screenshot(path=str(shots / f"chart-{scheme}.png"), full_page=True)
            assert errors == []
        first = page.locator(".activity-chart a").first
        assert (
            first.evaluate("a => new URL(a.getAttribute('href'), document.baseURI).href")
            == (page_file.parents[1] / "2013/01/index.html").as_uri()
        )
        browser.close()
    assert colours["light"] != colours["dark"]
    assert colours["light"][0] != colours["light"][1] and colours["dark"][0] != colours["dark"][1]
