"""Content keys: short digests naming what a file, a post or a page was made from.

Equal keys mean equal inputs, so the build may keep last build's output for them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

from .. import resources
from ..config import Config

PACKAGE = resources.PACKAGE


def content_key(text: str | bytes) -> str:
    """A short hex digest naming content in the build cache (SHA-256, cut to 128 bits: with the
    CPU's SHA instructions it hashes 1.6 GB/s, BLAKE2b 0.6; a one-edit build of 10,000 posts
    checks 35 MB of cache files)."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()[:32]


def post_key(renderer: str, path: Path, data: bytes) -> str:
    """A post file's content key: its bytes and its name (a post without `slug:` is named by
    its file), under this renderer."""
    return content_key(f"{renderer}\0{path.name}\0".encode("utf-8", "surrogateescape") + data)


def theme_keys(template_dir: Path | None) -> list[str]:
    """Every template and static file the site is made with (see resources.py), by content."""
    return [
        *(
            f"{n}/{key}"
            for n, folder in enumerate(resources.template_dirs(template_dir))
            for key in folder_keys(folder)
        ),
        *(
            f"static/{rel}:{content_key(path.read_bytes())}"
            for rel, path in resources.static_files().items()
        ),
    ]


def renderer_fingerprint() -> str:
    """Everything besides a post's own bytes that its HTML depends on: our code and the
    versions of python-markdown, Pygments (code highlighting), Jinja2 and feedgen."""
    parts = [
        f"{path.relative_to(PACKAGE).as_posix()}:{content_key(path.read_bytes())}"
        for path in sorted(PACKAGE.rglob("*.py"))
    ]
    return content_key(
        "\n".join(
            [
                _version("markdown"),
                _version("pygments"),
                _version("jinja2"),
                _version("feedgen"),
                *parts,
            ]
        )
    )


def _version(package: str) -> str:
    """The installed version of `package`, read from the name of its `.dist-info` folder on
    sys.path (importing importlib.metadata alone takes 50 ms of a no-change build); any other
    layout (eggs, zips) asks importlib.metadata."""
    found = _dist_versions().get(package.lower())
    if found is not None:
        return found
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "?"


@functools.cache
def _dist_versions() -> dict[str, str]:
    """Lowercased distribution name -> version, the first of each on sys.path."""
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            stem = name.removesuffix(".dist-info")
            if stem != name and stem.count("-") == 1:
                dist, version = stem.split("-")
                found.setdefault(dist.lower().replace("_", "-"), version)
    return found


def folder_keys(folder: Path | None) -> list[str]:
    """'relative/path:key' for every file under `folder` ([] when there is none)."""
    if folder is None or not folder.is_dir():
        return []
    return [
        f"{p.relative_to(folder).as_posix()}:{content_key(p.read_bytes())}"
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


def image_keys(folder: Path | None) -> dict[str, str]:
    """'relative/path' -> content key of every file under the images folder, in path order;
    hidden files and folders (.DS_Store, editors' scratch) aside; {} when there is none."""
    if folder is None or not folder.is_dir():
        return {}
    found = {
        p.relative_to(folder).as_posix(): p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }
    return {rel: content_key(found[rel].read_bytes()) for rel in sorted(found)}


def site_fingerprint(
    renderer: str, config: Config, template_dir: Path | None, inputs: list[str]
) -> str:
    """Every input of the whole site: a build with the same fingerprint would write the same
    files. `inputs` names the rest (posts, dumps, the search switch)."""
    return content_key(
        "\n".join([renderer, repr(config), str(template_dir), *theme_keys(template_dir), *inputs])
    )


def page_salt(
    renderer: str, config: Config, template_dir: Path | None, *, search: bool, drafts: bool
) -> str:
    """What every page's key includes: code, settings, the templates, the search and drafts
    switches (a listing with drafts differs from one without; so may any page, by its links)."""
    return content_key(repr((renderer, config, search, drafts, theme_keys(template_dir))))
