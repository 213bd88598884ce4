"""The source view: exact dump lines, the loader's decision for each, every copy, notes not
errors."""

import dataclasses
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import read_posts

from blogarchive.build.plan import source_page
from blogarchive.config import Config
from blogarchive.loader import load_dumps
from blogarchive.post import Source
from blogarchive.provenance import source_path, source_views, views_from_dumps
from blogarchive.render import make_env, render

ROOT = Path(__file__).resolve().parents[1]
DUMPS = ROOT / "dumps"
LIZ = "liz-kendall-and-the-meanings-of-empowerment"
IDS = "ids-and-the-cluster-bomb-budget"

SMALL = """First post title

August 25, 2015 2 comments

A paragraph with <script>alert(1)</script> & more.

some-image-2014

Second paragraph here, long enough to be prose rather than a caption line.

Categories: Local Democracy
"""


@pytest.fixture(scope="module")
def real():
    posts = read_posts(ROOT / "posts")
    if not posts:
        pytest.skip("posts/ is empty")
    return posts, source_views(DUMPS, posts)


def render_source_page(post, view, config, env) -> tuple[str, str]:
    """(output path, HTML) of a post's source view, planned and rendered as the build does."""
    page = source_page(post, view)
    return page.path, render(page, env, config, page.context({}, lambda key: "", config))


def dump_lines(name: str) -> list[str]:
    return (DUMPS / name).read_text(encoding="utf-8").split("\n")


def test_every_post_has_a_view_with_every_source(real):
    posts, views = real
    assert set(views) == {p.slug for p in posts}
    for post in posts:
        copies = views[post.slug].copies
        assert [(c.file, c.first, c.last) for c in copies] == [
            (s.file, s.first, s.last) for s in post.sources
        ]
        assert all(c.note == "" and c.lines for c in copies)


def test_lines_are_exactly_the_dump_lines_with_their_numbers(real):
    _, views = real
    for copy in views[LIZ].copies:
        raw = dump_lines(copy.file)
        assert [line.no for line in copy.lines] == list(range(copy.first, copy.last + 1))
        assert all(line.text == raw[line.no - 1] for line in copy.lines)


def test_duplicated_post_shows_both_copies(real):
    _, views = real
    view = views[LIZ]
    assert [(c.file, c.first, c.last) for c in view.copies] == [
        ("001_09106894f584fb7a.txt", 271, 357),
        ("003_7495873b7e09cbfc.txt", 127, 213),
    ]
    for copy in view.copies:
        first, date = copy.lines[0], copy.lines[2]
        assert (first.fate, first.label) == ("kept", "title (dated)")
        assert " ".join(first.text.split()) == "Liz Kendall and the meanings of empowerment"
        assert (date.fate, date.label) == ("metadata", "read as the date line")
        assert copy.lines[-1].label == "read as the categories line"
        assert not any(line.differs for line in copy.lines)  # the two copies are identical
        assert any(line.label.startswith("footnote") for line in copy.lines)


def test_lines_that_differ_between_copies_are_marked(real):
    _, views = real
    a, b = views["outsourcing-reality-part-ii-the-response"].copies
    assert [(l.no, l.text.strip()) for l in a.lines if l.differs] == [(231, "Notes")]
    assert not any(l.differs for l in b.lines)
    r1, r2 = views["reflections-on-rotherham-part-2-of-3"].copies
    assert [l.text for l in r1.lines if l.differs] == ["September 8, 2014 Leave a comment"]
    assert [l.text for l in r2.lines if l.differs] == ["September 8, 2014 1 comment"]


def test_residue_before_the_title_is_shown_as_context(real):
    _, views = real
    (copy,) = views[IDS].copies
    context = [l for l in copy.lines if not l.in_range]
    assert [(l.no, l.text, l.fate, l.label) for l in context if l.fate != "blank"] == [
        (21, "IDS-spain-2014", "dropped", "dropped as residue: between posts")
    ]
    assert (
        copy.lines[0].no == 21 and next(l for l in copy.lines if l.in_range).no == copy.first == 23
    )


def test_residue_inside_a_post_is_dropped_with_the_loaders_reason(real):
    _, views = real
    (copy,) = views["osbornes-autumn-statement-tragedy-and-fantasy-all-rolled-into-one"].copies
    line = next(l for l in copy.lines if l.no == 72)
    assert (line.text, line.fate, line.in_range) == ("corbyn-kendall-mikes", "dropped", False)
    assert copy.last == 70 and copy.lines[-1] == line  # shown after the recorded range
    assert line.label == "dropped as residue: image file name"


def test_small_dump_literal():
    result = load_dumps([("d.txt", SMALL, None)])
    views = views_from_dumps([("d.txt", SMALL, None)], result.posts)
    (copy,) = views["first-post-title"].copies
    assert [(l.no, l.fate) for l in copy.lines if l.fate != "blank"] == [
        (1, "kept"),
        (3, "metadata"),
        (5, "kept"),
        (7, "dropped"),
        (9, "kept"),
        (11, "metadata"),
    ]
    assert copy.lines[4].text == "A paragraph with <script>alert(1)</script> & more."


