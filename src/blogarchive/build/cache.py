"""The persistent build cache: what a rebuild may take from the last build instead of redoing.

It lives outside the site folder (default `.blogarchive-cache/`) and holds four things:

- `html/<key>.html`: each post's body as HTML, named by the content key of the post file
  and of the renderer (package source, python-markdown version), with a checksum line;
- `digests.json`: each post's header, summary, word count and terms by the same key;
- `related.json`: every post's related posts, by a key of all posts' terms and categories;
- `builds/<out>.<folder>.json`: the build each of an output's two folders holds (the site
  and its spare, output.py), named by the folder's device and inode, which move with it when
  the two are swapped (manifest.py): the build's input fingerprint and, for every file it
  wrote, the page key and the file's size, mtime and inode.

Nothing here is trusted blindly: every file carries the cache format and a checksum, and a
file that is missing, corrupt, from another format or another renderer is ignored (the
build then does the work itself). Files are written to a temporary name and renamed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from ..fsutil import TEMP_SUFFIX
from ..post import post_from_json, post_to_json
from .digest import Digest
from .keys import content_key
from .manifest import Manifest, manifest_from_json, manifest_to_json

FORMAT = "blogarchive-cache-5"


class BuildCache:
    """A cache folder; `None` for none at all. A `scratch` cache holds only this build's HTML:
    it answers no digests and remembers no build (--no-cache)."""

    def __init__(self, folder: Path | None, scratch: bool = False):
        self.folder, self.scratch = folder, scratch

    # -- post HTML -------------------------------------------------------------------------
    def html(self, key: str) -> str | None:
        """A post's cached HTML, or None when absent or damaged."""
        if self.folder is None:
            return None
        try:
            data = (self.folder / "html" / key[:2] / f"{key}.html").read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        head, _, body = data.partition("\n")
        return body if head == f"{FORMAT} {key} {content_key(body)}" else None

    def put_html(self, key: str, body: str) -> None:
        if self.folder is None:
            return
        path = self.folder / "html" / key[:2] / f"{key}.html"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = f"{FORMAT} {key} {content_key(body)}\n{body}"
            _put(path, text.encode("utf-8", "surrogatepass"))
        except OSError as exc:
            _warn(f"cannot write the build cache ({exc.strerror}); building without it")
            self.folder = None

    # -- digests ---------------------------------------------------------------------------
    def digests(self) -> dict[str, Digest]:
        """Every cached digest by post key ({} when there is no usable index)."""
        raw = {} if self.scratch else self._read_json(self._digest_path())
        try:
            return {
                key: _digest_from_json(key, item) for key, item in raw.get("digests", {}).items()
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            return {}

    def put_digests(self, digests: dict[str, Digest], previous: dict[str, Digest]) -> None:
        """Replace the index (`previous` is what `digests()` gave) and delete HTML no digest
        names any more; an unchanged index is not rewritten."""
        if self.folder is None or self.scratch or digests.keys() == previous.keys():
            return
        self._write_json(
            self._digest_path(),
            {"digests": {k: _digest_to_json(d) for k, d in sorted(digests.items())}},
        )
        for key in set(previous) - set(digests):
            try:
                (self.folder / "html" / key[:2] / f"{key}.html").unlink()
            except OSError:
                pass

    # -- related posts ----------------------------------------------------------------------
    def related(self, key: str) -> dict[str, tuple[str, ...]] | None:
        """Related posts computed from exactly these inputs (named by `key`), or None."""
        path = self.folder / "related.json" if self.folder else None
        raw = {} if self.scratch else self._read_json(path)
        found = raw.get("related")
        if raw.get("key") != key or not isinstance(found, dict):
            return None
        try:
            return {str(slug): tuple(str(s) for s in others) for slug, others in found.items()}
        except TypeError:
            return None

    def put_related(self, key: str, related: dict[str, tuple[str, ...]]) -> None:
        if self.folder is not None and not self.scratch:
            self._write_json(self.folder / "related.json", {"key": key, "related": related})

    # -- the builds an output's folders hold -----------------------------------------------
    def manifest(self, out: Path, folder: str) -> Manifest:
        """The build the folder `folder` (output.folder_id) of `out` holds (an empty Manifest
        when there is none to trust)."""
        raw = {} if self.scratch or not folder else self._read_json(self._build_path(out, folder))
        return manifest_from_json(raw, str(out))

    def put_manifest(self, out: Path, folder: str, manifest: Manifest, keep: str) -> None:
        """Remember the build `folder` holds; forget those of folders of `out` other than it
        and `keep` (the other one)."""
        if self.scratch or self.folder is None:
            return
        self._write_json(self._build_path(out, folder), manifest_to_json(manifest, str(out)))
        for path in (self.folder / "builds").glob(f"{content_key(str(out))}.*.json"):
            if path.name not in {self._build_path(out, f).name for f in (folder, keep)}:
                path.unlink(missing_ok=True)

    def forget_manifest(self, out: Path, folder: str) -> None:
        """Before changing a folder: a crash must not leave a record of files that went."""
        if self.folder is not None and folder:
            try:
                self._build_path(out, folder).unlink()
            except OSError:
                pass

    # -- plumbing ----------------------------------------------------------------------------
    def _digest_path(self) -> Path | None:
        return self.folder / "digests.json" if self.folder else None

    def _build_path(self, out: Path, folder: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / "builds" / f"{content_key(str(out))}.{folder.replace(':', '-')}.json"

    def _read_json(self, path: Path | None) -> dict:
        """The payload of a cache file, or {} when missing, damaged or foreign."""
        if path is None:
            return {}
        try:
            head, _, body = path.read_bytes().partition(b"\n")
            if head.decode("ascii") != f"{FORMAT} {content_key(body)}":
                return {}
            data = json.loads(body)
        except (OSError, UnicodeDecodeError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _write_json(self, path: Path | None, data: dict) -> None:
        if path is None:
            return
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        body = text.encode("utf-8", "surrogatepass")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _put(path, f"{FORMAT} {content_key(body)}\n".encode("ascii") + body)
        except OSError as exc:
            _warn(
                f"cannot write the build cache {path} ({exc.strerror}); the next build will "
                "redo the work"
            )


def _put(path: Path, data: bytes) -> None:
    """Write by rename, so a reader sees the old file or the new one; no fsync: a cache file
    lost in a power cut fails its checksum and is simply rebuilt."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _digest_to_json(d: Digest) -> dict:
    return {"post": post_to_json(d.post), "summary": d.summary, "words": d.words, "terms": d.terms}


def _digest_from_json(key: str, item: dict) -> Digest:
    summary, words, terms = item["summary"], item["words"], item["terms"]
    if not (isinstance(summary, str) and isinstance(words, int) and isinstance(terms, str)):
        raise TypeError("bad digest")
    return Digest(post_from_json(item["post"]), key, summary, words, terms)
