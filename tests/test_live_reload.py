"""Live reload under `serve`, in Debian's Chromium: an open page follows edits of its post by
itself, swapped in place (no navigation, scroll kept) or reloaded when a stylesheet changed; a
failed build shows its error over the page (file:line) until a good build; and nothing of it
reaches the built site."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from conftest import read_posts
from test_server import ROOT, Serve

from blogarchive.livereload import SCRIPT_TAG, changed_paths, inject
from blogarchive.site import post_path

CHROMIUM = "/usr/bin/chromium"
POST = "use-it-or-lose-it.md"  # a real post; its page is edited below
browser_only = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


def save(path: Path, text: str) -> None:
    """As most editors save: a new file renamed over the old one."""
    tmp = path.with_name(f".{path.name}.swp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(params=["--no-search", "--search"])
def served(request, tmp_path):
    """serve on a copy of posts/ (with and without the search index), and the post's path."""
    shutil.copytree(ROOT / "posts", tmp_path / "posts")
    extra = ("--no-search",) if request.param == "--no-search" else ()
    serve = Serve(tmp_path / "posts", tmp_path / "site", ROOT / "site.yaml", *extra)
    post = next(p for p in read_posts(tmp_path / "posts") if p.slug == Path(POST).stem)
    yield serve, tmp_path, "/" + post_path(post)[: -len("index.html")]
    serve.stop()


def open_page(browser, serve: Serve, path: str):
    page = browser.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    with page.expect_response(lambda r: r.url.endswith("/__blogarchive__/events")):
        page.goto(f"http://127.0.0.1:{serve.port}{path}")
    page.evaluate("() => { window.notReloaded = true; }")
    return page


def test_an_open_page_follows_an_edit_of_its_post_in_place(browser, served):
    marker = "Edited while the page was open"
    serve, work, path = served
    page, other = open_page(browser, serve, path), open_page(browser, serve, "/archives/")
    assert marker not in page.inner_text("main")
    file = work / "posts" / POST
    save(file, file.read_text("utf-8") + f"\n{marker}.\n")
    page.wait_for_function(f"() => document.body.innerText.includes({marker!r})", timeout=60_000)
    assert page.evaluate("() => window.notReloaded") is True  # swapped in, no navigation
    assert serve.wait_for("rebuilt in", 1)
    assert other.evaluate("() => window.notReloaded") is True  # a page not showing it: untouched
    assert page.problems == [] and other.problems == []  # no CSP refusal, no error
    built = [p for p in (work / "site").rglob("*") if p.is_file()]
    assert built and not any(
        b"livereload" in p.read_bytes() or b"__blogarchive__" in p.read_bytes() for p in built
    )


SERIALIZED = """() => ({
  html: [...document.documentElement.attributes].map(a => a.name + '=' + a.value),
  head: [...document.head.children].map(e => e.outerHTML),
  body: document.body.outerHTML,
  title: document.title,
})"""


def test_a_swapped_page_is_the_page_a_load_shows_and_keeps_its_scroll(browser, tmp_path):
    """The title, description, JSON-LD and body change; the stylesheets stay loaded; the page
    stays where it was scrolled to; and the result is exactly what loading it afresh gives."""
    shutil.copytree(ROOT / "posts", tmp_path / "posts")
    serve = Serve(tmp_path / "posts", tmp_path / "site", ROOT / "site.yaml")
    try:
        post = next(p for p in read_posts(tmp_path / "posts") if p.slug == Path(POST).stem)
        path = "/" + post_path(post)[: -len("index.html")]
        page = open_page(browser, serve, path)
        page.set_viewport_size({"width": 420, "height": 300})
        page.evaluate("() => window.scrollTo(0, 400)")
        sheets = page.evaluate("() => document.styleSheets.length")
        page.evaluate("() => { window.sheets = [...document.styleSheets].map(s => s.ownerNode); }")
        file = tmp_path / "posts" / POST
        text = file.read_text("utf-8").replace("title: Use it or lose it", "title: Use it now", 1)
        save(file, text + "\nA sentence added at the end.\n")
        page.wait_for_function("() => document.title.startsWith('Use it now')", timeout=60_000)
        assert page.evaluate("() => window.notReloaded") is True
        assert page.evaluate("() => window.scrollY") == 400
        assert "A sentence added at the end." in page.inner_text("main")
        assert page.evaluate(  # the very same stylesheet elements: nothing fetched again
            "() => [...document.styleSheets].every((s, i) => s.ownerNode === window.sheets[i])"
        )
        assert sheets == page.evaluate("() => document.styleSheets.length") > 0
        fresh = browser.new_page()
        fresh.goto(f"http://127.0.0.1:{serve.port}{path}")
        swapped, loaded = page.evaluate(SERIALIZED), fresh.evaluate(SERIALIZED)
        for part in ("html", "head", "body", "title"):
            assert swapped[part] == loaded[part], part
        assert page.problems == []
    finally:
        serve.stop()


