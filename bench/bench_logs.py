"""Benchmark what cleaning every log record costs: records per second through the production handler, with and
without the redaction, for the lines the server really writes (a short message, bolt's `body: ...` line for a
forged request of 11.6 KB, SQLAlchemy's statement and row lines, an exception with its traceback).

    .venv/bin/python bench/bench_logs.py [--records 20000] [--format text|json]
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run as a plain script from anywhere

from bot.logs import remove_redaction, setup_logging  # noqa: E402

VIEW = {"state": {"values": {f"block_{i}": {"a": {"value": "Zephyrine Quackenbush " * 8}} for i in range(60)}}}
BODY = urllib.parse.urlencode({"payload": json.dumps({"type": "view_submission", "view": VIEW})})


def lines(log: logging.Logger):
    """One of each kind of line, logged once."""
    log.info("Slack request refused (401): stale or invalid Slack timestamp")
    log.info(f"Invalid request signature detected (signature: v0=abc, timestamp: 1, body: {BODY})")
    log.debug("SELECT case.id, case.reference FROM case WHERE case.reference = ?")
    log.debug("Row %r", (1, "CME-2026-0001", "Zephyrine"))
    try:
        raise ValueError("could not read Zephyrine")
    except ValueError:
        log.exception("turn failed")


def rate(count: int, fmt: str, *, redact: bool) -> float:
    """Records per second through the production handler (to memory)."""
    setup_logging("DEBUG", fmt, io.StringIO(), quiet_libraries=False)
    if not redact:
        remove_redaction()
    log = logging.getLogger("bench.logs")
    started = time.perf_counter()
    for _ in range(count // 5):
        lines(log)
    seconds = time.perf_counter() - started
    return count / seconds


def main() -> int:
    """Print records per second with and without cleaning, and the cost per record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args()
    print(f"bolt's body line is {len(BODY):,} characters", file=sys.stderr)
    plain = rate(args.records, args.format, redact=False)
    cleaned = rate(args.records, args.format, redact=True)
    remove_redaction()
    print(f"{args.format}: {plain:,.0f} records/s uncleaned, {cleaned:,.0f} records/s cleaned")
    print(f"cleaning costs {(1 / cleaned - 1 / plain) * 1e6:,.1f} µs a record on this mix")
    return 0


if __name__ == "__main__":
    sys.exit(main())
