"""post_entry: idempotent by key against an in-memory journal store."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from puhui.ledger.accounts import PLATFORM_FUNDER, Account
from puhui.ledger.entries import JournalEntry, Posting
from puhui.ledger.errors import IdempotencyConflict
from puhui.ledger.ports import JournalStore
from puhui.ledger.service import post_entry

DAY = date(2025, 3, 31)


class InMemoryJournal:
    """A JournalStore keeping entries in a list; ids start at 1."""

    def __init__(self) -> None:
        self.entries: list[JournalEntry] = []
        self._by_key: dict[str, tuple[int, str]] = {}

    def find_hash(self, idempotency_key: str) -> tuple[int, str] | None:
        return self._by_key.get(idempotency_key)

    def append_unless_posted(self, entry: JournalEntry) -> int | None:
        if entry.idempotency_key in self._by_key:
            return None
        self.entries.append(entry)
        entry_id = len(self.entries)
        self._by_key[entry.idempotency_key] = (entry_id, entry.content_hash)
        return entry_id

    def balances(self) -> dict[tuple[str, str, str], int]:
        totals: dict[tuple[str, str, str], int] = defaultdict(int)
        for entry in self.entries:
            for p in entry.postings:
                totals[(p.account.value, p.funder, p.currency)] += p.amount_minor
        return dict(totals)


def fee_entry(key: str, amount: int = 2_000, day: date = DAY) -> JournalEntry:
    return JournalEntry(
        idempotency_key=key,
        kind="late_fee",
        business_date=day,
        postings=(
            Posting(Account.FEE_RECEIVABLE, amount, PLATFORM_FUNDER),
            Posting(Account.FEE_INCOME, -amount, PLATFORM_FUNDER),
        ),
        loan_id=1,
    )


def test_a_first_post_appends_the_entry() -> None:
    store = InMemoryJournal()
    journal: JournalStore = store
    result = post_entry(journal, fee_entry("fee-1"))
    assert result.replayed is False
    assert result.entry_id == 1
    assert store.entries == [fee_entry("fee-1")]


def test_distinct_keys_get_distinct_ids() -> None:
    store = InMemoryJournal()
    first = post_entry(store, fee_entry("fee-1"))
    second = post_entry(store, fee_entry("fee-2"))
    assert (first.entry_id, second.entry_id) == (1, 2)
    assert len(store.entries) == 2


def test_reposting_the_same_content_replays_the_first_id_and_appends_nothing() -> None:
    store = InMemoryJournal()
    first = post_entry(store, fee_entry("fee-1"))
    post_entry(store, fee_entry("fee-2"))
    again = post_entry(store, fee_entry("fee-1"))
    assert again.entry_id == first.entry_id
    assert again.replayed is True
    assert len(store.entries) == 2


@pytest.mark.parametrize(
    "different",
    [fee_entry("fee-1", amount=2_001), fee_entry("fee-1", day=date(2025, 4, 1))],
    ids=["amount", "date"],
)
def test_reusing_a_key_for_different_content_is_refused_and_writes_nothing(
    different: JournalEntry,
) -> None:
    store = InMemoryJournal()
    post_entry(store, fee_entry("fee-1"))
    before = store.balances()
    with pytest.raises(IdempotencyConflict, match="fee-1"):
        post_entry(store, different)
    assert store.balances() == before
    assert len(store.entries) == 1
    assert post_entry(store, fee_entry("fee-1")).replayed is True


@st.composite
def entries(draw: st.DrawFn, key: str) -> JournalEntry:
    legs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(Account),
                st.integers(-(10**9), 10**9).filter(bool),
                st.sampled_from(["platform", "bank-a"]),
                st.sampled_from(["CNY", "USD"]),
            ),
            min_size=1,
            max_size=6,
        )
    )
    postings = [Posting(a, amount, funder, currency) for a, amount, funder, currency in legs]
    for currency in ("CNY", "USD"):
        total = sum(p.amount_minor for p in postings if p.currency == currency)
        if total:
            postings.append(Posting(Account.CASH, -total, "platform", currency))
    if len(postings) < 2:
        postings.append(Posting(Account.CASH, 1, "platform"))
        postings.append(Posting(Account.FEE_INCOME, -1, "platform"))
    return JournalEntry(
        idempotency_key=key,
        kind=draw(st.sampled_from(["accrual", "repayment"])),
        business_date=draw(st.dates(date(2024, 1, 1), date(2026, 12, 31))),
        postings=tuple(postings),
    )


@st.composite
def posting_sequences(draw: st.DrawFn) -> list[JournalEntry]:
    """Entries to post in order: repeats, and some keys reused for different content."""
    pool: list[JournalEntry] = []
    for i in range(draw(st.integers(1, 6))):
        pool.extend(draw(entries(f"event-{i}")) for _ in range(draw(st.integers(1, 2))))
    return draw(st.lists(st.sampled_from(pool), min_size=1, max_size=20))


@given(posting_sequences())
def test_any_sequence_of_posts_keeps_the_ledger_balanced_and_counts_each_key_once(
    order: list[JournalEntry],
) -> None:
    store = InMemoryJournal()
    first: dict[str, tuple[int, JournalEntry]] = {}
    for entry in order:
        key = entry.idempotency_key
        if key in first and first[key][1].content_hash != entry.content_hash:
            with pytest.raises(IdempotencyConflict):
                post_entry(store, entry)
            continue
        result = post_entry(store, entry)
        assert result.replayed is (key in first)
        assert result.entry_id == first.setdefault(key, (result.entry_id, entry))[0]

    assert store.entries == [entry for _, entry in first.values()]
    per_currency: dict[str, int] = defaultdict(int)
    for (_, _, currency), balance in store.balances().items():
        per_currency[currency] += balance
    assert set(per_currency.values()) <= {0}

    expected: dict[tuple[str, str, str], int] = defaultdict(int)
    for _, entry in first.values():
        for p in entry.postings:
            expected[(p.account.value, p.funder, p.currency)] += p.amount_minor
    assert store.balances() == dict(expected)
