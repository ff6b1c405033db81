"""Create or upgrade the database schema.

TEMPORARY: creates tables from the models until the Alembic migrations land
(persona_store/migrations, `upgrade heads`)."""

from __future__ import annotations

from sqlalchemy import Engine

from persona_store.models_all import Base


def upgrade(engine: Engine) -> None:
    Base.metadata.create_all(engine)
