"""Synthetic members, cases and case records: `uwu demo` and the benchmarks.

Everything here is invented and looks it: given names from a short list, family names
that are obviously made up ("Testworth", "Demo-Hartley"), emails at example.org, phone
numbers in Ofcom's drama range (07700 900000-900999), postcodes in the ZZ99 area that
no real address has, employers and branches with "Example"/"Demo" in their names.

`Synthetic(seed, now, staff)` is deterministic: the same seed, clock and staff give the
same records, ids included. Records come as tuples in the column order of
`uwu_tui.data.importer`, in batches, so a benchmark can stream a million entries
without holding them. `build_demo_vault` makes the vault `uwu demo` opens;
`run_demo` is the command itself: private temporary folder, vault, TUI, clean-up.

No Textual import at module level: the TUI is imported only when the demo launches it.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TextIO

from uwu_tui.policy import validate

DEMO_USER = "demo"
DEMO_CASEWORKER = "demo-caseworker"
DEMO_SUPERVISOR = "demo-supervisor"
#: The documented demo passphrase (all three demo accounts). It passes the passphrase
#: policy; it protects nothing but invented records in a folder removed on exit.
DEMO_PASSPHRASE = "throwaway lantern harbour tide"
_DEMO_INITIAL = "initial lantern harbour tide"  # replaced at once; must differ

GIVEN = (
    "Aisha", "Alex", "Amir", "Ana", "Bea", "Ben", "Carys", "Chen", "Chris", "Dami", "Dev",
    "Ewa", "Femi", "Gwen", "Hana", "Ife", "Imran", "Jo", "Kai", "Kemi", "Lena", "Li", "Luca",
    "Maya", "Mo", "Nia", "Noor", "Olu", "Omar", "Pat", "Priya", "Rae", "Ravi", "Rosa", "Sam",
    "Sana", "Tom", "Tariq", "Una", "Vik", "Wren", "Yusuf", "Zara", "Zoe",
)
#: Obviously invented family names; half the time a "Demo-" prefix on a plain one.
FAMILY = (
    "Testworth", "Mockridge", "Sampleton", "Dummington", "Placeholt", "Fictionby",
    "Madeupson", "Trialworth", "Pretendle", "Notrealey", "Exampleford", "Fakesworth",
    "Stubbington", "Fixturely", "Shamwell", "Imaginary", "Inventon", "Nonesuch",
)
_PLAIN = (
    "Hartley", "Okafor", "Nowak", "Patel", "Evans", "Khan", "Murphy", "Silva", "Jones",
    "Ahmed", "Kowalski", "Osei", "Walsh", "Singh", "Brown", "Mensah", "Lewis", "Rahman",
)
EMPLOYERS = (
    "Example Borough Council", "Sample Logistics Ltd", "Demo Retail plc",
    "Testshire Health Trust (fictional)", "Placeholder Transport Co", "Mock Academy Trust",
    "Fictional Foods Ltd", "Example Care Homes", "Demo Civil Service Office",
)
WORKPLACES = ("Head Office", "Depot 1", "Depot 2", "North Site", "South Site", "Warehouse A",
              "Call Centre", "Town Hall", "Ward 7", "Main Campus")
BRANCHES = ("North Demo Branch", "South Demo Branch", "East Demo Branch", "West Demo Branch",
            "Central Demo Branch", "Example City Branch")
LANGUAGES = ("", "", "", "", "", "", "Polish", "Urdu", "Welsh", "Somali", "BSL", "Romanian")
ADJUSTMENTS = ("", "", "", "", "", "large print letters", "phone calls before noon",
               "step-free meeting room", "extra time in meetings", "written summaries")

TOPICS = ("rota change", "sickness absence", "pay shortfall", "overtime", "restructure",
          "disciplinary hearing", "grievance meeting", "bullying complaint", "flexible working",
          "redundancy consultation", "risk assessment", "night shifts", "holiday pay",
          "reasonable adjustments", "probation review", "return to work", "capability process",
          "manual handling", "lone working", "contract variation")
WORDS = (
    "member", "manager", "meeting", "called", "emailed", "letter", "advised", "explained",
    "policy", "procedure", "evidence", "witness", "statement", "hearing", "appeal", "outcome",
    "deadline", "agreed", "requested", "confirmed", "documents", "payslips", "timesheets",
    "occupational", "health", "referral", "employer", "HR", "representative", "union",
    "branch", "steward", "colleague", "team", "shift", "hours", "pay", "contract", "notice",
    "consultation", "proposal", "options", "risk", "stress", "support", "adjustment",
    "review", "follow", "up", "next", "week", "Monday", "Friday", "morning", "afternoon",
    "informal", "formal", "stage", "one", "two", "settlement", "tribunal", "ACAS", "early",
    "conciliation", "minutes", "notes", "draft", "sent", "received", "reply", "chased",
    "waiting", "supervisor", "site", "visit", "call", "back", "worried", "upset", "calm",
    "clear", "unclear", "missing", "overpaid", "underpaid", "arrears", "grade", "band",
    "sickness", "absence", "fit", "note", "GP", "phased", "return", "duties", "training",
    "record", "log", "complaint", "investigation", "suspension", "allegation", "response",
)
CASE_TYPES = validate.CASE_TYPES
ORIGIN = "local"


@dataclass(frozen=True)
class Sizes:
    members: int = 200
    cases: int = 40
    entries: int = 400
    #: The first case gets this many entries (a "case with 1,000 entries" to open).
    big_case_entries: int = 0
    actions_per_case: int = 2

    @classmethod
    def demo(cls, members: int) -> Sizes:
        cases = max(1, members // 5)
        return cls(members=members, cases=cases, entries=cases * 10,
                   big_case_entries=min(60, cases * 10 // 4))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


class Synthetic:
    """A deterministic source of synthetic records (see the module docstring)."""

    def __init__(self, seed: int = 1, *, now: datetime | None = None,
                 staff: Sequence[str] = (DEMO_USER,), origin: str = ORIGIN) -> None:
        self.seed = seed
        self.now = now or datetime.now(UTC)
        self.staff = tuple(staff)
        self.origin = origin
        self._base_ms = int(self.now.timestamp() * 1000) - 400 * 86_400_000

    # ---- ids ----------------------------------------------------------------------------

    def _id(self, rng: random.Random, serial: int) -> str:
        """A UUIDv7-shaped id, time-ordered by serial, random bits from the seeded rng."""
        ms = self._base_ms + serial // 4096
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | (serial % 4096) << 64
        value |= 0b10 << 62 | rng.getrandbits(62)
        return str(uuid.UUID(int=value))

    def member_id(self, index: int) -> str:
        return self._id(random.Random(f"{self.seed}:member-id:{index}"), index)

    # ---- members --------------------------------------------------------------------------

    def member_values(self, index: int) -> dict[str, Any]:
        """One member's fields as the form takes them (valid by validate.member_fields)."""
        rng = random.Random(f"{self.seed}:member:{index}")
        given = rng.choice(GIVEN)
        family = (rng.choice(FAMILY) if rng.random() < 0.5 else "Demo-" + rng.choice(_PLAIN))
        born = self.now.date() - timedelta(days=rng.randint(18 * 365, 66 * 365))
        verified = (self.now.date() - timedelta(days=rng.randint(1, 800))
                    if rng.random() < 0.7 else None)
        return {
            "membership_no": f"DM{index + 1:07d}",
            "given_name": given,
            "family_name": family,
            "preferred_name": "" if rng.random() < 0.9 else rng.choice(GIVEN),
            "date_of_birth": born.isoformat(),
            "email": f"{given}.{family}.{index + 1}@example.org".lower(),
            "phone": f"07700 900{rng.randint(0, 999):03d}",
            "address": f"{rng.randint(1, 250)} Example Street, Testtown ZZ99 {rng.randint(1, 9)}"
                       f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
            "employer": rng.choice(EMPLOYERS),
            "workplace": rng.choice(WORKPLACES),
            "branch": rng.choice(BRANCHES),
            "language": rng.choice(LANGUAGES),
            "interpreter": False,
            "adjustments": rng.choice(ADJUSTMENTS),
            "status": "active" if rng.random() < 0.92 else rng.choice(("lapsed", "left")),
            "last_verified": verified.isoformat() if verified else None,
        }

    def member_rows(self, start: int, stop: int) -> list[tuple]:
        """Rows for `importer.insert_members`, members start..stop-1."""
        now = _iso(self.now)
        rows = []
        for index in range(start, stop):
            values = self.member_values(index)
            if values["language"] and values["language"] != "BSL":
                values["interpreter"] = index % 3 == 0
            rows.append((self.member_id(index), *(values[f] for f in validate.MEMBER_FIELDS),
                         now, now, self.origin))
        return rows

    def write_members_csv(self, handle: TextIO, start: int, stop: int) -> None:
        """Members start..stop-1 as an import file with the documented columns."""
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(validate.MEMBER_FIELDS)
        for index in range(start, stop):
            values = self.member_values(index)
            born = datetime.fromisoformat(values["date_of_birth"])
            values["date_of_birth"] = born.strftime("%d/%m/%Y")  # UK form, as people type
            values["interpreter"] = "no"
            writer.writerow(["" if values[f] is None else values[f]
                             for f in validate.MEMBER_FIELDS])

    # ---- cases and their records -------------------------------------------------------------

    def plan(self, sizes: Sizes) -> list[int]:
        """How many entries each case gets (case 0 is the big one)."""
        rng = random.Random(f"{self.seed}:plan")
        counts = [0] * sizes.cases
        if not sizes.cases:
            return counts
        big = min(sizes.big_case_entries, sizes.entries)
        counts[0] = big
        rest = sizes.entries - big
        if sizes.cases == 1:
            counts[0] += rest
            return counts
        if rest >= sizes.cases - 1:  # every case has a record to open
            for index in range(1, sizes.cases):
                counts[index] = 1
            rest -= sizes.cases - 1
        for _ in range(rest):
            counts[rng.randrange(1, sizes.cases)] += 1
        return counts

    def case_batches(self, sizes: Sizes, *, batch_entries: int = 50_000
                     ) -> Iterator[tuple[list[tuple], list[tuple], list[tuple], list[tuple]]]:
        """(cases, case events, entries, plan actions) batches, cases in order, each case
        whole within one batch."""
        counts = self.plan(sizes)
        cases: list[tuple] = []
        events: list[tuple] = []
        entries: list[tuple] = []
        actions: list[tuple] = []
        serial = sizes.members
        for index, n_entries in enumerate(counts):
            rng = random.Random(f"{self.seed}:case:{index}")
            serial += 1
            case, event, case_actions = self._case(rng, index, serial, sizes)
            cases.append(case)
            events.append(event)
            actions.extend(case_actions)
            serial += 1 + len(case_actions)
            entries.extend(self._entries(rng, case, n_entries, serial))
            serial += n_entries
            if len(entries) >= batch_entries:
                yield cases, events, entries, actions
                cases, events, entries, actions = [], [], [], []
        if cases:
            yield cases, events, entries, actions

    def member_for_case(self, index: int, members: int) -> int:
        return random.Random(f"{self.seed}:case-member:{index}").randrange(members)

    def _case(self, rng: random.Random, index: int, serial: int, sizes: Sizes
              ) -> tuple[tuple, tuple, list[tuple]]:
        case_id = self._id(rng, serial)
        member_id = self.member_id(self.member_for_case(index, sizes.members))
        kind = rng.choice(CASE_TYPES)
        topic = rng.choice(TOPICS)
        opened = self.now - timedelta(days=rng.uniform(1 if index else 200, 700),
                                      minutes=rng.randint(0, 600))
        roll = rng.random()
        status = "open" if index == 0 or roll < 0.6 else ("on hold" if roll < 0.75 else "closed")
        closed = _iso(opened + (self.now - opened) * rng.uniform(0.3, 1)) if status == "closed" else None
        assignee = self.staff[index % len(self.staff)]
        opened_at = _iso(opened)
        case = (case_id, member_id, kind, f"{kind.capitalize()}: {topic}", status, opened_at,
                closed, assignee, opened_at, opened_at, self.origin)
        event = (self._id(rng, serial + 1), case_id, "opened", f"assigned to {assignee}", "",
                 opened_at, assignee, self.origin)
        actions = []
        for n in range(sizes.actions_per_case):
            due = (self.now + timedelta(days=rng.randint(-30, 45))).date().isoformat()
            done = _iso(self.now - timedelta(days=rng.randint(0, 20))) if rng.random() < 0.4 else None
            actions.append((self._id(rng, serial + 2 + n), case_id,
                            f"{rng.choice(('Send', 'Chase', 'Prepare', 'Book', 'Review'))} "
                            f"{rng.choice(('letter', 'evidence pack', 'meeting', 'appeal', 'notes'))}"
                            f" about the {topic}", assignee, due, done, opened_at, opened_at,
                            self.origin))
        return case, event, actions

    def _entries(self, rng: random.Random, case: tuple, count: int, serial: int) -> list[tuple]:
        case_id, opened_at, assignee = case[0], case[5], case[7]
        opened = datetime.fromisoformat(opened_at)
        span = (self.now - opened).total_seconds()
        rows = []
        for n in range(count):
            when = _iso(opened + timedelta(seconds=span * (n + rng.random()) / max(1, count)))
            kind = rng.choices(validate.ENTRY_KINDS, weights=(50, 15, 15, 5, 15))[0]
            channel = rng.choice(validate.CHANNELS) if kind == "interaction" else None
            if kind == "ethical decision":
                body = validate.ETHICAL_TEMPLATE.replace(
                    "Issue:\n", f"Issue: {rng.choice(TOPICS)}\n")
            else:
                words = rng.choices(WORDS, k=rng.randint(18, 48))
                body = (f"{rng.choice(TOPICS).capitalize()}: " + " ".join(words) + ".")
            rows.append((self._id(rng, serial + n), case_id, assignee, kind, channel, when, when,
                         body, None, "", self.origin))
        return rows


