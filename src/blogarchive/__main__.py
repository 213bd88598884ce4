"""`python -m blogarchive ...`: the same command line as build.py and the `blogarchive` script."""

import sys

from .cli import main

sys.exit(main())
