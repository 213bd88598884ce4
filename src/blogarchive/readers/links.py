"""After the merge: links between the blog's own posts, and images, point into the new site.

The converter writes a link to another post as its address on the old blog, and a copied image
as /images/<name>.  Once every post has its final slug and date, both become links relative to
the post's own page (`…/index.html`, as every link of the site), so they work from disk too.
"""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import parse_qs, urlsplit

from ..post import Post
from ..site import post_path, relative_url

# "](url)" not preceded by an escaping backslash: only the converter writes such links (dump text
# has every "[" and "]" escaped).
_LINK_RE = re.compile(r"(?<!\\)((?:\\\\)*)\]\((?P<url>[^)\s]+)\)")


def url_key(url: str) -> str | None:
    """What identifies a page of the old blog: host without www., path without trailing slash,
    and the ?p=ID of WordPress's short links; scheme, other queries and fragment ignored."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    post_id = parse_qs(parts.query).get("p", [""])[0]
    path = parts.path.rstrip("/")
    return f"{host}{path}" + (f"?p={post_id}" if post_id.isdigit() else "")


def rewrite_links(posts: list[Post], addresses: dict[str, str]) -> list[Post]:
    """Posts with links to the blog's own posts (`addresses`: old URL -> slug) and to copied
    images made relative to the post's page; other links untouched."""
    table = link_targets(posts, addresses)
    return [relink(post, table) for post in posts]


def link_targets(posts: list[Post], addresses: dict[str, str]) -> dict[str, Post]:
    """url_key of each old address -> the post it now is (bodies are not needed; only the
    posts an address names are kept, and none are read without addresses)."""
    wanted = set(addresses.values())
    by_slug = {p.slug: p for p in posts if p.slug in wanted} if wanted else {}
    return {url_key(u): by_slug[s] for u, s in addresses.items() if s in by_slug and url_key(u)}


def relink(post: Post, table: dict[str, Post]) -> Post:
    """One post with its links to the blog's posts (`table`, see link_targets) and to copied
    images made relative to its page."""
    if "](" not in post.body:  # the cheap test first: dump posts hold no link
        return post
    here = post_path(post)

    def new_target(m: re.Match) -> str:
        url = m.group("url")
        if url.startswith("/images/"):
            return f"{m.group(1)}]({relative_url(here, url[1:])})"
        target = table.get(url_key(url) or "")
        if target is None:
            return m.group(0)
        return f"{m.group(1)}]({relative_url(here, post_path(target))})"

    body = _LINK_RE.sub(new_target, post.body)
    return post if body == post.body else dataclasses.replace(post, body=body)
