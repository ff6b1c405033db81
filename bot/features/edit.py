"""Editing a persona in a form: who may edit it, and what the bot says about it.

The policy (owners and workspace admins only) and every sentence live here; a platform's
form (the Slack modal) only supplies platform facts (who the person is, whether the
platform calls them a workspace admin), shows the form and carries the replies.
`edit NAME` typed anywhere else is answered by `personas.edit`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import Context
from bot.deps import Deps
from bot.features.resolve import resolve_persona
from bot.messages import Reply, error_reply, text_reply
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import PersonaView

# Asked only when the person is not an owner (on Slack it costs a users.info call).
AdminCheck = Callable[[], Awaitable[bool]]


def _same_person(owner_ref: str, user_ref: str) -> bool:
    if owner_ref.startswith("email:") and user_ref.startswith("email:"):
        return owner_ref.lower() == user_ref.lower()  # addresses are imported as typed
    return owner_ref == user_ref


def is_owner(persona: PersonaView, user_ref: str) -> bool:
    """Whether `user_ref` (`slack:U1`, `teams:29:x`, `email:a@b`) is one of the owners.
    A chat id never matches an owner stored by email: nothing here knows that person's
    address."""
    return any(_same_person(o.ref, user_ref) for o in persona.owners)


def may_edit(persona: PersonaView, user_ref: str, is_workspace_admin: bool) -> bool:
    """Owners and workspace admins may edit a persona; nobody else."""
    return is_workspace_admin or is_owner(persona, user_ref)


async def may_edit_asking(persona: PersonaView, user_ref: str, admin: AdminCheck) -> bool:
    """`may_edit`, asking the platform about admin rights only for people who don't own it."""
    return is_owner(persona, user_ref) or await admin()


def edit_refused(persona: PersonaView) -> Reply:
    # Owner refs are plain text like every Reply string: renderers escape them, so an
    # owner can't be pinged (or a crafted ref turn into a mention) by someone being refused.
    owners = ", ".join(o.ref for o in persona.owners) or "nobody yet"
    return error_reply(
        f"Only {persona.name}'s owners ({owners}) and workspace admins can edit this "
        f"persona. You can still ask {persona.first_name} anything, or suggest a change "
        "to an owner."
    )


def submission_refused() -> Reply:
    """A submitted form for a persona the person may not (or no longer) edit, or one that
    was deleted meanwhile. Short: it is shown as a field error inside the form."""
    return error_reply("You can't edit this persona.")


def edit_saved(spec: PersonaSpec, outcome: str) -> Reply:
    """`outcome` is the store's: "created", "updated" or "unchanged"."""
    return text_reply(f"Saved {spec.name} ({outcome}).", ephemeral=True)


async def edit_target(ctx: Context, admin: AdminCheck) -> PersonaView | Reply:
    """`edit NAME` (`ctx.args`): the persona to show in a form, or the reply saying it is
    unknown (the same "did you mean" as everywhere) or who may edit it."""
    persona = await resolve_persona(ctx, ctx.args)
    if isinstance(persona, Reply):
        return persona
    if not await may_edit_asking(persona, ctx.author, admin):
        return edit_refused(persona)
    return persona


async def submission_target(
    deps: Deps, workspace_id: int, slug: str, user_ref: str, admin: AdminCheck
) -> PersonaView | Reply:
    """A submitted form: the persona it edits if the person still may, else the refusal."""
    persona = await deps.db(deps.store.get, workspace_id, slug)
    if persona is None or not await may_edit_asking(persona, user_ref, admin):
        return submission_refused()
    return persona


async def save_edit(
    deps: Deps, workspace_id: int, spec: PersonaSpec, *, author: str, note: str
) -> Reply:
    """Write the edited persona (a revision naming `author`) and say so."""
    _, outcome = await deps.db(deps.store.upsert, workspace_id, spec, author=author, note=note)
    return edit_saved(spec, outcome)
