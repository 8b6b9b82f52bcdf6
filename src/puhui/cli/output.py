"""The consoles every command prints through (wide enough for tables when piped to a file)."""

from __future__ import annotations

import sys

from rich.console import Console

PIPED_WIDTH = 120

# No emoji codes: a reference like "order:tv:" must print as written, not as a television.
console = Console(width=None if sys.stdout.isatty() else PIPED_WIDTH, emoji=False)
error_console = Console(
    stderr=True, width=None if sys.stderr.isatty() else PIPED_WIDTH, emoji=False
)
