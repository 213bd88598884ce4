"""The sharded search index against one whole index over the same records from the real posts,
before and after edits, additions and deletions, both served over HTTP and queried in
Chromium through the site's own search page (static/pagefind-shards/pagefind.js merging the
shards).

What holds: the same pages for every query, and the same first page; a rare word finds only
the posts holding it (a shard without it does not fall back to a shorter word, Pagefind PR
#315), and a word no post holds falls back as the whole index does. What may differ is the
order of pages scoring within float rounding of each other, and, for a term with many
extensions ("the": their, them, there...), the order: the whole index matches only the
extensions inside the index chunk holding the term, and each shard has its own chunks."""

import dataclasses
import functools
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import pytest
from conftest import read_posts
from test_search import ROOT, all_results, browser, page_with_errors, records, slug_of  # noqa: F401

from blogarchive.build import BuildOptions, build
from blogarchive.config import load_config
from blogarchive.markdown_safe import plain_text
from blogarchive.search import (
    EMPTY_WASM,
    IndexOptions,
    plan_shards,
    shard_count,
    shard_of,
    update_index,
)
from blogarchive.site import SEARCH_PATH

SHARDS = 4  # the real 33 posts would fit one shard: force several
QUERIES = [
    "corbyn",
    "council",
    "labour",
    "labour party",
    "budget",
    "housing",
    "squeaky bum time",
    "austerity",
    "election",
    "strike",
    "tories",
    "europe",
    "workers",
    "councillorship",  # in no post: the whole index falls back to "councillor"
    "xylophonist labour",
]  # a word no index holds, nor a prefix of it: dropped
FILTERED = [
    "labour&category=Local+Democracy",
    "council&year=2015",
    "corbyn&category=General+Politics",
]
COMMON = ["the"]  # same pages; order differs (chunk boundaries, see the module docstring)
NOWHERE = "councillorship"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(site without its index, posts, language): the real posts built once, search page too."""
    work = tmp_path_factory.mktemp("shards")
    config = load_config(ROOT / "site.yaml")
    build(ROOT / "posts", work / "built", config, BuildOptions(search=True))
    pages = work / "pages"
    shutil.copytree(work / "built", pages, ignore=shutil.ignore_patterns("pagefind"))
    return pages, read_posts(ROOT / "posts"), config.language


def indexed_copy(built, folder: Path, posts, count: int, previous: Path | None = None):
    """A copy of the built pages with the search index of `posts` in `count` shards."""
    pages, _, language = built
    shutil.copytree(pages, folder)
    docs, bodies = records(posts)
    stats = update_index(
        docs,
        folder,
        bodies.__getitem__,
        IndexOptions(previous=previous, language=language, count=count, jobs=2),
    )
    return stats


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def serve():
    """serve(folder) -> its URL, a plain static file server on a free port."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def answers(browser, url: str) -> dict[str, list[str]]:
    """Every query's result paths, in ranked order, through the search page at `url`."""
    page, errors = page_with_errors(browser)
    found = {}
    for query in QUERIES + FILTERED + COMMON:
        page.goto(f"{url}{SEARCH_PATH}?q={query.replace(' ', '+')}")
        found[query] = [u.removeprefix(url.rstrip("/")) for u in all_results(page)]
    assert errors == []
    page.close()
    return found


def assert_same_answers(sharded: dict, whole: dict) -> None:
    """The same pages for every query, none twice, and the same first page but for COMMON."""
    assert all(whole.values()) and len(whole) == len(QUERIES + FILTERED + COMMON)
    assert {q: sorted(sharded[q]) for q in whole} == {q: sorted(whole[q]) for q in whole}
    assert all(len(set(pages)) == len(pages) for pages in sharded.values())
    assert {q: sharded[q][0] for q in whole if q not in COMMON} == {
        q: whole[q][0] for q in whole if q not in COMMON
    }
    same = [q for q in whole if sharded[q] == whole[q]]
    top5 = [q for q in whole if set(sharded[q][:5]) == set(whole[q][:5])]
    print(
        f"\nsame order {len(same)} of {len(whole)} queries, same top-5 set {len(top5)}; "
        f"differing: {sorted(set(whole) - set(same))}"
    )


