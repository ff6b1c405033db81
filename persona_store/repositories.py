"""The core's repositories, built once over one session factory and handed to handlers in
`Deps.repos` (the platform adapters build their own state stores the same way)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from persona_store.decisions.repository import DecisionStore
from persona_store.evidence.repository import EvidenceStore
from persona_store.gaps.repository import GapStore
from persona_store.personas.ownership import OwnershipStore
from persona_store.scheduling.reviews import ReviewStore
from persona_store.scheduling.schedules import DeliveryStore, DigestStore
from persona_store.surveys.recovery import SurveyRecovery
from persona_store.surveys.repository import SurveyStore
from persona_store.surveys.voice import VoiceStore


@dataclass(frozen=True)
class Repositories:
    surveys: SurveyStore
    survey_recovery: SurveyRecovery
    digests: DigestStore
    deliveries: DeliveryStore
    reviews: ReviewStore
    ownership: OwnershipStore
    voice: VoiceStore
    decisions: DecisionStore
    evidence: EvidenceStore
    gaps: GapStore

    @classmethod
    def over(cls, sessions: sessionmaker[Session]) -> Repositories:
        return cls(
            surveys=SurveyStore(sessions),
            survey_recovery=SurveyRecovery(sessions),
            digests=DigestStore(sessions),
            deliveries=DeliveryStore(sessions),
            reviews=ReviewStore(sessions),
            ownership=OwnershipStore(sessions),
            voice=VoiceStore(sessions),
            decisions=DecisionStore(sessions),
            evidence=EvidenceStore(sessions),
            gaps=GapStore(sessions),
        )
