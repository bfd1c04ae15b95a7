"""Alembic environment: runs against the engine the caller passes in config.attributes."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.children  # noqa: F401
import storage.deliveries  # noqa: F401
import storage.key_checks  # noqa: F401
import storage.merges  # noqa: F401
import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
import storage.notices  # noqa: F401
import storage.protection  # noqa: F401
import storage.teams_refs  # noqa: F401

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    """Run migrations on the caller's engine (or one built from sqlalchemy.url)."""
    engine = config.attributes.get("engine")
    if engine is None:
        from storage.db import make_engine

        engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