def test_shards_are_stable_and_bounded():
    slugs = [f"post-{n}" for n in range(3000)]
    sizes = (0, 1, 128, 129, 256, 257, 10_000, 50_000)
    assert [shard_count(n) for n in sizes] == [1, 1, 1, 2, 2, 4, 128, 512]
    counts = [sum(1 for s in slugs if shard_of(s, 32) == k) for k in range(32)]
    assert sum(counts) == 3000 and max(counts) < 2 * 3000 / 32  # spread out, none crowded
    assert all(shard_of(s, 64) % 32 == shard_of(s, 32) for s in slugs)  # doubling splits shards


def test_an_edit_changes_the_key_of_its_shard_only(built):
    _, posts, _ = built
    docs, _ = records(posts)
    edited = list(docs)
    edited[5] = dataclasses.replace(docs[5], title=docs[5].title + " (revised)")
    before, after = plan_shards(docs, "en", SHARDS), plan_shards(edited, "en", SHARDS)
    changed = [a.name for a, b in zip(before, after) if a.key != b.key]
    assert changed == [f"shard-{shard_of(docs[5].slug, SHARDS):02d}"]
    assert sorted(d.slug for s in after for d in s.docs) == sorted(d.slug for d in docs)


@pytest.fixture(scope="module")
def before_and_after(built, serve, browser, tmp_path_factory):
    """Answers of the sharded and the whole index over the posts, then over the posts with one
    edited, one deleted and one added (the sharded one updated from its previous version)."""
    _, posts, _ = built
    work = tmp_path_factory.mktemp("indexes")
    sharded = indexed_copy(built, work / "sharded", posts, SHARDS)
    whole = indexed_copy(built, work / "whole", posts, 1)
    assert (sharded.shards, sharded.pages, whole.shards, whole.pages) == (SHARDS, 33, 1, 33)
    changed = list(posts)
    changed[5] = dataclasses.replace(
        posts[5], body=posts[5].body + "\n\nA housing strike in Zyzzyva.\n"
    )
    removed = changed.pop(7)
    changed.append(
        dataclasses.replace(
            posts[9], slug="a-new-post-about-zyzzyva", title="Zyzzyva council budget"
        )
    )
    updated = indexed_copy(built, work / "updated", changed, SHARDS, previous=work / "sharded")
    indexed_copy(built, work / "fresh", changed, 1)
    touched = {shard_of(p.slug, SHARDS) for p in (changed[5], removed, changed[-1])}
    return {
        "before": [answers(browser, serve(work / name)) for name in ("sharded", "whole")],
        "after": [answers(browser, serve(work / name)) for name in ("updated", "fresh")],
        "updated": (updated, touched, work),
        "url": serve(work / "updated"),
        "slugs": (changed[5].slug, removed.slug, changed[-1].slug),
    }


def test_an_update_reindexes_only_the_shards_that_changed(before_and_after):
    stats, touched, work = before_and_after["updated"]
    assert stats.indexed == len(touched) < SHARDS
    for n in set(range(SHARDS)) - touched:  # the other shards are the previous files, linked
        entry = f"pagefind/shard-{n:02d}/pagefind-entry.json"
        assert (work / "updated" / entry).stat().st_ino == (work / "sharded" / entry).stat().st_ino


def test_sharded_index_answers_like_a_whole_index(before_and_after):
    assert_same_answers(*before_and_after["before"])


def test_after_edits_additions_and_deletions_it_answers_like_a_whole_index(
    before_and_after, browser
):
    assert_same_answers(*before_and_after["after"])
    edited, removed, added = before_and_after["slugs"]
    updated = before_and_after["after"][0]
    assert not any(slug_of(u) == removed for urls in updated.values() for u in urls)
    page, errors = page_with_errors(browser)
    page.goto(f"{before_and_after['url']}{SEARCH_PATH}?q=zyzzyva")
    assert sorted(slug_of(u) for u in all_results(page)) == sorted([edited, added])
    assert errors == []


