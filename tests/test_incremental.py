"""Parallel and cached builds write exactly what a serial --no-cache build writes.

Each case changes one input (a post's text, a title, a template, site.yaml, a static file,
the cache itself, the output), rebuilds with the cache and compares the whole tree, byte
for byte, with a cold serial build of the same inputs.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from blogarchive.build import BuildOptions, build
from blogarchive.build.cache import BuildCache
from blogarchive.build.manifest import (
    FileRecord,
    FileStat,
    FileTable,
    as_table,
    key_rows,
    manifest_from_data,
    manifest_to_data,
)
from blogarchive.build.output import folder_id, output_lock
from blogarchive.build.scan import parse_post
from blogarchive.config import Config
from blogarchive.errors import OutputError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402

CONFIG = Config(posts_per_page=5, base_url="https://example.org/", feed_limit=20)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def stats(folder: Path) -> dict[str, tuple]:
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.fixture()
def work(tmp_path):
    """A 150-post corpus (enough to fork workers), with a cold serial reference build."""
    posts = tmp_path / "posts"
    corpus.write(150, posts, seed=7)
    for src in sorted((ROOT / "posts").glob("*.md"))[:10]:  # some real posts too
        shutil.copy(src, posts / src.name)
    return tmp_path, posts


def cold(
    tmp_path: Path, posts: Path, config=CONFIG, templates=None, search=False
) -> dict[str, bytes]:
    out = tmp_path / f"cold-{os.urandom(4).hex()}"
    options = BuildOptions(template_dir=templates, jobs=1, cache_dir=None, search=search)
    build(posts, out, config, options)
    return tree(out)


def test_worker_count_does_not_change_a_byte(work):
    tmp_path, posts = work
    reference = cold(tmp_path, posts)
    for jobs in (2, 3):
        out = tmp_path / f"j{jobs}"
        report = build(posts, out, CONFIG, BuildOptions(jobs=jobs, cache_dir=None))
        assert report.converted == 160
        assert tree(out) == reference, f"--jobs {jobs} differs from a serial build"


def test_every_kind_of_change_rebuilds_to_what_a_cold_build_writes(work):
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    first = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert first.converted == 160 and tree(out) == cold(tmp_path, posts)

    # nothing changed: nothing converted, nothing written
    before = stats(out)
    again = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert again.up_to_date and stats(out) == before

    # one post's text edited
    victim = sorted(posts.glob("*.md"))[40]
    victim.write_text(victim.read_text("utf-8") + "\nA sentence added by the test.\n", "utf-8")
    edited = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert edited.converted == 1 and 0 < edited.rendered < 40 and edited.kept > 100
    assert tree(out) == cold(tmp_path, posts)
    assert "A sentence added by the test." in "".join(
        p.read_text("utf-8") for p in out.rglob("index.html") if "test." in p.read_text("utf-8")
    )

    # a title edited: neighbours, listings and feeds change too
    text = victim.read_text("utf-8")
    victim.write_text(text.replace("title: ", "title: Renamed ", 1), "utf-8")
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert tree(out) == cold(tmp_path, posts)

    # a post deleted and one added
    sorted(posts.glob("*.md"))[3].unlink()
    shutil.copy(sorted((ROOT / "posts").glob("*.md"))[-1], posts)
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert tree(out) == cold(tmp_path, posts)

    # site settings changed
    config = dataclasses.replace(CONFIG, title="Another title", posts_per_page=7)
    build(posts, out, config, BuildOptions(jobs=2, cache_dir=cache))
    assert tree(out) == cold(tmp_path, posts, config)

    # a template overridden
    templates = tmp_path / "templates"
    templates.mkdir()
    post_html = (ROOT / "templates" / "post.html").read_text("utf-8")
    (templates / "post.html").write_text(
        post_html.replace('<div class="body">', '<div class="body" data-test=1>'), "utf-8"
    )
    build(posts, out, config, BuildOptions(template_dir=templates, jobs=2, cache_dir=cache))
    assert tree(out) == cold(tmp_path, posts, config, templates)
    assert "data-test" in next(out.glob("20*/*/*/*/index.html")).read_text("utf-8")


def test_text_only_edits_plan_only_their_pages_and_write_what_a_cold_build_writes(work):
    """An edit that leaves a post's header and commonest words alone (here: words too short to
    count) re-plans only that post's pages; every other file is carried over by its key."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    for n, victim in enumerate(sorted(posts.glob("*.md"))[20:23]):
        victim.write_text(victim.read_text("utf-8") + f"\nIt is so, {n}.\n", "utf-8")
        edited = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
        assert "carry" in edited.phases and edited.converted == 1
        assert 0 < edited.rendered < 60 and edited.kept > 300
        assert tree(out) == cold(tmp_path, posts)


