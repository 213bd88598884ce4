"""The `build` command: posts/ -> site/, gathered in memory first, then swapped in atomically."""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import jinja2

from . import site as S
from .config import Config, load_config
from .errors import BlogArchiveError, InputError, OutputError, PostError
from .feed import FeedInfo, FeedItem, absolutize, atom_xml, rss_xml
from .post import Post, from_markdown
from .render import make_env, post_html, render_pages, robots, sitemap, summary

ROOT = Path(__file__).resolve().parents[2]


class TemplateError(InputError):
    """A template that does not compile or uses a name the renderer does not provide."""


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
    """The build command: settings, build, one line of result, the base_url warning."""
    started = time.perf_counter()
    config = load_config(Path(args.config), args.base_url)
    count = build(Path(args.posts), Path(args.out), config,
                  Path(args.templates) if args.templates else None, args.keep_going)
    print(f"built {count} files into {args.out}/ in {time.perf_counter() - started:.2f} s")
    warn_placeholder(config)
    return 0


def warn_placeholder(config: Config) -> None:
    """Without base_url the site works, but feeds and canonical links cannot be right: say so once."""
    if not config.base_url:
        print("warning: no base_url in site.yaml (or --base-url): feeds, sitemap and canonical links "
              f"carry the placeholder {config.site_url} until one is set", file=sys.stderr)


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
    """One post file; unreadable, non-UTF-8 or linked-out files are PostErrors."""
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
    out = Output()
    with Progress(f"rendering {len(posts)} posts") as progress, template_errors():
        for path, source, text in render_pages(site, config, make_env(template_dir)):
            out.add(path, source, text.encode("utf-8"))
            progress.step()
    for path, data in sorted(feeds(site, config).items()):
        out.add(path, "feeds", data)
    out.add("sitemap.xml", "sitemap", sitemap(list(out.files), config.site_url))
    out.add("robots.txt", "robots.txt", robots(config.site_url))
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            rel = "static/" + path.relative_to(ROOT / "static").as_posix()
            out.add(rel, f"static file {rel}", path.read_bytes())
    return out.files


@contextlib.contextmanager
def template_errors():
    """A broken template (syntax, unknown variable) is a build error naming its file and line."""
    try:
        yield
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(exc.filename or exc.name or "template", exc.lineno, exc.message) from None
    except jinja2.TemplateError as exc:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
        where = frames[-1] if frames else None
        raise TemplateError(where.filename if where else "template", where.lineno if where else None,
                            str(exc)) from None


class Output:
    """The site in memory; refuses a second file at the same path, naming both sources."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.sources: dict[str, str] = {}

    def add(self, path: str, source: str, data: bytes) -> None:
        if path in self.files:
            raise OutputError(f"{path}: would be written twice, by {self.sources[path]} and by {source}")
        self.files[path], self.sources[path] = data, source


def feeds(site: S.Site, config: Config) -> dict[str, bytes]:
    """feed.xml + atom.xml for the whole site and for each category."""
    base = config.site_url

    def item(post: Post) -> FeedItem:
        url = S.absolute_url(base, S.post_path(post))
        html = post_html(post.body)
        return FeedItem(post, url, absolutize(html, url), summary(html))

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
    files = render_files(posts, config, template_dir)
    write_tree(out, files)
    return len(files)


class Progress:
    """A one-line page counter for people at a terminal; silent in CI and when piped."""

    def __init__(self, label: str, stream=None):
        self.label, self.stream, self.count = label, stream or sys.stderr, 0
        self.shown = self.stream.isatty() and not os.environ.get("CI")

    def __enter__(self):
        return self

    def step(self) -> None:
        self.count += 1
        if self.shown and self.count % 5 == 0:
            print(f"\r{self.label}: {self.count} pages", end="", file=self.stream, flush=True)

    def __exit__(self, *exc):
        if self.shown:
            print(f"\r{self.label}: {self.count} pages", file=self.stream, flush=True)


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
    """Rename the old site away, the new one in, then delete the old one."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder; refusing to replace it")
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", suffix=".blogarchive-tmp", dir=out.parent))
        os.rename(out, old / "site")
    os.rename(new, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)
