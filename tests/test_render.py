"""The pure parts of the renderer: URLs, grouping, safe Markdown, labels, one page from literal
inputs."""

import datetime as dt

import jinja2
import pytest
from bs4 import BeautifulSoup
from markupsafe import Markup

from blogarchive import site as S
from blogarchive.build.digest import make_digest
from blogarchive.build.plan import PostPage
from blogarchive.config import Config, load_config
from blogarchive.errors import ConfigError
from blogarchive.markdown_safe import post_html, safe_url, summary
from blogarchive.post import Post, Source
from blogarchive.render import make_env, render
from blogarchive.views import date_label

D = dt.date


def post(title="T", slug="t", **kw) -> Post:
    return Post(title=title, slug=slug, **kw)


@pytest.mark.parametrize(
    "p, path",
    [
        (post(slug="a", date=D(2015, 8, 25)), "2015/08/25/a/index.html"),
        (post(slug="b", date_after=D(2015, 1, 1)), "undated/b/index.html"),
    ],
)
def test_post_paths_have_wordpress_shapes(p, path):
    assert S.post_path(p) == path


@pytest.mark.parametrize("year", [1, 99, 999, 1000, 2015, 9999])
def test_post_paths_write_the_date_as_strftime_does(year):
    """The quick path for years of four digits, strftime's %Y for the others."""
    for day in (D(year, 1, 2), D(year, 12, 31)):
        assert S.post_path(post(slug="c", date=day)) == f"{day:%Y/%m/%d}/c/index.html"


@pytest.mark.parametrize(
    "source",
    [
        "{{ d.title }}",
        "{{ d.items }}",  # a dict's own attribute still wins over its key
        "{{ d.get }}|{{ d['get'] }}",
        "{{ d.missing }}",
        "{{ n.title }}",
        "{{ d.title.upper }}",
        "{{ c.title }}",
    ],
)
def test_templates_find_view_keys_as_jinja2_does(source):
    """make_env's quicker lookup of a dict's keys gives what Jinja2's own lookup gives,
    undefined (an error) included."""
    values = {
        "d": {"title": "<T>", "items": "an item", "get": "got"},
        "n": {"inner": {"title": "x"}},
        "c": Config(title="Site"),
    }
    stock = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)

    def outcome(env):
        try:
            return env.from_string(source).render(values)
        except jinja2.UndefinedError as exc:
            return f"undefined: {exc}"

    assert outcome(make_env()) == outcome(stock)


def test_pages_never_print_control_characters_or_lone_surrogates():
    env = make_env()
    page = env.from_string("{{ a }}|{{ b }}|{{ c }}|{{ d }}")
    out = page.render(a="bell\x07 tab\t", b=Markup("<b>\x1b</b>"), c="pair \ud800", d="plain é")
    assert out == "bell tab\t|<b></b>|pair |plain é"


def test_listing_paths_and_urls():
    assert S.paged("", 1) == "index.html" and S.paged("", 2) == "page/2/index.html"
    assert S.category_path("local-democracy", 3) == "category/local-democracy/page/3/index.html"
    assert (S.year_path(2015), S.month_path(2015, 8)) == ("2015/index.html", "2015/08/index.html")
    assert (
        S.relative_url("2015/08/25/a/index.html", "category/x/index.html")
        == "../../../../category/x/index.html"
    )
    assert S.relative_url("index.html", "2015/index.html#y") == "2015/index.html#y"
    assert (
        S.absolute_url("https://e.org/blog/", "2015/08/index.html") == "https://e.org/blog/2015/08/"
    )
    assert S.rooted_url("https://e.org/blog/", "static/style.css") == "/blog/static/style.css"
    assert S.rooted_url("http://localhost:8000/", "index.html") == "/"


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Reflections on Rotherham: part 2 of 3", ("reflections on rotherham", 2)),
        ("Outsourcing reality (part II): the response", ("outsourcing reality", 2)),
        ("The battleground: Part I of II", ("the battleground", 1)),
        ("The battleground part 2", ("the battleground", 2)),
        ("Labour’s way – Part IV", ("labours way", 4)),
        ("Part 3: Labour's way", ("labours way", 3)),
        ("Counterpart 2", None),
        ("A party apart", None),
    ],
)
def test_series_part_markers(title, expected):
    assert S.part_of(title) == expected


def test_grouping_by_slug_commonest_spelling_and_uncategorized():
    posts = [
        post("a", "a", date=D(2015, 8, 1), categories=("Local democracy",)),
        post("b", "b", date=D(2015, 7, 1), categories=("Local Democracy",)),
        post("c", "c", date=D(2014, 7, 1), categories=("Local Democracy", "local democracy")),
        post("d", "d", date_before=D(2015, 7, 15)),
    ]
    site = S.group(posts)
    assert [(c.name, c.slug, [p.slug for p in c.posts]) for c in site.categories] == [
        ("Local Democracy", "local-democracy", ["a", "b", "c"]),
        ("Uncategorized", "uncategorized", ["d"]),
    ]
    assert [p.slug for p in site.posts] == ["a", "d", "b", "c"]  # undated by its upper bound
    assert [(y.year, [m.month for m in y.months]) for y in site.years] == [
        (2015, [8, 7]),
        (2014, [7]),
    ]
    assert [p.slug for p in site.undated] == ["d"]
    assert site.context(posts[3]) == S.PostContext(
        categories=(S.Link("Uncategorized", "category/uncategorized/index.html"),),
        newer=S.Link("a", "2015/08/01/a/index.html"),
        older=S.Link("b", "2015/07/01/b/index.html"),
    )


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://e.org/x", True),
        ("http://e.org", True),
        ("mailto:a@b.org", True),
        ("../a/index.html", True),
        ("#fn:1", True),
        ("a/b:c", True),
        ("javascript:alert(1)", False),
        (" JaVaScRiPt:x", False),
        ("java\tscript:x", False),
        ("javascript&#58;x", False),
        ("&#106;avascript:x", False),
        ("data:text/html,x", False),
        ("vbscript:x", False),
        ("\x01javascript:x", False),
    ],
)
def test_safe_url(url, ok):
    assert safe_url(url) is ok


