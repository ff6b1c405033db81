"""What a persona's imported evidence amounts to, in one grouped query for many personas:
rows, people (n, a row without one counting as 1), newest date, rows per line, rows still
unlinked. Views carry this summary instead of the rows themselves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from persona_store.models import Evidence, ProfileLine


@dataclass(frozen=True)
class ImportedEvidence:
    rows: int = 0
    people: int = 0
    newest: date | None = None
    by_line: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    unlinked: int = 0  # neither linked to a line nor set aside by an owner


def imported_summaries(s: Session, persona_ids: Sequence[int]) -> dict[int, ImportedEvidence]:
    if not persona_ids:
        return {}
    rows = s.execute(
        select(
            Evidence.persona_id,
            ProfileLine.key,
            Evidence.review,
            func.count(Evidence.id),
            func.sum(func.coalesce(Evidence.n, 1)),
            func.max(Evidence.collected_at),
        )
        .outerjoin(ProfileLine, ProfileLine.id == Evidence.line_id)
        .where(Evidence.origin == "import", Evidence.persona_id.in_(persona_ids))
        .group_by(Evidence.persona_id, ProfileLine.key, Evidence.review)
    ).all()
    acc: dict[int, dict] = {}
    for pid, key, review, count, people, newest in rows:
        a = acc.setdefault(
            pid, {"rows": 0, "people": 0, "newest": None, "by_line": {}, "unlinked": 0}
        )
        a["rows"] += count
        a["people"] += int(people or 0)
        if newest is not None and (a["newest"] is None or newest > a["newest"]):
            a["newest"] = newest
        if key is not None:
            a["by_line"][key] = a["by_line"].get(key, 0) + count
        elif review is None:
            a["unlinked"] += count
    return {pid: ImportedEvidence(**a) for pid, a in acc.items()}
