"""The one place that builds the bot's parts from Settings (nothing is built at import time)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping

from bot.config import Settings
from bot.datakeys import load_keyring
from handlers.commands import build_router
from handlers.core import Core
from handlers.knowledge.calendar import missing_term_years
from handlers.messages import Role
from handlers.router import Router
from storage import crypto, key_checks
from storage.db import make_engine
from storage.migrate import upgrade
from storage.name_repair import forget_placeholder_names
from storage.rekey import needs_indexing, rotate
from storage.types import utcnow

log = logging.getLogger(__name__)


def build_core(settings: Settings, *, role_overrides: Mapping[str, Role] | None = None, migrate: bool = True) -> Core:
    """Load the profile, open the database (migrated to the newest schema) and bundle them."""
    profile = settings.load_profile()
    keyring = load_keyring(settings)
    crypto.install(keyring)  # before any row is read or written: the column types use it
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
        prove_keys(engine, keyring)
        _index_old_children(engine)
        _forget_placeholder_names(engine)
    today = utcnow().astimezone(profile.tz).date()
    missing = missing_term_years(profile, today, today + dt.timedelta(days=365))
    if missing:
        log.warning(
            "the profile has no term dates for %s: enquiry deadlines there count every weekday as a school day "
            "until they are added under term_dates",
            ", ".join(missing),
        )
    return Core(engine=engine, profile=profile, role_overrides=dict(role_overrides or {}))


def prove_keys(engine, keyring: crypto.Keyring) -> None:
    """Refuse to go on (DataKeyError naming the key id) unless every key opens its check; write new keys' checks."""
    try:
        proven = key_checks.ensure(engine, keyring)
    except crypto.DataKeyError:
        engine.dispose()  # the caller stops here: leave no connection (or SQLite lock) behind
        raise
    if proven.to_write:
        log.info("data key checks written for %s", ", ".join(proven.to_write))
    if proven.to_retire:
        log.warning("key id(s) %s no longer listed and no value uses them: checks retired", ", ".join(proven.to_retire))


def _index_old_children(engine) -> None:
    """Encrypt rows from before migration 0010 and make their blind indexes, so old children are found."""
    if not needs_indexing(engine):
        return
    log.warning("children from before encryption at rest: encrypting and indexing them (cme-bot keys rotate)")
    done = rotate(engine)
    log.warning("encrypted %d values and indexed %d children", done.changed, done.indexed)


def _forget_placeholder_names(engine) -> None:
    """Children stored with "Not known" as a name before it was refused: the placeholder is taken out."""
    mended = forget_placeholder_names(engine)
    if mended:
        log.warning("took the placeholder 'Not known' out of %d children's names (no name is recorded)", mended)


def build(settings: Settings, *, role_overrides: Mapping[str, Role] | None = None) -> tuple[Core, Router]:
    """The core and a router with every capability."""
    core = build_core(settings, role_overrides=role_overrides)
    return core, build_router(core)
