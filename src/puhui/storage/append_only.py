"""Database triggers that make the journal, postings and loan events append-only.

The repository has no update or delete for these tables; the triggers make the database itself
refuse them, so no script, migration or console session can edit posted money history.
Corrections are new entries (reversals).
"""

from __future__ import annotations

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()}
    BEFORE {action} ON {table}
    BEGIN
        SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead');
    END
    """
    for table in ("journal_entries", "postings", "loan_events")
    for action in ("UPDATE", "DELETE")
]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION puhui_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: post a reversal instead', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""

POSTGRES_TRIGGERS = [
    f"""
    CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION puhui_refuse_change()
    """
    for table in ("journal_entries", "postings", "loan_events")
]


def append_only_statements(dialect: str) -> list[str]:
    """DDL that installs the append-only triggers for the given SQLAlchemy dialect name."""
    if dialect == "sqlite":
        return SQLITE_TRIGGERS
    if dialect == "postgresql":
        return [POSTGRES_FUNCTION, *POSTGRES_TRIGGERS]
    raise ValueError(f"unsupported database dialect {dialect!r}")
