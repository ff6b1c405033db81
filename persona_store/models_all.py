"""Imports every model module so `Base.metadata` is complete (create_all, Alembic)."""

from persona_store import models  # noqa: F401
from persona_store.decisions import models as decision_models  # noqa: F401
from persona_store.gaps import models as gap_models  # noqa: F401
from persona_store.models import Base
from persona_store.platforms import (  # noqa: F401
    slack,
    slack_oauth,
    teams,
    teams_activities,
    web_posts,
)
from persona_store.scheduling import models as scheduling_models  # noqa: F401
from persona_store.surveys import voice_models  # noqa: F401

__all__ = ["Base"]
