"""Command line: `python build.py [import|build|serve|new] ...`; the only place that prints errors.

Each command module exposes `register(subparsers)`, which adds its parser and sets
`func`; a bare `python build.py` runs import and then build. Every path the commands
default to (posts/, site/, site.yaml, dumps/) is relative: the folder the tool is run in.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from . import __version__
from .errors import BlogArchiveError, PostWarning


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line (and exit status 2), not the whole usage."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {message} (see {self.prog} --help)\n")


def port_number(text: str) -> int:
    """A TCP port (0: any free one), for --port."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {text!r}")
    return port


def settings_file(text: str) -> Path:
    """--config FILE: it must exist (without --config, a missing site.yaml means defaults)."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{text}: no such settings file")
    return path


def _parser() -> argparse.ArgumentParser:
    from . import builder, importer, newpost, server

    parser = _Parser(
        prog=_program_name(),
        description="Recover a blog from raw archive dumps and build it as a static site. "
                    "With no command: import dumps/ into posts/ (keeping edited posts), "
                    "then build site/.")
    parser.add_argument("--version", action="version", version=f"blogarchive {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    importer.register(sub)
    builder.register(sub)
    server.register(sub)
    newpost.register(sub)
    return parser


def _program_name() -> str:
    """How the tool was run, for usage lines: build.py, blogarchive or python -m blogarchive."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if spec is not None and spec.name == "blogarchive.__main__":
        return "python -m blogarchive"
    return Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "blogarchive"


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """A post's warning is one line naming the file and line; others as Python shows them."""
    if issubclass(category, PostWarning):
        print(f"warning: {message}", file=sys.stderr, flush=True)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


_python_show_warning = warnings.showwarning


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    warnings.showwarning = _show_warning
    warnings.simplefilter("always", PostWarning)      # each time a post is read, not once
    try:
        if args.command is None:
            return _default(parser)
        return args.func(args) or 0
    except BlogArchiveError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _default(parser: argparse.ArgumentParser) -> int:
    """The bare command: an edit-safe import, then a build with default settings."""
    code = main(["import"])
    if code:
        return code
    return main(["build"])
