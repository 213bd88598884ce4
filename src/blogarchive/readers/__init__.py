"""Readers for inputs richer than text: saved HTML pages, web-archive snapshots, WordPress exports.

sniff.py tells what a file is by its content; html_page.py (with archive.py for snapshots) and
wxr.py read posts into the loader's RawPost records (origin "html" / "wxr"), converting their HTML
with html_to_markdown.py; the loader's merge joins them with the text dumps' copies; links.py
then points links between the blog's posts at their new addresses.  File I/O stays here and in
importer.py; everything else is pure.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from ..errors import BlogArchiveError, DumpError
from ..fsutil import atomic_write
from ..loader import LoadResult
from ..loader.model import DumpParse, LineNote
from .links import link_targets, relink
from .record import FileRead
from .sniff import HTML, OTHER, TEXT, WXR, describe, sniff

if TYPE_CHECKING:  # bs4 (under the HTML and WXR readers) loads only when such a file is read
    from .images import ImageCopy

MAX_BYTES = {HTML: 16 * 2**20, WXR: 512 * 2**20}
# Files a folder holds beside its pages that are never posts.
_NOT_POSTS = {
    ".css",
    ".js",
    ".json",
    ".yaml",
    ".yml",
    ".map",
    ".ico",
    ".svg",
    ".woff",
    ".woff2",
    ".ttf",
    ".eot",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
    ".pdf",
}


@dataclass(frozen=True)
class Input:
    """One file to import and what its content says it is (sniff.TEXT, HTML or WXR)."""

    path: Path
    kind: str


@dataclass
class RichRead:
    """Everything the HTML pages and exports gave."""

    files: list[FileRead] = field(default_factory=list)

    @property
    def parses(self) -> list[DumpParse]:
        return [f.parse for f in self.files]

    @property
    def images(self) -> dict[str, ImageCopy]:
        return {name: copy for f in self.files for name, copy in f.images.items()}


def gather(paths: list[str]) -> list[Input]:
    """Each file given, or found in a folder given, with its kind; every problem reported at
    once.  In a folder, `<page>_files/` folders, hidden files and overrides files are left out."""
    found, errors = [], []
    for name in paths:
        path = Path(name)
        files = _folder_files(path) if path.is_dir() else [path]
        for file in files:
            try:
                kind = _kind(file)
            except DumpError as exc:
                errors.append(str(exc))
                continue
            if kind == OTHER and file is not path:
                continue
            if kind == OTHER:
                errors.append(f"{file}: not a text dump, HTML page or WordPress export")
            else:
                found.append(Input(file, kind))
    names = Counter(i.path.name for i in found)
    errors += [
        f"{n}: two inputs share this file name; sources would be ambiguous"
        for n in sorted(n for n, count in names.items() if count > 1)
    ]
    if errors:
        raise BlogArchiveError("cannot import:\n  " + "\n  ".join(errors))
    return found


def _folder_files(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and not any(
            part.startswith(".") or part.endswith("_files") for part in p.relative_to(folder).parts
        )
        and not p.name.endswith(".overrides.yaml")
        and p.suffix.lower() not in _NOT_POSTS
    ]


def _kind(path: Path) -> str:
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except FileNotFoundError:
        raise DumpError(path, None, "no such file") from None
    except OSError as exc:
        raise DumpError(path, None, f"cannot read: {exc.strerror}") from None
    return sniff(head)


def read_rich(inputs: list[Input], advance: Callable[[int], None] = lambda n: None) -> RichRead:
    """Read every HTML page and export (text dumps are the loader's); errors all at once.
    advance(1) follows each file read (for a progress bar)."""
    rich, errors = RichRead(), []
    for item in inputs:
        if item.kind not in (HTML, WXR):
            continue
        try:
            rich.files.append(_read_one(item))
        except DumpError as exc:
            errors.append(str(exc))
        advance(1)
    if errors:
        raise BlogArchiveError("cannot import:\n  " + "\n  ".join(errors))
    return rich


def _read_one(item: Input) -> FileRead:
    size = item.path.stat().st_size
    if size > MAX_BYTES[item.kind]:
        raise DumpError(
            item.path,
            None,
            f"{size / 2**20:.0f} MB is too large for a "
            f"{describe(item.kind)} (at most {MAX_BYTES[item.kind] // 2**20} MB); "
            "is this the right file?",
        )
    from .html_page import read_page  # here: they load bs4, which text dumps do not need
    from .wxr import read_export

    data = item.path.read_bytes()
    read = read_page(item.path, data) if item.kind == HTML else read_export(item.path, data)
    for raw in read.parse.posts:  # the import report lists each post and where it was
        read.parse.notes.append(
            LineNote(raw.title_line, raw.title, "title", raw.element or "", raw.index)
        )
    return read


def link_posts(result: LoadResult, rich: RichRead) -> LoadResult:
    """The merged posts with links between them, and to copied images, made site-relative
    (as each post is read: result.posts is a MergedPosts)."""
    addresses = {
        url: result.slug_of[(f.parse.name, index)]
        for f in rich.files
        for index, urls in sorted(f.addresses.items())
        for url in urls
        if (f.parse.name, index) in result.slug_of
    }
    table = link_targets(result.posts.headers, addresses)
    result.posts = result.posts.mapped(lambda post: relink(post, table))
    return result


def write_images(images: dict[str, ImageCopy], folder: Path) -> list[str]:
    """Copy each image into the site's images folder (whole files, by rename); names written."""
    written = []
    for name, copy in sorted(images.items()):
        target = folder / name
        data = copy.source.read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(target, data)
        written.append(name)
    return written


__all__ = ["gather", "read_rich", "link_posts", "write_images", "Input", "RichRead", "TEXT"]
