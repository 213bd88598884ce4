"""The build: posts/ -> site/, made in the site's spare folder, which then takes its place.

This module decides; steps.py makes. The steps, in order (each timed by `report.step`):
  scan posts/ (content keys) -> nothing changed since the last build? stop, writing nothing
  (without loading the rest of the machinery: a no-change build of 10,000 posts is a scan and
  a check) -> steps.make: digest each post (front matter, HTML, summary: cached, else in
  worker processes) -> group -> plan every page and feed, each with a key of everything it
  is made from -> render what changed in the workers; keep what the spare already holds, or
  hard-link it from the site -> static files, sitemap -> tidy the spare -> index for search
  -> remember -> swap the spare and the site (output.py).
Everything is made before the swap: a failure anywhere before it leaves the site untouched.
"""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..config import Config
from ..progress import QUIET, Progress
from .cache import BuildCache
from .keys import folder_keys, image_keys, renderer_fingerprint, site_fingerprint
from .manifest import Manifest
from .output import check_replaceable, folder_id, intact, new_folder, output_lock, remove_stale
from .report import Report
from .scan import PostFile, scan_posts


@dataclass(frozen=True)
class Request:
    """What to build: the arguments of `build`, resolved."""

    posts_dir: Path
    out: Path
    config: Config
    template_dir: Path | None
    keep_going: bool
    jobs: int
    dumps_dir: Path | None  # None when there is no such folder
    search: bool
    images_dir: Path | None = None  # the project's images/, copied into the site; None: none
    drafts: bool = False  # include posts marked draft (never in feeds, sitemap, posts.json)
    index_later: bool = False  # keep the last complete search index; the next build updates it
    edited: frozenset[str] | None = None  # serve: the only post files changed (see BuildOptions)


@dataclass(frozen=True)
class Scan:
    """What the scan found: the post files, the unreadable ones, the site's fingerprint, and
    the images to copy (path in the images folder -> content key)."""

    files: tuple[PostFile, ...]
    errors: tuple[str, ...]
    renderer: str
    fingerprint: str
    started_ns: int
    dumps: tuple[str, ...] = ()  # keys of the files in the dumps folder
    images: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BuildOptions:
    """How to build, every switch optional: --templates, --keep-going, --jobs, --cache,
    --dumps, search (on for the command, off by default here), --images, --drafts, progress
    display, and serve's index_later and edited: the names of the post files its watcher saw
    change since its last good build, when it knows them (the others keep their recorded
    keys unread, not even stat-ed; None: every file is checked); `once`: see build."""

    template_dir: Path | None = None
    keep_going: bool = False
    jobs: int | None = None  # default: one worker per core
    cache_dir: Path | None = None  # None: a cold build, reading and keeping no cache
    dumps_dir: Path | None = None
    search: bool = False
    images_dir: Path | None = None
    drafts: bool = False
    progress: Progress = QUIET
    index_later: bool = False
    edited: frozenset[str] | None = None
    once: bool = False  # the process ends after this build: keep nothing loaded for a next


def build(
    posts_dir: Path, out: Path, config: Config, options: BuildOptions = BuildOptions()
) -> Report:
    """Build posts_dir into out; with a cache_dir, reuse whatever the last build already made.

    With a dumps_dir, each post whose dumps are there gets a source view; with search, the
    site is indexed by Pagefind before it is swapped in; the files of images_dir (the images
    import copied) are copied into the site's images/; with drafts, posts marked draft are
    pages too (marked Draft), though never in feeds, the sitemap or posts.json. `progress`
    shows converting, rendering and indexing as they go (see progress.py). With index_later
    (serve), the site is swapped in with the last complete search index and the last feeds
    (report.index_pending): the next build makes them, even if nothing else changed (serve
    runs it once edits pause). Without `once`, what the build read from the cache stays in
    memory for the next build in this process; with it, each part is let go once used (at
    50,000 posts, the related posts' workings alone are 100 MB)."""
    o = options
    started = time.perf_counter()
    out = Path(out).absolute()
    dumps = Path(o.dumps_dir) if o.dumps_dir and Path(o.dumps_dir).is_dir() else None
    images = o.images_dir and Path(o.images_dir)
    images = images.absolute() if images and images.is_dir() else None
    request = Request(
        Path(posts_dir),
        out,
        config,
        o.template_dir,
        o.keep_going,
        o.jobs or os.cpu_count() or 1,
        dumps,
        o.search,
        images,
        o.drafts,
        o.index_later,
        o.edited,
    )
    with output_lock(out), collector_paused():
        remove_stale(out)
        with open_cache(out, o.cache_dir, keep=not o.once) as cache:
            report = _build(request, cache, o.progress)
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off for the build: what a build makes lives until its end, and
    each full collection walked every object of 10,000 posts' digests, manifests and related
    posts again (0.3 s of a one-edit build). Workers turn it back on (pool._serve). It is
    turned back on only if it was on: the command line leaves it off (the process ends
    next), and serve turns it on once edits pause."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextlib.contextmanager
def open_cache(out: Path, cache_dir: Path | None, keep: bool = True):
    """The persistent cache; without one (--no-cache), a scratch folder for this build's HTML
    (workers hand post HTML to each other through it, not through memory), removed after."""
    if cache_dir is not None:
        yield BuildCache(Path(cache_dir).absolute(), keep=keep)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    scratch = new_folder(out, "scratch")
    try:
        yield BuildCache(scratch, scratch=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _build(request: Request, cache: BuildCache, progress: Progress) -> Report:
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
            report.unchanged = manifest.files
            return report
    from .steps import make  # the rest of the machinery: loaded only when there is work

    make(request, cache, manifest, scan, report, progress)
    return report


def scan_step(request: Request, manifest: Manifest) -> Scan:
    """Every post file's content key (reusing the last build's where the file is untouched),
    every image's, and the fingerprint of everything the site is made from."""
    started_ns = time.time_ns()
    renderer = renderer_fingerprint()
    known = manifest.posts if manifest.renderer == renderer else {}
    files, errors = scan_posts(
        request.posts_dir, renderer, known, manifest.scanned_ns, request.edited
    )
    dumps = tuple(folder_keys(request.dumps_dir))
    images = image_keys(request.images_dir)
    fingerprint = site_fingerprint(
        renderer,
        request.config,
        request.template_dir,
        [
            f"search={request.search}",
            f"drafts={request.drafts}",
            *dumps,
            *(f"image {rel}:{key}" for rel, key in images.items()),
            *(f"{f.name}:{f.key}" for f in files),
        ],
    )
    return Scan(tuple(files), tuple(errors), renderer, fingerprint, started_ns, dumps, images)


def up_to_date(scan: Scan, manifest: Manifest, out: Path) -> bool:
    """Would this build write exactly what `out` already holds, untouched since?"""
    return (
        not scan.errors
        and manifest.fingerprint == scan.fingerprint
        and not manifest.index_pending
        and intact(out, manifest.files, manifest.folders)
    )
