"""What build worker processes do: convert posts, render pages and feeds, write files.

Each task is a function `task(state, batch) -> results` that `pool.Workers.map` runs in
the workers on a share of the batch; `state` is the WorkerState each worker inherited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from jinja2 import Environment

from ..config import Config
from ..errors import InputError, PostError
from ..export import json_feed
from ..feed import FeedItem, absolutize, atom_xml, rss_xml
from ..markdown_safe import body_html, summary
from ..post import Post
from ..render import render, template_errors
from .cache import BuildCache
from .digest import Digest, make_digest
from .keys import post_key
from .manifest import FileStat
from .output import SiteWriter
from .plan import FeedEntry, FeedJob, ImageJob, Page
from .scan import PostFile, parse_post

FEED_WRITERS = {"rss": rss_xml, "atom": atom_xml, "json": json_feed}


class WorkerState:
    """A worker's view of the build: settings, templates, the cache, the post files by key,
    the writer of the new tree, and (once the posts are digested) every post's digest."""

    def __init__(
        self,
        config: Config,
        env: Environment,
        cache: BuildCache,
        files: Mapping[str, PostFile],
        writer: SiteWriter,
        renderer: str,
    ):
        self.config, self.env, self.cache, self.files = config, env, cache, files
        self.writer, self.renderer = writer, renderer
        self.digests: dict[str, Digest] = {}
        self.items: dict[tuple[str, str], FeedItem] = {}

    def html_of(self, key: str) -> str:
        """A post's HTML: from the cache (or scratch folder), else converted again from its file."""
        body = self.cache.html(key)
        return body_html(self.post(key)) if body is None else body

    def post(self, key: str) -> Post:
        """The post with this content key (its file must still hold exactly that content)."""
        path = self.files[key].path
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise PostError(path, None, f"cannot read: {exc.strerror}") from None
        if post_key(self.renderer, path, data) != key:
            raise PostError(path, None, "changed while the site was being built; build again")
        return parse_post(path, data)

    def feed_item(self, entry: FeedEntry) -> FeedItem:
        """One entry, made once per worker though RSS, Atom and JSON Feed of the site and of
        each category all show it (absolutize parses the HTML)."""
        key = (entry.html_key, entry.url)
        if key not in self.items:
            body = self.html_of(entry.html_key)
            self.items[key] = FeedItem(
                entry.post, entry.url, absolutize(body, entry.url), summary(body)
            )
        return self.items[key]


def know_digests(state: WorkerState, digests: dict[str, Digest]) -> None:
    """More posts' digests by key, which listings and post pages are rendered from."""
    state.digests.update(digests)


def digest_posts(state: WorkerState, keys: list[str]) -> list[Digest | str]:
    """Each post as a Digest (its HTML cached), or the error that stops it being read."""
    out: list[Digest | str] = []
    for key in keys:
        try:
            post = state.post(key)
        except PostError as exc:
            out.append(str(exc))
            continue
        body = body_html(post)
        state.cache.put_html(key, body)
        out.append(make_digest(post, key, body))
    return out


def render_pages(state: WorkerState, pages: list[Page]) -> list[FileStat]:
    """Render and write each page (linking the site's file where it has these bytes)."""
    out = []
    with template_errors():
        for page in pages:
            context = page.context(state.digests, state.html_of, state.config)
            html = render(page, state.env, state.config, context)
            out.append(state.writer.put(page.path, html.encode("utf-8")))
    return out


def render_feeds(state: WorkerState, jobs: list[FeedJob]) -> list[FileStat]:
    """Make and write each feed file."""
    out = []
    for job in jobs:
        items = [state.feed_item(entry) for entry in job.entries]
        out.append(state.writer.put(job.path, FEED_WRITERS[job.kind](job.info, items)))
    return out


def copy_images(state: WorkerState, jobs: list[ImageJob]) -> list[FileStat]:
    """Copy each image into the spare as it is."""
    out = []
    for job in jobs:
        try:
            data = Path(job.file).read_bytes()
        except OSError as exc:
            raise InputError(job.file, None, f"cannot read: {exc.strerror}") from None
        out.append(state.writer.put(job.path, data))
    return out


def link_files(state: WorkerState, rels: list[str]) -> list[FileStat]:
    """Hard-link these unchanged files of the site into the spare."""
    return state.writer.link(rels)
