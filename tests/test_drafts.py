"""Drafts: `draft: true` keeps a post out of the built site; `--drafts` shows it, marked Draft,
but never in feeds, the sitemap or posts.json. Checked on built sites, parsed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
from conftest import FIXTURE_CONFIG, FIXTURE_POSTS, read_posts, soup

from blogarchive import site as S
from blogarchive.build import BuildOptions, build
from blogarchive.cli import main

DRAFT = """\
---
title: Leeks in the frost
date: 2015-09-02
categories: [Garden, Labour Party News]
draft: true
---
Half written: the leeks stood the frost better than the onions.
"""
SLUG = "leeks-in-the-frost"


@pytest.fixture()
def posts(tmp_path) -> Path:
    """The fixture posts and one dated draft, alone in its category Garden."""
    folder = tmp_path / "posts"
    shutil.copytree(FIXTURE_POSTS, folder)
    (folder / f"{SLUG}.md").write_text(DRAFT, "utf-8")
    return folder


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def draft_path(posts: Path) -> str:
    return S.post_path(next(p for p in read_posts(posts) if p.draft))


def feed_titles(site: Path) -> list[str]:
    titles = []
    for feed in [*site.rglob("feed.xml"), *site.rglob("atom.xml")]:
        parsed = feedparser.parse(feed.read_bytes())
        assert not parsed.bozo, feed
        titles += [e.title for e in parsed.entries]
    for feed in site.rglob("feed.json"):
        titles += [item["title"] for item in json.loads(feed.read_text("utf-8"))["items"]]
    return titles


def kept_out_of_machine_files(site: Path, path: str) -> None:
    """The draft is in no feed, not in posts.json, not in the sitemap."""
    titles = feed_titles(site)
    assert titles and "Leeks in the frost" not in titles
    assert SLUG not in {p["slug"] for p in json.loads((site / "posts.json").read_text())["posts"]}
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert "<loc>" in sitemap and SLUG not in sitemap


def test_a_draft_is_not_built_linked_fed_or_listed(posts, tmp_path):
    site = tmp_path / "site"
    build(posts, site, FIXTURE_CONFIG)
    path = draft_path(posts)
    assert not (site / path).exists() and not (site / "category/garden").exists()
    for page in site.rglob("*.html"):
        text = page.read_text("utf-8")
        assert SLUG not in text and "Leeks in the frost" not in text, page
    kept_out_of_machine_files(site, path)
    # the same site as without the draft file at all
    (posts / f"{SLUG}.md").unlink()
    build(posts, tmp_path / "without", FIXTURE_CONFIG)
    assert tree(site) == tree(tmp_path / "without")


def test_with_drafts_the_draft_is_a_page_marked_draft_but_never_in_feeds(posts, tmp_path):
    site = tmp_path / "site"
    assert (
        main(
            [
                "build",
                "--posts",
                str(posts),
                "--out",
                str(site),
                "--drafts",
                "--no-search",
                "--no-cache",
                "--base-url",
                FIXTURE_CONFIG.base_url,
            ]
        )
        == 0
    )
    path = draft_path(posts)
    page = soup(site / path)
    assert page.h1.get_text() == "Leeks in the frost"
    assert [m.get_text() for m in page.select(".draft-mark")] == ["Draft"]
    assert "the leeks stood the frost" in page.select_one(".body").get_text()
    entries = {
        a.get_text(): a.find_parent("h2")
        for a in soup(site / "index.html").select("article.entry h2 a")
    }
    assert entries["Leeks in the frost"].select_one(".draft-mark").get_text() == "Draft"
    assert not any(
        h2.select_one(".draft-mark")
        for title, h2 in entries.items()
        if title != "Leeks in the frost"
    )
    garden = soup(site / "category/garden/index.html")
    assert [a.get_text() for a in garden.select("article.entry h2 a")] == ["Leeks in the frost"]
    kept_out_of_machine_files(site, path)
    # Garden's page links its feeds, which exist and are empty (RSS, JSON; no Atom: nothing dated)
    assert feedparser.parse((site / "category/garden/feed.xml").read_bytes()).entries == []
    assert not (site / "category/garden/atom.xml").exists()
    assert not garden.select('link[type="application/atom+xml"][href*="garden"]')


def test_turning_drafts_on_and_off_rebuilds_what_a_cold_build_writes(posts, tmp_path):
    out, cache = tmp_path / "site", tmp_path / "cache"
    cold = {}
    for drafts in (False, True):
        build(posts, tmp_path / f"cold-{drafts}", FIXTURE_CONFIG, BuildOptions(drafts=drafts))
        cold[drafts] = tree(tmp_path / f"cold-{drafts}")
    assert cold[False] != cold[True]
    for drafts in (False, True, False, True):
        report = build(posts, out, FIXTURE_CONFIG, BuildOptions(drafts=drafts, cache_dir=cache))
        assert not report.up_to_date and tree(out) == cold[drafts]
    assert build(posts, out, FIXTURE_CONFIG, BuildOptions(drafts=True, cache_dir=cache)).up_to_date
