"""Ack latency of `/persona ask` under 100 concurrent signed requests, beside a bare
slack-bolt app that only acks, in the same run.

The web app (build_app + SlackAdapter: bolt's signature check, the SQLite store, the real
command core) runs in its own process on 127.0.0.1, as `serve` would; this process plays
Slack: it signs and sends the slash commands and runs the fake Web API that receives the
placeholders and answers. Two answerers: the default offline one, and one that takes 2 s
like an LLM. The baseline is a bare bolt AsyncApp (same signature check, same aiohttp
server) whose `/persona` listener only acks, measured in between, on the same machine in the
same minute. Goal: ack p99 at most 1.5x the bare app's. Also printed: when "Asking Maya…"
became visible (in the ack itself, or through the response_url). Prints figures; never fails.

    .venv/bin/python bench/bench_slack_ack.py [--requests 100] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from tests.fakes.slack_api import FakeSlack, FakeSlackApi  # noqa: E402

GOAL_RATIO = 1.5  # ack p99 / the bare bolt app's ack p99, same run
SECRET = "bench-signing-secret"
ANSWER_SECONDS = 2.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))
    return ordered[k]


# -- the web process ---------------------------------------------------------------------


def serve(db_url: str, api_url: str, port: int) -> None:
    from aiohttp import web

    from adapters.server import build_app
    from adapters.slack.app import SlackAdapter
    from bot.answering.base import Answer
    from bot.answering.offline import OfflineAnswerer
    from bot.commands import Core
    from bot.deps import Deps
    from bot.features import build_registry
    from bot.settings import Settings
    from bot.tasks import BackgroundTasks
    from persona_store import Store, create_engine_for, session_factory
    from persona_store.migrate import upgrade
    from persona_store.personas.spec import PersonaSpec

    class SlowAnswerer:
        name = "slow-llm"

        async def answer(self, persona, question):  # type: ignore[no-untyped-def]
            await asyncio.sleep(float(os.environ.get("BENCH_ANSWER_SECONDS", ANSWER_SECONDS)))
            return Answer(persona_slug=persona.slug, stance="mixed", summary="It depends")

    offline = os.environ.get("BENCH_ANSWER_SECONDS") == "0"

    from adapters.slack import flows

    if os.environ.get("BENCH_ACK_BUDGET"):  # to explore the trade-off
        flows.ACK_BUDGET_SECONDS = float(os.environ["BENCH_ACK_BUDGET"])
    if os.environ.get("BENCH_PREPARE_CONCURRENCY"):
        flows.PREPARE_CONCURRENCY = int(os.environ["BENCH_PREPARE_CONCURRENCY"])
    engine = create_engine_for(db_url)
    upgrade(engine)
    store = Store(session_factory(engine))
    spec = {"name": "Maya Chen", "goals": ["Ship on time"], "pains": ["Budget is fixed"]}
    store.upsert(store.default_workspace_id(), PersonaSpec.from_dict(spec), author="bench")
    settings = Settings(
        database_url=db_url,
        slack_signing_secret=SECRET,
        slack_bot_token="xoxb-bench",
        slack_api_url=api_url,
    )
    answerer = OfflineAnswerer() if offline else SlowAnswerer()
    deps = Deps(store=store, answerer=answerer, settings=settings)
    core = Core(deps, build_registry())
    tasks = BackgroundTasks()
    adapter = SlackAdapter.from_settings(settings, core, deps, tasks)
    assert adapter is not None
    adapter.flows.ack_budget = flows.ACK_BUDGET_SECONDS
    app = build_app(deps, core, [adapter], tasks)
    print("READY", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def serve_bare(api_url: str, port: int) -> None:
    """The baseline: a bare slack-bolt app on the same aiohttp server, acking only."""
    from aiohttp import web
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(token="xoxb-bench", base_url=api_url)
    bolt = AsyncApp(signing_secret=SECRET, client=client)

    @bolt.command("/persona")
    async def ack_only(ack):  # type: ignore[no-untyped-def]
        await ack()

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", handle)
    print("READY", flush=True)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# -- Slack's side ------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def web_process(
    api: FakeSlackApi, *, bare: bool = False, **env: str
) -> AsyncIterator[tuple[int, str]]:
    """The bot's web process (or the bare bolt app) on a free port (yields the port and
    its database URL)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        proc = subprocess.Popen(
            [
                sys.executable,
                os.environ.get("BENCH_SERVER_SCRIPT", __file__),
                "--serve-bare" if bare else "--serve",
                db_url,
                api.api_url,
                str(port),
            ],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, **env},
        )
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
            yield port, db_url
        finally:
            proc.terminate()
            proc.wait(timeout=30)


