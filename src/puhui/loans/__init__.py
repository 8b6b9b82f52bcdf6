"""Loan products, exact repayment schedules and loan servicing (accrual, repayment, delinquency)."""
