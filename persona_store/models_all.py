"""Imports every model module so `Base.metadata` is complete (create_all, Alembic)."""

from persona_store import models, scheduling_models, slack_state, web_posts  # noqa: F401
from persona_store.models import Base

__all__ = ["Base"]