def test_a_rare_word_finds_only_the_posts_holding_it(before_and_after, built):
    """ "austerity" (stem "auster") is in a few posts: every shard lacking it would fall back to
    a shorter word ("a"); none of those pages may come back."""
    _, posts, _ = built
    docs, bodies = records(posts)
    holding = {
        d.url
        for d in docs
        if re.search(r"\bauster", f"{d.title} {plain_text(bodies[d.body_key])}", re.I)
    }
    sharded, whole = before_and_after["before"]
    assert 0 < len(holding) < len(posts) // 2
    assert set(sharded["austerity"]) == set(whole["austerity"]) == holding
    assert sharded["squeaky bum time"] == whole["squeaky bum time"]
    assert len(sharded["squeaky bum time"]) == 1


def test_a_word_in_no_post_falls_back_as_a_whole_index_does(before_and_after, built):
    """No post holds NOWHERE: Pagefind then matches the longest indexed word it starts with
    ("councillor"), over the whole index; the shards must agree on that word, and a shard
    without it must not use a shorter one ("council")."""
    _, posts, _ = built
    docs, bodies = records(posts)
    text = {d.url: f"{d.title} {plain_text(bodies[d.body_key])}".lower() for d in docs}
    assert not any(NOWHERE in t for t in text.values())
    sharded, whole = before_and_after["before"]
    assert whole[NOWHERE] and sharded[NOWHERE] == whole[NOWHERE]
    assert all("councillor" in text[url] for url in sharded[NOWHERE])
    dropped = "xylophonist labour"  # same pages as "labour", ranked a little apart
    assert sharded[dropped] == whole[dropped] and set(sharded[dropped]) == set(whole["labour"])


def test_every_shard_loads_as_an_index_with_shard_00s_webassembly(before_and_after):
    """shards.json gives each shard's pages and Pagefind's word count (the whole index's
    average page length is computed from them); the shards but shard-00 carry no WebAssembly."""
    _, _, work = before_and_after["updated"]
    listing = json.loads((work / "updated" / "pagefind" / "shards.json").read_text())
    assert [s["path"] for s in listing["shards"]] == [f"shard-{n:02d}/" for n in range(SHARDS)]
    assert all(s["words"] > 10 * s["pages"] > 0 for s in listing["shards"])
    previous = json.loads((work / "sharded" / "pagefind" / "shards.json").read_text())
    kept = [a for a, b in zip(listing["shards"], previous["shards"]) if a["key"] == b["key"]]
    assert kept and all(s in previous["shards"] for s in kept)
    for shard in listing["shards"]:
        wasm = (work / "updated" / "pagefind" / shard["path"] / "wasm.en.pagefind").read_bytes()
        assert (wasm == EMPTY_WASM) == (shard["path"] != listing["primary"])


def test_a_kept_shard_must_be_whole_and_intact(built, tmp_path):
    """A shard is linked from the previous site only if all its files are there and are the ones
    the last build wrote (the build's `intact` check); otherwise it is indexed again."""
    _, posts, _ = built
    first = indexed_copy(built, tmp_path / "first", posts, SHARDS)
    assert first.indexed == SHARDS
    shard_01 = tmp_path / "first" / "pagefind" / "shard-01"
    fragment = next(shard_01.glob("fragment/*"))
    touched = f"pagefind/shard-01/fragment/{fragment.name}"
    next((tmp_path / "first" / "pagefind" / "shard-02").glob("fragment/*")).unlink()
    docs, bodies = records(posts)
    again = update_index(
        docs,
        tmp_path / "again",
        bodies.__getitem__,
        IndexOptions(previous=tmp_path / "first", intact=lambda rel: rel != touched, count=SHARDS),
    )
    assert again.indexed == 2
    assert (tmp_path / "again" / touched).stat().st_ino != (
        tmp_path / "first" / touched
    ).stat().st_ino
    shard_02 = next(s for s in plan_shards(docs, "en", SHARDS) if s.name == "shard-02")
    fragments = list((tmp_path / "again" / "pagefind" / "shard-02").glob("fragment/*"))
    assert len(fragments) == len(shard_02.docs)