def test_a_changed_stylesheet_reloads_the_page(browser, tmp_path):
    """A static file changed (a stylesheet may change under the same name): a swap would keep
    the old one, so the page reloads and shows the new style."""
    shutil.copytree(ROOT / "posts", tmp_path / "posts")
    (tmp_path / "static").mkdir()  # the site's own static/ wins over the default's
    sheet = tmp_path / "static" / "style.css"
    shutil.copy(ROOT / "static" / "style.css", sheet)
    serve = Serve(tmp_path / "posts", tmp_path / "site", ROOT / "site.yaml", cwd=tmp_path)
    try:
        page = open_page(browser, serve, "/archives/")
        spacing = "() => getComputedStyle(document.querySelector('h1')).letterSpacing"
        assert page.evaluate(spacing) != "7px"
        save(sheet, sheet.read_text("utf-8") + "\nh1 { letter-spacing: 7px; }\n")
        page.wait_for_function(f"() => ({spacing})() === '7px'", timeout=60_000)
        assert page.evaluate("() => window.notReloaded") is None  # it reloaded
        assert page.problems == []
    finally:
        serve.stop()


def test_a_page_that_runs_a_script_reloads_so_the_script_runs_once_on_the_new_page(
    browser, tmp_path
):
    """A script swapped in would not run (and one run again could start twice): such a page,
    like the search page, reloads."""
    shutil.copytree(ROOT / "posts", tmp_path / "posts")
    for folder in ("templates", "static"):
        (tmp_path / folder).mkdir()
    (tmp_path / "static" / "count.js").write_text("window.runs = (window.runs || 0) + 1;\n")
    template = (ROOT / "templates" / "post.html").read_text("utf-8")
    script = "<script src=\"{{ link('static/count.js') }}\"></script>"
    (tmp_path / "templates" / "post.html").write_text(
        template.replace("{% block head %}", "{% block head %}" + script, 1), "utf-8"
    )
    serve = Serve(tmp_path / "posts", tmp_path / "site", ROOT / "site.yaml", cwd=tmp_path)
    try:
        post = next(p for p in read_posts(tmp_path / "posts") if p.slug == Path(POST).stem)
        page = open_page(browser, serve, "/" + post_path(post)[: -len("index.html")])
        assert page.evaluate("() => window.runs") == 1
        file = tmp_path / "posts" / POST
        save(file, file.read_text("utf-8") + "\nScripts and all.\n")
        page.wait_for_function(
            "() => document.body.innerText.includes('Scripts and all.')", timeout=60_000
        )
        assert page.evaluate("() => window.notReloaded") is None  # reloaded
        assert page.evaluate("() => window.runs") == 1
        assert page.problems == []
    finally:
        serve.stop()


def test_a_failed_build_shows_its_error_over_the_page_until_a_good_one(browser, served):
    serve, work, path = served
    page = open_page(browser, serve, path)
    title = page.inner_text("h1")
    file = work / "posts" / POST
    good = file.read_text("utf-8")
    broken = re.sub(r"(?m)^title: .*$", "title: [not, text]", good, count=1)
    save(file, broken)
    overlay = page.locator("#blogarchive-build-error")
    overlay.wait_for(timeout=60_000)
    text = overlay.inner_text()
    assert f"{file}:2: title: expected text, got a list" in text, text
    assert page.inner_text("h1") == title  # the last good page stays
    assert serve.get(path)[0] == 200
    assert overlay.evaluate("e => e.children.length") == 2  # text nodes only, no markup
    save(file, good.replace("\n---\n", "\n---\nFixed again.\n", 1))
    page.wait_for_function("() => document.body.innerText.includes('Fixed again.')", timeout=60_000)
    assert page.locator("#blogarchive-build-error").count() == 0
    assert page.evaluate("() => window.notReloaded") is True  # the fix was swapped in
    save(file, broken)
    overlay.wait_for(timeout=60_000)
    save(file, good)  # the original again: a good build
    overlay.wait_for(state="detached", timeout=60_000)
    assert page.problems == []


# --- the pure parts ------------------------------------------------------------------------------


def test_the_script_tag_goes_before_head_end_and_nowhere_else():
    page = b"<!DOCTYPE html><html><head><title>x</title></HEAD><body>x</body></html>"
    assert inject(page) == page.replace(b"</HEAD>", SCRIPT_TAG + b"\n</HEAD>")
    assert inject(b"<p>no head</p></body>") == b"<p>no head</p>" + SCRIPT_TAG + b"\n</body>"
    assert SCRIPT_TAG == b'<script src="/__blogarchive__/livereload.js" defer></script>'


def test_changed_paths_are_the_outputs_whose_keys_differ():
    old = {"a/index.html": "1", "b/index.html": "2", "gone.html": "3"}
    new = {"a/index.html": "1", "b/index.html": "9", "new.html": "4"}
    assert changed_paths(old, new) == ("b/index.html", "gone.html", "new.html")
    assert changed_paths(None, new) is None  # nothing to compare: every page
    many = {f"p{n}.html": str(n) for n in range(3000)}
    assert changed_paths({}, many) is None  # too many to list: every page


for test in (
    test_an_open_page_follows_an_edit_of_its_post_in_place,
    test_a_swapped_page_is_the_page_a_load_shows_and_keeps_its_scroll,
    test_a_changed_stylesheet_reloads_the_page,
    test_a_page_that_runs_a_script_reloads_so_the_script_runs_once_on_the_new_page,
    test_a_failed_build_shows_its_error_over_the_page_until_a_good_one,
):
    for mark in browser_only:
        mark(test)
