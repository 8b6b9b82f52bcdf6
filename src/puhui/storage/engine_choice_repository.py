"""Which model and strategy the decision engine runs with, kept in the database so that every
server process (`puhui serve --workers N`) and a restarted server use the one a risk analyst
activated last."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from puhui.storage.driver import Driver

ACTIVE_MODEL = "active_model"
ACTIVE_STRATEGY = "active_strategy"


@dataclass(frozen=True, slots=True)
class EngineChoice:
    model: str | None  # a model directory's name, beside the configured one
    strategy: str | None


class EngineChoiceRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._driver = Driver(connection)

    def get(self) -> EngineChoice:
        rows = dict(
            self._driver.all(
                "SELECT key, value FROM system_state WHERE key IN (?, ?)",
                (ACTIVE_MODEL, ACTIVE_STRATEGY),
            )
        )
        return EngineChoice(rows.get(ACTIVE_MODEL), rows.get(ACTIVE_STRATEGY))

    def save_model(self, model: str) -> None:
        self._save(ACTIVE_MODEL, model)

    def save_strategy(self, strategy: str) -> None:
        self._save(ACTIVE_STRATEGY, strategy)

    def _save(self, key: str, value: str) -> None:
        """One key only: an activation of a model and another worker's activation of a
        strategy a moment later must not undo each other."""
        self._driver.run(
            "INSERT INTO system_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )
