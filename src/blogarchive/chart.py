"""Posts per month, as an inline SVG bar chart drawn at build time and as a plain table (pure).

No JavaScript: each month with posts is a link to its month page, and each bar carries a
<title> ("March 2015: 4 posts") that browsers show on hover. Colours come from
`currentColor` and CSS classes, so the chart follows the page's light or dark scheme.
All text is escaped; the geometry is whole numbers, so the same bars give the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Callable, Iterable, Sequence

from .post import Post
from .text import MONTHS, plural

SHORT_MONTHS = tuple(m[:3] for m in MONTHS)

BAR, GAP, PLOT_HEIGHT = 6, 2, 80  # px in the viewBox; the SVG scales with CSS
TOP, BOTTOM, LEFT, RIGHT = 14, 18, 4, 4  # room for the maximum label and the year labels


@dataclass(frozen=True)
class MonthBar:
    """One month of the chart; `url` (already relative to the page) is None for an empty month."""

    year: int
    month: int
    count: int
    url: str | None = None

    @property
    def label(self) -> str:
        """'March 2015: 4 posts' (English month names, whatever the process locale)."""
        return f"{MONTHS[self.month - 1]} {self.year}: {_posts_label(self.count)}"


def _posts_label(n: int) -> str:
    return plural(n, "post", zero="no posts")


def month_bars(posts: Iterable[Post], link: Callable[[int, int], str]) -> tuple[MonthBar, ...]:
    """One bar per month from the first dated post's month to the last, empty months included.

    `link(year, month)` gives the URL of a month page (relative to the page showing the chart);
    it is asked only for months that have posts. Undated posts have no month and are not counted."""
    counts: dict[tuple[int, int], int] = {}
    for post in posts:
        if post.date is not None:
            key = (post.date.year, post.date.month)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return ()
    bars = []
    for year, month in _span(min(counts), max(counts)):
        n = counts.get((year, month), 0)
        bars.append(MonthBar(year, month, n, link(year, month) if n else None))
    return tuple(bars)


def _span(first: tuple[int, int], last: tuple[int, int]):
    """Every (year, month) from first to last inclusive."""
    year, month = first
    while (year, month) <= last:
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def activity_svg(
    bars: Sequence[MonthBar], chart_id: str = "activity", title: str = "Posts per month"
) -> str:
    """The chart as an <svg> element to put inline in a page; '' when there are no bars.

    `chart_id` prefixes the ids of the <title>/<desc> the SVG is labelled by; it must be
    unique in the page. Style hooks: .activity-chart, .bar, .axis, .label (see reader.css)."""
    if not bars:
        return ""
    _check_order(bars)
    width = LEFT + len(bars) * (BAR + GAP) - GAP + RIGHT
    height = TOP + PLOT_HEIGHT + BOTTOM
    peak = max(b.count for b in bars)
    total = sum(b.count for b in bars)
    ident = escape(chart_id, quote=True)
    desc = (
        f"{_posts_label(total)} from {MONTHS[bars[0].month - 1]} {bars[0].year} to "
        f"{MONTHS[bars[-1].month - 1]} {bars[-1].year}; busiest month: {_posts_label(peak)}."
    )
    out = [
        f'<svg class="activity-chart" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMinYMid meet" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
        f'<text class="label" x="{LEFT}" y="{TOP - 4}" font-size="10" fill="currentColor">'
        f"{escape(_posts_label(peak))} at most</text>",
        f'<line class="axis" x1="{LEFT}" y1="{TOP + PLOT_HEIGHT}" x2="{width - RIGHT}" '
        f'y2="{TOP + PLOT_HEIGHT}" stroke="currentColor" stroke-width="1"/>',
    ]
    for i, bar in enumerate(bars):
        x = LEFT + i * (BAR + GAP)
        if bar.count:
            out.append(_bar(bar, x, peak))
        if bar.month == 1 or i == 0:
            out.append(
                f'<text class="label" x="{x}" y="{height - 4}" font-size="10" '
                f'fill="currentColor">{bar.year}</text>'
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _bar(bar: MonthBar, x: int, peak: int) -> str:
    """One month's bar with its <title>, inside a link to the month page when there is one."""
    h = max(2, round(PLOT_HEIGHT * bar.count / peak))
    rect = (
        f'<rect class="bar" x="{x}" y="{TOP + PLOT_HEIGHT - h}" width="{BAR}" height="{h}" '
        f'fill="currentColor"/>'
    )
    title = f"<title>{escape(bar.label)}</title>"
    if bar.url is None:
        return f"<g>{title}{rect}</g>"
    return f'<a href="{escape(bar.url, quote=True)}">{title}{rect}</a>'


def _check_order(bars: Sequence[MonthBar]) -> None:
    """Bars must be consecutive months (as month_bars makes them): a gap would misdraw the axis."""
    for a, b in zip(bars, bars[1:]):
        expected = (a.year + 1, 1) if a.month == 12 else (a.year, a.month + 1)
        if (b.year, b.month) != expected:
            raise ValueError(
                f"activity_svg: bars must be consecutive months; "
                f"{a.year}-{a.month:02d} is followed by {b.year}-{b.month:02d}"
            )
    for bar in bars:
        if bar.count < 0 or not 1 <= bar.month <= 12:
            raise ValueError(f"activity_svg: bad bar {bar!r}")


@dataclass(frozen=True)
class YearRow:
    """A row of the text table: a year, its twelve months (None outside the chart's span), its
    total."""

    year: int
    months: tuple[MonthBar | None, ...]
    total: int


def activity_table(bars: Sequence[MonthBar]) -> tuple[YearRow, ...]:
    """The same numbers as the chart, a row per year, oldest first, for a table beside it."""
    by_year: dict[int, list[MonthBar | None]] = {}
    for bar in bars:
        by_year.setdefault(bar.year, [None] * 12)[bar.month - 1] = bar
    return tuple(
        YearRow(year, tuple(months), sum(b.count for b in months if b))
        for year, months in sorted(by_year.items())
    )
