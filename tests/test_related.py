"""related_posts and reading_minutes: literal cases, the real posts, and the bounded-cost index."""

import random
import sys
from pathlib import Path

import pytest
from conftest import read_posts
from hypothesis import given
from hypothesis import strategies as st

from blogarchive.post import Post
from blogarchive.related import (
    _STOPWORDS,
    _WORD,
    POSTING_CAP,
    SIGNATURE_SIZE,
    PostTerms,
    _documents,
    _index,
    _signatures,
    post_terms,
    reading_minutes,
    related_posts,
    words_of,
)

ROOT = Path(__file__).resolve().parents[1]


def post(slug, body, title=None, categories=()):
    return Post(
        title=title or slug.replace("-", " "), slug=slug, body=body, categories=tuple(categories)
    )


GARDEN = [
    post("roses", "Pruning roses in winter keeps the roses healthy; prune roses hard.", "Roses"),
    post(
        "more-roses",
        "Climbing roses need pruning too: roses on walls, roses on arches.",
        "Climbing roses",
    ),
    post(
        "tomatoes",
        "Tomatoes want sun, water and feeding; pinch out tomato side shoots.",
        "Tomatoes",
    ),
    post(
        "tomato-feed", "Feeding tomatoes weekly with potash; tomatoes and sun.", "Feeding tomatoes"
    ),
    post("budget", "The chancellor's budget speech raised taxes.", "Budget day"),
]


def test_similar_posts_find_each_other_and_never_themselves():
    related = related_posts(GARDEN)
    assert set(related) == {p.slug for p in GARDEN}
    assert related["roses"][0] == "more-roses"
    assert related["more-roses"][0] == "roses"
    assert related["tomatoes"][0] == "tomato-feed"
    for slug, others in related.items():
        assert slug not in others


def test_an_unrelated_post_gets_an_empty_tuple_not_a_filler():
    assert related_posts(GARDEN)["budget"] == ()


def test_limit_is_respected_and_zero_gives_nothing():
    posts = [
        post(f"p{i}", "shared words about gardening and roses " + f"extra{chr(97 + i)}")
        for i in range(9)
    ]
    assert all(len(v) <= 3 for v in related_posts(posts, limit=3).values())
    assert max(len(v) for v in related_posts(posts, limit=3).values()) == 3
    assert all(v == () for v in related_posts(posts, limit=0).values())
    with pytest.raises(ValueError):
        related_posts(posts, limit=-1)


def test_independent_of_input_order():
    expected = related_posts(GARDEN)
    for seed in range(5):
        shuffled = list(GARDEN)
        random.Random(seed).shuffle(shuffled)
        assert related_posts(shuffled) == expected


def test_ties_are_broken_by_slug():
    twins = [
        post("zeta", "identical text about roses pruning"),
        post("alpha", "identical text about roses pruning"),
        post("mid", "identical text about roses pruning"),
        post("one", "identical text about roses pruning"),
    ]
    assert related_posts(twins)["one"] == ("alpha", "mid", "zeta")


def test_shared_categories_break_a_text_tie():
    posts = [
        post("a", "roses pruning roses", categories=["Garden"]),
        post("b", "roses pruning roses", categories=["Politics"]),
        post("c", "roses pruning roses", categories=["Garden"]),
        post("d", "nothing alike here"),
    ]
    assert related_posts(posts)["a"][0] == "c"
    assert related_posts(posts)["b"][0] == "a"  # no category shared with either: slug order


def test_duplicate_slugs_are_refused():
    with pytest.raises(ValueError, match="roses"):
        related_posts([GARDEN[0], GARDEN[0]])


def test_empty_input_and_empty_bodies():
    assert related_posts([]) == {}
    assert related_posts([post("a", ""), post("b", "")]) == {"a": (), "b": ()}


def test_words_ignore_stopwords_numbers_and_footnote_markers():
    assert words_of("The 2015 budget[^1] and Osborne’s cuts") == ["budget", "osborne's", "cuts"]


def words_one_by_one(text: str) -> list[str]:
    """words_of by its definition: each word _WORD finds, casefolded alone, then filtered."""
    text = text.replace("’", "'")
    words = (w.casefold() for w in _WORD.findall(text))
    return [w for w in words if len(w) > 2 and w not in _STOPWORDS]


# Letters that casefold to more than a letter (İ: i and a combining dot), ß, final sigma,
# ligatures, apostrophes of both kinds, digits, footnote markers and odd spaces.
_TRICKY = "aZ '’_-09[^]:\n\t.,İßΣσςﬁÅéǰΐ\u0307\u00a0"


@given(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=80))
def test_words_are_each_word_casefolded_alone(text):
    assert words_of(text) == words_one_by_one(text)


def test_words_of_the_real_posts_are_each_word_casefolded_alone(real_posts):
    for p in real_posts:
        assert words_of(p.body) == words_one_by_one(p.body), p.slug
        assert words_of(p.title) == words_one_by_one(p.title), p.slug


@pytest.mark.parametrize(
    "words, minutes", [(0, 1), (1, 1), (229, 1), (344, 1), (345, 2), (2300, 10), (-5, 1)]
)
def test_reading_minutes(words, minutes):
    assert reading_minutes(words) == minutes


@pytest.fixture(scope="module")
def real_posts():
    posts = read_posts(ROOT / "posts")
    if not posts:
        pytest.skip("posts/ is empty")
    return posts


def test_real_posts_pair_up_as_a_reader_would(real_posts):
    related = related_posts(real_posts)
    assert len(related) == len(real_posts) == 33
    assert (
        related["taking-liz-kendall-at-her-word"][0]
        == "liz-kendall-and-the-meanings-of-empowerment"
    )
    assert (
        related["liz-kendall-and-the-meanings-of-empowerment"][0]
        == "taking-liz-kendall-at-her-word"
    )
    assert "outsourcing-reality-part-ii-the-response" in related["outsourcing-reality-part-i"][:2]
    assert (
        related["budget-2016-austerity-has-done-itself-in"][0] == "ids-and-the-cluster-bomb-budget"
    )
    for slug, others in related.items():
        assert slug not in others and len(others) <= 5 and len(set(others)) == len(others)
    assert sum(1 for v in related.values() if v) >= 30


def letters(n: int) -> str:
    return "".join(chr(97 + int(d)) for d in f"{n:04d}")


def test_posting_lists_are_capped_so_work_per_post_is_bounded():
    """Even a word every post shares leads to at most POSTING_CAP posts: cost per post is flat."""
    posts = [
        post(f"p{i:03d}", f"pruning roses garden pair{letters(i // 2)} only{letters(i)}")
        for i in range(200)
    ]
    signatures = _signatures(
        _documents([PostTerms(p.slug, post_terms(p.title, p.body), p.categories) for p in posts])
    )
    index = _index(signatures)
    assert max(len(s) for s in signatures.values()) <= SIGNATURE_SIZE
    assert len(index["roses"]) == POSTING_CAP
    candidates = [sum(len(index[w]) for w in sig) for sig in signatures.values()]
    assert max(candidates) <= SIGNATURE_SIZE * POSTING_CAP
    related = related_posts(posts)
    assert related["p000"][0] == "p001" and related["p151"][0] == "p150"  # the pair word wins


def test_synthetic_blog_finds_neighbours():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from related_bench import synthetic_posts

    related = related_posts(synthetic_posts(2000))
    assert sum(1 for v in related.values() if v) > 0.9 * len(related)
