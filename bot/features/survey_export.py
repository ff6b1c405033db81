"""`persona-bot surveys export ID [--workspace REF]`: one survey as CSV (one row per answer,
then totals).

Anonymous surveys export no voter, no answer time and no answer order. A survey is only found
in its own workspace: an id from another workspace is "no survey", never exported."""

from __future__ import annotations

import io
from typing import Any

from bot import csv_cells
from persona_store.surveys import SurveyError, SurveyStore
from persona_store.workspace_refs import WorkspaceRefError, find_workspace, list_workspaces

HEADER = ("survey_id", "persona", "question", "option", "voter", "answered_at")


def export_csv(store: Any, workspace_id: int, survey_id: int) -> str:
    """Raises persona_store.surveys.SurveyError when there is no such survey."""
    surveys = SurveyStore.of(store)
    answers = surveys.answers_for_export(workspace_id, survey_id)
    survey = surveys.get(workspace_id, survey_id)
    assert survey is not None
    out = io.StringIO()
    writer = csv_cells.writer(out)
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


def export_survey(store: Any, survey_id: int, workspace: str | None = None) -> str:
    """The CSV of survey `survey_id` in the workspace `workspace` names (slack:T0123,
    teams:TENANT, #3, a name; the default workspace when None). Raises SurveyError with a
    message for the person: unknown workspace, or no such survey in that workspace."""
    if workspace is None:
        workspace_id = store.default_workspace_id()
    else:
        try:
            workspace_id = find_workspace(store, workspace)
        except WorkspaceRefError as exc:
            raise SurveyError(str(exc)) from exc
    try:
        return export_csv(store, workspace_id, survey_id)
    except SurveyError as exc:
        known = list_workspaces(store)
        if workspace is None and len(known) < 2:
            raise
        [here] = [w for w in known if w.id == workspace_id]
        hint = "" if workspace else " Name another with --workspace (slack:TEAM_ID, #NUMBER)."
        raise SurveyError(
            f"There is no survey #{survey_id} in workspace {here.label()}.{hint}"
        ) from exc
