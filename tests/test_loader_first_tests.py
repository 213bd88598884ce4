"""The loader's cheap first tests never turn away a line its patterns would read.

For speed the grammar looks for something every match must hold before it runs a family of
patterns (a four-digit year before the date and byline patterns, the entry-meta words, a
page header's first word, the first word of a thread, form, navigation, sharing or related
head line; the single-line rules' patterns as one, classify._legacy's; a label at the line's
start, page._labels'), and a few helpers use str's own search instead of a regex.  Each first
test is only right while the patterns behind it keep needing what it looks for: these hold
each pattern to its first test on every line of the committed dumps and the example blogs,
and on generated lines built from the words and characters the patterns care about, so a
pattern added or widened without its first test fails here, not silently in an import.
"""

import re

import pytest
from conftest import EXAMPLES, ROOT
from hypothesis import given
from hypothesis import strategies as st

from blogarchive.import_report import _SLUG_RE, _with_slugs
from blogarchive.loader import body, lines, page
from blogarchive.loader import grammar as G


def _real_lines() -> list[str]:
    files = sorted((ROOT / "dumps").glob("*.txt")) + sorted(EXAMPLES.rglob("*.txt"))
    out = set()
    for path in files:
        out.update(path.read_text(encoding="utf-8", errors="replace").splitlines())
    return sorted(out)


# Lines WordPress and Jetpack print, one for each family the first tests guard.
WORDPRESS_LINES = [
    "Related",
    "Related posts",
    "Share this:",
    "Share:",
    "Like this:",
    "Post navigation",
    "Comment navigation",
    "Leave a Reply",
    "Leave a comment",
    "Add a comment",
    "Comments are closed.",
    "You must be logged in to post a comment.",
    "6 thoughts on “Leeks in the frost”",
    "One Reply to “A”",
    "2 Comments",
    "No Comments",
    "Posted in Club Rides | Tagged sportive | 3 Comments",
    "This entry was posted in Fruit and tagged mulch on May 3, 2012 by gardener.",
    "Filed under Vegetables",
    "Categorized in Fruit",
    "Tags: a, b",
    "Categories: A, B",
    "Category Archives: Fruit",
    "Archive for the ‘Unions’ Category",
    "Posts tagged ‘mulch’",
    "Monthly Archives: May 2012",
    "Author: Tom",
    "Search Results for: leeks",
    "Year: 2012",
    "Posted by gardener",
    "Written by Tom",
    "Posted on May 3, 2012 by gardener",
    "by gardener on 19 April 2015",
    "Sam wrote on 2015-04-19:",
    "On 4/5/2012, Pete said:",
    "May 3, 2012 gardener 4 Comments",
    "Sunday, 19 April 2015 at 9:00",
]
REAL = _real_lines() + WORDPRESS_LINES

# Words, digits and characters the patterns turn on, including case-folding and Unicode
# digit look-alikes ("ſ" folds to "s", "K" is the Kelvin sign, "١" an Arabic-Indic one).
TOKENS = [
    *"Posted Written Published Added By by on in wrote posted said On This entry was and tagged "
    "Tagged Tags Categories Category Categorized Filed under Archive Archives for the Tag Posts "
    "Monthly Yearly Daily Author Search Results Month Year Day One No Zero Leave a an Comment "
    "Comments comment Reply Replies Responses Thoughts thoughts Add Post You must Navigation "
    "navigation Share Like Related posts this: Bookmark permalink Edit".split(),
    "May 3, 2012",
    "19 April 2015",
    "2015-04-19",
    "4/5/2012",
    "2012",
    "12",
    "3",
    "١٢٣٤",
    " ",
    "  ",
    "\t",
    "\u00a0",
    ":",
    ",",
    ".",
    "|",
    " | ",
    " · ",
    "‘",
    "’",
    "“",
    "”",
    "–",
    "—",
    "ſ",
    "K",
    "İ",
    "[",
    "]",
    "*",
    "_",
    "`",
    "\\",
    "é",
    "→",
    "\u200b",
]
GENERATED = st.lists(st.sampled_from(TOKENS), max_size=12).map("".join) | st.text(max_size=40)


