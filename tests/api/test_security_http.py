"""Security over HTTP: personal data masked, logged and sealed at rest, key rotation without
downtime, rate limits, body size limits, security headers, CSRF on console forms."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from puhui.security.customers import reseal_batch
from puhui.security.personal_data import Field, KeyRing
from puhui.storage.uow import SqlUnitOfWork
from tests.api.conftest import KEYRING_TEXT, Server, start_server

PLANTED = {
    "kind": "consumer",
    "name": "测试名字甲",
    "id_number": "11010119900307457X",
    "phone": "13912345678",
    "bank_card": "6217000012345678901",
    "address": "测试市测试路99号",
}


def test_personal_data_is_sealed_at_rest_masked_without_the_scope_and_every_read_logged(
    server: Server,
) -> None:
    created = server.client("operations").post("/customers", json=PLANTED)
    assert created.status_code == 201, created.text
    customer = created.json()["customer_id"]
    with server.database.connect() as connection:
        row = " ".join(
            str(value)
            for value in connection.execute(
                sa.text("SELECT * FROM customers WHERE id = :id"), {"id": customer}
            ).one()
        )
    for value in list(PLANTED.values())[1:]:
        assert value not in row
    auditor = server.client("auditor").get(f"/customers/{customer}").json()
    assert auditor["masked"] is True
    assert auditor["personal"]["phone"] == "139****5678"
    assert auditor["personal"]["bank_card"].endswith("8901")
    assert "1234567" not in auditor["personal"]["bank_card"]
    ops = server.client("operations").get(f"/customers/{customer}").json()
    assert ops["masked"] is False
    assert ops["personal"]["phone"] == PLANTED["phone"]
    log = server.client("auditor").get(f"/customers/{customer}/access-log").json()
    readers = [entry["reader"] for entry in log]
    assert readers == ["user:operations", "user:operations"]  # at registration, then the read
    assert all("phone" in entry["fields"] for entry in log)
    with server.database.begin() as connection, pytest.raises(sa.exc.DBAPIError):
        connection.execute(sa.text("DELETE FROM personal_data_reads"))  # the log is append-only


def _ring_with_new_key() -> str:
    return KeyRing.new_key_text("k2") + "," + KEYRING_TEXT


@pytest.fixture
def rotating_server(database: sa.Engine, approved: int) -> Iterator[Server]:
    yield from start_server(database, approved, keyring_text=_ring_with_new_key())


def test_key_rotation_reseals_in_batches_while_the_server_reads_both_keys(
    rotating_server: Server,
) -> None:
    server = rotating_server
    ring = server.runtime.settings.keyring
    with SqlUnitOfWork(server.database) as uow:
        before = uow.customers.count_by_key()
    assert set(before) == {"k1"}
    with SqlUnitOfWork(server.database) as uow:
        assert reseal_batch(uow.customers, ring, limit=2) == 2
        uow.commit()
    ops = server.client("operations")
    customers = ops.get("/customers").json()["items"]  # half old key, half new: all readable
    assert customers
    assert all(not c["masked"] and c["personal"]["name"] for c in customers)
    with SqlUnitOfWork(server.database) as uow:
        while reseal_batch(uow.customers, ring, limit=2):
            pass
        uow.commit()
        after = uow.customers.count_by_key()
    assert after == {"k2": sum(before.values())}
    # the old key can now be retired: the new key alone opens every row
    new_only = KeyRing.parse("k2:" + base64.b64encode(ring.keys["k2"]).decode())
    with SqlUnitOfWork(server.database) as uow:
        sealed = uow.customers.get(customers[0]["customer_id"])
    assert sealed is not None
    assert new_only.open(Field.NAME, sealed.sealed[Field.NAME]) == customers[0]["personal"]["name"]


@pytest.fixture
def strict_server(database: sa.Engine, approved: int) -> Iterator[Server]:
    yield from start_server(database, approved, signin_rate="3/minute", max_body_bytes=2_000)


def test_sign_in_is_rate_limited_and_big_bodies_are_refused(strict_server: Server) -> None:
    url = strict_server.url + "/api/v1/auth/token"
    operations = strict_server.client("operations")  # signed in before the guessing starts
    answers = [
        httpx.post(url, json={"username": "admin", "password": "wrong-password!"}).status_code
        for _ in range(4)
    ]
    assert answers == [401, 401, 429, 429]  # 3 a minute from this address, the sign-in included
    limited = httpx.post(url, json={"username": "admin", "password": "wrong-password!"})
    assert limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    big = operations.post(
        "/customers",
        content=b"{" + b" " * 5_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert big.status_code == 413
    assert big.json()["code"] == "body_too_large"


def test_pages_send_security_headers_and_forms_need_the_csrf_token(server: Server) -> None:
    page = httpx.get(server.url + "/console/login")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    cookie = page.cookies["puhui_csrf"]
    forged = httpx.post(
        server.url + "/console/login",
        data={"username": "admin", "password": "correct-horse-battery", "csrf": "forged"},
        cookies={"puhui_csrf": cookie},
    )
    assert forged.status_code == 401
    assert "puhui_session" not in forged.cookies
    signed = httpx.post(
        server.url + "/console/login",
        data={"username": "admin", "password": "correct-horse-battery", "csrf": cookie},
        cookies={"puhui_csrf": cookie},
    )
    assert signed.status_code == 303
    assert "puhui_session" in signed.cookies
    assert "httponly" in signed.headers["set-cookie"].lower()
    assert "samesite=strict" in signed.headers["set-cookie"].lower()
