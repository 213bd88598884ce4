"""The build: posts/ -> site/, made in the site's spare folder, which then takes its place.

The steps, in order (each a function below, timed by `report.step`):
  scan posts/ (content keys) -> nothing changed since the last build? stop, writing nothing
  -> digest each post (front matter, HTML, summary: cached, else in worker processes)
  -> group -> plan every page and feed, each with a key of everything it is made from
  -> render what changed in the workers; keep what the spare already holds, or hard-link it
  from the site -> static files, sitemap -> tidy the spare -> index for search -> remember
  -> swap the spare and the site (output.py).
Everything is made before the swap: a failure anywhere before it leaves the site untouched.
"""
from __future__ import annotations

import contextlib
import dataclasses
import itertools
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from .. import resources
from .. import site as S
from ..config import Config
from ..errors import OutputError
from ..export import posts_json
from ..provenance import source_views
from ..related import PostTerms, related_from_terms
from ..render import compile_templates, make_env
from ..search import index_site
from ..sitemap import robots, sitemap
from .cache import BuildCache
from .digest import Digest
from .keys import (content_key, folder_keys, image_keys, page_salt, renderer_fingerprint,
                   site_fingerprint)
from .manifest import FileRecord, FileStat, Manifest
from .output import (Output, SiteWriter, check_replaceable, folder_id, folder_times, folders_of,
                     fresh_spare, intact, new_folder, output_lock, remove_stale, same_file,
                     spare_folder, swap, tidy, walk)
from .plan import feed_jobs, image_jobs, output_key, plan_pages
from .pool import Task, Workers
from .report import Report
from .scan import PostFile, scan_posts, unique_slugs
from .workers import (WorkerState, copy_images, digest_posts, know_digests, link_files,
                      render_feeds, render_pages)

PLAN_CHUNK = 2000       # pages planned, then rendered, at a time: the plan never sits whole


@dataclass(frozen=True)
class Request:
    """What to build: the arguments of `build`, resolved."""
    posts_dir: Path
    out: Path
    config: Config
    template_dir: Path | None
    keep_going: bool
    jobs: int
    dumps_dir: Path | None      # None when there is no such folder
    search: bool
    images_dir: Path | None = None  # the project's images/, copied into the site; None: none
    index_later: bool = False       # keep the last complete search index; a later build updates it


@dataclass(frozen=True)
class Scan:
    """What the scan found: the post files, the unreadable ones, the site's fingerprint, and
    the images to copy (path in the images folder -> content key)."""
    files: tuple[PostFile, ...]
    errors: tuple[str, ...]
    renderer: str
    fingerprint: str
    started_ns: int
    dumps: tuple[str, ...] = ()     # keys of the files in the dumps folder
    images: Mapping[str, str] = dataclasses.field(default_factory=dict)


@dataclass
class Run:
    """One build in progress: its request and cache, the manifests of the site (the last
    build) and of its spare folder, the scan, and what it has done so far (the report, the
    skipped files, every output path planned, every file of the new site with its key)."""
    request: Request
    cache: BuildCache
    manifest: Manifest
    scan: Scan
    report: Report
    errors: list[str]
    salt: str
    spare: Path = Path()
    spare_manifest: Manifest = dataclasses.field(default_factory=Manifest)
    outputs: Output = dataclasses.field(default_factory=Output)
    written: dict[str, FileRecord] = dataclasses.field(default_factory=dict)
    related_key: str = ""
    post_paths: list[str] = dataclasses.field(default_factory=list)   # in the site's order

    @property
    def structure(self) -> str:
        """The key of everything a page is made from but the posts' own text."""
        return content_key("\n".join([self.salt, *self.scan.dumps,
                                      *sorted(f.path.name for f in self.scan.files)]))


