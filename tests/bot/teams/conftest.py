"""Fixtures for the Teams tests: a profile with Teams officers and a fast SQLite database of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bot.teams.harness import fresh_sqlite, write_profile


@pytest.fixture
def teams_profile(tmp_path) -> Path:
    """Bury's profile with the officers' Teams channel as the alert target."""
    return write_profile(tmp_path)


@pytest.fixture
def sqlite_url(sqlite_template, tmp_path) -> str:
    """A migrated SQLite database (most Teams tests need one backend; the referral test runs on both)."""
    return fresh_sqlite(sqlite_template, tmp_path)
