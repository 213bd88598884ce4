"""The `new` command: start a hand-written post as posts/<slug>.md."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from pathlib import Path

from .cli import settings_file
from .config import load_config
from .errors import BlogArchiveError, OutputError
from .fsutil import atomic_write
from .post import from_markdown, starter_markdown


def register(sub) -> None:
    p = sub.add_parser(
        "new",
        help="start a new post in posts/",
        description="Write posts/<slug>.md with the title, a slug made from it, "
        "today's date (in site.yaml's timezone) and draft: true, "
        "then print its path.",
    )
    p.add_argument("title", help="the post's title")
    p.add_argument("--posts", default="posts", metavar="DIR", help="posts folder (default: posts)")
    p.add_argument(
        "--config",
        default=Path("site.yaml"),
        type=settings_file,
        metavar="FILE",
        help="settings, for the time zone (default: site.yaml if there is one)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing file of that name")
    p.set_defaults(func=run)


def run(args) -> int:
    """Write the new post (refusing to overwrite one unless --force) and print its path."""
    config = load_config(Path(args.config))
    today = dt.datetime.now(zoneinfo.ZoneInfo(config.timezone)).date()
    try:
        text = starter_markdown(args.title, today)
    except ValueError as exc:
        raise BlogArchiveError(f"cannot start a post: {exc}") from None
    post = from_markdown(text, "new post")
    path = Path(args.posts) / f"{post.slug}.md"
    write_new(path, text.encode("utf-8"), args.force)
    print(path)
    return 0


def write_new(path: Path, data: bytes, force: bool) -> None:
    """Write `path`, refusing an existing file unless `force` (then replaced in one rename)."""
    if force:
        atomic_write(path, data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # no race with another
    except FileExistsError:
        raise BlogArchiveError(
            f"{path}: already exists; choose another title, or use --force to overwrite it"
        ) from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
