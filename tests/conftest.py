"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for integration tests.

The `database` fixture is parametrised over both backends, so every integration test runs twice.
PostgreSQL (127.0.0.1:5432, database `test`, or PUHUI_TEST_POSTGRES_URL) is required: an
unreachable server fails the run. Set PUHUI_SKIP_POSTGRES=1 to skip those tests on a laptop
without one; CI never sets it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from puhui.compliance.profile import JurisdictionProfile, load_profile
from puhui.storage.engine import make_engine
from puhui.storage.setup import initialise

POSTGRES_URL = os.environ.get(
    "PUHUI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TEST_SCHEMA = "puhui_test"


@pytest.fixture(scope="session")
def profile() -> JurisdictionProfile:
    return load_profile()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    initialise(engine)
    engine.dispose()
    return path


def postgres_url(schema: str = TEST_SCHEMA) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[sa.Engine]:
    if os.environ.get("PUHUI_SKIP_POSTGRES") == "1":
        pytest.skip("PUHUI_SKIP_POSTGRES=1: PostgreSQL tests skipped")
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {TEST_SCHEMA}")
    except sa.exc.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is unreachable at {POSTGRES_URL} ({error.orig}); start it or set "
            "PUHUI_SKIP_POSTGRES=1 to skip the PostgreSQL half of the suite"
        )
    engine = make_engine(postgres_url())
    initialise(engine)
    yield engine
    engine.dispose()
    admin.dispose()


def _reset_postgres(engine: sa.Engine) -> None:
    """Empty every table (TRUNCATE does not fire the append-only row triggers)."""
    with engine.begin() as connection:
        tables = [t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"]
        connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    initialise(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """A freshly migrated database with the shipped products registered."""
    if request.param == "sqlite":
        path = tmp_path / "puhui.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        engine = make_engine(f"sqlite:///{path}")
        yield engine
        engine.dispose()
    else:
        engine = request.getfixturevalue("postgres_engine")
        _reset_postgres(engine)
        yield engine
