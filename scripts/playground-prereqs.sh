#!/usr/bin/env bash
# Microsoft 365 Agents Playground (a local Teams emulator) for tests/test_teams_playground.py,
# installed into the project (.playground/, git-ignored), never globally. Needs Node.js >= 18.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="0.2.28"
BIN=".playground/node_modules/.bin/agentsplayground"

if ! command -v npm >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Node.js and npm for the Agents Playground test..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "The Teams playground test needs npm (Node.js >= 18): sudo apt-get install nodejs npm" >&2
    exit 1
  fi
fi

installed="$(node -p "require('./.playground/node_modules/@microsoft/m365agentsplayground/package.json').version" 2>/dev/null || true)"
if [ ! -x "$BIN" ] || [ "$installed" != "$VERSION" ]; then
  echo "Installing @microsoft/m365agentsplayground@$VERSION into .playground/ ..."
  npm install --no-audit --no-fund --loglevel=error --prefix .playground \
    "@microsoft/m365agentsplayground@$VERSION"
fi
