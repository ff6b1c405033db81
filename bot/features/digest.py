"""Persona of the week: `digest weekly mon 09:00 Europe/Berlin`, `digest off`, `digest show`,
and the digest post the clock sends (persona card, what's new since last featured, the
freshness badge and a one-click "question of the week" micro-survey, which closes just before
the schedule's next post: one open question per channel at a time).

Rotation: least recently featured in this channel first; primary personas are weighted up
(treated as featured a week earlier than they were); negative personas only when the channel
opted in with `--negative`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from bot.commands import Context, Registry
from bot.deps import Deps
from bot.features.cards import freshness, persona_card
from bot.features.line_health import weakest_line
from bot.features.survey_render import survey_reply
from bot.features.surveys import open_survey, surveys
from bot.messages import Address, Card, Reply, Section, error_reply
from bot.ports import ChatAdapter
from bot.schedule import DAYS, Schedule, ScheduleError, first_fire, next_fire, parse_schedule
from persona_store.personas.views import PersonaView
from persona_store.scheduling.schedules import DigestStore, SubscriptionView
from persona_store.surveys.recovery import DIGEST_AUTHOR
from persona_store.surveys.repository import SurveyPlace, SurveyView

log = logging.getLogger(__name__)

USAGE = (
    "digest weekly mon 09:00 Europe/Berlin [--negative] | digest daily 08:30"
    " | digest weekdays 9am America/New_York | digest off | digest show"
)
PRIMARY_BONUS = timedelta(days=7)
QOTW_OPTIONS = ("Yes, still true", "Less than before", "Not any more")
QOTW_KINDS = ("pain", "objection", "goal")  # the lines a question of the week asks about
QOTW_DAYS = 7  # the longest a question of the week stays open
# A question of the week closes this long before the next post of its schedule, so a channel
# has one open at a time and its results come just before the next digest.
QOTW_BEFORE_NEXT = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def period_of(cron: str) -> str:
    """What one post covers, for its title: "day" for `daily` and `weekdays` schedules,
    "week" for `weekly` ones (and any other stored cron; `digest` offers no monthly)."""
    _minute, _hour, day, month, dow = cron.split()
    if day == "*" and month == "*" and dow not in DAYS:  # "*" or "mon-fri": several a week
        return "day"
    return "week"


def question_closes_at(sub: SubscriptionView, fire: datetime, now: datetime) -> datetime:
    """When the question of the run that fired at `fire` closes: QOTW_BEFORE_NEXT before the
    schedule's next post (in its time zone: tomorrow's for `daily`, the next weekday's for
    `weekdays`, a week on for `weekly`), at most QOTW_DAYS from `now`, and never sooner than
    QOTW_BEFORE_NEXT from `now`."""
    before_next = next_fire(sub.cron, sub.timezone, fire) - QOTW_BEFORE_NEXT
    return min(max(before_next, now + QOTW_BEFORE_NEXT), now + timedelta(days=QOTW_DAYS))


def digests(deps: Deps) -> DigestStore:
    return deps.repos.digests


def address_of(sub: SubscriptionView) -> Address:
    return Address(
        platform=sub.platform,
        workspace=sub.ext_workspace,
        conversation_id=sub.conversation_id,
        thread_id=sub.thread_id,
        service_url=sub.service_url,
    )


def pick_persona(
    personas: list[PersonaView], featured: Mapping[int, datetime], include_negative: bool
) -> PersonaView | None:
    """Fair rotation: least recently featured first, primary weighted up."""
    candidates = [p for p in personas if include_negative or p.kind != "negative"]
    if not candidates:
        return None

    def key(p: PersonaView) -> tuple[datetime, int, str]:
        last = featured.get(p.id, EPOCH + PRIMARY_BONUS)
        if p.kind == "primary":
            last -= PRIMARY_BONUS
        return (last, {"primary": 0, "secondary": 1}.get(p.kind, 2), p.slug)

    return min(candidates, key=key)


def digest_reply(
    persona: PersonaView,
    now: datetime,
    *,
    new_evidence: list[tuple[str, int | None]],
    survey_results: list[str],
    qotw: Reply | None,
    period: str = "week",
    consulted: int | None = None,
    featured_before: bool = True,
    why: str | None = None,
) -> Reply:
    """The digest post (pure): persona card + what's new + the question of the `period`
    ("day" or "week": the schedule's cadence, see `period_of`); `consulted`: how often the
    persona was asked (ask, panel) since it was last featured here (ever, when it never
    was: `featured_before` False); `why` says which line the question checks and why
    (bot.features.line_health)."""
    card = persona_card(persona, now, kinds=("goal", "pain"), limit=3)
    news: list[str] = [f"{s}" + (f" (n={n})" if n else "") for s, n in new_evidence[:3]]
    news += survey_results[:3]
    sections = list(card.sections)
    sections.append(
        Section(
            title="New since last featured",
            bullets=tuple(news) if news else ("Nothing new yet — run a survey to add evidence.",),
        )
    )
    context = card.context
    if consulted is not None:
        context = (*context, consulted_line(persona, consulted, featured_before))
    main = Card(
        title=f"Persona of the {period}: {persona.name}",
        subtitle=card.subtitle,
        text=card.text,
        image_url=card.image_url,
        initials=card.initials,
        fields=card.fields,
        sections=tuple(sections),
        context=context + ((why,) if why else ()),
        buttons=card.buttons,
    )
    lines = [f"Persona of the {period}: {persona.name} — {persona.role}"]
    if persona.quote:
        lines.append(f"\u201c{persona.quote}\u201d")
    for section in sections:
        lines += [f"{section.title}:", *(f"  • {b}" for b in section.bullets)]
    lines.append(freshness(persona, now))
    if consulted is not None:
        lines.append(consulted_line(persona, consulted, featured_before))
    if why:
        lines.append(why)
    cards: tuple[Card, ...] = (main,)
    meta: dict[str, str] = {"persona": persona.slug}
    if qotw is not None:
        lines += [f"Question of the {period}:", qotw.text]
        cards += qotw.cards
        meta.update(qotw.meta)
    track = qotw.track if qotw is not None else None
    return Reply(text="\n".join(lines), cards=cards, track=track, meta=meta)


def consulted_line(persona: PersonaView, count: int, featured_before: bool) -> str:
    """How often the persona was asked (asks and panels) since it was last featured here."""
    when = "since last featured here" if featured_before else "so far"
    if not count:
        return f"Not consulted {when}: ask {persona.first_name} something!"
    times = "once" if count == 1 else f"{count} times"
    return f"Consulted {times} {when} (asks and panels)"


async def build_digest(
    deps: Deps, sub: SubscriptionView, now: datetime, *, run_since: datetime | None = None
) -> Reply | None:
    """Choose the persona, gather what's new, create the question of the week (open until
    just before the schedule's next post: `question_closes_at`).

    `run_since` is the fire time of the run being delivered. A question of the week this
    channel got since then and never posted was left by an earlier attempt of the same run
    (its post failed, or its clock died mid-send): it is reused, with its persona, so a
    retried run never opens a second survey, and a post the platform did take before the
    crash collects its votes in the same survey as the retried one. The persona is marked
    featured by `record_posted`, once the post is out, so a failed attempt does not move the
    rotation on."""
    personas = await deps.db(deps.store.list_personas, sub.workspace_id)
    store = digests(deps)
    featured = await deps.db(store.featured, sub.id)
    reused = await _unposted_question(deps, sub, run_since)
    persona = next((p for p in personas if reused and p.id == reused.persona_id), None)
    if reused is not None and persona is None:  # its persona is gone from the list
        await deps.db(surveys(deps).discard, sub.workspace_id, reused.id)
        reused = None
    persona = persona or pick_persona(personas, featured, sub.include_negative)
    if persona is None:
        return None
    since = featured.get(persona.id)
    new_evidence = await deps.db(store.evidence_since, sub.workspace_id, persona.id, since)
    new_evidence = [(s, n) for s, n in new_evidence if not s.startswith("Survey:")]
    closed = await deps.db(surveys(deps).for_persona, sub.workspace_id, persona.id, since=since)
    results = [
        f"Survey \u201c{sv.question}\u201d: "
        + ", ".join(f"{o} {n}" for o, n in zip(sv.options, sv.counts, strict=False))
        + f" (n={sv.total})"
        for sv in closed
        if sv.total
    ]
    qotw = survey_reply(reused) if reused is not None else None
    why = None
    pains = persona.lines_of("pain") or persona.lines_of("objection") or persona.lines_of("goal")
    if pains and qotw is None:
        # the most contested, else least-backed line (bot.features.line_health); when every
        # line is backed, the pains in turn
        weakest = weakest_line(persona, now, kinds=QOTW_KINDS)
        found = persona.line(weakest.key) if weakest is not None else None
        line = found or pains[len(featured) % len(pains)]
        if weakest is not None and found is not None:
            why = (
                f"The question of the {period_of(sub.cron)} checks {weakest.key} ({weakest.why()})"
            )
        question = f"Is this still true for {persona.first_name}: \u201c{line.text}\u201d?"
        survey = await open_survey(
            deps,
            sub.workspace_id,
            persona,
            question[:300],
            QOTW_OPTIONS,
            place=SurveyPlace(
                sub.platform,
                sub.ext_workspace,
                sub.conversation_id,
                sub.thread_id,
                sub.service_url,
            ),
            created_by=DIGEST_AUTHOR,
            now=now,
            closes_at=question_closes_at(sub, run_since or now, now),
            line_key=line.key,
        )
        qotw = survey_reply(survey)
    return digest_reply(
        persona,
        now,
        new_evidence=new_evidence,
        survey_results=results,
        qotw=qotw,
        period=period_of(sub.cron),
        consulted=await deps.db(
            deps.repos.decisions.consultations_since, sub.workspace_id, persona.id, since
        ),
        featured_before=since is not None,
        why=why,
    )


async def _unposted_question(
    deps: Deps, sub: SubscriptionView, run_since: datetime | None
) -> SurveyView | None:
    if run_since is None:
        return None
    found = await deps.db(
        deps.repos.survey_recovery.unposted_question,
        sub.workspace_id,
        sub.platform,
        sub.conversation_id,
        since=run_since,
    )
    if found is None:
        return None
    log.info("digest %s: reusing survey %s from an earlier attempt of this run", sub.id, found)
    return await deps.db(surveys(deps).get, sub.workspace_id, found)


async def record_posted(deps: Deps, sub: SubscriptionView, reply: Reply, now: datetime) -> None:
    """The digest is out: its persona counts as featured in this channel from `now`."""
    slug = reply.meta.get("persona")
    if slug:
        await deps.db(digests(deps).record_feature, sub.id, sub.workspace_id, slug, now)


# -- chat commands -----------------------------------------------------------------------------


def _describe(sub: SubscriptionView) -> str:
    schedule = Schedule(sub.cron, sub.timezone).describe()
    period = period_of(sub.cron)
    if not sub.enabled:
        return f"The persona-of-the-{period} digest is off here ({sub.disabled_reason or 'off'})."
    nxt = ""
    if sub.next_run_at:
        from zoneinfo import ZoneInfo

        local = sub.next_run_at.astimezone(ZoneInfo(sub.timezone))
        nxt = f" Next post: {local:%a %d %b %Y %H:%M} {sub.timezone}."
    neg = " Negative personas included." if sub.include_negative else ""
    return f"This channel gets a persona-of-the-{period} post {schedule}.{nxt}{neg}"


async def digest_command(ctx: Context) -> Reply:
    deps = ctx.deps
    address = ctx.inbound.address
    store = digests(deps)
    args = ctx.args.strip()
    word = args.split(" ")[0].lower() if args else "show"
    if word in ("off", "stop", "unsubscribe"):
        sub = await deps.db(
            store.for_channel, ctx.workspace_id, address.platform, address.conversation_id
        )
        done = await deps.db(
            store.unsubscribe, ctx.workspace_id, address.platform, address.conversation_id
        )
        if not done or sub is None:
            return error_reply("This channel has no digest to turn off.")
        period = period_of(sub.cron)
        return Reply(text=f"Done: no more persona-of-the-{period} posts in this channel.")
    if word in ("show", "status"):
        sub = await deps.db(
            store.for_channel, ctx.workspace_id, address.platform, address.conversation_id
        )
        if sub is None:
            return Reply(
                text="No digest here yet. Subscribe with `" + USAGE.split(" | ")[0] + "`.",
                ephemeral=True,
            )
        return Reply(text=_describe(sub), ephemeral=True)
    include_negative = "--negative" in args
    args = args.replace("--negative", " ")
    try:
        schedule = parse_schedule(args, deps.settings.timezone)
    except ScheduleError as exc:
        return error_reply(f"{exc} Usage: {USAGE}")
    now = deps.now()
    sub = await deps.db(
        store.subscribe,
        ctx.workspace_id,
        platform=address.platform,
        ext_workspace=address.workspace,
        conversation_id=address.conversation_id,
        thread_id=None,
        service_url=address.service_url,
        cron=schedule.cron,
        timezone=schedule.timezone,
        next_run_at=first_fire(schedule.cron, schedule.timezone, now),
        include_negative=include_negative,
        created_by=ctx.author,
    )
    log.info("digest subscription %s: %s %s", sub.id, schedule.cron, schedule.timezone)
    return Reply(text="Subscribed. " + _describe(sub))


def register(registry: Registry) -> None:
    registry.command(
        "digest",
        summary="Persona of the week in this channel: a card, what's new, a question of the week.",
        usage=USAGE,
        examples=("digest weekly mon 09:00 Europe/Berlin", "digest show", "digest off"),
    )(digest_command)


__all__ = [
    "ChatAdapter",
    "build_digest",
    "digest_reply",
    "period_of",
    "pick_persona",
    "question_closes_at",
    "record_posted",
    "register",
]
