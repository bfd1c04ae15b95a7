"""`cme-bot keys`: make a data key, re-encrypt everything with the newest one, and count values per key id.

Rotating: put a new key first in CME_DATA_KEYS (or the key file: `cme-bot keys new --file PATH`), keep
the old ones listed, run `cme-bot keys rotate`; when `cme-bot keys status` shows nothing on an old
key, remove it. A rotation killed halfway is finished by running it again (rows already on the
newest key are skipped); every value stays readable meanwhile. The blind-index key ("index") is never
rotated: every blind index would have to be rebuilt.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.config import Settings
from bot.datakeys import load_keyring
from bot.wiring import prove_keys
from storage import crypto, key_checks
from storage.db import make_engine
from storage.migrate import upgrade
from storage.private_files import create_owner_only
from storage.rekey import BATCH, Progress, rotate, status


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `keys` subcommand (new, rotate, status)."""
    parser = subparsers.add_parser("keys", help="data keys: make one, re-encrypt with the newest, count per key")
    sub = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    new = sub.add_parser("new", help="print a new 'ID:KEY' line (newest first in CME_DATA_KEYS), or add it to a file")
    new.add_argument("--id", help="the key id (default: k and 8 random hex digits)")
    new.add_argument("--index", action="store_true", help="the blind-index key (id 'index'; made once, never rotated)")
    new.add_argument("--file", type=Path, help="put the key first in this key file (made with an index key if new)")
    new.set_defaults(func=run_new)
    again = sub.add_parser("rotate", help="re-encrypt every value with the newest key, in batches (resumable)")
    again.add_argument("--batch", type=int, default=BATCH, help=f"rows per transaction (default {BATCH})")
    again.set_defaults(func=run_rotate)
    count = sub.add_parser("status", help="how many stored values each key id encrypted (plain: not yet encrypted)")
    count.set_defaults(func=run_status)


def run_new(args: argparse.Namespace) -> int:
    """Print a new key line, or put it first in a key file."""
    kid = crypto.INDEX_KEY_ID if args.index else (args.id or crypto.new_key_id())
    line = crypto.new_key_line(kid)
    if args.file is None:
        print(line)
        return 0
    if not args.file.exists():
        crypto.write_key_file(args.file)
        print(f"made the key file {args.file} (a data key and the index key): back it up", file=sys.stderr)
        return 0
    if args.index:
        print("cme-bot: the index key is made once with the file; it is never replaced", file=sys.stderr)
        return 2
    _prepend(args.file, line)
    print(f"added data key '{kid}' first in {args.file}; now run: cme-bot keys rotate", file=sys.stderr)
    return 0


def _prepend(path: Path, line: str) -> None:
    """Put `line` first in the key file, replacing the file whole (a crash leaves the old one)."""
    crypto.read_key_file(path)  # refuse to add to a file that is not a key file
    text = path.read_text(encoding="utf-8")
    create_owner_only(path, (line + "\n" + text).encode("utf-8"), replace=True)


def _engine(settings: Settings, *, prove: bool = True):
    keyring = load_keyring(settings)
    crypto.install(keyring)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if prove:  # rotate: no value is written with a key that is not proven
        prove_keys(engine, keyring)
    return engine


def run_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt with the newest key and index old children, showing progress on stderr."""
    if args.batch < 1:
        print("cme-bot: --batch is a number of rows, 1 or more (for example --batch 500)", file=sys.stderr)
        return 2
    engine = _engine(Settings())
    newest = crypto.current().newest_id

    def show(done: Progress) -> None:
        print(
            f"{done.table}: {done.rows} rows read, {done.changed} re-encrypted, {done.indexed} indexed", file=sys.stderr
        )

    total = rotate(engine, batch=args.batch, progress=show)
    engine.dispose()
    print(f"done: {total.changed} values moved to key '{newest}', {total.indexed} children indexed, {total.rows} rows")
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Values per key id per table; exit 1 when a key is wrong or a value's key is not listed (it can't be read)."""
    engine = _engine(Settings(), prove=False)  # it says what is wrong rather than refusing
    known = set(crypto.current().key_ids)
    counts = status(engine)
    checked = key_checks.assess(engine, crypto.current())
    engine.dispose()
    missing: set[str] = set()
    for table, counter in counts.items():
        parts = [f"{kid or 'plain'}={count}" for kid, count in sorted(counter.items(), key=lambda kv: kv[0] or "")]
        print(f"{table}: {', '.join(parts) or 'empty'}")
        missing |= {kid for kid in counter if kid is not None and kid not in known}
    print(f"newest key: {crypto.current().newest_id}")
    for line in checked.messages():
        print(f"cme-bot: {line}", file=sys.stderr)
    if missing:
        print(f"cme-bot: values on keys not listed (unreadable): {', '.join(sorted(missing))}", file=sys.stderr)
    if missing or not checked.sound:
        return 1
    print(f"key checks: every listed key opens its check or a value stored with it ({', '.join(checked.proven)})")
    if checked.to_write:
        print(f"key checks to write at the next start: {', '.join(checked.to_write)}")
    return 0