def test_the_spare_folder_is_brought_up_to_date_not_remade(work):
    """The build before stays beside the site; the next build changes only what differs in
    it and swaps the two: a file left in the site by hand is gone from both after two builds
    (after one, it is in the spare, with the rest of the site as it was)."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    spare = tmp_path / ".site.previous"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    victim = sorted(posts.glob("*.md"))[30]
    for n in range(3):
        (out / "2015").mkdir(exist_ok=True)
        (out / "2015" / f"stray-{n}.txt").write_text("left by someone", "utf-8")
        victim.write_text(victim.read_text("utf-8") + f"\nAnother line {n}.\n", "utf-8")
        build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
        assert tree(out) == cold(tmp_path, posts)
    assert sorted(p.name for p in spare.rglob("stray-*.txt")) == ["stray-2.txt"]
    inodes = {p.relative_to(spare): p.stat().st_ino for p in spare.rglob("*") if p.is_file()}
    shared = sum(
        inodes.get(p.relative_to(out)) == p.stat().st_ino for p in out.rglob("*") if p.is_file()
    )
    assert shared > 0.9 * len(inodes)  # the same files, not copies


def test_the_recorded_build_read_back_answers_for_every_file_it_wrote(work):
    """The site's record, read back from the cache as columns, names every file the build
    wrote with its stat, looks each up like a dict would, and writes back the same data."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    recorded = BuildCache(cache).manifest(out, folder_id(out))  # as this process made it
    manifest = manifest_from_data(manifest_to_data(recorded, str(out)), str(out))
    files = manifest.files
    assert isinstance(files, FileTable) and manifest == recorded
    on_disk = {p.relative_to(out).as_posix(): p.lstat() for p in out.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(on_disk) and len(files) == len(on_disk)
    for rel, st in on_disk.items():
        assert rel in files and files.get(rel) == files[rel] == recorded.files[rel]
        assert files[rel].stat == (st.st_size, st.st_mtime_ns, st.st_ino)
    assert dict(key_rows(files)) == {rel: r.key for rel, r in recorded.files.items()}
    assert files.get("2099/no-such-page.html") is None and "2099/no-such-page.html" not in files
    assert files.records() == recorded.files


def test_a_recorded_stat_too_large_for_64_bits_is_kept_whole():
    table = FileTable(["a.html", "b.html"], ["k1", "k2"], [1, 2**64 + 5, 3, 4, 5, 6])
    assert table["a.html"] == FileRecord("k1", FileStat(1, 2**64 + 5, 3))
    assert table.get("b.html").stat == FileStat(4, 5, 6)


def test_a_build_s_record_filled_as_it_goes_behaves_like_a_dict():
    """run.written is a FileTable filled file by file: the same order, lookups and overwrites
    as the dict it replaced, and it tells which files another record holds otherwise."""
    table, plain = FileTable.empty(), {}
    rows = [("a.html", "k1", (1, 2, 3)), ("b/c.html", "k2", (4, 5, 6)), ("a.html", "k3", (7, 8, 9))]
    rows.append(("huge.html", "k4", (1, 2**64 + 1, 2)))  # no 64-bit integer holds it
    for path, key, stat in rows:
        table[path] = plain[path] = FileRecord(key, FileStat(*stat))
    table.update([("d.html", FileRecord("k5", FileStat(0, 0, 1)))])
    plain.update([("d.html", FileRecord("k5", FileStat(0, 0, 1)))])
    assert list(table) == list(plain) and len(table) == len(plain)
    assert dict(table.items()) == plain and "a.html" in table and "z.html" not in table
    assert table.records() == plain
    other = as_table(
        {"a.html": FileRecord("k3", FileStat(7, 8, 10)), "b/c.html": plain["b/c.html"]}
    )
    assert list(table.differing(other)) == ["a.html", "huge.html", "d.html"]
    assert list(table.differing(as_table(plain))) == []
    assert list(table.differing(table)) == []


def test_a_damaged_cache_is_ignored_never_trusted(work):
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    reference = cold(tmp_path, posts)

    # garbage in every HTML entry, then a change that makes every post page render again
    for html in (cache / "html").rglob("*.html"):
        html.write_text(html.read_text("utf-8").replace("<p>", "<p>CORRUPTED "), "utf-8")
    build(posts, out, dataclasses.replace(CONFIG, title="T"), BuildOptions(jobs=2, cache_dir=cache))
    assert "CORRUPTED" not in "".join(v.decode("utf-8", "replace") for v in tree(out).values())
    assert tree(out) == cold(tmp_path, posts, dataclasses.replace(CONFIG, title="T"))

    # a truncated digest index and a manifest from somewhere else
    (cache / "digests.pickle").write_bytes((cache / "digests.pickle").read_bytes()[:1000])
    (cache / "related.pickle").write_bytes(b"blogarchive-cache-6 0\n" + b"\x80" * 40)
    for manifest in (cache / "builds").glob("*.marshal"):
        manifest.write_text("blogarchive-cache-1 0\n{}", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert report.converted == 160 and not report.up_to_date
    assert tree(out) == reference

    # a whole index with a byte changed, another with bytes after its object: both read as
    # they are loaded, and refused by their checksums, not trusted
    data = (cache / "digests.pickle").read_bytes()
    (cache / "digests.pickle").write_bytes(data[:-200] + bytes([data[-200] ^ 1]) + data[-199:])
    (cache / "digests.changes.pickle").unlink(missing_ok=True)
    related = (cache / "related.pickle").read_bytes()
    (cache / "related.pickle").write_bytes(related + b"\x80\x05N.")
    report = build(
        posts, out, dataclasses.replace(CONFIG, title="U"), BuildOptions(jobs=2, cache_dir=cache)
    )
    assert report.converted == 160
    assert tree(out) == cold(tmp_path, posts, dataclasses.replace(CONFIG, title="U"))

    # a cache folder that is not ours at all
    shutil.rmtree(cache)
    cache.mkdir()
    (cache / "digests.pickle").write_text("not a pickle", "utf-8")
    (cache / "related.pickle").write_bytes(b"\x80\x05N.")
    (cache / "html").write_text("a file where a folder should be", "utf-8")
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert tree(out) == reference


def test_a_file_changed_in_the_output_is_rebuilt_not_kept(work):
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    reference = tree(out)
    (out / "index.html").write_text("edited by hand", "utf-8")
    (out / "stray.txt").write_text("left by someone", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert not report.up_to_date and report.rendered >= 1
    assert tree(out) == reference


@pytest.mark.parametrize(
    "tamper",
    [
        lambda page: os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 1)),
        lambda page: page.write_bytes(page.read_bytes()),  # same bytes, written again
        lambda page: (page.parent / "extra.html").write_text("left here", "utf-8"),
        lambda page: page.unlink(),
        lambda page: (page.unlink(), page.mkdir()),
        lambda page: (page.rename(page.with_suffix(".bak")), page.symlink_to(page.name + ".x")),
    ],
    ids=["mtime", "rewritten", "added", "removed", "folder", "symlink"],
)
def test_any_change_deep_in_the_output_is_seen_by_the_no_change_check(work, tamper):
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=1, cache_dir=cache))
    assert build(posts, out, CONFIG, BuildOptions(jobs=1, cache_dir=cache)).up_to_date
    page = next(p for p in sorted(out.rglob("index.html")) if p.parent.parent != out)
    tamper(page)
    report = build(posts, out, CONFIG, BuildOptions(jobs=1, cache_dir=cache))
    assert not report.up_to_date
    assert tree(out) == cold(tmp_path, posts)


