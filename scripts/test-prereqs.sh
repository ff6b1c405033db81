#!/usr/bin/env bash
# What the test suite needs beyond Python packages: Debian's Chromium (browser tests) and
# PostgreSQL on 127.0.0.1:5432 (store tests run on SQLite and PostgreSQL). Installs/starts
# them when this machine allows it (root on Debian), otherwise says what is missing.
set -euo pipefail

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need /usr/bin/chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi

pg_ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
if ! pg_ready; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL..."
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
  pg_ready || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
fi
psql -h 127.0.0.1 -U postgres -d test -c 'select 1' >/dev/null 2>&1 \
  || psql -h 127.0.0.1 -U postgres -c 'create database test' >/dev/null 2>&1 || true

if [ -f scripts/playground-prereqs.sh ]; then
  bash scripts/playground-prereqs.sh
fi
