"""Command registry and dispatch.

Features register commands (`/persona ask …`, typed text in Teams, the playground box) and
actions (button clicks, by `action_id`) on a `Registry`. `Core.prepare` matches one
`Inbound` once (a `Turn`, with its placeholder), `Core.execute` runs its handler and returns
the `Reply` objects to send; `bot/turn.py` runs a whole turn for the adapters.

Dispatch order (documented, like python-telegram-bot's):
1. `action` inbounds go to the action whose id equals `action_id` or is its prefix up to ':'
   (`survey.vote:42` -> `survey.vote`).
2. Text is stripped of a leading `/persona`, then matched against natural phrasings
   ("what would Maya think about …?"), then against the first word (command name or alias).
3. Then fallbacks, which may read the store: "Does Sam care about shortcuts?" names a
   persona, so it is an `ask`.
4. Anything else gets a short hint pointing at `help`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from bot.answering.critique import MAX_TEXT_CHARS
from bot.clock import ClockJobs
from bot.deps import Deps
from bot.messages import Address, Inbound, Reply, error_reply
from persona_store.suggest import close_matches

log = logging.getLogger(__name__)

COMMAND_WORDS_CHARS = 200  # room for "critique maya-the-manager " before a text
MAX_INPUT_CHARS = MAX_TEXT_CHARS + COMMAND_WORDS_CHARS  # the text's own limit is checked later
PASTED_TEXT_CHARS = 120  # unknown text this long is a pasted text, not a mistyped command
SENTENCE_WORDS = 6  # unknown text of this many words is a statement, not a mistyped command


def reads_like_a_sentence(text: str) -> bool:
    """A statement ("Team, we plan to drop the free tier.") rather than `lsit` or `show mya`:
    several words ending like a sentence, or many words."""
    words = len(text.split())
    return words >= SENTENCE_WORDS or (words >= 3 and text.rstrip()[-1:] in ".!")


@dataclass(frozen=True)
class Context:
    """What a handler gets: the inbound, the text after the command name, and deps."""

    inbound: Inbound
    args: str
    deps: Deps
    workspace_id: int
    command: str = ""
    # what the placeholder step found (the resolved persona), so the handler of the same
    # turn does not look it up again
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def user_id(self) -> str:
        return self.inbound.user_id

    @property
    def author(self) -> str:
        return f"{self.inbound.address.platform}:{self.inbound.user_id}"


def _no_nul(text: str) -> str:
    return text.replace("\x00", "")


def without_nul(inbound: Inbound) -> Inbound:
    """What a person sent, without NUL characters: PostgreSQL refuses them in text (SQLite
    keeps them) and no chat message needs one, so they go before any feature stores what
    was typed, filled in or quoted."""
    quoted = inbound.quoted
    return replace(
        inbound,
        text=_no_nul(inbound.text),
        value=None if inbound.value is None else _no_nul(inbound.value),
        user_name=None if inbound.user_name is None else _no_nul(inbound.user_name),
        fields=tuple((name, _no_nul(value)) for name, value in inbound.fields),
        quoted=None if quoted is None else replace(quoted, text=_no_nul(quoted.text)),
    )


HandlerResult = Reply | list[Reply]
Handler = Callable[[Context], Awaitable[HandlerResult]]
Progress = Callable[[Context], Awaitable[Reply | None]]
# Called after an adapter posted a Reply carrying `track=Track(KIND, REF)` (a survey):
# (deps, workspace_id, ref, address, message_id). Lets features remember platform message ids.
PostedHook = Callable[[Deps, int, str, Address, str], Awaitable[None]]
# Text no command or phrase matched: (text, deps, workspace_id) -> the command's args, or None.
Fallback = Callable[[str, Deps, int], Awaitable[str | None]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    summary: str
    usage: str
    examples: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    # For slow commands (LLM answers) adapters show this placeholder at once, then replace it.
    progress: Progress | None = None
    hidden: bool = False


@dataclass(frozen=True)
class ActionSpec:
    action_id: str
    handler: Handler
    progress: Progress | None = None
    # A click whose stored traces must not tell it apart (an anonymous vote): adapters
    # de-duplicate it by a blinded key and keep no time or text of it.
    private: bool = False


@dataclass(frozen=True)
class Phrase:
    """A natural-language pattern; its named groups become `args` (joined by a tab)."""

    pattern: re.Pattern[str]
    command: str


@dataclass
class Registry:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    actions: dict[str, ActionSpec] = field(default_factory=dict)
    phrases: list[Phrase] = field(default_factory=list)
    posted_hooks: dict[str, PostedHook] = field(default_factory=dict)
    fallbacks: list[tuple[Fallback, str]] = field(default_factory=list)
    clock: ClockJobs = field(default_factory=ClockJobs)  # sweeps and ticks of the clock

    def command(
        self,
        name: str,
        *,
        summary: str,
        usage: str,
        examples: tuple[str, ...] = (),
        aliases: tuple[str, ...] = (),
        progress: Progress | None = None,
        hidden: bool = False,
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            for key in (name, *aliases):
                if key in self.commands or key in self.aliases:
                    raise ValueError(f"command {key!r} is registered twice")
            self.commands[name] = CommandSpec(
                name, fn, summary, usage, examples, aliases, progress, hidden
            )
            for alias in aliases:
                self.aliases[alias] = name
            return fn

        return decorate

    def action(
        self, action_id: str, *, progress: Progress | None = None, private: bool = False
    ) -> Callable[[Handler], Handler]:
        def decorate(fn: Handler) -> Handler:
            if action_id in self.actions:
                raise ValueError(f"action {action_id!r} is registered twice")
            self.actions[action_id] = ActionSpec(action_id, fn, progress, private)
            return fn

        return decorate

    def on_posted(self, kind: str) -> Callable[[PostedHook], PostedHook]:
        def decorate(fn: PostedHook) -> PostedHook:
            if kind in self.posted_hooks:
                raise ValueError(f"posted hook {kind!r} is registered twice")
            self.posted_hooks[kind] = fn
            return fn

        return decorate

    def fallback(self, command: str) -> Callable[[Fallback], Fallback]:
        """Try `fn` on text nothing else matched; its non-None result is `command`'s args."""

        def decorate(fn: Fallback) -> Fallback:
            self.fallbacks.append((fn, command))
            return fn

        return decorate

    def phrase(self, pattern: str, command: str) -> None:
        self.phrases.append(Phrase(re.compile(pattern, re.IGNORECASE | re.DOTALL), command))

    def find_command(self, name: str) -> CommandSpec | None:
        name = name.lower()
        return self.commands.get(self.aliases.get(name, name))

    def close_command(self, word: str) -> str | None:
        """The visible command a typo like `lsit` most likely meant ("did you mean")."""
        names = [n for n, spec in self.commands.items() if not spec.hidden]
        close = close_matches(word, names, n=1)
        return close[0] if close else None

    def find_action(self, action_id: str) -> ActionSpec | None:
        return self.actions.get(action_id) or self.actions.get(action_id.split(":", 1)[0])

    def parse(self, text: str) -> tuple[CommandSpec, str] | None:
        """Match typed text to (command, args). None when nothing matches."""
        text = strip_command_prefix(text)
        for phrase in self.phrases:
            m = phrase.pattern.fullmatch(text)
            if m:
                spec = self.commands[phrase.command]
                groups = [g.strip() for g in m.groups() if g is not None]
                return spec, "\t".join(groups)
        head, _, rest = text.partition(" ")
        spec = self.find_command(head) if head else None
        if spec is None:
            return None
        return spec, rest.strip()


