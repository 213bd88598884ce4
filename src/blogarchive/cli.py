"""Command line: `python build.py [import|build|serve|new] ...`; the only place that prints errors.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func`; the build command's options live here, since `serve` takes them too. A bare
`python build.py` runs import and then build. Every path the commands default to (posts/,
site/, site.yaml, dumps/) is relative: the folder the tool is run in.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import sys
import warnings
from pathlib import Path

from . import __version__
from .config import Config, load_config
from .errors import BlogArchiveError, PostWarning
from .progress import Progress


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and exit status 2), not the whole usage."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def port_number(text: str) -> int:
    """A TCP port (0: any free one), for --port."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def settings_file(text: str) -> Path:
    """--config FILE: it must exist (without --config, a missing site.yaml means defaults)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such settings file")
    return path


DEFAULT_CACHE = ".blogarchive-cache"


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line; for `build` alone, just its own (the other commands' modules load
    the loader and the server: a tenth of a second a no-change build need not spend)."""
    parser = _Parser(
        prog=_program_name(),
        description="Recover a blog from raw archive dumps and build it as a static site. "
        "With no command: import dumps/ into posts/ (keeping edited posts), "
        "then build site/.",
    )
    parser.add_argument("--version", action="version", version=f"blogarchive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command == "build":
        register_build(sub)
        return parser
    from . import importer, newpost, server

    importer.register(sub)
    register_build(sub)
    server.register(sub)
    newpost.register(sub)
    return parser


def _program_name() -> str:
    """How the tool was run, for usage lines: build.py, blogarchive or python -m blogarchive."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name == "blogarchive.__main__":
        return "python -m blogarchive"
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "blogarchive"


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A post's warning is one line naming the file and line; others as Python shows them."""
    if issubclass(category, PostWarning):
        print(f"warning: {message}", file=sys.stderr, flush=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None, ends: bool = False) -> int:
    """Run one command; `ends`: the process ends with it (run)."""
    words = sys.argv[1:] if argv is None else argv
    parser = _parser(next((w for w in words if not w.startswith("-")), None))
    args = parser.parse_args(argv)
    args.ends = ends
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", PostWarning)  # each time a post is read, not once
    try:
        if args.command is None:
            return _default(args.ends)
        return args.func(args) or 0
    except BlogArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """The command line as a program (build.py, `python -m blogarchive`, the `blogarchive`
    script): main(), then the process ends at once. Python's own shutdown would free every
    object one by one, half a second after a build of 10,000 posts; by then every file is
    written and closed, the workers are gone, and nothing is left to do."""
    _one_malloc_arena()
    code = main(ends=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _one_malloc_arena() -> None:
    """One malloc arena for the process, on Linux's C library: by default each thread that
    allocates gets its own, which keeps what was freed in it (the search step's threads left
    25 MiB more in the build process at 50,000 posts). The threads hold the GIL to allocate
    anyway. Elsewhere, nothing."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None).mallopt(-8, 1)  # M_ARENA_MAX (glibc's malloc.h)
    except (OSError, AttributeError):  # another C library (musl has no mallopt)
        pass


def _default(ends: bool) -> int:
    """The bare command: an edit-safe import, then a build with default settings."""
    code = main(["import"])
    if code:
        return code
    return main(["build"], ends=ends)


# -- the build command -------------------------------------------------------------------------


def register_build(sub) -> None:
    p = sub.add_parser(
        "build",
        help="build the site from posts/ into site/",
        description="Build the static site from posts/*.md. The previous site is "
        "replaced only when the whole build succeeded.",
    )
    add_build_options(p)
    p.set_defaults(func=run_build)


def add_build_options(p) -> None:
    """The options of `build`, which `serve` takes too: folders and files, then switches."""
    _add_build_inputs(p)
    _add_build_switches(p)


def _add_build_inputs(p) -> None:
    """Where the build reads and writes."""
    p.add_argument("--posts", default="posts", metavar="DIR", help="posts folder (default: posts)")
    p.add_argument("--out", default="site", metavar="DIR", help="output folder (default: site)")
    p.add_argument(
        "--config",
        default=Path("site.yaml"),
        type=settings_file,
        metavar="FILE",
        help="settings (default: site.yaml if there is one; a missing FILE is an error)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="absolute URL the site will be published at (overrides site.yaml)",
    )
    p.add_argument(
        "--templates",
        default=None,
        metavar="DIR",
        help="folder of templates overriding the built-in ones by name",
    )
    p.add_argument(
        "--dumps",
        default="dumps",
        metavar="DIR",
        help="the raw dumps, for each post's source view (default: dumps; skipped if absent)",
    )
    p.add_argument(
        "--images",
        default=None,
        metavar="DIR",
        help="the images import copied, copied into the site's images/ "
        "(default: images/ beside the posts folder; skipped if absent)",
    )


def _add_build_switches(p) -> None:
    """How the build runs."""
    p.add_argument("--keep-going", action="store_true", help="skip malformed posts with a warning")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=None,
        metavar="N",
        help="worker processes (default: one per CPU core)",
    )
    p.add_argument(
        "--cache",
        default=DEFAULT_CACHE,
        metavar="DIR",
        help=f"build cache folder, outside the site (default: {DEFAULT_CACHE})",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="neither read nor write the build cache: a cold build",
    )
    p.add_argument("--timings", action="store_true", help="print how long each step took")
    add_quiet_option(p)
    p.add_argument(
        "--no-search", action="store_true", help="do not build the Pagefind search index"
    )
    p.add_argument(
        "--drafts",
        action="store_true",
        help="include posts marked draft: true, marked Draft (never in feeds, "
        "sitemap or posts.json)",
    )


def add_quiet_option(p) -> None:
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print no progress and no summary (warnings and errors still)",
    )


def run_build(args) -> int:
    """The build command: settings, build, one line of result, the base_url warning."""
    from .build import build

    config = load_config(Path(args.config), args.base_url)
    if args.ends:  # the collector, back on after the build, would walk all it made (0.15 s at
        gc.disable()  # 10,000 posts) just before the process ends without freeing anything
    options = dataclasses.replace(build_options(args), once=args.ends)
    report = build(Path(args.posts), Path(args.out), config, options)
    if not args.quiet:
        print(report.summary(args.out))
    if args.timings:
        print("  " + report.timings())
    warn_placeholder(config)
    return 0


def build_options(args, index_later: bool = False):
    """The build.BuildOptions the command-line options ask for (`serve` adds index_later)."""
    from .build import BuildOptions

    if args.jobs is not None and args.jobs < 1:
        raise BlogArchiveError(f"--jobs: expected a positive number of workers, got {args.jobs}")
    return BuildOptions(
        template_dir=Path(args.templates) if args.templates else None,
        keep_going=args.keep_going,
        jobs=args.jobs,
        cache_dir=None if args.no_cache else Path(args.cache),
        dumps_dir=Path(args.dumps),
        search=not args.no_search,
        images_dir=images_folder(args),
        drafts=args.drafts,
        progress=Progress.for_stderr(args.quiet),
        index_later=index_later,
    )


def images_folder(args) -> Path:
    """--images, else images/ beside the posts folder (where import puts them)."""
    return Path(args.images) if args.images else Path(args.posts).parent / "images"


def warn_placeholder(config: Config) -> None:
    """Without base_url the site works, but feeds and canonical links cannot be right: say so."""
    if not config.base_url:
        print(
            "warning: no base_url in site.yaml (or --base-url): feeds, sitemap and canonical "
            f"links carry the placeholder {config.site_url} until one is set",
            file=sys.stderr,
        )
