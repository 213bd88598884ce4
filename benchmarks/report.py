"""The tables run.py prints: builds, import, and issue 14's targets; plus the machine line."""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from measure import Measure


@dataclass
class CaseResult:
    """The runs of one (tool, N, case), and what the checks found."""

    tool: str
    n: int
    case: str
    runs: list[Measure] = field(default_factory=list)
    same_as_cold: list[bool] = field(default_factory=list)  # warm: output == a cold build
    edit_shown: list[bool] = field(default_factory=list)  # warm: the post's page has the edit
    files_written: list[int] = field(default_factory=list)  # no change: files touched


@dataclass
class ImportResult:
    size_mb: float
    files: int
    generated: int
    found: list[int] = field(default_factory=list)
    runs: list[Measure] = field(default_factory=list)


def spread(values: list[float], fmt: str) -> str:
    """'median (min–max)', or the single value."""
    med = statistics.median(values)
    if len(values) == 1:
        return format(med, fmt)
    return f"{format(med, fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def check_text(res: CaseResult) -> str:
    """What the checks found, over the runs: 'edit shown: 3/3; = cold build: 3/3',
    'files written: 0'."""
    parts = [
        f"{label}: {sum(oks)}/{len(oks)}"
        for label, oks in (("edit shown", res.edit_shown), ("= cold build", res.same_as_cold))
        if oks
    ]
    if res.files_written:
        parts.append(f"files written: {max(res.files_written):,}")
    return "; ".join(parts)


def build_table(results: list[CaseResult]) -> list[str]:
    out = [
        "| tool | N | build | wall s | CPU s | peak RSS MiB | pages | ms/page | check |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for res in results:
        walls = [m.wall for m in res.runs]
        pages = res.runs[-1].pages
        out.append(
            f"| {res.tool} | {res.n:,} | {res.case} | {spread(walls, '.2f')} | "
            f"{spread([m.cpu for m in res.runs], '.2f')} | "
            f"{spread([m.rss_mib for m in res.runs], '.0f')} | {pages:,} | "
            f"{1000 * statistics.median(walls) / max(pages, 1):.2f} | {check_text(res)} |"
        )
    return out


def import_table(results: list[ImportResult]) -> list[str]:
    out = [
        "| import | dumps | posts found / generated | wall s | CPU s | peak RSS MiB | MB/s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        walls = [m.wall for m in res.runs]
        found = "/".join(str(f) for f in sorted(set(res.found)))
        out.append(
            f"| {res.size_mb:.1f} MB | {res.files} | {found} / {res.generated} | "
            f"{spread(walls, '.2f')} | {spread([m.cpu for m in res.runs], '.2f')} | "
            f"{spread([m.rss_mib for m in res.runs], '.0f')} | "
            f"{res.size_mb / statistics.median(walls):.2f} |"
        )
    return out


def median_wall(results, tool, n, case) -> float | None:
    for r in results:
        if (r.tool, r.n, r.case) == (tool, n, case):
            return statistics.median(m.wall for m in r.runs)
    return None


def targets(results: list[CaseResult], imports: list[ImportResult]) -> list[str]:
    """Issue 14's targets: the builds at N = 10,000 (or the largest N run, if not 10,000),
    every build's peak RSS, the cold cost per post across the N run, and the import."""
    ours = [r for r in results if r.tool != "pelican"]  # search on and off
    rows: list[tuple[str, str, bool]] = []
    if ours:
        sizes = sorted({r.n for r in ours})
        n = 10_000 if 10_000 in sizes else sizes[-1]
        rows += _build_targets(results, n)
        for size in sizes:
            mine = [m.rss_mib for r in ours if r.n == size for m in r.runs]
            rows.append(
                (
                    f"peak RSS of any process ≤ 500 MiB, N={size:,}, search on and off",
                    f"{max(mine):.0f} MiB (the largest of {len(mine)} builds)",
                    max(mine) <= 500,
                )
            )
        if len(sizes) > 1:
            per = {s: 1000 * median_wall(results, "blogarchive", s, "cold") / s for s in sizes}
            change = per[sizes[-1]] / per[sizes[0]] - 1
            rows.append(
                (
                    f"cold cost per post flat within 25%, N={sizes[0]:,}→{sizes[-1]:,}, search on",
                    " → ".join(f"{per[s]:.2f}" for s in sizes) + f" ms/post ({change:+.0%})",
                    max(per.values()) / min(per.values()) <= 1.25,
                )
            )
    for res in imports:
        rate = res.size_mb / statistics.median(m.wall for m in res.runs)
        rss = max(m.rss_mib for m in res.runs)
        rows.append(
            (
                f"import {res.size_mb:.1f} MB: ≥ 10 MB/s, peak RSS ≤ 300 MiB",
                f"{rate:.2f} MB/s, {rss:.0f} MiB",
                rate >= 10 and rss <= 300,
            )
        )
    return ["| target (issue 14) | measured | met |", "|---|---|---|"] + [
        f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in rows
    ]


def _build_targets(results: list[CaseResult], n: int) -> list[tuple[str, str, bool]]:
    """The one-edit, no-change and cold rows at N = n, beside Pelican where it ran."""
    rows = []
    by = {(r.tool, r.case): r for r in results if r.n == n}
    warm = by.get(("blogarchive", "warm, one edit"))
    if warm:
        w = statistics.median(m.wall for m in warm.runs)
        rows.append(
            (
                f"one edit ≤ 1.5 s (aim 1 s), output = cold build, N={n:,}, search on",
                f"{w:.2f} s, {check_text(warm)}",
                w <= 1.5 and all(warm.same_as_cold) and all(warm.edit_shown),
            )
        )
    still = by.get(("blogarchive", "no change"))
    if still:
        w = statistics.median(m.wall for m in still.runs)
        rows.append(
            (
                f"nothing changed ≤ 0.5 s, no file written, N={n:,}, search on",
                f"{w:.2f} s, {check_text(still)}",
                w <= 0.5 and max(still.files_written) == 0,
            )
        )
    pelican = median_wall(results, "pelican", n, "cold")
    if not pelican:
        return rows
    for tool, share, label in (
        ("blogarchive", 1.0, "cold, search on ≤ Pelican's cold time"),
        ("blogarchive --no-search", 1 / 3, "cold, --no-search ≤ 1/3 of Pelican's (aim 1/4)"),
    ):
        ours = median_wall(results, tool, n, "cold")
        if ours is not None:
            rows.append(
                (
                    f"{label}, N={n:,}",
                    f"{ours:.2f} s = {ours / pelican:.2f} × Pelican's {pelican:.2f} s",
                    ours <= share * pelican,
                )
            )
    return rows


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    nproc = len(os.sched_getaffinity(0))
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{nproc} cores (`nproc` = {nproc}), {model}, {mem:.0f} GiB RAM, "
        f"Linux {platform.release()}, Python {platform.python_version()}"
    )


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())
