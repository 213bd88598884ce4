"""A small exception hierarchy; the CLI prints these once, without a traceback."""

from __future__ import annotations


class BlogArchiveError(Exception):
    """Anything the user can fix: bad input, bad settings, a refused write."""


class InputError(BlogArchiveError):
    """A problem in an input file, pointing at the file and, where known, the line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path, self.line, self.message = str(path), line, message
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class DumpError(InputError):
    """A dump (or its overrides file) that cannot be imported."""


class PostError(InputError):
    """A posts/*.md file that cannot be read."""


class PostErrors(PostError):
    """Several problems in one post file, reported together; `problems` holds each one."""

    def __init__(self, path: str, problems: list[PostError]):
        self.problems = tuple(problems)
        listed = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(path, None, f"{len(self.problems)} problems:\n{listed}")


class PostWarning(UserWarning):
    """Something odd in a post file that does not stop the build (an unknown key)."""


class ConfigError(InputError):
    """site.yaml is missing a key or has a bad value."""


class OutputError(BlogArchiveError):
    """The output cannot be written (unwritable folder, disk full, a lock held)."""
