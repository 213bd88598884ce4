"""The import in bounded memory gives exactly what reading every dump at once gives.

`python build.py import` reads the dumps in passes, one dump at a time, in worker processes
(loader/passes.py), writes each dump's report section as soon as it is cut
(import_report.ReportFile) and keeps posts' blocks on disk until they are merged.  Here the
loader is also run the way it ran before, every dump and every line note in memory at once
(`all_at_once`), on the committed dumps, the example blogs, generated dumps and pages whose
shared chrome runs deeper than the passes keep of a page: posts and report must be the same
bytes.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES

from blogarchive.cli import main
from blogarchive.import_report import format_report
from blogarchive.importer import BlockStore, read_dump_text, read_dumps
from blogarchive.loader import LoadResult, _place_summary, grammar, load_dumps
from blogarchive.loader.chrome import CANDIDATES, _Lines, _vote, _Walk, learn_chrome
from blogarchive.loader.classify import decide_places, place_votes, resolve_meta
from blogarchive.loader.duplicates import Groups, duplicate_groups, title_key
from blogarchive.loader.known_titles import KnownElsewhere, KnownTitles, SortedDigests, digests
from blogarchive.loader.merge import merge_posts
from blogarchive.loader.model import RawPost
from blogarchive.loader.passes import HEAD, PageEnds, TooDeep
from blogarchive.loader.segment import cut_posts, first_pass, known_titles_of, split_lines
from blogarchive.loader.stored import CHUNK, INTS, Span, StoredInts, StoredList, StoredParses
from blogarchive.post import to_markdown
from blogarchive.post_writer import POST_BATCH, WriteOutcome
from blogarchive.text import FORBIDDEN_RE, holds_forbidden

ROOT = Path(__file__).resolve().parents[1]


def all_at_once(paths: list[Path]) -> LoadResult:
    """The loader as it was before passes: every dump's lines and notes held together."""
    dumps = [(p.name, read_dump_text(p)[0], None) for p in paths]
    rows = {name: split_lines(text) for name, text, _ in dumps}
    profile = learn_chrome(rows)
    done = [first_pass(text, name, ov, profile.of(name), rows[name]) for name, text, ov in dumps]
    votes = sum((place_votes(d) for d in done), Counter())
    places = decide_places(votes)
    for d in done:
        resolve_meta(d, places)
    titles = {d.result.name: known_titles_of(d) for d in done}
    parses = []
    for d in done:
        known = frozenset().union(*(t for n, t in titles.items() if n != d.result.name))
        parses.append(cut_posts(d, known))
    posts, slug_of = merge_posts([raw for p in parses for raw in p.posts])
    return LoadResult(
        posts=list(posts),
        parses=parses,
        slug_of=slug_of,
        learned=profile.summary + _place_summary(votes, places),
    )


def assert_import_matches(paths: list[Path], tmp_path: Path) -> LoadResult:
    posts, report = tmp_path / "posts", tmp_path / "report.txt"
    assert (
        main(["import", *map(str, paths), "--posts", str(posts), "--report", str(report), "-q"])
        == 0
    )
    want = all_at_once(paths)
    written = {p.name: p.read_bytes() for p in posts.glob("*.md")}
    assert written == {f"{p.slug}.md": to_markdown(p).encode() for p in want.posts}
    assert report.read_text(encoding="utf-8") == format_report(want, WriteOutcome())
    assert not list(tmp_path.rglob("*.blogarchive-tmp"))
    return want


def test_committed_dumps(tmp_path):
    want = assert_import_matches(sorted((ROOT / "dumps").glob("*.txt")), tmp_path)
    assert len(want.posts) > 30


@pytest.mark.skipif(not EXAMPLES.is_dir(), reason="themes-examples not at hand")
@pytest.mark.parametrize("blog, flavour", [("twentytwelve", "text"), ("twentyfifteen", "text-bs")])
def test_example_blogs(tmp_path, blog, flavour):
    """Themes whose meta lines' place the whole import decides (the passes' third pass)."""
    assert_import_matches(sorted((EXAMPLES / blog / flavour).glob("*.txt")), tmp_path)


