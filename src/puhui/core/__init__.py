"""Cross-cutting basics every context shares: money, rounding, dates, errors.

Imports nothing else of puhui, so that every other package can depend on it.
"""
