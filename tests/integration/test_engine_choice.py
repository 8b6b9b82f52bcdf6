"""Every server process runs the model and strategy activated last: the choice is stored, the
other processes follow it, and a restarted server keeps it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from puhui.api import runtime as runtime_module
from puhui.api.runtime import Runtime
from puhui.api.settings import ApiSettings
from puhui.compliance.profile import load_profile
from puhui.core.errors import InvalidInput
from puhui.security.credentials import TokenSigner
from puhui.security.personal_data import KeyRing
from puhui.storage.engine_choice_repository import EngineChoiceRepository


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, str]]:
    """Engines are built by name only (building a real one needs a trained model); every
    attempt to build one is logged."""
    log: list[tuple[str | None, str]] = []

    def build(_self: Runtime, model: Path | None, strategy: str) -> Any:
        log.append((model.name if model else None, strategy))  # every attempt
        if strategy not in ("default", "challenger"):
            raise InvalidInput(f"no strategy {strategy!r}")
        return (model.name if model else None, strategy)

    monkeypatch.setattr(Runtime, "_build_decider", build)
    monkeypatch.setattr(runtime_module, "CHOICE_CHECK_S", 0.0)  # look every time
    return log


def worker(database: sa.Engine, models: Path) -> Runtime:
    settings = ApiSettings(
        database_url=str(database.url),
        token_secret="t" * 40,
        keyring=KeyRing.parse(KeyRing.new_key_text("k1")),
    )
    return Runtime(
        settings, database, load_profile(), TokenSigner("t" * 40), active_model=models / "m1"
    )


def test_an_activation_in_one_worker_is_followed_by_the_others(
    database: sa.Engine, tmp_path: Path, built: list[tuple[str | None, str]]
) -> None:
    first, second = worker(database, tmp_path), worker(database, tmp_path)
    assert first.decider() == ("m1", "default")
    assert second.decider() == ("m1", "default")

    first.activate(model=tmp_path / "m2")
    assert first.decider() == ("m2", "default")
    assert second.decider() == ("m2", "default")

    second.activate(strategy="challenger")
    assert first.decider() == ("m2", "challenger")
    assert first.active_model == tmp_path / "m2"
    assert first.active_strategy == "challenger"

    restarted = worker(database, tmp_path)
    assert restarted.decider() == ("m2", "challenger")


def test_a_stored_choice_that_cannot_be_built_leaves_the_running_engine(
    database: sa.Engine, tmp_path: Path, built: list[tuple[str | None, str]]
) -> None:
    first, second = worker(database, tmp_path), worker(database, tmp_path)
    assert second.decider() == ("m1", "default")
    with pytest.raises(InvalidInput):
        first.activate(strategy="no-such-strategy")  # refused before anything is stored
    assert second.decider() == ("m1", "default")
    with database.begin() as connection:  # stored by an older release, say
        EngineChoiceRepository(connection).save_strategy("retired-strategy")
    assert second.decider() == ("m1", "default")


def test_two_workers_activating_a_model_and_a_strategy_at_once_keep_both(
    database: sa.Engine,
    tmp_path: Path,
    built: list[tuple[str | None, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second = worker(database, tmp_path), worker(database, tmp_path)
    second.decider()
    monkeypatch.setattr(runtime_module, "CHOICE_CHECK_S", 3600.0)  # the second has not looked
    first.activate(model=tmp_path / "m2")
    second.activate(strategy="challenger")  # from its stale view: model m1
    monkeypatch.setattr(runtime_module, "CHOICE_CHECK_S", 0.0)
    assert first.decider() == ("m2", "challenger")
    assert second.decider() == ("m2", "challenger")


def test_a_broken_stored_choice_is_tried_once_until_it_changes(
    database: sa.Engine, tmp_path: Path, built: list[tuple[str | None, str]]
) -> None:
    running = worker(database, tmp_path)
    running.decider()
    with database.begin() as connection:
        EngineChoiceRepository(connection).save_strategy("retired-strategy")
    attempts = len(built)
    for _ in range(3):
        assert running.decider() == ("m1", "default")
    assert len(built) == attempts + 1  # tried once, not on every request
    with database.begin() as connection:
        EngineChoiceRepository(connection).save_strategy("challenger")
    assert running.decider() == ("m1", "challenger")


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_the_server_engine_keeps_the_urls_options_and_adds_a_lock_timeout(
    database: sa.Engine,
) -> None:
    settings = ApiSettings(
        database_url=database.url.render_as_string(hide_password=False),
        token_secret="t" * 40,
        keyring=KeyRing.parse(KeyRing.new_key_text("k1")),
    )
    with database.connect() as connection:
        expected_path = connection.exec_driver_sql("SHOW search_path").scalar()
    started = Runtime.start(settings)
    try:
        with started.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "2s"
            # the test schema is still found through the URL's search_path option
            assert connection.exec_driver_sql("SHOW search_path").scalar() == expected_path
    finally:
        started.engine.dispose()