def build(posts_dir: Path, out: Path, config: Config, template_dir: Path | None = None,
          keep_going: bool = False, *, jobs: int | None = None, cache_dir: Path | None = None,
          dumps_dir: Path | None = None, search: bool = False,
          images_dir: Path | None = None, index_later: bool = False) -> Report:
    """Build posts_dir into out; with a cache_dir, reuse whatever the last build already made.

    With a dumps_dir, each post whose dumps are there gets a source view; with search, the
    site is indexed by Pagefind before it is swapped in; the files of images_dir (the images
    import copied) are copied into the site's images/. With index_later (serve), the
    site is swapped in with the last complete search index when the new one would take time
    to make (report.index_pending): the next build makes it, even if nothing changed (and
    never leaves it for later twice in a row)."""
    started = time.perf_counter()
    out = Path(out).absolute()
    dumps = Path(dumps_dir) if dumps_dir and Path(dumps_dir).is_dir() else None
    images = Path(images_dir).absolute() if images_dir and Path(images_dir).is_dir() else None
    request = Request(Path(posts_dir), out, config, template_dir, keep_going,
                      jobs or os.cpu_count() or 1, dumps, search, images, index_later)
    with output_lock(out):
        remove_stale(out)
        with open_cache(out, cache_dir) as cache:
            report = _build(request, cache)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def open_cache(out: Path, cache_dir: Path | None):
    """The persistent cache; without one (--no-cache), a scratch folder for this build's HTML
    (workers hand post HTML to each other through it, not through memory), removed after."""
    if cache_dir is not None:
        yield BuildCache(Path(cache_dir).absolute())
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = new_folder(out, "scratch")
    try:
        yield BuildCache(scratch, scratch=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build(request: Request, cache: BuildCache) -> Report:
    """The steps; returns early, writing nothing, when the last build is still right."""
    report = Report()
    check_replaceable(request.out)
    manifest = cache.manifest(request.out, folder_id(request.out))
    with report.step("scan"):
        scan = scan_step(request, manifest)
    report.read = sum(f.read for f in scan.files)
    with report.step("check"):
        if up_to_date(scan, manifest, request.out):
            report.files, report.up_to_date = len(manifest.files), True
            return report
    env = make_env(request.template_dir, request.search)
    compile_templates(env)      # a broken template fails before any work
    salt = page_salt(scan.renderer, request.config, request.search, request.template_dir)
    run = Run(request, cache, manifest, scan, report, list(scan.errors), salt)
    replace_site(run, env)
    return report


def replace_site(run: Run, env) -> None:
    """Bring the spare folder up to date (what changed made, the rest kept), index it, record
    it, and swap it in. On any failure the site stays as it was."""
    request, cache = run.request, run.cache
    out = request.out
    try:
        take_spare(run)
        writer = SiteWriter(run.spare, out)
        state = WorkerState(request.config, env, cache, {f.key: f.path for f in run.scan.files},
                            writer, run.scan.renderer)
        with Workers(request.jobs, state) as workers:
            make_site(run, workers, state)
        search_key = keep_index(run, writer)
        with run.report.step("tidy"):
            tidy(run.spare, run.written, run.spare_manifest.folders, run.spare_manifest.files)
        if (not search_key and request.index_later and not run.manifest.index_pending
                and keep_last_index(run, writer)):
            run.report.index_pending = True
        else:
            search_key = search_key or index_step(run)
        with run.report.step("remember"):
            remember(run, search_key)
        with run.report.step("swap"):
            swap(run.spare, out)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write the site: {exc.strerror}; "
                          "the previous site is untouched") from None


def take_spare(run: Run) -> None:
    """The folder this build makes the site in: the spare, if this cache knows what it holds,
    else a fresh one. Its record is forgotten first: a killed build leaves it unknown."""
    out, cache = run.request.out, run.cache
    spare = spare_folder(out)
    check_replaceable(spare)
    run.spare_manifest = cache.manifest(out, folder_id(spare))
    if not run.spare_manifest.files:
        with run.report.step("new spare"):
            spare = fresh_spare(out)
    cache.forget_manifest(out, folder_id(spare))
    run.spare = spare


def scan_step(request: Request, manifest: Manifest) -> Scan:
    """Every post file's content key (reusing the last build's where the file is untouched),
    every image's, and the fingerprint of everything the site is made from."""
    started_ns = time.time_ns()
    renderer = renderer_fingerprint()
    known = manifest.posts if manifest.renderer == renderer else {}
    files, errors = scan_posts(request.posts_dir, renderer, known, manifest.scanned_ns)
    dumps = tuple(folder_keys(request.dumps_dir))
    images = image_keys(request.images_dir)
    fingerprint = site_fingerprint(renderer, request.config, request.template_dir, [
        f"search={request.search}", *dumps,
        *(f"{S.IMAGES_FOLDER}{rel}:{key}" for rel, key in images.items()),
        *(f"{f.path.name}:{f.key}" for f in files)])
    return Scan(tuple(files), tuple(errors), renderer, fingerprint, started_ns, dumps, images)


