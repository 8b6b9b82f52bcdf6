"""`puhui users add`, `puhui keys issue`, `puhui keys new-pii-key` and `puhui keys rotate` as a
user runs them: the real executable on a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from puhui.api.routes.common import now
from puhui.security.credentials import api_key_matches, parse_api_key, password_matches
from puhui.security.customers import register_customer
from puhui.security.personal_data import Field, KeyRing
from puhui.sim.people import synthetic_person
from puhui.storage.engine import make_engine
from puhui.storage.uow import SqlUnitOfWork

PUHUI = str(Path(sys.executable).with_name("puhui"))


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PUHUI, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **env},
        timeout=120,
        check=False,
    )


def test_users_keys_and_a_key_rotation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'puhui.db'}"
    assert run("init", cwd=tmp_path, PUHUI_DATABASE_URL=url).returncode == 0
    added = run(
        "users",
        "add",
        "ops-lead",
        "--role",
        "operations",
        cwd=tmp_path,
        PUHUI_DATABASE_URL=url,
        PUHUI_NEW_PASSWORD="a long password",
    )
    assert added.returncode == 0, added.stderr + added.stdout
    refused = run(
        "users",
        "add",
        "Bad Name",
        "--role",
        "root",
        cwd=tmp_path,
        PUHUI_DATABASE_URL=url,
        PUHUI_NEW_PASSWORD="a long password",
    )
    assert refused.returncode == 2
    assert "username" in refused.stdout + refused.stderr
    issued = run(
        "keys",
        "issue",
        "checkout",
        "--scope",
        "lines:checkout",
        cwd=tmp_path,
        PUHUI_DATABASE_URL=url,
    )
    assert issued.returncode == 0, issued.stderr + issued.stdout
    key_id, secret = parse_api_key(issued.stdout.strip().split()[-1])
    engine = make_engine(url)
    with SqlUnitOfWork(engine) as uow:
        user = uow.access.user("ops-lead")
        key = uow.access.key(key_id)
    assert user is not None
    assert user.role == "operations"
    assert password_matches(user.password_hash, "a long password")
    assert key is not None
    assert api_key_matches(key.secret_digest, secret)
    assert key.scopes == frozenset({"lines:checkout"})

    old = KeyRing.new_key_text("k1")
    with SqlUnitOfWork(engine) as uow:
        for customer in range(1, 8):
            register_customer(
                uow.customers,
                KeyRing.parse(old),
                kind="consumer",
                personal=synthetic_person(1, customer),
                now=now(),
            )
        uow.commit()
    new = run("keys", "new-pii-key", "k2", cwd=tmp_path).stdout.strip()
    assert new.startswith("k2:")
    settings = tmp_path / "server.env"
    settings.write_text(f"PUHUI_PII_KEYS={new},{old}\nPUHUI_DATABASE_URL={url}\n")
    rotated = run("keys", "rotate", "--env-file", str(settings), "--batch", "3", cwd=tmp_path)
    assert rotated.returncode == 0, rotated.stderr + rotated.stdout
    assert "re-sealed 7 customers" in rotated.stdout
    with SqlUnitOfWork(engine) as uow:
        assert uow.customers.count_by_key() == {"k2": 7}
        sealed = uow.customers.get(3)
    assert sealed is not None
    assert (
        KeyRing.parse(new).open(Field.NAME, sealed.sealed[Field.NAME])
        == synthetic_person(1, 3)[Field.NAME]
    )
    engine.dispose()
