"""Running the server: uvicorn with the production settings (uvloop, httptools, no reload,
access log off — paths can carry ids, and the application logs what it needs), and a heap
settled before the first request (see `settle_heap`)."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from puhui.api.settings import ApiSettings, read_env_file
from puhui.core.errors import PuhuiError
from puhui.web.app import create_app

ENV_FILE_VARIABLE = "PUHUI_ENV_FILE"


def settings_from(env_file: Path | None) -> ApiSettings:
    """The environment, with a settings file (if given) taking precedence over it."""
    values = dict(os.environ)
    if env_file is not None:
        values.update(read_env_file(env_file))
    return ApiSettings.from_environment(values)


def app_from_environment() -> FastAPI:
    """The factory uvicorn's workers call (`--workers` needs an import string)."""
    file = os.environ.get(ENV_FILE_VARIABLE)
    app = create_app(settings_from(Path(file) if file else None))
    settle_heap(app)
    return app


def settle_heap(app: FastAPI) -> None:
    """Build the decision engine now and move everything alive into the collector's permanent
    generation. The engine, its model and the loaded libraries are a few million objects that
    live as long as the process; a full collection walked them all and stopped every request
    for 100–140 ms (measured under load), several times a minute."""
    with contextlib.suppress(PuhuiError):  # no model yet: applications will say so
        app.state.runtime.decider()
    gc.collect()
    gc.freeze()


def default_workers(database_url: str) -> int:
    """SQLite has one writer at a time and its writer gate is per process: one worker. On
    PostgreSQL one per core (the one-subject routes run on each worker's event loop)."""
    return 1 if database_url.startswith("sqlite") else max(1, os.cpu_count() or 1)


def serve(*, host: str, port: int, workers: int | None, env_file: Path | None) -> None:
    settings = settings_from(env_file)  # fail fast, in this process, on a bad setting
    workers = workers or default_workers(settings.database_url)
    if env_file is not None:
        os.environ[ENV_FILE_VARIABLE] = str(env_file.resolve())
    uvicorn.run(
        "puhui.web.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_level="warning",
        loop="uvloop",
        http="httptools",
    )
