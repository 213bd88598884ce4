"""Search end to end: build the real posts with search on (Pagefind indexes the posts in shards
into the new tree before it is swapped in), then use it in Chromium, served by
`python build.py serve` and from file://."""

import re
from pathlib import Path

import pytest

from blogarchive import site as S
from blogarchive.build.keys import content_key
from blogarchive.errors import OutputError
from blogarchive.markdown_safe import post_html
from blogarchive.search import IndexOptions, pagefind_binary, search_doc, update_index
from blogarchive.site import SEARCH_PATH

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def indexed_site(searchable_site):
    """(site folder, IndexStats, posts): the real posts built, search page added, indexed."""
    out, posts, _, report = searchable_site
    return out, report.indexed, posts


def test_pagefind_binary_is_installed_with_the_package():
    assert pagefind_binary().is_file()


def test_index_covers_exactly_the_post_pages(indexed_site):
    out, stats, posts = indexed_site
    assert stats.pages == len(posts) == 33
    assert stats.files > 10 and stats.bytes > 0 and stats.seconds < 60
    ui = out / "pagefind" / "shard-00"
    assert (ui / "pagefind-ui.js").is_file() and (ui / "pagefind-ui.css").is_file()
    fragments = list((out / "pagefind").glob("shard-*/fragment/*.pf_fragment"))
    assert len(fragments) == 33


def test_search_page_has_no_inline_script_and_a_noscript_note(indexed_site):
    out, _, _ = indexed_site
    html = (out / SEARCH_PATH).read_text(encoding="utf-8")
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert [re.search(r'src="([^"]+)"', attrs).group(1) for attrs, _ in scripts] == [
        "../pagefind/shard-00/pagefind-ui.js",
        "../static/search.js",
    ]
    assert all(body.strip() == "" for _, body in scripts)
    assert "<noscript>" in html and "Search needs JavaScript" in html
    assert (
        " on" not in re.sub(r'"[^"]*"', '""', html).split("<body>")[1].split(">")[0]
    )  # no inline handlers


def records(posts) -> tuple[list, dict[str, str]]:
    """The posts' search docs and their HTML by body key (a hash of the HTML, as the build's is
    of the post file), which the index reads through `text_of`."""
    html = {p.slug: post_html(p.body) for p in posts}
    docs = [search_doc(p, content_key(html[p.slug])) for p in posts]
    return docs, {content_key(h): h for h in html.values()}


def test_a_failed_index_names_its_cause_and_leaves_no_shard(indexed_site, tmp_path, monkeypatch):
    _, _, posts = indexed_site
    docs, bodies = records(posts)
    del bodies[docs[3].body_key]
    with pytest.raises(KeyError, match=docs[3].body_key):  # the build's reader: its own error
        update_index(docs, tmp_path / "a", bodies.__getitem__)
    assert not (tmp_path / "a" / "pagefind" / "shard-00").exists()
    assert [p.name for p in (tmp_path / "a" / "pagefind").iterdir() if "shard" in p.name] == []
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    from blogarchive import search

    search.pagefind_version.cache_clear()
    try:
        with pytest.raises(OutputError, match="no-such-pagefind"):
            update_index(docs, tmp_path / "b", records(posts)[1].__getitem__)
    finally:
        search.pagefind_version.cache_clear()


def bundle(site: Path) -> dict[str, bytes]:
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in (site / "pagefind").rglob("*")
        if p.is_file()
    }


def varying(name: str) -> bool:
    """The files Pagefind writes differently on every run (its filter chunks list their values in
    hash-map order, Pagefind issue #638), and the .pf_meta and pagefind-entry.json naming them."""
    return "/filter/" in name or name.endswith((".pf_meta", "/pagefind-entry.json"))


def test_index_is_deterministic_but_for_pagefinds_filter_files(indexed_site, tmp_path):
    """The same posts give the same files, but for Pagefind's filter chunks (and what names
    them)."""
    _, _, posts = indexed_site
    docs, bodies = records(posts)
    for name in ("one", "two"):
        update_index(docs, tmp_path / name, bodies.__getitem__, IndexOptions(count=4))
    first, second = bundle(tmp_path / "one"), bundle(tmp_path / "two")
    assert {k: v for k, v in first.items() if not varying(k)} == {
        k: v for k, v in second.items() if not varying(k)
    }
    assert sorted(first) != [] and len(first) == len(second)


# ---- in the browser -------------------------------------------------------------------------

