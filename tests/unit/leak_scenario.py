"""The leak campaign's scenario and scanner (issue 7, "Leaks"). A test helper, not a test.

`LeakEnv` points HOME, the four XDG folders and TMPDIR into one private folder, so a scan
covers every place the app could write to. `build_scenario` then writes a distinct canary
(``CANARY-<field>-<random hex>``; some with é and a CJK character) into every record type
and every free-text field, through Session only (the one door): members (every field,
communication needs included), cases (title, status and reassignment reasons), entries
(bodies, amendments and their reasons), plan actions, consents (and a withdrawal),
disclosures (consent and legal bases), a subject access export, an erasure request and
its refusal, breaches (description, containment, every assessment field, an amendment
and its reason, a corrective action), incidents (description, note, resolution),
conflicts (description, employer, management plan), supervision notes, training, a
break-glass reason, users' full names, a CSV import, offline work in a surgery pack
(merged back), and an audit summary (the backup's file name is recorded in the chain).
It searches for members and notes, so the FTS indexes hold the canaries too.

`scan` looks for each canary in the bytes of files (UTF-8, NFD UTF-8, UTF-16-LE,
UTF-16-BE, and case-folded ASCII) and in their names. Each canary's random tail is
searched too, alone: the FTS indexes store tokens, lower-cased and prefix-compressed, so a
plaintext index would hold the tail even where the whole canary is not.

`crash_writer` is the child process of the crash tests: it writes canaries and stops
(by waiting to be killed) inside a transaction, or after commits before a checkpoint.
"""

from __future__ import annotations

import contextlib
import csv
import os
import secrets
import sys
import tempfile
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from tests.conftest import CASEWORKER, FIXED_NOW, OFFICER

#: The passphrase of the crash tests' vaults (the scenario makes its own, as canaries).
OFFICER_PASSPHRASE = "canary vault lantern grove"

#: Characters of each canary's random tail searched for on their own (see the docstring).
TAIL = 16


# ---- canaries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Canary:
    name: str
    value: str
    #: Whether the value must be in the office vault's plaintext at the end (decrypted
    #: with pagescan), which proves it was stored and so that the file scan looked for
    #: something really written.
    stored: bool = True

    @property
    def tail(self) -> str:
        return self.value[-TAIL:]

    @property
    def token(self) -> str:
        """The random hex, a word of its own to the search (what a search can find)."""
        return self.value.rsplit("-", 1)[-1]

    def needles(self) -> list[tuple[str, bytes]]:
        """(form, bytes) pairs to look for in raw file bytes."""
        found: list[tuple[str, bytes]] = []
        for label, text in (("", self.value), ("tail ", self.tail)):
            found += [(label + "utf-8", text.encode("utf-8")),
                      (label + "utf-16-le", text.encode("utf-16-le")),
                      (label + "utf-16-be", text.encode("utf-16-be"))]
        nfd = unicodedata.normalize("NFD", self.value)
        if nfd != self.value:
            found.append(("nfd utf-8", nfd.encode("utf-8")))
        return found

    def folded(self) -> list[tuple[str, bytes]]:
        """(form, bytes) pairs to look for in lower-cased file bytes."""
        return [("casefold", self.value.lower().encode("utf-8")),
                ("tail casefold", self.tail.lower().encode("utf-8"))]


class Canaries:
    """Distinct canaries by name, made as the scenario needs them."""

    def __init__(self) -> None:
        self.items: dict[str, Canary] = {}

    def _add(self, name: str, value: str, stored: bool = True) -> str:
        assert name not in self.items, name
        self.items[name] = Canary(name, value, stored)
        return value

    def text(self, name: str, *, wide: bool = False, stored: bool = True) -> str:
        """``CANARY-<name>-<24 hex>``; `wide` puts an é and a CJK character in it."""
        middle = "é漢-" if wide else ""
        return self._add(name, f"CANARY-{name.replace('.', '-')}-{middle}{secrets.token_hex(12)}",
                         stored)

    def email(self, name: str) -> str:
        return self._add(name, f"canary-{secrets.token_hex(4)}.{secrets.token_hex(10)}"
                               "@example.org")

    def phone(self, name: str) -> str:
        digits = "".join(secrets.choice("0123456789") for _ in range(14))  # the most allowed
        return self._add(name, f"+{digits}")

    def membership_no(self, name: str) -> str:
        return self._add(name, "CN" + secrets.token_hex(8).upper())

    def __iter__(self):
        return iter(self.items.values())

    def __len__(self) -> int:
        return len(self.items)

    def names(self) -> set[str]:
        return set(self.items)


