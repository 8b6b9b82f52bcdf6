"""Batch jobs over the whole portfolio: end-of-day and ledger verification, set-based."""
