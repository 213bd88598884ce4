"""Related posts and reading time (pure: posts in, data out).

Each post is reduced to a *signature*: its few most distinctive words, weighted by TF-IDF
and normalised. An inverted index maps each word to the posts whose signature holds it,
keeping only the strongest `POSTING_CAP` of them. A post is scored only against the posts
its own signature words lead to, so the work per post is bounded by
`SIGNATURE_SIZE * POSTING_CAP` whatever the size of the blog: no pair of posts is compared
unless they share a distinctive word. Shared categories add a small bonus on top.

Results are independent of the order the posts come in; ties are broken by slug.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from .post import Post
from .site import category_key

TERMS_KEPT = 60  # most frequent words cached per post (the candidates for its signature)
SIGNATURE_SIZE = 16  # distinctive words kept per post
POSTING_CAP = 24  # posts kept per word in the inverted index (the strongest ones)
MIN_SIMILARITY = 0.04  # cosine of signatures below which posts are not related
CATEGORY_BONUS = 0.05  # added for sharing all categories (in proportion to the overlap)
TITLE_WEIGHT = 3  # a title word counts like this many body words
IDF_STEPS = 16  # inverse document frequencies are rounded to 1/16 (see idf)
WORDS_PER_MINUTE = 230

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_FOOTNOTE_REF = re.compile(r"\[\^\d+\]:?")
_STOPWORDS = frozenset(
    """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each even few for
from further get got had has have having he her here hers herself him himself his how i if
in into is it its itself just least less like made make many may me might more most much
must my myself no nor not now of off on once one only or other our ours ourselves out over
own said same say says she should since so some still such than that the their theirs them
themselves then there these they this those through thus to too under until up upon us
very was we well were what when where which while who whom why will with within without
would yet you your yours yourself yourselves
""".split()
)


def reading_minutes(words: int) -> int:
    """Minutes to read `words` words at 230 words a minute, rounded, and never less than 1."""
    return max(1, (max(0, words) + WORDS_PER_MINUTE // 2) // WORDS_PER_MINUTE)


def words_of(text: str) -> list[str]:
    """Lower-case words of a Markdown text worth comparing: no stopwords, numbers or 1-2 letter
    words."""
    return [w for w in _folded_words(text) if len(w) > 2 and w not in _STOPWORDS]


_ASCII_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")  # _WORD in lower-case ASCII text
# Bytes of ASCII text with letters lower-cased, the apostrophe kept and all else a space.
_ASCII_FOLD = bytes(
    c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 or c == 39 else 32 for c in range(256)
)


def _folded_words(text: str) -> list[str]:
    """Every word of `text` (as _WORD finds it) casefolded, short words and stopwords kept.

    Casefolding the whole text first would not do: 'İ' folds to 'i' and a combining dot,
    which is no letter. Each word is folded alone (casefold is per character and never
    makes a space); ASCII text, the common case, is folded first and split faster."""
    text = _FOOTNOTE_REF.sub(" ", text).replace("’", "'")
    if not text.isascii():
        words = _WORD.findall(text)
        return " ".join(words).casefold().split(" ") if words else []
    if "'" in text:
        return _ASCII_WORD.findall(text.lower())
    return text.encode("ascii").translate(_ASCII_FOLD).decode("ascii").split()


@dataclass(frozen=True)
class _Doc:
    slug: str
    terms: dict[str, int]  # word -> weighted count (title words count TITLE_WEIGHT times)
    categories: frozenset  # category slugs


def post_terms(title: str, body: str, keep: int = TERMS_KEPT) -> tuple[tuple[str, int], ...]:
    """A post's `keep` most frequent words worth comparing, with their counts (title words
    weighted), best first: all related_posts needs of a post, small enough to cache."""
    counts = Counter(_folded_words(body))
    for word in _folded_words(title):
        counts[word] += TITLE_WEIGHT
    terms = [(w, n) for w, n in counts.items() if len(w) > 2 and w not in _STOPWORDS]
    return tuple(sorted(terms, key=lambda kv: (-kv[1], kv[0]))[:keep])


def pack_terms(terms: tuple[tuple[str, int], ...]) -> str:
    """post_terms as one compact string ('word:3 other:2'): 10,000 posts' terms as tuples
    cost a build process 80 MB, as strings 6 MB."""
    return " ".join(f"{word}:{count}" for word, count in terms)


def unpack_terms(packed: str) -> tuple[tuple[str, int], ...]:
    """pack_terms undone. Words hold no ':' (_WORD has none), so the string splits into word,
    count, word, count... in one pass; anything else is split term by term."""
    flat = packed.replace(":", " ").split()
    if len(flat) == 2 * packed.count(":") == 2 * len(packed.split()):
        return tuple(zip(flat[0::2], map(int, flat[1::2])))
    return tuple(
        (word, int(count)) for word, _, count in (t.rpartition(":") for t in packed.split())
    )


@dataclass(frozen=True)
class PostTerms:
    """What related posts are found by: a post's slug, its commonest words (post_terms, or
    packed by pack_terms) and its categories; and a key naming its terms (the build's post
    key), by which related_index finds them again."""

    slug: str
    terms: tuple | str
    categories: tuple[str, ...]
    key: str = ""


def related_posts(posts: Sequence[Post], limit: int = 5) -> dict[str, tuple[str, ...]]:
    """slug -> up to `limit` slugs of related posts, best first; never the post itself.

    Every post gets an entry, possibly empty: an unrelated post is better than a wrong one."""
    return related_from_terms(
        [PostTerms(p.slug, post_terms(p.title, p.body), p.categories) for p in posts], limit
    )


def related_from_terms(items: Sequence[PostTerms], limit: int = 5) -> dict[str, tuple[str, ...]]:
    """related_posts from the PostTerms of every post."""
    if limit < 0:
        raise ValueError(f"related_posts: limit must be 0 or more, got {limit}")
    docs = _documents(items)
    signatures = _signatures(docs)
    index = _index(signatures)
    cats = {d.slug: d.categories for d in docs}
    return {d.slug: _best(d.slug, signatures, index, cats, limit) for d in docs}


def _documents(items) -> list[_Doc]:
    """Posts as bags of words, sorted by slug so nothing depends on the input order."""
    seen: set[str] = set()
    docs = []
    for item in sorted(items, key=lambda item: item.slug):
        slug, terms = item.slug, item.terms
        if slug in seen:
            raise ValueError(f"related_posts: two posts share the slug {slug!r}")
        seen.add(slug)
        if isinstance(terms, str):
            terms = unpack_terms(terms)
        cats = frozenset(category_key(c) for c in item.categories)
        docs.append(_Doc(slug, dict(terms), cats))
    return docs


def _signatures(docs: list[_Doc]) -> dict[str, dict[str, float]]:
    """slug -> its SIGNATURE_SIZE most distinctive shared words, with unit-length TF-IDF weights."""
    df = document_frequencies(docs)
    known: dict[str, float] = {}
    return {d.slug: _signature(d.terms, df, len(docs), known) for d in docs}


def document_frequencies(docs: list[_Doc]) -> Counter:
    """word -> how many of the posts' terms hold it."""
    return Counter(itertools.chain.from_iterable(d.terms for d in docs))


