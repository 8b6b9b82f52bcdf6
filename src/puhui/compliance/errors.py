"""Errors of the compliance context."""

from __future__ import annotations

from puhui.core.errors import InvalidInput


class InvalidProfile(InvalidInput):
    code = "invalid_jurisdiction_profile"
