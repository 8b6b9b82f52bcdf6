"""The double-entry general ledger: immutable, balanced, idempotent journal entries."""
