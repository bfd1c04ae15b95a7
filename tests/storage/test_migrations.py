"""Alembic builds the schema from empty, and the models and the migrations agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import storage.children  # noqa: F401
import storage.models  # noqa: F401
from storage.migrate import upgrade


def test_migrations_match_the_models_and_are_idempotent(engine):
    upgrade(engine)  # already at head: nothing to do, no error
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []
