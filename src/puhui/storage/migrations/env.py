"""Alembic environment: runs migrations on the engine handed over in the config attributes."""

from __future__ import annotations

from alembic import context

from puhui.storage.tables import metadata

config = context.config
engine = config.attributes.get("engine")
if engine is None:
    from puhui.storage.engine import make_engine

    engine = make_engine()

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
