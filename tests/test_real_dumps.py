"""The five real dumps end to end: the product's actual content and its hardest test."""

import datetime as dt
import re
from pathlib import Path

import markdown
import pytest
from bs4 import BeautifulSoup

from blogarchive.cli import main
from blogarchive.loader import load_dumps
from blogarchive.post import from_markdown

ROOT = Path(__file__).resolve().parents[1]
DUMPS = sorted((ROOT / "dumps").glob("*.txt"))
CHROME = re.compile(
    r"Leave a comment|other followers|Get every new post|Continue reading|"
    r"^Categories:|Archive for the|^\d+ comments?$",
    re.M,
)


@pytest.fixture(scope="module")
def result():
    return load_dumps([(p.name, p.read_text(encoding="utf-8"), None) for p in DUMPS])


@pytest.fixture(scope="module")
def posts(result):
    return {p.slug: p for p in result.posts}


def html_of(post) -> BeautifulSoup:
    return BeautifulSoup(
        markdown.markdown(post.body, extensions=["footnotes", "nl2br"]), "html.parser"
    )


def test_posts_per_dump(result):
    assert [len(p.posts) for p in result.parses] == [9, 7, 7, 7, 7]
    assert len(result.posts) == 33 and result.duplicates_merged == 4


def test_committed_posts_equal_a_fresh_import(tmp_path):
    """posts/ is the golden output; regenerate with `python build.py import --force`."""
    assert main(["import", "--posts", str(tmp_path), "--report", str(tmp_path / "r.txt")]) == 0
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.md")}
    committed = {p.name: p.read_bytes() for p in (ROOT / "posts").glob("*.md")}
    assert fresh == committed


def test_a_dated_post_field_by_field(posts):
    p = posts["liz-kendall-and-the-meanings-of-empowerment"]
    assert p.title == "Liz Kendall and the meanings of empowerment"
    assert p.date == dt.date(2015, 8, 6) and p.comments == 1 and not p.excerpt
    assert p.categories == ("Labour Party News",)
    assert [(s.file[:3], s.first, s.last) for s in p.sources] == [
        ("001", 271, 357),
        ("003", 127, 213),
    ]
    assert p.body.startswith("Alex has an interesting post at Progress Online")
    assert "Statement pair" not in p.body  # alt text over the image's 13 spacer lines


def test_alt_text_over_an_image_is_residue(result):
    notes = {n.no: n for n in result.parses[1].notes}
    assert notes[285].text == "Statement pair" and notes[285].role == "residue"
    assert "spacer lines" in notes[285].reason


def test_duplicate_merged_across_category_dumps(posts):
    p = posts["outsourcing-reality-part-ii-the-response"]
    assert p.categories == ("Labour Party News", "Local Democracy")
    assert [s.file[:3] for s in p.sources] == ["001", "004"]
    assert "## Notes" in p.body  # only the 001 copy has this heading
    rotherham = posts["reflections-on-rotherham-part-2-of-3"]
    assert rotherham.comments == 1  # 0 in dump 002, 1 in dump 004


def test_quoting_post_is_not_merged(posts):
    assert "towards-associative-democracy" in posts and "outsourcing-reality-part-i" in posts
    assert posts["towards-associative-democracy"].comments == 2


def test_undated_posts_are_bounded(posts):
    p = posts["the-labour-movements-post-election-battleground-part-i-of-ii"]
    assert (p.date, p.date_after, p.date_before) == (
        None,
        dt.date(2014, 9, 8),
        dt.date(2015, 4, 30),
    )
    assert p.comments is None
    juncker = posts["how-labour-should-outflank-cameron-on-the-juncker-question"]
    assert (juncker.date_after, juncker.date_before) == (dt.date(2014, 6, 16), dt.date(2014, 6, 29))
    front = posts["the-corbyn-insurgency"]
    assert (front.date, front.date_after, front.date_before, front.categories) == (
        None,
        None,
        None,
        (),
    )


