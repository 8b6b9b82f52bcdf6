"""Schemathesis against the served OpenAPI document: generated requests (valid and invalid, then
stateful sequences) to every operation, signed in as an admin with an idempotency key. No
response may be a 5xx, and every response must match the documented schema, status codes and
content types. Runs the `st` command against a real server, as a client would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from puhui.storage.engine import make_engine
from tests.api.conftest import Server, start_server

CHECKS = (
    "not_a_server_error,response_schema_conformance,content_type_conformance,"
    "status_code_conformance"
)


@pytest.fixture
def schema_server(sqlite_template: Path, tmp_path: Path, approved: int) -> Iterator[Server]:
    path = tmp_path / "puhui.db"
    shutil.copy(sqlite_template, path)
    database = make_engine(f"sqlite:///{path}")
    yield from start_server(database, approved)
    database.dispose()


def test_the_api_matches_its_openapi_document(schema_server: Server) -> None:
    command = Path(sys.executable).parent / "st"
    result = subprocess.run(
        [
            str(command),
            "run",
            schema_server.url + "/api/v1/openapi.json",
            "-H",
            f"Authorization: Bearer {schema_server.token('admin')}",
            "-H",
            "Idempotency-Key: schemathesis-run",
            "--checks",
            CHECKS,
            "--max-examples",
            "10",
            "--seed",
            "20261130",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report[-4000:]
    assert "Authentication failed" not in report, report[-4000:]
    assert "38 passed" in report or "passed" in report