pytestmark_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium not installed"
)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`python build.py serve` on the real posts (search on, as by default), at its URL."""
    from test_server import Serve

    serve = Serve(ROOT / "posts", tmp_path_factory.mktemp("served") / "site", ROOT / "site.yaml")
    yield f"http://127.0.0.1:{serve.port}/"
    serve.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def page_with_errors(browser, width=1100):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def shoot(page, shots: Path, name: str) -> None:
    """A full-page screenshot into the shots folder (see conftest.shots)."""
    page.screenshot(path=str(shots / name), full_page=True)


def titles(page) -> list[str]:
    page.wait_for_selector(".pagefind-ui__result-link")
    return page.locator(".pagefind-ui__result-link").all_inner_texts()


def result_count(page, not_equal: int | None = None) -> int:
    """The count Pagefind UI announces ("12 results for corbyn"); waits for it (and for a
    change)."""
    message = page.locator(".pagefind-ui__message")
    for _ in range(100):  # the page's CSP forbids eval, so poll from here, not wait_for_function
        found = re.search(r"(\d+) results?", message.inner_text() if message.count() else "")
        if found and int(found.group(1)) != not_equal:
            return int(found.group(1))
        page.wait_for_timeout(100)
    raise AssertionError(f"no result count in {message.all_inner_texts()}")


def all_results(page, not_equal: int | None = None) -> list[str]:
    """Every result link (Pagefind UI shows five at a time)."""
    total = result_count(page, not_equal)
    more = page.locator("button.pagefind-ui__button")
    for _ in range(200):
        if page.locator(".pagefind-ui__result-link").count() >= total:
            break
        if more.count() and more.is_visible():
            more.click()
        page.wait_for_timeout(100)
    return page.locator(".pagefind-ui__result-link").evaluate_all("els => els.map(e => e.href)")


def slug_of(url: str) -> str:
    return url.rstrip("/").removesuffix("/index.html").rsplit("/", 1)[-1]


def test_a_phrase_unique_to_one_post_finds_it_first(served, browser, indexed_site, shots):
    ids = next(p for p in indexed_site[2] if p.slug == "ids-and-the-cluster-bomb-budget")
    page, errors = page_with_errors(browser)
    page.goto(served + "search/index.html?q=squeaky+bum+time")
    assert titles(page)[0] == "IDS and the cluster bomb budget"
    assert page.locator(".pagefind-ui__result-excerpt").first.inner_text().strip()
    assert page.locator(".pagefind-ui__search-input").input_value() == "squeaky bum time"
    href = page.locator(".pagefind-ui__result-link").first.get_attribute("href")
    assert href == "/" + S.post_path(ids).removesuffix("index.html")
    shoot(page, shots, "search-phrase-1100.png")
    page.click(".pagefind-ui__result-link >> nth=0")
    assert page.locator("article.post h1").inner_text() == "IDS and the cluster bomb budget"
    assert errors == []


def test_filter_by_category_and_year(served, browser, indexed_site, shots):
    _, _, posts = indexed_site
    by_slug = {p.slug: p for p in posts}
    page, errors = page_with_errors(browser)
    page.goto(served + "search/index.html?q=corbyn")
    everything = all_results(page)
    assert len(everything) > 5
    page.check("input.pagefind-ui__filter-checkbox[name=category][value='Local Democracy']")
    filtered = all_results(page, not_equal=len(everything))
    assert 0 < len(filtered) < len(everything)
    assert all("Local Democracy" in by_slug[slug_of(u)].categories for u in filtered)
    expected = [u for u in everything if "Local Democracy" in by_slug[slug_of(u)].categories]
    assert sorted(filtered) == sorted(expected)
    shoot(page, shots, "search-filtered-1100.png")
    page.goto(served + "search/index.html?q=corbyn&year=2015")
    in_2015 = all_results(page)
    assert in_2015 and all(
        by_slug[slug_of(u)].date and by_slug[slug_of(u)].date.year == 2015 for u in in_2015
    )
    assert errors == []


def test_header_form_leads_to_results(served, browser, shots):
    page, errors = page_with_errors(browser, width=390)
    page.goto(served + "index.html")
    page.fill("#site-search-q", "squeaky bum time")
    page.press("#site-search-q", "Enter")
    page.wait_for_url(re.compile(r"/search/index\.html\?q=squeaky"))
    assert titles(page)[0] == "IDS and the cluster bomb budget"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, shots, "search-phrase-390.png")
    assert errors == []


def test_from_file_url_the_page_says_search_needs_a_server(indexed_site, browser, shots):
    out, _, _ = indexed_site
    page, errors = page_with_errors(browser)
    page.goto((out / SEARCH_PATH).as_uri() + "?q=corbyn")
    note = page.locator("#search-needs-server")
    note.wait_for(state="visible")
    assert "Search needs a web server" in note.inner_text()
    assert "python build.py serve" in note.inner_text()
    assert page.locator(".pagefind-ui__result").count() == 0
    shoot(page, shots, "search-file-url.png")
    assert errors == []


def test_without_javascript_the_noscript_note_shows(indexed_site, browser, served):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served + SEARCH_PATH)
    assert "Search needs JavaScript" in page.locator("main").inner_text()
    assert not page.locator("#search-needs-server").is_visible()
    context.close()