# ---- the environment -----------------------------------------------------------------


@dataclass
class LeakEnv:
    """HOME, XDG folders and TMPDIR inside `root`, plus the folders the scenario writes to."""

    root: Path

    def __post_init__(self) -> None:
        for folder in (self.home, self.config, self.cache, self.data, self.state, self.tmp,
                       self.backups, self.packs, self.exports, self.outside):
            folder.mkdir(parents=True, exist_ok=True)

    home = property(lambda self: self.root / "home")
    config = property(lambda self: self.home / ".config")
    cache = property(lambda self: self.home / ".cache")
    data = property(lambda self: self.home / ".local" / "share")
    state = property(lambda self: self.home / ".local" / "state")
    tmp = property(lambda self: self.root / "tmp")
    backups = property(lambda self: self.root / "backups")
    packs = property(lambda self: self.root / "packs")
    #: Exports meant to hold no personal data (the breach summary): scanned.
    exports = property(lambda self: self.root / "exports")
    #: Where plaintext belongs by design (the CSV the user imports, the subject access
    #: report handed to the member): not scanned, but kept out of every scanned folder.
    outside = property(lambda self: self.root / "outside")

    @property
    def vault(self) -> Path:
        """The default vault location (platformdirs' user data folder)."""
        return self.data / "uwu-tui" / "vault.db"

    def variables(self) -> dict[str, str]:
        return {
            "HOME": str(self.home),
            "XDG_CONFIG_HOME": str(self.config),
            "XDG_CACHE_HOME": str(self.cache),
            "XDG_DATA_HOME": str(self.data),
            "XDG_STATE_HOME": str(self.state),
            "TMPDIR": str(self.tmp),
            "UWU_CONFIG": str(self.config / "uwu-tui" / "config.toml"),
            "UWU_SITE_CONFIG": str(self.config / "site-config.toml"),
        }

    def apply(self, monkeypatch) -> None:
        """Point this process at the folders (tempfile caches its choice: reset it too)."""
        for name, value in self.variables().items():
            monkeypatch.setenv(name, value)
        for name in ("UWU_VAULT", "UWU_USER", "UWU_DEVELOPER"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setattr(tempfile, "tempdir", None)
        assert tempfile.gettempdir() == str(self.tmp)

    def child_env(self) -> dict[str, str]:
        """For a subprocess: these folders, this checkout on the path, nothing else."""
        repo = Path(__file__).resolve().parents[2]
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                "PYTHONPATH": str(repo), **self.variables()}

    def scan_roots(self) -> list[Path]:
        """Every folder the app could write to in the scenario (HOME holds the XDG ones
        and the vault folder)."""
        return [self.home, self.tmp, self.backups, self.packs, self.exports]


# ---- scanning --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    canary: str
    form: str


def files_under(*roots: Path) -> list[Path]:
    found: list[Path] = []
    for root in roots:
        if root.is_file():
            found.append(root)
            continue
        for dirpath, _dirs, names in os.walk(root):
            found.extend(Path(dirpath) / name for name in names)
    return sorted(found)


def scan_bytes(label: str, data: bytes, canaries) -> list[Hit]:
    hits = []
    lowered = data.lower()
    for canary in canaries:
        for form, needle in canary.needles():
            if needle in data:
                hits.append(Hit(label, canary.name, form))
        for form, needle in canary.folded():
            if needle in lowered:
                hits.append(Hit(label, canary.name, form))
    return hits


