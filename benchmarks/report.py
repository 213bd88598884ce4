"""The tables run.py prints: builds, import, and issue 6's targets; plus the machine line."""

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
    """Issue 6's targets, measured at the largest N (and across N, and across import sizes)."""
    ours = [r for r in results if r.tool == "blogarchive"]
    if not ours:
        return []
    n = max(r.n for r in ours)
    by = {r.case: r for r in ours if r.n == n}
    rows = []
    pel = median_wall(results, "pelican", n, "cold")
    if pel:
        ratio = median_wall(results, "blogarchive", n, "cold") / pel
        rows.append(
            (
                f"cold ≤ 1/4 of Pelican's wall, N={n:,}",
                f"{ratio:.2f} × Pelican's {pel:.1f} s",
                ratio <= 0.25,
            )
        )
    warm = by["warm, one edit"]
    w = statistics.median(m.wall for m in warm.runs)
    rows.append(
        (
            f"one edit ≤ 2 s, output = cold build, N={n:,}",
            f"{w:.2f} s, {check_text(warm)}",
            w <= 2 and all(warm.same_as_cold) and all(warm.edit_shown),
        )
    )
    nc = by["no change"]
    w = statistics.median(m.wall for m in nc.runs)
    rows.append(
        (
            f"no change ≤ 1 s, writes no file, N={n:,}",
            f"{w:.2f} s, {check_text(nc)}",
            w <= 1 and max(nc.files_written) == 0,
        )
    )
    rss = max(m.rss_mib for r in ours for m in r.runs)
    rows.append(
        (
            "peak RSS of the largest process ≤ 250 MiB",
            f"{rss:.0f} MiB (max of all builds)",
            rss <= 250,
        )
    )
    sizes = sorted({r.n for r in ours})
    if len(sizes) > 1:
        per = {s: 1000 * median_wall(results, "blogarchive", s, "cold") / s for s in sizes}
        change = per[sizes[-1]] / per[sizes[0]] - 1
        rows.append(
            (
                f"cold cost per post flat within 25%, N={sizes[0]:,}→{sizes[-1]:,}",
                " → ".join(f"{per[s]:.2f}" for s in sizes) + f" ms/post ({change:+.0%})",
                abs(change) <= 0.25,
            )
        )
    if imports:
        rates = [r.size_mb / statistics.median(m.wall for m in r.runs) for r in imports]
        linear = max(rates) / min(rates) - 1
        rows.append(
            (
                "import ≥ 5 MB/s, linear (MB/s within 25% across sizes)",
                " / ".join(f"{x:.2f}" for x in rates) + f" MB/s (spread {linear:.0%})",
                min(rates) >= 5 and linear <= 0.25,
            )
        )
    return ["| target | measured | met |", "|---|---|---|"] + [
        f"| {t} | {m} | {'yes' if ok else 'no'} |" for t, m, ok in rows
    ]


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
