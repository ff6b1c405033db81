"""`persona-bot decisions export [--format csv|md] [--workspace REF] [--out FILE]`: one
workspace's decision log, oldest first. CSV cells go through `bot.csv_cells`."""

from __future__ import annotations

from typing import Any, Literal

from bot.features.decision_render import export_csv, export_md
from persona_store.decisions.repository import DecisionStore
from persona_store.workspace_refs import find_workspace

Format = Literal["csv", "md"]


def export_decisions(store: Any, fmt: Format = "csv", workspace: str | None = None) -> str:
    """Raises persona_store.workspace_refs.WorkspaceRefError for an unknown workspace."""
    ws = (
        int(store.default_workspace_id()) if workspace is None else find_workspace(store, workspace)
    )
    decisions = list(reversed(DecisionStore.of(store).recent(ws, limit=0)))
    return export_md(decisions) if fmt == "md" else export_csv(decisions)