def test_teasers_flagged(posts):
    assert posts["use-it-or-lose-it"].excerpt is True
    assert posts["ids-and-the-cluster-bomb-budget"].excerpt is False


def test_footnotes_linked_and_headings_kept(posts):
    soup = html_of(posts["the-labour-movements-post-election-battleground-part-i-of-ii"])
    assert [" ".join(h.get_text().split()) for h in soup.find_all("h2")][:3] == [
        "1 Introduction",
        "2 What’s really being planned",
        "3 The two orthodoxies",
    ]
    refs = {a["href"] for a in soup.select("sup a")}
    assert {f"#fn:{n}" for n in range(1, 19)} <= refs
    assert all(soup.find(id=f"fn:{n}") for n in range(1, 19))
    towards = html_of(posts["towards-associative-democracy"])
    assert ["Abstract", "Part I", "Part II", "Notes"] == [
        h.get_text() for h in towards.find_all("h2")
    ]


def test_no_chrome_or_residue_in_any_body(posts):
    for p in posts.values():
        assert not CHROME.search(p.body), p.slug
        for residue in (
            "IDS-spain-2014",
            "corbyn-kendall-mikes",
            "4a081ec76",
            "harrietALTHOUGH",
            "11-plusI",
            "Screenshot 2015",
            "enhanced-31052",
        ):
            assert residue not in p.body, (p.slug, residue)
        assert not re.search(r"^a priori$", p.body, re.M), p.slug


# Alt text glued to prose, which the loader removes (and reports as guesses).
GLUED_RESIDUE = (
    "harriet",
    "11-plus",
    "Screenshot 2015-12-17 00.43.21",
    "enhanced-31052-1402589737-2 (2)",
)


def _words(text: str) -> list[str]:
    text = re.sub(r"\[\d+\]|\u2022", " ", text)
    return re.findall(r"\w+", text)


def test_every_kept_line_renders_to_its_words_in_order(result):
    """No word lost, none invented: rendered Markdown shows each post's dump lines verbatim."""
    for parse in result.parses:
        for raw in parse.posts:
            kept = [
                n.text
                for n in parse.notes
                if n.post == raw.index and n.role in ("body", "heading", "list", "note")
            ]
            soup = BeautifulSoup(
                markdown.markdown("\n\n".join(raw.blocks), extensions=["footnotes", "nl2br"]),
                "html.parser",
            )
            for tag in soup.select("sup, a.footnote-backref"):
                tag.decompose()
            source = " ".join(kept)
            for residue in GLUED_RESIDUE:
                source = source.replace(residue, "", 1)
            assert _words(soup.get_text(" ")) == _words(source), (parse.name, raw.title)


def test_import_report_lists_every_line(tmp_path):
    report = tmp_path / "report.txt"
    main(["import", "--posts", str(tmp_path / "p"), "--report", str(report)])
    text = report.read_text(encoding="utf-8")
    assert "000_88592d1620cdd0b6.txt:21: (weak) dropped as residue" in text
    guesses = text.split("Guesses")[1].split("\n\n")[0].splitlines()[1:]
    weak = [": (weak) " in g for g in guesses]
    assert weak == sorted(weak, reverse=True) and any(weak) and not all(weak)  # weakest first
    assert "page: category archive (Labour Party News); date format: F j, Y" in text
    for dump in DUMPS:
        section = text.split(f"== {dump.name}")[1]
        numbers = re.findall(r"^\s*(\d+)  ", section, re.M)
        assert numbers[: len(dump.read_text().split("\n"))][-1] == str(
            len(dump.read_text(encoding="utf-8").splitlines())
        )


def test_committed_posts_parse_back(posts):
    for path in (ROOT / "posts").glob("*.md"):
        post = from_markdown(path.read_text(encoding="utf-8"), str(path))
        assert post == posts[post.slug]
