"""The Post record's new fields round-trip exactly through posts/<slug>.md and the cache's JSON."""
import datetime as dt

import pytest

from blogarchive.errors import PostError
from blogarchive.post import (Comment, Post, Source, from_markdown, post_from_json, post_to_json,
                              to_markdown)

FULL = Post(
    title="Leeks in the frost", slug="leeks-in-the-frost", body="Body text.\n",
    date=dt.date(2012, 1, 15), categories=("Vegetables",), tags=("leeks", "winter"),
    author="gardener", comments=2, draft=True,
    sources=(Source("single-leeks.txt", 3, 40), Source("single-leeks.html", element="article#post-7"),
             Source("export.xml", element="item 4 (wp:post_id 7)")),
    archived_comments=(Comment("Ann", "First line\nsecond line", dt.date(2012, 1, 16)),
                       Comment("gardener", "Thanks, Ann\\!", None, parent=1)))


def test_new_fields_round_trip_through_front_matter():
    text = to_markdown(FULL)
    assert from_markdown(text, "x.md") == FULL
    assert "tags: [leeks, winter]" in text and "author: gardener" in text
    assert "- {file: export.xml, element: 'item 4 (wp:post_id 7)'}" in text


def test_new_fields_round_trip_through_json():
    from dataclasses import replace
    assert post_from_json(post_to_json(FULL)) == replace(FULL, body="")


def test_absent_new_fields_are_not_written():
    text = to_markdown(Post(title="T", slug="t"))
    for key in ("tags:", "author:", "draft:", "archived_comments:"):
        assert key not in text


@pytest.mark.parametrize("bad, key", [
    ("tags: tomatoes", "tags"), ("draft: maybe", "draft"), ("author: [a]", "author"),
    ("archived_comments: [{author: A, text: t, parent: 1}]", "archived_comments"),
    ("archived_comments: [{text: t}]", "archived_comments")])
def test_bad_new_fields_name_the_key_and_line(bad, key):
    with pytest.raises(PostError) as err:
        from_markdown(f"---\ntitle: T\nslug: t\n{bad}\n---\n", "p.md")
    assert f"{key}:" in str(err.value) and ":4:" in str(err.value)
