"""Live reload for `serve` (only there: nothing of it is ever written into the built site).

The server adds `<script src="/__blogarchive__/livereload.js" defer></script>` to each HTML
page it sends. The script, served from the site's own origin (so every page's CSP still
forbids inline script), listens to `/__blogarchive__/events`, a Server-Sent Events stream on
which the server publishes each build: its id and the output paths that changed (a page
updates itself only when its own file is one of them: fetched again and swapped in place, or
reloaded when a swap could be stale, see livereload.js), or the error that stopped it (the
page shows it in an overlay, drawn as text, until a build succeeds).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from pathlib import Path

PREFIX = "__blogarchive__"  # /__blogarchive__/...: never a path of the site
SCRIPT_PATH = f"/{PREFIX}/livereload.js"
EVENTS_PATH = f"/{PREFIX}/events"
SCRIPT_TAG = f'<script src="{SCRIPT_PATH}" defer></script>'.encode()
MAX_CHANGED = 2000  # a build that changed more pages than this reloads every page
_HEAD_END = re.compile(rb"</head\s*>", re.I)
_BODY_END = re.compile(rb"</body\s*>", re.I)


def script() -> bytes:
    """The browser side (livereload.js, shipped in the package)."""
    return (Path(__file__).parent / "livereload.js").read_bytes()


def inject(page: bytes) -> bytes:
    """An HTML page with the script tag added before </head> (else </body>, else at the end)."""
    for end in (_HEAD_END, _BODY_END):
        found = end.search(page)
        if found:
            return page[: found.start()] + SCRIPT_TAG + b"\n" + page[found.start() :]
    return page + SCRIPT_TAG


def changed_paths(old: dict | None, new: dict) -> tuple[str, ...] | None:
    """The output paths whose key differs between two builds (`path -> key` of every page and
    feed); None, meaning every page, when there is nothing to compare or too much changed."""
    if old is None:
        return None
    changed = tuple(sorted(p for p in old.keys() | new.keys() if old.get(p) != new.get(p)))
    return None if len(changed) > MAX_CHANGED else changed


@dataclasses.dataclass(frozen=True)
class BuildEvent:
    """One build, as the pages hear of it."""

    build: int
    changed: tuple[str, ...] | None = None  # output paths; None: every page
    error: str | None = None  # the failed build's message (file:line: ...)

    def message(self, kind: str = "build") -> bytes:
        """The event as SSE text: an id, an event name, one line of JSON."""
        data = json.dumps(
            {
                "build": self.build,
                "error": self.error,
                "changed": None if self.changed is None else list(self.changed),
            }
        )
        return f"id: {self.build}\nevent: {kind}\ndata: {data}\n\n".encode("utf-8")


class Hub:
    """The latest build event and the clients waiting for the next one (at most `limit`)."""

    def __init__(self, limit: int = 32, heartbeat: float = 15.0):
        self.limit, self.heartbeat = limit, heartbeat
        self.latest = BuildEvent(0)
        self.clients = 0
        self.closed = False
        self._changed = threading.Condition()

    def publish(
        self, changed: tuple[str, ...] | None = None, error: str | None = None
    ) -> BuildEvent:
        """Tell every client about a build that succeeded (what changed) or failed (why)."""
        with self._changed:
            self.latest = BuildEvent(self.latest.build + 1, changed, error)
            self._changed.notify_all()
            return self.latest

    def join(self) -> bool:
        """Take a client slot; False when all are taken (or the server is stopping)."""
        with self._changed:
            if self.closed or self.clients >= self.limit:
                return False
            self.clients += 1
            return True

    def leave(self) -> None:
        with self._changed:
            self.clients -= 1

    def next_event(self, after: int) -> BuildEvent | None:
        """The first event newer than build `after`, or None after a heartbeat's wait (or on
        close, which `closed` tells apart)."""
        with self._changed:
            self._changed.wait_for(lambda: self.closed or self.latest.build > after, self.heartbeat)
            return self.latest if self.latest.build > after and not self.closed else None

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()


def stream(hub: Hub, write) -> None:
    """Send one client the current state ('hello'), then every build, with a comment line as a
    heartbeat while nothing happens; returns when the client goes away or the hub closes.
    `write(bytes)` sends and flushes, raising OSError once the client has gone."""
    seen = hub.latest.build
    write(b"retry: 1000\n\n" + hub.latest.message("hello"))
    while not hub.closed:
        event = hub.next_event(seen)
        if event is None:
            write(b": heartbeat\n\n")  # a gone client fails here, freeing its thread
            continue
        seen = event.build
        write(event.message())
