"""A post's digest: all that pages and feeds need of it besides its HTML."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ..post import Post


@dataclass(frozen=True)
class Digest:
    """What pages and feeds need of a post besides its HTML.

    `post` is the post's header: the Post with its body dropped, so that a 10,000-post build
    never holds every body in one process; `key` names the post's HTML in the build cache."""

    post: Post
    key: str
    summary: str
    words: int
    terms: str = ""  # related.pack_terms(post_terms(...)): what related posts are found by


def make_digest(post: Post, key: str, body_html: str) -> Digest:
    """The digest of `post`, whose body converts to `body_html`."""
    from ..markdown_safe import summary, word_count  # not needed to read cached digests
    from ..related import pack_terms, post_terms

    return Digest(
        dataclasses.replace(post, body=""),
        key,
        summary(body_html),
        word_count(body_html),
        pack_terms(post_terms(post.title, post.body)),
    )
