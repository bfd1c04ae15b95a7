#!/usr/bin/env bash
# Try the Teams bot with no tenant and no account: `cme-bot serve` (Teams auth off: local only) and the
# Microsoft 365 Agents Playground pointed at it. Open http://localhost:56150 in a browser and chat.
# Usage: bash tools/teams/playground.sh   (PORT=3978 PLAYGROUND_PORT=56150 to change ports)
set -euo pipefail
cd "$(dirname "$0")/../.."
PORT="${PORT:-3978}"
PLAYGROUND_PORT="${PLAYGROUND_PORT:-56150}"
[ -x .venv/bin/cme-bot ] || make install
[ -d tools/teams/node_modules/@microsoft/m365agentsplayground ] || npm ci --prefix tools/teams --no-audit --no-fund
export MicrosoftAppId="" MicrosoftAppPassword=""
.venv/bin/cme-bot serve --port "$PORT" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
TEAMSAPPTESTER_BROWSER="${TEAMSAPPTESTER_BROWSER:-none}" tools/teams/node_modules/.bin/agentsplayground \
  -e "http://127.0.0.1:$PORT/api/messages" -p "$PLAYGROUND_PORT" -c msteams --disable-telemetry
