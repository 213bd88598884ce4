"""The import's manifest is written entry by entry (post_writer.manifest_json, from the Ledger's
on-disk table): its bytes are what json.dumps of the whole dict wrote, for every shape of
entry a manifest holds, and a re-import after a person's edits reads it back."""

import json
import pickle
from pathlib import Path

from blogarchive.import_manifest import OldManifest
from blogarchive.post_writer import MANIFEST, manifest_json, merged_entries, save_manifest


def _as_json_dumps(files: dict) -> bytes:
    """How save_manifest wrote the manifest before: one dict, one json.dumps."""
    shown = {
        k: v if isinstance(v, str) else sorted(v)[0] if len(v) == 1 else sorted(v)
        for k, v in sorted(files.items())
    }
    return (
        json.dumps({"version": 1, "files": shown}, indent=1, ensure_ascii=False) + "\n"
    ).encode()


MANIFESTS = [
    {},
    {"a-post.md": "0" * 64},
    {
        "b.md": frozenset({"f" * 64}),
        "a.md": frozenset({"1" * 64, "0" * 64}),
        "ça-et-là.md": "2" * 64,
        'quote"and\\slash.md': frozenset(),
        "z.md": frozenset({"9" * 64, "8" * 64, "7" * 64}),
    },
]


def test_manifest_bytes_are_json_dumps_bytes():
    for files in MANIFESTS:
        assert manifest_json(sorted(files.items())).getvalue() == _as_json_dumps(files)


def test_saved_manifest_reads_back(tmp_path):
    files = MANIFESTS[2]
    save_manifest(tmp_path, files)
    want = {k: frozenset([v]) if isinstance(v, str) else v for k, v in files.items()}
    with OldManifest.load(tmp_path / MANIFEST) as old:
        assert dict(old) == want and list(old) == sorted(want)
        assert list(merged_entries(old, [], None)) == sorted(want.items())
        sent = pickle.dumps(old)  # as the writers get it: the table's path, no entry
        assert len(sent) < 200 and dict(pickle.loads(sent)) == want
    assert not Path(old.path).exists()  # the table's file goes with it


def test_manifest_in_another_layout_or_broken_reads_as_json_did(tmp_path):
    """A manifest laid out otherwise (edited by hand) is read whole; a broken one, or one
    with entries of the wrong shape, gives what the old reader (json.loads) gave."""
    path = tmp_path / MANIFEST
    cases = [
        ('{"files": {"a.md": "1", "b.md": ["2", "3"]}}', {"a.md": {"1"}, "b.md": {"2", "3"}}),
        ('{"version": 1, "files": {"a.md": 5, "b.md": "2"}}', {"b.md": {"2"}}),
        (manifest_json([("a.md", "1")]).getvalue().decode()[:-4], {}),  # cut short
        ("[]", {}),
    ]
    for text, want in cases:
        path.write_text(text, encoding="utf-8")
        with OldManifest.load(path) as old:
            assert dict(old) == want
    with OldManifest.load(tmp_path / "missing.json") as old:
        assert len(old) == 0


def test_old_and_new_entries_merge_in_name_order():
    old = {"b.md": frozenset({"1"}), "d.md": frozenset({"2"})}
    new = [("a.md", "3"), ("b.md", "4"), ("c.md", "5")]
    assert list(merged_entries(old, new, lambda o, h: o | {h})) == [
        ("a.md", "3"),
        ("b.md", frozenset({"1", "4"})),
        ("c.md", "5"),
        ("d.md", frozenset({"2"})),
    ]
    assert dict(merged_entries(old, new, lambda o, h: h)) == {**old, **dict(new)}