def strip_command_prefix(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()
    return re.sub(r"^/?persona\b\s*", "", text, flags=re.IGNORECASE)


SORRY = "Sorry, something went wrong on my side. Please try again."


@dataclass
class Turn:
    """One inbound, prepared once: its workspace, what it matched, the placeholder to show
    while the handler runs ("Asking Maya…"), or the refusal that answers it at once."""

    inbound: Inbound
    workspace_id: int | None = None
    handler: Handler | None = None
    context: Context | None = None
    placeholder: Reply | None = None
    refusal: Reply | None = None

    @property
    def name(self) -> str:
        return self.context.command if self.context else ""


class Core:
    """Turns Inbounds into Replies. Platform-neutral: `prepare` once, then `execute`
    (`bot/turn.py` runs the whole turn for adapters)."""

    def __init__(self, deps: Deps, registry: Registry) -> None:
        self.deps = deps
        self.registry = registry

    async def _context(self, inbound: Inbound) -> tuple[Handler, Progress | None, Context] | Reply:
        if len(inbound.text) > MAX_INPUT_CHARS:
            return error_reply(
                f"That message is {len(inbound.text):,} characters long; I read at most "
                f"{MAX_INPUT_CHARS:,}. Could you shorten it?"
            )
        ws = await self.deps.workspace(inbound.address.platform, inbound.address.workspace)
        if inbound.kind == "action":
            spec = self.registry.find_action(inbound.action_id or "")
            if spec is None:
                log.warning("no handler for action %r", inbound.action_id)
                return error_reply("That button no longer does anything. Try `help`.")
            ctx = Context(inbound, inbound.value or "", self.deps, ws, spec.action_id)
            return spec.handler, spec.progress, ctx
        parsed = self.registry.parse(inbound.text) or await self._fallback(inbound.text, ws)
        if parsed is None:
            return self._not_understood(inbound.text)
        command, args = parsed
        ctx = Context(inbound, args, self.deps, ws, command.name)
        return command.handler, command.progress, ctx

    async def _fallback(self, text: str, ws: int) -> tuple[CommandSpec, str] | None:
        text = strip_command_prefix(text)
        for fn, command in self.registry.fallbacks:
            args = await fn(text, self.deps, ws) if text else None
            spec = self.registry.commands.get(command)
            if args is not None and spec is not None:
                return spec, args
        return None

    def _not_understood(self, text: str) -> Reply:
        if not strip_command_prefix(text):
            spec = self.registry.find_command("help")
            if spec is not None:
                return error_reply("Type `help` to see what I can do.")
        text = strip_command_prefix(text)
        if text.endswith("?") and len(text) <= 200:
            return error_reply(
                f"Who should I ask? Name a persona (`ask NAME {text}`), or hear from all of "
                f"them with `panel {text}`."
            )
        head = text.split(" ")[0][:40]
        guess = self.registry.close_command(head)
        near_miss = guess is not None and guess != head.lower()  # `lsit`, not "Show us …"
        text_like = len(text) >= PASTED_TEXT_CHARS or (
            reads_like_a_sentence(text) and not near_miss
        )
        if text_like and "panel" in self.registry.commands:
            # a pasted email or spec, or a statement typed to the bot, rather than a command
            return error_reply(
                "That reads like a text rather than a command. To hear the personas on it, put "
                "`panel` before it (or `critique NAME`), or use \u201cAsk the personas\u201d "
                "on the message."
            )
        if guess is not None:
            return error_reply(f"I don't know the command '{head}'. Did you mean `{guess}`?")
        return error_reply(
            f"I don't know the command '{head}'. Try `help`, or ask "
            '"what would Maya think about …?"'
        )

    async def prepare(self, inbound: Inbound) -> Turn:
        """Workspace, parse (and fallbacks), and the placeholder, once per inbound. Never
        raises: a failure here becomes the turn's apology."""
        inbound = without_nul(inbound)
        try:
            found = await self._context(inbound)
            if isinstance(found, Reply):
                return Turn(inbound, refusal=found)
            handler, progress, ctx = found
            placeholder = await progress(ctx) if progress else None
        except Exception:
            log.exception("preparing %r failed", inbound.text[:200])
            return Turn(inbound, refusal=error_reply(SORRY))
        return Turn(inbound, ctx.workspace_id, handler, ctx, placeholder)

    async def execute(self, turn: Turn) -> list[Reply]:
        """Run the turn's handler: the one error net of every platform. Never raises."""
        if turn.handler is None or turn.context is None:
            return [turn.refusal or error_reply(SORRY)]
        try:
            result = await turn.handler(turn.context)
        except Exception:
            log.exception("handler %s failed for %r", turn.name, turn.inbound.text[:200])
            return [error_reply(SORRY)]
        return result if isinstance(result, list) else [result]

    async def handle(self, inbound: Inbound) -> list[Reply]:
        """prepare + execute, for callers that show no placeholder (terminal, tests)."""
        return await self.execute(await self.prepare(inbound))

    async def posted(self, reply: Reply, address: Address, message_id: str) -> None:
        """Called after `send` for every reply with a `track`, with the platform message id
        (Slack ts, Teams activity id), so e.g. a survey's live tally can later `update`
        that message. Never raises."""
        if reply.track is None or not message_id:
            return
        kind, ref = reply.track.kind, reply.track.ref
        hook = self.registry.posted_hooks.get(kind)
        if hook is None:
            return
        try:
            ws = await self.deps.workspace(address.platform, address.workspace)
            await hook(self.deps, ws, ref, address, message_id)
        except Exception:
            log.exception("posted hook %s failed for %r", kind, ref)
