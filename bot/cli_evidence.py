"""`persona-bot evidence import FILE.csv --persona maya --source support` and
`persona-bot evidence suggest maya`: evidence from a CRM, help desk or analytics export.

The file is checked completely (every problem by row and column) before anything is
written, and written in one transaction: all or nothing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SOURCES = ("support", "analytics", "interview", "survey", "crm")


def add_parser(sub: Any, run: Any) -> None:
    evidence = sub.add_parser("evidence", help="evidence from CSV exports; link it to lines")
    esub = evidence.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = esub.add_parser("import", help="import a CSV export as evidence (all or nothing)")
    imp.add_argument("file", help="a .csv export (UTF-8, UTF-8 with BOM or Latin-1)")
    imp.add_argument("--persona", required=True, help="whose evidence, e.g. maya")
    imp.add_argument("--source", required=True, choices=SOURCES, help="where the rows come from")
    imp.add_argument(
        "--map",
        metavar="FIELD=COLUMN,…",
        help="which columns hold summary, date, n, link and line, e.g. "
        "summary=Subject,date=Created (guessed from the header otherwise)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    sug = esub.add_parser("suggest", help="unlinked evidence with the best line for each")
    sug.add_argument("persona", help="e.g. maya")
    imp.add_argument(
        "--workspace",
        metavar="REF",
        help="slack:TEAM_ID, teams:TENANT_ID, #NUMBER or its name (default: the default workspace)",
    )
    evidence.set_defaults(func=run)


def cmd_evidence(args: argparse.Namespace, settings: Any) -> int:
    from bot.cli import open_store, run_command

    if args.action == "suggest":
        store = open_store(settings)  # the terminal acts on the default workspace
        return run_command(settings, store, f"evidence suggest {args.persona}")
    return _import(args, settings)


def _import(args: argparse.Namespace, settings: Any) -> int:
    from bot.cli import open_store
    from persona_store.evidence.mapping import MappingError, parse_map
    from persona_store.evidence.reader import ENCODING_NAMES
    from persona_store.evidence.repository import EvidenceNotFound
    from persona_store.evidence.rows import EvidenceFileError, check_file
    from persona_store.workspace_refs import WorkspaceRefError, find_workspace

    path = Path(args.file)
    try:
        given = parse_map(args.map)
    except MappingError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if not path.is_file():
        why = "it is a directory" if path.is_dir() else "no such file"
        print(f"Cannot read {args.file}: {why}", file=sys.stderr)
        return 2
    store = open_store(settings)
    try:
        ws = (
            find_workspace(store, args.workspace)
            if args.workspace
            else (store.default_workspace_id())
        )
    except WorkspaceRefError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    found = store.lookup(ws, args.persona)
    persona = found.persona
    if persona is None:
        known = ", ".join(slug for slug, _ in store.persona_names(ws))
        hint = (
            f" Did you mean {' or '.join(found.suggestions or found.ambiguous)}?"
            if found.suggestions or found.ambiguous
            else f" Personas here: {known}."
            if known
            else " There are none here yet: `persona-bot personas import FILE` first."
        )
        print(f"I don't know the persona {args.persona!r}.{hint}", file=sys.stderr)
        return 2
    keys = frozenset(line.key for line in persona.lines)
    try:
        checked = check_file(path, given, keys, progress=print)
    except EvidenceFileError as exc:
        print(
            f"{exc.explain()}\nFix the file (or --map) and run the import again.", file=sys.stderr
        )
        return 2
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"Read {_rows(checked.rows)} ({ENCODING_NAMES[checked.csv.encoding]}, "
        f"{'tab' if checked.csv.delimiter == chr(9) else repr(checked.csv.delimiter)}"
        " delimited)."
    )
    if checked.order.describe():
        print(checked.order.describe())
    try:
        outcome = store_import(store, ws, persona.slug, checked, args, path)
    except EvidenceNotFound:
        print(f"{persona.name} was deleted meanwhile; nothing was imported.", file=sys.stderr)
        return 1
    verb = "Would add" if args.dry_run else "Added"
    print(
        f"{verb} {_rows(outcome.added, 'evidence row')} to {persona.name} from {path.name} "
        f"({outcome.already:,} already there)"
        + (": nothing was written (--dry-run)." if args.dry_run else ".")
    )
    if not args.dry_run and outcome.added and checked.linked < checked.rows:
        print(
            f"Link the rest to profile lines: persona-bot evidence suggest {persona.slug} "
            f"(or `evidence suggest {persona.slug}` in chat)."
        )
    return 0


def _rows(n: int, noun: str = "row") -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def store_import(store: Any, ws: int, slug: str, checked: Any, args: Any, path: Path) -> Any:
    from persona_store.evidence.repository import EvidenceStore

    return EvidenceStore(store.sessions).import_rows(
        ws,
        slug,
        checked.read_rows(),
        source=args.source,
        file_name=path.name,
        dry_run=args.dry_run,
    )
