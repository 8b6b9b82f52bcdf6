"""puhui (普惠): an open-source digital micro-lending platform.

The package is cut into bounded contexts (see docs/architecture.md): `core` holds money, dates
and errors; `ledger` the double-entry journal; `loans` products, schedules and servicing;
`compliance` jurisdiction profiles; `storage` the database; `batch` end-of-day jobs; `sim` the
synthetic portfolio; `cli` the `puhui` command.
"""

__version__ = "0.1.0"
