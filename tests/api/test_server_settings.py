"""The production server's defaults."""

from __future__ import annotations

import os

from puhui.web.server import default_workers


def test_sqlite_is_served_by_one_worker_and_postgresql_by_one_per_core() -> None:
    assert default_workers("sqlite:///puhui.db") == 1
    assert default_workers("postgresql://app@db/puhui") == max(1, os.cpu_count() or 1)
