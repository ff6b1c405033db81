"""Surveys that gather the customer's voice: open-text answers (typed in a form, one per
person and changeable while the survey is open, saved as evidence quotes at close), the
opt-in to one reminder per survey (`survey nudge on`) and who of those has not answered,
and the recurring surveys the clock posts again (`--every week|month`).

Anonymity (SECURITY.md "Anonymous surveys") holds for typed answers too: an anonymous
survey's answer rows carry a salted voter key and no time; at close the quotes are written
to the persona sorted by their text (no answer order, no author, one date: the close), and
the rows are deleted with the salt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from persona_store.models import Evidence, Persona
from persona_store.scheduling.models import Survey, SurveyAnswer
from persona_store.store import revise
from persona_store.surveys.views import MAX_SURVEY_ID, SurveyError, _aware, voter_key
from persona_store.surveys.voice_models import NudgeOptIn, SurveyText
from persona_store.surveys.votes import lock_for_vote, mark_dirty

MAX_ANSWER = 1000  # characters of one typed answer
# A channel's surveys that get reminders: at most this many posted within any day, so a
# burst of surveys (or a steady stream of them) is not a burst of DMs to whoever opted in.
NUDGED_PER_CHANNEL_DAY = 3
PERIODS = {"week": timedelta(days=7), "month": timedelta(days=30)}
EVERY_WORDS = {
    "week": "week", "weekly": "week", "1w": "week", "7d": "week",
    "month": "month", "monthly": "month", "30d": "month",
}  # fmt: skip


def check_every(value: str | None) -> str | None:
    """'month' / 'week' from what a person typed (`--every month`); SurveyError otherwise."""
    if value is None:
        return None
    found = EVERY_WORDS.get(value.strip().lower())
    if found is None:
        raise SurveyError(
            f"I can't repeat a survey every '{value[:20]}'. Use `--every week` or `--every month`."
        )
    return found


def check_open_text(options: Sequence[str]) -> tuple[str, ...]:
    """An open-text survey has no options (the answers are typed)."""
    if any(o.strip() for o in options):
        raise SurveyError(
            "An open-text survey (`--open`) takes no options: people type their answer. "
            'e.g. survey maya "What almost stopped you from buying?" --open'
        )
    return ()


def clean_answer(text: str) -> str:
    """One typed answer, trimmed; SurveyError when empty or too long (nothing is saved)."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise SurveyError("Your answer is empty: type a sentence or two, then send it.")
    if len(cleaned) > MAX_ANSWER:
        raise SurveyError(
            f"Your answer is {len(cleaned):,} characters long; at most {MAX_ANSWER:,} are "
            "kept. Could you shorten it?"
        )
    return cleaned


def texts_of(s: Session, sv: Survey) -> tuple[str, ...]:
    """An open-text survey's answers, sorted by text: the rows while it is open, the
    frozen results once closed."""
    if sv.status == "closed" and sv.results is not None:
        return tuple(str(t) for t in sv.results.get("texts") or ())
    rows = s.scalars(
        select(SurveyText.text).where(SurveyText.survey_id == sv.id).order_by(SurveyText.text)
    ).all()
    return tuple(rows)


def record_texts(s: Session, sv: Survey, *, now: datetime, author: str) -> None:
    """At close (in its transaction): the answers frozen in the survey's results, saved on
    the persona as one evidence quote each (linked to the survey's line, if any), one
    revision for all; then the answer rows deleted. Named surveys keep who said what in
    the quote's details; anonymous ones keep no author."""
    rows = s.execute(
        select(SurveyText.voter_key, SurveyText.text).where(SurveyText.survey_id == sv.id)
    ).all()
    quotes = sorted(((text, key) for key, text in rows), key=lambda q: q[0])
    sv.results = {"texts": [text for text, _ in quotes], "n": len(quotes)}
    if quotes:
        persona = s.get(Persona, sv.persona_id)
        assert persona is not None  # the survey row would be gone with it (cascade)
        line_id = next((ln.id for ln in persona.lines if ln.key == sv.line_key), None)
        items = []
        for text, key in quotes:
            details: dict[str, Any] = {
                "survey_id": sv.id, "kind": "quote", "question": sv.question,
                "anonymous": bool(sv.anonymous),
            }  # fmt: skip
            if not sv.anonymous:
                details["by"] = key
            item = Evidence(
                summary=f"\u201c{text}\u201d",
                source="survey",
                n=1,
                collected_at=now.date(),
                line_id=line_id,
                details=details,
                created_at=now,
            )
            persona.evidence.append(item)
            items.append(item)
        s.flush()
        sv.evidence_id = items[0].id
        revise(s, persona, author=author, note=f"{len(quotes)} answers to survey #{sv.id}")
    s.execute(delete(SurveyText).where(SurveyText.survey_id == sv.id))


