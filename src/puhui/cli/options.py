"""Options several command groups share, declared once so they read and behave the same."""

from __future__ import annotations

from typing import Annotated

import typer

DatabaseOption = Annotated[str | None, typer.Option(help="Default: PUHUI_DATABASE_URL.")]
DateOption = Annotated[str, typer.Option("--date", help="Business date, YYYY-MM-DD.")]
KeyOption = Annotated[
    str | None, typer.Option("--key", help="Idempotency key (default: derived from the request).")
]
