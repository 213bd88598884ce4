"""What a build did: counts for the one line the command prints, and each step's time."""

from __future__ import annotations

import contextlib
import dataclasses
import time


@dataclasses.dataclass
class Report:
    """What a build did, for the one line the command prints (and for benchmarks and tests)."""

    files: int = 0
    rendered: int = 0
    kept: int = 0
    converted: int = 0
    read: int = 0  # post files read (the rest matched the last build's record)
    indexed: object = None  # search.IndexStats, when Pagefind ran
    up_to_date: bool = False
    index_pending: bool = False  # swapped in with the last search index and feeds; the next
    # build updates them
    seconds: float = 0.0
    keys: dict = dataclasses.field(default_factory=dict, repr=False)  # output path -> its key
    unchanged: object = dataclasses.field(default=None, repr=False)  # up to date: the files
    # the last build recorded (manifest.Manifest.files)
    phases: dict = dataclasses.field(default_factory=dict)  # step -> seconds

    def output_keys(self) -> dict:
        """Each file's key, by output path: what this build made or kept, or, when it found
        the site up to date, what the last build recorded (the search index aside, whose
        files have no key)."""
        if not self.up_to_date or self.unchanged is None:
            return dict(self.keys)
        return {rel: record.key for rel, record in self.unchanged.items() if record.key}

    @contextlib.contextmanager
    def step(self, name: str):
        """Time the block under `name` (shown by --timings); repeated steps add up."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - started

    def summary(self, out) -> str:
        """The one line the build command prints."""
        if self.up_to_date:
            return (
                f"{out}/ is up to date ({self.files} files); "
                f"nothing written in {self.seconds:.2f} s"
            )
        index = self.indexed
        searched = (
            f"; search index of {index.pages} pages in {index.shards} shards, "
            f"{index.indexed} indexed ({index.bytes / 1e6:.1f} MB) in {index.seconds:.2f} s"
            if index
            else ""
        )
        return (
            f"built {self.files} files into {out}/ in {self.seconds:.2f} s "
            f"({self.converted} posts converted, {self.rendered} files rendered, "
            f"{self.kept} unchanged{searched})"
        )

    def timings(self) -> str:
        """'scan 0.01 s, digest 0.20 s, …' in the order the steps ran."""
        return ", ".join(f"{step} {sec:.2f} s" for step, sec in self.phases.items())
