"""The persistent build cache: what a rebuild may take from the last build instead of redoing.

It lives outside the site folder (default `.blogarchive-cache/`) and holds:

- `html/<key>.html`: each post's body as HTML, named by the content key of the post file
  and of the renderer (package source, python-markdown version), with a checksum line;
- `digests.pickle`: each post's header, summary, word count and terms by the same key, and
  `digests.changes.pickle`, the digests added and removed since it was last written whole;
- `related.pickle`: every post's related posts and what they were computed through
  (related_index.RelatedIndex), so that an edit recomputes only what it reaches, and
  `related.keys.pickle`, the posts' keys since, when only those changed;
- `records.<site URL's key>.pickle`: each post's line of posts.json by digest key, and its
  `.changes.pickle` like the digests';
- `templates/`: Jinja2's compiled templates (its FileSystemBytecodeCache, checked against
  each template's source);
- `builds/<out>.<folder>.marshal`: the build each of an output's two folders holds (the site
  and its spare, output.py), named by the folder's device and inode, which move with it when
  the two are swapped (manifest.py): the build's input fingerprint and, for every file it
  wrote, the page key and the file's size, mtime and inode.

Nothing here is trusted blindly: every file carries the cache format and a checksum, and a
file that is missing, corrupt, from another format or another renderer is ignored (the
build then does the work itself). Files are written to a temporary name and renamed.
The digests and related posts are pickles (10,000 digests load in 0.1 s, against 0.25 s
from JSON): like Python's own `__pycache__`, the folder is the project's, as trusted as its
code, and it is never read from anywhere else.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import os
import pickle
import sys
from collections.abc import Set
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from ..fsutil import TEMP_SUFFIX
from .keys import content_key
from .manifest import Manifest, manifest_from_data, manifest_to_data

if TYPE_CHECKING:  # loaded when a build has work to do, not by a no-change build's check
    from ..related_index import RelatedIndex
    from .digest import Digest

FORMAT = "blogarchive-cache-6"
DELTA = ".changes"  # digests.changes.pickle: the digests added and removed since digests.pickle
T = TypeVar("T")
DELTA_MIN = 200  # changes kept apart from the index before it is written whole (or 5%)


class BuildCache:
    """A cache folder; `None` for none at all. A `scratch` cache holds only this build's HTML:
    it answers no digests and remembers no build (--no-cache). With `keep` (serve, which
    builds again and again), what is read from or written to its files stays in memory for
    the next build in this process, as long as the file is unchanged; without, none of it
    does, and what a build is done with can be let go."""

    def __init__(self, folder: Path | None, scratch: bool = False, keep: bool = True):
        self.folder, self.scratch, self.keep = folder, scratch, keep
        self._bases: dict[str, tuple[str, frozenset]] = {}  # name -> key and keys of its base

    # -- post HTML -------------------------------------------------------------------------
    def html(self, key: str) -> str | None:
        """A post's cached HTML, or None when absent or damaged."""
        if self.folder is None:
            return None
        try:
            data = self._html_path(key).read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        head, _, body = data.partition("\n")
        return body if head == f"{FORMAT} {key} {content_key(body)}" else None

    def _html_path(self, key: str) -> Path:
        """Where a post's HTML is kept: html/<first two characters of its key>/<key>.html."""
        return self.folder / "html" / key[:2] / f"{key}.html"

    def html_keys(self) -> frozenset[str]:
        """The keys of every post HTML in the cache, read from its names (see _html_path)."""
        if self.folder is None or self.scratch:
            return frozenset()
        keys = []
        try:
            with os.scandir(self.folder / "html") as shelves:
                for shelf in shelves:
                    with os.scandir(shelf.path) as found:
                        keys += [e.name[: -len(".html")] for e in found if e.name.endswith(".html")]
        except OSError:
            pass
        return frozenset(keys)

    def put_html(self, key: str, body: str) -> None:
        if self.folder is None:
            return
        path = self._html_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            text = f"{FORMAT} {key} {content_key(body)}\n{body}"
            _put(path, text.encode("utf-8", "surrogatepass"))
        except OSError as exc:
            _warn(f"cannot write the build cache ({exc.strerror}); building without it")
            self.folder = None

    # -- digests ---------------------------------------------------------------------------
    def digests(self) -> dict[str, Digest]:
        """Every cached digest by post key ({} when there is no usable index): the index and
        the changes written since (`put_digests`)."""
        if self.scratch or self.folder is None:
            return {}
        found = self._read_with_changes("digests")
        from .digest import Digest

        if not all(isinstance(d, Digest) and d.key == k for k, d in found.items()):
            return {}
        return found

    def put_digests(self, digests: dict[str, Digest], previous: Set[str]) -> None:
        """Replace the index (`previous`: the keys `digests()` gave) and delete HTML no digest
        names any more; an unchanged index is not rewritten."""
        if self.folder is None or self.scratch or digests.keys() == previous:
            return
        self._write_with_changes("digests", digests)
        for key in previous - digests.keys():
            try:
                self._html_path(key).unlink()
            except OSError:
                pass

    def _read_with_changes(self, name: str) -> dict:
        """The dict kept in `<name>.pickle` with the changes written since in
        `<name>.changes.pickle` applied ({} when there is none to trust)."""
        path = self.folder / f"{name}.pickle"
        found, key = self._kept(path, lambda p: self._read_pickle(p, with_key=True))
        if not isinstance(found, dict):
            self._bases[name] = ("", frozenset())
            return {}
        self._bases[name] = key, frozenset(found)
        delta = self._kept(self.folder / f"{name}{DELTA}.pickle", self._read_pickle)
        found = dict(found)  # what was kept stays as it was read
        if isinstance(delta, tuple) and len(delta) == 3 and delta[0] == key:
            _, added, removed = delta
            for gone in removed:
                found.pop(gone, None)
            found.update(added)
        return found

    def _write_with_changes(self, name: str, items: dict) -> None:
        """Keep `items` as `_read_with_changes(name)` will give them: while the changes since
        the dict was last written whole are few, only they are written (a one-post edit
        writes one digest, not 10,000)."""
        path, changes = self.folder / f"{name}.pickle", self.folder / f"{name}{DELTA}.pickle"
        base_key, base = self._bases.get(name, ("", frozenset()))
        added = {k: v for k, v in items.items() if k not in base}
        removed = sorted(base - items.keys())
        if base_key and len(added) + len(removed) <= max(DELTA_MIN, len(items) // 20):
            delta = (base_key, added, removed)
            self._keep(changes, delta, self._write_pickle(changes, delta))
        else:
            whole = dict(sorted(items.items()))
            key = self._write_pickle(path, whole)
            self._keep(path, (whole, key), key)
            self._bases[name] = key, frozenset(whole)
            changes.unlink(missing_ok=True)

    # -- related posts ----------------------------------------------------------------------
    def related(self) -> tuple[RelatedIndex | None, str]:
        """The related posts of the last build that computed them, with their workings, and
        the key of the file they came from ('' for none)."""
        from ..related_index import VERSION, RelatedIndex

        path = self.folder / "related.pickle" if self.folder and not self.scratch else None
        found, key = self._kept(path, lambda p: self._read_pickle(p, with_key=True))
        if isinstance(found, RelatedIndex) and found.__dict__.get("version") == VERSION:
            rekeyed = self._kept(self._related_keys_path(), self._read_pickle)
            if isinstance(rekeyed, tuple) and len(rekeyed) == 2 and rekeyed[0] == key:
                if isinstance(rekeyed[1], dict) and rekeyed[1].keys() == found.keys.keys():
                    found.keys = rekeyed[1]
            return found, key
        return None, ""

    def _related_keys_path(self) -> Path | None:
        return self.folder / "related.keys.pickle" if self.folder and not self.scratch else None

    def put_related_keys(self, related: RelatedIndex, key: str) -> None:
        """Keep only the posts' keys of related posts whose file (`key`) is otherwise still
        right: posts re-keyed with the same words (a date edited) write 0.7 MB, not 6.5."""
        path = self._related_keys_path()
        if path is None or not key:
            return
        value = (key, dict(related.keys))
        self._keep(path, value, self._write_pickle(path, value))

    def forget_related(self) -> None:
        """What related() gave may have been changed without being put back: read it anew."""
        if self.folder is not None:
            _KEPT.pop(str(self.folder / "related.pickle"), None)

    def put_related(self, related: RelatedIndex) -> str:
        """Keep them for the next build; the key it will find them by ('' if not kept)."""
        if self.folder is None or self.scratch:
            return ""
        path = self.folder / "related.pickle"
        key = self._write_pickle(path, related)
        self._keep(path, (related, key), key)
        keys = self._related_keys_path()
        keys.unlink(missing_ok=True)
        _KEPT.pop(str(keys), None)
        return key

    # -- posts.json ---------------------------------------------------------------------------
    def record_lines(self, site_url: str) -> dict[str, str]:
        """posts.json's line of each post by digest key, as the last build made them for this
        site URL ({} for none)."""
        if self.folder is None or self.scratch:
            return {}
        lines = self._read_with_changes(_records_name(site_url))
        return lines if all(isinstance(v, str) for v in lines.values()) else {}

    def put_record_lines(self, site_url: str, lines: dict[str, str]) -> None:
        """Keep these lines (as _write_with_changes: an edit writes its own line), forgetting
        those of any other site URL."""
        if self.folder is None or self.scratch:
            return
        name = _records_name(site_url)
        self._write_with_changes(name, lines)
        for path in self.folder.glob("records.*.pickle"):
            if not path.name.startswith(f"{name}."):
                path.unlink(missing_ok=True)

    # -- templates ---------------------------------------------------------------------------
    def compiled_templates(self) -> Path | None:
        """Where Jinja2 keeps compiled templates (None without a persistent cache)."""
        return None if self.folder is None or self.scratch else self.folder / "templates"

    # -- the builds an output's folders hold -----------------------------------------------
    def manifest(self, out: Path, folder: str) -> Manifest:
        """The build the folder `folder` (output.folder_id) of `out` holds (an empty Manifest
        when there is none to trust)."""
        if self.scratch or not folder or self.folder is None:
            return Manifest()
        return self._kept(
            self._build_path(out, folder),
            lambda path: manifest_from_data(self._read_marshal(path), str(out)),
        )

    def put_manifest(self, out: Path, folder: str, manifest: Manifest, keep: str) -> None:
        """Remember the build `folder` holds; forget those of folders of `out` other than it
        and `keep` (the other one)."""
        if self.scratch or self.folder is None:
            return
        path = self._build_path(out, folder)
        written = self._write_marshal(path, manifest_to_data(manifest, str(out)))
        self._keep(path, manifest, written)
        for path in (self.folder / "builds").glob(f"{content_key(str(out))}.*"):
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
    def _kept(self, path: Path | None, load: Callable[[Path | None], T]) -> T:
        """load(path), or, with `keep`, what it gave before if the file is unchanged since."""
        if self.keep:
            return _kept(path, load)
        _KEPT.pop(str(path), None)
        return load(path)

    def _keep(self, path: Path | None, value, written: str) -> None:
        """With `keep`, remember `value` as what `path` now holds (`written`: its key)."""
        if self.keep:
            _keep(path, value, written)
        else:
            _KEPT.pop(str(path), None)

    def _build_path(self, out: Path, folder: str) -> Path | None:
        if self.folder is None:
            return None
        name = f"{content_key(str(out))}.{folder.replace(':', '-')}.marshal"
        return self.folder / "builds" / name

    def _read_marshal(self, path: Path | None) -> dict:
        """The plain data (dicts, lists, strings, numbers) in a cache file, or {} when missing,
        damaged, foreign or from another Python."""
        if path is None:
            return {}
        try:
            head, body = _split(path.read_bytes())
            if head.decode("ascii") != f"{FORMAT} {content_key(body)}":
                return {}
            data = marshal.loads(body)
        except (OSError, UnicodeDecodeError, ValueError, EOFError, TypeError):
            return {}
        return data if isinstance(data, dict) else {}

    def _read_pickle(self, path: Path | None, with_key: bool = False):
        """The object pickled in a cache file (None when missing, damaged or foreign); with
        with_key, and the file's checksum."""
        found, key = None, ""
        try:
            if path is not None:
                found, key = _read_summed(path, _unpickle)
        except (
            OSError,
            UnicodeDecodeError,
            pickle.UnpicklingError,
            EOFError,
            AttributeError,
            ImportError,
            IndexError,
            TypeError,
            ValueError,
        ):
            found = None
        if found is None:
            key = ""
        return (found, key) if with_key else found

    def _write_pickle(self, path: Path | None, value) -> str:
        """Keep `value` in a cache file; its checksum ('' when it could not be written). The
        pickle goes to the file as it is made, never whole in memory (at 50,000 posts the
        digests' is 58 MB, and the file's bytes were held twice)."""
        return self._write_with(
            path, lambda out: pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        )

    def _write_marshal(self, path: Path | None, data: dict) -> str:
        """Keep plain data in a cache file with marshal (a manifest of 26,000 files dumps in
        9 ms, against JSON's 45, and loads in 19 against 30); its checksum. Marshal format 2:
        later ones share repeated objects through a table of every object written, which for
        a manifest of 130,000 files (all different) costs 110 MB while it dumps."""
        if path is None:
            return ""
        body = marshal.dumps(data, 2)
        return self._write_with(path, lambda out: out.write(body))

    def _write_with(self, path: Path | None, write: Callable[[_Summed], object]) -> str:
        """Keep in a cache file what write(out) writes to `out`, after a header line naming
        its checksum; the checksum ('' when it could not be written)."""
        if path is None:
            return ""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            key = _put_summed(path, write)
        except OSError as exc:
            _warn(
                f"cannot write the build cache {path} ({exc.strerror}); the next build will "
                "redo the work"
            )
            return ""
        return key


# What this process last read from or wrote to each cache file, with the file's stat then:
# serve builds again and again in one process, and a file untouched since is not read again.
_KEPT: dict[str, tuple[tuple, object]] = {}


def _stat_of(path: Path) -> tuple | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def _kept(path: Path | None, load: Callable[[Path | None], T]) -> T:
    """load(path), or what it gave before if the file is the same file, unchanged, since."""
    stat = _stat_of(path) if path is not None else None
    if stat is None:
        _KEPT.pop(str(path), None)
        return load(path)
    hit = _KEPT.get(str(path))
    if hit is not None and hit[0] == stat:
        return hit[1]
    value = load(path)
    _KEPT[str(path)] = (stat, value)
    return value


def _keep(path: Path | None, value, written: str) -> None:
    """Remember `value` as what `path` now holds, if it was written (`written`: its key)."""
    stat = _stat_of(path) if path is not None and written else None
    if stat is None:
        _KEPT.pop(str(path), None)
    else:
        _KEPT[str(path)] = (stat, value)


def _records_name(site_url: str) -> str:
    """The name of the files keeping posts.json's lines for this site URL."""
    return f"records.{content_key(site_url)[:12]}"


def _read_summed(path: Path, load: Callable[[_SummedReader], T]) -> tuple[T | None, str]:
    """What `load` reads from a cache file's body, and the body's checksum; (None, "") when
    the checksum is not the header's. The body is read as it is loaded, never whole in memory
    (58 MB of digests at 50,000 posts, held while their objects were made)."""
    with open(path, "rb") as fh:
        format_, _, key = fh.readline().rstrip(b"\n").decode("ascii").partition(" ")
        if format_ != FORMAT:
            return None, ""
        reader = _SummedReader(fh)
        found = load(reader)
        if reader.read() or reader.key() != key:  # more than the object, or damaged
            return None, ""
    return found, key


class _SummedReader:
    """A cache file being read, and the checksum (keys.content_key) of what was read."""

    def __init__(self, fh):
        self.fh, self.sum = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sum.update(data)
        return data

    def readinto(self, buffer) -> int:
        n = self.fh.readinto(buffer)
        self.sum.update(memoryview(buffer)[:n])
        return n

    def readline(self) -> bytes:
        line = self.fh.readline()
        self.sum.update(line)
        return line

    def key(self) -> str:
        return self.sum.hexdigest()[:32]


def _unpickle(source: _SummedReader):
    """pickle.load with the cycle collector paused: 10,000 digests load in 0.07 s instead
    of 0.19 s, since nothing loaded is garbage."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(source)
    finally:
        if paused:
            gc.enable()


def _split(data: bytes) -> tuple[bytes, memoryview]:
    """A cache file's header line and, without copying it, its body."""
    end = data.find(b"\n")
    if end < 0:
        return data, memoryview(b"")
    return data[:end], memoryview(data)[end + 1 :]


class _Summed:
    """A file being written, and the checksum (keys.content_key) of what was written to it."""

    def __init__(self, fh):
        self.fh, self.sum = fh, hashlib.sha256()

    def write(self, data) -> int:
        self.sum.update(data)
        return self.fh.write(data)


def _put_summed(path: Path, write: Callable[[_Summed], object]) -> str:
    """Write a cache file by rename (as _put): the header line `FORMAT key`, then what
    write(out) writes, whose checksum is `key` (the header, of fixed length, is filled in
    last). Returns the key."""
    key_length = len(content_key(b""))
    keys = []

    def summed(fh) -> None:
        fh.write(f"{FORMAT} {' ' * key_length}\n".encode("ascii"))
        out = _Summed(fh)
        write(out)
        keys.append(out.sum.hexdigest()[:key_length])
        fh.seek(len(FORMAT) + 1)
        fh.write(keys[0].encode("ascii"))

    _by_rename(path, summed)
    return keys[0]


def _put(path: Path, data: bytes) -> None:
    """Write `data` to a cache file by rename (_by_rename)."""
    _by_rename(path, lambda fh: fh.write(data))


def _by_rename(path: Path, write: Callable) -> None:
    """Write a file by rename, so a reader sees the old file or the new one: write(fh) fills
    a temp file beside it. No fsync: a cache file lost in a power cut fails its checksum and
    is simply rebuilt."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(tmp, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)
