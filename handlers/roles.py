"""Who may do what: roles come from the profile (and, for the local terminal, the command line)."""

from __future__ import annotations

from collections.abc import Mapping

from handlers.knowledge.profile import Profile
from handlers.messages import Identity, Role


def role_of(identity: Identity, profile: Profile, overrides: Mapping[str, Role] | None = None) -> Role:
    """The person's role: an override first, then manager, then officer, else reporter."""
    if overrides and identity.key in overrides:
        return overrides[identity.key]
    if profile.matches_role(identity.key, "manager"):
        return Role.MANAGER
    if profile.matches_role(identity.key, "officer"):
        return Role.OFFICER
    return Role.REPORTER


def is_staff(role: Role) -> bool:
    """Officers and managers may see any case."""
    return role in (Role.OFFICER, Role.MANAGER)