def test_overrides_are_applied_as_the_import_applies_them(tmp_path):
    shutil.copy(DUMPS / "000_88592d1620cdd0b6.txt", tmp_path)
    (tmp_path / "000_88592d1620cdd0b6.overrides.yaml").write_text(
        "lines:\n  25: residue\n", encoding="utf-8"
    )
    posts = [p for p in read_posts(ROOT / "posts") if p.slug == IDS]
    (copy,) = source_views(tmp_path, posts)[IDS].copies
    line = next(l for l in copy.lines if l.no == 25)
    assert (line.fate, line.reason) == ("dropped", "forced by overrides")


def test_missing_folder_or_dump_gives_notes_not_errors(tmp_path):
    posts = read_posts(ROOT / "posts")
    views = source_views(tmp_path / "nowhere", posts)
    assert all(v.copies == () and "no dumps folder" in v.notes[0] for v in views.values())
    shutil.copy(DUMPS / "001_09106894f584fb7a.txt", tmp_path)
    (liz_001, liz_003) = source_views(tmp_path, posts)[LIZ].copies
    assert liz_001.lines and not liz_003.lines and "not found" in liz_003.note
    (tmp_path / "003_7495873b7e09cbfc.txt").write_bytes(b"\x00binary")
    (_, broken) = source_views(tmp_path, posts)[LIZ].copies
    assert not broken.lines and "binary file" in broken.note


def test_a_changed_dump_is_noted(tmp_path):
    posts = [p for p in read_posts(ROOT / "posts") if p.slug == IDS]
    (tmp_path / "000_88592d1620cdd0b6.txt").write_text(
        "Just one post\n\nAugust 1, 2015\n\nBody text.\n", encoding="utf-8"
    )
    (copy,) = source_views(tmp_path, posts)[IDS].copies
    assert "changed since this post was imported" in copy.note


def test_source_page_renders_every_copy_escaped_with_a_link_back(real):
    posts, views = real
    env, config = make_env(), Config()
    liz = next(p for p in posts if p.slug == LIZ)
    path, html = render_source_page(liz, views[LIZ], config, env)
    assert (
        path
        == "2015/08/06/liz-kendall-and-the-meanings-of-empowerment/source/index.html"
        == source_path(liz)
    )
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text() == "Source of “Liz Kendall and the meanings of empowerment”"
    assert len(page.select("table.source-lines")) == 2
    assert page.select_one(".intro a")["href"] == "../index.html"
    rows = page.select("table.source-lines")[0].select("tbody tr")
    assert len(rows) == 357 - 271 + 1
    assert rows[0].select_one("td.no").get_text() == "271"
    assert "metadata" in rows[2]["class"]
    assert page.select_one('link[href="../../../../../static/reader.css"]')


def test_source_page_escapes_dump_text():
    result = load_dumps([("d.txt", SMALL, None)])
    view = views_from_dumps([("d.txt", SMALL, None)], result.posts)["first-post-title"]
    _, html = render_source_page(result.posts[0], view, Config(), make_env())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in html
    page = BeautifulSoup(html, "html.parser")
    dropped = page.select("tr.dropped")
    assert [r.select_one("td.text").get_text() for r in dropped] == ["some-image-2014"]
    assert dropped[0].select_one("td.fate").get_text() == "dropped as residue: image file name"


def test_ids_source_page_greys_the_image_name(real):
    posts, views = real
    ids = next(p for p in posts if p.slug == IDS)
    _, html = render_source_page(ids, views[IDS], Config(), make_env())
    row = BeautifulSoup(html, "html.parser").select("tbody tr")[0]
    assert set(row["class"]) == {"dropped", "context"}
    assert row.select_one("td.text").get_text() == "IDS-spain-2014"
    assert (
        row.select_one("td.fate").get_text()
        == "before the title, in no post; dropped as residue: between posts"
    )


def test_a_page_element_or_export_item_is_named_not_shown_as_lines(real, tmp_path):
    """A post merged from a dump and an export: the dump's lines, and a note naming the item."""
    posts, _ = real
    liz = next(p for p in posts if p.slug == LIZ)
    item = Source("export.xml", element="item 3 (wp:post_id 12)")
    merged = dataclasses.replace(liz, sources=(*liz.sources, item))
    view = source_views(DUMPS, [merged])[LIZ]
    *from_dumps, from_export = view.copies
    assert all(copy.lines for copy in from_dumps)
    assert (from_export.file, from_export.element, from_export.lines) == (
        "export.xml",
        "item 3 (wp:post_id 12)",
        (),
    )
    assert "export.xml, item 3 (wp:post_id 12)" in from_export.note
    _, html = render_source_page(merged, view, Config(), make_env())
    headings = [h.get_text() for h in BeautifulSoup(html, "html.parser").select(".source-copy h2")]
    assert headings[-1] == "export.xml, item 3 (wp:post_id 12)"
    assert (
        headings[0] == f"{liz.sources[0].file}, lines {liz.sources[0].first}–{liz.sources[0].last}"
    )