def test_a_post_re_keyed_with_the_same_words_is_remembered_so_its_next_edit_stays_small(
    work, monkeypatch
):
    """An edit that changes a post's bytes but not its words changes its key; the related
    posts' workings must learn the new key (and only that is written), or the next edit of
    that post finds its old digest gone and ranks every post again."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    victim = sorted(posts.glob("*.md"))[20]
    text = victim.read_text("utf-8")
    victim.write_text(text + "\n", "utf-8")  # other bytes, the same words
    related = (cache / "related.pickle").stat().st_mtime_ns
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))  # its old digest let go
    assert (cache / "related.pickle").stat().st_mtime_ns == related  # only the keys written
    assert (cache / "related.keys.pickle").is_file()

    def whole(*args, **kwargs):
        raise AssertionError("every post ranked again")

    monkeypatch.setattr("blogarchive.related_index.RelatedIndex.compute", whole)
    monkeypatch.setattr("blogarchive.build.cache._KEPT", {})  # a new process: read from disk
    victim.write_text(victim.read_text("utf-8") + "\nOne more sentence, about trains.\n", "utf-8")
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    monkeypatch.undo()
    assert tree(out) == cold(tmp_path, posts)


def test_a_build_that_finds_the_site_up_to_date_reports_the_keys_the_last_one_made(work):
    """serve compares each build's keys with the last ones to tell open pages what changed;
    restarted on a site already up to date, its first build must still know them all."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    made = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    again = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert again.up_to_date and not again.keys  # nothing was written
    assert again.output_keys() == made.output_keys()
    site = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert made.output_keys().keys() == site  # every file of the site, by its key