@dataclass
class Round:
    acks: list[float]
    shown: list[float]

    @property
    def p99(self) -> float:
        return percentile(self.acks, 99)


async def run(requests: int, rounds: int) -> None:
    api = await FakeSlackApi().start()
    print(f"/persona ask, {requests} concurrent signed requests, {rounds} rounds each")
    for r in range(1, rounds + 1):
        for label, seconds in (("offline answerer", "0"), (f"{ANSWER_SECONDS:g} s answerer", "")):
            async with web_process(api, bare=True) as (port, _):
                bare = await measure(api, port, requests, f"bare{r}{seconds}", "")
            env = {"BENCH_ANSWER_SECONDS": seconds} if seconds else {}
            async with web_process(api, **env) as (port, _):
                ours = await measure(api, port, requests, f"bot{r}{seconds}", "Asking Maya")
                await asyncio.sleep(float(seconds or ANSWER_SECONDS) + 1)
            ratio = ours.p99 / bare.p99
            verdict = "met" if ratio <= GOAL_RATIO else "OVER GOAL"
            print(
                f"round {r}, {label}:\n"
                f"  bare bolt ack  p50 {statistics.median(bare.acks):5.0f} ms"
                f"  p99 {bare.p99:5.0f} ms  max {max(bare.acks):5.0f} ms\n"
                f"  persona bot    p50 {statistics.median(ours.acks):5.0f} ms"
                f"  p99 {ours.p99:5.0f} ms  max {max(ours.acks):5.0f} ms"
                f"  -> p99 ratio {ratio:.2f} (goal <= {GOAL_RATIO}: {verdict})\n"
                f"  'Asking Maya…' visible p50 {statistics.median(ours.shown):5.0f} ms"
                f"  p99 {percentile(ours.shown, 99):5.0f} ms",
                flush=True,
            )
    answers = [c for c in api.calls if c.method == "response_url" and "Maya" in str(c.args)]
    replaced = sum(1 for c in answers if c.args.get("replace_original") is True)
    print(f"answers that replaced their placeholder: {replaced} of {requests * rounds * 2}")
    await api.stop()


async def measure(api: FakeSlackApi, port: int, requests: int, tag: str, placeholder: str) -> Round:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        slack = FakeSlack(f"http://127.0.0.1:{port}", SECRET, session, api=api)
        for _ in range(100):  # wait for the server, then warm up (auth.test, first queries)
            try:
                await slack.command("help")
                break
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.1)
        acks: list[float] = []
        shown: list[float] = []  # until "Asking Maya…" is visible, in the ack or after

        async def one(i: int) -> None:
            key = f"{tag}-{i}"
            start = time.perf_counter()
            status, body, _ = await slack.command(
                f"ask maya Should we raise prices {i}%?", response_key=key
            )
            acked = time.perf_counter()
            acks.append((acked - start) * 1000)
            assert status == 200, (status, body)
            if not placeholder:
                return
            if placeholder in body:
                shown.append((acked - start) * 1000)
                return
            while not (got := [c for c in api.calls if c.key == key]):
                await asyncio.sleep(0.005)
            shown.append((got[0].at - start) * 1000)

        await asyncio.gather(*(one(i) for i in range(requests)))
        return Round(acks, shown)


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--serve-bare":
        serve_bare(sys.argv[3], int(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.requests, args.rounds))


if __name__ == "__main__":
    main()