def up_to_date(scan: Scan, manifest: Manifest, out: Path) -> bool:
    """Would this build write exactly what `out` already holds, untouched since?"""
    return (not scan.errors and manifest.fingerprint == scan.fingerprint
            and not manifest.index_pending and intact(out, manifest.files, manifest.folders))


def make_site(run: Run, workers: Workers, state: WorkerState) -> None:
    """Digest the posts, group them, plan the output files, render what changed, keep what
    did not, and add the files no template makes. When only the text of some posts changed,
    only their pages are planned; every other file is the last build's (`carry`)."""
    report, config = run.report, run.request.config
    digests, changed = digest_step(run, workers)
    workers.broadcast(know_digests, {d.key: d for d in digests})
    with report.step("group"):
        site = S.group([d.post for d in digests], related_links(run, digests, changed))
        by_slug = {d.post.slug: d for d in digests}
        run.post_paths = [S.post_path(p) for p in site.posts]
    with report.step("source views"):
        views = source_view_step(run.request.dumps_dir, site.posts)
    plan_step(run, workers, plan_pages(site, by_slug, config, views, run.request.search, changed))
    feeds_and_images(run, workers, site, by_slug)
    if changed is not None and not carry(run, state.writer):
        run.outputs, run.written = Output(), {}             # the last build's files will not do
        plan_step(run, workers, plan_pages(site, by_slug, config, views, run.request.search))
        feeds_and_images(run, workers, site, by_slug)
    with report.step("static"):
        for extra in extra_files(run, digests):
            run.outputs.add(extra.path, extra.source)
            held = holds(run, extra.path, extra.key)
            if held is None:
                held = FileRecord(extra.key, state.writer.put(extra.path, extra.make()))
            elif held is LIVE:
                held = FileRecord(extra.key, state.writer.link([extra.path])[0])
            run.written[extra.path] = held


def feeds_and_images(run: Run, workers: Workers, site: S.Site, by_slug: dict) -> None:
    """Every feed and every image of the images folder, made or kept."""
    with run.report.step("feeds"):
        render_or_keep(run, workers, render_feeds, feed_jobs(site, by_slug, run.request.config))
    with run.report.step("images"):
        render_or_keep(run, workers, copy_images,
                       image_jobs(run.request.images_dir, run.scan.images))


def plan_step(run: Run, workers: Workers, pages: Iterator) -> None:
    """Plan pages a chunk at a time, rendering or keeping each chunk."""
    while True:
        with run.report.step("plan"):
            chunk = list(itertools.islice(pages, PLAN_CHUNK))
        if not chunk:
            break
        with run.report.step("pages"):
            render_or_keep(run, workers, render_pages, chunk)


def carry(run: Run, writer: SiteWriter) -> bool:
    """Every page the last build made and this one did not plan again, with its key: kept in
    the spare or linked from the site. False (nothing to do but plan everything) if one of
    them is missing or was changed by hand since."""
    made = set(run.written) | {f"static/{n}" for n in resources.static_files()}
    link, kept = [], 0
    with run.report.step("carry"):
        for rel, record in run.manifest.files.items():
            if rel in made or rel in EXTRA_FILES or rel.startswith("pagefind/"):
                continue
            held = holds(run, rel, record.key)
            if held is None:
                return False
            run.outputs.add(rel, f"{rel} (kept from the last build)")
            run.report.keys[rel] = record.key
            kept += 1
            if held is LIVE:
                link.append(rel)
            else:
                run.written[rel] = held
        for rel, st in zip(link, writer.link(link)):
            run.written[rel] = FileRecord(run.report.keys[rel], st)
    run.report.kept += kept
    return True


