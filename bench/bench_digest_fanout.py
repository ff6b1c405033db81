"""Digest fan-out: one clock sweep posting the persona of the week to 1,000 Slack channels
through the real SlackAdapter (slack_sdk) and the fake Slack Web API on 127.0.0.1, which
enforces Slack's chat.postMessage limit of about 1 message per second per channel (429 with
Retry-After) and answers after a small network delay.

Printed: total time, messages per second, every channel delivered exactly once, how many
429s were seen (goal: no 429 storm), and that a second sweep posts nothing.
Prints figures; never fails.

    .venv/bin/python bench/bench_digest_fanout.py [--channels 1000] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp import web  # noqa: E402

from adapters.slack.app import SlackAdapter  # noqa: E402
from bot.answering.offline import OfflineAnswerer  # noqa: E402
from bot.commands import Core  # noqa: E402
from bot.deps import Deps  # noqa: E402
from bot.features import build_registry  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.tasks import BackgroundTasks  # noqa: E402
from persona_store import Store, create_engine_for, session_factory  # noqa: E402
from persona_store.migrate import upgrade  # noqa: E402
from persona_store.personas.spec import PersonaSpec  # noqa: E402
from persona_store.scheduling.schedules import DigestStore  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi  # noqa: E402
from tests.sched_helpers import sweep_once  # noqa: E402


class RateLimitedSlack(FakeSlackApi):
    """chat.postMessage: at most one message per channel per second, else 429."""

    latency: float = 0.02
    last_post: dict[str, float]
    limited: int = 0

    async def _api(self, request: web.Request) -> web.Response:
        await asyncio.sleep(self.latency)
        if request.match_info["method"] == "chat.postMessage":
            args = await self._args(request)
            channel = str(args.get("channel"))
            now = time.monotonic()
            if now - self.last_post.get(channel, -10.0) < 1.0:
                self.limited += 1
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "1"}
                )
            self.last_post[channel] = now
        return await super()._api(request)


async def run(channels: int, latency: float) -> None:
    logging.disable(logging.WARNING)
    fake = RateLimitedSlack()
    fake.latency = latency
    fake.last_post = {}
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine_for(f"sqlite:///{tmp}/fanout.db")
        upgrade(engine)
        store = Store(session_factory(engine))
        ws = store.workspace_id("slack", fake.team_id)
        for name, kind in (("Maya Chen", "primary"), ("Sam Ortiz", "secondary")):
            spec = {"name": name, "kind": kind, "pains": ["Price is the first objection"]}
            store.upsert(ws, PersonaSpec.from_dict(spec), author="bench")
        now = datetime(2026, 11, 23, 8, 0, 5, tzinfo=UTC)
        DigestStore.of(store).bulk_subscribe(
            ws,
            [
                {
                    "platform": "slack",
                    "ext_workspace": fake.team_id,
                    "conversation_id": f"C{i:05d}",
                    "cron": "0 9 * * mon",
                    "timezone": "Europe/Berlin",
                    "next_run_at": datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
                }
                for i in range(channels)
            ],
        )
        settings = Settings(database_url=f"sqlite:///{tmp}/fanout.db")
        deps = Deps(store=store, answerer=OfflineAnswerer(), settings=settings)
        deps.now = lambda: now
        core = Core(deps, build_registry())
        tasks = BackgroundTasks()
        adapter = SlackAdapter(
            core, deps, tasks, signing_secret="bench", token="xoxb-bench", api_url=fake.api_url
        )
        start = time.perf_counter()
        report = await sweep_once(deps, {"slack": adapter}, now)
        elapsed = time.perf_counter() - start
        again = await sweep_once(deps, {"slack": adapter}, now)
        per_channel = Counter(str(a.get("channel")) for a in fake.of("chat.postMessage"))
        once = len(per_channel) == channels and set(per_channel.values()) == {1}
        print(
            f"{channels:,} channels, {latency * 1000:.0f} ms API latency: sweep {elapsed:.1f} s "
            f"= {channels / elapsed:.0f} posts/s; posted {len(report.posted):,}, failed "
            f"{len(report.failed)}; every channel exactly once: {once}; 429s: {fake.limited}; "
            f"second sweep posted {len(again.posted)}"
        )
        await adapter.close()
        engine.dispose()
    await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    args = parser.parse_args()
    asyncio.run(run(args.channels, args.latency_ms / 1000))


if __name__ == "__main__":
    main()
