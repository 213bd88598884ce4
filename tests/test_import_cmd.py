"""The import command: edit-safety, determinism, and clear errors for bad input."""

import subprocess
import sys
from pathlib import Path

import pytest

from blogarchive.cli import main

ROOT = Path(__file__).resolve().parents[1]
DUMP = (
    "Archive for the ‘News’ Category\n\nA post\n\nMay 1, 2015 1 comment\n\nBody text.\n\n"
    "Another\n\nApril 1, 2015 Leave a comment\n\nMore text.\n"
)


def run_import(tmp_path, *extra, dumps=None):
    dumps = dumps or [str(_dump(tmp_path))]
    return main(
        [
            "import",
            *dumps,
            "--posts",
            str(tmp_path / "posts"),
            "--report",
            str(tmp_path / "report.txt"),
            *extra,
        ]
    )


def _dump(tmp_path, text=DUMP, name="d.txt", raw=None):
    path = tmp_path / name
    path.write_bytes(raw if raw is not None else text.encode("utf-8"))
    return path


def test_reimport_keeps_edited_and_deleted_posts_until_force(tmp_path, capsys):
    assert run_import(tmp_path) == 0
    posts = tmp_path / "posts"
    edited = posts / "a-post.md"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nMy own correction.\n", encoding="utf-8"
    )
    (posts / "another.md").unlink()
    mine = posts / "my-own-post.md"
    mine.write_text("---\ntitle: Mine\nslug: my-own-post\n---\nHello\n", encoding="utf-8")
    assert run_import(tmp_path) == 0
    out = capsys.readouterr().out
    assert "My own correction." in edited.read_text(encoding="utf-8")
    assert "kept a-post.md" in out and "not recreated another.md" in out
    assert not (posts / "another.md").exists() and mine.exists()
    assert run_import(tmp_path, "--force") == 0
    assert "My own correction." not in edited.read_text(encoding="utf-8")
    assert (posts / "another.md").exists() and mine.exists()  # never deletes


def test_loader_owned_files_are_updated_when_the_dump_changes(tmp_path):
    run_import(tmp_path)
    changed = _dump(tmp_path, DUMP.replace("Body text.", "Corrected body text."))
    run_import(tmp_path, dumps=[str(changed)])
    assert "Corrected body text." in (tmp_path / "posts" / "a-post.md").read_text(encoding="utf-8")


def test_same_dumps_give_byte_identical_posts(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        assert main(["import", "--posts", str(out), "--report", str(out / "r.txt")]) == 0
    files = sorted(p.name for p in a.iterdir())
    assert files == sorted(p.name for p in b.iterdir())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def test_crlf_bom_and_cp1252_are_read(tmp_path, capsys):
    crlf = _dump(
        tmp_path, name="crlf.txt", raw=("\ufeff" + DUMP).replace("\n", "\r\n").encode("utf-8")
    )
    cp = _dump(tmp_path, name="cp.txt", raw=DUMP.replace("‘News’", "‘Café’").encode("cp1252"))
    assert run_import(tmp_path, dumps=[str(crlf)]) == 0
    assert "title: A post\n" in (tmp_path / "posts" / "a-post.md").read_text(encoding="utf-8")
    assert run_import(tmp_path, "--force", dumps=[str(cp)]) == 0
    assert "not valid UTF-8; read as Windows-1252" in capsys.readouterr().err
    assert "Café" in (tmp_path / "posts" / "a-post.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name, raw, message",
    [
        ("missing.txt", None, "no such file"),
        ("empty.txt", b"  \n\n", "empty file"),
        ("binary.txt", b"line one\nline\x00two\n", "binary.txt:2: binary file"),
        (
            "noposts.txt",
            b"Archive\n\nGet every new post delivered to your Inbox.\n",
            "no post found",
        ),
    ],
)
def test_bad_dumps_fail_clearly_and_write_nothing(tmp_path, capsys, name, raw, message):
    path = tmp_path / name
    if raw is not None:
        path.write_bytes(raw)
    assert run_import(tmp_path, dumps=[str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and name in err and "Traceback" not in err
    assert not (tmp_path / "posts").exists() or not list((tmp_path / "posts").glob("*.md"))


def test_malformed_overrides_named_with_line(tmp_path, capsys):
    dump = _dump(tmp_path)
    (tmp_path / "d.overrides.yaml").write_text("lines:\n  3: title\n  bad: [\n", encoding="utf-8")
    assert run_import(tmp_path, dumps=[str(dump)]) == 1
    assert "d.overrides.yaml:" in capsys.readouterr().err


def test_overrides_file_is_applied(tmp_path):
    dump = _dump(tmp_path)
    (tmp_path / "d.overrides.yaml").write_text(
        "posts:\n  - line: 3\n    date: 2015-05-02\n    categories: [Fixed]\n", encoding="utf-8"
    )
    assert run_import(tmp_path, dumps=[str(dump)]) == 0
    text = (tmp_path / "posts" / "a-post.md").read_text(encoding="utf-8")
    assert "date: 2015-05-02" in text and "categories: [Fixed]" in text


def test_cli_help_for_every_subcommand():
    for cmd in ([], ["import"]):
        out = subprocess.run(
            [sys.executable, str(ROOT / "build.py"), *cmd, "--help"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert out.returncode == 0 and "usage:" in out.stdout
