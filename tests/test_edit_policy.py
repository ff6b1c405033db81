"""Who may edit a persona, and what the bot says about it (`bot.features.edit`): the pure
policy on PersonaViews, then the two async entry points on a real SQLite store."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from adapters.slack.render import to_message
from bot.commands import Context
from bot.features.edit import (
    edit_refused,
    edit_saved,
    edit_target,
    is_owner,
    may_edit,
    may_edit_asking,
    submission_target,
)
from bot.messages import Address, Inbound, Reply
from persona_store import Store
from persona_store.personas.spec import PersonaSpec
from persona_store.personas.views import OwnerView, PersonaView
from tests.answer_personas import make_persona
from tests.conftest import make_deps
from tests.fakes.slack_env import add_persona

ALICE = "slack:U0ALICE"
MAYA = replace(make_persona(), owners=(OwnerView("slack", "U0ALICE"),))


def owned_by(*refs: str) -> PersonaView:
    return replace(MAYA, owners=tuple(OwnerView(*ref.split(":", 1)) for ref in refs))


# -- may_edit: owner, admin, neither, owner stored by email --------------------------------


def test_an_owner_may_edit_without_being_admin() -> None:
    assert may_edit(MAYA, ALICE, is_workspace_admin=False)


def test_a_workspace_admin_may_edit_what_they_dont_own() -> None:
    assert may_edit(MAYA, "slack:U0ADMIN", is_workspace_admin=True)
    assert may_edit(owned_by(), "slack:U0ADMIN", is_workspace_admin=True)


def test_neither_owner_nor_admin_may_not_edit() -> None:
    assert not may_edit(MAYA, "slack:U0BOB", is_workspace_admin=False)
    assert not may_edit(owned_by(), "slack:U0BOB", is_workspace_admin=False)


def test_same_user_id_on_another_platform_is_not_the_owner() -> None:
    assert not may_edit(MAYA, "teams:U0ALICE", is_workspace_admin=False)
    assert not may_edit(MAYA, "slack:U0ALIC", is_workspace_admin=False)


def test_owner_stored_by_email_matches_that_address_in_any_case() -> None:
    maya = owned_by("email:Alice@Example.com")
    assert may_edit(maya, "email:alice@example.com", is_workspace_admin=False)
    assert not may_edit(maya, "email:bob@example.com", is_workspace_admin=False)


def test_owner_stored_by_email_is_not_matched_by_a_chat_id() -> None:
    # Nothing tells the core which chat user has that address: only admins get in.
    maya = owned_by("email:alice@example.com")
    assert not may_edit(maya, ALICE, is_workspace_admin=False)
    assert may_edit(maya, ALICE, is_workspace_admin=True)


def test_chat_ids_are_compared_exactly() -> None:
    assert not is_owner(MAYA, "slack:u0alice")


@dataclass
class AdminFact:
    """What a platform would answer about admin rights, counting the questions."""

    answer: bool
    asked: int = 0

    async def __call__(self) -> bool:
        self.asked += 1
        return self.answer


async def test_owners_are_not_asked_about_admin_rights() -> None:
    fact = AdminFact(False)
    assert await may_edit_asking(MAYA, ALICE, fact)
    assert fact.asked == 0


async def test_non_owners_are_asked_once() -> None:
    admin, someone = AdminFact(True), AdminFact(False)
    assert await may_edit_asking(MAYA, "slack:U0ADMIN", admin)
    assert not await may_edit_asking(MAYA, "slack:U0BOB", someone)
    assert (admin.asked, someone.asked) == (1, 1)


# -- wording ------------------------------------------------------------------------------


def test_refusal_names_the_owners_and_what_one_can_still_do() -> None:
    reply = edit_refused(owned_by(ALICE, "email:bo@example.com"))
    assert reply.is_error and reply.ephemeral
    assert reply.text == (
        "Only Maya Chen's owners (slack:U0ALICE, email:bo@example.com) and workspace admins "
        "can edit this persona. You can still ask Maya anything, or suggest a change to an "
        "owner."
    )
    assert "owners (nobody yet)" in edit_refused(owned_by()).text


def test_owner_refs_in_the_refusal_cannot_ping_anyone_in_slack() -> None:
    # An imported owner ref is free text after the platform; Slack markup in it stays text.
    message = to_message(edit_refused(owned_by("email:<!channel>", "slack:<@U0BOB>")))
    rendered = message["text"] + str(message["blocks"])
    assert "<!channel>" not in rendered and "<@U0BOB>" not in rendered
    assert "&lt;!channel&gt;" in message["text"] and "&lt;@U0BOB&gt;" in message["text"]


def test_saved_line_says_what_the_store_did() -> None:
    spec = PersonaSpec.from_dict({"name": "Maya Chen"})
    reply = edit_saved(spec, "updated")
    assert reply.text == "Saved Maya Chen (updated)." and reply.ephemeral and not reply.is_error


# -- on a store: the entry points the Slack modal uses ------------------------------------


@pytest.fixture
def store(sqlite_store: Store) -> Store:
    add_persona(sqlite_store, "Maya Chen", owners=[ALICE])
    return sqlite_store


def ctx_for(store: Store, user: str, name: str) -> Context:
    inbound = Inbound("command", f"edit {name}", user, Address("slack", "T0001", "C0GENERAL"))
    return Context(inbound, name, make_deps(store), store.default_workspace_id(), "edit")


async def test_edit_target_is_the_persona_for_its_owner(store: Store) -> None:
    target = await edit_target(ctx_for(store, "U0ALICE", "maya"), AdminFact(False))
    assert isinstance(target, PersonaView) and target.slug == "maya"


async def test_edit_target_refuses_others(store: Store) -> None:
    target = await edit_target(ctx_for(store, "U0BOB", "Maya"), AdminFact(False))
    assert isinstance(target, Reply) and target.text.startswith("Only Maya Chen's owners")


async def test_edit_target_of_an_unknown_name_is_the_usual_did_you_mean(store: Store) -> None:
    fact = AdminFact(True)
    target = await edit_target(ctx_for(store, "U0ALICE", "mya"), fact)
    assert isinstance(target, Reply) and target.is_error
    assert target.text == "I don't know 'mya' — did you mean Maya Chen?"
    assert fact.asked == 0


async def test_submission_for_a_deleted_or_foreign_persona_is_refused(store: Store) -> None:
    deps, ws = make_deps(store), store.default_workspace_id()
    gone = await submission_target(deps, ws, "omar", ALICE, AdminFact(True))
    foreign = await submission_target(deps, ws, "maya", "slack:U0BOB", AdminFact(False))
    mine = await submission_target(deps, ws, "maya", ALICE, AdminFact(False))
    assert isinstance(gone, Reply) and gone.text == "You can't edit this persona."
    assert foreign == gone
    assert isinstance(mine, PersonaView) and mine.slug == "maya"
