"""`persona-bot` command line: serve, clock, ask, personas, evidence, db, manifest.

This is the entry point and so the one place in bot/ allowed to import adapters: it builds
the web server and the clock with the concrete adapters the settings enable.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from collections.abc import Sequence
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.mount import PlatformAdapter

log = logging.getLogger("persona_bot")


def _setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    for noisy in (
        "aiohttp.access",
        "sqlalchemy.engine",
        "httpx",
        "httpx2",
        "alembic",
        "apscheduler",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _safe_url(url: str) -> str:
    """The database URL without its password, for logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else f"{scheme}://{user}@{host}"
    return url


def new_sqlite_file(database_url: str) -> Path | None:
    """The SQLite file `database_url` names if it does not exist yet (a command is about to
    create it), else None. A relative path is relative to the current directory."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from bot.settings import normalise_database_url

    try:
        url = make_url(normalise_database_url(database_url))
    except ArgumentError:
        return None
    name = url.database or ""
    if url.get_backend_name() != "sqlite" or name in ("", ":memory:") or name.startswith("file:"):
        return None
    path = Path(name).expanduser().resolve()
    return None if path.exists() else path


def say_created(path: Path | None) -> None:
    """Running from another directory silently made a second, empty database: say so."""
    if path is not None and path.exists():
        print(
            f"Created a new database: {path} (set DATABASE_URL to use another one; see "
            "README, Configuration).",
            file=sys.stderr,
        )


def open_store(settings: Settings, *, migrate: bool = True):  # type: ignore[no-untyped-def]
    from persona_store import Store, create_engine_for, session_factory
    from persona_store.migrate import upgrade

    created = new_sqlite_file(settings.database_url)
    engine = create_engine_for(settings.database_url)
    if migrate:
        upgrade(engine)
    say_created(created)
    return Store(session_factory(engine))


def load_samples(store: Any, *, quiet: bool = False) -> int:
    """Load the sample personas into an empty default workspace, and say so."""
    from persona_store.personas.files import load_samples_if_empty

    ws = store.default_workspace_id()
    loaded = load_samples_if_empty(store, ws)
    if loaded and not quiet:
        print(
            f"The persona store was empty, so I loaded {loaded} sample personas "
            "(import your own with `persona-bot personas import FILE`).",
            file=sys.stderr,
        )
    return loaded


def build_core(settings: Settings, store: Any):  # type: ignore[no-untyped-def]
    from bot.answering.factory import build_answerer
    from bot.commands import Core
    from bot.deps import Deps
    from bot.features import build_registry

    deps = Deps(store=store, answerer=build_answerer(settings), settings=settings)
    return deps, Core(deps, build_registry())


def build_adapters(
    settings: Settings, core: Any, deps: Any, tasks: Any, *, public: bool = False
) -> list[PlatformAdapter]:
    """Every adapter the settings enable. The web playground is always on. Teams without
    MICROSOFT_APP_ID is an unauthenticated local-testing endpoint, so it is only mounted
    when the server is not reachable from outside (`public` is False)."""
    from adapters.slack.app import SlackAdapter
    from adapters.teams.app import TeamsAdapter
    from adapters.web.app import WebAdapter

    adapters: list[PlatformAdapter] = [WebAdapter.from_settings(settings, core, deps, tasks)]
    for cls in (SlackAdapter, TeamsAdapter):
        if cls is TeamsAdapter and public and not settings.microsoft_app_id:
            log.info(
                "Teams is off (set MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD to turn it on; "
                "without them the local testing endpoint is only served on 127.0.0.1)"
            )
            continue
        adapter = cls.from_settings(settings, core, deps, tasks)
        if adapter is not None:
            adapters.append(adapter)
    return adapters


# -- commands ----------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from aiohttp import web

    from adapters.server import build_app
    from bot.tasks import BackgroundTasks

    log.info("database: %s", _safe_url(settings.database_url))
    store = open_store(settings)
    load_samples(store)
    deps, core = build_core(settings, store)
    tasks = BackgroundTasks()
    public = args.host not in ("127.0.0.1", "localhost", "::1")
    adapters = build_adapters(settings, core, deps, tasks, public=public)
    log.info("answerer: %s", deps.answerer.name)
    app = build_app(deps, core, adapters, tasks)
    port = args.port or settings.port
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    ready = f"Persona Bot is running: playground http://{shown}:{port}/  (Ctrl+C to stop)"
    try:  # aiohttp calls `print` once it listens, so a busy port never says "running"
        web.run_app(
            app,
            host=args.host,
            port=port,
            print=lambda _: print(ready, flush=True),
            access_log=None,
        )
    except OSError as exc:
        if exc.errno not in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
            raise
        print(
            f"Cannot listen on {args.host}:{port}: {os.strerror(exc.errno)}. Is another "
            "Persona Bot running? Pick another port with --port or PORT.",
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_clock(args: argparse.Namespace, settings: Settings) -> int:
    from bot.clock import run_clock_async
    from bot.tasks import BackgroundTasks

    log.info("database: %s", _safe_url(settings.database_url))
    store = open_store(settings)
    deps, core = build_core(settings, store)

    async def run() -> None:
        # Adapters are built inside the loop: their HTTP clients bind to it.
        tasks = BackgroundTasks()
        adapters = build_adapters(settings, core, deps, tasks)
        for adapter in adapters:
            await adapter.start()
        try:
            await run_clock_async(deps, adapters, jobs=core.registry.clock)
        finally:
            await tasks.drain()
            for adapter in adapters:
                await adapter.close()

    asyncio.run(run())
    return 0


def run_command(settings: Settings, store: Any, text: str) -> int:
    """Run one command through the same core the chat platforms use and print its replies
    (errors on stderr). Exit code 1 when the core refused."""
    from bot.messages import Address, Inbound

    _, core = build_core(settings, store)
    inbound = Inbound(
        kind="command",
        text=text,
        user_id="cli",
        address=Address(platform="cli", workspace="local", conversation_id="terminal"),
    )

    async def run() -> list[Any]:
        try:
            return await core.handle(inbound)
        finally:  # close the LLM client's connection pool inside the loop
            aclose = getattr(core.deps.answerer, "aclose", None)
            if aclose is not None:
                await aclose()

    replies = asyncio.run(run())
    for reply in replies:
        print(reply.text, file=sys.stderr if reply.is_error else sys.stdout)
    return 1 if any(r.is_error for r in replies) else 0


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    if not args.persona.strip():
        print('Which persona? e.g. persona-bot ask maya "Should we drop the free tier?"',
              file=sys.stderr)  # fmt: skip
        return 2
    store = open_store(settings)
    load_samples(store)
    return run_command(settings, store, f'ask {args.persona} "{" ".join(args.question)}"')


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def cmd_personas(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.cards import freshness
    from persona_store.personas import files

    if args.action == "import":
        return _import(args, settings)
    store = open_store(settings)
    ws = store.default_workspace_id()
    if args.action in ("list", "show"):
        load_samples(store)
    if args.action == "list":
        from datetime import datetime

        now = datetime.now(UTC)
        personas = store.list_personas(ws)
        if not personas:
            print("No personas yet. Import some with `persona-bot personas import FILE`.")
        for p in personas:
            print(f"{p.slug:<12} {p.name:<24} {p.kind:<10} {freshness(p, now)}")
        return 0
    if args.action == "show":
        return run_command(settings, store, f"show {args.name}")
    if args.action == "export":
        specs = store.list_personas(ws)  # views: the md export shows citation ids
        dump = {"yaml": files.dump_yaml, "json": files.dump_json, "md": files.dump_markdown}
        text = dump[args.format](specs)
        if args.out:
            if not _write_out(args.out, text):
                return 1
            print(f"Exported {_count(len(specs), 'persona')} to {args.out}.", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0
    return 2


def _import(args: argparse.Namespace, settings: Settings) -> int:
    """`personas import FILE`: the file is read and checked before the database is opened,
    so a bad (or hostile) file is refused fast and never touches the store."""
    from persona_store.personas import files

    try:
        specs = files.load_file(Path(args.file))
        store = open_store(settings)
        result = store.import_specs(store.default_workspace_id(), specs, author="cli:import")
    except files.PersonaFileError as exc:
        print(f"{exc.explain()}\nFix the file and run the import again.", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(
        f"Imported {_count(len(specs), 'persona')} from {args.file}: "
        f"{len(result.created)} created, "
        f"{len(result.updated)} updated, {len(result.unchanged)} unchanged."
    )
    return 0


def _write_out(path: str, text: str) -> bool:
    """`--out FILE`: False (and a message, no traceback) when the file cannot be written."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"Cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def cmd_surveys(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.survey_export import export_survey, list_surveys
    from persona_store.surveys.repository import SurveyError

    store = open_store(settings)
    try:
        if args.action == "list":
            text = list_surveys(store, args.workspace)
        else:
            text = export_survey(store, args.id, args.workspace, args.what)
    except SurveyError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.action == "export" and args.out:
        if not _write_out(args.out, text):
            return 1
        print(f"Exported survey #{args.id} ({args.what}) to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_decisions(args: argparse.Namespace, settings: Settings) -> int:
    from bot.features.decision_export import export_decisions
    from persona_store.workspace_refs import WorkspaceRefError

    store = open_store(settings)
    try:
        text = export_decisions(store, args.format, args.workspace)
    except WorkspaceRefError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.out:
        if not _write_out(args.out, text):
            return 1
        print(f"Exported the decision log ({args.format}) to {args.out}.", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from persona_store import create_engine_for
    from persona_store.migrate import upgrade

    created = new_sqlite_file(settings.database_url)
    upgrade(create_engine_for(settings.database_url))
    say_created(created)
    print(f"Database is up to date ({_safe_url(settings.database_url)}).")
    return 0


def cmd_manifest(args: argparse.Namespace, settings: Settings) -> int:
    if args.platform == "slack":
        from adapters.slack.manifest import slack_manifest

        try:
            sys.stdout.write(slack_manifest(args.url))
        except ValueError as exc:
            print(str(exc), file=sys.stderr)
            return 2
        return 0
    from adapters.teams.manifest import write_app_package

    try:
        out = write_app_package(args.app_id, Path(args.out))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"Wrote the Teams app package to {out}. Upload it in Teams: Apps > Manage your apps.")
    return 0


def cmd_workspaces(args: argparse.Namespace, settings: Settings) -> int:
    """`workspaces link slack:T0123 teams:TENANT-ID`: one organisation, one persona set."""
    from persona_store.workspace_refs import WorkspaceRefError, find_workspace

    refs: list[tuple[str, str]] = []
    for ref in args.refs:
        platform, sep, external_id = ref.partition(":")
        if not sep or platform not in ("slack", "teams") or not external_id:
            print(
                f"{ref!r} is not PLATFORM:ID (slack:T0123ABC or teams:<tenant id>)",
                file=sys.stderr,
            )
            return 2
        refs.append((platform, external_id))
    if len(set(refs)) < 2:
        print(
            "Name at least two different ones: persona-bot workspaces link slack:T0123 "
            "teams:TENANT",
            file=sys.stderr,
        )
        return 2
    store = open_store(settings)
    first_platform, first_id = refs[0]
    target = store.workspace_id(first_platform, first_id)
    for platform, external_id in dict.fromkeys(refs[1:]):
        ref = f"{platform}:{external_id}"
        try:
            before = find_workspace(store, ref)
        except WorkspaceRefError:
            before = None  # not seen yet
        left = store.count(before) if before is not None and before != target else 0
        store.link_workspace(platform, external_id, target)
        if left:
            print(
                f"Note: {ref} used workspace #{before}, whose {left} persona(s) it no longer "
                "sees (they are kept there, untouched).",
                file=sys.stderr,
            )
    print(f"Linked {', '.join(args.refs)} to workspace #{target}: they now share its personas.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="persona-bot",
        description="Keeps customer personas in the conversation (Slack, Teams, web playground).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the web process (Slack, Teams, playground, health)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default $PORT or 3000)")
    serve.set_defaults(func=cmd_serve)

    clock = sub.add_parser(
        "clock", help="run the one scheduler process (digests, reminders, survey closing)"
    )
    clock.set_defaults(func=cmd_clock)

    ask = sub.add_parser("ask", help="ask one persona a question in the terminal")
    ask.add_argument("persona", help="name, slug or unique prefix, e.g. maya")
    ask.add_argument("question", nargs="+", help="the question")
    ask.set_defaults(func=cmd_ask)

    personas = sub.add_parser("personas", help="manage the persona store")
    psub = personas.add_subparsers(dest="action", required=True, metavar="ACTION")
    psub.add_parser("list", help="list personas")
    show = psub.add_parser("show", help="show one persona")
    show.add_argument("name", help="name, slug or unique prefix, e.g. maya")
    imp = psub.add_parser("import", help="import a YAML or JSON persona file (all or nothing)")
    imp.add_argument("file", help="a .yaml, .yml or .json persona file")
    exp = psub.add_parser("export", help="export every persona")
    exp.add_argument(
        "--format",
        choices=("yaml", "json", "md"),
        default="yaml",
        help="yaml (default) and json re-import; md is a readable one-pager",
    )
    exp.add_argument("--out", help="write to this file instead of standard output")
    personas.set_defaults(func=cmd_personas)

    surveys = sub.add_parser("surveys", help="micro-survey results")
    ssub = surveys.add_subparsers(dest="action", required=True, metavar="ACTION")
    sexp = ssub.add_parser("export", help="one survey as CSV (anonymous ones list no voters)")
    sexp.add_argument("id", type=int, help="the survey number, e.g. 12")
    sexp.add_argument(
        "--what",
        choices=("answers", "summary"),
        default="answers",
        help="answers: one row per answer (default); summary: one row per option",
    )
    sexp.add_argument("--out", help="write to this file instead of standard output")
    slist = ssub.add_parser("list", help="this workspace's surveys, newest first, with ids")
    for sp in (sexp, slist):
        sp.add_argument(
            "--workspace",
            metavar="REF",
            help="the survey's workspace: slack:TEAM_ID, teams:TENANT_ID, #NUMBER or its name "
            "(default: the default workspace)",
        )
    surveys.set_defaults(func=cmd_surveys)

    decisions = sub.add_parser("decisions", help="the decision log")
    dlsub = decisions.add_subparsers(dest="action", required=True, metavar="ACTION")
    dexp = dlsub.add_parser("export", help="every decision of a workspace, oldest first")
    dexp.add_argument("--format", choices=("csv", "md"), default="csv", help="csv (default) or md")
    dexp.add_argument("--out", help="write to this file instead of standard output")
    dexp.add_argument(
        "--workspace",
        metavar="REF",
        help="slack:TEAM_ID, teams:TENANT_ID, #NUMBER or its name (default: the default one)",
    )
    decisions.set_defaults(func=cmd_decisions)
    from bot.cli_evidence import add_parser as add_evidence_parser
    from bot.cli_evidence import cmd_evidence

    add_evidence_parser(sub, cmd_evidence)

    db = sub.add_parser("db", help="database maintenance")
    dsub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    dsub.add_parser("upgrade", help="apply migrations")
    db.set_defaults(func=cmd_db)

    workspaces = sub.add_parser("workspaces", help="link a Slack team and a Teams tenant")
    wsub = workspaces.add_subparsers(dest="action", required=True, metavar="ACTION")
    link = wsub.add_parser(
        "link", help="share one persona set: persona-bot workspaces link slack:T0123 teams:TENANT"
    )
    link.add_argument("refs", nargs="+", metavar="PLATFORM:ID", help="the first one's personas win")
    workspaces.set_defaults(func=cmd_workspaces)

    manifest = sub.add_parser("manifest", help="app manifests to install the bot")
    msub = manifest.add_subparsers(dest="platform", required=True, metavar="PLATFORM")
    ms = msub.add_parser("slack", help="print a Slack app manifest (YAML)")
    ms.add_argument("--url", required=True, help="public base URL, e.g. https://bot.example.com")
    mt = msub.add_parser("teams", help="write a Teams app package (.zip)")
    mt.add_argument("--app-id", required=True, help="the Azure Bot's Microsoft App ID")
    mt.add_argument("--out", default="persona-bot.zip", help="output .zip path (persona-bot.zip)")
    manifest.set_defaults(func=cmd_manifest)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    settings = Settings.from_env()
    from sqlalchemy.exc import OperationalError

    try:
        return int(args.func(args, settings) or 0)
    except KeyboardInterrupt:
        return 130
    except OperationalError as exc:  # unreachable server, unwritable file: say so, briefly
        reason = str(exc.orig or exc).strip().splitlines()[0][:300]
        print(
            f"Cannot use the database {_safe_url(settings.database_url)}: {reason}\n"
            "Check DATABASE_URL (see README, Configuration).",
            file=sys.stderr,
        )
        return 1
