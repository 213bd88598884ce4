"""Deterministic synthetic dumps in the shape of dumps/*.txt, for the import benchmark.

`python benchmarks/dumps.py SIZE_MB OUT_DIR [--seed S]` writes about SIZE_MB megabytes
(10^6 bytes) of NNN_<hash>.txt files, 150-450 KB each, like the scraped archive pages:
category archives ("Archive for the ‘X’ Category", dated posts, some teasers ending in
"Continue reading →", "Categories:" lines, the "Follow … Join N other followers" footer),
dated front pages (every post closed by its "Categories:" line) and undated teaser front
pages. Bodies have paragraphs, section headings, "•" lists, "[1]" footnotes and image
residue (a file name and its caption). A post with two categories is in both archives, and
now and then a post is copied onto a front page, so the loader has duplicates to merge;
about 1% of posts are only on undated pages. The same size and seed give identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

CATEGORIES = ("Labour Party News", "Local Democracy", "General Politics", "Housing", "Unions")
MONTHS = (
    "January February March April May June July August September October November December"
).split()
_WORDS = """the of and to a in that is for it as was with be by on not this are or from at which
but have an they were there been one all we their has would when if so no will can more who what
its out up about into than them only other some could these may first then any like now over such
our even most made after also did many before must through back years where much way well down
should because each just those people how little state good very make world still own see work
long here between both life being under never day same another know while last might great old
year off come since against right used take three council austerity housing union labour budget
tenants election vote policy campaign workers strike cuts services public private rent estate
borough members branch conference leadership motion review report minister government party
socialist democracy local national market wages pension schools hospital transport railway
question answer reform outsourcing contract commissioning managers frontline legitimacy
""".split()
_NAMES = (
    "Corbyn",
    "Kendall",
    "Creasy",
    "Osborne",
    "Cameron",
    "Miliband",
    "McDonnell",
    "Watson",
    "Rotherham",
    "Lancashire",
    "Southwark",
    "Bermondsey",
    "Laski",
    "Tawney",
    "Hirst",
    "Lipsky",
)
_FLAVOUR = (
    "‘so-called’",
    "– frankly –",
    "£12bn",
    "(see below)",
    "“the real task in hand”",
    "Labour’s",
    "isn’t",
    "2015-16",
    "R&D",
    "the PLP’s",
)
_HEADINGS = (
    "Introduction",
    "Background",
    "Part II",
    "What next",
    "Conclusions",
    "Abstract",
    "The response",
    "Leader",
    "Deputy leader",
)
_RESIDUE = ("IDS-spain-2014", "4a081ec76", "cuts_map_2015", "IMG_2041", "harriet-harman-1")
_CAPTIONS = (
    "Social housing in Bermondsey, south London",
    "The conference hall in Brighton",
    "Jeremy Corbyn at a rally",
)
TEASER = "Continue reading →"
FOOTER = ("Follow", "Get every new post delivered to your Inbox.", "Join {n} other followers")


@dataclass
class DumpPost:
    """A generated post and what its copies in the dumps show of it (what the loader should
    find)."""

    title: str
    date: dt.date
    comments: int
    categories: tuple[str, ...]
    lead: str  # first paragraph, the teaser
    blocks: list[str]  # the rest of the body, as dump lines
    notes: list[str]
    shown_dated: bool = False
    shown_categories: set[str] = field(default_factory=set)
    shown_full: bool = False


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(7, 24))]
    if rng.random() < 0.35:
        words[rng.randrange(1, len(words))] = rng.choice(_NAMES)
    if rng.random() < 0.2:
        words.insert(rng.randrange(1, len(words)), rng.choice(_FLAVOUR))
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice("......?!")


def _paragraph(rng: random.Random, words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(_sentence(rng))
    return " ".join(out)


def _title(rng: random.Random) -> str:
    """Title-like: capitalised, 3-9 words, no closing punctuation."""
    words = [rng.choice(_WORDS + list(_NAMES)) for _ in range(rng.randint(3, 8))]
    title = " ".join(words)
    roll = rng.random()
    if roll < 0.1:
        title += f": {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
    elif roll < 0.15:
        title += f" (part {rng.choice(('I', 'II', 'III'))})"
    elif roll < 0.2:
        title = f"Review: {title}, by {rng.choice(_NAMES)} {rng.choice(_NAMES)}"
    return title[0].upper() + title[1:]


def _body(rng: random.Random) -> tuple[str, list[str], list[str]]:
    """(lead paragraph, the other blocks, footnotes): 300-1,800 words of dump text."""
    lead = _paragraph(rng, rng.randint(40, 120))
    target, count = rng.randint(300, 1800), len(lead.split())
    blocks: list[str] = []
    notes: list[str] = []
    while count < target:
        roll = rng.random()
        if roll < 0.05:
            blocks.append(rng.choice(_HEADINGS))
        elif roll < 0.09:
            blocks.append("\n".join("• " + _sentence(rng) for _ in range(rng.randint(2, 5))))
        elif roll < 0.11:
            blocks.append(rng.choice(_RESIDUE))
            if rng.random() < 0.5:
                blocks.append(rng.choice(_CAPTIONS))
        else:
            para = _paragraph(rng, rng.randint(30, 150))
            if rng.random() < 0.12:
                notes.append(f"[{len(notes) + 1}] " + _paragraph(rng, rng.randint(10, 50)))
                para = para[:-1] + f" [{len(notes)}]" + para[-1]
            blocks.append(para)
            count += len(para.split())
    if blocks and not blocks[-1].endswith((".", "?", "!")):
        blocks.append(_paragraph(rng, 30))  # a post ends in prose, never on a caption
    return lead, blocks, notes


def _dateline(post: DumpPost) -> str:
    day = f"{post.date.strftime('%B')} {post.date.day}, {post.date.year}"
    if post.comments == 0:
        return f"{day} Leave a comment"
    return f"{day} {post.comments} comment{'s' if post.comments != 1 else ''}"


def render_dated(post: DumpPost, teaser: bool, categories_line: bool) -> list[str]:
    """One post as a dated archive or front page shows it: title, date line, body, closing line."""
    out = [post.title, _dateline(post), post.lead]
    if teaser:
        return out + [TEASER]
    out += post.blocks + post.notes
    if categories_line:
        out.append("Categories: " + ", ".join(post.categories))
    return out


def render_undated(post: DumpPost) -> list[str]:
    """One post as an undated front page shows it: title, opening paragraph, teaser link."""
    return [post.title, post.lead, TEASER]


class Page:
    """One dump being filled: its opening lines and its posts' blocks, until it reaches its size."""

    def __init__(self, kind: str, category: str | None, rng: random.Random):
        self.kind, self.category = kind, category
        self.target = rng.randint(150_000, 450_000)
        self.blocks: list[str] = []
        if category:
            self.blocks = (["Archive"] if rng.random() < 0.5 else []) + [
                f"Archive for the ‘{category}’ Category"
            ]
        self.size = sum(len(b.encode()) + 2 for b in self.blocks)
        self.posts = 0

    def add(self, blocks: list[str]) -> None:
        self.blocks += blocks
        self.size += sum(len(b.encode()) + 2 for b in blocks)
        self.posts += 1

    def text(self, rng: random.Random) -> str:
        """Blocks separated by blank lines, the footer on dated pages (blank lines like the real
        ones)."""
        body = "\n\n".join(self.blocks)
        if self.kind == "undated":
            return body + "\n"
        follow, inbox, join = FOOTER
        sep = "\n" if self.blocks[-1].startswith("Categories:") else "\n\n \n\n"
        return f"{body}{sep}{follow}\n\n{inbox}\n\n{join.format(n=rng.randint(40, 900))}\n"


