"""Images of an imported page: a copy beside the page is copied into the site, never fetched.

A saved page ("Save page as", complete) keeps its images in `<page>_files/`; an export may sit
beside a copy of `wp-content/uploads/`.  Such a file becomes `images/<name>-<hash>.<ext>` (site
path `/images/…`); an image only on the web stays a link to its original address.  A path that
leads outside the import folder is refused: an import never reads files it was not given.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from slugify import slugify

from ..errors import DumpError
from .html_to_markdown import ImageRef, link_target

MAX_IMAGE_BYTES = 20 * 1024 * 1024
SITE_FOLDER = "images"
# What a file's first bytes say it is; anything else (SVG, which can hold script, HTML…) is not
# copied.
_MAGIC = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"GIF87a", ".gif"),
    (b"GIF89a", ".gif"),
)
_UPLOADS_RE = re.compile(r"/wp-content/uploads/(?P<rest>.+)$")


@dataclass(frozen=True)
class ImageCopy:
    """One file to copy into the site's images folder."""

    source: Path
    name: str


@dataclass
class PageImages:
    """Resolves the images of one imported file; records the copies to make and what it skipped."""

    page: Path
    base_url: str | None = None
    copies: dict[str, ImageCopy] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.page.resolve().parent

    def resolve(self, src: str) -> ImageRef | None:
        """Where an <img src> is shown: a local copy, the original address, or None (alt only)."""
        src = src.strip()
        parts = urlsplit(src)
        if parts.scheme or src.startswith(("/", "\\")):
            return self._remote(src)
        local = self._inside(unquote(parts.path), src)
        if not local.is_file():
            remote = self._remote(src)
            kept = "linked to its original address" if remote else "alt text kept"
            self.warnings.append(f"{self.page}: image {src!r} is not beside the page; {kept}")
            return remote
        return self._copy(local, src)

    def _inside(self, relative: str, src: str) -> Path:
        target = (self.folder / relative).resolve()
        if not target.is_relative_to(self.folder):
            raise DumpError(
                self.page,
                None,
                f"image {src!r} points outside the import folder "
                f"{self.folder}; refusing to read it",
            )
        return target

    def _remote(self, src: str) -> ImageRef | None:
        url = urljoin(self.base_url, src) if self.base_url else src
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return None
        uploads = _UPLOADS_RE.search(parts.path)
        if uploads:  # a copy of the blog's uploads folder beside the import?
            for root in ("wp-content/uploads", "uploads"):
                candidate = self.folder / root / unquote(uploads.group("rest"))
                if candidate.is_file():
                    return self._copy(
                        self._inside(f"{root}/{unquote(uploads.group('rest'))}", src), src
                    )
        target = link_target(url, None)
        return ImageRef(target, local=False) if target else None

    def _copy(self, path: Path, src: str) -> ImageRef | None:
        try:
            size = path.stat().st_size
            head = path.open("rb").read(16) if size <= MAX_IMAGE_BYTES else b""
        except OSError as exc:
            self.warnings.append(f"{self.page}: image {src!r} cannot be read ({exc.strerror})")
            return None
        ext = next((e for magic, e in _MAGIC if head.startswith(magic)), None)
        if ext is None and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            ext = ".webp"
        if ext is None:
            self.warnings.append(
                f"{self.page}: {src!r} is not a JPEG, PNG, GIF or WebP image "
                f"of at most {MAX_IMAGE_BYTES // 2**20} MB; alt text kept"
            )
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
        name = f"{slugify(path.stem, max_length=60) or 'image'}-{digest}{ext}"
        self.copies[name] = ImageCopy(path, name)
        return ImageRef(f"/{SITE_FOLDER}/{name}", local=True)
