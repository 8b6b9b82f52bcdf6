"""Persistence: SQLAlchemy 2 tables, Alembic migrations, the unit of work and repositories.

SQLite (WAL) is the embedded default; PostgreSQL is the production database. Domain packages
never import this one: services receive a unit of work that implements their ports.
"""