def _signature(
    terms: Mapping[str, int], df: Mapping[str, int], n: int, known: dict | None = None
) -> dict[str, float]:
    """One post's signature among n posts, whose words' document frequencies are `df`; `known`
    keeps each word's inverse document frequency for the next call with the same df and n."""
    idf_of = {} if known is None else known
    ranked = []  # (-weight, word): the heaviest first, ties by word
    for w, tf in terms.items():
        if df[w] > 1:  # a word no other post has matches nothing
            x = idf_of.get(w)
            if x is None:
                x = idf_of[w] = idf(df[w], n)
            ranked.append((-((1 + math.log(tf)) * x), w))
    ranked.sort()
    top = [(sys.intern(w), -x) for x, w in ranked[:SIGNATURE_SIZE] if x < 0]  # words: held
    # by every signature, holder and posting of thousands of posts, once each
    norm = math.sqrt(sum(x * x for _, x in top)) or 1.0
    return {w: x / norm for w, x in sorted(top)}


def idf(df: int, n: int) -> float:
    """The inverse document frequency of a word held by `df` of `n` posts, rounded up to
    1/IDF_STEPS (never 0): a word's weight then moves only when its frequency moves enough
    to matter, so an edit that brings a common word into one post re-weighs the few posts
    near a rounding step, not the thousands holding the word (related_index.py)."""
    return math.ceil(math.log((1 + n) / df) * IDF_STEPS) / IDF_STEPS


def _index(signatures: dict[str, dict[str, float]]) -> dict[str, tuple[tuple[float, str], ...]]:
    """word -> the POSTING_CAP posts weighting it most, as (weight, slug), strongest first."""
    return {w: _postings(holders) for w, holders in _holders(signatures).items()}


def _holders(signatures: Mapping[str, Mapping[str, float]]) -> dict[str, dict[str, float]]:
    """word -> every post whose signature holds it, with its weight there."""
    holders: dict[str, dict[str, float]] = {}
    for slug, sig in signatures.items():
        for word, weight in sig.items():
            holders.setdefault(word, {})[slug] = weight
    return holders


def _postings(holders: Mapping[str, float]) -> tuple[tuple[float, str], ...]:
    """The POSTING_CAP strongest of a word's holders, as (weight, slug), strongest first."""
    return tuple(
        heapq.nsmallest(
            POSTING_CAP, ((w, slug) for slug, w in holders.items()), key=lambda p: (-p[0], p[1])
        )
    )


def _best(slug: str, signatures, index, cats, limit: int) -> tuple[str, ...]:
    """The best-scoring candidates the post's own signature words lead to."""
    scores: dict[str, float] = {}
    score = scores.get
    for word, weight in signatures[slug].items():  # sorted by word: fixed float order
        for other_weight, other in index[word]:
            scores[other] = score(other, 0.0) + weight * other_weight
    scores.pop(slug, None)  # never the post itself
    floor = MIN_SIMILARITY
    if len(scores) > limit > 0:  # the bonus is at most CATEGORY_BONUS: a candidate further
        kth = sorted(scores.values(), reverse=True)[limit - 1]  # below the k-th best cannot
        floor = max(floor, kth - CATEGORY_BONUS)  # rise into the top k
    mine = cats[slug]
    ranked = sorted(  # best first, ties by slug
        (-(s + _category_bonus(mine, cats[other])), other)
        for other, s in scores.items()
        if s >= floor
    )
    return tuple(other for _, other in ranked[:limit])


@functools.lru_cache(maxsize=4096)
def _category_bonus(a: frozenset, b: frozenset) -> float:
    """CATEGORY_BONUS times the Jaccard overlap of two posts' categories."""
    if not a or not b:
        return 0.0
    return CATEGORY_BONUS * len(a & b) / len(a | b)
