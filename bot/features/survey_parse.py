"""Parsing the survey command and predicting the persona's own answer (pure helpers of
bot.features.surveys)."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.answering.base import with_options
from bot.deps import Deps
from bot.numbers import is_number
from bot.schedule import ScheduleError, check_timezone
from persona_store.surveys.repository import SurveyError
from persona_store.surveys.voice import check_every

log = logging.getLogger(__name__)

USAGE = (
    'survey PERSONA "Question?" A | B | C [--anonymous] [--closes 48h] [--line pain-2] [--gap 3]'
    ' [--every week|month] | survey PERSONA "Question?" --open [...]'
)
PREDICTION_TIMEOUT = 15.0
_QUOTES = {"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2018": "'", "\u2019": "'"}
_DURATION = re.compile(r"^(\d+)\s*(m|min|h|d|w)$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_OPEN = timedelta(days=365)  # the longest a survey stays open


# -- parsing ---------------------------------------------------------------------------------


def parse_when(value: str, now: datetime, tz: str = "UTC") -> datetime:
    """`48h`, `2d`, `90m`, `1w`, or an ISO date/time (in `tz` when it has no offset), at most
    MAX_OPEN from `now` (SurveyError saying so otherwise)."""
    value = value.strip()
    m = _DURATION.match(value)
    try:
        if m:
            amount = int(m.group(1)[:12])  # more digits are far out of range anyway
            when = now + timedelta(**{_UNITS[m.group(2).lower()]: amount})
        else:
            when = datetime.fromisoformat(value)
            when = when if when.tzinfo else when.replace(tzinfo=ZoneInfo(check_timezone(tz)))
        too_late = when - now > MAX_OPEN
    except OverflowError:
        too_late = True  # past what a date can hold
    except ScheduleError as exc:  # PERSONABOT_TIMEZONE is not a time zone
        raise SurveyError(str(exc)) from exc
    except ValueError as exc:
        raise SurveyError(
            f"I can't read the close time '{value[:30]}'. Use e.g. `--closes 48h`, `--closes 2d` "
            "or `--closes 2026-12-01T17:00`."
        ) from exc
    if too_late:
        raise SurveyError(
            f"A survey can stay open at most {MAX_OPEN.days} days. Pick a close time between "
            "a few minutes and a year from now, e.g. `--closes 48h`, `--closes 30d` or "
            "`--closes 52w`."
        )
    return when


def parse_create(args: str, now: datetime, tz: str = "UTC") -> dict:
    """Split the create command into persona, question, options and flags."""
    for fancy, plain in _QUOTES.items():
        args = args.replace(fancy, plain)
    flags: dict = {
        "anonymous": False, "closes_at": None, "line_key": None, "gap": None,
        "open_text": False, "every": None,
    }  # fmt: skip
    args = " " + args
    if re.search(r"\s--anon(ymous)?\b", args):
        flags["anonymous"] = True
        args = re.sub(r"\s--anon(ymous)?\b", " ", args)
    if re.search(r"\s--open\b(?!-)", args):  # typed answers, no options
        flags["open_text"] = True
        args = re.sub(r"\s--open\b(?!-)", " ", args)
    for name, value in re.findall(r"\s--(\w+)\s+([^\s|]+)", args):
        if name.lower() == "closes":
            flags["closes_at"] = parse_when(value, now, tz)
        elif name.lower() == "line":
            flags["line_key"] = value
        elif name.lower() == "gap":  # the survey asks about that gap of the persona
            if not is_number(value.lstrip("#")) or len(value) > 9:
                raise SurveyError(f"--gap takes a gap's number, e.g. `--gap 3`. Usage: {USAGE}")
            flags["gap"] = int(value.lstrip("#"))
        elif name.lower() == "every":
            flags["every"] = check_every(value)
        else:
            raise SurveyError(f"Unknown option --{name}. Usage: {USAGE}")
    args = re.sub(r"\s--(closes|line|gap|every)\s+[^\s|]+", " ", args, flags=re.IGNORECASE)
    stray = re.search(r"\s--(\w+)", args)
    if stray:
        raise SurveyError(f"Unknown or incomplete option --{stray.group(1)}. Usage: {USAGE}")
    args = args.strip()
    persona, _, rest = args.partition(" ")
    rest = rest.strip()
    if not persona:
        raise SurveyError(f"Usage: {USAGE}")
    quoted = re.match(r'^(["\'])(.+?)\1\s*(.*)$', rest, re.DOTALL)
    if quoted:
        question, tail = quoted.group(2), quoted.group(3)
    elif "?" in rest:
        question, _, tail = rest.partition("?")
        question += "?"
    else:
        raise SurveyError(f"Put the question in quotes, then the options. Usage: {USAGE}")
    options = [o for o in tail.split("|")] if tail.strip() else []
    return {"persona": persona, "question": question.strip(), "options": options, **flags}


# -- prediction ------------------------------------------------------------------------------

_YES = ("yes", "agree", "true", "definitely", "still", "support", "more")
_NO = ("no", "disagree", "false", "not", "never", "less", "oppose")


def pick_option(stance: str, text: str, options: tuple[str, ...]) -> int | None:
    """Map an answer (stance + wording) to one survey option; None when nothing fits."""
    words = set(re.findall(r"[a-z0-9]+", text.lower()))
    best, best_score = None, 0.0
    for i, option in enumerate(options):
        tokens = re.findall(r"[a-z0-9]+", option.lower())
        score = sum(1 for t in tokens if t in words and len(t) > 2) / (len(tokens) or 1)
        first = tokens[0] if tokens else ""
        if stance == "support" and first in _YES and not any(t in _NO for t in tokens[1:]):
            score += 1
        if stance == "oppose" and first in _NO and len(tokens) == 1:
            score += 1
        if stance in ("mixed", "unknown") and ("sure" in tokens or "depends" in tokens):
            score += 1
        if score > best_score:
            best, best_score = i, score
    return best


async def predict(deps: Deps, persona, question: str, options: tuple[str, ...]) -> int | None:  # type: ignore[no-untyped-def]
    """The persona's own predicted answer (hidden until close); None if it can't say."""
    prompt = with_options(question, options)
    try:
        answer = await asyncio.wait_for(
            deps.answerer.answer(persona, prompt), timeout=PREDICTION_TIMEOUT
        )
    except Exception:
        log.warning("no prediction for survey on %s", persona.slug, exc_info=True)
        return None
    if answer.out_of_scope:
        return None
    text = " ".join([answer.summary, *(r.text for r in answer.reasons)])
    return pick_option(answer.stance, text, options)
