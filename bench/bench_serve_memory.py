"""`persona-bot serve` idle memory: start the real web process on embedded defaults (SQLite,
offline answerer, sample personas), let it answer a few requests, then read its RSS.

Goal: < 150 MB RSS. Prints figures; never fails on them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

GOAL_MB = 150


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.db",
            "PORT": str(port),
        }
        for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "SLACK_BOT_TOKEN", "MICROSOFT_APP_ID"):
            env.pop(key, None)
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--port", str(port)],
            cwd=tmp,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
                    break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise SystemExit("serve did not start") from None
                    time.sleep(0.2)
            started = rss_mb(proc.pid)
            for path in ("/", "/personas", "/personas/maya", "/healthz"):
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(base + path, timeout=10).read()
            time.sleep(1)
            idle = rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"serve RSS after start: {started:.1f} MB")
    print(f"serve RSS idle after a few requests: {idle:.1f} MB (goal < {GOAL_MB} MB)")
    print(f"ratio to goal: {idle / GOAL_MB:.2f}")


if __name__ == "__main__":
    main()
