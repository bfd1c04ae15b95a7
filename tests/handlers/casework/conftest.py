"""Fixtures shared by the casework tests."""

from __future__ import annotations

import pytest

from handlers.commands import build_router
from handlers.core import Core
from handlers.messages import Role

SECOND = "terminal:local:officer-two"  # another officer, named on a restricted case
THIRD = "terminal:local:officer-three"  # an officer not named on it


@pytest.fixture
def team(engine, profile, clock):
    """A router whose profile has three officers (two by override) and the manager."""
    overrides = {SECOND: Role.OFFICER, THIRD: Role.OFFICER}
    return build_router(Core(engine=engine, profile=profile, clock=clock, role_overrides=overrides))
