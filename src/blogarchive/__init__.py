"""blogarchive: recover an old blog from raw archive-page dumps and publish it as a static site."""

__version__ = "0.1.0"
