"""`cme-bot doctor`'s checks that need no channel: settings, profile, database, term dates, data keys.

Each check gives Findings (ok / warning / error, with the fix). Channel checks live in each channel's
folder (bot/slack/preflight.py, bot/teams/preflight.py) and are run from here for the channels in
CME_CHANNELS. Nothing here changes the database: the write check is rolled back, and nothing migrates.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import textwrap

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.channel_settings import KNOWN_CHANNELS, is_production, requested_channels, unknown_channels, why_not
from bot.config import Settings
from bot.datakeys import dev_key_path, load_keyring
from bot.findings import Finding, Status, error, ok, warning
from bot.reachability import check_reach
from handlers.knowledge.calendar import missing_term_years
from handlers.knowledge.profile import Profile, ProfileError
from storage import key_checks, rekey
from storage.crypto import DataKeyError
from storage.db import make_engine, sqlite_file
from storage.migrate import alembic_config
from storage.private_files import is_owner_only

CHANNEL_CHECKS = {"slack": "bot.slack.preflight", "teams": "bot.teams.preflight"}


def check_profile(settings: Settings) -> tuple[list[Finding], Profile | None]:
    """The local authority profile loads and validates."""
    try:
        profile = settings.load_profile()
    except ProfileError as exc:
        return [error("profile", str(exc), "correct the profile (CME_PROFILE) and run doctor again")], None
    return [ok("profile", f"{profile.name} ({settings.profile_path or 'bundled Bury profile'})")], profile


def check_database(engine: sa.Engine) -> list[Finding]:
    """The database answers, is at the newest migration, and takes a write (rolled back)."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:  # unreachable, wrong credentials, not a database
        fix = "check CME_DATABASE_URL and that the database server is running and reachable from here"
        return [error("database reachable", f"could not connect ({type(exc).__name__})", fix)]
    found = [ok("database reachable", engine.dialect.name)]
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    known = known_revisions()
    if current == head:
        found.append(ok("database migrated", f"at the newest schema ({head})"))
    elif current is None or current in known:
        fix = "start `cme-bot serve` once (it migrates at start), or restore a backup of this deployment"
        found.append(error("database migrated", f"at {current or 'no schema'}, newest is {head}", fix))
        if current is None:
            return found
    else:
        fix = "this database was migrated by a newer cme-bot: deploy that version, or restore an older backup"
        return [*found, error("database migrated", f"at an unknown revision {current}", fix)]
    return [*found, _check_writable(engine)]


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    return {script.revision for script in ScriptDirectory.from_config(alembic_config(None)).walk_revisions()}


def _check_writable(engine: sa.Engine) -> Finding:
    # A write that changes nothing, rolled back: fails on a read-only file, replica or role.
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
            connection.rollback()
    except Exception as exc:
        fix = "give the bot's database user write access (not a read replica; for SQLite a writable file and folder)"
        return error("database writable", f"a test write failed ({type(exc).__name__})", fix)
    return ok("database writable", "a test write succeeded (rolled back)")


def check_term_dates(profile: Profile, today: dt.date) -> list[Finding]:
    """Term dates for this school year (an error without) and the next (a warning without)."""
    next_year = today + dt.timedelta(days=366)
    this_missing = missing_term_years(profile, today, today)
    next_missing = [y for y in missing_term_years(profile, today, next_year) if y not in this_missing]
    fix = "add the school year under term_dates in the profile (the council's published term dates)"
    found = []
    if this_missing:
        found.append(error("term dates this year", f"none for {this_missing[0]}: deadlines count every weekday", fix))
    else:
        found.append(ok("term dates this year", "present"))
    if next_missing:
        found.append(warning("term dates next year", f"none for {next_missing[0]}", fix))
    else:
        found.append(ok("term dates next year", "present"))
    return found


def check_data_keys(settings: Settings) -> list[Finding]:
    """The data keys load (without making one, as `serve` does in development), and they are all still there."""
    fix = "set CME_DATA_KEYS or CME_DATA_KEY_FILE (`cme-bot keys new` makes a key)"
    try:
        if settings.data_keys or settings.data_key_file or is_production(settings):
            return [ok("data keys", f"loaded: {', '.join(load_keyring(settings).key_ids)}")]
        path = dev_key_path(settings.database_url)
        if path is None or not path.exists():
            detail = "none set: in development `serve` makes a key file beside a SQLite database"
            return [warning("data keys", detail, fix + "; production refuses to start without one")]
        return [ok("data keys", f"development key file {path}: back it up apart from the database")]
    except DataKeyError as exc:  # its message names key ids and the next step, never data
        return [error("data keys", str(exc), fix)]


