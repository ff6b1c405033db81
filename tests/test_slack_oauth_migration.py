"""slack_sdk's OAuth tables (installations, bots, states) come from our migrations: the
schema is exactly the one slack_sdk builds, its stores work on it (SQLite and PostgreSQL),
and a database where slack_sdk's create_tables() already made them upgrades cleanly."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, inspect

from persona_store import create_engine_for
from persona_store.migrate import alembic_config, current_revisions, head_revisions, upgrade
from persona_store.platforms.slack_oauth import BOTS, INSTALLATIONS, OAUTH_STATES
from tests.test_migrations import _diff, empty_url  # noqa: F401 (fixture)

SLACK_TABLES = {INSTALLATIONS, BOTS, OAUTH_STATES}


def _stores(engine: Engine) -> tuple[SQLAlchemyInstallationStore, SQLAlchemyOAuthStateStore]:
    return (
        SQLAlchemyInstallationStore(client_id="111.222", engine=engine),
        SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine),
    )


def _slack_metadata(engine: Engine) -> MetaData:
    """slack_sdk's own table definitions, in one MetaData."""
    installs, states = _stores(engine)
    metadata = MetaData()
    for table in (*installs.metadata.tables.values(), *states.metadata.tables.values()):
        table.to_metadata(metadata)
    return metadata


def _slack_diff(engine: Engine) -> list:
    """Differences between the database and slack_sdk's definitions of its own tables
    (our other tables are not slack_sdk's business)."""

    def slack_only(name: str | None, type_: str, parent: dict) -> bool:
        return type_ != "table" or name in SLACK_TABLES

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": slack_only}
        )
        return compare_metadata(ctx, _slack_metadata(engine))


def _installation(team_id: str) -> Installation:
    return Installation(
        app_id="A0APP",
        enterprise_id=None,
        team_id=team_id,
        user_id="U0ADMIN",
        bot_token=f"xoxb-{team_id}",
        bot_id="B0BOT",
        bot_user_id="UBOT",
        bot_scopes="chat:write,commands",
        installed_at=datetime.now().timestamp(),
    )


def _exercise(engine: Engine, team_id: str) -> None:
    installs, states = _stores(engine)
    installs.save(_installation(team_id))
    bot = installs.find_bot(enterprise_id=None, team_id=team_id)
    assert bot is not None and bot.bot_token == f"xoxb-{team_id}"
    found = installs.find_installation(enterprise_id=None, team_id=team_id)
    assert found is not None and found.user_id == "U0ADMIN"
    state = states.issue()
    assert states.consume(state) is True
    assert states.consume(state) is False  # one use only
    installs.delete_all(enterprise_id=None, team_id=team_id)
    assert installs.find_bot(enterprise_id=None, team_id=team_id) is None


def test_upgrade_creates_slack_sdks_tables_exactly(empty_url: str) -> None:  # noqa: F811
    engine = create_engine_for(empty_url)
    try:
        upgrade(engine)  # what `persona-bot db upgrade` runs
        assert set(inspect(engine).get_table_names()) >= SLACK_TABLES
        assert _slack_diff(engine) == []
        assert _diff(engine) == []  # and our models declare them too
        _exercise(engine, "T0MIGRATED")
    finally:
        engine.dispose()


def test_tables_made_by_slack_sdk_before_are_kept_with_their_rows(
    empty_url: str,  # noqa: F811
) -> None:
    """A deployment from before this migration: migrated up to the Slack state tables, and
    slack_sdk's create_tables() made the OAuth tables at start, with an installation in
    them. Upgrading neither fails nor loses it."""
    engine = create_engine_for(empty_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003_slack")
        installs, states = _stores(engine)
        installs.create_tables()
        states.create_tables()
        installs.save(_installation("T0BEFORE"))

        upgrade(engine)
        assert current_revisions(engine) == head_revisions()
        assert _slack_diff(engine) == []
        bot = installs.find_bot(enterprise_id=None, team_id="T0BEFORE")
        assert bot is not None and bot.bot_token == "xoxb-T0BEFORE"
        _exercise(engine, "T0AFTER")
    finally:
        engine.dispose()


def test_a_missing_index_is_added_to_an_existing_table(empty_url: str) -> None:  # noqa: F811
    engine = create_engine_for(empty_url)
    try:
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003_slack")
        installs, _ = _stores(engine)
        installs.create_tables()
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP INDEX {BOTS}_idx")
        upgrade(engine)
        assert f"{BOTS}_idx" in {i["name"] for i in inspect(engine).get_indexes(BOTS)}
        assert _slack_diff(engine) == []
    finally:
        engine.dispose()
