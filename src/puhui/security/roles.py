"""Roles, scopes and the principal a request acts as.

A scope names one capability ("loans:repay"); a role is a fixed set of scopes, kept here as data
so the role matrix in the docs and the tests is this table. Two roles are narrowed by data as
well as by scope: a partner bank sees only the loans it funds (`funder`), and a borrower only
his own applications, loans and lines (`customer_id`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from puhui.security.errors import Forbidden


class Role(StrEnum):
    ADMIN = "admin"
    RISK_ANALYST = "risk_analyst"
    OPERATIONS = "operations"
    AUDITOR = "auditor"
    PARTNER_BANK = "partner_bank"
    BORROWER = "borrower"
    CHANNEL = "channel"  # an API key: its scopes are chosen when the key is issued


SCOPES: dict[str, str] = {
    "products:read": "read loan and line products",
    "customers:read": "read customers (personal data masked)",
    "customers:write": "register customers and record their consents",
    "pii:read": "see personal data unmasked (every read is logged)",
    "applications:write": "submit applications for a decision",
    "applications:read": "read applications, decisions and their explanations",
    "offers:accept": "accept an offer (books and pays out the loan)",
    "loans:read": "read loans, schedules, transactions and payoff quotes",
    "loans:repay": "post repayments",
    "loans:reverse": "reverse a repayment or refund",
    "lines:read": "read credit lines and statements",
    "lines:checkout": "authorise, capture, release and refund checkout orders",
    "lines:write": "pay, convert to instalments, set limits on a credit line",
    "models:read": "read models and strategies with their monitoring",
    "models:activate": "switch the active model or strategy",
    "reports:read": "read portfolio reports and regulatory ratios",
    "ledger:read": "read ledger postings",
    "eod:run": "run end-of-day and ledger verification",
    "reviews:write": "ask for a human review of a decision",
    "audit:read": "read the personal-data access log",
}

_READ_ALL = frozenset(
    {
        "products:read",
        "customers:read",
        "applications:read",
        "loans:read",
        "lines:read",
        "models:read",
        "reports:read",
        "ledger:read",
        "audit:read",
    }
)

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.ADMIN: frozenset(SCOPES),
    Role.RISK_ANALYST: frozenset(
        {
            "products:read",
            "applications:read",
            "loans:read",
            "lines:read",
            "models:read",
            "models:activate",
            "reports:read",
        }
    ),
    Role.OPERATIONS: frozenset(
        {
            "products:read",
            "customers:read",
            "customers:write",
            "pii:read",
            "applications:read",
            "loans:read",
            "loans:repay",
            "loans:reverse",
            "lines:read",
            "lines:write",
            "reports:read",
            "ledger:read",
            "eod:run",
        }
    ),
    Role.AUDITOR: _READ_ALL,
    Role.PARTNER_BANK: frozenset({"products:read", "loans:read"}),
    Role.BORROWER: frozenset(
        {
            "products:read",
            "applications:write",
            "applications:read",
            "offers:accept",
            "loans:read",
            "lines:read",
            "lines:write",
            "reviews:write",
        }
    ),
    Role.CHANNEL: frozenset(),
}

CHANNEL_SCOPES = frozenset(
    {"lines:checkout", "loans:repay", "applications:write", "applications:read", "products:read"}
)
STAFF_ROLES = (Role.ADMIN, Role.RISK_ANALYST, Role.OPERATIONS, Role.AUDITOR, Role.PARTNER_BANK)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as, and what it may touch."""

    subject: str  # "user:alice", "key:7", "customer:42"
    role: Role
    scopes: frozenset[str] = field(default_factory=frozenset)
    funder: str | None = None  # partner bank: the only funder whose loans it sees
    customer_id: int | None = None  # borrower: the only customer whose data it sees

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise Forbidden(
                f"this call needs the {scope!r} scope ({SCOPES.get(scope, scope)}); the "
                f"{self.role.value} role does not have it — sign in with a role that does"
            )

    def may_see_customer(self, customer_id: int | None) -> bool:
        if self.role is Role.BORROWER:
            return customer_id is not None and customer_id == self.customer_id
        return True

    def may_see_funder(self, funder: str) -> bool:
        return self.role is not Role.PARTNER_BANK or funder == self.funder


def principal_for(
    subject: str,
    role: Role,
    *,
    scopes: frozenset[str] | None = None,
    funder: str | None = None,
    customer_id: int | None = None,
) -> Principal:
    """A principal with the role's scopes (a channel key brings its own, within CHANNEL_SCOPES)."""
    if role is Role.CHANNEL:
        granted = frozenset(scopes or ())
        unknown = granted - CHANNEL_SCOPES
        if unknown:
            raise Forbidden(
                f"an API key cannot hold {sorted(unknown)}; channel keys may hold "
                f"{sorted(CHANNEL_SCOPES)}"
            )
    else:
        granted = ROLE_SCOPES[role]
    if role is Role.PARTNER_BANK and not funder:
        raise Forbidden("a partner-bank sign-in must name the funder it belongs to")
    return Principal(subject, role, granted, funder, customer_id)
