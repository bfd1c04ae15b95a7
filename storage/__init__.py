"""Persistence: SQLModel tables, the unit of work, queries and Alembic migrations."""
