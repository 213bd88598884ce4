"""Saved pages with their `_files/` folder, web-archive snapshots, links between posts, and bad
input: each bad file fails with a message naming it, and nothing is written."""

import posixpath
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from conftest import EXAMPLES
from lxml import etree

from blogarchive.cli import main
from blogarchive.post import from_markdown
from blogarchive.readers import wxr
from blogarchive.readers.archive import original_url
from blogarchive.readers.sniff import HTML, TEXT, WXR, sniff

BLOG = EXAMPLES / "twentytwelve"
HOST = "https://plotfourteen.example.org"
pytestmark = pytest.mark.skipif(not BLOG.is_dir(), reason="theme examples not present")


def png(width: int = 2, height: int = 2) -> bytes:
    """A small valid PNG (grey pixels), made here so the fixture needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def run(tmp_path: Path, *inputs) -> int:
    return main(
        [
            "import",
            *map(str, inputs),
            "--posts",
            str(tmp_path / "out" / "posts"),
            "--report",
            str(tmp_path / "out" / "report.txt"),
        ]
    )


def posts(tmp_path: Path) -> dict:
    folder = tmp_path / "out" / "posts"
    return {
        p.title: p
        for p in (
            from_markdown(f.read_text(encoding="utf-8"), str(f))
            for f in sorted(folder.glob("*.md"))
        )
    }


def saved_page(folder: Path) -> Path:
    """single-leeks-in-the-frost.html as "Save page as, complete" leaves it: the image in
    <page>_files/, plus a link to another post of the blog and a script in the post."""
    folder.mkdir(parents=True, exist_ok=True)
    html = (BLOG / "html" / "single-leeks-in-the-frost.html").read_text(encoding="utf-8")
    html = html.replace(
        f'src="{HOST}/wp-content/uploads/2012/01/leeks-november.jpg"',
        'src="leeks_files/leeks-november.png"',
    )
    html = html.replace(
        "<p>We will be eating",
        f'<p>As I said in <a href="{HOST}/2012/05/27/'
        'broad-beans-at-last/">the broad bean post</a>, <a href="javascript:'
        'alert(1)" onclick="steal()">click</a>.<script>alert(2)</script></p>\n'
        "<p>We will be eating",
    )
    (folder / "leeks_files").mkdir(exist_ok=True)
    (folder / "leeks_files" / "leeks-november.png").write_bytes(png())
    page = folder / "leeks.html"
    page.write_text(html, encoding="utf-8")
    return page


def test_saved_page_copies_its_image_and_links_to_the_other_post(tmp_path):
    page = saved_page(tmp_path / "saved")
    assert run(tmp_path, page, BLOG / "html" / "index.html") == 0
    leeks = posts(tmp_path)["Leeks in the frost"]
    images = list((tmp_path / "out" / "images").iterdir())
    assert [p.read_bytes() for p in images] == [png()]
    # shown with its alt text and caption, relative to the post's page like every site link
    assert (
        f"![Row of leeks in frost](../../../../images/{images[0].name})\n"
        "The leeks after the first hard frost of the winter."
    ) in leeks.body
    link = re.search(r"\[the broad bean post\]\(([^)]+)\)", leeks.body).group(1)
    assert (
        posixpath.normpath(posixpath.join("2012/01/15/leeks-in-the-frost", link))
        == "2012/05/27/broad-beans-at-last/index.html"
    )  # the other post's new page
    assert "javascript" not in leeks.body and "alert" not in leeks.body
    assert "steal" not in leeks.body and ", click." in leeks.body


def wayback(html: str, stamp: str = "20120601093000") -> str:
    """A page as web.archive.org serves it: scripts in the head, the toolbar after <body>,
    every URL rewritten to /web/<timestamp>[im_]/<url>, the archive's notes at the end."""
    html = re.sub(
        r'src="(https?://[^"]+)"',
        lambda m: f'src="https://web.archive.org/web/{stamp}im_/{m.group(1)}"',
        html,
    )
    html = re.sub(
        r'href="(https?://[^"]+)"',
        lambda m: f'href="https://web.archive.org/web/{stamp}/{m.group(1)}"',
        html,
    )
    head = (
        '<script src="//archive.org/includes/athena.js"></script>\n<script>__wm.init('
        '"https://web.archive.org/web");</script>\n<link rel="stylesheet" href="https://web-'
        'static.archive.org/_static/css/banner-styles.css"/>\n'
        "<!-- End Wayback Rewrite JS Include -->\n"
    )
    toolbar = (
        '<!-- BEGIN WAYBACK TOOLBAR INSERT -->\n<div id="wm-ipp-base"><div id="wm-ipp">'
        '<a href="/web/">Wayback Machine</a> 1 capture <h1 class="entry-title">JUN</h1>'
        "</div></div>\n<!-- END WAYBACK TOOLBAR INSERT -->\n"
    )
    html = html.replace("<head>", "<head>\n" + head, 1)
    html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + toolbar, html, count=1)
    return html + (
        "\n<!--\n     FILE ARCHIVED ON 09:30:00 Jun 01, 2012 AND RETRIEVED FROM THE\n"
        "     INTERNET ARCHIVE ON 10:00:00 Jan 01, 2024.\n-->\n"
    )


