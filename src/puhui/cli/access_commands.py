"""`puhui serve`, `puhui users add`, `puhui keys issue` (channel API keys), and the personal-data
key ring: `puhui keys new-pii-key` and `puhui keys rotate`.

The web stack (and the model libraries behind the engine) is imported inside `serve` only: every
other `puhui` command would otherwise pay seconds of imports at start-up.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from puhui.api.settings import read_env_file
from puhui.cli.database import open_engine
from puhui.cli.errors import exits_cleanly
from puhui.cli.options import DatabaseOption
from puhui.cli.output import console
from puhui.security.accounts import add_staff_user, issue_api_key
from puhui.security.customers import reseal_batch
from puhui.security.personal_data import KeyRing
from puhui.storage.uow import SqlUnitOfWork


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


users_app = typer.Typer(help="Staff sign-ins for the console and the API.", no_args_is_help=True)
keys_app = typer.Typer(
    help="Channel API keys and the personal-data key ring.", no_args_is_help=True
)
EnvFileOption = Annotated[
    Path | None, typer.Option(help="A KEY=value settings file (the demo writes puhui-demo.env).")
]


@exits_cleanly
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes (default: 1 on SQLite, one per core on PostgreSQL).",
            min=1,
            max=64,
        ),
    ] = None,
    env_file: EnvFileOption = None,
) -> None:
    """Serve the HTTP API (/api/v1, OpenAPI at /api/v1/docs), the console and applicant pages."""
    from puhui.web.server import serve

    console.print(f"serving on http://{host}:{port} (console /console, API docs /api/v1/docs)")
    serve(host=host, port=port, workers=workers, env_file=env_file)


@users_app.command("add")
@exits_cleanly
def add_user_command(
    username: Annotated[str, typer.Argument(help="Sign-in name.")],
    role: Annotated[str, typer.Option(help="admin|risk_analyst|operations|auditor|partner_bank")],
    funder: Annotated[str | None, typer.Option(help="Partner bank's funder code.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Add a staff user; the password is read from PUHUI_NEW_PASSWORD or asked for."""
    password = os.environ.get("PUHUI_NEW_PASSWORD") or typer.prompt(
        "password", hide_input=True, confirmation_prompt=True
    )
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        user_id = add_staff_user(
            uow.access, username=username, password=password, role=role, now=_now(), funder=funder
        )
        uow.commit()
    console.print(f"user {username} ({role}) added with id {user_id}")


@keys_app.command("issue")
@exits_cleanly
def issue_key_command(
    name: Annotated[str, typer.Argument(help="The channel, e.g. checkout.")],
    scope: Annotated[list[str], typer.Option(help="A scope (repeat), e.g. lines:checkout.")],
    database_url: DatabaseOption = None,
) -> None:
    """Issue a channel API key; it is printed once and only its hash is kept."""
    with SqlUnitOfWork(open_engine(database_url)) as uow:
        key = issue_api_key(uow.access, name=name, scopes=set(scope), now=_now())
        uow.commit()
    console.print(key, soft_wrap=True)


@keys_app.command("new-pii-key")
def new_pii_key_command(
    key_id: Annotated[str, typer.Argument(help="Letters and digits, e.g. k2.")],
) -> None:
    """Print a fresh 256-bit personal-data key as `id:base64`; put it first in PUHUI_PII_KEYS."""
    console.print(KeyRing.new_key_text(key_id), soft_wrap=True)


@keys_app.command("rotate")
@exits_cleanly
def rotate_command(
    env_file: EnvFileOption = None,
    batch: Annotated[int, typer.Option(help="Customers re-sealed per transaction.", min=1)] = 500,
    database_url: DatabaseOption = None,
) -> None:
    """Re-seal every customer's personal data under the ring's current key, in short batches,
    while the server keeps running (old rows stay readable with the old key until done)."""
    values = dict(os.environ)
    if env_file is not None:
        values.update(read_env_file(env_file))
    keyring = KeyRing.parse(values.get("PUHUI_PII_KEYS", ""))
    engine = open_engine(database_url or values.get("PUHUI_DATABASE_URL"))
    done = 0
    while True:
        with SqlUnitOfWork(engine) as uow:
            count = reseal_batch(uow.customers, keyring, limit=batch)
            uow.commit()
        done += count
        if count < batch:
            break
        console.print(f"re-sealed {done:,} customers so far")
    with SqlUnitOfWork(engine) as uow:
        left = uow.customers.count_by_key()
    console.print(
        f"re-sealed {done:,} customers under key {keyring.current}; customers by key: {left}"
    )
