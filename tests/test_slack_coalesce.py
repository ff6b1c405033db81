"""Live tally updates: at most one chat.update per interval per message, newest content wins."""

from __future__ import annotations

import asyncio

from adapters.slack.coalesce import UpdateCoalescer


async def test_burst_sends_first_and_latest_only() -> None:
    sent: list[tuple[str, float]] = []
    loop = asyncio.get_running_loop()
    coalescer = UpdateCoalescer(interval=0.2)

    async def send(body: str) -> None:
        sent.append((body, loop.time()))

    await asyncio.gather(
        *(coalescer.update(("C1", "1.1"), f"tally {i}", send) for i in range(10)),
        coalescer.update(("C2", "2.2"), "other message", send),
    )
    assert [b for b, _ in sent if b != "other message"] == ["tally 0", "tally 9"]
    times = [t for b, t in sent if b.startswith("tally")]
    assert times[1] - times[0] >= 0.19  # never two updates of one message within the interval
    assert "other message" in [b for b, _ in sent]  # other messages are not held back


async def test_update_after_quiet_period_goes_out_at_once() -> None:
    sent: list[str] = []
    coalescer = UpdateCoalescer(interval=0.05)

    async def send(body: str) -> None:
        sent.append(body)

    await coalescer.update(("C1", "1.1"), "a", send)
    await asyncio.sleep(0.06)
    await coalescer.update(("C1", "1.1"), "b", send)
    assert sent == ["a", "b"]
