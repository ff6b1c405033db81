"""`persona-bot surveys export ID`: one survey as CSV (one row per answer, then totals).

Anonymous surveys export no voter, no answer time and no answer order."""

from __future__ import annotations

import csv
import io
from typing import Any

from persona_store.surveys import SurveyStore

HEADER = ("survey_id", "persona", "question", "option", "voter", "answered_at")


def export_csv(store: Any, workspace_id: int, survey_id: int) -> str:
    """Raises persona_store.surveys.SurveyError when there is no such survey."""
    surveys = SurveyStore.of(store)
    answers = surveys.answers_for_export(workspace_id, survey_id)
    survey = surveys.get(workspace_id, survey_id)
    assert survey is not None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for voter, option, at in answers:
        writer.writerow(
            (survey.id, survey.persona_slug, survey.question, option, voter,
             at.isoformat() if at else "")
        )  # fmt: skip
    writer.writerow(())
    writer.writerow(("option", "count", "share"))
    for option, count in zip(survey.options, survey.counts, strict=False):
        share = f"{count / survey.total:.3f}" if survey.total else "0"
        writer.writerow((option, count, share))
    writer.writerow(("n", survey.total, ""))
    writer.writerow(("status", survey.status, ""))
    return out.getvalue()
