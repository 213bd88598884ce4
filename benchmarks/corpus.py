"""A deterministic synthetic corpus in the posts/ format, for benchmarks.

`python benchmarks/corpus.py N OUT_DIR [--seed S]` writes N posts/<slug>.md files: 400-2,000
words each, some footnotes, lists, headings and block quotes, 12 categories with 1-2 a post,
about 2% undated (with bounds), a few multi-part series and repeated titles (slug suffixes).
The same N and seed always give byte-identical files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from blogarchive.post import Post, Source, to_markdown  # noqa: E402

CATEGORIES = (
    "Labour Party News",
    "Local Democracy",
    "General Politics",
    "Housing",
    "Unions",
    "Europe",
    "Economics",
    "Education",
    "Health",
    "Transport",
    "Elections",
    "Reviews",
)
_WORDS = """the of and to a in that is for it as was with be by on not he this are or his from at
which but have an they you were her she there been one all we their has would when if so no will
can more who what its out up about into than them only other some could time these two may first
then do any like my now over such our man me even most made after also did many before must
through back years where much your way well down should because each just those people how too
little state good very make world still own see men work long get here between both life being
under never day same another know while last might us great old year off come since against go
came right used take three council austerity housing union labour budget tenants election vote
policy campaign workers strike cuts services public private rent estate borough members branch
conference leadership motion review report minister government party socialist democracy local
national europe market wages pension schools hospital transport railway question answer reform
""".split()
_RARE = (
    "Bermondsey",
    "Rotherham",
    "Juncker",
    "Corbyn",
    "Kendall",
    "Southwark",
    "McDonnell",
    "Pasokification",
    "Blairism",
    "TUSC",
    "syndicalism",
    "Keynesian",
    "referendum",
    "Syriza",
    "privatisation",
    "outsourcing",
    "empowerment",
    "co-operative",
    "municipal",
    "precarity",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 22))]
    if rng.random() < 0.3:
        words[rng.randrange(len(words))] = rng.choice(_RARE)
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".......?!;")[0].replace(";", ".")


def _paragraph(rng: random.Random, words: int) -> str:
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(_sentence(rng))
    return " ".join(out)


def _body(rng: random.Random) -> str:
    """400-2,000 words of paragraphs, with headings, lists, quotes and footnotes now and then."""
    target = rng.randint(400, 2000)
    blocks: list[str] = []
    notes: list[str] = []
    count = 0
    while count < target:
        roll = rng.random()
        if roll < 0.06 and blocks:
            blocks.append("## " + _sentence(rng).rstrip(".?!"))
        elif roll < 0.12:
            items = [_sentence(rng) for _ in range(rng.randint(2, 5))]
            blocks.append("\n".join("- " + i for i in items))
            count += sum(len(i.split()) for i in items)
        elif roll < 0.17:
            quote = _paragraph(rng, rng.randint(20, 60))
            blocks.append("> " + quote)
            count += len(quote.split())
        else:
            para = _paragraph(rng, rng.randint(40, 120))
            if rng.random() < 0.1:
                notes.append(_sentence(rng))
                para += f"[^{len(notes)}]"
            blocks.append(para)
            count += len(para.split())
    blocks += [f"[^{n}]: {text}" for n, text in enumerate(notes, 1)]
    return "\n\n".join(blocks) + "\n"


def _title(rng: random.Random, n: int) -> str:
    if n % 97 == 5:
        lead = " ".join(rng.choice(_WORDS) for _ in range(3))
        return f"{lead.capitalize()} (part {rng.randint(1, 3)})"
    if n % 211 == 7:
        return "Weekly round-up"  # a repeated title: slugs get -2, -3, ...
    words = [rng.choice(_WORDS + list(_RARE)) for _ in range(rng.randint(3, 8))]
    return " ".join(words).capitalize()


def posts(count: int, seed: int = 1) -> list[Post]:
    """`count` posts, newest last, about 3 a week from 2006 on; deterministic in (count, seed)."""
    rng = random.Random(seed)
    start = dt.date(2006, 1, 2)
    slugs: dict[str, int] = {}
    out = []
    for n in range(count):
        date = start + dt.timedelta(days=n * 7 // 3)
        title = _title(rng, n)
        base = "-".join("".join(ch for ch in w.lower() if ch.isalnum()) for w in title.split())
        base = "-".join(p for p in base.split("-") if p)[:80].strip("-") or "post"
        slugs[base] = slugs.get(base, 0) + 1
        slug = base if slugs[base] == 1 else f"{base}-{slugs[base]}"
        cats = tuple(sorted(rng.sample(CATEGORIES, rng.choice((1, 1, 2)))))
        undated = rng.random() < 0.02
        out.append(
            Post(
                title=title,
                slug=slug,
                body=_body(rng),
                date=None if undated else date,
                date_after=date - dt.timedelta(days=3) if undated else None,
                date_before=date + dt.timedelta(days=3) if undated else None,
                categories=cats,
                comments=None if undated else rng.choice((0, 0, 1, 2, 5, 12)),
                sources=(
                    Source(f"synthetic_{n // 50:04d}.txt", 1 + (n % 50) * 40, 40 + (n % 50) * 40),
                ),
            )
        )
    return out


def write(count: int, folder: Path, seed: int = 1) -> list[Path]:
    """Write the corpus into `folder` (created; existing .md files there are replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for post in posts(count, seed):
        path = folder / f"{post.slug}.md"
        path.write_text(to_markdown(post), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("count", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    paths = write(args.count, args.out, args.seed)
    print(f"wrote {len(paths)} posts into {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