def test_web_archive_snapshot_reads_as_the_original_page(tmp_path):
    for name in ("index.html", "single-leeks-in-the-frost.html"):
        html = (BLOG / "html" / name).read_text(encoding="utf-8")
        (tmp_path / f"snap-{name}").write_text(wayback(html), encoding="utf-8")
    assert (
        run(
            tmp_path / "a",
            tmp_path / "snap-index.html",
            tmp_path / "snap-single-leeks-in-the-frost.html",
        )
        == 0
    )
    assert (
        run(
            tmp_path / "b",
            BLOG / "html" / "index.html",
            BLOG / "html" / "single-leeks-in-the-frost.html",
        )
        == 0
    )
    snap, plain = posts(tmp_path / "a"), posts(tmp_path / "b")
    assert sorted(snap) == sorted(plain) and len(snap) == 6
    for title, post in snap.items():
        assert post.body == plain[title].body  # URLs restored, toolbar and scripts gone
        assert (post.date, post.tags, post.comments) == (
            plain[title].date,
            plain[title].tags,
            plain[title].comments,
        )
    assert "archive.org" not in "".join(p.body for p in snap.values())


def test_original_url_restores_every_wayback_form():
    assert (
        original_url("https://web.archive.org/web/20120601093000im_/https://b.org/x.jpg")
        == "https://b.org/x.jpg"
    )
    assert original_url("/web/20120601093000/http://b.org/a/") == "http://b.org/a/"
    assert original_url("//web.archive.org/web/2012js_/b.org/s.js") == "http://b.org/s.js"
    assert original_url("https://b.org/kept") == "https://b.org/kept"


def test_kinds_are_told_by_content_not_name():
    assert sniff(b"<!-- saved from url=(0042)https://b.org/ -->\n<!DOCTYPE html><html>") == HTML
    assert sniff((BLOG / "export.xml").read_bytes()) == WXR
    assert sniff((BLOG / "text" / "index.txt").read_bytes()) == TEXT


def _bad_export(kind: str) -> bytes:
    good = (BLOG / "export.xml").read_bytes()
    if kind == "truncated":
        return good[: len(good) // 2]
    if kind == "missing field":
        return good.replace(b"<wp:post_type><![CDATA[post]]></wp:post_type>", b"", 1)
    lol = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">'
        % (i, b"".join(b"&lol%d;" % (i - 1) if i > 1 else b"&lol;" for _ in range(10)))
        for i in range(1, 10)
    )
    entities = {
        "billion laughs": lol,
        "external entity": b'<!ENTITY xxe SYSTEM "file:///etc/passwd">',
    }[kind]
    ref = b"&lol9;" if kind == "billion laughs" else b"&xxe;"
    return good.replace(b"<rss", b"<!DOCTYPE rss [" + entities + b"]>\n<rss", 1).replace(
        b"<title>Plot Fourteen</title>", b"<title>" + ref + b"</title>", 1
    )


@pytest.mark.parametrize(
    "kind, message",
    [
        ("truncated", "not well-formed XML"),
        ("missing field", "has no <wp:post_type>"),
        ("billion laughs", "declares a DOCTYPE or entities"),
        ("external entity", "declares a DOCTYPE or entities"),
    ],
)
def test_bad_exports_fail_clearly_and_write_nothing(tmp_path, capsys, kind, message):
    bad = tmp_path / "export.xml"
    bad.write_bytes(_bad_export(kind))
    started = time.perf_counter()
    assert run(tmp_path, bad) == 1
    assert time.perf_counter() - started < 30  # no entity ever expands
    err = capsys.readouterr().err
    assert f"{bad}" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "out" / "posts").exists()
    assert "root:" not in err


def test_the_xml_parser_itself_never_expands_or_reads_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    doc = (
        f'<!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}"><!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><r>&x;&b;</r>'
    ).encode()
    root = etree.fromstring(doc, etree.XMLParser(**wxr._PARSER_OPTIONS))
    text = etree.tostring(root).decode()
    assert "TOP-SECRET" not in text and "aaaaaaaaaa" not in text


def _page(body: str, head: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("no-post.html", _page("<h1>About me</h1><p>Hello.</p>"), "no post on this page"),
        (
            "blogger.html",
            _page(
                '<div class="post"><h3>Hi</h3><p>Text.</p></div>',
                '<meta name="generator" content="Blogger">',
            ),
            "made by Blogger",
        ),
        (
            "cut.html",
            b"<!DOCTYPE html><html><body><article class='hentry'><h1 class='entry-title'>"
            b"A</h1><div class='entry-content'><p>Half a sen",
            "cut short",
        ),
        (
            "outside.html",
            _page(
                '<article class="hentry"><h1 class="entry-title">A</h1><div class='
                '"entry-content"><p>Text.</p><img src="../secret.png" alt="x"></div>'
                "</article>"
            ),
            "points outside the import folder",
        ),
    ],
)
def test_bad_pages_fail_clearly_and_write_nothing(tmp_path, capsys, name, data, message):
    (tmp_path / "secret.png").write_bytes(png())
    folder = tmp_path / "in"
    folder.mkdir()
    page = folder / name
    page.write_bytes(data)
    assert run(tmp_path, page) == 1
    err = capsys.readouterr().err
    assert f"{page}" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.*"))


def test_a_50_mb_page_is_refused_by_size(tmp_path, capsys):
    page = tmp_path / "huge.html"
    with page.open("wb") as f:
        f.write(b"<!DOCTYPE html><html><body>")
        f.write(b"<p>padding padding padding padding padding padding padding.</p>\n" * 820_000)
        f.write(b"</body></html>")
    assert page.stat().st_size > 50 * 2**20
    assert run(tmp_path, page) == 1
    err = capsys.readouterr().err
    assert f"{page}" in err and "too large" in err
    assert not (tmp_path / "out").exists()