class Generator:
    """Posts newest first, each written into the pages that show it; full pages become dumps."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.day = dt.date(2016, 6, 30)
        self.posts: list[DumpPost] = []
        self.files: dict[str, str] = {}
        self.written = 0
        self.pages: dict[tuple[str, str | None], Page] = {}

    def new_post(self) -> DumpPost:
        rng = self.rng
        self.day -= dt.timedelta(days=rng.choice((0, 1, 1, 2)))
        cats = tuple(rng.sample(CATEGORIES, rng.choice((1, 1, 2))))
        post = DumpPost(_title(rng), self.day, rng.choice((0, 0, 1, 2, 3, 7)), cats, *_body(rng))
        self.posts.append(post)
        return post

    def place(self, post: DumpPost) -> None:
        """Put the post on its pages: its categories' archives, now and then a front page."""
        rng = self.rng
        if rng.random() < 0.01:
            self._add("undated", None, render_undated(post))
            return
        for k, cat in enumerate(post.categories):
            if k and rng.random() < 0.5:
                continue
            teaser = rng.random() < 0.2
            line = len(post.categories) > 1 or rng.random() < 0.5
            self._show(post, teaser, cat, line)
            self._add("archive", cat, render_dated(post, teaser, line))
        if rng.random() < 0.08:
            self._show(post, False, None, True)
            self._add("front", None, render_dated(post, False, True))
        if rng.random() < 0.04:
            self._add("undated", None, render_undated(post))

    def _show(self, post: DumpPost, teaser: bool, header: str | None, line: bool) -> None:
        post.shown_dated = True
        post.shown_full |= not teaser
        post.shown_categories |= ({header} if header else set()) | (
            set(post.categories) if line and not teaser else set()
        )

    def _add(self, kind: str, category: str | None, blocks: list[str]) -> None:
        page = self.pages.get((kind, category))
        if page is None:
            page = self.pages[(kind, category)] = Page(kind, category, self.rng)
        page.add(blocks)
        if page.size >= page.target:
            self.flush(kind, category)

    def flush(self, kind: str, category: str | None) -> None:
        page = self.pages.pop((kind, category))
        data = page.text(self.rng)
        digest = hashlib.sha256(data.encode()).hexdigest()[:16]
        self.files[f"{len(self.files):03d}_{digest}.txt"] = data
        self.written += len(data.encode())

    def pending(self) -> int:
        return sum(p.size for p in self.pages.values())


def generate(size_mb: float, seed: int = 1) -> tuple[dict[str, str], list[DumpPost]]:
    """(file name -> text, posts) for about size_mb * 10^6 bytes of dumps; pure and
    deterministic."""
    gen = Generator(seed)
    target = int(size_mb * 1_000_000)
    while gen.written + gen.pending() < target:
        gen.place(gen.new_post())
    for key in sorted(gen.pages, key=lambda k: (k[0], k[1] or "")):
        gen.flush(*key)
    return gen.files, gen.posts


def expected_posts(posts: list[DumpPost]) -> list[tuple[str, dt.date | None, frozenset[str], bool]]:
    """What an import should find: (title, date or None, categories, excerpt) for every post."""
    return [
        (
            p.title,
            p.date if p.shown_dated else None,
            frozenset(p.shown_categories),
            not p.shown_full,
        )
        for p in posts
    ]


def write(size_mb: float, folder: Path, seed: int = 1) -> tuple[list[Path], list[DumpPost]]:
    """Write the dumps into `folder` (created); returns the paths and the generated posts."""
    files, posts = generate(size_mb, seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths, posts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("size_mb", type=float, help="about how many megabytes (10^6 bytes) to write")
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    paths, posts = write(args.size_mb, args.out, args.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"wrote {len(paths)} dumps ({size / 1e6:.1f} MB) into {args.out}/: {len(posts)} posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
