"""The Post record's new fields round-trip exactly through posts/<slug>.md and the cache's JSON."""

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from blogarchive.errors import PostError
from blogarchive.post import (
    Comment,
    Post,
    Source,
    from_markdown,
    post_from_json,
    post_to_json,
    to_markdown,
)

FULL = Post(
    title="Leeks in the frost",
    slug="leeks-in-the-frost",
    body="Body text.\n",
    date=dt.date(2012, 1, 15),
    categories=("Vegetables",),
    tags=("leeks", "winter"),
    author="gardener",
    comments=2,
    draft=True,
    sources=(
        Source("single-leeks.txt", 3, 40),
        Source("single-leeks.html", element="article#post-7"),
        Source("export.xml", element="item 4 (wp:post_id 7)"),
    ),
    archived_comments=(
        Comment("Ann", "First line\nsecond line", dt.date(2012, 1, 16)),
        Comment("gardener", "Thanks, Ann\\!", None, parent=1),
    ),
)


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


@pytest.mark.parametrize(
    "bad, key",
    [
        ("tags: tomatoes", "tags"),
        ("draft: maybe", "draft"),
        ("author: [a]", "author"),
        ("archived_comments: [{author: A, text: t, parent: 1}]", "archived_comments"),
        ("archived_comments: [{text: t}]", "archived_comments"),
    ],
)
def test_bad_new_fields_name_the_key_and_line(bad, key):
    with pytest.raises(PostError) as err:
        from_markdown(f"---\ntitle: T\nslug: t\n{bad}\n---\n", "p.md")
    assert f"{key}:" in str(err.value) and ":4:" in str(err.value)


# Front matter is written by front_matter.py, not PyYAML's emitter: the same bytes, always.
_PIECES = list("aZ09 .-:#,?[]{}&*!|>'\"%@`~()’é\u00a0\u2028\ufeff😀\t\n") + [
    "null",
    "true",
    "No",
    "1.5",
    "2015-01-01",
    "...",
    "---",
    "<<",
    "0o7",
]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)


@settings(max_examples=300)
@given(
    title=_TRICKY,
    names=st.lists(_TRICKY, max_size=3),
    author=st.none() | _TRICKY,
    files=st.lists(_TRICKY, max_size=2),
    element=_TRICKY,
    date=st.none() | st.dates(),
)
def test_front_matter_is_what_pyyaml_writes(title, names, author, files, element, date):
    from blogarchive import front_matter
    from blogarchive import post as P

    meta = {
        "title": title,
        "slug": "s",
        "date": date,
        "categories": names,
        "tags": names[:1],
        "author": author,
        "comments": len(names) or None,
        "excerpt": bool(files),
        "sources": [P._Flow(file=f, lines=[1, 9]) for f in files]
        + [P._Flow(file="x.html", element=element)],
    }
    fast = front_matter.dump(meta)
    slow = yaml.dump(
        meta,
        Dumper=P._Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        width=2**31 - 1,
    )
    assert fast is None or fast == slow  # None: post.to_markdown asks PyYAML instead


def test_front_matter_covers_ordinary_posts_and_leaves_the_rest_to_pyyaml():
    from blogarchive import front_matter

    assert (
        front_matter.dump({"title": "Labour’s housing: what next?", "categories": ["A, B"]})
        == "title: 'Labour’s housing: what next?'\ncategories: ['A, B']\n"
    )
    assert front_matter.dump({"title": "two\nlines"}) is None
    assert front_matter.dump({"title": "emoji 😀 stays"}) == "title: emoji 😀 stays\n"