def texts_for_export(s: Session, sv: Survey) -> list[tuple[str, str, datetime | None]]:
    """(voter, answer, answered at) of an open-text survey. Anonymous: no voter, time or
    order (sorted by text). Named: who and when while open; once closed, who said what
    from the evidence quotes (their rows are gone)."""
    if sv.anonymous:
        return [("anonymous", text, None) for text in texts_of(s, sv)]
    if sv.status != "closed":
        rows = s.execute(
            select(SurveyText.voter_key, SurveyText.text, SurveyText.answered_at)
            .where(SurveyText.survey_id == sv.id)
            .order_by(SurveyText.answered_at, SurveyText.id)
        ).all()
        return [(key, text, _aware(at)) for key, text, at in rows]
    quotes = s.scalars(
        select(Evidence).where(Evidence.persona_id == sv.persona_id).order_by(Evidence.id)
    ).all()
    return [
        (str(e.details.get("by") or ""), e.summary.strip("\u201c\u201d"), None)
        for e in quotes
        if e.details and e.details.get("survey_id") == sv.id and e.details.get("kind") == "quote"
    ]


@dataclass(frozen=True)
class TextAnswered:
    survey_id: int
    outcome: str  # "new" | "changed" | "same"
    anonymous: bool


@dataclass(frozen=True)
class Member:
    """A person who opted in to nudges in a channel."""

    platform: str
    ext_workspace: str
    conversation_id: str
    user_id: str
    service_url: str | None
    ref: str  # their voter key on the survey (salted on an anonymous one): the nudge's key


@dataclass(frozen=True)
class RepeatDue:
    """The latest survey of a recurring series, a period or more old."""

    workspace_id: int
    survey_id: int
    series_id: int
    period: str  # the delivery key's period: the due date of the next one, e.g. 2026-12-20


