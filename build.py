#!/usr/bin/env python3
"""Entry point: `python build.py --help`. Thin on purpose; the work is in blogarchive.cli."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from blogarchive.cli import run  # noqa: E402

if __name__ == "__main__":
    run()