def check_keys_in_use(settings: Settings, engine: sa.Engine) -> Finding:
    """Every key id the stored values and key checks name is set and opens its check; plain values are a warning."""
    try:
        dev_file = dev_key_path(settings.database_url)
        # load_keyring would make a development key file when there is none: doctor changes nothing.
        keys_set = settings.data_keys or settings.data_key_file or (dev_file is not None and dev_file.exists())
        keyring = load_keyring(settings) if keys_set else None
        used = rekey.status(engine)
        checked = key_checks.assess(engine, keyring)
    except Exception as exc:  # no keys (said above) or an unreadable table (the database checks say)
        return warning("data keys in use", f"not checked ({type(exc).__name__})", "fix the checks above first")
    ids = {kid for counts in used.values() for kid in counts if kid is not None} | set(checked.missing)
    missing = sorted(ids - set(keyring.key_ids if keyring is not None else []))
    plain = sum(counts[None] for counts in used.values())
    if checked.wrong:
        detail = f"key(s) {', '.join(checked.wrong)} do not open the values written with those ids: the key is wrong"
        return error("data keys in use", detail, "put the right key back under that id in CME_DATA_KEYS")
    if missing:
        if keyring is None:
            detail = f"values encrypted with key(s) {', '.join(missing)}, and no data key is set here"
            fix = "set CME_DATA_KEYS or CME_DATA_KEY_FILE to the keys it was written with (a backup holds none)"
            return error("data keys in use", detail, fix)
        fix = "put those keys back in CME_DATA_KEYS (a key is removed only after `cme-bot keys rotate`)"
        return error("data keys in use", f"values encrypted with key(s) {', '.join(missing)}, which are not set", fix)
    if plain:
        return warning("data keys in use", f"{plain} values not encrypted yet", "run `cme-bot keys rotate`")
    return ok("data keys in use", f"every stored value's key is set ({', '.join(sorted(ids)) or 'none stored yet'})")


def check_channels(settings: Settings) -> list[Finding]:
    """The names in CME_CHANNELS are channels, and each has the settings it needs to start."""
    found = [
        error("channels", f"'{name}' is not a channel", f"CME_CHANNELS may name {', '.join(KNOWN_CHANNELS)}")
        for name in unknown_channels(settings)
    ]
    for channel in requested_channels(settings):
        if channel in KNOWN_CHANNELS and (reason := why_not(channel, settings)):
            found.append(error(f"{channel} settings", reason, "set them where the server's environment is defined"))
    if not found:
        found.append(ok("channels", ", ".join(requested_channels(settings)) or "none requested"))
    return [_environment(settings), *found]


def _environment(settings: Settings) -> Finding:
    # "prod" or "live" would silently leave production's refusals (Teams without auth, missing settings) off.
    if is_production(settings):
        return ok("environment", "production: unsafe or missing settings stop the server")
    fix = f"set CME_ENV=production on the live server (it is '{settings.env}')"
    return warning("environment", "not production: missing channel settings and Teams without auth are allowed", fix)


def run_checks(settings: Settings, *, today: dt.date | None = None) -> list[Finding]:
    """Every check, in the order the table shows them; each runs whatever the others found."""
    found = check_channels(settings)
    profile_found, profile = check_profile(settings)
    found += profile_found
    if profile is not None:
        found += check_reach(settings, profile)
    database, engine = open_database(settings)
    found += database
    try:
        if engine is not None:
            database = check_database(engine)
            found += database
        if profile is not None:
            found += check_term_dates(profile, today or dt.datetime.now(profile.tz).date())
        found += check_data_keys(settings)
        if engine is not None and all(f.status is Status.OK for f in database):
            found.append(check_keys_in_use(settings, engine))
        for channel in (c for c in requested_channels(settings) if c in CHANNEL_CHECKS):
            module = importlib.import_module(CHANNEL_CHECKS[channel])
            found += asyncio.run(module.check(settings, profile, engine))
    finally:
        if engine is not None:
            engine.dispose()
    return found


def open_database(settings: Settings) -> tuple[list[Finding], sa.Engine | None]:
    """An engine that changes nothing: a SQLite file that is not there is reported, not made, nor tightened."""
    path = sqlite_file(settings.database_url)
    if path is None:
        return [], make_engine(settings.database_url)
    if not path.exists():
        fix = "start `cme-bot serve` once (it makes and migrates the database), or correct CME_DATABASE_URL"
        return [error("database reachable", f"no database file at {path.resolve()}", fix)], None
    found = []
    if not is_owner_only(path):
        fix = f"chmod 600 {path} (`cme-bot serve` does it at start): it holds every case"
        found.append(warning("database file", "other accounts on this machine can read it", fix))
    return found, make_engine(settings.database_url, prepare_file=False)


WIDTH = 100  # columns: a terminal, a ticket, an email
STATUS_WIDTH = len("warning")


def table(findings: list[Finding]) -> str:
    """The findings as plain text within WIDTH columns: status, check, what was found, then the fix below it."""
    check_width = min(max(len(f.check) for f in [*findings, Finding("CHECK", Status.OK, "")]), 26)
    indent = " " * (STATUS_WIDTH + check_width + 4)
    lines = [f"{'STATUS':<{STATUS_WIDTH}}  {'CHECK':<{check_width}}  FOUND (and the fix)"]
    for finding in findings:
        head = f"{finding.status.value:<{STATUS_WIDTH}}  {finding.check:<{check_width}}  "
        if len(head) > len(indent):  # a long check name: its finding starts on the next line
            lines.append(head.rstrip())
            head = indent
        lines += textwrap.wrap(finding.detail, WIDTH, initial_indent=head, subsequent_indent=indent) or [head]
        if finding.fix:
            lines += textwrap.wrap(f"fix: {finding.fix}", WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
    return "\n".join(line.rstrip() for line in lines)
