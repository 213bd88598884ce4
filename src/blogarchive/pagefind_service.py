"""A synchronous client of `pagefind --service`, the process behind Pagefind's Python API.

Pagefind's own Python package (`pagefind.index.PagefindIndex`) is asyncio-only and reads one
response per 0.1 s poll, so indexing 10,000 records through it takes over 1,000 s. This
client speaks the same protocol (each message is base64 of a JSON object, followed by a
comma, both ways) and pipelines: a thread writes every request while the caller reads the
answers, so neither pipe fills up and stalls the other side.

One `PagefindProcess` holds one index in memory; Pagefind's memory grows with what it indexed
(about 0.25 MiB a post of ~1,200 words), which is why the site is indexed in shards.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Iterable, Iterator

from .errors import OutputError


class PagefindProcess:
    """One `pagefind --service` child process, used as a context manager.

    `peak_rss` is its peak resident memory in bytes (VmHWM), read just before it is stopped."""

    def __init__(self, binary: Path, cwd: Path):
        self.binary, self.cwd = Path(binary), Path(cwd)
        self.peak_rss = 0
        self._next_id = 0
        self._buffer = b""

    def __enter__(self) -> "PagefindProcess":
        self._stderr = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                [str(self.binary), "--service"],
                cwd=self.cwd,
                env=_clean_env(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
            )
        except OSError as exc:
            self._stderr.close()
            raise OutputError(f"{self.binary}: cannot start Pagefind: {exc.strerror}") from None
        return self

    def __exit__(self, *exc_info) -> None:
        self.peak_rss = _peak_rss(self._proc.pid)
        try:
            self._proc.stdin.close()
        except OSError:
            pass
        try:
            self._proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        self._stderr.close()

    def new_index(self, config: dict) -> int:
        """Create an empty index in the service; its id."""
        return self.call({"type": "NewIndex", "config": config})["index_id"]

    def add_records(self, index_id: int, records: Iterable[dict]) -> list[int]:
        """Add custom records (url, content, language, meta, filters, sort); the number of words
        Pagefind counted in each (its page length for ranking), in record order."""
        requests = ({"type": "AddRecord", "index_id": index_id, **record} for record in records)
        words = []
        for answer in self._pipelined(requests):
            _expect(answer, "IndexedFile")
            words.append(int(answer.get("page_word_count") or 0))
        return words

    def write_files(self, index_id: int, output_path: Path) -> None:
        """Write the index's bundle into output_path (created by Pagefind)."""
        _expect(
            self.call(
                {"type": "WriteFiles", "index_id": index_id, "output_path": str(output_path)}
            ),
            "WriteFiles",
        )

    def call(self, payload: dict) -> dict:
        """Send one request and return its answer's payload."""
        return list(self._pipelined([payload]))[0]

    def _pipelined(self, payloads: Iterable[dict]) -> Iterator[dict]:
        """Write every request from a thread while yielding the answers, in request order."""
        sent: queue.SimpleQueue = queue.SimpleQueue()  # ids written, then None
        failure: list[BaseException] = []

        def writer() -> None:
            try:
                for payload in payloads:
                    self._next_id += 1
                    message = {"message_id": self._next_id, "payload": payload}
                    self._proc.stdin.write(base64.b64encode(json.dumps(message).encode()) + b",")
                    self._proc.stdin.flush()
                    sent.put(self._next_id)
            except BaseException as exc:  # Pagefind gone, or a record that cannot be made
                failure.append(exc)
            finally:
                sent.put(None)

        thread = threading.Thread(target=writer, name="pagefind-writer", daemon=True)
        thread.start()
        answers: dict[int, dict] = {}
        while (wanted := sent.get()) is not None:
            while wanted not in answers:
                message = self._read_message()
                if message.get("message_id") is None:  # a request it could not even read
                    _expect(message.get("payload") or {}, "an answer")
                answers[message["message_id"]] = message.get("payload") or {}
            yield answers.pop(wanted)
        thread.join()
        if failure and isinstance(failure[0], (OSError, ValueError)):
            raise OutputError(f"{self.binary}: Pagefind stopped: {self._stderr_tail()}")
        if failure:
            raise failure[0]

    def _read_message(self) -> dict:
        while b"," not in self._buffer:
            chunk = self._proc.stdout.read1(1 << 16)
            if not chunk:
                raise OutputError(f"{self.binary}: Pagefind stopped: {self._stderr_tail()}")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b",")
        return json.loads(base64.b64decode(message))

    def _stderr_tail(self) -> str:
        self._proc.wait()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines()]
        tail = " / ".join(line for line in lines if line)[-500:]
        return tail or f"exit status {self._proc.returncode}"


def _expect(payload: dict, kind: str) -> None:
    if payload.get("type") != kind:
        message = payload.get("message") or repr(payload)[:300]
        raise OutputError(f"Pagefind refused a request: {message}")


def _clean_env() -> dict[str, str]:
    """The environment without PAGEFIND_* settings, which would silently change what is indexed."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND_")}


def _peak_rss(pid: int) -> int:
    """A live process's peak resident memory in bytes (0 where /proc cannot tell)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
