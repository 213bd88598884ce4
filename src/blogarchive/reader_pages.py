"""The pages the reader features add (source view, search), rendered like every other page.

A thin layer over `render.render_page`, so the templates get the variables base.html needs;
each function is pure (data in, HTML out), like the rest of render.py, into which the
build may fold them (see INTEGRATION-reader.md).
"""
from __future__ import annotations

from jinja2 import Environment

from . import site as S
from .config import Config
from .post import Post
from .provenance import SourceView
from .site import SEARCH_PATH, source_path
from .render import render_page



def source_page(post: Post, view: SourceView, config: Config, env: Environment) -> tuple[str, str]:
    """(output path, HTML) of a post's source view, linked back to the post."""
    path = source_path(post)
    html = render_page(env, config, "source.html", path, f"Source of {post.title}", view=view,
                       post_url=S.relative_url(path, S.post_path(post)))
    return path, html


def search_page(config: Config, env: Environment) -> tuple[str, str]:
    """(output path, HTML) of the search page; it works once `search.index_site` has run."""
    return SEARCH_PATH, render_page(env, config, "search.html", SEARCH_PATH, "Search")
