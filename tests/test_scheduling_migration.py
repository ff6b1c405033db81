"""Migrations 0002_scheduling, 0008_delivery_claims and 0012_health (on top of it) create
exactly the
tables and columns the models declare (run through Alembic's Operations on a database
holding only the foundation tables), and undo them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import inspect

from persona_store import create_engine_for, models
from persona_store.scheduling import models as sm

VERSIONS = Path(__file__).parents[1] / "persona_store/migrations/versions"
TABLES = [
    sm.Survey.__table__,
    sm.SurveyAnswer.__table__,
    sm.DigestSubscription.__table__,
    sm.Delivery.__table__,
    sm.DigestFeature.__table__,
    sm.ReviewState.__table__,
]


def _load(name: str = "0002_scheduling"):  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(f"m{name[:4]}", VERSIONS / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_matches_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    module = _load()
    assert module.down_revision == "0001_foundation" and module.revision == "0002_scheduling"
    claims = _load("0008_delivery_claims")
    assert claims.down_revision == "0002_scheduling"
    health = _load("0012_health")  # adds the open-text / recurring survey columns
    engine = create_engine_for(f"sqlite:///{tmp_path / 'm.db'}")
    foundation = [
        t
        for t in models.Base.metadata.sorted_tables
        if t.name
        in {
            "workspaces",
            "workspace_links",
            "personas",
            "profile_lines",
            "owners",
            "evidence",
            "persona_revisions",
        }
    ]
    models.Base.metadata.create_all(engine, tables=foundation)
    for step in (module, claims, health):
        with engine.begin() as conn:
            step.op._proxy = Operations(MigrationContext.configure(conn))
            step.upgrade()
    insp = inspect(engine)
    for table in TABLES:
        got = {c["name"]: c["nullable"] for c in insp.get_columns(table.name)}
        want = {c.name: c.nullable for c in table.columns}
        assert got == want, table.name
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints(table.name)}
        for constraint in table.constraints:
            if constraint.__class__.__name__ == "UniqueConstraint":
                assert tuple(c.name for c in constraint.columns) in uniques
    with engine.begin() as conn:
        health.op._proxy = Operations(MigrationContext.configure(conn))
        health.downgrade()
    assert "open_text" not in {c["name"] for c in inspect(engine).get_columns("surveys")}
    assert "survey_texts" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        claims.op._proxy = Operations(MigrationContext.configure(conn))
        claims.downgrade()
    assert "claimed_at" not in {c["name"] for c in inspect(engine).get_columns("deliveries")}
    with engine.begin() as conn:
        module.op._proxy = Operations(MigrationContext.configure(conn))
        module.downgrade()
    assert not set(inspect(engine).get_table_names()) & {t.name for t in TABLES}
