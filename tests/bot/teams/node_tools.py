"""The npm tools the Teams tests use (tools/teams): found, or a skip (a failure when CME_REQUIRE_PLAYGROUND=1)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[3] / "tools" / "teams"
REQUIRE = os.environ.get("CME_REQUIRE_PLAYGROUND") == "1"
PACKAGES = ("@microsoft/app-manifest", "@microsoft/m365agentsplayground", "ajv-draft-04", "ajv-formats")


def require_node_tools() -> Path:
    """The tools folder with node and its node_modules installed; else skip, or fail when they are required."""
    missing = [] if shutil.which("node") else ["node"]
    missing += [p for p in PACKAGES if not (TOOLS / "node_modules" / p / "package.json").exists()]
    if missing:
        message = f"Teams npm tools missing ({', '.join(missing)}): run `npm ci --prefix tools/teams`"
        if REQUIRE:
            pytest.fail(message + " (CME_REQUIRE_PLAYGROUND=1 makes this a failure)", pytrace=False)
        pytest.skip(message)
    return TOOLS
