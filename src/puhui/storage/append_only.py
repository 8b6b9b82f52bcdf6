"""Database triggers that make the journal, postings and loan events append-only (and, from
migration 0002, decision records).

The repository has no update or delete for these tables; the triggers make the database itself
refuse them, so no script, migration or console session can edit posted money history.
Corrections are new entries (reversals).
"""

from __future__ import annotations

APPEND_ONLY = ("journal_entries", "postings", "loan_events")

SQLITE_TRIGGERS = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()}
    BEFORE {action} ON {table}
    BEGIN
        SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead');
    END
    """
    for table in APPEND_ONLY
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
    for table in APPEND_ONLY
]


def append_only_statements(dialect: str) -> list[str]:
    """DDL that installs the append-only triggers for the given SQLAlchemy dialect name."""
    if dialect == "sqlite":
        return SQLITE_TRIGGERS
    if dialect == "postgresql":
        return [POSTGRES_FUNCTION, *POSTGRES_TRIGGERS]
    raise ValueError(f"unsupported database dialect {dialect!r}")


def append_only_statements_for(dialect: str, tables: tuple[str, ...]) -> list[str]:
    """The same triggers for further tables (used by later migrations)."""
    if dialect == "sqlite":
        return [
            f"""
            CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()}
            BEFORE {action} ON {table}
            BEGIN
                SELECT RAISE(ABORT, '{table} is append-only: post a reversal instead');
            END
            """
            for table in tables
            for action in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            f"""
            CREATE TRIGGER {table}_append_only
            BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION puhui_refuse_change()
            """
            for table in tables
        ]
    raise ValueError(f"unsupported database dialect {dialect!r}")
