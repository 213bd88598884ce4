"""The Post record's new fields round-trip exactly through posts/<slug>.md and the cache's JSON."""

import datetime as dt

import pytest
import yaml
from conftest import FIXTURE_POSTS, REAL_POSTS
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


def _typed(value):
    """A YAML value with the type of every part spelled out (True == 1 in Python)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, value)


def _pyyaml_reads(head: str):
    try:
        return _typed(yaml.load(head, Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, ValueError) as exc:
        return f"error: {exc}"


@settings(max_examples=300)
@given(
    title=_TRICKY,
    names=st.lists(_TRICKY, max_size=3),
    author=st.none() | _TRICKY,
    files=st.lists(_TRICKY, max_size=2),
    element=_TRICKY,
    date=st.none() | st.dates(),
)
def test_front_matter_is_read_as_pyyaml_reads_it(title, names, author, files, element, date):
    """front_matter.load reads what to_markdown writes exactly as PyYAML does, or leaves it
    to PyYAML (None)."""
    from blogarchive import front_matter
    from blogarchive import post as P

    post = P.Post(
        title=title or "t",
        slug="s",
        date=date,
        categories=tuple(names),
        tags=tuple(names[:1]),
        author=author,
        comments=len(names) or None,
        excerpt=bool(files),
        sources=tuple(P.Source(f, 1, 9) for f in files) + (P.Source("x.html", element=element),),
    )
    head = P.to_markdown(post).split("---\n")[1]
    fast = front_matter.load(head)
    assert fast is None or _typed(fast) == _pyyaml_reads(head)


@pytest.mark.parametrize(
    "head",
    [
        "title: yes\n",
        "on: 1\n",
        "title: 'it''s: here'\n",
        "title: ''''\n",
        "comments: 0x1F\ncomments: 1_000\n",
        "t: 017\nu: +5\nv: 0b101\nw: 1e3\nx: 2015-1-2\n",
        "title: ~\nauthor:\nexcerpt: Yes\n",
        "c: [Yes, 2015-01-01, ~, a [b] c]\n",
        "a:\n- {x: 1}\n- {y: [1, 2], z: b, y: c}\n",
        "date: 2015-02-30\n",
        "title: foo # comment\n",
        "title: 12:30\n",
        "c: [a,b]\n",
        "c: ['a, b']\n",
        "title: x \n",
        "title: 'a'b'\n",
        "s:\n- {file: a}x\n",
        "t: .inf\n",
        "t: <<\n",
        "",
    ],
)
def test_front_matter_reading_agrees_with_pyyaml_on_odd_values(head):
    from blogarchive import front_matter

    fast = front_matter.load(head)
    assert fast is None or _typed(fast) == _pyyaml_reads(head)


def test_front_matter_reading_covers_the_committed_posts_and_agrees_on_the_fixtures():
    """The quick reader reads every real post as PyYAML does; the fixtures' older shape
    (sources as a flow list) it leaves to PyYAML."""
    from blogarchive import front_matter
    from blogarchive import post as P

    for folder, covered in ((REAL_POSTS, True), (FIXTURE_POSTS, False)):
        for path in sorted(folder.glob("*.md")):
            head = P.split_front_matter(path.read_text("utf-8"), str(path))[0]
            fast = front_matter.load(head)
            assert fast is not None or not covered, path.name
            assert fast is None or _typed(fast) == _pyyaml_reads(head), path.name


@pytest.mark.parametrize("char", [chr(c) for c in (*range(0x20), 0x7F, 0x85, 0x9F, 0xFFFE)])
def test_a_control_character_is_refused_with_its_line_ascii_or_not(char):
    """Every character FORBIDDEN_RE names is refused, in ASCII text (checked by bytes) and
    in text that is not; tab, newline and carriage return are kept."""
    from blogarchive.post import read_post
    from blogarchive.text import FORBIDDEN_RE

    for body in (f"ok\nbad {char} here\n", f"é\nbad {char} here\n"):
        text = f"---\ntitle: T\nslug: t\n---\n{body}"
        if FORBIDDEN_RE.match(char):
            with pytest.raises(PostError, match=f"x.md:6: control character U\\+{ord(char):04X}"):
                read_post(text, "x.md")
        else:
            assert read_post(text, "x.md").post.body == body