# ---- the demo vault ----------------------------------------------------------------------------


def build_demo_vault(path: Path, *, members: int = 200, seed: int = 1,
                     progress: Callable[[str], None] | None = None) -> Sizes:
    """A vault with three demo accounts (one passphrase) and synthetic records."""
    from uwu_tui.session import Session

    say = progress or (lambda _text: None)
    officer = Session.create(path, DEMO_USER, "Demo Officer", DEMO_PASSPHRASE)
    try:
        officer.add_user(DEMO_CASEWORKER, "Demo Caseworker", "caseworker", _DEMO_INITIAL)
        officer.add_user(DEMO_SUPERVISOR, "Demo Supervisor", "supervisor", _DEMO_INITIAL)
    finally:
        officer.close()
    for name in (DEMO_CASEWORKER, DEMO_SUPERVISOR):
        first = Session.open(path, name, _DEMO_INITIAL)
        try:
            first.change_passphrase(_DEMO_INITIAL, DEMO_PASSPHRASE)
        finally:
            first.close()
    sizes = Sizes.demo(members)
    session = Session.open(path, DEMO_USER, DEMO_PASSPHRASE)
    try:
        staff = (DEMO_CASEWORKER, DEMO_CASEWORKER, DEMO_USER, DEMO_SUPERVISOR)
        synthetic = Synthetic(seed, now=session.now(), staff=staff, origin=session.origin)
        load(session, synthetic, sizes, say=say)
    finally:
        session.close()
    return sizes


