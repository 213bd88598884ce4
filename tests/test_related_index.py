"""RelatedIndex: after any edits, exactly what the whole computation gives, and less work."""

import hashlib
import pickle
import random
from pathlib import Path

from conftest import read_posts
from hypothesis import given, settings
from hypothesis import strategies as st

from blogarchive.related import PostTerms, pack_terms, post_terms, related_from_terms
from blogarchive.related_index import RelatedIndex

VOCAB = [f"w{i:03d}" for i in range(120)]
CATEGORIES = ["Fruit", "Travel", "Tools", "Notes"]


def random_terms(rng: random.Random, vocab=VOCAB) -> tuple:
    words = rng.sample(vocab, rng.randint(0, min(30, len(vocab))))
    counts = sorted(((w, rng.randint(1, 9)) for w in words), key=lambda kv: (-kv[1], kv[0]))
    return tuple(counts)


SEEN: dict[str, str] = {}  # every key given -> its packed terms, as the build's digests


def keyed(slug: str, terms: tuple, categories: tuple) -> PostTerms:
    packed = pack_terms(terms)
    key = hashlib.blake2b(f"{slug} {packed}".encode(), digest_size=8).hexdigest()
    SEEN[key] = packed
    return PostTerms(slug, terms, categories, key)


def random_items(rng: random.Random, n: int, vocab=VOCAB) -> list[PostTerms]:
    return [
        keyed(
            f"post-{i:03d}",
            random_terms(rng, vocab),
            tuple(rng.sample(CATEGORIES, rng.randint(0, 2))),
        )
        for i in range(n)
    ]


def edit(rng: random.Random, items: list[PostTerms]) -> list[PostTerms]:
    """A few posts' terms nudged (a count, a word in or out) or their categories changed."""
    items = list(items)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(items))
        item = items[i]
        terms = dict(item.terms)
        action = rng.choice(["count", "add", "drop", "categories", "replace"])
        if action == "count" and terms:
            word = rng.choice(sorted(terms))
            terms[word] = max(1, terms[word] + rng.choice([-2, -1, 1, 3]))
        elif action == "add":
            terms[rng.choice(VOCAB)] = rng.randint(1, 9)
        elif action == "drop" and terms:
            del terms[rng.choice(sorted(terms))]
        elif action == "replace":
            terms = dict(random_terms(rng))
        cats = item.categories
        if action == "categories":
            cats = tuple(rng.sample(CATEGORIES, rng.randint(0, 2)))
        ordered = tuple(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0])))
        items[i] = keyed(item.slug, ordered, cats)
    return items


def check_same(state: RelatedIndex, items: list[PostTerms]) -> None:
    whole = RelatedIndex.compute(items)
    assert state.results == related_from_terms(items)
    assert state.sigs == whole.sigs
    assert state.holders == whole.holders
    assert +state.df == whole.df
    for word, postings in state.postings.items():  # the ones kept from earlier builds
        assert postings == whole._postings(word)


@settings(deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 60), st.sampled_from([12, 40, 120]))
def test_updates_give_exactly_the_whole_computation(seed, n, vocabulary):
    """A small vocabulary gives words more holders than POSTING_CAP keeps, where an edited
    post's new signature can change no postings and still change its own related posts."""
    rng = random.Random(seed)
    items = random_items(rng, n, VOCAB[:vocabulary])
    state = RelatedIndex.compute(items)
    for _ in range(6):
        before = dict(state.results)
        items = edit(rng, items)
        changed = state.update(items)
        check_same(state, items)
        assert changed == {s for s in state.results if state.results[s] != before[s]}


def test_survives_pickling_and_goes_on_updating():
    rng = random.Random(7)
    items = random_items(rng, 80)
    state = pickle.loads(pickle.dumps(RelatedIndex.compute(items)))
    for _ in range(10):
        items = edit(rng, items)
        assert state.terms is None
        state.update(items, SEEN.get)
        state = pickle.loads(pickle.dumps(state))
    check_same(state, items)


def test_a_post_added_or_removed_recomputes_everything():
    rng = random.Random(3)
    items = random_items(rng, 40)
    state = RelatedIndex.compute(items)
    assert state.update(items[:-1]) is None
    check_same(state, items[:-1])
    assert state.update(items) is None
    check_same(state, items)
    assert state.update(items) == frozenset()


def test_a_sentence_added_to_a_real_post_recomputes_little():
    posts = read_posts(Path(__file__).resolve().parents[1] / "posts")
    items = [PostTerms(p.slug, post_terms(p.title, p.body), p.categories) for p in posts]
    state = RelatedIndex.compute(items)
    i = min(range(len(posts)), key=lambda i: len(items[i].terms))  # new words get in
    post = posts[i]
    other = next(w for slug, sig in state.sigs.items() if slug != post.slug for w in sig)
    edited = post_terms(post.title, post.body + f"\n\nAnd {other}, {other}, {other} again.")
    assert edited != items[i].terms
    items[i] = PostTerms(post.slug, edited, post.categories)
    recomputed = []
    rank = state._rank
    state._rank = lambda slug: recomputed.append(slug) or rank(slug)
    state.update(items)
    check_same(state, items)
    assert post.slug in recomputed
    assert len(recomputed) < len(posts)


def test_terms_lost_from_the_cache_recompute_everything():
    rng = random.Random(11)
    items = random_items(rng, 30)
    state = pickle.loads(pickle.dumps(RelatedIndex.compute(items)))
    items = edit(rng, items)
    assert state.update(items, lambda key: None) is None
    check_same(state, items)


def test_an_edited_post_outside_every_posting_list_is_ranked_again():
    """Words held by far more posts than POSTING_CAP: an edit can change a post's signature
    without changing any postings, and its own related posts must still follow."""
    rng = random.Random(5)
    vocab = VOCAB[:8]
    items = random_items(rng, 300, vocab)
    state = pickle.loads(pickle.dumps(RelatedIndex.compute(items)))
    for _ in range(40):
        i = rng.randrange(len(items))
        terms = dict(items[i].terms)
        for word in rng.sample(vocab, 3):
            terms[word] = rng.randint(1, 9)
        ordered = tuple(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0])))
        items[i] = keyed(items[i].slug, ordered, items[i].categories)
        state.update(items, SEEN.get)
        assert state.results[items[i].slug] == related_from_terms(items)[items[i].slug]
    check_same(state, items)


def test_a_common_word_entering_one_post_re_signs_that_post_alone():
    """A word 250 of 300 posts hold comes into one more: its rounded inverse document
    frequency stays the same, so no other post's signature is made again (exact all the
    same); a rare word's frequency moving re-signs its few holders."""
    rng = random.Random(5)
    vocab = [f"x{i:03d}" for i in range(300)]
    items = [
        keyed(
            f"post-{i:03d}",
            tuple(sorted(((w, rng.randint(1, 5)) for w in rng.sample(vocab, 12)), key=str))
            + ((("common", 2),) if i < 250 else ()),
            (),
        )
        for i in range(300)
    ]
    state = RelatedIndex.compute(items)
    before = dict(state.sigs)
    victim = items[260]
    items[260] = keyed(victim.slug, victim.terms + (("common", 4),), ())
    state.update(items, SEEN.get)
    check_same(state, items)
    assert [s for s in state.sigs if state.sigs[s] is not before[s]] == [victim.slug]