def digest_step(run: Run, workers: Workers) -> tuple[list[Digest], frozenset[str] | None]:
    """Every post's Digest (cached, else converted in the workers), in scan order, with
    malformed posts and slugs used twice refused (or, with keep_going, skipped); and the
    slugs of the posts whose text alone changed, if that is all (see `text_changes`)."""
    files = run.scan.files
    with run.report.step("load cache"):
        cached = run.cache.digests()
        todo = [k for k in dict.fromkeys(f.key for f in files) if k not in cached]
    with run.report.step("digest"):
        fresh = dict(zip(todo, workers.map(digest_posts, todo)))
    digests, parsed = {}, {}
    for f in files:
        result = cached.get(f.key) or fresh[f.key]
        if isinstance(result, str):
            run.errors.append(result)
        else:
            parsed[f.path] = digests[f.key] = result
    kept = unique_slugs(parsed, lambda d: d.post.slug, run.errors, run.request.keep_going)
    changed = text_changes(run, digests, cached)
    run.cache.put_digests(digests, cached)
    run.report.converted = len(todo)
    return kept, changed


def text_changes(run: Run, digests: dict[str, Digest],
                 cached: dict[str, Digest]) -> frozenset[str] | None:
    """The slugs of the posts whose files changed since the last build (which skipped none)
    though their headers and terms did not, when nothing else changed: no post added or
    removed, the same settings, code, templates and dumps. Then every page but theirs and
    the listing pages they are on is what the last build made. None otherwise."""
    last = run.manifest
    if (not last.fingerprint or run.errors or last.structure != run.structure
            or len(last.posts) != len(run.scan.files)):
        return None
    changed = set()
    for f in run.scan.files:
        before = last.posts.get(f.path.name)
        if before is None:
            return None
        if before.key == f.key:
            continue
        old, new = cached.get(before.key), digests.get(f.key)
        if old is None or new is None or old.post != new.post or old.terms != new.terms:
            return None
        changed.add(new.post.slug)
    return frozenset(changed)


def related_links(run: Run, digests: list[Digest],
                  changed: frozenset[str] | None) -> dict[str, tuple[str, ...]]:
    """Each post's related posts, from every post's terms; remembered in the cache while the
    terms and categories of all posts stay the same (an edit seldom changes them: when only
    posts' text changed, the last build's are taken without even computing their key)."""
    if changed is not None and run.manifest.related_key:
        found = run.cache.related(run.manifest.related_key)
        if found is not None:
            run.related_key = run.manifest.related_key
            return found
    items = [PostTerms(d.post.slug, d.terms, d.post.categories)
             for d in sorted(digests, key=lambda d: d.post.slug)]
    run.related_key = content_key(repr(items))
    found = run.cache.related(run.related_key)
    if found is None:
        found = related_from_terms(items)
        run.cache.put_related(run.related_key, found)
    return found


def source_view_step(dumps_dir: Path | None, posts) -> dict:
    """The source views of the posts whose dumps are at hand, by slug ({} without dumps)."""
    named = {s.file for p in posts for s in p.sources}
    if not dumps_dir or not any((dumps_dir / name).is_file() for name in named):
        return {}
    views = source_views(dumps_dir, posts)     # re-runs the loader: only when it can help
    return {slug: v for slug, v in views.items() if any(c.lines for c in v.copies)}


def render_or_keep(run: Run, workers: Workers, task: Task, jobs: list) -> None:
    """Where the build decides: a planned file whose key is the one the spare's file was made
    with is left alone; one whose key is the site's is hard-linked from the site; every other
    one is made by `task`."""
    report = run.report
    link, make = [], []
    for job in jobs:
        run.outputs.add(job.path, job.source)
        key = report.keys[job.path] = output_key(job, run.salt)
        held = holds(run, job.path, key)
        if held is None:
            make.append(job)
        elif held is LIVE:
            link.append(job)
        else:
            run.written[job.path] = held
    for done, stats in ((link, workers.map(link_files, [j.path for j in link])),
                        (make, workers.map(task, make))):
        for job, st in zip(done, stats):
            run.written[job.path] = FileRecord(report.keys[job.path], st)
    report.kept += len(jobs) - len(make)
    report.rendered += len(make)


LIVE = FileRecord("", FileStat(0, 0, 0))    # `holds`: the site's file will do, linked


def holds(run: Run, rel: str, key: str) -> FileRecord | None:
    """The spare's record of `rel` if its file was made with `key` and is untouched; LIVE if
    the site's is; else None."""
    for folder, manifest in ((run.spare, run.spare_manifest), (run.request.out, run.manifest)):
        found = manifest.files.get(rel)
        if found is not None and found.key == key and same_file(f"{folder}/{rel}", found.stat):
            return found if folder is run.spare else LIVE
    return None


