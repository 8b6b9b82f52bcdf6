"""The database a command works on, with a clear error when it cannot be reached."""

from __future__ import annotations

import sqlalchemy as sa

from puhui.core.errors import PuhuiError
from puhui.storage.engine import database_url, make_engine
from puhui.storage.migrate import current_revision


class DatabaseUnavailable(PuhuiError):
    code = "database_unavailable"


def open_engine(url: str | None = None, *, require_schema: bool = True) -> sa.Engine:
    """An engine on `url` (default `PUHUI_DATABASE_URL`); checks it answers and is migrated."""
    url = url or database_url()
    engine = make_engine(url)
    try:
        revision = current_revision(engine)
    except sa.exc.OperationalError as error:
        raise DatabaseUnavailable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)}: "
            f"{error.orig}; check PUHUI_DATABASE_URL"
        ) from None
    if require_schema and revision is None:
        raise DatabaseUnavailable(
            f"the database at {engine.url.render_as_string(hide_password=True)} has no puhui "
            "schema yet; run `puhui init` first"
        )
    return engine
