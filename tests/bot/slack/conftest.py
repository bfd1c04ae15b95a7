"""Fixtures for the Slack tests: a migrated SQLite database per test (PostgreSQL where a test asks for db_url)."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture
def slack_db(sqlite_template, tmp_path) -> str:
    """A fresh SQLite database with the newest schema."""
    path = tmp_path / "cme.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"
