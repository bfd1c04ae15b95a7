"""The PostgreSQL half of `cme-bot backup` and `cme-bot restore`: pg_dump and pg_restore, run for you.

pg_dump reads one consistent snapshot while the bot keeps writing. Both tools get the URL's parts from
the environment (PGHOST, PGPORT, PGUSER, PGDATABASE) and its password, if any, from a temporary 0600
PGPASSFILE: never on the command line, where `ps` shows it to every user on the machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from bot.cli.backup import Refused, publish, say
from bot.preflight import known_revisions
from storage.db import make_engine, normalise_url

DUMP_MAGIC = b"PGDMP"
INSTALL = "install the PostgreSQL client (Debian/Ubuntu: apt install postgresql-client)"
# libpq settings a URL may carry in its query string, and the variable each one is read from.
QUERY_ENV = {"host": "PGHOST", "port": "PGPORT", "sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT"}


def is_postgres(database_url: str) -> bool:
    """True when CME_DATABASE_URL names a PostgreSQL database."""
    return make_url(normalise_url(database_url)).drivername.startswith("postgresql")


def shown(database_url: str) -> str:
    """The URL as it may be printed: the password masked."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=True)


def backup(database_url: str, out: Path) -> str:
    """pg_dump the database to `out` through a temporary file; returns the dump's schema revision."""
    url = make_url(normalise_url(database_url))
    pg_dump = _tool("pg_dump")
    server = _server_major(database_url)
    client = _major(pg_dump)
    if client < server:
        raise Refused(
            f"pg_dump is version {client} and the server {server}: pg_dump must be {server} or newer. "
            f"Install postgresql-client-{server} (apt.postgresql.org) and put its pg_dump first on PATH"
        )
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    # Made here, 0600, so the dump (pg_dump truncates it, keeping the mode) is never readable by others.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        say(f"dumping {shown(database_url)} with pg_dump {client}...")
        _run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}"], url, doing="pg_dump")
        revision = dump_revision(partial)
        publish(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return revision


def restore(database_url: str, source: Path, *, force: bool) -> str:
    """pg_restore a checked dump into the database; Refused (3) when it has data and `force` is not given."""
    url = make_url(normalise_url(database_url))
    if not source.is_file():
        raise Refused(f"{source} is not a file")
    with open(source, "rb") as handle:
        if handle.read(len(DUMP_MAGIC)) != DUMP_MAGIC:
            raise Refused(f"{source} is not a pg_dump custom-format file: give a file `cme-bot backup` wrote")
    if not url.database:
        raise Refused("CME_DATABASE_URL names no database to restore into")
    revision = dump_revision(source)
    if _has_data(database_url) and not force:
        raise Refused(f"{shown(database_url)} already has data: stop the server, back it up, then add --force", code=3)
    say(f"restoring {source} into {shown(database_url)}...")
    command = [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    _run([*command, f"--dbname={url.database}", str(source)], url, doing="pg_restore")
    return revision


def dump_revision(path: Path) -> str:
    """The cme-bot schema revision inside a custom-format dump; Refused when there is none or it is unknown."""
    listed = subprocess.run(
        [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        raise Refused(f"pg_restore can't read {path}: {_last_line(listed.stderr)}")
    revision = _copied_value(listed.stdout.splitlines(), table="alembic_version")
    if revision is None or revision not in known_revisions():
        what = "no cme-bot schema" if revision is None else f"schema {revision}, unknown to this version"
        raise Refused(f"{path} has {what}: give a file `cme-bot backup` wrote")
    return revision


def _copied_value(lines: list[str], *, table: str) -> str | None:
    """The first row of `table` in pg_restore's script (the line after its COPY ... FROM stdin)."""
    for number, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and table in line and lines[number + 1] != "\\.":
            return lines[number + 1]
    return None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise Refused(f"{name} is not installed here: {INSTALL}, at the server's major version or newer")
    return found


def _major(program: str) -> int:
    """The major version `program --version` reports ("pg_dump (PostgreSQL) 15.20 (Debian ...)" is 15)."""
    said = subprocess.run([program, "--version"], capture_output=True, text=True, check=False).stdout
    found = re.search(r"\)\s+(\d+)", said)
    if found is None:
        raise Refused(f"{program} --version said {said.strip()!r}, not a version: {INSTALL}")
    return int(found.group(1))


@contextmanager
def _connected(database_url: str) -> Iterator[sa.Connection]:
    """A connection to the database; Refused, naming the URL without its password, when it can't be reached."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            yield connection
    except sa.exc.OperationalError as exc:
        raise Refused(f"can't reach {shown(database_url)} ({type(exc.orig).__name__}): check CME_DATABASE_URL") from exc
    finally:
        engine.dispose()


def _server_major(database_url: str) -> int:
    with _connected(database_url) as connection:
        return connection.dialect.server_version_info[0]


def _has_data(database_url: str) -> bool:
    """True when any table in the database but Alembic's holds a row."""
    with _connected(database_url) as connection:
        tables = [t for t in sa.inspect(connection).get_table_names() if t != "alembic_version"]
        return any(connection.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first() for t in tables)


def _run(command: list[str], url: URL, *, doing: str) -> None:
    with _environment(url) as env:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in done.stderr.splitlines():
        say(f"{doing}: {line}")
    if done.returncode != 0:
        raise Refused(f"{doing} failed ({_last_line(done.stderr)}): nothing was replaced")


@contextmanager
def _environment(url: URL) -> Iterator[dict[str, str]]:
    """The process environment with the URL's parts as libpq variables, and the password in a 0600 file."""
    env = dict(os.environ)
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGDATABASE": url.database}
    parts.update({QUERY_ENV[k]: v for k, v in url.query.items() if k in QUERY_ENV and isinstance(v, str)})
    env.update({name: str(value) for name, value in parts.items() if value})
    if url.password is None:
        yield env  # libpq finds the password as usual (~/.pgpass, PGPASSFILE, PGPASSWORD)
        return
    with tempfile.TemporaryDirectory(prefix="cme-pgpass-") as folder:
        passfile = Path(folder) / "pgpass"
        escaped = str(url.password).replace("\\", "\\\\").replace(":", "\\:")
        passfile.touch(mode=0o600)
        passfile.write_text(f"*:*:*:*:{escaped}\n", encoding="utf-8")
        env.pop("PGPASSWORD", None)  # it would win over the file
        yield {**env, "PGPASSFILE": str(passfile)}


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no message"
