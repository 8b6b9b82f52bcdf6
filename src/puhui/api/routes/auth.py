"""POST /auth/token: sign in with a password, get a short-lived bearer token.

Staff sign in with their username; borrowers with the login they chose when registering. Both
are rate-limited per client address and per username, so guessing passwords is slow.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from puhui.api.auth import runtime
from puhui.api.runtime import Runtime
from puhui.api.schemas import SignIn, Token
from puhui.security.credentials import hash_password, password_matches
from puhui.security.errors import NotAuthenticated
from puhui.security.roles import Principal, Role, principal_for

router = APIRouter(tags=["auth"])
# A hash to check against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = hash_password("no-such-user-password")


def authenticate(rt: Runtime, username: str, password: str, client: str) -> Principal:
    rt.check_rate(rt.settings.signin_rate, "signin", client)
    rt.check_rate(rt.settings.signin_rate, "signin-user", username)
    with rt.unit_of_work() as uow:
        user = uow.access.user(username)
        customer = None if user is not None else uow.customers.by_login(username)
    if user is not None and user.active and password_matches(user.password_hash, password):
        return principal_for(f"user:{user.username}", Role(user.role), funder=user.funder)
    if (
        customer is not None
        and customer.password_hash
        and password_matches(customer.password_hash, password)
    ):
        return principal_for(
            f"customer:{customer.customer_id}", Role.BORROWER, customer_id=customer.customer_id
        )
    if user is None and customer is None:
        password_matches(_DUMMY_HASH, password)
    raise NotAuthenticated("the username or password is wrong; check both and try again")


@router.post("/auth/token", response_model=Token)
def sign_in(body: SignIn, request: Request) -> Token:
    rt = runtime(request)
    client = request.client.host if request.client else "unknown"
    principal = authenticate(rt, body.username, body.password, client)
    return Token(
        access_token=rt.signer.issue(principal),
        token_type="bearer",
        expires_in=int(rt.signer.lifetime.total_seconds()),
        role=principal.role.value,
    )
