"""`cme-bot backup --out FILE` and `cme-bot restore --from FILE` for the SQLite database.

The backup uses SQLite's online backup API in one step: it reads one consistent snapshot while the bot
keeps writing (WAL: readers don't block writers). Copied page by page instead, any write by the server
between two steps would restart the copy, and a busy bot could keep it from ever finishing. The copy is
checked (integrity_check), set to a single self-contained file (no -wal), then renamed into place.
PostgreSQL: bot/cli/pg_backup.py runs pg_dump and pg_restore with the same options and checks.
Exit codes: 0 done, 1 restored but a check failed, 2 bad input (unknown schema, file exists, no pg_dump),
3 refused (the target has data).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.config import Settings
from bot.preflight import Finding, Status, check_database, check_keys_in_use, known_revisions
from storage.db import make_engine, normalise_url
from storage.migrate import upgrade

SQLITE_MAGIC = b"SQLite format 3\x00"


class Refused(Exception):
    """What the command won't do, with the exit code and a message naming the next step."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def register(sub: argparse._SubParsersAction) -> None:
    """Add `backup` and `restore`."""
    backup = sub.add_parser("backup", help="copy the database while the bot runs (PostgreSQL: runs pg_dump)")
    backup.add_argument("--out", type=Path, required=True, help="the backup file to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    backup.set_defaults(func=run_backup)
    restore = sub.add_parser("restore", help="replace the database with a backup (stop the server first)")
    restore.add_argument("--from", dest="source", type=Path, required=True, help="a file `cme-bot backup` wrote")
    restore.add_argument("--force", action="store_true", help="replace a database that already has data")
    restore.set_defaults(func=run_restore)


def say(text: str) -> None:
    """A progress or refusal line on stderr (stdout carries only the result)."""
    sys.stderr.write(f"{text}\n")


def sqlite_path(database_url: str) -> Path:
    """The SQLite file behind CME_DATABASE_URL; Refused when it is not SQLite or names no file."""
    url = make_url(normalise_url(database_url))
    if not url.drivername.startswith("sqlite"):
        raise Refused(f"CME_DATABASE_URL is {url.drivername}: backup and restore know SQLite and PostgreSQL")
    if not url.database or url.database == ":memory:":
        raise Refused("CME_DATABASE_URL names no SQLite file")
    return Path(url.database)


def run_backup(args: argparse.Namespace) -> int:
    """Copy the live database to --out."""
    # pg_backup imports Refused from here, so it is imported when it is needed.
    from bot.cli import pg_backup

    database_url = Settings().database_url
    try:
        if args.out.exists() and not args.force:
            raise Refused(f"{args.out} exists: choose another file, or add --force to replace it")
        if pg_backup.is_postgres(database_url):
            revision = pg_backup.backup(database_url, args.out)
        else:
            source = sqlite_path(database_url)
            if not source.exists():
                raise Refused(f"{source} does not exist: check CME_DATABASE_URL")
            revision = backup(source, args.out)
    except Refused as refused:
        say(f"cme-bot backup: {refused}")
        return refused.code
    print(f"{args.out}: {args.out.stat().st_size} bytes, schema {revision}")
    return 0


def backup(source: Path, out: Path) -> str:
    """Copy `source` to `out` through a checked temporary file; returns the copy's schema revision."""
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with closing(_read_only(source)) as src, closing(sqlite3.connect(partial)) as dst:
            pages = src.execute("PRAGMA page_count").fetchone()[0]
            say(f"copying {pages} pages from {source}...")
            src.backup(dst, pages=-1, progress=lambda _s, left, total: say(f"copied {total - left}/{total} pages"))
            revision = _checked(dst, out)
            dst.execute("PRAGMA journal_mode=DELETE")  # one file: the backup needs no -wal beside it
        publish(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def publish(partial: Path, out: Path) -> None:
    """Put a finished copy in place: on disk first, then renamed in one step (a crash leaves no half file)."""
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, out)


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _checked(connection: sqlite3.Connection, path: Path) -> str:
    """The database's schema revision, after its integrity check; Refused when it is damaged or unknown."""
    if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
        raise Refused(f"{path} failed SQLite's integrity check: do not restore it")
    try:
        revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        revision = None
    if revision is None or revision[0] not in known_revisions():
        what = "no cme-bot schema" if revision is None else f"schema {revision[0]}, unknown to this version"
        raise Refused(f"{path} has {what}: give a file `cme-bot backup` wrote")
    return revision[0]


def run_restore(args: argparse.Namespace) -> int:
    """Replace the database with --from, migrate it to this version's schema, and check it."""
    from bot.cli import pg_backup

    settings = Settings()
    try:
        if pg_backup.is_postgres(settings.database_url):
            restored = pg_backup.restore(settings.database_url, args.source, force=args.force)
            target_url, where = settings.database_url, pg_backup.shown(settings.database_url)
        else:
            target = sqlite_path(settings.database_url)
            restored = restore(args.source, target, force=args.force)
            target_url, where = f"sqlite:///{target}", str(target)
    except Refused as refused:
        say(f"cme-bot restore: {refused}")
        return refused.code
    problems = _check_restored(settings, target_url)
    for finding in problems:
        say(f"cme-bot restore: {finding.check}: {finding.detail}. {finding.fix}")
    print(f"restored {args.source} (schema {restored}) into {where}")
    return 1 if problems else 0


def _check_restored(settings: Settings, target_url: str) -> list[Finding]:
    """Migrate the restored database to this version's schema; what doctor's database and key checks find."""
    engine = make_engine(target_url)
    try:
        upgrade(engine)  # a backup from an older version gets this version's schema
        # The keys are not in the backup: say now if the copy holds values no key set here can read.
        found = [*check_database(engine), check_keys_in_use(settings, engine)]
        return [f for f in found if f.status is not Status.OK]
    finally:
        engine.dispose()


def restore(source: Path, target: Path, *, force: bool) -> str:
    """Copy a checked backup over `target`; Refused (3) when the target has data and `force` is not given."""
    if not source.is_file():
        raise Refused(f"{source} is not a file")
    with open(source, "rb") as handle:
        if handle.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise Refused(f"{source} is not an SQLite database: give a file `cme-bot backup` wrote")
    with closing(_read_only(source)) as src:
        revision = _checked(src, source)
        if target.exists() and _has_data(target) and not force:
            raise Refused(f"{target} already has data: stop the server, back it up, then add --force", code=3)
        say(f"restoring {source} into {target}...")
        with closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
    return revision


def _has_data(path: Path) -> bool:
    """True when any table but Alembic's holds a row."""
    with closing(_read_only(path)) as connection:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return any(
            connection.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone()
            for name in tables
            if name != "alembic_version" and not name.startswith("sqlite_")
        )
