"""The role matrix: every API route, every kind of caller. A caller without the scope gets 403
(401 when not signed in); a caller with it is let through (2xx, or 404 when the data is not
theirs). Then the narrowing by data: a partner bank sees only the loans it funds, a borrower only
his own, and personal data is masked unless the role may see it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from puhui.api.routes.common import now
from puhui.lines import service as lines
from puhui.lines.responsible import BorrowerFacts
from puhui.loans import service as loans
from puhui.security.consent import Purpose
from puhui.storage.uow import SqlUnitOfWork
from tests.api.conftest import PARTNER, Server, application_body
from tests.unit.credit.doubles import ON

CALLERS = (
    "admin",
    "risk_analyst",
    "operations",
    "auditor",
    "partner_bank",
    "borrower",
    "checkout",
    "payments",
    None,
)
READ_ALL = {"admin", "risk_analyst", "operations", "auditor"}
# (method, path, body, callers allowed). The matrix is the specification, written out by hand.
MATRIX: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("POST", "/customers", "customer", {"admin", "operations"}),
    ("GET", "/customers", None, {"admin", "operations", "auditor"}),
    ("GET", "/customers/{customer}", None, {"admin", "operations", "auditor", "borrower"}),
    (
        "POST",
        "/customers/{customer}/consents",
        {"purpose": "data_sharing", "scope": "x"},
        {"admin", "operations", "borrower"},
    ),
    ("GET", "/customers/{customer}/consents", None, {"admin", "operations", "auditor", "borrower"}),
    ("DELETE", "/customers/{customer}/consents/999999", None, {"admin", "operations", "borrower"}),
    ("GET", "/customers/{customer}/access-log", None, {"admin", "auditor"}),
    ("POST", "/applications", "application", {"admin", "borrower"}),
    ("GET", "/applications", None, READ_ALL | {"borrower"}),
    ("GET", "/applications/{app}", None, READ_ALL | {"borrower"}),
    ("POST", "/applications/{app}/accept", None, {"admin", "borrower"}),
    ("POST", "/applications/{app}/review-requests", None, {"admin", "borrower"}),
    ("GET", "/loans", None, READ_ALL | {"partner_bank", "borrower"}),
    ("GET", "/loans/{loan}", None, READ_ALL | {"partner_bank", "borrower"}),
    ("GET", "/loans/{loan}/transactions", None, READ_ALL | {"partner_bank", "borrower"}),
    ("GET", "/loans/{loan}/postings", None, {"admin", "operations", "auditor"}),
    ("GET", "/loans/{loan}/payoff-quote", None, READ_ALL | {"partner_bank", "borrower"}),
    (
        "POST",
        "/loans/{loan}/repayments",
        {"amount_minor": 100},
        {"admin", "operations", "payments"},
    ),
    ("POST", "/loans/{loan}/reversals", {"reversed_key": "none"}, {"admin", "operations"}),
    ("GET", "/lines/{line}", None, READ_ALL | {"borrower"}),
    ("GET", "/lines/{line}/statements", None, READ_ALL | {"borrower"}),
    (
        "GET",
        "/lines/{line}/conversion-quote?periods=3&amount_minor=10000",
        None,
        READ_ALL | {"borrower"},
    ),
    ("POST", "/lines/{line}/authorisations", "order", {"admin", "checkout"}),
    ("POST", "/lines/{line}/orders/{order}/capture", {"amount_minor": 100}, {"admin", "checkout"}),
    ("POST", "/lines/{line}/orders/{order}/release", None, {"admin", "checkout"}),
    ("POST", "/lines/{line}/orders/{order}/refunds", {"amount_minor": 100}, {"admin", "checkout"}),
    ("POST", "/lines/{line}/payments", {"amount_minor": 100}, {"admin", "operations", "payments"}),
    ("POST", "/lines/{line}/conversions", {"periods": 3}, {"admin", "operations", "borrower"}),
    (
        "PUT",
        "/lines/{line}/self-limit",
        {"limit_minor": 500_000},
        {"admin", "operations", "borrower"},
    ),
    ("GET", "/products", None, READ_ALL | {"partner_bank", "borrower"}),
    ("GET", "/models", None, {"admin", "risk_analyst", "auditor"}),
    ("POST", "/models/activate", {"name": "none"}, {"admin", "risk_analyst"}),
    ("GET", "/strategies", None, {"admin", "risk_analyst", "auditor"}),
    ("POST", "/strategies/default/activate", None, {"admin", "risk_analyst"}),
    ("GET", "/reports/portfolio", None, READ_ALL),
    ("POST", "/eod-runs", {"through": "2025-06-01"}, {"admin", "operations"}),
    ("POST", "/ledger/verification", None, {"admin", "operations"}),
]


def _setup(server: Server) -> dict[str, Any]:
    admin = server.client("admin")
    decided = admin.post("/applications", json=application_body(server.applicant, "R-1"))
    assert decided.status_code == 201, decided.text
    loan = admin.post("/applications/R-1/accept", headers={"Idempotency-Key": "r"}).json()
    with SqlUnitOfWork(server.database) as uow:
        line = lines.open_line(
            uow,
            borrower_ref=f"applicant-{server.applicant}",
            facts=BorrowerFacts(30, False, 1_500_000, 1, 0),
            product_code="credit-line",
            requested_limit_minor=1_000_000,
            statement_day=5,
            as_of=ON,
            idempotency_key="role-line",
            net_assets_minor=1_000_000_000_00,
        )
        partner_loan = loans.book_loan(
            uow,
            product_code="cash-instalment",
            principal_minor=500_000,
            as_of=ON,
            borrower_ref=f"applicant-{server.applicant + 1}",
            idempotency_key="partner-loan",
            funder=PARTNER,
        )
        uow.customers.add_consent(server.applicant + 1, Purpose.DATA_SHARING, "partner", now())
        uow.commit()
    return {"loan": loan["loan_id"], "line": line.line_id, "partner_loan": partner_loan}


def test_every_api_route_is_in_the_matrix(server: Server) -> None:
    spec = server.client().get("/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, item in spec["paths"].items()
        for method in item
    } - {("POST", "/auth/token")}
    covered = {
        (
            method,
            path.split("?")[0]
            .replace("999999", "{consent_id}")
            .replace("{customer}", "{customer_id}")
            .replace("{app}", "{application_id}")
            .replace("{loan}", "{loan_id}")
            .replace("{line}", "{line_id}")
            .replace("{order}", "{order_id}")
            .replace("/default/", "/{name}/"),
        )
        for method, path, _, _ in MATRIX
    }
    assert routes == covered


def test_each_role_gets_exactly_what_it_should(server: Server) -> None:
    ids = _setup(server)
    counter = itertools.count()
    failures = []
    for method, template, body, allowed in MATRIX:
        for caller in CALLERS:
            serial = next(counter)
            path = template.format(
                customer=server.applicant,
                app="R-1",
                loan=ids["loan"],
                line=ids["line"],
                order=f"O-{serial}",
            )
            payload: Any = body
            if body == "customer":
                payload = {
                    "kind": "consumer",
                    "name": "测试",
                    "id_number": "11010119900101123X",
                    "phone": "13800000000",
                    "bank_card": "6222020000000000",
                    "address": "某市某路1号",
                }
            elif body == "application":
                payload = application_body(server.applicant, f"M-{serial}")
            elif body == "order":
                payload = {"order_id": f"O-{serial}", "amount_minor": 100}
            response = server.client(caller).request(
                method, path, json=payload, headers={"Idempotency-Key": f"m-{serial}"}
            )
            status = response.status_code
            if caller is None:
                ok = status == 401
            elif caller in allowed:
                ok = status not in (401, 403) and status < 500
            else:
                ok = status == 403
            if not ok:
                failures.append(f"{method} {template} as {caller}: {status} {response.text[:120]}")
    assert failures == []


@pytest.mark.parametrize("role", ["partner_bank", "borrower"])
def test_narrowed_roles_see_only_their_own_loans(server: Server, role: str) -> None:
    ids = _setup(server)
    client = server.client(role)
    listed = {item["loan_id"] for item in client.get("/loans").json()["items"]}
    mine, theirs = (
        (ids["partner_loan"], ids["loan"])
        if role == "partner_bank"
        else (ids["loan"], ids["partner_loan"])
    )
    assert listed == {mine}
    assert client.get(f"/loans/{mine}").status_code == 200
    assert client.get(f"/loans/{theirs}").status_code == 404
    assert client.get(f"/loans/{theirs}/transactions").status_code == 404


def test_a_borrower_cannot_apply_or_look_for_someone_else(server: Server) -> None:
    _setup(server)
    borrower = server.client("borrower")
    other = server.applicant + 1
    assert borrower.post("/applications", json=application_body(other, "X-1")).status_code == 404
    assert borrower.get(f"/customers/{other}").status_code == 403
    assert borrower.get("/applications").json()["items"] == [
        item
        for item in server.client("admin").get("/applications").json()["items"]
        if item["customer_id"] == server.applicant
    ]
    other_client = httpx_borrower(server, "borrower-2")
    assert other_client.get("/applications/R-1").status_code == 404


def httpx_borrower(server: Server, login: str) -> Any:
    import httpx

    token = httpx.post(
        server.url + "/api/v1/auth/token",
        json={"username": login, "password": "correct-horse-battery"},
    ).json()["access_token"]
    return httpx.Client(
        base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {token}"}
    )


def test_a_partner_bank_stops_seeing_a_loan_when_the_borrower_withdraws_sharing(
    server: Server,
) -> None:
    ids = _setup(server)
    bank = server.client("partner_bank")
    assert bank.get(f"/loans/{ids['partner_loan']}").status_code == 200
    ops = server.client("operations")
    customer = server.applicant + 1
    sharing = next(
        c
        for c in ops.get(f"/customers/{customer}/consents").json()
        if c["purpose"] == "data_sharing"
    )
    assert ops.delete(f"/customers/{customer}/consents/{sharing['consent_id']}").status_code == 200
    assert bank.get(f"/loans/{ids['partner_loan']}").status_code == 404
    assert bank.get("/loans").json()["items"] == []
