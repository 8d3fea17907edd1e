"""The `uwu` command: set-up, administration and automation; no subcommand opens the TUI.

Exit codes (DESIGN.md): 0 ok, 1 error, 2 usage, 3 authentication failed,
4 not a vault / damaged / missing, 5 audit chain broken. Every command that unlocks
goes through Session, so the CLI and the TUI obey the same rules. A passphrase is
never taken from the command line: it is asked for with no echo, or read from
``--passphrase-file FILE`` (``-`` = standard input, one passphrase per line).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Callable, Sequence, TextIO

from uwu_tui.devflags import disable_core_dumps, sanitise_environment
from uwu_tui.errors import EXIT_OK, EXIT_USAGE, UsageError

PROG = "uwu"


# ---- passphrases ------------------------------------------------------------------


class Passphrases:
    """Where passphrases come from: files, standard input (line by line), or a no-echo prompt."""

    def __init__(self, stdin: TextIO | None = None, prompt: Callable[[str], str] | None = None):
        self._stdin = stdin if stdin is not None else sys.stdin
        self._prompt = prompt or getpass.getpass

    def _from_file(self, name: str) -> str:
        if name == "-":
            try:
                line = self._stdin.readline()
            except UnicodeDecodeError:
                raise UsageError("The passphrase on standard input is not UTF-8 text.") from None
            if not line:
                raise UsageError("Expected a passphrase on standard input, found none.")
            return line.rstrip("\r\n")
        try:
            with open(name, encoding="utf-8") as handle:
                line = handle.readline()
        except FileNotFoundError:
            raise UsageError(f"Passphrase file not found: {name}") from None
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"Cannot read the passphrase file {name}.") from None
        return line.rstrip("\r\n")

    def _interactive(self, label: str) -> str:
        if not self._stdin.isatty():
            raise UsageError(
                "There is no terminal to ask for the passphrase on: use --passphrase-file FILE (or -)."
            )
        try:
            return self._prompt(f"{label}: ")
        except EOFError:
            raise UsageError("No passphrase given.") from None

    def get(self, file: str | None, label: str = "Passphrase") -> str:
        return self._from_file(file) if file else self._interactive(label)

    def new(self, file: str | None, label: str = "New passphrase") -> str:
        """A new passphrase: from a file as is, or asked twice at the terminal."""
        if file:
            return self._from_file(file)
        first = self._interactive(label)
        if self._interactive(f"{label} (again)") != first:
            raise UsageError("The two passphrases do not match. Nothing was changed.")
        return first


# ---- argument parsing --------------------------------------------------------------


def _not_utf8(argv: Sequence[str]) -> str | None:
    """The usage error for the first argument that is not UTF-8 text, or None.

    Bytes that are not UTF-8 reach argv as lone surrogates. SQLite, the audit log and the
    terminal take UTF-8 only, so any such argument (a file name, a username, a reason) is a
    usage error (exit 2) with a message, not a crash halfway through a command."""
    for position, text in enumerate(argv, start=1):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            shown = text.encode("utf-8", "backslashreplace").decode("ascii", "replace")
            return (f"argument {position} ({shown[:60]}) holds bytes that are not UTF-8 "
                    "text: type it in UTF-8 or use another name")
    return None


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    default = None if top else argparse.SUPPRESS
    parser.add_argument("--vault", metavar="PATH", default=default,
                        help="the vault file (default: settings, then the user data folder)")
    parser.add_argument("--user", metavar="NAME", default=default,
                        help="your username (default: $UWU_USER, then your login name)")
    parser.add_argument("--passphrase-file", metavar="FILE", default=default,
                        help="read your passphrase from FILE ('-' = standard input)")


class _Parser(argparse.ArgumentParser):
    """argparse, with what it prints made inert: it echoes unknown arguments as they were
    typed, and an argument may hold terminal escapes (`uwu verify $'\\e]52;c;…\\a'`)."""

    def _print_message(self, message: str, file=None) -> None:  # noqa: ANN001
        if message:
            from uwu_tui.display import clean_multiline

            super()._print_message(clean_multiline(message), file)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="uwu-tui: confidential casework records for union caseworkers. "
        "With no command, opens the TUI.",
    )
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        _common(p, top=False)
        return p

    p = command("init", "create a vault and its first officer")
    p.add_argument("--name", required=True, metavar="FULL_NAME", help="the officer's full name")

    p = command("user", "manage accounts (officers)")
    usub = p.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    ua = usub.add_parser("add", help="add an account")
    _common(ua, top=False)
    ua.add_argument("username")
    ua.add_argument("--role", required=True, choices=["caseworker", "supervisor", "officer"])
    ua.add_argument("--name", required=True, metavar="FULL_NAME")
    ua.add_argument("--new-passphrase-file", metavar="FILE",
                    help="the new user's initial passphrase ('-' = standard input)")
    ul = usub.add_parser("list", help="list accounts")
    _common(ul, top=False)
    ud = usub.add_parser("disable", help="disable an account (removes its keyslot)")
    _common(ud, top=False)
    ud.add_argument("username")
    ur = usub.add_parser("role", help="change an account's role")
    _common(ur, top=False)
    ur.add_argument("username")
    ur.add_argument("role", choices=["caseworker", "supervisor", "officer"])
    uk = usub.add_parser("reset-key", help="retire an account's audit signing key (a new one "
                         "is made at its next sign-in)")
    _common(uk, top=False)
    uk.add_argument("username")

    p = command("passwd", "change your passphrase (rewrites only your keyslot)")
    p.add_argument("--new-passphrase-file", metavar="FILE",
                   help="the new passphrase ('-' = standard input)")

    p = command("verify", "check the vault's integrity and its audit chain (links and "
                "signatures)")
    p.add_argument("--print-head", action="store_true",
                   help="also print the chain head (SEQ:HASH) to write down outside the system")
    p.add_argument("--head", metavar="SEQ:HASH",
                   help="a head printed earlier: prove row SEQ still has that hash and the "
                   "chain still reaches it (exit 6 if not)")

    p = command("backup", "write an encrypted, verified copy with the same keyslots")
    p.add_argument("dest", metavar="DEST",
                   help="a new file, or a folder to put it in")

    for extra in _EXTENSIONS:
        extra(sub, command)
    _no_abbreviations(parser)
    return parser


def _no_abbreviations(parser: argparse.ArgumentParser) -> None:
    """Options must be spelled out: otherwise `--passphrase SECRET` would be taken as an
    abbreviation of --passphrase-file, putting the passphrase in argv (and in the
    "file not found" message)."""
    parser.allow_abbrev = False
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _no_abbreviations(child)


#: Later commands (import, export, surgery, demo) register here: (subparsers, command) -> None.
_EXTENSIONS: list[Callable[..., None]] = []


# ---- running ------------------------------------------------------------------------


class Context:
    """What a command needs: settings, the chosen vault and user, passphrase sources, output."""

    def __init__(self, args: argparse.Namespace, passphrases: Passphrases, out: TextIO):
        from uwu_tui.config import load_settings

        self.args = args
        self.settings = load_settings({"vault": args.vault})
        self.vault: Path = self.settings.vault
        self.passphrases = passphrases
        self.out = out

    @property
    def username(self) -> str:
        name = self.args.user or os.environ.get("UWU_USER") or _login_name()
        if not name:
            raise UsageError("Say who you are with --user NAME.")
        if _not_utf8([name]):
            raise UsageError("Your username (from $UWU_USER or your login name) is not "
                             "UTF-8 text: say who you are with --user NAME.")
        return name

    def passphrase(self, label: str = "Passphrase") -> str:
        return self.passphrases.get(self.args.passphrase_file, label)

    def open_session(self):  # -> Session
        from uwu_tui.data import vault as vaultfile
        from uwu_tui.session import Session

        vaultfile.inspect(vaultfile.VaultPaths.of(self.vault))  # fail before asking
        return Session.open(self.vault, self.username, self.passphrase(f"Passphrase for {self.username}"))

    def open_session_keeping_passphrase(self):  # -> tuple[Session, str]
        """For commands that seal a new keyslot with the same passphrase (surgery packs)."""
        from uwu_tui.data import vault as vaultfile
        from uwu_tui.session import Session

        vaultfile.inspect(vaultfile.VaultPaths.of(self.vault))
        passphrase = self.passphrase(f"Passphrase for {self.username}")
        return Session.open(self.vault, self.username, passphrase), passphrase

    def say(self, text: str) -> None:
        from uwu_tui.display import clean_multiline

        print(clean_multiline(text), file=self.out)  # a path or name may hold escapes


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def cmd_init(ctx: Context) -> int:
    from uwu_tui.data import vault as vaultfile
    from uwu_tui.errors import VaultExists
    from uwu_tui.session import Session

    paths = vaultfile.VaultPaths.of(ctx.vault)
    if vaultfile.exists(paths):
        raise VaultExists(f"A vault already exists at {paths.db}: refusing to overwrite it.")
    if not ctx.args.user:
        raise UsageError("init needs --user NAME for the first officer.")
    passphrase = ctx.passphrases.new(ctx.args.passphrase_file, "Passphrase for the first officer")
    session = Session.create(ctx.vault, ctx.args.user, ctx.args.name, passphrase)
    session.close()
    ctx.say(f"Created the vault {paths.db} with officer '{ctx.args.user}'.")
    ctx.say(f"Keep {paths.keys.name} with it: both are needed, and backed up together.")
    return EXIT_OK


def cmd_user(ctx: Context) -> int:
    session = ctx.open_session()
    try:
        action = ctx.args.user_command
        if action == "list":
            rows = session.list_users()
            ctx.say(f"{'USERNAME':<20} {'ROLE':<11} {'STATUS':<9} FULL NAME")
            for user in rows:
                ctx.say(f"{user.username:<20} {user.role:<11} {user.status:<9} {_clean(user.full_name)}")
        elif action == "add":
            initial = ctx.passphrases.new(ctx.args.new_passphrase_file,
                                          f"Initial passphrase for {ctx.args.username}")
            session.add_user(ctx.args.username, ctx.args.name, ctx.args.role, initial)
            ctx.say(f"Added '{ctx.args.username}' ({ctx.args.role}). They must change the "
                    "initial passphrase when they first sign in.")
        elif action == "disable":
            session.disable_user(ctx.args.username)
            ctx.say(f"Disabled '{ctx.args.username}': their keyslot is removed.")
        elif action == "role":
            session.set_role(ctx.args.username, ctx.args.role)
            ctx.say(f"'{ctx.args.username}' is now {ctx.args.role}.")
        elif action == "reset-key":
            session.reset_signing_key(ctx.args.username)
            ctx.say(f"Retired the audit signing key of '{ctx.args.username}': a new one is "
                    "made at their next sign-in.")
    finally:
        session.close()
    return EXIT_OK


def cmd_passwd(ctx: Context) -> int:
    from uwu_tui.data import vault as vaultfile
    from uwu_tui.session import Session

    vaultfile.inspect(vaultfile.VaultPaths.of(ctx.vault))
    current = ctx.passphrase(f"Current passphrase for {ctx.username}")
    session = Session.open(ctx.vault, ctx.username, current)
    try:
        new_file = ctx.args.new_passphrase_file
        if new_file is None and ctx.args.passphrase_file == "-":
            new_file = "-"  # current, then new, one per line on standard input
        new = ctx.passphrases.new(new_file)
        session.change_passphrase(current, new)
    finally:
        session.close()
    ctx.say("Passphrase changed. Only your keyslot was rewritten.")
    return EXIT_OK


def cmd_verify(ctx: Context) -> int:
    """Exit 0 intact, 5 a broken link or signature, 6 not matching the recorded --head."""
    from uwu_tui.data import audit
    from uwu_tui.errors import AuditBroken, HeadMismatch

    head = None
    if ctx.args.head is not None:
        try:
            head = audit.parse_head(ctx.args.head)
        except ValueError as error:
            raise UsageError(str(error)) from None
    session = ctx.open_session()
    try:
        result = session.verify(head=head)
    finally:
        session.close()
    ctx.say("Database integrity: ok (SQLite and SQLCipher page checks).")
    if result.head_mismatch:
        raise HeadMismatch(result.describe())
    if not result.ok:
        raise AuditBroken(result.describe())
    ctx.say(result.describe())
    if ctx.args.print_head:
        ctx.say(f"Chain head: {result.head_line()}  (write it down; check it later with "
                f"'uwu verify --head {result.head_line()}')")
    return EXIT_OK


def cmd_backup(ctx: Context) -> int:
    session = ctx.open_session()
    try:
        target = session.backup(ctx.args.dest)
    finally:
        session.close()
    ctx.say(f"Encrypted backup written and verified: {target}")
    ctx.say(f"Its keyslot file: {target.with_suffix('.keys')}")
    return EXIT_OK


def cmd_tui(ctx: Context) -> int:
    from uwu_tui.data import vault as vaultfile

    paths = vaultfile.VaultPaths.of(ctx.vault)
    if vaultfile.exists(paths):
        vaultfile.inspect(paths)  # a clear message and exit 4 before any screen appears
    from uwu_tui.app import UwuApp

    app = UwuApp(settings=ctx.settings, vault=paths.db, username=ctx.args.user)
    app.run()
    return int(app.return_code or 0)


COMMANDS: dict[str, Callable[[Context], int]] = {
    "init": cmd_init,
    "user": cmd_user,
    "passwd": cmd_passwd,
    "verify": cmd_verify,
    "backup": cmd_backup,
}


# ---- import and demo (issue 3) ---------------------------------------------------------

_IMPORT_EPILOG = """\
The file: comma-separated, UTF-8 (Excel's "CSV UTF-8"), first line = column names.
Columns (names match ignoring case and spaces; * = required):
  membership_no*, given_name*, family_name*, preferred_name, date_of_birth,
  email, phone, address, employer, workplace, branch, language, interpreter,
  adjustments, status, last_verified
Other headers: --map "Surname=family_name" (repeat for each). Unknown columns are
ignored. Dates as 25/11/2026 or 2026-11-25; interpreter yes/no; status active,
lapsed, left or deceased. Each row is checked like the member form; rejected rows
are listed by line number. A member already in the vault (same membership number)
is skipped, or with --update updated from the file's non-blank cells.
"""


def _import_and_demo_parsers(sub: argparse._SubParsersAction, command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("import", "bulk import records from a file (supervisors, officers)")
    isub = p.add_subparsers(dest="import_kind", metavar="WHAT", required=True)
    im = isub.add_parser("members", help="import members from a CSV file",
                         description="Import members from a CSV file, all accepted rows "
                                     "in one transaction.",
                         epilog=_IMPORT_EPILOG,
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(im, top=False)
    im.add_argument("file", metavar="FILE.csv")
    existing = im.add_mutually_exclusive_group()
    existing.add_argument("--update", dest="on_existing", action="store_const", const="update",
                          help="update members already in the vault from the file")
    existing.add_argument("--skip-existing", dest="on_existing", action="store_const",
                          const="skip", help="leave members already in the vault as they are "
                                             "(the default)")
    im.set_defaults(on_existing="skip")
    im.add_argument("--map", action="append", default=[], metavar="CSVCOL=FIELD",
                    help="read the member field FIELD from the column CSVCOL")
    im.add_argument("--dry-run", action="store_true",
                    help="check the file and report, saving nothing")

    d = command("demo", "open the TUI on a throwaway vault of synthetic members")
    d.add_argument("--members", type=int, default=200, metavar="N",
                   help="how many synthetic members (default 200)")


_EXTENSIONS.append(_import_and_demo_parsers)


class _ProgressBar:
    """A one-line progress bar on a terminal; silent when the stream is not a tty."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self._stream = stream
        self._label = label
        self._live = bool(getattr(stream, "isatty", lambda: False)())
        self._last = -1

    def __call__(self, done: int, total: int) -> None:
        if not self._live or total <= 0:
            return
        percent = min(100, done * 100 // total)
        if percent == self._last:
            return
        self._last = percent
        filled = percent * 30 // 100
        self._stream.write(f"\r{self._label} [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%")
        self._stream.flush()

    def close(self) -> None:
        if self._live and self._last >= 0:
            self._stream.write("\r" + " " * (len(self._label) + 38) + "\r")
            self._stream.flush()


def cmd_import(ctx: Context) -> int:
    from uwu_tui.data import importer

    mapping = importer.parse_mapping(ctx.args.map)
    importer.check_file(ctx.args.file)  # a clear message before asking for a passphrase
    session = ctx.open_session()
    bar = _ProgressBar(sys.stderr, "Importing members")
    try:
        report = session.import_members(ctx.args.file, on_existing=ctx.args.on_existing,
                                        mapping=mapping, dry_run=ctx.args.dry_run,
                                        progress=bar)
    finally:
        bar.close()
        session.close()
    for line in report.describe(limit=50):
        ctx.say(line)
    return EXIT_OK


def cmd_demo(ctx: Context) -> int:
    from uwu_tui import demo

    if ctx.args.members < 1 or ctx.args.members > 1_000_000:
        raise UsageError("--members takes a number from 1 to 1,000,000.")
    interactive = sys.stdin.isatty() and getattr(ctx.out, "isatty", lambda: False)()
    pause = (lambda: input("Press Enter to open the demo (Ctrl+C to stop) … ")) if interactive else None
    return demo.run_demo(ctx.settings, ctx.out, members=ctx.args.members, pause=pause)


COMMANDS["import"] = cmd_import
COMMANDS["demo"] = cmd_demo


def _surgery_parsers(sub: argparse._SubParsersAction,
                     command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("surgery", "surgery packs: an encrypted extract for offline sessions")
    ssub = p.add_subparsers(dest="surgery_command", metavar="ACTION", required=True)
    ex = ssub.add_parser("export", help="write a pack of chosen members",
                         description="Write a surgery pack: a separate encrypted vault with "
                                     "only the chosen members, opened with your passphrase.")
    _common(ex, top=False)
    ex.add_argument("dest", metavar="DEST",
                    help="a new file, or a folder to put it in")
    which = ex.add_mutually_exclusive_group(required=True)
    which.add_argument("--members", metavar="NO,NO…",
                       help="membership numbers, separated by commas")
    which.add_argument("--branch", metavar="NAME", help="every member of a branch")
    which.add_argument("--mine", action="store_true", help="the members of my open cases")
    mg = ssub.add_parser("merge", help="merge a pack back into this vault",
                         description="Merge a surgery pack, all or nothing; merging the "
                                     "same pack again adds nothing.")
    _common(mg, top=False)
    mg.add_argument("pack", metavar="PACK")
    mg.add_argument("--delete", action="store_true",
                    help="remove the pack's files after a successful merge")


_EXTENSIONS.append(_surgery_parsers)


def cmd_surgery(ctx: Context) -> int:
    session, passphrase = ctx.open_session_keeping_passphrase()
    try:
        if ctx.args.surgery_command == "export":
            numbers = [n.strip() for n in (ctx.args.members or "").split(",") if n.strip()]
            pack = session.surgery_export(ctx.args.dest, passphrase,
                                          membership_numbers=numbers or None,
                                          branch=ctx.args.branch, mine=ctx.args.mine)
            ctx.say(f"Surgery pack written: {pack}")
            ctx.say(f"Its keyslot file: {pack.with_suffix('.keys')} (keep them together).")
            ctx.say(f"Open it offline with: uwu --vault {pack}")
        else:
            report = session.surgery_merge(ctx.args.pack, passphrase, delete=ctx.args.delete)
            ctx.say(report.summary().capitalize() + ".")
            if report.conflicts:
                ctx.say("Review the conflicts in the TUI (merge review) before relying on "
                        "those fields.")
            if ctx.args.delete:
                ctx.say("The pack's files were removed.")
    finally:
        session.close()
    return EXIT_OK


COMMANDS["surgery"] = cmd_surgery


# ---- subject access report (DESIGN.md's command line) ----------------------------------------


def _export_parsers(sub: argparse._SubParsersAction,
                    command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    p = command("export", "reports that leave the vault (recorded as disclosures)")
    esub = p.add_subparsers(dest="export_command", metavar="REPORT", required=True)
    sar = esub.add_parser(
        "sar", help="a subject access report for one member",
        description="Write everything held about one member (HTML, readable by you only) "
                    "for their subject access request; recorded as a disclosure to the "
                    "member. On a shared server the number is visible in the process list "
                    "while this runs: the TUI's report action does not show it.")
    _common(sar, top=False)
    sar.add_argument("membership_no", metavar="MEMBERSHIP_NO")
    sar.add_argument("dest", metavar="DEST",
                     help="a new file, or a folder to put it in")
    sar.add_argument("--request", metavar="TEXT",
                     default="subject access request from the member",
                     help="how the request came (recorded with the disclosure)")


_EXTENSIONS.append(_export_parsers)


def cmd_export(ctx: Context) -> int:
    session = ctx.open_session()
    try:
        target = session.export_subject_access(ctx.args.membership_no, ctx.args.dest,
                                                request_detail=ctx.args.request)
    finally:
        session.close()
    ctx.say(f"Subject access report written: {target}")
    ctx.say("It is recorded as a disclosure to the member. Give it to them by a safe route "
            "and delete this copy once it is sent.")
    return EXIT_OK


COMMANDS["export"] = cmd_export


# ---- key rotation (issue 7) ---------------------------------------------------------------


def _rotate_key_parser(sub: argparse._SubParsersAction,
                       command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    command("rotate-key", "(officers) a new data key: re-encrypt the vault and give every "
                          "other user a one-time enrolment code")


_EXTENSIONS.append(_rotate_key_parser)


def cmd_rotate_key(ctx: Context) -> int:
    """The codes go to standard output once and nowhere else: uwu keeps no copy."""
    session, passphrase = ctx.open_session_keeping_passphrase()
    try:
        done = session.rotate_key(passphrase)
    finally:
        session.close()
    if done.replaced_unfinished:
        ctx.say("An earlier rotation had stopped before re-keying; its codes never worked "
                "and this one replaces it.")
    ctx.say("The vault has a new data key: it was re-encrypted and verified. Your passphrase "
            "is unchanged.")
    if done.enrolments:
        ctx.say("")
        ctx.say("One-time enrolment codes, shown only now (uwu keeps no copy). Give each "
                "person theirs by a safe route; they sign in with it as their passphrase and "
                "must choose a new one:")
        for item in done.enrolments:
            ctx.say(f"  {item.username:<20} {item.code}")
    else:
        ctx.say("No other active accounts: no enrolment codes to hand out.")
    ctx.say("")
    if done.backups:
        ctx.say("These backups were made with the old key and still open with the old "
                "passphrases (also those of disabled accounts):")
        for at, name in done.backups:
            ctx.say(f"  {at[:16].replace('T', ' ')}  {_clean(name)}")
    else:
        ctx.say("The audit log records no backups of this vault.")
    ctx.say("Any backup or copy made before now still opens with the old key and the old "
            "passphrases: destroy those you no longer need, and make a new backup now "
            "('uwu backup DEST'). Surgery packs have keys of their own and are not changed.")
    return EXIT_OK


COMMANDS["rotate-key"] = cmd_rotate_key


def _clean(text: str) -> str:
    from uwu_tui.display import clean

    return clean(text)


def run(
    argv: Sequence[str] | None = None,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    prompt: Callable[[str], str] | None = None,
) -> int:
    """Run one command; returns the exit code. Never lets a traceback reach the user."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    problem = _not_utf8(sys.argv[1:] if argv is None else argv)
    if problem:
        print(f"{PROG}: {_clean(problem)}", file=err)  # the argument may hold escapes
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse has printed usage or help
        return int(stop.code or 0) if stop.code in (0, None) else EXIT_USAGE
    try:
        ctx = Context(args, Passphrases(stdin, prompt), out)
        handler = COMMANDS.get(args.command or "", cmd_tui)
        return handler(ctx)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing half-saved.", file=err)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence
        from uwu_tui.crash import safe_report
        from uwu_tui.display import clean
        from uwu_tui.errors import expected

        # UwuError, and the disk-full / read-only / damaged-page errors errors.py knows;
        # messages may quote an argument: printed inert (no terminal escapes).
        known = expected(error, f"finish 'uwu {args.command or ''}'".replace(" ''", ""))
        if known is None:
            print(safe_report(error), file=err)
            return 1
        print(f"{PROG}: {clean(known.message)}", file=err)
        return known.exit_code


def main() -> None:
    sanitise_environment()
    disable_core_dumps()
    os.umask(0o077)
    sys.exit(run())


if __name__ == "__main__":
    main()
