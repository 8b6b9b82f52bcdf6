"""The demo lender's people and access: staff sign-ins for every role, a checkout channel's API
key, a customer record (synthetic, sealed personal data and consents) for every simulated
applicant, and two borrower sign-ins for the applicant pages — one new customer, one holding a
credit line."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from puhui.security.accounts import add_staff_user, issue_api_key
from puhui.security.consent import Purpose
from puhui.security.credentials import hash_password
from puhui.security.customers import register_customer
from puhui.security.personal_data import PERSONAL_FIELDS, KeyRing
from puhui.sim.people import synthetic_person
from puhui.storage.decision_repository import applicant_of
from puhui.storage.tables import credit_lines, decisions, loans
from puhui.storage.uow import SqlUnitOfWork

PARTNER_FUNDER = "partner-bank-a"
STAFF = (
    ("admin", "admin"),
    ("risk", "risk_analyst"),
    ("ops", "operations"),
    ("auditor", "auditor"),
    ("bank", "partner_bank"),
)
BORROWER_LOGIN = "demo-borrower"
LINE_HOLDER_LOGIN = "demo-line"
CONSENT_SCOPE = "loan applications and servicing (demo)"


def demo_password(username: str) -> str:
    """The demo's well-known passwords: a local demo on a synthetic database, nothing more."""
    return f"puhui-{username}-demo"


@dataclass(frozen=True, slots=True)
class DemoAccess:
    sign_ins: list[tuple[str, str, str]]  # username, password, role
    api_key: str
    customers: int


def _applicants(connection: sa.Connection) -> dict[int, str]:
    """Every simulated applicant the demo's database knows, with its kind."""
    kinds: dict[int, str] = {}
    for applicant, application in connection.execute(
        sa.select(decisions.c.applicant_id, decisions.c.application)
    ):
        kinds[int(applicant)] = json.loads(application).get("kind", "consumer")
    for table in (loans, credit_lines):
        for (reference,) in connection.execute(sa.select(table.c.borrower_ref).distinct()):
            applicant = applicant_of(reference)
            if applicant is not None:
                kinds.setdefault(applicant, "consumer")
    return kinds


def seed_demo_access(engine: sa.Engine, keyring: KeyRing, seed: int, now: datetime) -> DemoAccess:
    with SqlUnitOfWork(engine) as uow:
        if not uow.funders.exists(PARTNER_FUNDER):
            uow.funders.register(PARTNER_FUNDER, "Partner bank A (synthetic)")
        sign_ins = []
        for username, role in STAFF:
            password = demo_password(username)
            add_staff_user(
                uow.access,
                username=username,
                password=password,
                role=role,
                now=now,
                funder=PARTNER_FUNDER if role == "partner_bank" else None,
            )
            sign_ins.append((username, password, role))
        api_key = issue_api_key(
            uow.access, name="checkout", scopes={"lines:checkout", "loans:repay"}, now=now
        )
        applicants = _applicants(uow.connection)
        rows = []
        for applicant, kind in sorted(applicants.items()):
            person = synthetic_person(seed, applicant)
            sealed = {f: keyring.seal(f, person[f]) for f in PERSONAL_FIELDS}
            rows.append(uow.customers.sealed_row(applicant, kind, sealed, keyring.current, now))
        uow.customers.add_many(rows)
        newcomer = register_customer(
            uow.customers,
            keyring,
            kind="consumer",
            personal=synthetic_person(seed, -1),
            now=now,
            login=BORROWER_LOGIN,
            password=demo_password(BORROWER_LOGIN),
        )
        for purpose in (Purpose.DATA_USE, Purpose.BUREAU_QUERY):
            uow.customers.add_consent(newcomer, purpose, CONSENT_SCOPE, now)
        sign_ins.append((BORROWER_LOGIN, demo_password(BORROWER_LOGIN), "borrower"))
        holder = uow.connection.execute(
            sa.select(credit_lines.c.borrower_ref).order_by(credit_lines.c.id).limit(1)
        ).scalar()
        holder_id = applicant_of(holder) if holder else None
        if holder_id is not None:
            uow.customers.set_login(
                holder_id, LINE_HOLDER_LOGIN, hash_password(demo_password(LINE_HOLDER_LOGIN))
            )
            sign_ins.append((LINE_HOLDER_LOGIN, demo_password(LINE_HOLDER_LOGIN), "borrower"))
        uow.commit()
    return DemoAccess(sign_ins, api_key, len(rows) + 1)
