"""One place that turns expected puhui errors into a clear message and exit code 2."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from puhui.cli.output import error_console
from puhui.core.errors import PuhuiError

P = ParamSpec("P")
R = TypeVar("R")

USAGE_ERROR_EXIT = 2


def exits_cleanly(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so a PuhuiError prints `error [code]: message` and exits with status 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except PuhuiError as error:
            error_console.print(
                f"error [{error.code}]: {error.message}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            sys.exit(USAGE_ERROR_EXIT)

    return wrapper
