"""The `build` command: posts/ -> site/, gathered in memory first, then swapped in atomically."""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from . import site as S
from .config import Config, load_config
from .errors import BlogArchiveError, OutputError, PostError
from .feed import FeedInfo, FeedItem, absolutize, atom_xml, rss_xml
from .post import Post, from_markdown
from .render import SiteRenderer, make_env, robots, sitemap, summary

ROOT = Path(__file__).resolve().parents[2]


def register(sub) -> None:
    p = sub.add_parser("build", help="build the site from posts/ into site/",
                       description="Build the static site from posts/*.md. The previous site is "
                                   "replaced only when the whole build succeeded.")
    add_build_options(p)
    p.set_defaults(func=run)


def add_build_options(p) -> None:
    p.add_argument("--posts", default="posts", metavar="DIR", help="posts folder (default: posts)")
    p.add_argument("--out", default="site", metavar="DIR", help="output folder (default: site)")
    p.add_argument("--config", default="site.yaml", metavar="FILE", help="settings (default: site.yaml)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="absolute URL the site will be published at (overrides site.yaml)")
    p.add_argument("--templates", default=None, metavar="DIR",
                   help="folder of templates overriding the built-in ones by name")
    p.add_argument("--keep-going", action="store_true", help="skip malformed posts with a warning")


def run(args) -> int:
    started = time.perf_counter()
    config = load_config(Path(args.config), args.base_url)
    count = build(Path(args.posts), Path(args.out), config,
                  Path(args.templates) if args.templates else None, args.keep_going)
    print(f"built {count} files into {args.out}/ in {time.perf_counter() - started:.2f} s")
    if not config.base_url:
        print("note: no base_url in site.yaml (or --base-url): feeds, sitemap and canonical links "
              f"carry the placeholder {config.site_url} until one is set", file=sys.stderr)
    return 0


def read_posts(folder: Path, keep_going: bool) -> list[Post]:
    """Every posts/*.md; all malformed files are reported together (or skipped with --keep-going)."""
    if not folder.is_dir():
        raise BlogArchiveError(f"{folder}: no such posts folder (run `python build.py import` first)")
    posts, errors, seen = [], [], {}
    for path in sorted(folder.glob("*.md")):
        try:
            post = _read_post(path, folder)
        except PostError as exc:
            errors.append(str(exc))
            continue
        if post.slug in seen:
            errors.append(f"{path}: slug {post.slug!r} is also used by {seen[post.slug]}")
            continue
        seen[post.slug] = path
        posts.append(post)
    if errors and not keep_going:
        raise BlogArchiveError("cannot build:\n  " + "\n  ".join(errors)
                               + "\n(fix the files, or use --keep-going to skip them)")
    for error in errors:
        print(f"warning: skipped {error}", file=sys.stderr)
    return posts


def _read_post(path: Path, folder: Path) -> Post:
    if path.is_symlink() and not path.resolve().is_relative_to(folder.resolve()):
        raise PostError(path, None, "is a link to a file outside the posts folder; refused")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PostError(path, None, f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise PostError(path, None, f"cannot read: {exc.strerror}") from None
    return from_markdown(text, str(path))


def render_files(posts: list[Post], config: Config, template_dir: Path | None) -> dict[str, bytes]:
    """Every output file of the site, in memory: pages, feeds, sitemap, robots, static."""
    site = S.group(posts)
    renderer = SiteRenderer(site, config, make_env(template_dir))
    files = renderer.render_all()
    files.update(feeds(site, renderer, config))
    files["sitemap.xml"] = sitemap(list(files), config.site_url)
    files["robots.txt"] = robots(config.site_url)
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            files["static/" + path.relative_to(ROOT / "static").as_posix()] = path.read_bytes()
    return files


def feeds(site: S.Site, renderer: SiteRenderer, config: Config) -> dict[str, bytes]:
    """feed.xml + atom.xml for the whole site and for each category."""
    base = config.site_url

    def item(post: Post) -> FeedItem:
        url = S.absolute_url(base, S.post_path(post))
        return FeedItem(post, url, absolutize(renderer.html[post.slug], url),
                        summary(renderer.html[post.slug]))

    def info(folder: str, title: str) -> tuple[FeedInfo, FeedInfo]:
        return tuple(FeedInfo(title, config.description, config.author, config.language,
                              base, base + folder + name, config.timezone, config.feed_limit)
                     for name in ("feed.xml", "atom.xml"))

    out = {}
    groups = [("", config.title, site.posts)] + [
        (f"category/{c.slug}/", f"{config.title}: {c.name}", c.posts) for c in site.categories]
    for folder, title, posts in groups:
        rss_info, atom_info = info(folder, title)
        items = [item(p) for p in posts]
        out[folder + "feed.xml"] = rss_xml(rss_info, items)
        out[folder + "atom.xml"] = atom_xml(atom_info, items)
    return out


def build(posts_dir: Path, out: Path, config: Config, template_dir: Path | None = None,
          keep_going: bool = False) -> int:
    """Read, render everything in memory, write a new tree, swap it in; returns files written."""
    posts = read_posts(posts_dir, keep_going)
    progress(f"rendering {len(posts)} posts")
    files = render_files(posts, config, template_dir)
    write_tree(out, files)
    return len(files)


def progress(message: str) -> None:
    """Progress for people at a terminal; silent in CI and when piped."""
    if sys.stderr.isatty() and not os.environ.get("CI"):
        print(message, file=sys.stderr)


def write_tree(out: Path, files: dict[str, bytes]) -> None:
    """Write into a temp folder beside `out`, then swap: a failure leaves the old site intact."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.*.blogarchive-tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.new.", suffix=".blogarchive-tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out.parent}: cannot write: {exc.strerror}") from None
    try:
        for rel, data in sorted(files.items()):
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        _swap(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"{out}: cannot write the site: {exc.strerror}; the previous site is untouched") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap(new: Path, out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; refusing to replace it")
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", suffix=".blogarchive-tmp", dir=out.parent))
        os.rename(out, old / "site")
    os.rename(new, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)
