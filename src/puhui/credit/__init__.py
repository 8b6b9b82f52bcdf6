"""Decisioning: applications, data adapters, features, policy rules, fraud checks, strategy,
offers and auditable decision records."""