def _matches(rx: re.Pattern, text: str) -> bool:
    return rx.match(text) is not None


def _check_dates_and_bylines(t: str) -> None:
    has_year = G.YEAR_RE.search(t) is not None
    if _matches(G._DATE_LINE_RE, t) or G.DATE_RE.search(t):
        assert has_year, t
    if any(_matches(rx, t) for rx in G._BYLINE_RES):
        assert has_year or t.lstrip().startswith(G._UNDATED_BYLINE), t


def _check_entry_meta(t: str) -> None:
    parts = [p.strip() for p in G._ENTRY_SPLIT_RE.split(t.strip())]
    keyword_part = any(_matches(rx, p) for p in parts for kind, rx in G._PART_RES if kind != "skip")
    if _matches(G._ENTRY_RE, t) or keyword_part:
        assert G._ENTRY_WORDS_RE.search(t), t


def _check_headers_and_runs(t: str) -> None:
    squeezed = " ".join(t.split())
    if any(_matches(rx, squeezed) for _, rx, _ in G._HEADER_RES):
        assert _matches(G._HEADER_START_RE, t), t
    heads = (G.THREAD_RE, G.FORM_HEAD_RE, G.NAV_HEAD_RE, G.SHARE_HEAD_RE, G.RELATED_HEAD_RE)
    if any(_matches(rx, t) for rx in heads) or G.count_line(t):
        assert _matches(page._RUN_HEAD_RE, t), t


def _check_helpers(t: str) -> None:
    assert body._has_inline(t) == bool(body._INLINE_RE.search(t)), t
    assert lines.is_blank(t) == bool(lines._BLANK_RE.match(t)), t
    label = t.strip().rstrip(":").lower() in G.LABELS
    assert G.is_label(t) == label, t
    if len(t) <= 200:
        table = str.maketrans("‘’“”–—\u00a0", "''\"\"-- ")
        assert G.norm(t) == " ".join(t.translate(table).split()).strip(" .:").casefold(), t


def _check_legacy_and_labels(t: str) -> None:
    legacy = (lines.HEADER_RE, lines.DATELINE_RE, lines.ARCHIVE_RE, lines.MORE_RE)
    legacy += (lines.CATEGORIES_RE, *lines.FOOTER_RES, lines.FOLLOW_RE)
    assert _matches(lines.LEGACY_RE, t) == any(_matches(rx, t) for rx in legacy), t
    s = t.strip()  # as page._labels reads a line
    if not G.is_label(s) and not G.opens_with_label(s):
        assert not G.label_start(s) and G.labelled_meta(s) is None, t
        assert G.labelled_meta(s, terms_only=True) is None, t


CHECKS = (
    _check_dates_and_bylines,
    _check_entry_meta,
    _check_headers_and_runs,
    _check_helpers,
    _check_legacy_and_labels,
)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__[7:])
def test_first_tests_hold_on_every_real_line(check):
    assert len(REAL) > 1000  # the dumps and the example blogs were found
    for t in REAL:
        check(t)


@given(GENERATED)
def test_first_tests_hold_on_generated_lines(t):
    for check in CHECKS:
        check(t)


def test_report_slugs_filled_in_as_the_substitution_would():
    slug_of = {("d.txt", 0): "a-post", ("d.txt", 12): "x" * 60}
    texts = [
        "\n    1  title    \x1a0\x1a dated | A post\n    2  chrome   -  page footer",
        "\n    3  body     \x1a12\x1a \n    4  body     \x1a7\x1a (no slug: '-')",
        "\x1a\x1a odd \x1a1x\x1a and \x1a",  # not the placeholders a section writes
    ]
    for text in texts:
        expected = _SLUG_RE.sub(lambda m: f"{slug_of.get(('d.txt', int(m[1])), '-')[:44]:44}", text)
        assert _with_slugs(text, "d.txt", slug_of) == expected