def test_markdown_is_text_not_html():
    html = post_html(
        '<b onclick="x()">hi</b>\n\n<div>\nblock\n</div>\n\n[x](javascript:alert(1)) '
        "![alt](data:image/png;base64,AA) [ok](https://e.org/)"
    )
    doc = BeautifulSoup(html, "html.parser")
    assert not doc.find(["b", "div", "img"]) and not doc.select("[onclick]")
    assert "<b onclick" in doc.get_text() and "alt" in doc.get_text()
    assert [a["href"] for a in doc.find_all("a")] == ["https://e.org/"]


def test_markdown_footnotes_and_line_breaks():
    html = post_html("one\ntwo[^1]\n\n[^1]: A note.\n")
    assert "one<br>\ntwo" in html and 'href="#fn:1"' in html and 'id="fn:1"' in html


@pytest.mark.parametrize(
    "markdown, levels",
    [
        ("## A\n\n### B\n\n## C", ["h2", "h3", "h2"]),  # the loader's: unchanged
        ("### Notes\n\ntext", ["h2"]),  # an import's h3 under the title
        ("# A\n\n#### B\n\n> ###### C", ["h2", "h3", "h4"]),  # no second h1, no skipped level
    ],
)
def test_body_headings_fit_under_the_title(markdown, levels):
    doc = BeautifulSoup(post_html(markdown), "html.parser")
    assert [h.name for h in doc.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])] == levels


def test_summary_is_plain_text_of_about_sixty_words():
    html = post_html("Short *first* para.[^1]\n\n" + " ".join(["word"] * 100) + "\n\n[^1]: Note.")
    text = summary(html)
    assert text.startswith("Short first para. word") and text.endswith(" …")
    assert len(text.split()) == 61 and "Note" not in text
    assert summary(post_html("Fish & chips < £5")) == "Fish & chips < £5"


@pytest.mark.parametrize(
    "kw, label",
    [
        ({"date": D(2015, 8, 25)}, "25 August 2015"),
        (
            {"date_after": D(2014, 9, 8), "date_before": D(2015, 4, 30)},
            "Undated — between 8 September 2014 and 30 April 2015",
        ),
        ({"date_after": D(2014, 9, 8)}, "Undated — after 8 September 2014"),
        ({"date_before": D(2015, 4, 30)}, "Undated — before 30 April 2015"),
        ({}, "Undated"),
    ],
)
def test_date_labels_never_invent_a_date(kw, label):
    assert date_label(post(**kw), "%-d %B %Y") == label


def render_post(post: Post, context: S.PostContext, config: Config, env) -> str:
    """A post's page from the post itself, planned and rendered as the build does."""
    body = post_html(post.body)
    d = make_digest(post, "body", body)
    page = PostPage(S.post_path(post), "post", post.title, d.key, context, False)
    return render(page, env, config, page.context({d.key: d}, lambda _: body, config))


def test_render_post_is_pure_and_escapes_everything_but_the_body():
    p = post(
        "{{ 7*7 }} <i>x</i>",
        "p",
        body="*hi*",
        date=D(2015, 8, 25),
        comments=1,
        categories=("A & B",),
        sources=(Source("001.txt", 3, 9),),
    )
    ctx = S.PostContext(
        categories=(S.Link("A & B", "category/a-b/index.html"),),
        older=S.Link("<old>", "2015/01/01/old/index.html"),
    )
    env = make_env()
    first = render_post(p, ctx, Config(), env)
    assert first == render_post(p, ctx, Config(), make_env())
    doc = BeautifulSoup(first, "html.parser")
    assert doc.h1.get_text() == "{{ 7*7 }} <i>x</i>" and not doc.h1.find("i")
    assert doc.select_one(".body em").get_text() == "hi"
    assert doc.select_one(".categories a")["href"] == "../../../../category/a-b/index.html"
    assert doc.select_one('.prevnext a[rel="next"]').get_text() == "<old>"
    assert "1 comment" in doc.select_one(".meta").get_text()
    assert "001.txt lines 3–9" in doc.select_one(".provenance").get_text()


def test_config_defaults_and_errors(tmp_path):
    assert load_config(tmp_path / "absent.yaml") == Config()
    cfg = tmp_path / "site.yaml"
    cfg.write_text("title: X\nfeed_limit: null\nbase_url: https://e.org/blog\n", encoding="utf-8")
    config = load_config(cfg)
    assert (config.title, config.feed_limit, config.base_url) == ("X", None, "https://e.org/blog/")
    assert config.timezone == "UTC" and config.posts_per_page == 10
    cfg.write_text("title: X\nposts_per_page: -1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert (
        err.value.line,
        str(err.value).endswith("posts_per_page: expected a positive whole number, got -1"),
    ) == (2, True)
    cfg.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="mapping"):
        load_config(cfg)
    cfg.write_text("title: 'unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad YAML"):
        load_config(cfg)
    with pytest.raises(ConfigError, match="base_url"):
        load_config(tmp_path / "absent.yaml", base_url="ftp://e.org/")