def load(session: Any, synthetic: Synthetic, sizes: Sizes, *, member_batch: int = 50_000,
         entry_batch: int = 50_000, say: Callable[[str], None] = lambda _t: None) -> None:
    """Write synthetic records through `Session.load_synthetic`, one transaction and one
    audit row per batch."""
    load_members(session, synthetic, sizes, batch=member_batch, say=say)
    load_cases(session, synthetic, sizes, batch=entry_batch, say=say)


def load_members(session: Any, synthetic: Synthetic, sizes: Sizes, *, batch: int = 50_000,
                 say: Callable[[str], None] = lambda _t: None) -> None:
    for start in range(0, sizes.members, batch):
        stop = min(sizes.members, start + batch)
        session.load_synthetic(member_rows=synthetic.member_rows(start, stop),
                               counts=f"{stop - start} members")
        say(f"members {stop:,}/{sizes.members:,}")


def load_cases(session: Any, synthetic: Synthetic, sizes: Sizes, *, batch: int = 50_000,
               say: Callable[[str], None] = lambda _t: None) -> None:
    """Cases (with their "opened" events), entries and plan actions, for members already
    loaded from the same `synthetic` and `sizes`."""
    done = 0
    for cases, events, entries, actions in synthetic.case_batches(sizes, batch_entries=batch):
        session.load_synthetic(case_rows=cases, event_rows=events, entry_rows=entries,
                               action_rows=actions,
                               counts=f"{len(cases)} cases, {len(entries)} entries, "
                                      f"{len(actions)} plan actions")
        done += len(entries)
        say(f"entries {done:,}/{sizes.entries:,}")


