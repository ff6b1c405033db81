"""Reply -> HTML for the playground. Pure functions over Jinja2 templates with autoescape on,
golden-tested (tests/golden/web/).

Every string in a Reply is plain text: it only ever reaches the page through an autoescaped
`{{ }}` (never `|safe`), so a persona quote or an answer cannot inject markup. The helpers
below split plain text into typed pieces (code spans, citation keys) that the templates
escape one by one.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot.messages import Button, Card, Choice, Field, Form, FormField, Reply, Section, Track

TEMPLATES = Path(__file__).parent / "templates"
# a profile line's key (pain-2, feels-1, decision-pain-1), or the quote/summary/role
KEY = r"(?:[a-z]+(?:-[a-z]+)?-\d+|quote|summary|role)"
CITE_TAIL = re.compile(rf"^(?P<body>.*?)\s*\[(?P<keys>{KEY}(?:\s*,\s*{KEY})*)\]\s*$", re.S)
CITE_HEAD = re.compile(rf"^(?P<key>{KEY}):\s+(?P<body>.*)$", re.S)
EXAMPLE = re.compile(r"^Example:\s+(?P<example>.+)$", re.S)
STANCES = {"support", "oppose", "mixed", "unknown"}


# -- text helpers (pure) -------------------------------------------------------------------


def code_spans(text: str) -> list[tuple[str, bool]]:
    """Split on backticks: [(text, is_code)]. An unpaired backtick stays literal."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # odd number of backticks: keep the last one as text
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


def cite_split(text: str) -> dict[str, Any]:
    """A bullet "text [goal-1, pain-2]" or "pain-2: text" -> body, keys, example."""
    m = EXAMPLE.match(text)
    if m:
        return {"body": "", "tail": [], "lead": [], "example": m.group("example").strip()}
    m = CITE_TAIL.match(text)
    if m:
        keys = [k.strip() for k in m.group("keys").split(",")]
        return {"body": m.group("body"), "tail": keys, "lead": [], "example": None}
    m = CITE_HEAD.match(text)
    if m:
        return {"body": m.group("body"), "tail": [], "lead": [m.group("key")], "example": None}
    return {"body": text, "tail": [], "lead": [], "example": None}


def badge_level(text: str) -> str:
    """How a context line looks: warn (stale, out of scope), danger (warnings), ok, info."""
    low = text.lower()
    if low.startswith("warning") or "negative persona" in low:
        return "danger"
    if "overdue" in low or "never reviewed" in low or "outside what" in low or "fell back" in low:
        return "warn"
    if low.startswith("last reviewed") or low.startswith("reviewed"):
        return "ok"
    if "offline" in low or "ai answer" in low:
        return "info"
    return "muted"


def heading_is_label(title: str) -> bool:
    """A short heading ("Goals", "Why") is shown as a small label; a sentence-like one
    ("help — What I can do.", "Negative persona (not who we build for)") as a bold line,
    so headings of one card never mix the two styles for the same kind of thing."""
    return len(title) <= 32 and " — " not in title and "(" not in title


def stance_of(field: Field) -> str | None:
    value = field.value.strip().lower()
    if field.label.lower() == "stance" and value in STANCES:
        return value
    return None


def safe_url(url: str | None) -> str | None:
    """Only http(s) (and inline data images) reach an href/src; never javascript: etc."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("http", "https") and parts.netloc:
        return url.strip()
    return None


def safe_image(url: str | None) -> str | None:
    """Photos: http(s), or an inline data: image (an SVG in <img> runs no script)."""
    if url and url.strip().startswith("data:image/"):
        return url.strip()
    return safe_url(url)


def tally(choices: tuple[Choice, ...]) -> list[dict[str, Any]]:
    total = sum(c.count or 0 for c in choices)
    show = any(c.count is not None for c in choices)
    out = []
    for c in choices:
        count = c.count or 0
        out.append(
            {
                "label": c.label,
                "value": c.value,
                "count": count if show else None,
                "total": total,
                "pct": round(100 * count / total) if total else 0,
            }
        )
    return out


# -- environment ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment (built once; templates are read-only)."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(("html",), default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        code_spans=code_spans,
        cite_split=cite_split,
        badge_level=badge_level,
        safe_url=safe_url,
        safe_image=safe_image,
    )
    env.globals.update(stance_of=stance_of, tally=tally, heading_is_label=heading_is_label)
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)


def reply_to_html(reply: Reply, *, csrf: str = "", message_id: str = "") -> str:
    """One bot message (all its cards, or its text) as an HTML fragment. `csrf` goes into
    the button forms; `message_id` is the stored message the buttons belong to."""
    return render_template(
        "_reply.html",
        reply=reply,
        csrf=csrf,
        message_id=message_id,
        persona=reply.meta.get("persona", ""),
    )


# -- (de)serialising replies for storage ---------------------------------------------------


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    return asdict(reply)


def reply_from_dict(data: dict[str, Any]) -> Reply:
    """Rebuild a Reply stored by `reply_to_dict` (unknown keys are ignored)."""

    def card(c: dict[str, Any]) -> Card:
        return Card(
            title=c.get("title", ""),
            subtitle=c.get("subtitle"),
            text=c.get("text"),
            image_url=c.get("image_url"),
            initials=c.get("initials"),
            fields=tuple(Field(f["label"], f["value"]) for f in c.get("fields", ())),
            sections=tuple(
                Section(
                    s.get("title"),
                    s.get("text"),
                    tuple(s.get("bullets", ())),
                    bool(s.get("literal", False)),
                )
                for s in c.get("sections", ())
            ),
            choices=tuple(
                Choice(ch["label"], ch["value"], ch.get("count")) for ch in c.get("choices", ())
            ),
            context=tuple(c.get("context", ())),
            layout=c.get("layout", "stack"),
            buttons=tuple(
                Button(
                    b["label"],
                    b["action_id"],
                    b.get("value", ""),
                    b.get("style"),
                    b.get("url"),
                    b.get("compose"),
                    bool(b.get("opens_form")),
                )
                for b in c.get("buttons", ())
            ),
        )

    track = data.get("track")
    form = data.get("form")
    return Reply(
        text=data.get("text", ""),
        cards=tuple(card(c) for c in data.get("cards", ())),
        ephemeral=bool(data.get("ephemeral")),
        shareable=bool(data.get("shareable")),
        is_error=bool(data.get("is_error")),
        replaces=data.get("replaces"),
        track=Track(str(track["kind"]), str(track["ref"])) if track else None,
        form=form_from_dict(form) if form else None,
        meta=dict(data.get("meta") or {}),
    )


def form_from_dict(f: dict[str, Any]) -> Form:
    return Form(
        title=str(f.get("title", "")),
        action_id=str(f.get("action_id", "")),
        value=str(f.get("value", "")),
        fields=tuple(
            FormField(
                name=str(x["name"]),
                label=str(x.get("label", "")),
                kind=x.get("kind", "text"),
                options=tuple((str(v), str(t)) for v, t in x.get("options", ())),
                value=str(x.get("value", "")),
                optional=bool(x.get("optional")),
                hint=x.get("hint"),
                max_length=x.get("max_length"),
            )
            for x in f.get("fields", ())
        ),
        text=f.get("text"),
        submit_label=str(f.get("submit_label", "Save")),
        errors=tuple((str(n), str(m)) for n, m in f.get("errors", ())),
    )
