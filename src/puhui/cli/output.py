"""The consoles every command prints through (wide enough for tables when piped to a file)."""

from __future__ import annotations

import sys

from rich.console import Console

PIPED_WIDTH = 120

console = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH)
error_console = Console(stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH)