def test_generated_dumps(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_dumps", ROOT / "benchmarks" / "dumps.py")
    dumps = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = dumps
    spec.loader.exec_module(dumps)
    paths, generated = dumps.write(2, tmp_path / "dumps")
    want = assert_import_matches(sorted(paths), tmp_path / "out")
    assert want.duplicates_merged > 0 and len(want.posts) == len(generated)
    assert len(want.posts) > POST_BATCH  # so the post files were rendered by worker processes


def test_chrome_deeper_than_the_page_ends_kept(tmp_path):
    """Pages sharing more header and sidebar lines than PageEnds keeps: learned from them all."""
    menu = [f"Menu item {k}" for k in range(HEAD + 20)]
    links = [f"Blogroll link {k}" for k in range(HEAD + 30)]
    paths = []
    for n in range(4):
        posts = [
            f"Post {n} {k} about leeks\n\nMay {k + 1}, 2015 1 comment\n\n"
            f"Body of post {k} on page {n}, long enough to be prose.\n"
            for k in range(3)
        ]
        path = tmp_path / f"page{n}.txt"
        path.write_text("\n\n".join(menu + posts + links) + "\n", encoding="utf-8")
        paths.append(path)
    want = assert_import_matches(paths, tmp_path / "out")
    chrome = [n for n in want.parses[0].notes if n.reason.startswith("page chrome")]
    assert len(chrome) == len(menu) + len(links)


def test_page_ends_keep_only_each_end_and_wait_in_the_store():
    """What the chrome pass keeps of a page: its first and last `keep` non-blank lines and
    where they stand, whatever the page's length; the lines themselves go to the store."""
    rows = [f"Line {k} of a long page" if k % 3 else "" for k in range(3000)]
    nonblank = [i for i, t in enumerate(rows) if t]
    ends = nonblank[:5] + nonblank[-5:]
    page = PageEnds(rows, keep=5)
    seq = page.nonblank_lines()
    assert len(page.texts) == 10 and len(page) == len(rows) and len(seq) == len(nonblank)
    assert [seq[p] for p in range(5)] + [seq[len(seq) - 5 + p] for p in range(5)] == ends
    for deep in (lambda: seq[5], lambda: seq[len(seq) - 6], lambda: page[nonblank[5]]):
        with pytest.raises(TooDeep):
            deep()
    with BlockStore() as store:
        page.spill(store)
        assert page.at is None and page.texts is None  # places and lines: in the store only
        assert [page[i] for i in ends] == [rows[i] for i in ends]
        assert [seq[p] for p in range(5)] + [seq[len(seq) - 5 + p] for p in range(5)] == ends
        with pytest.raises(TooDeep):
            seq[5]
    whole = PageEnds(rows, keep=None)  # the last retry keeps every line
    assert [whole[i] for i in nonblank] == [rows[i] for i in nonblank]


def test_posts_wait_in_the_store_between_passes():
    """With a store, the loader holds no post between its steps: each dump's posts and the
    merged posts' fields are StoredLists (numbers in memory), read back equal to the posts
    the loader makes without a store."""
    dumps, _ = read_dumps([str(p) for p in sorted((ROOT / "dumps").glob("*.txt"))])
    plain = load_dumps(dumps)
    with BlockStore() as store:
        result = load_dumps(dumps, store=store)
        fields = result.posts.headers.fields  # the headers are made from them when read
        assert isinstance(fields, StoredList) and not fields.pending
        assert {type(x) for x in (*fields.starts, *fields.sizes)} <= {int}
        assert list(result.posts.headers) == list(plain.posts.headers)
        assert all(isinstance(p.posts, Span) for p in result.parses)
        assert list(result.posts) == list(plain.posts)
        assert result.slug_of == plain.slug_of
        assert [len(p.posts) for p in result.parses] == [len(p.posts) for p in plain.parses]
        assert all(isinstance(p.guesses, Span) for p in result.parses)
        stored = result.parses.first  # the dumps' parses, then the other readers' (none)
        assert isinstance(stored, StoredParses) and not stored.parses.pending
        assert [(p.name, p.warnings, p.page_kinds) for p in result.parses] == [
            (p.name, p.warnings, p.page_kinds) for p in plain.parses
        ]
        assert result.guesses == plain.guesses and result.guess_count == len(plain.guesses) > 0


def test_slug_map_finds_each_copy_by_its_dump_and_index():
    """slugs.SlugMap keeps a copy's post by its place; a copy standing elsewhere than its
    dump's run (here d1's third) is found all the same, and no key is made up."""
    raws = [
        RawPost("A leek", 1, 1, "d1", 0),
        RawPost("Bean rows", 3, 3, "d1", 1),
        RawPost("A leek", 1, 1, "d2", 0),
        RawPost("Cabbage", 5, 5, "d1", 2),
    ]
    posts, slug_of = merge_posts(raws)
    assert [p.slug for p in posts.headers] == ["a-leek", "bean-rows", "cabbage"]
    want = {("d1", 0): "a-leek", ("d1", 1): "bean-rows", ("d2", 0): "a-leek", ("d1", 2): "cabbage"}
    assert dict(slug_of) == want and len(slug_of) == 4
    for missing in [("d1", 3), ("d2", 1), ("d3", 0), ("d2", -1)]:
        assert missing not in slug_of and slug_of.get(missing, "-") == "-"


def test_duplicates_grouped_by_title_key_even_when_two_titles_share_one():
    """duplicate_groups sorts posts by a 64-bit key of the title; titles that happened to
    share a key are still told apart (same_post compares titles), so the groups are those
    the real keys give, and Groups keeps them in two arrays, nothing per group."""
    raws = [
        RawPost("A leek", 1, 1, "d1", 0, blocks=["Leeks in rows."]),
        RawPost("Bean rows", 3, 3, "d1", 1, blocks=["Beans climb."]),
        RawPost("A Leek", 1, 1, "d2", 0, blocks=["Leeks in rows."]),
        RawPost("Bean rows", 5, 5, "d2", 1, blocks=["Something else entirely here."]),
    ]
    assert title_key("A leek") == title_key("A Leek") != title_key("Bean rows")
    want = [[0, 2], [1], [3]]
    assert duplicate_groups(raws) == want
    assert duplicate_groups(raws, title_keys=[7, 7, 7, 7]) == want  # every key collides
    groups = Groups(want)
    assert [groups[k] for k in range(len(groups))] == want
    assert {type(groups.members).__name__, type(groups.starts).__name__} == {"array"}


def test_control_character_test_agrees_with_forbidden_re_on_every_code_point():
    """holds_forbidden, the dump-wide test split_lines relies on, answers as FORBIDDEN_RE
    does for each code point, alone and inside ASCII or non-ASCII text."""
    for c in map(chr, range(0x110000)):
        for text in (c, f"ab{c}", f"é{c}x"):
            assert holds_forbidden(text) == bool(FORBIDDEN_RE.search(text)), hex(ord(c))


def _crafted_copies() -> list[RawPost]:
    """Copies of posts across three dumps: the same post twice and three times, two posts
    sharing a title but not their words, titles whose slugs collide, a blog's own slug, a
    copy standing away from its dump's run."""
    words = "Leeks stand in rows along the wall of the allotment all winter long"
    raws = [
        RawPost("A leek", 1, 1, "d1", 0, blocks=[words]),
        RawPost("Bean rows", 3, 3, "d1", 1, blocks=["Beans climb the canes by June."]),
        RawPost("A Leek", 1, 1, "d2", 0, blocks=[words, "A second block."]),
        RawPost("Bean rows", 5, 5, "d2", 1, blocks=["Something else entirely, on slugs."]),
        RawPost("A leek!", 7, 7, "d2", 2, blocks=["Another leek post, other words."]),
        RawPost("Cabbage", 9, 9, "d2", 3, blocks=["Cabbages."], slug="a-leek"),
        RawPost("A leek", 2, 2, "d3", 0, blocks=[words]),
        RawPost("Cabbage", 4, 4, "d3", 1, blocks=["Cabbages."]),
    ]
    raws += [RawPost(f"Post {k % 7}", k, k, "d4", k, blocks=[f"Words {k}."]) for k in range(40)]
    return raws + [RawPost("Bean rows", 8, 8, "d1", 2, blocks=["Beans climb the canes by June."])]


def test_merge_on_disk_gives_the_merges_made_in_memory():
    """With a store, merge_posts groups copies, numbers posts and gives slugs through SQLite
    tables and keeps the results in the store: the same posts, slugs and slug map as the
    in-memory merge, on copies crafted to join, collide and stand out of place."""
    raws = _crafted_copies()
    posts, slug_of = merge_posts(raws)
    with BlockStore() as store:
        on_disk, disk_slug_of = merge_posts(raws, store=store)
        assert list(on_disk) == list(posts) and list(on_disk.headers) == list(posts.headers)
        assert dict(disk_slug_of) == dict(slug_of) and len(disk_slug_of) == len(raws)
        assert [p.slug for p in on_disk.headers][:6] == [
            "a-leek-2",
            "bean-rows",
            "bean-rows-2",
            "a-leek-3",
            "a-leek",
            "post-0",
        ]
        for missing in [("d1", 3), ("d3", 2), ("d5", 0), ("d2", -1)]:
            assert missing not in disk_slug_of


def test_merge_on_disk_keeps_nothing_per_post_in_memory():
    """What the merge keeps for the writers and the report (each post's group of copies,
    slug and merged fields; each copy's post) waits in the store: in memory only the last
    unfilled run of numbers, however many the posts."""
    raws = [RawPost(f"Post {k}", k, k, "d", k, blocks=[f"Words {k}."]) for k in range(6000)]
    with BlockStore() as store:
        posts, slug_of = merge_posts(raws, store=store)
        kept = [slug_of.number, posts.headers.fields.starts, posts.headers.fields.sizes]
        assert all(isinstance(x, StoredInts) and len(x.tail) < INTS for x in kept)
        assert isinstance(posts.headers.slugs, StoredList) and not posts.headers.slugs.pending
        assert not posts.headers.fields.pending
        assert [posts.headers[k].slug for k in (0, 4095, 4096, 5999)] == [
            "post-0",
            "post-4095",
            "post-4096",
            "post-5999",
        ]
        assert slug_of[("d", 5000)] == "post-5000" and len(slug_of) == 6000


def test_stored_list_extend_writes_a_long_run_as_it_comes():
    """extend() takes records from a generator and writes them a CHUNK at a time as they
    come: the merge hands it every post's slug this way, and a list of all of them (pickled)
    was the import's largest thing in memory."""
    with BlockStore() as store:
        slugs, seen = StoredList(store), []

        def given():
            for k in range(CHUNK * 5 + 7):
                seen.append((len(slugs.starts), len(slugs.pending)))  # written, waiting
                yield f"post-{k}"

        where = slugs.extend(given())
        assert where == range(CHUNK * 5 + 7)
        assert seen[-1] == (CHUNK * 5, 6) and max(waiting for _, waiting in seen) < CHUNK
        assert len(slugs.starts) == CHUNK * 5 and len(slugs.pending) == 7
        assert [slugs[k] for k in (0, CHUNK, CHUNK * 5 + 6)] == [
            "post-0",
            f"post-{CHUNK}",
            f"post-{CHUNK * 5 + 6}",
        ]


def test_known_titles_kept_as_digests_answer_as_the_title_sets_did():
    """A title is known elsewhere when another dump confirms it, whether or not this dump
    does too; the digests answer so from the store (bisecting its file) as from memory."""
    by_dump = [{"a leek", "bean rows"}, {"a leek", "cabbage"}, {"bean rows"}, set()]
    asked = ["a leek", "bean rows", "cabbage", "onion"]
    want = [
        {t for t in asked if any(t in other for j, other in enumerate(by_dump) if j != i)}
        for i in range(len(by_dump))
    ]
    assert want[1] == {"a leek", "bean rows"}  # not cabbage: only dump 1 itself confirms it
    with BlockStore() as store:
        for where in (None, store):
            titles = KnownTitles()
            for i, found in enumerate(by_dump):
                titles.add(i, digests(found))
            index = titles.index(where)
            assert isinstance(index["all"], SortedDigests) == (where is not None)
            for i in range(len(by_dump)):
                known = KnownElsewhere(index, titles.own(i))
                assert {t for t in asked if t in known} == want[i]
            titles.close()


@pytest.mark.parametrize("seed", range(6))
def test_chrome_vote_follows_few_lines_and_finds_the_exact_winner(seed):
    """A step's vote keeps at most CANDIDATES lines in hand however many the pages show,
    and still names the line most pages show next (what counting every line gives), with
    its count, whenever that line is on enough pages to win."""
    import random

    rng = random.Random(seed)
    shared = [f"Shared line {k}" for k in range(3)]
    pages = []
    for n in range(200):
        pages.append(
            [rng.choice(shared) if rng.random() < 0.7 else f"Own line {n} {k}" for k in range(3)]
        )
    walk = _Walk([_Lines(rows) for rows in pages], from_end=False)
    votes = {}
    for rows in pages:
        window = [grammar.norm(t) for t in rows[:2]]
        for key in set(window):
            votes.setdefault(key, [0, 0])[0] += 1
        votes[window[0]][1] += 1
    line, (agree, _) = max(votes.items(), key=lambda kv: (kv[1], kv[0]))
    assert len(votes) > 20 * CANDIDATES  # many pages show lines of their own
    assert _vote(walk, list(range(len(pages)))) == (line, agree)
