"""Imports every model module so `Base.metadata` is complete (create_all, Alembic)."""

from persona_store import (  # noqa: F401
    models,
    scheduling_models,
    slack_oauth_tables,
    slack_state,
    teams_activities,
    teams_state,
    web_posts,
)
from persona_store.models import Base

__all__ = ["Base"]