def scan(paths: list[Path], canaries, *, names_allowed: dict[str, Path] | None = None
         ) -> list[Hit]:
    """Every canary found in the bytes or the name of any of `paths`. `names_allowed` maps
    a canary name to the folder where a file may carry it in its name (a backup file the
    user named so)."""
    hits: list[Hit] = []
    allowed = names_allowed or {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        hits += scan_bytes(str(path), data, canaries)
        name = path.name.lower()
        for canary in canaries:
            if canary.tail.lower() in name or canary.value.lower() in name:
                if allowed.get(canary.name) != path.parent:
                    hits.append(Hit(str(path), canary.name, "file name"))
    return hits


def data_key(db_path: Path, username: str, passphrase: str) -> bytes:
    """The vault's data key, unsealed from its keyslot file, for pagescan."""
    from uwu_tui.data.keyslots import KeyFile

    key = KeyFile.load(db_path.with_suffix(".keys")).unseal(username, passphrase)
    try:
        return bytes(key.raw())
    finally:
        key.wipe()


# ---- the scenario ----------------------------------------------------------------------


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Scenario:
    env: LeakEnv
    canaries: Canaries
    vault: Path
    backup: Path
    pack: Path
    sar: Path
    breach_summary: Path
    #: Root pages of the FTS data tables in the office vault (for pagescan.table_pages).
    fts_roots: dict[str, int] = field(default_factory=dict)
    #: What the scenario checked through Session that it really wrote.
    checks: list[str] = field(default_factory=list)
    #: The passphrases the scenario used (canaries too: stored nowhere, not even encrypted).
    passphrases: dict[str, str] = field(default_factory=dict)

    def names_allowed(self) -> dict[str, Path]:
        return {"audit.backup_name": self.backup.parent}


def build_scenario(env: LeakEnv) -> Scenario:
    """Everything in the module docstring, through Session; every session is closed at
    the end (the officer's after a lock), so the WAL is checkpointed."""
    from uwu_tui.errors import WrongPassphrase
    from uwu_tui.session import Session

    c = Canaries()
    clock = Clock()
    vault = env.vault
    today = FIXED_NOW.date().isoformat()
    # Passphrases are canaries that must be stored nowhere, not even inside the vault.
    officer_pass = c.text("secret.officer_passphrase", stored=False)
    initial = c.text("secret.initial_passphrase", stored=False)
    caseworker_pass = c.text("secret.caseworker_passphrase", stored=False)
    wrong = c.text("secret.wrong_passphrase", stored=False)
    Session.create(vault, OFFICER, c.text("user.officer_full_name", wide=True),
                   officer_pass, clock=clock).close()
    alice = Session.open(vault, OFFICER, officer_pass, clock=clock)
    alice.add_user(CASEWORKER, c.text("user.caseworker_full_name"), "caseworker", initial)
    first = Session.open(vault, CASEWORKER, initial, clock=clock)
    first.change_passphrase(initial, caseworker_pass)
    first.close()
    # A failed sign-in is counted outside the vault (vault.attempts), then audited.
    with contextlib.suppress(WrongPassphrase):
        Session.open(vault, CASEWORKER, wrong, clock=clock)
        raise AssertionError("a wrong passphrase opened the vault")
    bob = Session.open(vault, CASEWORKER, caseworker_pass, clock=clock)
    checks: list[str] = []
    try:
        # -- members: every field, communication needs included
        ann = alice.new_member({
            "membership_no": c.membership_no("member.membership_no"),
            "given_name": c.text("member.given_name", wide=True),
            "family_name": c.text("member.family_name", wide=True),
            "preferred_name": c.text("member.preferred_name"),
            "date_of_birth": "1980-02-03",
            "email": c.email("member.email"),
            "phone": c.phone("member.phone"),
            "address": c.text("member.address", wide=True) + "\n"
                       + c.text("member.address_line2"),
            "employer": c.text("member.employer"),
            "workplace": c.text("member.workplace"),
            "branch": c.text("member.branch"),
            "language": c.text("member.language", wide=True),
            "interpreter": "yes",
            "adjustments": c.text("member.adjustments"),
        })
        ben = alice.new_member({
            "membership_no": c.membership_no("member2.membership_no"),
            "given_name": c.text("member2.given_name"),
            "family_name": c.text("member2.family_name"),
        })
        ann = alice.update_member(ann.id, ann.version,
                                  {"status": "active", "last_verified": today})
        assert alice.find_members(ann.family_name[:14]), "member search"
        checks.append("member search")

        # -- a CSV import (the file is the user's own plaintext: kept outside the scan)
        source = env.outside / "import.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["membership_no", "given_name", "family_name", "address"])
            writer.writerow([c.membership_no("import.membership_no"),
                             c.text("import.given_name", wide=True),
                             c.text("import.family_name"), c.text("import.address")])
        assert alice.import_members(source).created == 1
        checks.append("import")

        # -- cases: title, status reason, reassignment reason
        case = alice.new_case(ann.id, "grievance", c.text("case.title", wide=True))
        case = alice.set_case_status(case.id, case.version, "on hold",
                                     c.text("case.status_reason"))
        case = alice.set_case_status(case.id, case.version, "open", c.text("case.reopen_reason"))
        case = alice.reassign_case(case.id, case.version, CASEWORKER,
                                   c.text("case.reassign_reason"))

        # -- entries, an amendment and its reason, an ethical decision record
        entry = bob.add_entry(case.id, "interaction", c.text("entry.body", wide=True),
                              channel="phone")
        bob.amend_entry(entry.id, c.text("entry.amendment_body"),
                        c.text("entry.amend_reason"))
        bob.add_entry(case.id, "ethical decision", "Issue:\n" + c.text("entry.ethical_body"))
        assert bob.search_notes(c.items["entry.body"].token), "note search"
        checks.append("note search")

        # -- plan actions
        action = bob.add_plan_action(case.id, c.text("plan.description"), today)
        bob.set_plan_action_done(action.id, action.version)

        # -- consent (used, then another withdrawn), disclosures on two bases
        consent = alice.record_consent(
            ann.id, purpose=c.text("consent.purpose"), recipient=c.text("consent.recipient"),
            method="written", wording=c.text("consent.wording", wide=True),
            given_on=today, evidence_ref=c.text("consent.evidence_ref"))
        alice.record_disclosure(
            ann.id, recipient=consent.recipient, purpose=consent.purpose,
            what=c.text("disclosure.what"), basis="consent", consent_id=consent.id,
            case_id=case.id)
        alice.record_disclosure(
            ann.id, recipient=c.text("disclosure.recipient"),
            purpose=c.text("disclosure.purpose"), what=c.text("disclosure.legal_what"),
            basis="legal", legal_citation=c.text("disclosure.legal_citation"),
            detail=c.text("disclosure.detail", wide=True))
        second = alice.record_consent(
            ann.id, purpose=c.text("consent2.purpose"), recipient=c.text("consent2.recipient"),
            method="verbal", wording=c.text("consent2.wording"), given_on=today)
        alice.withdraw_consent(second.id, second.version, withdrawn_on=today,
                               how=c.text("consent2.withdrawn_how"))

        # -- subject access: the report is the member's own copy (outside the scan)
        sar = alice.export_subject_access(ann.membership_no, env.outside / "sar.html",
                                          request_detail=c.text("sar.request_detail"))

        # -- retention: an erasure request and its refusal
        request = alice.record_erasure_request(ben.id, today, c.text("erasure.received_how"))
        alice.refuse_erasure(request.id, request.version, c.text("erasure.refusal_reason"))

        # -- break-glass: a caseworker opens a member they hold no case for
        bob.break_glass(ben.id, c.text("break_glass.reason"))

        # -- breaches: report, assessment, amendment, corrective action
        breach = bob.report_breach(
            discovered_at=(FIXED_NOW - timedelta(hours=2)).isoformat(),
            description=c.text("breach.description", wide=True), member_ids=[ann.id],
            data_categories=["contact details"], containment=c.text("breach.containment"))
        breach = alice.update_breach(
            breach.id, breach.version, risk="high risk",
            risk_rationale=c.text("breach.risk_rationale"), regulator_decision="notify",
            regulator_reason=c.text("breach.regulator_reason"),
            regulator_notified_at=(FIXED_NOW - timedelta(hours=1)).isoformat(),
            regulator_reference=c.text("breach.regulator_reference"),
            late_reason=c.text("breach.late_reason"),
            members_notice_reason=c.text("breach.members_notice_reason"),
            outcome=c.text("breach.outcome"),
            disciplinary_outcome=c.text("breach.disciplinary_outcome"))
        alice.amend_breach(breach.id, "description", c.text("breach.amended_description"),
                           c.text("breach.amend_reason"))
        alice.add_breach_action(breach.id, c.text("breach.action"), OFFICER, today)

        # -- incidents: report, note, resolution
        incident = bob.report_incident("ethical concern", c.text("incident.description"),
                                       member_id=ann.id)
        incident = alice.take_incident(incident.id, incident.version)
        alice.add_incident_note(incident.id, c.text("incident.note", wide=True))
        alice.resolve_incident(incident.id, incident.version, c.text("incident.resolution"))

        # -- conflicts: declared by the caseworker, reviewed by the officer
        conflict = bob.declare_conflict("employer", c.text("conflict.description"),
                                        employer=c.text("conflict.employer"))
        alice.review_conflict(conflict.id, conflict.version, "accepted",
                              c.text("conflict.management_plan"))

        # -- supervision and training
        alice.record_supervision(CASEWORKER, "supervision", today,
                                 c.text("supervision.notes", wide=True))
        alice.record_training(c.text("training.course"), "cultural competency", today,
                              username=CASEWORKER)

        # -- a surgery pack: exported, worked on offline, merged back
        pack = alice.surgery_export(env.packs / "surgery.db", officer_pass,
                                    membership_numbers=[ann.membership_no, ben.membership_no])
        offline = Session.open(pack, OFFICER, officer_pass, clock=clock)
        try:
            assert offline.is_pack
            offline.add_entry(case.id, "general", c.text("pack.entry_body", wide=True))
            pben = offline.open_member(ben.id)
            offline.update_member(ben.id, pben.version,
                                  {"workplace": c.text("pack.member_workplace")})
            offline.add_plan_action(case.id, c.text("pack.plan_description"), today)
            offline.report_breach(discovered_at=(FIXED_NOW - timedelta(hours=1)).isoformat(),
                                  description=c.text("pack.breach_description"),
                                  members_unknown=True)
            offline.report_incident("member safety", c.text("pack.incident_description"))
            assert offline.search_notes(c.items["pack.entry_body"].token)
        finally:
            offline.close()
        report = alice.surgery_merge(pack, officer_pass)
        assert not report.already_merged and report.conflicts == 0
        assert any(e.body == c.items["pack.entry_body"].value
                   for e in alice.case_entries(case.id)), "offline entry merged"
        checks.append("surgery merge")

        # -- an audit summary with user-chosen text: the backup's file name
        backup = alice.backup(env.backups / f"{c.text('audit.backup_name')}.db")
        assert any(c.items["audit.backup_name"].value in row.summary
                   for row in alice.audit_log(action="backup"))
        checks.append("audit summary")

        # -- the breach summary for the Executive Committee claims no personal data
        summary = alice.export_breach_summary(env.exports / "breach-summary.md")

        assert alice.verify().ok
        assert alice.audit_log(action="failed login", username=CASEWORKER)
        checks.append("failed sign-in audited")
        fts_roots = {name: root for name, root in alice._conn().execute(
            "SELECT name, rootpage FROM sqlite_schema"
            " WHERE name IN ('member_fts_data', 'entry_fts_data')")}
        alice.lock("for the leak scan")
    finally:
        bob.close()
        alice.close()
    return Scenario(env, c, vault, backup, pack, sar, summary, fts_roots, checks,
                    {OFFICER: officer_pass, CASEWORKER: caseworker_pass})


# ---- the crash child ------------------------------------------------------------------

ROWS_IN_CRASH_IMPORT = 400


def crash_writer() -> None:
    """``python -c 'from tests.unit.leak_scenario import crash_writer; crash_writer()'
    MODE VAULT MARKER CANARY...`` (passphrase on stdin).

    MODE ``in-transaction``: a CSV import of canary rows, whose progress callback, once
    every row is inserted and before COMMIT, writes MARKER and waits to be killed. The
    page cache is made small so the uncommitted pages spill into the WAL first (as a big
    import's do), so the kill leaves them on disk.
    MODE ``committed``: a member, a case and entries are saved (committed), then MARKER is
    written and the process waits to be killed before any checkpoint.
    """
    from uwu_tui.session import Session

    mode, vault, marker, *values = sys.argv[1:]
    passphrase = sys.stdin.readline().rstrip("\n")
    session = Session.open(vault, OFFICER, passphrase)

    def stop_here() -> None:
        with open(marker, "w") as handle:
            handle.write(str(os.getpid()))
            handle.flush()
            os.fsync(handle.fileno())
        time.sleep(120)
        raise SystemExit("not killed")

    if mode == "in-transaction":
        source = Path(values[0])
        session._conn().execute("PRAGMA cache_size = 10")  # spill before commit

        def progress(done: int, total: int) -> None:
            if done >= total:  # the last tick: every row inserted, COMMIT not yet run
                stop_here()

        session.import_members(source, progress=progress)
        raise SystemExit("the import committed")
    if mode == "committed":
        name, title, body = values
        member = session.new_member({"membership_no": "CR" + secrets.token_hex(4).upper(),
                                     "given_name": name, "family_name": name})
        case = session.new_case(member.id, "pay", title)
        for _ in range(3):
            session.add_entry(case.id, "general", body)
        stop_here()
    raise SystemExit(f"unknown mode {mode}")


def write_crash_csv(path: Path, canary: Canaries, rows: int = ROWS_IN_CRASH_IMPORT) -> None:
    """Rows for the in-transaction import, each carrying the canaries
    ``crash.given_name`` and ``crash.adjustments``."""
    given = canary.items["crash.given_name"].value
    adjustments = canary.items["crash.adjustments"].value
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["membership_no", "given_name", "family_name", "adjustments"])
        for i in range(rows):
            writer.writerow([f"CX{i:06d}", given, f"Row{i}", adjustments])
