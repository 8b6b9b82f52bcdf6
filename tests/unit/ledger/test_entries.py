"""Journal entries: at least two postings, balanced per currency, hashed, reversible."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from puhui.ledger.accounts import PLATFORM_FUNDER, Account
from puhui.ledger.entries import (
    MAX_POSTINGS_PER_ENTRY,
    JournalEntry,
    Posting,
    entry_from_deltas,
)
from puhui.ledger.errors import InvalidPosting, UnbalancedEntry

DAY = date(2025, 3, 31)


def disbursal(**changes: object) -> JournalEntry:
    values: dict[str, object] = {
        "idempotency_key": "loan-7:disburse",
        "kind": "disbursal",
        "business_date": DAY,
        "postings": (
            Posting(Account.PRINCIPAL_RECEIVABLE, 500_000, PLATFORM_FUNDER),
            Posting(Account.CASH, -500_000, PLATFORM_FUNDER),
        ),
        "loan_id": 7,
    }
    values.update(changes)
    return JournalEntry(**values)  # type: ignore[arg-type]


def test_a_balanced_entry_with_two_postings_is_accepted() -> None:
    entry = disbursal()
    assert len(entry.postings) == 2
    assert len(entry.content_hash) == 64


@pytest.mark.parametrize("count", [0, 1])
def test_an_entry_with_fewer_than_two_postings_is_refused(count: int) -> None:
    postings = (Posting(Account.CASH, 100, PLATFORM_FUNDER),)[:count]
    with pytest.raises(UnbalancedEntry, match="postings"):
        disbursal(postings=postings)


def test_an_entry_with_more_than_the_maximum_postings_is_refused() -> None:
    half = MAX_POSTINGS_PER_ENTRY // 2 + 1
    debits = (Posting(Account.CASH, 1, "f"),) * half
    postings = debits + (Posting(Account.FEE_INCOME, -1, "f"),) * half
    with pytest.raises(UnbalancedEntry, match="postings"):
        disbursal(postings=postings)


def test_an_unbalanced_entry_is_refused() -> None:
    postings = (
        Posting(Account.PRINCIPAL_RECEIVABLE, 500_000, PLATFORM_FUNDER),
        Posting(Account.CASH, -499_999, PLATFORM_FUNDER),
    )
    with pytest.raises(UnbalancedEntry, match="does not balance"):
        disbursal(postings=postings)


def test_an_entry_must_balance_in_each_currency_separately() -> None:
    postings = (
        Posting(Account.CASH, 100, PLATFORM_FUNDER, currency="CNY"),
        Posting(Account.FEE_INCOME, -100, PLATFORM_FUNDER, currency="USD"),
    )
    with pytest.raises(UnbalancedEntry, match="CNY"):
        disbursal(postings=postings)


def test_an_entry_balanced_in_two_currencies_is_accepted() -> None:
    postings = (
        Posting(Account.CASH, 100, PLATFORM_FUNDER, currency="CNY"),
        Posting(Account.FEE_INCOME, -100, PLATFORM_FUNDER, currency="CNY"),
        Posting(Account.CASH, 7, PLATFORM_FUNDER, currency="USD"),
        Posting(Account.FEE_INCOME, -7, PLATFORM_FUNDER, currency="USD"),
    )
    assert len(disbursal(postings=postings).postings) == 4


@pytest.mark.parametrize("amount", [0, 1.0, 100.5, Decimal(100), "100", None])
def test_a_posting_needs_a_non_zero_integer_amount(amount: object) -> None:
    with pytest.raises(InvalidPosting):
        Posting(Account.CASH, amount, PLATFORM_FUNDER)  # type: ignore[arg-type]


def test_a_boolean_posting_amount_is_refused() -> None:
    with pytest.raises(InvalidPosting):
        Posting(Account.CASH, True, PLATFORM_FUNDER)


@pytest.mark.parametrize("key", ["", "k" * 201])
def test_an_entry_needs_an_idempotency_key_of_one_to_200_characters(key: str) -> None:
    with pytest.raises(InvalidPosting, match="idempotency key"):
        disbursal(idempotency_key=key)


def test_a_200_character_key_is_accepted() -> None:
    assert disbursal(idempotency_key="k" * 200).idempotency_key == "k" * 200


def test_the_content_hash_is_the_same_for_equal_content() -> None:
    assert disbursal().content_hash == disbursal().content_hash


def test_the_content_hash_ignores_the_order_of_postings() -> None:
    entry = disbursal()
    assert disbursal(postings=entry.postings[::-1]).content_hash == entry.content_hash


def test_the_content_hash_does_not_depend_on_the_idempotency_key() -> None:
    assert disbursal(idempotency_key="other").content_hash == disbursal().content_hash


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "refund"},
        {"business_date": date(2025, 4, 1)},
        {"loan_id": 8},
        {"loan_id": None},
        {"reverses_key": "loan-7:earlier"},
    ],
    ids=["kind", "date", "loan", "no-loan", "reverses"],
)
def test_the_content_hash_changes_when_the_entry_changes(changes: dict[str, object]) -> None:
    assert disbursal(**changes).content_hash != disbursal().content_hash


@pytest.mark.parametrize(
    "changes",
    [
        {"account": Account.FEE_RECEIVABLE},
        {"funder": "bank-a"},
        {"currency": "USD"},
        {"loan_id": 9},
    ],
    ids=["account", "funder", "currency", "posting-loan"],
)
def test_the_content_hash_changes_when_a_posting_changes(changes: dict[str, object]) -> None:
    debit, credit = disbursal().postings
    changed = (replace(debit, **changes), replace(credit, **changes))  # type: ignore[arg-type]
    assert disbursal(postings=changed).content_hash != disbursal().content_hash


def test_the_content_hash_changes_when_an_amount_changes() -> None:
    postings = (
        Posting(Account.PRINCIPAL_RECEIVABLE, 500_001, PLATFORM_FUNDER),
        Posting(Account.CASH, -500_001, PLATFORM_FUNDER),
    )
    assert disbursal(postings=postings).content_hash != disbursal().content_hash


def test_the_content_hash_changes_when_debit_and_credit_swap() -> None:
    entry = disbursal()
    flipped = tuple(replace(p, amount_minor=-p.amount_minor) for p in entry.postings)
    assert disbursal(postings=flipped).content_hash != entry.content_hash


def test_a_reversal_flips_every_sign_and_references_the_original_key() -> None:
    original = disbursal(
        postings=(
            Posting(Account.PRINCIPAL_RECEIVABLE, 300, "bank-a", loan_id=1),
            Posting(Account.PRINCIPAL_RECEIVABLE, 200, "bank-b", loan_id=2),
            Posting(Account.CASH, -500, PLATFORM_FUNDER),
        )
    )
    reversal = original.reversal(idempotency_key="loan-7:undo", business_date=date(2025, 4, 2))
    assert reversal.reverses_key == "loan-7:disburse"
    assert reversal.idempotency_key == "loan-7:undo"
    assert reversal.business_date == date(2025, 4, 2)
    assert reversal.kind == "reversal:disbursal"
    assert reversal.loan_id == 7
    assert [(p.account, p.funder, p.currency, p.loan_id) for p in reversal.postings] == [
        (p.account, p.funder, p.currency, p.loan_id) for p in original.postings
    ]
    assert [p.amount_minor for p in reversal.postings] == [-300, -200, 500]


def test_entry_from_deltas_drops_zero_deltas() -> None:
    entry = entry_from_deltas(
        idempotency_key="k",
        kind="repayment",
        business_date=DAY,
        funder="bank-a",
        deltas={
            Account.CASH: 120,
            Account.INTEREST_RECEIVABLE: -20,
            Account.FEE_RECEIVABLE: 0,
            Account.PRINCIPAL_RECEIVABLE: -100,
        },
        loan_id=3,
    )
    assert entry is not None
    assert {p.account: p.amount_minor for p in entry.postings} == {
        Account.CASH: 120,
        Account.INTEREST_RECEIVABLE: -20,
        Account.PRINCIPAL_RECEIVABLE: -100,
    }
    assert all(p.funder == "bank-a" and p.currency == "CNY" for p in entry.postings)
    assert entry.loan_id == 3


@pytest.mark.parametrize("deltas", [{}, {Account.CASH: 0, Account.FEE_INCOME: 0}])
def test_entry_from_deltas_returns_none_when_every_delta_is_zero(
    deltas: dict[Account, int],
) -> None:
    entry = entry_from_deltas(
        idempotency_key="k", kind="accrual", business_date=DAY, funder="f", deltas=deltas
    )
    assert entry is None


def test_entry_from_deltas_refuses_unbalanced_deltas() -> None:
    with pytest.raises(UnbalancedEntry):
        entry_from_deltas(
            idempotency_key="k",
            kind="accrual",
            business_date=DAY,
            funder="f",
            deltas={Account.INTEREST_RECEIVABLE: 5, Account.INTEREST_INCOME: -4},
        )


signed_postings = st.lists(
    st.builds(
        Posting,
        account=st.sampled_from(Account),
        amount_minor=st.integers(-(10**12), 10**12).filter(bool),
        funder=st.sampled_from(["platform", "bank-a", "bank-b"]),
    ),
    min_size=1,
    max_size=30,
)


@given(postings=signed_postings, balancing_account=st.sampled_from(Account))
def test_random_postings_plus_a_balancing_posting_make_a_reversible_entry(
    postings: list[Posting], balancing_account: Account
) -> None:
    total = sum(p.amount_minor for p in postings)
    assume(total != 0)
    legs = (*postings, Posting(balancing_account, -total, "platform"))
    entry = disbursal(postings=legs)
    reversal = entry.reversal(idempotency_key="undo", business_date=DAY)

    net: Counter[tuple[Account, str]] = Counter()
    for posting in entry.postings + reversal.postings:
        net[(posting.account, posting.funder)] += posting.amount_minor
    assert set(net.values()) == {0}
    assert reversal.content_hash != entry.content_hash
