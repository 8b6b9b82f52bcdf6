"""A real server for API, console and browser tests: uvicorn on a free loopback port, in a
thread, over the parametrised `database` (SQLite and PostgreSQL), with staff users for every
role, channel API keys, and customers whose ids are simulated applicants (so the decision
engine's simulated data sources know them)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn

from puhui.api.routes.common import now
from puhui.api.runtime import Runtime
from puhui.api.settings import ApiSettings
from puhui.compliance.profile import load_profile
from puhui.security.accounts import add_staff_user, issue_api_key
from puhui.security.consent import Purpose
from puhui.security.credentials import TokenSigner, hash_password
from puhui.security.personal_data import PERSONAL_FIELDS, KeyRing
from puhui.sim.people import synthetic_person
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.uow import SqlUnitOfWork
from puhui.web.app import create_app
from tests.unit.credit.doubles import ON, POPULATION, application, engine

PARTNER = "partner-bank-a"
PASSWORD = "correct-horse-battery"
ROLES = ("admin", "risk_analyst", "operations", "auditor", "partner_bank")
KEYRING_TEXT = KeyRing.new_key_text("k1")


@dataclass
class Server:
    url: str
    database: sa.Engine
    runtime: Runtime
    keys: dict[str, str]
    applicant: int
    borrower_login: str = "borrower-1"
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, **headers: str) -> httpx.Client:
        if role == "checkout" or role == "payments":
            headers["X-API-Key"] = self.keys[role]
        elif role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=30)

    def token(self, role: str) -> str:
        if role not in self.tokens:
            username = self.borrower_login if role == "borrower" else role.replace("_", "-")
            response = httpx.post(
                self.url + "/api/v1/auth/token",
                json={"username": username, "password": PASSWORD},
                timeout=30,
            )
            assert response.status_code == 200, response.text
            self.tokens[role] = response.json()["access_token"]
        return self.tokens[role]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def application_body(applicant: int, application_id: str, **changes: Any) -> dict[str, Any]:
    app = application(applicant)
    body = {
        "application_id": application_id,
        "customer_id": applicant,
        "product_code": app.product_code,
        "amount_minor": app.amount_minor,
        "periods": app.periods,
        "age": app.age,
        "occupation": app.occupation,
        "city_tier": app.city_tier,
        "declared_monthly_income_minor": app.declared_monthly_income_minor,
    }
    body.update(changes)
    return body


def seed(database: sa.Engine, keyring: KeyRing, applicants: list[int]) -> dict[str, str]:
    moment = now()
    with SqlUnitOfWork(database) as uow:
        CalendarRepository(uow.connection).mark_closed(ON - timedelta(days=1))
        uow.funders.register(PARTNER, "Partner bank A")
        for role in ROLES:
            add_staff_user(
                uow.access,
                username=role.replace("_", "-"),
                password=PASSWORD,
                role=role,
                now=moment,
                funder=PARTNER if role == "partner_bank" else None,
            )
        rows = []
        for applicant in applicants:
            person = synthetic_person(7, applicant)
            sealed = {f: keyring.seal(f, person[f]) for f in PERSONAL_FIELDS}
            rows.append(
                uow.customers.sealed_row(applicant, "consumer", sealed, keyring.current, moment)
            )
        uow.customers.add_many(rows)
        for applicant in applicants:
            for purpose in (Purpose.DATA_USE, Purpose.BUREAU_QUERY):
                uow.customers.add_consent(applicant, purpose, "tests", moment)
        uow.customers.set_login(applicants[0], "borrower-1", hash_password(PASSWORD))
        uow.customers.set_login(applicants[1], "borrower-2", hash_password(PASSWORD))
        keys = {
            "checkout": issue_api_key(
                uow.access, name="checkout", scopes={"lines:checkout"}, now=moment
            ),
            "payments": issue_api_key(
                uow.access, name="gateway", scopes={"loans:repay"}, now=moment
            ),
        }
        uow.commit()
    return keys


@pytest.fixture(scope="session")
def approved() -> int:
    """An applicant the test engine approves, with the next two also usable (ids from 1: a
    customer id is positive)."""
    decide = engine()
    for applicant_id in range(1, 2_000):
        if decide.decide(application(applicant_id)).outcome == "approve":
            person = POPULATION.applicants([applicant_id])
            if not (person.is_student[0] or person.is_fraud[0] or person.kind[0]):
                return applicant_id
    raise AssertionError("no applicant approved")


def start_server(
    database: sa.Engine, approved: int, keyring_text: str = KEYRING_TEXT, **overrides: Any
) -> Iterator[Server]:
    keyring = KeyRing.parse(keyring_text)
    settings = ApiSettings(
        database_url=str(database.url),
        token_secret="t" * 40,
        keyring=keyring,
        **overrides,
    )
    runtime = Runtime(settings, database, load_profile(), TokenSigner(settings.token_secret))
    runtime._decider = engine()
    applicants = list(dict.fromkeys([approved, approved + 1, approved + 2, 12]))
    keys = seed(database, KeyRing.parse(KEYRING_TEXT), applicants)
    app = create_app(settings, runtime=runtime)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", database, runtime, keys, approved)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def server(database: sa.Engine, approved: int) -> Iterator[Server]:
    yield from start_server(database, approved)
