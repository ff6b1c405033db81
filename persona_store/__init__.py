"""Persona store: SQLAlchemy 2 models and the only module that writes queries."""

from persona_store.db import create_engine_for, session_factory
from persona_store.personas.views import EvidenceView, LineView, OwnerView, PersonaView
from persona_store.store import PersonaLookup, Store

__all__ = [
    "EvidenceView",
    "LineView",
    "OwnerView",
    "PersonaLookup",
    "PersonaView",
    "Store",
    "create_engine_for",
    "session_factory",
]
