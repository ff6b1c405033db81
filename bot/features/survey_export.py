"""`persona-bot surveys export ID [--what answers|summary] [--workspace REF]` and
`persona-bot surveys list [--workspace REF]`.

An export is one table per file: `answers` (one row per answer) or `summary` (one row per
option: count and share, with the survey's n and status on every row); shares always have
three decimals. Every CSV goes through `bot.csv_cells` (no spreadsheet formulas).

Anonymous surveys export no voter, no answer time and no answer order. A survey is only found
in its own workspace: an id from another workspace is "no survey", never exported."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any, Literal

from bot import csv_cells
from persona_store.surveys.repository import SurveyError, SurveyStore
from persona_store.surveys.views import SurveyView
from persona_store.workspace_refs import WorkspaceRefError, find_workspace, list_workspaces

What = Literal["answers", "summary"]
HEADER = ("survey_id", "persona", "question", "option", "voter", "answered_at")
SUMMARY_HEADER = ("survey_id", "persona", "question", "status", "n", "option", "count", "share")


def share(count: int, total: int) -> str:
    """A share of the answers, always with three decimals ("0.000" when nobody answered)."""
    return f"{count / total:.3f}" if total else "0.000"


def _survey(store: Any, workspace_id: int, survey_id: int) -> SurveyView:
    survey = SurveyStore.of(store).get(workspace_id, survey_id)
    if survey is None:
        raise SurveyError(f"There is no survey #{survey_id}.")
    return survey


def export_csv(store: Any, workspace_id: int, survey_id: int, what: What = "answers") -> str:
    """Raises persona_store.surveys.repository.SurveyError when there is no such survey."""
    out = io.StringIO()
    writer = csv_cells.writer(out)
    if what == "summary":
        survey = _survey(store, workspace_id, survey_id)
        writer.writerow(SUMMARY_HEADER)
        for option, count in zip(survey.options, survey.counts, strict=False):
            writer.writerow(
                (survey.id, survey.persona_slug, survey.question, survey.status, survey.total,
                 option, count, share(count, survey.total))
            )  # fmt: skip
        return out.getvalue()
    answers = SurveyStore.of(store).answers_for_export(workspace_id, survey_id)
    survey = _survey(store, workspace_id, survey_id)
    writer.writerow(HEADER)
    for voter, option, at in answers:
        writer.writerow(
            (survey.id, survey.persona_slug, survey.question, option, voter,
             at.isoformat() if at else "")
        )  # fmt: skip
    return out.getvalue()


def _workspace(store: Any, workspace: str | None) -> int:
    """The workspace `workspace` names (slack:T0123, teams:TENANT, #3, a name; the default
    workspace when None). Raises SurveyError with a message for the person."""
    if workspace is None:
        return int(store.default_workspace_id())
    try:
        return find_workspace(store, workspace)
    except WorkspaceRefError as exc:
        raise SurveyError(str(exc)) from exc


def export_survey(
    store: Any, survey_id: int, workspace: str | None = None, what: What = "answers"
) -> str:
    """The CSV of survey `survey_id` in the workspace `workspace` names. Raises SurveyError
    with a message for the person: unknown workspace, or no such survey in that workspace."""
    workspace_id = _workspace(store, workspace)
    try:
        return export_csv(store, workspace_id, survey_id, what)
    except SurveyError as exc:
        known = list_workspaces(store)
        if workspace is None and len(known) < 2:
            raise
        [here] = [w for w in known if w.id == workspace_id]
        hint = "" if workspace else " Name another with --workspace (slack:TEAM_ID, #NUMBER)."
        raise SurveyError(
            f"There is no survey #{survey_id} in workspace {here.label()}.{hint}"
        ) from exc


def _printable(text: str, limit: int = 60) -> str:
    """One line a terminal shows as is: control characters (escape sequences a question
    could carry) become '?', and long text is cut."""
    text = "".join(c if c.isprintable() else "?" for c in " ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def list_surveys(store: Any, workspace: str | None = None) -> str:
    """The workspace's latest surveys, newest first, one line each (ids for `export`)."""
    workspace_id = _workspace(store, workspace)
    surveys = SurveyStore.of(store).in_workspace(workspace_id)
    if not surveys:
        return "No surveys in this workspace yet.\n"
    lines = []
    for sv in surveys:
        when = sv.closed_at if not sv.is_open else sv.closes_at
        day = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if when else "-"
        label = "closes" if sv.is_open else "closed"
        anonymous = " anonymous" if sv.anonymous else ""
        lines.append(
            f"#{sv.id:<5} {sv.status:<6} {_printable(sv.persona_slug, 16):<16} "
            f"n={sv.total:<5} {label} {day}{anonymous}  {_printable(sv.question)}"
        )
    return "\n".join(lines) + "\n"
