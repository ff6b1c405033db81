"""2,000 different people click a survey button within seconds, through Slack.

The bot's web process (its own process, SQLite) receives signed `block_actions` requests for
one survey posted with `/persona survey`; this process plays Slack (fake Web API on
127.0.0.1). Checks: every answer stored exactly once (the survey's n), every click acked,
and the live tally updated with at most one chat.update per second per message (the core
coalesces to one per 2 s; the clock flushes the last one). Prints figures; never fails.

    .venv/bin/python bench/bench_slack_votes.py [--voters 2000] [--concurrency 200] [--anonymous]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench.bench_slack_ack import SECRET, percentile, web_process  # noqa: E402
from tests.fakes.slack_api import FakeSlack, FakeSlackApi  # noqa: E402


async def run(voters: int, concurrency: int, anonymous: bool = False) -> None:
    api = await FakeSlackApi().start()
    async with web_process(api, BENCH_ANSWER_SECONDS="0") as (port, _):
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            slack = FakeSlack(f"http://127.0.0.1:{port}", SECRET, session, api=api)
            for _ in range(100):
                try:
                    await slack.command("help")
                    break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.1)
            flag = " --anonymous" if anonymous else ""
            await slack.command(
                f'survey maya "Is price still the #1 objection?" Yes | No | Maybe{flag}'
            )
            [post] = await api.wait_for("chat.postMessage", timeout=30)
            ts = f"1700000000.{1:06d}"
            buttons = [
                e
                for b in post["blocks"]
                if b["type"] == "actions"
                for e in b["elements"]
                if e["action_id"].startswith("survey.vote")
            ]
            survey_id = buttons[0]["value"].split(":")[0]
            gate = asyncio.Semaphore(concurrency)
            acks: list[float] = []

            async def vote(i: int) -> None:
                button = buttons[i % len(buttons)]
                async with gate:
                    start = time.perf_counter()
                    status, _, _ = await slack.click(
                        button["action_id"],
                        button["value"],
                        user=f"U{i:07d}",
                        message_ts=ts,
                        response_key=f"v{i}",
                    )
                    acks.append((time.perf_counter() - start) * 1000)
                    assert status == 200

            t0 = time.perf_counter()
            await asyncio.gather(*(vote(i) for i in range(voters)))
            wall = time.perf_counter() - t0
            deadline = time.monotonic() + 60

            def confirmations() -> int:
                return sum(1 for c in api.calls if c.method == "response_url" and c.key[:1] == "v")

            while confirmations() < voters and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)
            _, body, _ = await slack.command(f"survey results {survey_id}", response_key="res")
            n = re.search(r"n=(\d+)", body)
            updates = [c for c in api.calls if c.method == "chat.update" and c.args["ts"] == ts]
            per_second = Counter(int(c.at) for c in updates)
            kind = "anonymous" if anonymous else "open"
            print(f"{voters} voters, {concurrency} clicking at once, one {kind} survey message")
            print(
                f"clicks acked: {len(acks)} in {wall:.2f} s ({len(acks) / wall:.0f}/s); ack p50 "
                f"{statistics.median(acks):.0f} ms, p99 {percentile(acks, 99):.0f} ms"
            )
            print(f"private confirmations sent: {confirmations()} of {voters}")
            print(
                f"answers stored: {n.group(1) if n else '?'} of {voters} "
                "(from `survey results`, n is the number of distinct voters)"
            )
            most = max(per_second.values()) if per_second else 0
            print(
                f"live tally chat.update calls: {len(updates)}; most in any one second: {most} "
                "(goal: at most 1)"
            )
    await api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--anonymous", action="store_true", help="an anonymous survey")
    args = parser.parse_args()
    asyncio.run(run(args.voters, args.concurrency, args.anonymous))


if __name__ == "__main__":
    main()
