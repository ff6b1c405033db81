"""Played as an attacker with hostile CSV exports through `persona-bot evidence import`
(in-process, SQLite and PostgreSQL): each is refused with a short, clear message and the
store is unchanged. (NUL bytes, a 30 MB cell, UTF-16 and a runaway quote are covered by
tests/test_evidence_import.py.)"""

from __future__ import annotations

from pathlib import Path

from persona_store import Store
from tests.test_evidence_import import cli, count  # noqa: F401 (the fixture)


def test_a_header_of_100000_columns_gets_a_short_message(  # type: ignore[no-untyped-def]
    cli,  # noqa: F811 (the imported fixture)
    store: Store,
    tmp_path: Path,
    capsys,
) -> None:
    before = count(store)
    wide = tmp_path / "wide.csv"
    names = [f"column {i}" for i in range(100_000)]
    wide.write_text(",".join(names) + "\n" + ",".join("x" for _ in names) + "\n")
    assert cli("evidence", "import", str(wide), "--persona", "maya", "--source", "crm") == 2
    err = capsys.readouterr().err
    assert "Which column holds the evidence text?" in err
    assert "column 0, column 1" in err and "and 99,980 more" in err
    assert len(err) < 2_000, len(err)
    code = cli("evidence", "import", str(wide), "--persona", "maya", "--source", "crm",
               "--map", "summary=Nope")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "no column 'Nope'" in err and len(err) < 2_000, len(err)
    assert count(store) == before