def launch_tui(settings: Any, vault: Path, username: str) -> int:
    """Open the TUI on the demo vault (the one call the tests replace)."""
    from uwu_tui.app import UwuApp

    app = UwuApp(settings=settings, vault=vault, username=username)
    app.run()
    return int(app.return_code or 0)


def run_demo(settings: Any, out: TextIO, *, members: int = 200, seed: int = 1,
             pause: Callable[[], object] | None = None) -> int:
    """`uwu demo`: a throwaway vault in a fresh private folder, the TUI, then clean-up.

    The folder is removed however the demo ends: normally, on an error, or on Ctrl+C.
    `pause`, when given (an interactive terminal), lets the user read the printed
    username and passphrase before the TUI takes over the screen.
    """
    folder = Path(tempfile.mkdtemp(prefix="uwu-demo-"))
    try:
        os.chmod(folder, 0o700)
        vault = folder / "demo.db"
        print(f"Making a demo vault with {members:,} synthetic members in {folder} …",
              file=out, flush=True)
        build_demo_vault(vault, members=members, seed=seed)
        print(
            "Demo vault ready (every name, address and number in it is invented).\n"
            f"  username:   {DEMO_USER}   (officer)\n"
            f"  passphrase: {DEMO_PASSPHRASE}\n"
            f"  also:       {DEMO_CASEWORKER} (caseworker), {DEMO_SUPERVISOR} (supervisor),"
            " same passphrase\n"
            "The vault and its folder are deleted when you quit.",
            file=out, flush=True,
        )
        if pause is not None:
            pause()
        demo_settings = replace(settings, vault=vault) if hasattr(settings, "vault") else settings
        return launch_tui(demo_settings, vault, DEMO_USER)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