def test_a_static_file_change_is_picked_up(work, tmp_path, monkeypatch):
    """In a site folder's own static/: a file there replaces the default of the same name."""
    _, posts = work
    static = tmp_path / "static"
    static.mkdir()
    (static / "style.css").write_text("body { color: blue }\n", "utf-8")
    monkeypatch.chdir(tmp_path)
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert (out / "static" / "style.css").read_text("utf-8") == "body { color: blue }\n"
    assert (out / "static" / "reader.css").read_bytes() == (ROOT / "static/reader.css").read_bytes()
    (static / "style.css").write_text("body { color: red }\n", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert not report.up_to_date
    assert (out / "static" / "style.css").read_text("utf-8") == "body { color: red }\n"


def test_unchanged_files_keep_their_inode_and_mtime(work):
    """Rsync and web servers see only what changed: unchanged files are the same files."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    before = stats(out)
    victim = sorted(posts.glob("*.md"))[10]
    victim.write_text(victim.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    after = stats(out)
    same = [p for p in before if after.get(p) == before[p]]
    assert len(same) > 0.9 * len(before)
    assert after["static/style.css"] == before["static/style.css"]


def test_a_second_build_into_the_same_folder_is_refused_naming_the_holder(work):
    tmp_path, posts = work
    out = tmp_path / "site"
    with output_lock(out.absolute()):
        with pytest.raises(OutputError, match=rf"another build \(PID {os.getpid()}\)"):
            build(posts, out, CONFIG, BuildOptions(jobs=1))
    build(posts, out, CONFIG, BuildOptions(jobs=1))  # released: the next build goes ahead
    assert not (tmp_path / ".site.lock").exists()


def test_a_killed_builds_forked_worker_still_dying_does_not_hold_the_lock(tmp_path):
    """Workers are forked while the lock is held; once the build itself is gone, so is the lock."""
    out = (tmp_path / "site").absolute()
    read, write = os.pipe()
    parent = os.fork()
    if parent == 0:  # the "build": takes the lock, forks a worker that lingers, then dies
        os.close(read)
        with output_lock(out):
            if os.fork() == 0:  # the worker, once it runs (its fork hooks have run)
                os.write(write, f"{os.getpid()}\n".encode())
                time.sleep(30)
                os._exit(0)
            os._exit(0)  # killed mid-build: no unlock, no cleanup
    os.close(write)
    with os.fdopen(read) as pipe:
        worker = int(pipe.readline())
    os.waitpid(parent, 0)
    try:
        os.kill(worker, 0)  # the worker is still alive...
        with output_lock(out):  # ...and the next build takes the folder all the same
            pass
    finally:
        os.kill(worker, signal.SIGKILL)


def test_old_unchanged_posts_are_not_even_read_but_every_edit_is_seen(work):
    """The scan trusts size+mtime+inode only for files older than the last build's start."""
    tmp_path, posts = work
    day_ago = os.stat(posts).st_mtime - 86400
    for p in posts.glob("*.md"):
        os.utime(p, (day_ago, day_ago))
    out, cache = tmp_path / "site", tmp_path / "cache"
    assert build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache)).read == 160
    again = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert again.up_to_date and again.read == 0

    victim = sorted(posts.glob("*.md"))[20]
    text = victim.read_text("utf-8")
    i = text.index("\n---\n") + 5
    swapped = text[:i] + text[i:].replace("a", "e", 1)  # same size, new text
    victim.write_text(swapped, "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert report.read == 1 and report.converted == 1
    assert tree(out) == cold(tmp_path, posts)

    replaced = tmp_path / "replacement.md"  # same size and mtime, new inode
    replaced.write_text(text, "utf-8")
    st = os.stat(victim)
    os.utime(replaced, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(replaced, victim)
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert report.read >= 1 and not report.up_to_date
    assert tree(out) == cold(tmp_path, posts)


def test_index_later_swaps_the_pages_in_with_the_last_whole_index_then_catches_up(work):
    """serve's order: the edited pages first, with the search index of the last build (whole,
    never half-made), as often as edits come; then a build without index_later, though
    nothing changed, brings the index up to date, and the site is what a cold build makes."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache, search=True))

    def later_files(files):  # the search index and the feeds: made when edits pause
        feeds = ("atom.xml", "feed.xml", "feed.json")
        return {p: b for p, b in files.items() if p.startswith("pagefind/") or p.endswith(feeds)}

    index = later_files(tree(out))
    assert "pagefind/shards.json" in index and "feed.xml" in index
    later = BuildOptions(jobs=2, cache_dir=cache, search=True, index_later=True)
    newest = max(posts.glob("*.md"), key=lambda f: parse_post(f, f.read_bytes()).date or date.min)
    for n, victim in enumerate([newest, *sorted(posts.glob("*.md"))[12:13]]):
        victim.write_text(victim.read_text("utf-8") + f"\nZanzibarquokka{n} appears once.\n")
        report = build(posts, out, CONFIG, later)
        assert report.index_pending and report.rendered > 0
        assert later_files(tree(out)) == index
        assert any(f"Zanzibarquokka{n}" in b.decode("utf-8", "replace") for b in tree(out).values())

    now = BuildOptions(jobs=2, cache_dir=cache, search=True)
    before = tree(out)
    caught_up = build(posts, out, CONFIG, now)
    assert not caught_up.up_to_date and not caught_up.index_pending and caught_up.indexed
    after = tree(out)
    assert {p for p in after if before.get(p) != after[p]} <= later_files(after).keys()
    assert build(posts, out, CONFIG, now).up_to_date

    def pages(files):  # Pagefind's own files vary from run to run (benchmarks/README.md)
        return {p: b for p, b in files.items() if not p.startswith("pagefind/")}

    assert pages(tree(out)) == pages(cold(tmp_path, posts, search=True))

    def steady(paths):  # named by their content, which varies (benchmarks/README.md)
        return {p for p in paths if not p.endswith((".pf_filter", ".pf_meta"))}

    assert sorted(steady(tree(out)) ^ steady(cold(tmp_path, posts, search=True))) == []


@pytest.mark.parametrize("fork_at", [0, 10**9])
def test_index_later_never_keeps_a_changed_file_of_the_spares_index(work, monkeypatch, fork_at):
    """serve keeps the last search index, leaving in the spare the shards it holds intact:
    a file of the spare's index changed by hand (found by the spare check's child, or by
    its stat on a small site) is not left there; the site's own copy is linked instead."""
    from blogarchive.build import steps

    monkeypatch.setattr(steps, "SPARE_CHECK_FORK", fork_at)
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    spare = tmp_path / ".site.previous"
    now = BuildOptions(jobs=2, cache_dir=cache, search=True)
    build(posts, out, CONFIG, now)
    victim = sorted(posts.glob("*.md"))[5]
    victim.write_text(victim.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    build(posts, out, CONFIG, now)
    index = {p: b for p, b in tree(out).items() if p.startswith("pagefind/")}
    tampered = sorted(p for p in (spare / "pagefind").rglob("*.pf_fragment"))[0]
    tampered.unlink()
    tampered.write_bytes(b"changed by hand")
    victim.write_text(victim.read_text("utf-8") + "\nAnd another.\n", "utf-8")
    later = BuildOptions(jobs=2, cache_dir=cache, search=True, index_later=True)
    assert build(posts, out, CONFIG, later).index_pending
    assert {p: b for p, b in tree(out).items() if p.startswith("pagefind/")} == index


def test_an_edit_with_search_on_reindexes_one_shard_beside_the_pages(work):
    """A one-post edit indexes its shard in a forked child while the pages are kept: one
    shard indexed, and the site, search index included (but for the files Pagefind names
    by a per-run hash), byte for byte what a cold build makes."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    options = BuildOptions(jobs=2, cache_dir=cache, search=True)
    first = build(posts, out, CONFIG, options)
    assert first.indexed.shards > 1
    victim = sorted(posts.glob("*.md"))[40]
    victim.write_text(victim.read_text("utf-8") + "\nA quokkazanzibar sentence.\n", "utf-8")
    report = build(posts, out, CONFIG, options)
    assert report.indexed.indexed == 1 and report.kept > 100

    def steady(files):  # Pagefind's filter chunks and what names them vary (search.py)
        varying = (".pf_filter", ".pf_meta", "pagefind-entry.json")
        return {p: b for p, b in files.items() if not p.endswith(varying)}

    made, reference = steady(tree(out)), steady(cold(tmp_path, posts, search=True))
    assert sorted(made.keys() ^ reference.keys()) == []
    assert [p for p in made if made[p] != reference[p]] == []


def test_package_versions_are_read_from_dist_info_names_as_metadata_gives_them():
    """The renderer's fingerprint names the versions of the libraries a page depends on; they
    are read from the .dist-info folders' names (no importlib.metadata at start-up), and
    must be what importlib.metadata says."""
    import importlib.metadata

    from blogarchive.build import keys

    for package in ("markdown", "pygments", "jinja2", "feedgen"):
        assert keys._dist_versions()[package] == importlib.metadata.version(package)
        assert keys._version(package) == importlib.metadata.version(package)


@pytest.mark.parametrize("fork_at", [0, 10**9])
def test_files_of_the_spare_changed_or_removed_are_never_kept(work, monkeypatch, fork_at):
    """The spare's files and folders are checked (in a forked child while the posts load, or
    here for a small site) against their records: a page replaced by other bytes and one
    removed are made or linked again, not kept; a file and a folder left in the spare are
    removed; the site is what a cold build makes, and its folders are recorded as they are."""
    from blogarchive.build import steps

    monkeypatch.setattr(steps, "SPARE_CHECK_FORK", fork_at)
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    spare = tmp_path / ".site.previous"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    pages = sorted(p for p in spare.rglob("index.html") if "/page/" not in p.as_posix())
    tampered, removed = pages[10], pages[20]
    tampered.unlink()  # a new file under the same name: the site's copy is left alone
    tampered.write_text("<p>changed by hand</p>", "utf-8")
    removed.unlink()
    (pages[40].parent / "left-here.html").write_text("<p>stray</p>", "utf-8")
    (pages[50].parent / "left-folder").mkdir()
    (pages[50].parent / "left-folder" / "index.html").write_text("<p>stray</p>", "utf-8")
    (spare / "category" / "left-in-written.txt").write_text("stray", "utf-8")
    victim = sorted(posts.glob("*.md"))[30]
    victim.write_text(victim.read_text("utf-8") + "\nOne more line.\n", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert report.kept > 100
    assert tree(out) == cold(tmp_path, posts)
    # the folders written were recorded at their new mtimes: nothing is left to do
    assert build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache)).up_to_date


def test_an_edit_writes_its_own_digest_and_posts_json_line_not_the_whole_cache(work):
    """The digests and posts.json's lines are kept whole once, then as the changes since: a
    one-post edit leaves the whole files as they were and writes small change files, and the
    next builds read the two together (the site stays what a cold build makes)."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    options = BuildOptions(jobs=2, cache_dir=cache)
    build(posts, out, CONFIG, options)
    wholes = sorted(
        p.name
        for p in cache.glob("*.pickle")
        if p.name.startswith(("digests.", "records.")) and ".changes." not in p.name
    )
    assert len(wholes) == 2 and "digests.pickle" in wholes
    before = {name: (cache / name).read_bytes() for name in wholes}
    victim = sorted(posts.glob("*.md"))[30]
    for n in range(2):
        victim.write_text(victim.read_text("utf-8") + f"\nEdit {n}.\n", "utf-8")
        build(posts, out, CONFIG, options)
        assert tree(out) == cold(tmp_path, posts)
    assert {name: (cache / name).read_bytes() for name in wholes} == before
    changes = sorted(p.name for p in cache.glob("*.changes.pickle"))
    assert len(changes) == 2 and all((cache / c).stat().st_size < 20_000 for c in changes)
    other = dataclasses.replace(CONFIG, base_url="https://example.com/blog/")
    build(posts, out, other, options)  # another site URL: its lines, the others forgotten
    assert len([p for p in cache.glob("records.*.pickle") if ".changes." not in p.name]) == 1


def test_the_command_line_leaves_the_collector_off_only_when_the_process_ends(work):
    """A build turns Python's cycle collector off while it runs; main() turns it back on,
    unless the process ends with the command (run), where collecting would only walk every
    object the build made once more. Both builds are the same site."""
    import gc

    from blogarchive.cli import main

    tmp_path, posts = work
    argv = ["build", "--posts", str(posts), "--config", str(tmp_path / "none.yaml"), "-q"]
    argv += ["--no-search"]  # Pagefind writes some index files differently each time
    (tmp_path / "none.yaml").write_text("title: T\n", "utf-8")
    try:
        assert main([*argv, "--out", str(tmp_path / "a"), "--no-cache"]) == 0
        assert gc.isenabled()
        assert main([*argv, "--out", str(tmp_path / "b"), "--no-cache"], ends=True) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert tree(tmp_path / "a") == tree(tmp_path / "b")


def test_a_one_off_build_keeps_nothing_of_the_cache_in_memory(work):
    """serve builds again and again in one process and keeps what it read from the cache for
    the next build; a build whose process ends next (once) lets each part go when done with
    it, so nothing is left in the process's memo. Both ways the sites are the same."""
    from blogarchive.build import cache as cache_module

    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    edited = sorted(posts.glob("*.md"))[2]
    cache_module._KEPT.clear()
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert any(k.startswith(str(cache)) for k in cache_module._KEPT)  # serve's way
    cache_module._KEPT.clear()
    edited.write_text(edited.read_text("utf-8") + "\nOnce more, edited.\n", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache, once=True))
    assert report.converted == 1 and not cache_module._KEPT
    assert tree(out) == cold(tmp_path, posts)