class VoiceStore:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- open-text answers ----------------------------------------------------------------
    def answer_text(
        self, workspace_id: int, survey_id: int, text: str, *, platform: str, user_id: str,
        now: datetime,
    ) -> TextAnswered:  # fmt: skip
        """One person's typed answer (changeable while the survey is open)."""
        answer = clean_answer(text)
        if survey_id > MAX_SURVEY_ID:
            raise SurveyError(f"There is no survey #{survey_id}.")
        with self._sessions.begin() as s:
            postgres = s.get_bind().dialect.name == "postgresql"
            sv = lock_for_vote(s, workspace_id, survey_id, postgres)
            if not sv.open_text:
                raise SurveyError(
                    f"Survey #{survey_id} has options to choose from: use its buttons, or "
                    f"`survey vote {survey_id} NUMBER`."
                )
            if sv.closes_at is not None and _aware(sv.closes_at) <= now:  # type: ignore[operator]
                raise SurveyError("This survey is closed; answers are no longer taken.")
            key = voter_key(sv.salt if sv.anonymous else None, platform, user_id)
            before = s.scalar(
                select(SurveyText.text).where(
                    SurveyText.survey_id == survey_id, SurveyText.voter_key == key
                )
            )
            anonymous = bool(sv.anonymous)
            if before == answer:
                return TextAnswered(survey_id, "same", anonymous)
            insert = pg_insert if postgres else sqlite_insert
            stmt = insert(SurveyText).values(
                survey_id=survey_id, voter_key=key, text=answer,
                answered_at=None if anonymous else now,
            )  # fmt: skip
            changes: dict[str, object] = {"text": answer}
            if not anonymous:
                changes["answered_at"] = now
            s.execute(
                stmt.on_conflict_do_update(
                    index_elements=[SurveyText.survey_id, SurveyText.voter_key], set_=changes
                )
            )
            if postgres:  # SQLite marked it dirty taking the lock
                s.execute(mark_dirty(survey_id))
        return TextAnswered(survey_id, "new" if before is None else "changed", anonymous)

    # -- nudges ---------------------------------------------------------------------------
    def set_nudges(
        self, workspace_id: int, *, platform: str, ext_workspace: str, conversation_id: str,
        user_id: str, on: bool, service_url: str | None = None, now: datetime,
    ) -> bool:  # fmt: skip
        """Opt in (or out) of one reminder per unanswered survey in this channel. Returns
        whether anything changed."""
        key = (
            NudgeOptIn.workspace_id == workspace_id,
            NudgeOptIn.platform == platform,
            NudgeOptIn.conversation_id == conversation_id,
            NudgeOptIn.user_id == user_id,
        )
        with self._sessions.begin() as s:
            found = s.scalar(select(NudgeOptIn).where(*key))
            if not on:
                return bool(s.execute(delete(NudgeOptIn).where(*key)).rowcount)
            if found is not None:
                return False
            s.add(
                NudgeOptIn(
                    workspace_id=workspace_id, platform=platform, ext_workspace=ext_workspace,
                    conversation_id=conversation_id, user_id=user_id, service_url=service_url,
                    created_at=now,
                )
            )  # fmt: skip
            return True

    def unanswered_members(self, workspace_id: int, survey_id: int) -> list[Member]:
        """The people who opted in to nudges in the survey's channel and have not answered
        it (found by their voter key, which an anonymous survey salts: nothing about who
        answered what is read or returned)."""
        with self._sessions() as s:
            sv = s.scalar(
                select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
            )
            if sv is None or sv.status != "open":
                return []
            members = s.scalars(
                select(NudgeOptIn)
                .where(
                    NudgeOptIn.workspace_id == workspace_id,
                    NudgeOptIn.platform == sv.platform,
                    NudgeOptIn.conversation_id == sv.conversation_id,
                )
                .order_by(NudgeOptIn.id)
            ).all()
            table = SurveyText if sv.open_text else SurveyAnswer
            keys = set(s.scalars(select(table.voter_key).where(table.survey_id == sv.id)).all())
            salt = sv.salt if sv.anonymous else None
            out = []
            for m in members:
                ref = voter_key(salt, m.platform, m.user_id)
                if ref not in keys:
                    out.append(Member(m.platform, m.ext_workspace, m.conversation_id,
                                      m.user_id, m.service_url, ref))  # fmt: skip
            return out

    def to_nudge(
        self, now: datetime, *, after: timedelta, limit: int = 200
    ) -> list[tuple[int, int]]:
        """(workspace_id, survey_id) of open surveys posted at least `after` ago, in
        channels where somebody opted in to nudges (the delivery key keeps it to one), and
        fewer than NUDGED_PER_CHANNEL_DAY surveys of that channel posted in the day before
        it (so whoever opted in gets at most that many reminders a day per channel)."""
        with self._sessions() as s:
            rows = s.execute(
                select(
                    Survey.workspace_id,
                    Survey.id,
                    Survey.platform,
                    Survey.conversation_id,
                    Survey.created_at,
                )  # fmt: skip
                .where(
                    Survey.status == "open",
                    Survey.message_id.is_not(None),
                    Survey.created_at <= now - after,
                    select(func.count(NudgeOptIn.id))
                    .where(
                        NudgeOptIn.workspace_id == Survey.workspace_id,
                        NudgeOptIn.platform == Survey.platform,
                        NudgeOptIn.conversation_id == Survey.conversation_id,
                    )
                    .scalar_subquery()
                    > 0,
                )
                .order_by(Survey.id)
                .limit(limit)
            ).all()
            return [
                (w, i)
                for w, i, platform, conversation, created in rows
                if _posted_day_before(s, w, i, platform, conversation, created)
                < NUDGED_PER_CHANNEL_DAY
            ]

    # -- recurring surveys ------------------------------------------------------------------
    def repeats_due(self, now: datetime, *, limit: int = 200) -> list[RepeatDue]:
        """The latest posted survey of each recurring series whose period has passed since
        it was created: the next one is due (the delivery key makes its post happen once; a
        next one whose post failed is not posted yet, so its series stays due and the retry
        reuses it: `unposted_next`)."""
        with self._sessions() as s:
            latest = (
                select(func.max(Survey.id))
                .where(
                    Survey.series_id.is_not(None),
                    Survey.every.is_not(None),
                    Survey.message_id.is_not(None),
                )
                .group_by(Survey.series_id)
            )
            rows = s.scalars(select(Survey).where(Survey.id.in_(latest)).limit(limit)).all()
            out = []
            for sv in rows:
                created = _aware(sv.created_at)
                period = PERIODS.get(sv.every or "")
                if created is None or period is None or created + period > now:
                    continue
                due = (created + period).date().isoformat()
                out.append(RepeatDue(sv.workspace_id, sv.id, sv.series_id or sv.id, due))
            return out

    def unposted_next(self, workspace_id: int, series_id: int, after_id: int) -> int | None:
        """The next survey of a series made by an earlier attempt whose post failed."""
        with self._sessions() as s:
            return s.scalar(
                select(Survey.id)
                .where(
                    Survey.workspace_id == workspace_id,
                    Survey.series_id == series_id,
                    Survey.id > after_id,
                    Survey.message_id.is_(None),
                    Survey.status == "open",
                )
                .order_by(Survey.id)
                .limit(1)
            )

    def join_series(self, workspace_id: int, survey_id: int, series_id: int) -> None:
        """Make a survey the next one of a recurring series."""
        with self._sessions.begin() as s:
            sv = s.scalar(
                select(Survey).where(Survey.id == survey_id, Survey.workspace_id == workspace_id)
            )
            if sv is not None:
                sv.series_id = series_id


def _posted_day_before(
    s: Session, workspace_id: int, survey_id: int, platform: str, conversation_id: str,
    created_at: datetime,
) -> int:  # fmt: skip
    """How many surveys of the same channel were posted in the day before this one."""
    return int(
        s.scalar(
            select(func.count(Survey.id)).where(
                Survey.workspace_id == workspace_id,
                Survey.platform == platform,
                Survey.conversation_id == conversation_id,
                Survey.message_id.is_not(None),
                Survey.id < survey_id,
                Survey.created_at >= created_at - timedelta(days=1),
            )
        )
        or 0
    )
