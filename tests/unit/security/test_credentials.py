"""Passwords, tokens and API keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from puhui.security.credentials import (
    TokenSigner,
    api_key_digest,
    api_key_matches,
    format_api_key,
    hash_password,
    parse_api_key,
    password_matches,
)
from puhui.security.errors import Forbidden, NotAuthenticated
from puhui.security.roles import ROLE_SCOPES, Role, principal_for


def test_passwords_are_hashed_with_argon2id_and_checked() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    assert password_matches(stored, "a long enough password")
    assert not password_matches(stored, "a long enough passworD")
    assert not password_matches("not a hash", "anything")
    with pytest.raises(NotAuthenticated, match="at least 10"):
        hash_password("short")


def test_tokens_carry_the_role_and_its_narrowing_and_expire() -> None:
    signer = TokenSigner("s" * 40)
    bank = principal_for("user:bank", Role.PARTNER_BANK, funder="bank-a")
    back = signer.principal(signer.issue(bank))
    assert back == bank
    assert back.scopes == ROLE_SCOPES[Role.PARTNER_BANK]
    old = signer.issue(bank, now=datetime.now(UTC) - timedelta(hours=1))
    with pytest.raises(NotAuthenticated, match="expired"):
        signer.principal(old)
    with pytest.raises(NotAuthenticated, match="not valid"):
        TokenSigner("x" * 40).principal(signer.issue(bank))


def test_api_keys_are_parsed_strictly_and_compared_by_digest() -> None:
    text = format_api_key(7, "secret-value")
    assert parse_api_key(text) == (7, "secret-value")
    assert api_key_matches(api_key_digest("secret-value"), "secret-value")
    assert not api_key_matches(api_key_digest("secret-value"), "secret-valuE")
    for bad in ("", "phk_x_y", "abc_1_s", "phk_1_"):
        with pytest.raises(NotAuthenticated):
            parse_api_key(bad)


def test_channel_keys_hold_only_channel_scopes_and_roles_are_refused_when_missing_scope() -> None:
    with pytest.raises(Forbidden, match="cannot hold"):
        principal_for("key:1", Role.CHANNEL, scopes=frozenset({"pii:read"}))
    auditor = principal_for("user:a", Role.AUDITOR)
    with pytest.raises(Forbidden, match="loans:repay"):
        auditor.require("loans:repay")
    assert all(
        not scope.endswith(
            (":write", ":repay", ":reverse", ":run", ":activate", ":checkout", ":accept")
        )
        for scope in ROLE_SCOPES[Role.AUDITOR]
    )
