"""Shared helpers for the scheduling/survey tests: a fake answerer, a recording ChatAdapter,
a settable clock, and persona seeding."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import clock
from bot.answering.base import Answer, Reason
from bot.commands import Core, Registry
from bot.deps import Deps
from bot.features.survey_sweep import flush_tallies
from bot.messages import Address, Inbound, Reply
from bot.ports import DeliveryError
from bot.schedule import DEFAULT_GRACE
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import PersonaView
from tests.conftest import make_deps

CHANNEL = Address(platform="web", workspace="local", conversation_id="C-general")


def clock_jobs() -> clock.ClockJobs:
    """The clock's sweeps and ticks as the features register them."""
    from bot.features import build_registry

    return build_registry().clock


async def sweep_once(
    deps: Deps,
    adapters: Any,
    now: datetime | None = None,
    *,
    grace: timedelta = DEFAULT_GRACE,
) -> clock.SweepReport:
    """`bot.clock.sweep_once` with every feature's sweeps."""
    return await clock.sweep_once(deps, adapters, now, jobs=clock_jobs(), grace=grace)


__all__ = ["flush_tallies", "sweep_once"]


@dataclass
class FixedAnswerer:
    """Always answers with one stance; records the questions."""

    stance: str = "support"
    summary: str = "Yes, still true"
    name: str = "fixed"
    questions: list[str] = field(default_factory=list)

    async def answer(self, persona: PersonaView, question: str) -> Answer:
        self.questions.append(question)
        line = persona.lines[0]
        return Answer(
            persona_slug=persona.slug,
            stance=self.stance,  # type: ignore[arg-type]
            summary=self.summary,
            reasons=(Reason(line.text, (line.key,)),),
            confidence=0.7,
        )


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 20, 10, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now


@dataclass
class RecordingAdapter:
    """A ChatAdapter that records what it was asked to send/update. Conversations listed in
    `fail` raise DeliveryError (permanent unless listed in `transient`)."""

    platform: str = "web"
    sent: list[tuple[Address, Reply, str]] = field(default_factory=list)
    updated: list[tuple[Address, str, Reply]] = field(default_factory=list)
    fail: set[str] = field(default_factory=set)
    transient: set[str] = field(default_factory=set)

    async def send(self, address: Address, reply: Reply) -> str:
        if address.conversation_id in self.fail:
            raise DeliveryError("channel_not_found", permanent=True)
        if address.conversation_id in self.transient:
            raise DeliveryError("timeout", permanent=False)
        message_id = f"m{len(self.sent) + 1}"
        self.sent.append((address, reply, message_id))
        return message_id

    async def update(self, address: Address, message_id: str, reply: Reply) -> None:
        self.updated.append((address, message_id, reply))

    def texts_to(self, conversation_id: str) -> list[str]:
        return [r.text for a, r, _ in self.sent if a.conversation_id == conversation_id]


class KilledMidSend(RecordingAdapter):
    """A platform call that never returns: the clock process is killed while waiting on it,
    after the delivery was claimed and before it was finished."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = asyncio.Event()

    async def send(self, address: Address, reply: Reply) -> str:
        self.reached.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def kill_clock_mid_send(store: Store, now: datetime) -> None:
    """A sweep at `now` killed (SIGKILL: no error handler runs) in its first send."""
    dying = KilledMidSend()
    sweep = asyncio.create_task(sweep_once(deps_for(store, Clock(now)), [dying], now))
    await asyncio.wait_for(dying.reached.wait(), 10)
    sweep.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweep


class ClockKilled(BaseException):
    """The clock process killed (SIGKILL): not an Exception, so no error handler runs."""


@dataclass
class DyingDeps(Deps):
    """Deps of a clock killed right after its first store call named `die_after` returned:
    that call's transaction is committed, nothing after it runs."""

    die_after: str = ""

    async def db(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        result = await super().db(fn, *args, **kwargs)
        if getattr(fn, "__name__", "") == self.die_after:
            raise ClockKilled(self.die_after)
        return result


async def kill_clock_after(store: Store, now: datetime, step: str) -> None:
    """A sweep at `now` killed right after its first `step` store call (e.g. "close": the
    survey's close committed, nothing after it done)."""
    deps = deps_for(store, Clock(now))
    fields = {f.name: getattr(deps, f.name) for f in dataclasses.fields(deps) if f.init}
    dying = DyingDeps(**fields, die_after=step)
    try:
        await sweep_once(dying, [RecordingAdapter()], now)
    except ClockKilled:
        return
    raise AssertionError(f"the sweep at {now} never called {step}")


def seed(store: Store, name: str = "Maya Chen", kind: str = "primary", **extra: object) -> None:
    data: dict = {
        "name": name,
        "kind": kind,
        "role": "Operations manager",
        "quote": "I don't have time to babysit another tool.",
        "goals": ["Ship on time"],
        "pains": ["Price is the first objection", "Budget is approved once a year"],
        **extra,
    }
    store.upsert(store.default_workspace_id(), PersonaSpec.from_dict(data), author="test")


def deps_for(store: Store, clock: Clock | None = None, answerer: object | None = None) -> Deps:
    deps = make_deps(store, answerer or FixedAnswerer())  # type: ignore[arg-type]
    deps.now = clock or Clock()
    return deps


def core_with(deps: Deps, *modules: object) -> Core:
    registry = Registry()
    for module in modules:
        module.register(registry)  # type: ignore[attr-defined]
    return Core(deps, registry)


def command(text: str, user: str = "U1", address: Address = CHANNEL) -> Inbound:
    return Inbound(kind="command", text=text, user_id=user, address=address)


def click(action_id: str, value: str, user: str = "U1", address: Address = CHANNEL) -> Inbound:
    return Inbound(
        kind="action", text="", user_id=user, address=address, action_id=action_id, value=value
    )
