"""Hostile persona files (issue 10 item 11) through the real `persona-bot personas import`,
run as a subprocess with a timeout: a YAML alias bomb with a duplicate key, JSON nested
100,000 deep, a 5,000-digit number, /dev/zero and a file over the 20 MB cap each get a clear
message (exit 2, no traceback), and the store is left unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from persona_store import Store, create_engine_for, session_factory
from persona_store.migrate import upgrade
from persona_store.personas.spec import PersonaSpec

ALIAS_BOMB = """personas:
- name: Bomb
  name: Duplicate
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]
  pains: *i
"""
DIGITS = "7" * 5000


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _files(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """name -> (path, what the message says)."""
    big = tmp_path / "big.yaml"
    with big.open("wb") as out:
        out.write(b"personas: []\n")
        out.write(b"#" * (21 * 1024 * 1024))
    return {
        "alias bomb": (_write(tmp_path, "bomb.yaml", ALIAS_BOMB), "too big once its aliases"),
        "deep json": (
            _write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000),
            "nested too deeply",
        ),
        "deep yaml": (
            _write(tmp_path, "deep.yaml", "personas: " + "[" * 100_000 + "]" * 100_000),
            "nesting depth",  # libyaml's own limit, before ours
        ),
        "deepish yaml": (
            _write(tmp_path, "deepish.yaml", "personas: " + "[" * 500 + "]" * 500),
            "nested too deeply",
        ),
        "long number json": (
            _write(tmp_path, "n.json", f'{{"personas": [{{"name": "N", "age": {DIGITS}}}]}}'),
            "a number that is too long",
        ),
        "long number yaml": (
            _write(tmp_path, "n.yaml", f"personas:\n- name: N\n  review_every_days: {DIGITS}\n"),
            "a number that is too long",
        ),
        "dev zero": ("/dev/zero", "larger than 20 MB"),
        "huge file": (str(big), "larger than 20 MB"),
    }


@pytest.fixture
def store(tmp_path: Path) -> Store:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'cli.db'}")
    upgrade(engine)
    store = Store(session_factory(engine))
    spec = PersonaSpec.from_dict({"name": "Maya Chen", "pains": ["Price"]})
    store.upsert(store.default_workspace_id(), spec, author="test")
    return store


def snapshot(store: Store) -> list[tuple[str, int]]:
    ws = store.default_workspace_id()
    return [(p.slug, len(store.revisions(ws, p.slug))) for p in store.list_personas(ws)]


def import_file(tmp_path: Path, path: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SLACK_", "MICROSOFT_"))
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.db'}"
    return subprocess.run(
        [sys.executable, "-m", "bot", "personas", "import", path],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize(
    "case",
    ["alias bomb", "deep json", "deep yaml", "deepish yaml", "long number json",
     "long number yaml", "dev zero", "huge file"],
)  # fmt: skip
def test_a_hostile_file_is_refused_clearly_and_changes_nothing(
    store: Store, tmp_path: Path, case: str
) -> None:
    path, says = _files(tmp_path)[case]
    before = snapshot(store)
    done = import_file(tmp_path, path)  # the subprocess timeout bounds the run
    assert done.returncode == 2, done.stderr[-2000:]
    assert says in done.stderr and "nothing was changed" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr) < 5000
    assert "cannot be read" not in done.stderr  # each limit says what it is
    assert snapshot(store) == before
