"""`persona-bot evidence import` (issue 13 §1), run in-process against SQLite and PostgreSQL
with exports written the way help desks, analytics and survey tools write them: quoted
newlines, a Latin-1 file with `;` and French headers, a UTF-8 file with a BOM and US dates.
A bad file changes nothing; re-importing adds nothing; a later persona-file import of an
older export keeps what the bot and the import wrote."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.web.gallery_views import tile
from bot.cli import main
from persona_store import Store
from persona_store.models import Evidence
from persona_store.personas import files
from persona_store.personas.spec import EvidenceSpec, PersonaSpec

HELPDESK = (
    '"Id","Subject","Description","Created at","Status","Ticket URL"\r\n'
    '"4811","Invoice total wrong after seat change","Hi team,\r\nwe removed 3 seats and the '
    'invoice still shows 25.\r\n""Urgent"", says our CFO.","2026-09-14T08:12:44Z","open",'
    '"https://acme.zendesk.com/agent/tickets/4811"\r\n'
    '"4812","Price increase email caused panic","Several admins asked, about the 20% rise.",'
    '"2026-09-15 10:01:00","solved","https://acme.zendesk.com/agent/tickets/4812"\r\n'
    '"4813","Export to Excel missing columns","",'
    '"Sep 16, 2026","pending","https://acme.zendesk.com/agent/tickets/4813"\r\n'
)
LATIN1 = (
    "Événement;Utilisateurs;Date;Ligne\n"
    "Désactivé la facturation annuelle;1 204;31.07.2026;pain-1\n"
    "Ouvert la page « tarifs » trois fois;87;01.08.2026;\n"
)
BOM_SURVEY = (
    "\ufeffSubmitted,Question,Answer,Count\n"
    "08/14/2026,What almost stopped you?,The price page was confusing,41\n"
    "08/15/2026,What almost stopped you?,Approval takes a quarter,12\n"
)


@pytest.fixture
def cli(store: Store, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    spec = {
        "name": "Maya Chen",
        "role": "Operations manager",
        "goals": ["Ship on time"],
        "pains": ["Price is the first objection", "Budget is approved once a year"],
    }
    store.upsert(store.default_workspace_id(), PersonaSpec.from_dict(spec), author="test")

    def run(*args: str) -> int:
        return main(list(args))

    return run


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def imported(store: Store) -> list[Evidence]:
    """The imported rows, read as stored (views only carry their summary)."""
    with store.sessions() as s:
        rows = s.scalars(select(Evidence).where(Evidence.origin == "import")).all()
        for e in rows:
            e.line_key = e.line.key if e.line else None  # type: ignore[attr-defined]
        s.expunge_all()
        return list(rows)


def count(store: Store) -> int:
    with store.sessions() as s:
        return s.scalar(select(func.count(Evidence.id))) or 0


def test_a_help_desk_export_with_quoted_newlines(cli, store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "zendesk-tickets.csv", HELPDESK)
    assert cli("evidence", "import", str(path), "--persona", "maya", "--source", "support") == 0
    out = capsys.readouterr().out
    # the guesses come first, before anything is written
    assert out.index("summary ← Subject (guessed)") < out.index("Added 3 evidence rows")
    assert "date ← Created at (guessed)" in out and "link ← Ticket URL (guessed)" in out
    rows = sorted(imported(store), key=lambda e: e.source_row)
    assert [(e.summary, e.collected_at, e.source_row) for e in rows] == [
        ("Invoice total wrong after seat change", date(2026, 9, 14), 2),
        # spreadsheet rows, though the first ticket's description spans three lines
        ("Price increase email caused panic", date(2026, 9, 15), 3),
        ("Export to Excel missing columns", date(2026, 9, 16), 4),
    ]
    assert {e.source for e in rows} == {"support"}
    assert {e.source_file for e in rows} == {"zendesk-tickets.csv"}
    assert rows[0].link == "https://acme.zendesk.com/agent/tickets/4811"
    assert all(e.line_key is None for e in rows)
    # the same export again adds nothing
    assert cli("evidence", "import", str(path), "--persona", "maya", "--source", "support") == 0
    assert "Added 0 evidence rows to Maya Chen from zendesk-tickets.csv (3 already there)" in (
        capsys.readouterr().out
    )
    assert len(imported(store)) == 3


def test_a_latin1_export_with_a_map_and_a_line_column(cli, store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "mixpanel.csv", LATIN1, "latin-1")
    code = cli(
        "evidence",
        "import",
        str(path),
        "--persona",
        "maya",
        "--source",
        "analytics",
        "--map",
        "summary=Événement,n=Utilisateurs,line=Ligne",
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Windows-1252 (Latin-1)" in out and "';' delimited" in out
    rows = sorted(imported(store), key=lambda e: e.source_row)
    assert [(e.summary, e.n, e.collected_at, e.line_key) for e in rows] == [
        ("Désactivé la facturation annuelle", 1204, date(2026, 7, 31), "pain-1"),
        ("Ouvert la page « tarifs » trois fois", 87, date(2026, 8, 1), None),
    ]
    # views carry a summary of the imported rows, not the rows
    maya = store.get(store.default_workspace_id(), "maya")
    assert maya is not None and maya.evidence == ()
    assert (maya.imported.rows, maya.imported.people, maya.imported.newest) == (
        2,
        1291,
        date(2026, 8, 1),
    )
    assert maya.imported.by_line == {"pain-1": 1} and maya.imported.unlinked == 1
    assert cli("personas", "show", "maya") == 0
    assert "Backed by 2 rows from exports" in capsys.readouterr().out
    # the gallery tile counts them too (it said "0 evidence" under "2 rows from exports")
    assert tile(maya, datetime(2026, 12, 3, tzinfo=UTC))["evidence_count"] == 2


def test_a_bom_file_with_us_dates_and_a_dry_run(cli, store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "typeform.csv", BOM_SURVEY)
    before = count(store)
    args = ("evidence", "import", str(path), "--persona", "maya", "--source", "survey")
    assert cli(*args, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "UTF-8 with BOM" in out and "date ← Submitted (guessed)" in out
    assert "Would add 2 evidence rows" in out and "nothing was written" in out
    assert count(store) == before
    assert cli(*args) == 0
    rows = sorted(imported(store), key=lambda e: e.source_row)
    assert [(e.summary, e.n, e.collected_at) for e in rows] == [
        ("The price page was confusing", 41, date(2026, 8, 14)),
        ("Approval takes a quarter", 12, date(2026, 8, 15)),
    ]


def test_a_bad_file_changes_nothing_and_names_every_row_and_column(  # type: ignore[no-untyped-def]
    cli, store, tmp_path, capsys
) -> None:
    good = write(tmp_path, "good.csv", BOM_SURVEY)
    assert cli("evidence", "import", str(good), "--persona", "maya", "--source", "survey") == 0
    before = count(store)
    bad = write(
        tmp_path,
        "bad.csv",
        "Subject,Created,Count,Line,URL\n"
        "Fine row,2026-09-01,3,pain-2,https://x.example/1\n"
        "Bad date,yesterday,3,,\n"
        ",2026-09-02,4,,\n"
        "Bad count and line,2026-09-03,-2,pain-9,ftp://nope\n"
        "Impossible day,2026-02-30,1,,\n",
    )
    code = cli("evidence", "import", str(bad), "--persona", "maya", "--source", "crm")
    err = capsys.readouterr().err
    assert code == 2
    assert "Cannot import bad.csv: 6 problems, so nothing was changed." in err
    for expected in (
        "bad.csv: row 3, column Created: expected a date like 2026-08-01",
        "bad.csv: row 4, column Subject: is empty",
        "bad.csv: row 5, column Count: expected a whole number of people or data points, got '-2'",
        "bad.csv: row 5, column URL: expected an http(s) URL, got 'ftp://nope'",
        "bad.csv: row 5, column Line: 'pain-9' is not a line of this persona",
        "bad.csv: row 6, column Created:",
    ):
        assert expected in err, err
    assert count(store) == before


def test_mixed_date_orders_and_unknown_columns_are_refused(cli, store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    mixed = write(tmp_path, "mixed.csv", "Note,Date\na,31/01/2026\nb,01/31/2026\n")
    assert cli("evidence", "import", str(mixed), "--persona", "maya", "--source", "crm") == 2
    assert "rows 2 and 3: mix day-first" in capsys.readouterr().err
    ok = write(tmp_path, "ok.csv", "Note,Date\na,2026-01-31\n")
    code = cli(
        "evidence",
        "import",
        str(ok),
        "--persona",
        "maya",
        "--source",
        "crm",
        "--map",
        "summary=Body",
    )
    assert code == 2
    assert "the file has no column 'Body' (its columns: Note, Date)" in capsys.readouterr().err
    typo = ("evidence", "import", str(ok), "--persona", "maya", "--source", "crm")
    assert cli(*typo, "--map", "sumary=Note") == 2
    assert "unknown field 'sumary' (did you mean summary?)" in capsys.readouterr().err
    assert cli(*typo, "--map", "colour=Note") == 2
    assert "did you mean" not in capsys.readouterr().err
    assert cli("evidence", "import", str(ok), "--persona", "zed", "--source", "crm") == 2
    assert count(store) == 0


def test_a_persona_file_import_keeps_bot_and_imported_evidence(cli, store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ws = store.default_workspace_id()
    old_export = tmp_path / "personas.yaml"
    old_export.write_text(files.dump_yaml(store.list_personas(ws)))
    path = write(tmp_path, "zendesk.csv", HELPDESK)
    assert cli("evidence", "import", str(path), "--persona", "maya", "--source", "support") == 0
    survey = EvidenceSpec("Is price the #1 objection? Yes 7, No 2", "survey", 9, date(2026, 9, 1))
    store.add_evidence(ws, "maya", survey, author="bot", details={"counts": [7, 2]})
    # the imported rows are not written into persona files (they live in the store)
    assert "Invoice total wrong" not in files.dump_yaml(store.list_personas(ws))
    assert cli("personas", "import", str(old_export)) == 0
    maya = store.get(ws, "maya")
    assert maya is not None
    assert len(imported(store)) == 3 and maya.imported.rows == 3
    [bot] = [e for e in maya.evidence if e.origin == "bot"]
    assert bot.details == {"counts": [7, 2]}
    # only naming it for removal takes the bot's evidence out
    doc = files.dump_yaml(store.list_personas(ws))
    assert "Is price the #1 objection" in doc
    removal = doc.replace("  n: 9\n", "  n: 9\n    remove: true\n")
    assert "remove: true" in removal
    old_export.write_text(removal)
    assert cli("personas", "import", str(old_export)) == 0
    maya = store.get(ws, "maya")
    assert maya is not None
    assert maya.evidence == () and maya.imported.rows == 3 and len(imported(store)) == 3


def test_evidence_suggest_in_the_terminal(cli, store, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = write(tmp_path, "zendesk.csv", HELPDESK)
    assert cli("evidence", "import", str(path), "--persona", "maya", "--source", "support") == 0
    assert "persona-bot evidence suggest maya" in capsys.readouterr().out
    assert cli("evidence", "suggest", "maya") == 0
    out = capsys.readouterr().out
    assert "Unlinked evidence of Maya Chen (3)" in out
    assert "Price increase email caused panic (support · 2026-09-15 · zendesk.csv row 3)" in out
    assert "→ pain-1 “Price is the first objection”" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml", "looks like an Excel workbook (.xlsx)"),
        (b"", "is empty (no header row)"),
        (b"Subject,Date\r\n", "has a header but no rows"),
        (b'Subject,Date\n"' + b"x" * (1 << 20) + b"x\n", "row 2: cannot be read as CSV"),
        (
            b"Subject,Date\n" + b"ok,2026-01-01\n" * 6000 + b"bad\x00cell,2026-01-02\n",
            "row 6002, column Subject: holds a NUL character",
        ),
        (b"Id,Status\n1,open\n", "Which column holds the evidence text?"),
    ],
)
def test_files_that_are_not_usable_exports_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, message: str
) -> None:
    from persona_store.evidence.rows import EvidenceFileError, check_file

    path = tmp_path / "export.csv"
    path.write_bytes(content)
    with pytest.raises(EvidenceFileError) as info:
        check_file(path, {}, frozenset())
    assert message in info.value.report()


def test_utf16_tab_separated_text_from_excel_is_read(tmp_path: Path) -> None:
    from persona_store.evidence.rows import check_file

    path = write(tmp_path, "unicode.txt", "Subject\tDate\nÇa coûte trop\t2026-02-03\n", "utf-16")
    checked = check_file(path, {}, frozenset())
    assert (checked.csv.encoding, checked.csv.delimiter) == ("utf-16", "\t")
    [row] = checked.read_rows()
    assert (row.summary, row.date) == ("Ça coûte trop", date(2026, 2, 3))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-08-01", date(2026, 8, 1)),
        ("2026-08-01T09:30:00Z", date(2026, 8, 1)),
        ("2026-08-01 09:30:00.123+02:00", date(2026, 8, 1)),
        ("2026/8/1", date(2026, 8, 1)),
        ("08/01/2026", date(2026, 8, 1)),  # month first unless the file says otherwise
        ("8/1/26 4:05 PM", date(2026, 8, 1)),
        ("01.08.2026", date(2026, 8, 1)),
        ("31/07/2026", date(2026, 7, 31)),
        ("Aug 1, 2026", date(2026, 8, 1)),
        ("August 1st, 2026 10:00", date(2026, 8, 1)),
        ("1 Aug 2026", date(2026, 8, 1)),
        ("01-Aug-26", date(2026, 8, 1)),
        ("Sat, Aug 1 2026", date(2026, 8, 1)),
        ("2026-02-30", None),
        ("yesterday", None),
    ],
)
def test_export_date_formats(text: str, expected: date | None) -> None:
    from persona_store.evidence.dates import DateError, DateOrder, parse_date

    if expected is None:
        with pytest.raises(DateError):
            parse_date(text, DateOrder(), 2)
    else:
        assert parse_date(text, DateOrder(), 2) == expected
    # once a row showed the file is day first, 03/04 is the 3rd of April
    order = DateOrder()
    parse_date("31/01/2026", order, 2, learn=True)
    assert parse_date("03/04/2026", order, 3) == date(2026, 4, 3)
