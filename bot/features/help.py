"""`help`: every registered command with its usage and an example."""

from __future__ import annotations

from bot.commands import CommandSpec, Context, Registry
from bot.messages import Card, Reply, Section

# What people use most comes first; commands not named here follow in name order, and
# the admin ones come last (a new user reads the top of the list).
BY_USE = (
    "ask",
    "panel",
    "critique",
    "rewrite",
    "show",
    "list",
    "survey",
    "gaps",
    "digest",
    "owner",
    "reviewed",
    "help",
)
ADMIN = ("admin-channel",)


def _order(spec: CommandSpec) -> tuple[int, int, str]:
    if spec.name in ADMIN:
        return (2, ADMIN.index(spec.name), spec.name)
    if spec.name in BY_USE:
        return (0, BY_USE.index(spec.name), spec.name)
    return (1, 0, spec.name)


def help_reply(registry: Registry) -> Reply:
    sections = []
    lines = ["Persona Bot keeps your customer personas in the conversation.", ""]
    for spec in sorted(registry.commands.values(), key=_order):
        if spec.hidden:
            continue
        bullets = (f"Usage: {spec.usage}", *(f"Example: {e}" for e in spec.examples[:2]))
        sections.append(Section(title=f"{spec.name} — {spec.summary}", bullets=bullets))
        lines.append(f"{spec.name}: {spec.summary}")
        lines += [f"    {b}" for b in bullets]
    return Reply(
        text="\n".join(lines),
        cards=(
            Card(
                title="Persona Bot help",
                text="Ask what a persona would think, compare personas, keep them fresh.",
                sections=tuple(sections),
                context=('Tip: just write "what would Maya think about …?"',),
            ),
        ),
        ephemeral=True,
    )


# A greeting on its own ("Hello!", "hey there 👋", "good morning") is answered with help,
# as people open a chat with a bot that way; "hey, what would Maya think…" is not a greeting.
GREETING = (
    r"(?:hi+|hello|hey+|heya|hiya|howdy|yo|greetings|hallo|moin"
    r"|good\s+(?:morning|afternoon|evening|day))"
    r"(?:\s+(?:there|all|everyone|folks|team|@?persona\s*bot|bot))?"
    r"[\s!.,?:;)(~*-]*(?:[\u2600-\u27bf\U0001f300-\U0001faff]\ufe0f?[\s!.,]*)*"
)


def register(registry: Registry) -> None:
    async def show_help(ctx: Context) -> Reply:
        return help_reply(registry)

    registry.command("help", summary="What I can do.", usage="help", aliases=("?", "hi", "hello"))(
        show_help
    )
    registry.phrase(GREETING, "help")