def test_a_build_holds_only_the_cached_digests_it_can_use(work, monkeypatch):
    """An edit keeps the digests of every post file and the edited file's last one (its
    header is compared, its old terms give the related posts); after a new renderer, no
    cached digest names a post file: neither they nor the related posts' workings are read,
    related posts are computed afresh and the stale HTML leaves the cache. Both sites are a
    cold build's."""
    from blogarchive.build import pipeline, steps

    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    options = BuildOptions(jobs=2, cache_dir=cache, once=True)
    build(posts, out, CONFIG, options)
    held = []
    usable = steps.usable_digests
    monkeypatch.setattr(steps, "usable_digests", lambda *a: held.append(usable(*a)) or held[-1])
    before = set(BuildCache(cache).digests())
    edited = sorted(posts.glob("*.md"))[5]
    edited.write_text(edited.read_text("utf-8") + "\nA sentence more.\n", "utf-8")
    assert build(posts, out, CONFIG, options).converted == 1
    now = set(BuildCache(cache).digests())
    assert held[-1].keys() == before and len(now - before) == 1 and len(before - now) == 1
    assert tree(out) == cold(tmp_path, posts)
    renderer = pipeline.renderer_fingerprint()
    monkeypatch.setattr(pipeline, "renderer_fingerprint", lambda: renderer + " another")
    computed, read = [], []
    compute = steps.RelatedIndex.compute
    monkeypatch.setattr(steps.RelatedIndex, "compute", lambda *a: computed.append(1) or compute(*a))
    for name in ("digests", "related"):
        found = getattr(BuildCache, name)
        spy = lambda self, f=found, n=name: read.append(n) or f(self)  # noqa: E731
        monkeypatch.setattr(BuildCache, name, spy)
    assert build(posts, out, CONFIG, options).converted == 160
    assert held[-1] == {} and computed == [1] and read == []
    assert tree(out) == cold(tmp_path, posts)
    monkeypatch.undo()
    digests = BuildCache(cache).digests()
    assert len(digests) == 160 and not digests.keys() & now
    assert BuildCache(cache).html_keys() == digests.keys()  # the old renderer's HTML is gone


def test_a_build_told_which_posts_were_edited_checks_only_those(work):
    """serve's watcher names the post files changed since its last good build: only those are
    stat-ed and read (an edit, a new post), the others keep their recorded keys, and the
    site is what a cold build makes; without the names every file is checked again."""
    tmp_path, posts = work
    out, cache = tmp_path / "site", tmp_path / "cache"
    build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    edited, other = sorted(posts.glob("*.md"))[3:5]
    edited.write_text(edited.read_text("utf-8") + "\nQuokkazebra appears here.\n", "utf-8")
    added = posts / "a-new-post.md"
    added.write_text("---\ntitle: A new post\ndate: 2020-01-02\n---\n\nHello.\n", "utf-8")
    names = frozenset({edited.name, added.name})
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache, edited=names))
    assert report.read == 2
    assert tree(out) == cold(tmp_path, posts)
    other.write_text(other.read_text("utf-8") + "\nUnseen by the watcher.\n", "utf-8")
    report = build(posts, out, CONFIG, BuildOptions(jobs=2, cache_dir=cache))
    assert report.read >= 1 and not report.up_to_date
    assert tree(out) == cold(tmp_path, posts)
