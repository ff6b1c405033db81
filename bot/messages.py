"""Platform-neutral message model: what a person did (Inbound) and what the bot says (Reply).

Every string in these dataclasses is *plain text*. Renderers (Block Kit, Adaptive Cards, HTML)
are responsible for escaping it for their markup, so nothing a user or the model wrote can be
interpreted as markup (mentions, links) on any platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Platform = Literal["slack", "teams", "web", "cli"]


@dataclass(frozen=True)
class Address:
    """Where a reply goes; stored for proactive sends."""

    platform: str  # "slack" | "teams" | "web" | "cli"
    workspace: str  # Slack team_id / Teams tenant id / "local"
    conversation_id: str
    thread_id: str | None = None
    service_url: str | None = None  # Teams only

    def in_thread(self, thread_id: str | None) -> Address:
        return replace(self, thread_id=thread_id)


@dataclass(frozen=True)
class Quoted:
    """A message someone asked the personas about (a Slack message shortcut, a Teams message
    action, the playground's button): its plain text (mentions as names, links kept) and,
    when the platform could carry only part of it, the whole message's length."""

    text: str
    length: int = 0  # the full message's length in characters, when more than `text`

    @property
    def full_length(self) -> int:
        return max(self.length, len(self.text))


@dataclass(frozen=True)
class Inbound:
    """One thing a person did: a command, a message, or a click on a button."""

    kind: Literal["command", "message", "action"]
    text: str
    user_id: str
    address: Address
    action_id: str | None = None
    value: str | None = None
    user_name: str | None = None
    # people mentioned in `text`: ("@bob" as it reads in text, platform user id "U0BOB")
    mentions: tuple[tuple[str, str], ...] = ()
    # a submitted form (`Form`): what was filled in, (field name, value; several picks of
    # a `choices` field joined by ",")
    fields: tuple[tuple[str, str], ...] = ()
    # the platform's id of the message the click was on (Slack ts, Teams activity id,
    # playground message id), or of the message a form was opened from
    message_id: str | None = None
    # the message someone asked the personas about (`ask.form`, `ask.message`), as text
    quoted: Quoted | None = None

    def filled(self, name: str) -> str:
        return next((value for key, value in self.fields if key == name), "")


@dataclass(frozen=True)
class Field:
    """A label/value pair (Block Kit section field, Adaptive Card FactSet fact)."""

    label: str
    value: str


@dataclass(frozen=True)
class Button:
    """A button; `action_id` routes the click back to a core `@action` handler."""

    label: str
    action_id: str
    value: str = ""
    style: Literal["primary", "danger"] | None = None
    url: str | None = None  # link buttons open a URL instead of calling back
    # where the platform has a message box (the playground), the click puts this text in
    # it instead of calling back ("ask sam "); elsewhere it is an ordinary action
    compose: str | None = None
    # the click answers with a `Form` (a Slack modal, a Teams task module, a playground
    # form): platforms that open dialogs from a button need to know before the click. With
    # `compose` too (a gap's "Ask the team"), the form wins where the core's forms are
    # shown; Slack opens its own "new survey" modal drafted from a `survey …` compose.
    opens_form: bool = False


@dataclass(frozen=True)
class FormField:
    """One field of a form: a line of text, several lines, one choice of `options`, or any
    number of them (`choices`: their values joined by "," in `value` and when submitted)."""

    name: str
    label: str
    kind: Literal["text", "multiline", "choice", "choices"] = "text"
    options: tuple[tuple[str, str], ...] = ()  # (value, label) of a choice
    value: str = ""  # shown filled in (an edit, or what was typed before an error)
    optional: bool = False
    hint: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    """Something to fill in (Slack modal, Teams task module, playground form). Submitting
    it is the core action `action_id` with `value`, and the fields in `Inbound.fields`."""

    title: str
    action_id: str
    value: str
    fields: tuple[FormField, ...]
    text: str | None = None  # a line above the fields (what the form is about)
    submit_label: str = "Save"
    # problems of the last submission, (field name, message): shown next to the field
    errors: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Choice:
    """One option of a micro-survey, with its live count (None while results are hidden)."""

    label: str
    value: str
    count: int | None = None


@dataclass(frozen=True)
class Section:
    """A titled block of body text and/or bullet lines inside a card."""

    title: str | None = None
    text: str | None = None
    bullets: tuple[str, ...] = ()
    # `text` is someone's own words echoed back (a question): shown exactly as typed, only
    # escaped for the platform, never read as formatting (backticks stay backticks).
    literal: bool = False


@dataclass(frozen=True)
class Card:
    """One rich card. Renderers map each part to the platform's native element."""

    title: str
    subtitle: str | None = None
    text: str | None = None
    image_url: str | None = None
    initials: str | None = None  # avatar fallback when there is no photo
    fields: tuple[Field, ...] = ()
    sections: tuple[Section, ...] = ()
    choices: tuple[Choice, ...] = ()  # survey options (rendered as buttons + tally bars)
    context: tuple[str, ...] = ()  # small print: freshness badge, evidence count, "offline"
    buttons: tuple[Button, ...] = ()
    # How the sections sit: one under another ("stack"), two by two like an empathy map's
    # quadrants ("grid"), or side by side like a journey's stages ("row"). Renderers use the
    # platform's columns where it has them (Block Kit section fields, Adaptive Card
    # ColumnSet, CSS grid).
    layout: Literal["stack", "grid", "row"] = "stack"


@dataclass(frozen=True)
class Track:
    """A posted message the core must find again (a survey's live tally): once the adapter
    knows the platform's message id, the feature registered for `kind` is told `ref`."""

    kind: str
    ref: str


@dataclass(frozen=True)
class Reply:
    """What the bot says. `text` is always a complete plain-text version (notification
    fallback, terminal output, screen readers)."""

    text: str
    cards: tuple[Card, ...] = ()
    ephemeral: bool = False  # only the person who asked sees it (Slack ephemeral)
    shareable: bool = False  # offer a "Share in channel" button
    is_error: bool = False  # a friendly refusal: nothing was changed
    replaces: str | None = None  # the platform message id this reply updates in place
    track: Track | None = None  # tell the core this message's id once it is posted
    # About one person's anonymous vote: shown to them, never stored or logged by an
    # adapter, and neither is what they typed to get it.
    private: bool = False
    # a form to fill in; platforms that cannot show one show `text` (which says how to
    # do the same by typing)
    form: Form | None = None
    # informational keys (persona slug, survey id) for renderers and tests; never routing
    meta: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


def text_reply(text: str, *, ephemeral: bool = False, is_error: bool = False) -> Reply:
    return Reply(text=text, ephemeral=ephemeral, is_error=is_error)


def error_reply(text: str) -> Reply:
    """A friendly refusal. Shown only to the asker where the platform allows it."""
    return Reply(text=text, ephemeral=True, is_error=True)


def initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").split() if p[:1].isalpha()]
    if not parts:
        return "?"
    if len(parts) == 1:
        return parts[0][:2].upper()
    return (parts[0][0] + parts[-1][0]).upper()
