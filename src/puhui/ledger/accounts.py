"""The chart of accounts: every account a loan's money can sit in, with its normal side.

Receivables, income and credit balances carry a funder dimension (`funder` on each posting), so
that one loan can later be funded by several funders and each funder's share reconciles on its own.
"""

from __future__ import annotations

from enum import StrEnum


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        return self in (AccountType.ASSET, AccountType.EXPENSE)


class Account(StrEnum):
    """Accounts of the chart; the value is the stable code stored in the database."""

    CASH = "cash"
    PRINCIPAL_RECEIVABLE = "principal_receivable"
    INTEREST_RECEIVABLE = "interest_receivable"
    FEE_RECEIVABLE = "fee_receivable"
    PENALTY_RECEIVABLE = "penalty_receivable"
    CREDIT_BALANCE = "credit_balance"
    FUNDING_CAPITAL = "funding_capital"
    INTEREST_INCOME = "interest_income"
    FEE_INCOME = "fee_income"
    PENALTY_INCOME = "penalty_income"
    RECOVERY_INCOME = "recovery_income"
    WRITE_OFF_EXPENSE = "write_off_expense"
    # Revolving credit lines keep their own control accounts, reconciled to the lines.
    LINE_PRINCIPAL_RECEIVABLE = "line_principal_receivable"
    LINE_INTEREST_RECEIVABLE = "line_interest_receivable"
    LINE_FEE_RECEIVABLE = "line_fee_receivable"
    LINE_CREDIT_BALANCE = "line_credit_balance"
    LINE_INTEREST_INCOME = "line_interest_income"
    LINE_FEE_INCOME = "line_fee_income"

    @property
    def account_type(self) -> AccountType:
        return ACCOUNT_TYPES[self]


ACCOUNT_TYPES: dict[Account, AccountType] = {
    Account.CASH: AccountType.ASSET,
    Account.PRINCIPAL_RECEIVABLE: AccountType.ASSET,
    Account.INTEREST_RECEIVABLE: AccountType.ASSET,
    Account.FEE_RECEIVABLE: AccountType.ASSET,
    Account.PENALTY_RECEIVABLE: AccountType.ASSET,
    Account.CREDIT_BALANCE: AccountType.LIABILITY,
    Account.FUNDING_CAPITAL: AccountType.EQUITY,
    Account.INTEREST_INCOME: AccountType.INCOME,
    Account.FEE_INCOME: AccountType.INCOME,
    Account.PENALTY_INCOME: AccountType.INCOME,
    Account.RECOVERY_INCOME: AccountType.INCOME,
    Account.WRITE_OFF_EXPENSE: AccountType.EXPENSE,
    Account.LINE_PRINCIPAL_RECEIVABLE: AccountType.ASSET,
    Account.LINE_INTEREST_RECEIVABLE: AccountType.ASSET,
    Account.LINE_FEE_RECEIVABLE: AccountType.ASSET,
    Account.LINE_CREDIT_BALANCE: AccountType.LIABILITY,
    Account.LINE_INTEREST_INCOME: AccountType.INCOME,
    Account.LINE_FEE_INCOME: AccountType.INCOME,
}

PLATFORM_FUNDER = "platform"
