"""Where the bot's data keys come from: CME_DATA_KEYS, CME_DATA_KEY_FILE, or in development a file it makes.

Production (CME_ENV=production) refuses to start without a key. In development with a SQLite database
and no key, the bot makes a key file beside the database (cme-bot.db.keys, mode 0600) and says so
once: losing that file loses every child's details, so it is to be backed up apart from the database.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from storage import key_checks
from storage.crypto import (
    INDEX_KEY_ID,
    DataKeyError,
    Keyring,
    new_key_id,
    new_key_line,
    read_key_file,
    write_key_file,
)
from storage.db import make_engine

log = logging.getLogger(__name__)
KEY_FILE_SUFFIX = ".keys"


def load_keyring(settings: Settings) -> Keyring:
    """The data keys named by the settings; in development with SQLite, a key file made when there is none."""
    if settings.data_keys:
        return Keyring.parse(settings.data_keys)
    if settings.data_key_file:
        return read_key_file(settings.data_key_file)
    if settings.env.lower() == "production":
        raise DataKeyError(
            "CME_ENV=production and no data key: set CME_DATA_KEYS or CME_DATA_KEY_FILE "
            "(cme-bot keys new makes one); the bot does not start without one"
        )
    path = dev_key_path(settings.database_url)
    if path is None:
        if _in_memory(settings.database_url):  # a throwaway database: a throwaway key
            return Keyring.parse(f"{new_key_line(new_key_id())},{new_key_line(INDEX_KEY_ID)}")
        raise DataKeyError("no data key for this database: set CME_DATA_KEYS or CME_DATA_KEY_FILE (cme-bot keys new)")
    if not path.exists():
        _refuse_when_keyed(Path(make_url(settings.database_url).database), path)
        write_key_file(path)
        log.warning("made a data key at %s: back it up apart from the database (without it nothing can be read)", path)
    return read_key_file(path)


def _refuse_when_keyed(database: Path, path: Path) -> None:
    """A database already written with keys gets no new key file: a new key would open none of its data."""
    if not database.exists():
        return
    needed = keyed_by(f"sqlite:///{database}")
    if needed:
        raise DataKeyError(
            f"{database} was written with data key(s) {', '.join(needed)} and no key is set: put its key file back "
            f"at {path} (from where it was backed up) or set CME_DATA_KEYS; a new key would open none of its data"
        )


def keyed_by(database_url: str) -> list[str]:
    """The key ids a database's key checks and stored values name (read only; [] when it has none)."""
    engine = make_engine(database_url, prepare_file=False)
    try:
        return key_checks.ids_needed(engine)
    finally:
        engine.dispose()


def dev_key_path(database_url: str) -> Path | None:
    """The key file beside a SQLite database file (None for PostgreSQL or an in-memory database)."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or _in_memory(database_url):
        return None
    return Path(url.database + KEY_FILE_SUFFIX)


def _in_memory(database_url: str) -> bool:
    url = make_url(database_url)
    return url.drivername.startswith("sqlite") and url.database in (None, "", ":memory:")
