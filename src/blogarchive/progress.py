"""Progress on long work: a bar on a terminal, one summary line per phase otherwise (CI, pipes),
nothing with -q. It all goes to stderr, so a command's result on stdout stays one clean line.

A command makes one Progress (`Progress.for_stderr(quiet)`) and wraps each long phase:

    with progress.phase("convert", total=len(todo), unit="post") as advance:
        ...; advance(len(batch))

On a terminal the bar is redrawn at most ten times a second and erased when the phase ends;
elsewhere the phase prints "convert: 160 posts in 0.42 s" when it ends. A phase that fails
prints nothing (the error says enough), and a phase with nothing to do (total 0) is silent.
"""

from __future__ import annotations

import contextlib
import sys
import time
from dataclasses import dataclass
from typing import Callable, Iterator, TextIO

from .text import plural

BAR_WIDTH = 24
REDRAW_EVERY = 0.1  # seconds between two drawings of a bar

Advance = Callable[[int], None]  # advance(n): n more units of the phase are done


@dataclass
class _Phase:
    name: str
    total: int | None
    unit: str
    started: float
    done: int = 0
    drawn: float = 0.0


class Progress:
    """Where progress goes: `stream` (None: quiet), as a live bar when `live` (a terminal)."""

    def __init__(self, stream: TextIO | None, live: bool = False):
        self.stream, self.live = stream, live and stream is not None

    @classmethod
    def for_stderr(cls, quiet: bool = False) -> Progress:
        """The command's progress: none when quiet, a bar when stderr is a terminal."""
        if quiet:
            return cls(None)
        return cls(sys.stderr, sys.stderr.isatty())

    @contextlib.contextmanager
    def phase(self, name: str, total: int | None = None, unit: str = "file") -> Iterator[Advance]:
        """Show a phase of `total` units (None: not known ahead, counted as they come)."""
        state = _Phase(name, total, unit, time.perf_counter())
        if self.stream is None or total == 0:
            yield lambda n=1: None
            return

        def advance(n: int = 1) -> None:
            state.done += n
            if self.live and time.perf_counter() - state.drawn >= REDRAW_EVERY:
                self._draw(state)

        if self.live:
            self._draw(state)
        try:
            yield advance
        finally:
            if self.live:
                self._write("\r\x1b[K")  # the bar goes; the command's line stays
        if not self.live:
            seconds = time.perf_counter() - state.started
            self._write(f"{name}: {plural(state.done, unit)} in {seconds:.2f} s\n")

    def _draw(self, state: _Phase) -> None:
        state.drawn = time.perf_counter()
        seconds = state.drawn - state.started
        if state.total:
            filled = BAR_WIDTH * min(state.done, state.total) // state.total
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            text = f"{state.name} [{bar}] {state.done}/{plural(state.total, state.unit)}"
        else:
            text = f"{state.name}: {plural(state.done, state.unit)}"
        self._write(f"\r\x1b[K{text} {seconds:.1f} s")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


QUIET = Progress(None)
