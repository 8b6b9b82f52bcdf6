"""The HTTP API end to end over a real server: apply → decision with its explanation → accept
(booked and paid out once) → repay (idempotent by key) → reverse → payoff quote → ledger still
verifies. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from puhui.api.idempotency import request_hash_of
from puhui.api.routes.common import now
from puhui.batch.verify import verify
from puhui.storage.access_repository import AccessRepository
from puhui.storage.calendar_repository import CalendarRepository
from puhui.storage.uow import SqlUnitOfWork
from tests.api.conftest import Server, application_body
from tests.unit.credit.doubles import ON


def apply_and_accept(server: Server, client: httpx.Client, application_id: str) -> int:
    decided = client.post("/applications", json=application_body(server.applicant, application_id))
    assert decided.status_code == 201, decided.text
    assert decided.json()["outcome"] == "approve"
    accepted = client.post(
        f"/applications/{application_id}/accept", headers={"Idempotency-Key": f"k-{application_id}"}
    )
    assert accepted.status_code == 201, accepted.text
    return int(accepted.json()["loan_id"])


def test_apply_accept_repay_reverse_over_http(server: Server) -> None:
    ops = server.client("operations")
    borrower = server.client("borrower")
    decided = borrower.post("/applications", json=application_body(server.applicant, "A-1"))
    assert decided.status_code == 201, decided.text
    decision = decided.json()
    offer = decision["offer"]
    assert decision["outcome"] == "approve"
    assert decision["model"]
    assert decision["rule_set"]
    assert len(offer["instalments"]) == offer["periods"]
    assert sum(row["principal_minor"] for row in offer["instalments"]) == offer["amount_minor"]
    assert sum(row["total_minor"] for row in offer["instalments"]) == offer["total_repayable_minor"]
    # the same application again is the same decision; the same id with another body is refused
    again = borrower.post("/applications", json=application_body(server.applicant, "A-1"))
    assert again.status_code == 201
    assert again.json()["score"] == decision["score"]
    changed = borrower.post(
        "/applications", json=application_body(server.applicant, "A-1", amount_minor=500_000)
    )
    assert changed.status_code == 409
    assert changed.headers["content-type"] == "application/problem+json"
    assert changed.json()["code"] == "application_id_reused"

    first = borrower.post("/applications/A-1/accept", headers={"Idempotency-Key": "acc-1"})
    assert first.status_code == 201, first.text
    replay = borrower.post("/applications/A-1/accept", headers={"Idempotency-Key": "acc-1"})
    assert replay.json() == first.json()
    assert replay.headers["Idempotent-Replayed"] == "true"
    loan_id = first.json()["loan_id"]
    # a second key for the same acceptance still books one loan (the application id)
    other = borrower.post("/applications/A-1/accept", headers={"Idempotency-Key": "acc-2"})
    assert other.json()["loan_id"] == loan_id

    loan = ops.get(f"/loans/{loan_id}").json()
    assert loan["principal_minor"] == offer["amount_minor"]
    assert loan["borrower_ref"] == f"applicant-{server.applicant}"
    assert [r["due_date"] for r in loan["schedule"]] == [
        r["due_date"] for r in offer["instalments"]
    ]

    payments = server.client("payments")
    paid = payments.post(
        f"/loans/{loan_id}/repayments",
        json={"amount_minor": 12_345},
        headers={"Idempotency-Key": "pay-1"},
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["amount_minor"] == 12_345
    replayed = payments.post(
        f"/loans/{loan_id}/repayments",
        json={"amount_minor": 12_345},
        headers={"Idempotency-Key": "pay-1"},
    )
    assert replayed.json() == paid.json()
    reused = payments.post(
        f"/loans/{loan_id}/repayments",
        json={"amount_minor": 99},
        headers={"Idempotency-Key": "pay-1"},
    )
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    missing = payments.post(f"/loans/{loan_id}/repayments", json={"amount_minor": 99})
    assert missing.status_code == 400
    assert missing.json()["code"] == "idempotency_key_missing"

    events = ops.get(f"/loans/{loan_id}/transactions").json()
    repayments = [e for e in events if e["kind"] == "repayment"]
    assert len(repayments) == 1
    assert repayments[0]["amount_minor"] == 12_345

    reversed_ = ops.post(
        f"/loans/{loan_id}/reversals",
        json={"reversed_key": repayments[0]["key"]},
        headers={"Idempotency-Key": "rev-1"},
    )
    assert reversed_.status_code == 201, reversed_.text
    quote = ops.get(f"/loans/{loan_id}/payoff-quote").json()
    assert quote["total_minor"] >= offer["amount_minor"]
    postings = ops.get(f"/loans/{loan_id}/postings").json()
    assert sum(p["amount_minor"] for p in postings if p["entry_id"] == postings[0]["entry_id"]) == 0
    assert verify(server.database).ok


def test_a_decline_explains_itself_and_can_be_reviewed_by_a_person(server: Server) -> None:
    borrower = server.client("borrower")
    consents = borrower.get(f"/customers/{server.applicant}/consents").json()
    data_use = next(c for c in consents if c["purpose"] == "data_use")
    withdrawn = borrower.delete(f"/customers/{server.applicant}/consents/{data_use['consent_id']}")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn_at"]
    decided = borrower.post("/applications", json=application_body(server.applicant, "D-1"))
    assert decided.json()["outcome"] == "decline"
    assert [r["code"] for r in decided.json()["reasons"]] == ["NO_CONSENT"]
    assert decided.json()["features"] == []  # nothing was fetched without consent
    review = borrower.post("/applications/D-1/review-requests")
    assert review.status_code == 201
    assert review.json()["status"] == "open"
    refused = borrower.post("/applications/D-1/accept", headers={"Idempotency-Key": "x"})
    assert refused.status_code == 400
    assert refused.json()["code"] == "offer_not_acceptable"
    # the refusal is kept with its key: the same key answers the same
    assert borrower.post("/applications/D-1/accept", headers={"Idempotency-Key": "x"}).json() == (
        refused.json()
    )


def test_lists_page_with_cursors_and_filters(server: Server) -> None:
    admin = server.client("admin")
    for index in range(3):
        apply_and_accept(server, admin, f"P-{index}")
    first = admin.get("/loans", params={"limit": 2}).json()
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    rest = admin.get("/loans", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    ids = [i["loan_id"] for i in first["items"] + rest["items"]]
    assert ids == sorted(set(ids))
    assert len(ids) == 3
    assert admin.get("/loans", params={"status": "closed"}).json()["items"] == []
    bad = admin.get("/loans", params={"cursor": "%%%"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "cursor_invalid"
    approvals = admin.get("/applications", params={"outcome": "approve"}).json()["items"]
    assert {a["application_id"] for a in approvals} == {"P-0", "P-1", "P-2"}


def test_bad_input_gets_a_problem_never_a_server_error(server: Server) -> None:
    admin = server.client("admin")
    cases = [
        admin.post(
            "/applications", content=b"{not json", headers={"content-type": "application/json"}
        ),
        admin.post("/applications", json={"application_id": "x"}),
        admin.post("/applications", json=application_body(server.applicant, "Z", amount_minor=-5)),
        admin.post(
            "/applications", json=application_body(server.applicant, "Z", product_code="nope")
        ),
        admin.post("/applications", json=application_body(999_999, "Z")),
        admin.get("/loans/999999"),
        admin.get("/loans/not-a-number"),
        admin.post(
            "/loans/1/repayments", json={"amount_minor": 10**20}, headers={"Idempotency-Key": "b"}
        ),
        admin.get("/nowhere"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, (response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["code"]
        assert body["detail"]
        assert body["status"] == response.status_code
    assert cases[0].status_code == 422
    assert cases[0].json()["code"] == "malformed_request"
    assert cases[4].status_code == 404
    assert "register the customer" in cases[4].json()["detail"]


def test_an_offer_cannot_be_accepted_once_consent_to_data_use_is_withdrawn(
    server: Server,
) -> None:
    borrower = server.client("borrower")
    decided = borrower.post("/applications", json=application_body(server.applicant, "W-1"))
    assert decided.json()["outcome"] == "approve"
    consents = borrower.get(f"/customers/{server.applicant}/consents").json()
    data_use = next(c for c in consents if c["purpose"] == "data_use")
    borrower.delete(f"/customers/{server.applicant}/consents/{data_use['consent_id']}")
    refused = borrower.post("/applications/W-1/accept", headers={"Idempotency-Key": "w"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "consent_required"
    assert server.client("admin").get("/loans").json()["items"] == []


def test_a_chunked_body_over_the_limit_is_refused(server: Server) -> None:
    def chunks():  # no Content-Length: the server must count
        for _ in range(80):
            yield b" " * 1024

    response = server.client("admin").post(
        "/applications", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"


def test_a_payment_during_end_of_day_is_refused_for_now_and_the_same_key_works_after(
    server: Server,
) -> None:
    admin = server.client("admin")
    loan_id = apply_and_accept(server, admin, "E-1")
    with SqlUnitOfWork(server.database) as uow:
        CalendarRepository(uow.connection).mark_running(ON)
        uow.commit()
    body = {"amount_minor": 5_000}
    busy = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "e"})
    assert busy.status_code == 503
    assert busy.json()["code"] == "end_of_day_in_progress"
    assert int(busy.headers["Retry-After"]) > 0
    with SqlUnitOfWork(server.database) as uow:
        CalendarRepository(uow.connection).mark_running(None)
        uow.commit()
    paid = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "e"})
    assert paid.status_code == 201, paid.text


def test_a_claim_left_by_a_dead_process_is_taken_over_by_the_retry(server: Server) -> None:
    admin = server.client("admin")
    loan_id = apply_and_accept(server, admin, "S-1")
    body = {"amount_minor": 5_000}
    route = f"repay {loan_id}"
    stale = now() - timedelta(minutes=5)
    with server.database.begin() as connection:  # what a crash between claim and work leaves
        AccessRepository(connection).start_idempotent(
            "user:admin", "s", request_hash_of(route, body), stale, stale_before=stale
        )
    paid = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "s"})
    assert paid.status_code == 201, paid.text
    events = admin.get(f"/loans/{loan_id}/transactions").json()
    assert [e["amount_minor"] for e in events if e["kind"] == "repayment"] == [5_000]


def test_a_key_claimed_and_not_yet_answered_gets_409_in_flight(server: Server) -> None:
    """What an end-of-day run through the API leaves while it runs: a fresh claim."""
    admin = server.client("admin")
    loan_id = apply_and_accept(server, admin, "F-1")
    body = {"amount_minor": 5_000}
    moment = now()
    with server.database.begin() as connection:
        AccessRepository(connection).start_idempotent(
            "user:admin",
            "f",
            request_hash_of(f"repay {loan_id}", body),
            moment,
            stale_before=moment - timedelta(minutes=2),
        )
    busy = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "f"})
    assert busy.status_code == 409
    assert busy.json()["code"] == "request_in_flight"
    assert busy.headers["Retry-After"] == "1"
    events = admin.get(f"/loans/{loan_id}/transactions").json()
    assert [e for e in events if e["kind"] == "repayment"] == []


@pytest.mark.postgres
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_a_retry_while_the_first_request_runs_gets_409_then_the_first_answer(
    server: Server,
) -> None:
    """PostgreSQL runs requests side by side: the one holding the key (here, a transaction
    that has taken it and not finished) makes a retry wait its turn with 409, not run twice.
    (SQLite lets one transaction run at a time, so there a retry simply waits.)"""
    admin = server.client("admin")
    loan_id = apply_and_accept(server, admin, "P-1")
    body = {"amount_minor": 5_000}
    with server.database.connect() as holder:
        held, record = AccessRepository(holder).hold_idempotency_key(
            "user:admin", "p", stale_before=datetime(2000, 1, 1)
        )
        assert held
        assert record is None
        busy = admin.post(
            f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "p"}
        )
        assert busy.status_code == 409
        assert busy.json()["code"] == "request_in_flight"
        holder.rollback()  # the first request ends without an answer (it failed)
    paid = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "p"})
    assert paid.status_code == 201, paid.text
    again = admin.post(f"/loans/{loan_id}/repayments", json=body, headers={"Idempotency-Key": "p"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == paid.json()
    events = admin.get(f"/loans/{loan_id}/transactions").json()
    assert [e["amount_minor"] for e in events if e["kind"] == "repayment"] == [5_000]