EXTRA_FILES = ("posts.json", "sitemap.xml", "robots.txt")     # and static/*


@dataclass(frozen=True)
class Extra:
    """A file no template makes: its path, what it is, its key, and how to make its bytes."""
    path: str
    source: str
    key: str
    make: Callable[[], bytes]


def extra_files(run: Run, digests: list[Digest]) -> Iterator[Extra]:
    """Static files, posts.json, sitemap.xml and robots.txt, each made only when its key
    changed (posts.json: the posts' keys; the sitemap: every path planned before it)."""
    config, salt = run.request.config, run.salt
    yield Extra("posts.json", "posts.json",
                content_key("\n".join([salt, "posts.json", *(d.key for d in digests)])),
                lambda: posts_json([d.post for d in digests], config.site_url,
                                   {d.post.slug: d.words for d in digests}))
    for name, path in resources.static_files().items():
        rel = "static/" + name
        yield Extra(rel, f"static file {rel}", content_key(f"{salt}\n{rel}"), path.read_bytes)
    paths = sorted(run.outputs.sources)
    yield Extra("sitemap.xml", "sitemap", content_key("\n".join([salt, "sitemap", *paths])),
                lambda: sitemap(paths, config.site_url))
    yield Extra("robots.txt", "robots.txt", content_key(f"{salt}\nrobots.txt"),
                lambda: robots(config.site_url))


def keep_index(run: Run, writer: SiteWriter) -> str:
    """When search is on and every post page is what the spare's or the site's index was made
    from, keep that index (indexing 10,000 pages takes seconds; a change to a listing or a
    feed should not cost that) and return its key; else ''."""
    if not run.request.search:
        return ""
    run.report.indexed_keys = [run.report.keys[p] for p in run.post_paths]
    search_key = content_key(" ".join(run.report.indexed_keys))
    for folder, manifest in ((run.spare, run.spare_manifest), (run.request.out, run.manifest)):
        old = {rel: r for rel, r in manifest.files.items() if rel.startswith("pagefind/")}
        if old and manifest.search_key == search_key and all(
                same_file(f"{folder}/{rel}", r.stat) for rel, r in old.items()):
            with run.report.step("search (kept)"):
                if folder is not run.spare:
                    old = dict(zip(old, (FileRecord("", st) for st in writer.link(list(old)))))
                run.written.update(old)
            return search_key
    return ""


def keep_last_index(run: Run, writer: SiteWriter) -> bool:
    """Link the site's search index, made from an older build's pages but whole, into the
    spare (search catches up in the next build); False if there is none intact."""
    old = {rel: r for rel, r in run.manifest.files.items() if rel.startswith("pagefind/")}
    if not old or not all(same_file(f"{run.request.out}/{rel}", r.stat) for rel, r in old.items()):
        return False
    with run.report.step("search (later)"):
        run.written.update(zip(old, (FileRecord("", st) for st in writer.link(list(old)))))
    return True


def index_step(run: Run) -> str:
    """Index the spare (tidied: only this build's pages) with Pagefind, when search is on;
    returns the index's key."""
    if not run.request.search:
        return ""
    with run.report.step("search"):
        shutil.rmtree(run.spare / "pagefind", ignore_errors=True)
        run.report.indexed = index_site(run.spare)
        run.written.update({f"pagefind/{rel}": FileRecord("", st)
                            for rel, st in walk(run.spare / "pagefind").items()})
    return content_key(" ".join(run.report.indexed_keys))


def remember(run: Run, search_key: str) -> None:
    """Record what the spare now holds, before it is swapped in: this build's fingerprint
    (none when files were skipped), every file with its key and stat, every folder's mtime,
    and each post file's stat and key for the next scan."""
    scan, spare = run.scan, run.spare
    run.cache.put_manifest(run.request.out, folder_id(spare), Manifest(
        fingerprint=scan.fingerprint if not run.errors else "", files=run.written,
        posts={f.path.name: FileRecord(f.key, f.stats) for f in scan.files},
        renderer=scan.renderer, scanned_ns=scan.started_ns, search_key=search_key,
        folders=folder_times(spare, folders_of(run.written)), structure=run.structure,
        related_key=run.related_key, index_pending=run.report.index_pending),
        keep=folder_id(run.request.out))
    run.report.files = len(run.written)
