"""Alembic builds the schema from empty, and the models and the migrations agree."""

from __future__ import annotations

import importlib.util

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.children  # noqa: F401
import storage.merges  # noqa: F401
import storage.models  # noqa: F401
from storage.migrate import MIGRATIONS_DIR, upgrade


def _widened() -> set[tuple[str, str]]:
    """The (table, column) pairs migration 0010 turns into text on PostgreSQL."""
    spec = importlib.util.spec_from_file_location("m0010", MIGRATIONS_DIR / "versions" / "0010_encryption_at_rest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {(table, column) for table, column, _ in module.WIDENED}


_WIDENED = _widened()


def test_migrations_match_the_models_and_are_idempotent(engine):
    upgrade(engine)  # already at head: nothing to do, no error
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    if engine.dialect.name == "sqlite":  # 0010 leaves SQLite's declared types (it keeps any text in any column)
        diff = [d for d in diff if not (isinstance(d, list) and (d[0][2], d[0][3]) in _WIDENED)]
    assert diff == []
