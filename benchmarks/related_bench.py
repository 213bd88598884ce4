"""Time related_posts on synthetic blogs of growing size and print ms per post.

    PYTHONPATH=src python benchmarks/related_bench.py [N ...]     (default: 1000 10000 50000)

Posts are made of Zipf-distributed common words plus words of one or two of 500 topics, so
they have realistic shared vocabulary and real neighbours. Same seed, same posts.
"""

from __future__ import annotations

import random
import sys
import time

from blogarchive.post import Post
from blogarchive.related import related_posts

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def word(n: int) -> str:
    """A letters-only pseudo-word for a number (digits would not count as words)."""
    out = ""
    n += 26 * 27  # at least three letters
    while n:
        n, r = divmod(n, 26)
        out += LETTERS[r]
    return out


def synthetic_posts(count: int, seed: int = 7, words_per_post: int = 400) -> list[Post]:
    rng = random.Random(seed)
    common = [word(i) for i in range(20_000)]
    weights = [1 / (i + 1) for i in range(len(common))]
    topics = [[word(100_000 + t * 300 + k) for k in range(300)] for t in range(500)]
    categories = [f"Category {c}" for c in "ABCDEFGHIJ"]
    posts = []
    for i in range(count):
        chosen = rng.sample(range(len(topics)), rng.choice((1, 2)))
        body = rng.choices(common, weights, k=words_per_post * 6 // 10)
        for t in chosen:
            body += rng.choices(topics[t], k=words_per_post * 4 // 10 // len(chosen))
        rng.shuffle(body)
        title = " ".join(rng.choices(topics[chosen[0]], k=4))
        posts.append(
            Post(
                title=title,
                slug=f"post-{i:06d}",
                body=" ".join(body),
                categories=tuple(rng.sample(categories, rng.choice((1, 2)))),
            )
        )
    return posts


def main(sizes: list[int]) -> None:
    for n in sizes:
        posts = synthetic_posts(n)
        started = time.perf_counter()
        related = related_posts(posts)
        seconds = time.perf_counter() - started
        found = sum(len(v) for v in related.values()) / n
        print(
            f"{n:>7} posts: {seconds:7.2f} s, {1000 * seconds / n:.3f} ms/post, "
            f"{found:.2f} related per post"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10_000, 50_000])
