"""The benchmark scripts cannot rot: run.py end to end at N=50, and dumps.py through the real
loader.

Benchmarks are not tests; these only check that the scripts run, print a sane table and that
their own checks hold. Pelican is left out (it needs its own virtual environment).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from blogarchive.post import from_markdown

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def load_script(name: str):
    """benchmarks/<name>.py as a module (benchmarks/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


def table_rows_all(table: str) -> list[list[str]]:
    """The cells of every Markdown table row in the output."""
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("|")
    ]


def table_rows(table: str, first_cell: str) -> list[list[str]]:
    """The rows whose first cell is `first_cell`."""
    return [r for r in table_rows_all(table) if r[0] == first_cell]


def median(cell: str) -> float:
    """'1.23 (1.20–1.30)' or '1.23' -> 1.23"""
    return float(cell.split()[0].replace(",", ""))


@pytest.fixture(scope="module")
def bench_output(tmp_path_factory) -> str:
    work = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--n",
            "50",
            "--runs",
            "1",
            "--tools",
            "blogarchive",
            "--import-mb",
            "0.3",
            "--work",
            str(work),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_build_table_has_the_three_cases_with_sane_numbers(bench_output):
    rows = {r[2]: r for r in table_rows(bench_output, "blogarchive")}
    assert list(rows) == ["cold", "warm, one edit", "no change"]
    for tool, n, case, wall, cpu, rss, pages, ms, check in rows.values():
        assert n == "50"
        assert 0 < median(wall) < 30 and 0 < median(cpu) < 60
        assert 10 < median(rss) < 1000  # MiB, the largest process
        assert int(pages.replace(",", "")) > 50  # every post has a page, plus lists
        count = int(pages.replace(",", ""))
        # wall is printed to 0.01 s, so ms/page recomputed from it is good to 5 ms / pages
        assert median(ms) == pytest.approx(
            1000 * median(wall) / count, abs=5000 / count / 1000 + 0.01
        )


def test_rows_with_search_on_and_off(bench_output):
    """Row "blogarchive" is the default build (search on, so its site has the index); the same
    three cases follow with --no-search, which makes fewer files."""
    on = {r[2]: r for r in table_rows(bench_output, "blogarchive")}
    off = {r[2]: r for r in table_rows(bench_output, "blogarchive --no-search")}
    assert list(off) == list(on) == ["cold", "warm, one edit", "no change"]
    assert off["warm, one edit"][-1] == "edit shown: 1/1; = cold build: 1/1"
    assert off["no change"][-1] == "files written: 0"


def test_warm_rebuild_equals_a_cold_build(bench_output):
    (row,) = [r for r in table_rows(bench_output, "blogarchive") if r[2] == "warm, one edit"]
    assert row[-1] == "edit shown: 1/1; = cold build: 1/1"


def test_no_change_row_reports_files_written(bench_output):
    (row,) = [r for r in table_rows(bench_output, "blogarchive") if r[2] == "no change"]
    assert re.fullmatch(r"files written: [\d,]+", row[-1])


def test_no_change_rebuild_writes_no_file(bench_output):
    (row,) = [r for r in table_rows(bench_output, "blogarchive") if r[2] == "no change"]
    assert row[-1] == "files written: 0"


def test_import_table_finds_every_generated_post(bench_output):
    (row,) = [r for r in table_rows_all(bench_output) if r[0].endswith(" MB")]
    found, generated = row[2].split(" / ")
    assert found == generated and int(generated) > 10
    assert float(row[-1]) > 0  # MB/s


def test_header_names_date_machine_and_version(bench_output):
    first = bench_output.splitlines()[0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC; \d+ cores", first)
    assert "Python 3." in first and "blogarchive " in first


def test_targets_table_is_printed(bench_output):
    rows = {r[0]: r[1:] for r in table_rows_all(bench_output)}
    edit = rows["one edit ≤ 1.5 s (aim 1 s), output = cold build, N=50, search on"]
    assert "= cold build: 1/1" in edit[0] and edit[1] in ("yes", "no")
    assert rows["nothing changed ≤ 0.5 s, no file written, N=50, search on"][1] == "yes"
    assert rows["peak RSS of any process ≤ 500 MiB, N=50, search on and off"][1] == "yes"
    assert "MB/s" in rows["import 0.3 MB: ≥ 10 MB/s, peak RSS ≤ 300 MiB"][0]


def test_targets_judge_issue_14s_figures(monkeypatch):
    """The targets table compares with Pelican at N=10,000 and across every N run."""
    measure = load_script("measure")
    monkeypatch.setitem(sys.modules, "measure", measure)  # report.py imports it as run.py does
    report = load_script("report")

    def case(tool, n, name, wall, rss=100.0, **checks):
        runs = [measure.Measure(wall, wall, rss)]
        return report.CaseResult(tool, n, name, runs, **checks)

    results = [
        case("blogarchive", 1000, "cold", 2.5),
        case("blogarchive", 10_000, "cold", 30.0, rss=520.0),
        case("blogarchive", 10_000, "warm, one edit", 1.2, same_as_cold=[True], edit_shown=[True]),
        case("blogarchive", 10_000, "no change", 0.6, files_written=[0]),
        case("blogarchive --no-search", 10_000, "cold", 10.0),
        case("pelican", 10_000, "cold", 42.0, rss=900.0),
    ]
    rows = {r[0]: r[1:] for r in table_rows_all("\n".join(report.targets(results, [])))}
    assert rows["one edit ≤ 1.5 s (aim 1 s), output = cold build, N=10,000, search on"][1] == "yes"
    assert rows["nothing changed ≤ 0.5 s, no file written, N=10,000, search on"][1] == "no"
    assert rows["cold, search on ≤ Pelican's cold time, N=10,000"][1] == "yes"
    assert rows["cold, --no-search ≤ 1/3 of Pelican's (aim 1/4), N=10,000"][1] == "yes"
    assert rows["peak RSS of any process ≤ 500 MiB, N=10,000, search on and off"] == [
        "520 MiB (the largest of 4 builds)",
        "no",
    ]
    per_post = rows["cold cost per post flat within 25%, N=1,000→10,000, search on"]
    assert per_post == ["2.50 → 3.00 ms/post (+20%)", "yes"]


def test_synthetic_dumps_are_deterministic_and_about_the_size_asked():
    dumps = load_script("dumps")
    files, _ = dumps.generate(1.0, seed=7)
    assert files == dumps.generate(1.0, seed=7)[0]
    assert 1_000_000 <= sum(len(t.encode()) for t in files.values()) < 1_050_000


def test_synthetic_dumps_import_with_every_post_found(tmp_path):
    dumps = load_script("dumps")
    paths, posts = dumps.write(1.0, tmp_path / "dumps", seed=3)
    expected = Counter(dumps.expected_posts(posts))
    titles, dates, _, excerpts = zip(*expected)
    assert None in dates and True in excerpts and False in excerpts  # undated posts and teasers
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "build.py"),
            "import",
            *map(str, paths),
            "--posts",
            str(tmp_path / "posts"),
            "--report",
            str(tmp_path / "report.txt"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr
    imported = [
        from_markdown(p.read_text(encoding="utf-8"), str(p))
        for p in sorted((tmp_path / "posts").glob("*.md"))
    ]
    found = Counter((p.title, p.date, frozenset(p.categories), p.excerpt) for p in imported)
    assert found == expected
    assert any(len(p.sources) > 1 for p in imported)  # duplicates were merged
