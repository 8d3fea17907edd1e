"""Surgery packs (issue 6): export an encrypted extract, work on it offline, merge it back.

The office vault (built once per module, copied per test) holds three members: Ann
(A1001) and Ben (A1002) in the North branch, Cal (A1003) in the South; each has a case
(Ann's assigned to bob, Ben's to alice, Cal's to sam) with entries, and Ann and Cal a
consent and a disclosure. alice is an officer, bob a caseworker, sam a supervisor.

Argon2id runs at the lowest cost the library takes and is memoised: every export seals
a new keyslot, and the tests check packs, not key derivation (tests/unit/test_keyslots.py
covers the real parameters).
"""

from __future__ import annotations

import shutil
import stat
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import (
    CASEWORKER,
    CASEWORKER_INITIAL,
    CASEWORKER_NAME,
    FIXED_NOW,
    OFFICER,
    OFFICER_NAME,
    OFFICER_PASS,
    SUPERVISOR,
    SUPERVISOR_NAME,
    memoised_kdf,
)
from uwu_tui.data import keyslots
from uwu_tui.data.vault import VaultPaths
from uwu_tui.errors import PermissionDenied, ValidationError, WrongPassphrase
from uwu_tui.session import Session

PASSES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly",
          SUPERVISOR: "quiet orchard picks lanterns"}
CHEAP_ARGON2 = {"m": 8, "t": 1, "p": 1}
PURPOSE, RECIPIENT = "Representation at a grievance hearing", "Employer HR team"

#: Every table a merge may write to, for before/after comparisons.
TABLES = ("member", "casefile", "case_event", "entry", "plan_action", "consent", "disclosure",
          "access_grant", "breach", "breach_member", "breach_action", "breach_amendment",
          "incident", "incident_note", "conflict", "supervision", "training", "inbox",
          "merge_conflict", "surgery_pack", "erasure_request")


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def tick(self) -> None:
        self.now += timedelta(seconds=1)


@pytest.fixture(scope="module", autouse=True)
def cheap_memoised_argon2():
    with memoised_kdf() as patch:
        patch.setattr(keyslots, "ARGON2_FLOOR", CHEAP_ARGON2)
        yield


@dataclass(frozen=True)
class World:
    path: Path
    ann: str
    ben: str
    cal: str
    ann_case: str
    ben_case: str
    cal_case: str
    ann_action: str
    ann_consent: str


def build_world(folder: Path) -> World:
    clock = Clock()
    path = folder / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS, clock=clock).close()
    admin = Session.open(path, OFFICER, OFFICER_PASS, clock=clock)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SUPERVISOR, SUPERVISOR_NAME, "supervisor", CASEWORKER_INITIAL)
    for name in (CASEWORKER, SUPERVISOR):
        first = Session.open(path, name, CASEWORKER_INITIAL, clock=clock)
        first.change_passphrase(CASEWORKER_INITIAL, PASSES[name])
        first.close()
    ann = admin.new_member({"membership_no": "A1001", "given_name": "Ann", "family_name": "One",
                            "branch": "North", "email": "ann@example.org",
                            "phone": "01632 960001"})
    ben = admin.new_member({"membership_no": "A1002", "given_name": "Ben", "family_name": "Two",
                            "branch": "North"})
    cal = admin.new_member({"membership_no": "A1003", "given_name": "Cal",
                            "family_name": "Three", "branch": "South"})
    ann_case = admin.new_case(ann.id, "pay", "Holiday pay", assigned_to=CASEWORKER)
    ben_case = admin.new_case(ben.id, "grievance", "Rota dispute")
    cal_case = admin.new_case(cal.id, "disciplinary", "Hearing", assigned_to=SUPERVISOR)
    for case, body in ((ann_case, "Payslips show missing accrual"),
                       (ann_case, "Rang the member back"), (ben_case, "Rota changed"),
                       (cal_case, "Hearing booked")):
        admin.add_entry(case.id, "general", body)
    action = admin.add_plan_action(ann_case.id, "Write to payroll", "2026-12-01",
                                   owner=CASEWORKER)
    consents = {}
    for member in (ann, cal):
        consents[member.id] = admin.record_consent(
            member.id, purpose=PURPOSE, recipient=RECIPIENT, method="verbal",
            wording="I agree the union may share my case with HR", given_on="2026-11-01")
        admin.record_disclosure(member.id, recipient=RECIPIENT, purpose=PURPOSE,
                                what="Dates of the grievance", basis="consent",
                                consent_id=consents[member.id].id)
    admin.close()
    return World(path, ann.id, ben.id, cal.id, ann_case.id, ben_case.id, cal_case.id,
                 action.id, consents[ann.id].id)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("surgery-template") / "office")


class People:
    """Sessions on one vault (the office, or a pack), opened on first use."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        self._open: dict[str, Session] = {}

    def __getitem__(self, username: str) -> Session:
        if username not in self._open:
            self._open[username] = Session.open(self.path, username, PASSES[username],
                                                clock=self.clock)
        return self._open[username]

    alice = property(lambda self: self[OFFICER])
    bob = property(lambda self: self[CASEWORKER])
    sam = property(lambda self: self[SUPERVISOR])

    def close(self) -> None:
        for session in self._open.values():
            session.close()
        self._open.clear()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def world(template: World, tmp_path: Path) -> World:
    shutil.copytree(template.path.parent, tmp_path / "office")
    return World(tmp_path / "office" / template.path.name,
                 *(getattr(template, f) for f in World.__dataclass_fields__ if f != "path"))


@pytest.fixture
def office(world: World, clock: Clock):
    people = People(world.path, clock)
    yield people
    people.close()


def counts(session: Session) -> dict[str, int]:
    conn = session._conn()
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def ids(session: Session, table: str, where: str = "1", params: tuple = ()) -> set[str]:
    return {row[0] for row in session._conn().execute(
        f"SELECT id FROM {table} WHERE {where}", params)}


def pack_id_of(session: Session) -> str:
    return session._conn().execute("SELECT value FROM meta WHERE key = 'pack_id'").fetchone()[0]


def laptop(tmp_path: Path) -> Path:
    folder = tmp_path / "laptop"
    folder.mkdir(exist_ok=True)
    return folder


# ---- export ---------------------------------------------------------------------------


def test_export_by_numbers_holds_only_the_chosen_members(office: People, world: World,
                                                           tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "north.db", OFFICER_PASS,
                                membership_numbers=["A1001", "A1002"])
    paths = VaultPaths.of(pack)
    assert pack == paths.db and pack.exists()
    for path in (paths.db, paths.keys):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not alice.is_pack and not alice.privacy_default

    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS)
    try:
        assert laptop_alice.is_pack and laptop_alice.privacy_default
        assert laptop_alice.vault_id != alice.vault_id  # a vault of its own
        assert ids(laptop_alice, "member") == {world.ann, world.ben}
        assert ids(laptop_alice, "casefile") == {world.ann_case, world.ben_case}
        assert ids(laptop_alice, "entry") == ids(
            alice, "entry", "case_id IN (?, ?)", (world.ann_case, world.ben_case))
        assert len(ids(laptop_alice, "entry")) == 3
        assert ids(laptop_alice, "plan_action") == {world.ann_action}
        assert ids(laptop_alice, "consent") == {world.ann_consent}
        assert ids(laptop_alice, "disclosure") == ids(alice, "disclosure", "member_id = ?",
                                                      (world.ann,))
        staff = {u.username for u in laptop_alice.staff()}
        assert staff == {OFFICER, CASEWORKER, SUPERVISOR}
        held = counts(laptop_alice)
        for table in ("breach", "incident", "inbox", "access_grant", "erasure_request",
                      "merge_conflict", "surgery_pack", "conflict"):
            assert held[table] == 0, table
        # Cal is not in it, not even in the search index.
        assert [m.id for m in laptop_alice.find_members("Three")] == []
        assert [m.id for m in laptop_alice.find_members("Ann")] == [world.ann]
        # The pack's own chain starts with the exporter's signing key (the same key as at
        # the office, sealed in the pack's slot), then the export.
        first, second = laptop_alice.audit_log(limit=500)[-1:-3:-1]
        assert (first.seq, first.action, first.username) == (1, "key register", OFFICER)
        assert (second.seq, second.action) == (2, "surgery export")
        assert first.key_id == alice._signing.key_id == second.key_id
        assert laptop_alice.verify().ok
        # Accounts are managed at the office.
        with pytest.raises(PermissionDenied):
            laptop_alice.add_user("eve", "Eve Example", "caseworker", CASEWORKER_INITIAL)
    finally:
        laptop_alice.close()

    # The office recorded the export, with the pack id.
    pack_session = Session.open(pack, OFFICER, OFFICER_PASS)
    try:
        pack_id = pack_id_of(pack_session)
    finally:
        pack_session.close()
    exported = alice.audit_log(action="surgery export")
    assert [(r.entity, r.entity_id) for r in exported] == [("surgery pack", pack_id)]
    row = alice._conn().execute("SELECT exported_by, member_count, merged_at FROM surgery_pack"
                                " WHERE pack_id = ?", (pack_id,)).fetchone()
    assert tuple(row) == (OFFICER, 2, None)


def test_export_by_branch_takes_the_branch(office: People, world: World,
                                           tmp_path: Path) -> None:
    pack = office.sam.surgery_export(laptop(tmp_path), PASSES[SUPERVISOR], branch="north")
    assert pack.parent == laptop(tmp_path) and pack.name.startswith("surgery-")
    laptop_sam = Session.open(pack, SUPERVISOR, PASSES[SUPERVISOR])
    try:
        assert ids(laptop_sam, "member") == {world.ann, world.ben}
    finally:
        laptop_sam.close()
    # Only the exporter has a keyslot in the pack.
    with pytest.raises(Exception):
        Session.open(pack, OFFICER, OFFICER_PASS)


def test_a_caseworker_takes_only_their_own_cases(office: People, world: World,
                                                 tmp_path: Path) -> None:
    bob = office.bob
    with pytest.raises(PermissionDenied, match="--mine"):
        bob.surgery_export(laptop(tmp_path) / "b.db", PASSES[CASEWORKER],
                           membership_numbers=["A1001", "A1002"])
    with pytest.raises(PermissionDenied):
        bob.surgery_export(laptop(tmp_path) / "b.db", PASSES[CASEWORKER], branch="North")
    assert not (laptop(tmp_path) / "b.db").exists()
    pack = bob.surgery_export(laptop(tmp_path) / "b.db", PASSES[CASEWORKER], mine=True)
    laptop_bob = Session.open(pack, CASEWORKER, PASSES[CASEWORKER])
    try:
        assert ids(laptop_bob, "member") == {world.ann}
        assert laptop_bob.case_entries(world.ann_case)
    finally:
        laptop_bob.close()


def test_export_refuses_a_wrong_passphrase_and_vague_choices(office: People,
                                                             tmp_path: Path) -> None:
    alice = office.alice
    before = counts(alice)
    target = laptop(tmp_path) / "p.db"
    with pytest.raises(WrongPassphrase, match="not your passphrase"):
        alice.surgery_export(target, PASSES[CASEWORKER], membership_numbers=["A1001"])
    with pytest.raises(ValidationError, match="one way"):
        alice.surgery_export(target, OFFICER_PASS, membership_numbers=["A1001"], mine=True)
    with pytest.raises(ValidationError, match="Unknown membership numbers: Z9999"):
        alice.surgery_export(target, OFFICER_PASS, membership_numbers=["A1001", "Z9999"])
    assert not any(laptop(tmp_path).iterdir())
    assert counts(alice) == before
    assert alice.audit_log(action="surgery export") == []


def test_a_member_barred_by_a_conflict_is_left_out(office: People, world: World,
                                                   tmp_path: Path) -> None:
    declared = office.sam.declare_conflict("member", "Ben is my brother-in-law",
                                           member_id=world.ben)
    office.alice.review_conflict(declared.id, declared.version, "accepted",
                                 "Sam takes no part in Ben's cases")
    pack = office.sam.surgery_export(laptop(tmp_path) / "s.db", PASSES[SUPERVISOR],
                                     branch="North")
    laptop_sam = Session.open(pack, SUPERVISOR, PASSES[SUPERVISOR])
    try:
        assert ids(laptop_sam, "member") == {world.ann}
        assert ids(laptop_sam, "casefile") == {world.ann_case}
    finally:
        laptop_sam.close()
    with pytest.raises(ValidationError, match="No members"):
        office.sam.surgery_export(laptop(tmp_path) / "t.db", PASSES[SUPERVISOR],
                                  membership_numbers=["A1002"])


# ---- the round trip -------------------------------------------------------------------


@dataclass
class Offline:
    pack: Path
    new_member: str
    new_case: str
    consent: str
    disclosure: str
    breach: str
    incident: str
    entry_bodies: tuple[str, ...]


SURGERY_PHONE, SURGERY_EMAIL = "07700 900111", "ann@surgery.example.org"
OFFICE_EMAIL, OFFICE_ADDRESS = "ann@office.example.org", "1 Office Road, Testtown"


def work_offline(pack: Path, world: World, clock: Clock) -> Offline:
    """alice at the surgery: edits Ann, adds entries, a new member with a case, a consent,
    a disclosure, a breach report and an incident."""
    p = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = p.open_member(world.ann)
        p.update_member(world.ann, ann.version, {"phone": SURGERY_PHONE, "email": SURGERY_EMAIL})
        bodies = ("Met Ann at the library surgery", "Ann brought her contract")
        p.add_entry(world.ann_case, "interaction", bodies[0], channel="in person")
        clock.tick()
        p.add_entry(world.ann_case, "general", bodies[1])
        new = p.new_member({"membership_no": "A1009", "given_name": "Dee",
                            "family_name": "Nine", "branch": "North"})
        case = p.new_case(new.id, "pay", "Unpaid overtime")
        p.add_entry(case.id, "general", "First meeting about overtime")
        p.add_entry(case.id, "general", "Timesheets requested")
        consent = p.record_consent(world.ann, purpose=PURPOSE, recipient=RECIPIENT,
                                   method="verbal", wording="Share my case with HR again",
                                   given_on="2026-11-25")
        disclosure = p.record_disclosure(world.ann, recipient=RECIPIENT, purpose=PURPOSE,
                                         what="Her contract", basis="consent",
                                         consent_id=consent.id)
        clock.tick()
        breach = p.report_breach(discovered_at="2026-11-24T15:00",
                                 description="Sign-in sheet left on a library table",
                                 member_ids=[world.ann])
        incident = p.report_incident("member safety", "Ann fears for her safety at work",
                                     member_id=world.ann)
    finally:
        p.close()
    return Offline(pack, new.id, case.id, consent.id, disclosure.id, breach.id, incident.id,
                   bodies)


def work_at_the_office(office: People, world: World) -> None:
    """Meanwhile at the office: Ann's email (also changed offline) and address (not)."""
    alice = office.alice
    ann = alice.open_member(world.ann)
    alice.update_member(world.ann, ann.version, {"email": OFFICE_EMAIL,
                                                 "address": OFFICE_ADDRESS})
    office.clock.tick()
    alice.report_breach(discovered_at="2026-11-24T10:00", description="Laptop stolen",
                        members_unknown=True)
    office.bob.report_incident("ethical concern", "A rota question at the office")


def pack_audit(pack: Path) -> list:
    session = Session.open(pack, OFFICER, OFFICER_PASS)
    try:
        assert session.verify().ok  # the pack's own chain
        return sorted(session.audit_log(limit=10_000), key=lambda r: r.seq)
    finally:
        session.close()


def test_export_work_offline_and_merge_back(office: People, world: World, clock: Clock,
                                            tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "north.db", OFFICER_PASS,
                                membership_numbers=["A1001", "A1002"])
    clock.tick()
    offline = work_offline(pack, world, clock)
    work_at_the_office(office, world)
    before = counts(alice)
    ann_entries_before = ids(alice, "entry", "case_id = ?", (world.ann_case,))

    report = alice.surgery_merge(pack, OFFICER_PASS)

    assert not report.already_merged and report.same_person == 0 and report.purged == 0
    after = counts(alice)
    added = {t: after[t] - before[t] for t in TABLES if after[t] != before[t]}
    # Inbox: the breach (to officers), the incident (to supervisors), and a merge-review
    # note to alice.
    assert added == {"member": 1, "casefile": 1, "case_event": 1, "entry": 4, "consent": 1,
                     "disclosure": 1, "breach": 1, "breach_member": 1, "incident": 1,
                     "merge_conflict": 1, "inbox": 3}
    assert report.inserted["entry"] == 4 and report.inserted["member"] == 1
    # Entries are appended to Ann's case; the new member's case came with its own.
    ann_entries = alice.case_entries(world.ann_case)
    assert ids(alice, "entry", "case_id = ?", (world.ann_case,)) > ann_entries_before
    assert {e.body for e in ann_entries} >= set(offline.entry_bodies)
    assert [e.body for e in alice.case_entries(offline.new_case)] == [
        "Timesheets requested", "First meeting about overtime"]
    dee = alice.open_member(offline.new_member)
    assert (dee.membership_no, dee.origin) == ("A1009", f"pack:{report.pack_id}")
    assert [m.id for m in alice.find_members("Nine")] == [offline.new_member]

    # Ann: the field changed only offline applied, the office's own change kept, the field
    # changed on both sides held at the office value until someone chooses.
    ann = alice.open_member(world.ann)
    assert ann.phone == SURGERY_PHONE
    assert ann.address == OFFICE_ADDRESS
    assert ann.email == OFFICE_EMAIL
    conflicts = alice.merge_conflicts()
    assert [(c.entity, c.entity_id, c.field, c.office_value, c.pack_value, c.pack_id)
            for c in conflicts] == [("member", world.ann, "email", OFFICE_EMAIL, SURGERY_EMAIL,
                                     report.pack_id)]
    # The older consent was superseded offline: that applies too.
    old = next(c for c in alice.member_consents(world.ann) if c.id == world.ann_consent)
    assert old.superseded_by == offline.consent
    assert offline.disclosure in {d.id for d in alice.member_disclosures(world.ann)}

    # The breach and the incident got the office's next references and reached inboxes.
    breach = next(b for b in alice.breaches() if b.id == offline.breach)
    assert breach.reference == "BR-2026-0002"  # the office's own is 0001
    incident = next(i for i in office.sam.incidents() if i.id == offline.incident)
    assert incident.reference == "IN-2026-0002"
    urgent_breach = [i for i in alice.inbox_items() if i.entity_id == offline.breach]
    assert len(urgent_breach) == 1 and urgent_breach[0].urgent
    assert "BR-2026-0002" in urgent_breach[0].summary
    urgent_incident = [i for i in office.sam.inbox_items() if i.entity_id == offline.incident]
    assert len(urgent_incident) == 1 and urgent_incident[0].urgent
    assert "IN-2026-0002" in urgent_incident[0].summary
    assert any(i.kind == "merge review" for i in alice.inbox_items())
    renumbered = alice.audit_log(action="renumber")
    assert {(r.entity_id, r.summary) for r in renumbered} == {
        (offline.breach, "breach BR-2026-0001 made offline is BR-2026-0002 here"),
        (offline.incident, "incident IN-2026-0001 made offline is IN-2026-0002 here")}

    # The office chain verifies, with the pack's rows appended in order with their origin.
    assert alice.verify().ok
    from_pack = sorted((r for r in alice.audit_log(limit=10_000)
                        if r.origin == f"pack:{report.pack_id}"), key=lambda r: r.seq)
    assert len(from_pack) == report.audit_rows
    merged_row = alice.audit_log(action="surgery merge")[0]
    assert merged_row.entity_id == report.pack_id and merged_row.origin == "local"

    # Merging again adds nothing.
    again_before = counts(alice)
    again = alice.surgery_merge(pack, OFFICER_PASS)
    assert again.already_merged and "nothing added" in again.summary()
    assert counts(alice) == again_before
    assert len([r for r in alice.audit_log(limit=10_000)
                if r.origin == f"pack:{report.pack_id}"]) == report.audit_rows

    # The pack's own chain still verifies, and its rows are the ones the office took.
    rows = pack_audit(pack)
    taken = rows[:report.audit_rows]
    assert [r.seq for r in taken] == list(range(1, report.audit_rows + 1))
    assert all(r.action in ("login", "verify") for r in rows[report.audit_rows:])
    for mine, theirs in zip(from_pack, taken):
        assert (mine.action, mine.entity, mine.entity_id, mine.username) == (
            theirs.action, theirs.entity, theirs.entity_id, theirs.username)
        assert mine.summary == f"{theirs.summary} [offline at {theirs.at}, pack row {theirs.seq}]"
    assert alice._conn().execute("SELECT merged_by FROM surgery_pack WHERE pack_id = ?",
                                 (report.pack_id,)).fetchone()[0] == OFFICER


def test_work_done_in_a_pack_after_its_merge_is_merged_the_next_time(
        office: People, world: World, clock: Clock, tmp_path: Path) -> None:
    """The laptop goes to the next surgery with the same pack: its new work is merged the
    next time, nothing twice, and what the office changed since the first merge is not
    taken for a conflict."""
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1001"])
    first_visit = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = first_visit.open_member(world.ann)
        first_visit.update_member(world.ann, ann.version,
                                  {"phone": SURGERY_PHONE, "email": SURGERY_EMAIL})
        first_visit.add_entry(world.ann_case, "general", "First surgery visit")
        dee = first_visit.new_member({"membership_no": "A1009", "given_name": "Dee",
                                      "family_name": "Nine", "branch": "North"})
        consent = first_visit.record_consent(dee.id, purpose=PURPOSE, recipient=RECIPIENT,
                                             method="verbal", wording="Share with HR",
                                             given_on="2026-11-25")
    finally:
        first_visit.close()
    ann = alice.open_member(world.ann)
    alice.update_member(world.ann, ann.version, {"email": OFFICE_EMAIL})
    first = alice.surgery_merge(pack, OFFICER_PASS)
    assert not first.already_merged and not first.merged_before and first.conflicts == 1
    (email,) = alice.merge_conflicts()
    alice.resolve_merge_conflict(email.id, "office")
    # After the merge the office changes the phone the surgery had given.
    clock.tick()
    ann = alice.open_member(world.ann)
    alice.update_member(world.ann, ann.version, {"phone": "0161 496 1234"})
    before = counts(alice)

    second_visit = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = second_visit.open_member(world.ann)
        second_visit.update_member(world.ann, ann.version, {"address": "2 Surgery Street"})
        second_visit.add_entry(world.ann_case, "general", "Second surgery visit")
        second_visit.withdraw_consent(consent.id, 1, withdrawn_on="2026-11-25",
                                      how="Said so at the surgery")
    finally:
        second_visit.close()
    second = alice.surgery_merge(pack, OFFICER_PASS)

    assert not second.already_merged and second.merged_before
    assert "merged before; work done in it since" in second.summary()
    after = counts(alice)
    assert {t: after[t] - before[t] for t in TABLES if after[t] != before[t]} == {"entry": 1}
    assert second.updated == {"member": 1, "consent": 1}
    assert second.conflicts == 0 and alice.merge_conflicts() == []
    ann = alice.open_member(world.ann)
    assert (ann.phone, ann.email, ann.address) == ("0161 496 1234", OFFICE_EMAIL,
                                                   "2 Surgery Street")
    withdrawn = alice.member_consents(dee.id)[0]
    assert (withdrawn.withdrawn_on, withdrawn.withdrawn_how) == ("2026-11-25",
                                                                 "Said so at the surgery")
    assert [e.body for e in alice.case_entries(world.ann_case)][:2] == [
        "Second surgery visit", "First surgery visit"]

    # Each pack audit row reached the office once, in order.
    third_before = counts(alice)
    third = alice.surgery_merge(pack, OFFICER_PASS)
    assert third.already_merged and counts(alice) == third_before
    taken = first.audit_rows + second.audit_rows
    from_pack = sorted((r for r in alice.audit_log(limit=10_000)
                        if r.origin == f"pack:{first.pack_id}"), key=lambda r: r.seq)
    rows = pack_audit(pack)
    assert len(from_pack) == taken and [r.seq for r in rows[:taken]] == list(range(1, taken + 1))
    assert [m.summary for m in from_pack] == [
        f"{r.summary} [offline at {r.at}, pack row {r.seq}]" for r in rows[:taken]]
    assert alice.verify().ok


def test_merge_delete_removes_the_pack_files(office: People, world: World, clock: Clock,
                                             tmp_path: Path) -> None:
    pack = office.alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                       membership_numbers=["A1001"])
    work_offline(pack, world, clock)
    report = office.alice.surgery_merge(pack, OFFICER_PASS, delete=True)
    assert report.inserted["member"] == 1
    assert [p for p in VaultPaths.of(pack).sidecars() if p.exists()] == []
    assert list(laptop(tmp_path).iterdir()) == []


def test_a_merged_pack_says_so_when_opened_again(office: People, world: World, clock: Clock,
                                                tmp_path: Path) -> None:
    """The office records the merge; the pack itself is marked too, so whoever opens it on
    the laptop afterwards can tell (and a later merge still takes only what is new)."""
    pack = office.alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                       membership_numbers=["A1001"])
    work_offline(pack, world, clock)
    before = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        assert before.is_pack and before.pack_merged_at is None
    finally:
        before.close()
    clock.tick()
    office.alice.surgery_merge(pack, OFFICER_PASS)
    assert office.alice.pack_merged_at is None  # the office vault is no pack
    after = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        assert after.pack_merged_at == clock.now.isoformat(timespec="milliseconds")
        assert after.verify().ok  # the mark is no audit row: the pack's chain still holds
    finally:
        after.close()
    again = office.alice.surgery_merge(pack, OFFICER_PASS)
    # Only what happened in the pack since: opening it above (its sign-in rows).
    assert again.merged_before and not any(again.inserted.values()) and again.audit_rows > 0


def test_merge_refuses_a_wrong_passphrase(office: People, tmp_path: Path) -> None:
    pack = office.alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                       membership_numbers=["A1001"])
    with pytest.raises(WrongPassphrase):
        office.alice.surgery_merge(pack, PASSES[CASEWORKER], delete=True)
    assert pack.exists()


def test_a_pack_from_another_vault_is_refused(office: People, world: World, clock: Clock,
                                              tmp_path: Path) -> None:
    pack = office.alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                       membership_numbers=["A1001"])
    work_offline(pack, world, clock)
    other_path = tmp_path / "other" / "vault.db"
    Session.create(other_path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    other = Session.open(other_path, OFFICER, OFFICER_PASS)
    try:
        before = counts(other)
        with pytest.raises(ValidationError, match="exported from another vault"):
            other.surgery_merge(pack, OFFICER_PASS, delete=True)
        assert counts(other) == before
        assert pack.exists()
        # Nor is a vault that is not a pack at all, nor a pack into a pack.
        with pytest.raises(ValidationError, match="not a surgery pack"):
            other.surgery_merge(world.path, OFFICER_PASS)
    finally:
        other.close()
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS)
    try:
        with pytest.raises(PermissionDenied):
            laptop_alice.surgery_merge(pack, OFFICER_PASS)
        with pytest.raises(PermissionDenied):
            laptop_alice.surgery_export(tmp_path / "again.db", OFFICER_PASS,
                                        membership_numbers=["A1001"])
    finally:
        laptop_alice.close()


def test_a_pack_made_by_another_user_cannot_be_merged_by_you(office: People, world: World,
                                                             clock: Clock,
                                                             tmp_path: Path) -> None:
    pack = office.bob.surgery_export(laptop(tmp_path) / "bob.db", PASSES[CASEWORKER],
                                     mine=True)
    laptop_bob = Session.open(pack, CASEWORKER, PASSES[CASEWORKER], clock=clock)
    try:
        laptop_bob.add_entry(world.ann_case, "general", "Seen at the surgery")
    finally:
        laptop_bob.close()
    before = counts(office.alice)
    with pytest.raises(PermissionDenied, match="another user"):
        office.alice.surgery_merge(pack, OFFICER_PASS, delete=True)
    assert counts(office.alice) == before and pack.exists()
    # bob merges his own pack.
    report = office.bob.surgery_merge(pack, PASSES[CASEWORKER])
    assert report.inserted["entry"] == 1
    assert "Seen at the surgery" in {e.body for e in office.bob.case_entries(world.ann_case)}


def test_a_new_member_the_office_also_added_is_the_same_person(office: People, world: World,
                                                               clock: Clock,
                                                               tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1001"])
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        dee = laptop_alice.new_member({"membership_no": "A1005", "given_name": "Dee",
                                       "family_name": "Five", "branch": "North",
                                       "phone": "07700 900555"})
        case = laptop_alice.new_case(dee.id, "pay", "Overtime")
        laptop_alice.add_entry(case.id, "general", "Dee came to the surgery")
        consent = laptop_alice.record_consent(
            dee.id, purpose=PURPOSE, recipient=RECIPIENT, method="verbal",
            wording="Share with HR", given_on="2026-11-25")
        laptop_alice.report_incident("member safety", "Dee is worried", member_id=dee.id)
    finally:
        laptop_alice.close()
    # Meanwhile the office added Dee from the membership list.
    office_dee = alice.new_member({"membership_no": "A1005", "given_name": "Dee",
                                   "family_name": "Five", "branch": "South",
                                   "email": "dee@example.org"})
    report = alice.surgery_merge(pack, OFFICER_PASS)
    assert report.same_person == 1 and report.inserted["member"] == 0
    assert ids(alice, "member", "membership_no = 'A1005'") == {office_dee.id}
    assert ids(alice, "member", "id = ?", (dee.id,)) == set()
    # Dee's records now hang off the office's Dee.
    assert [c.id for c in alice.member_cases(office_dee.id)] == [case.id]
    assert [e.body for e in alice.case_entries(case.id)] == ["Dee came to the surgery"]
    assert [c.id for c in alice.member_consents(office_dee.id)] == [consent.id]
    incident = next(i for i in office.sam.incidents() if i.description == "Dee is worried")
    assert incident.member_id == office_dee.id
    # Fields that differ go to review (the office's value stays meanwhile); the surgery's
    # empty email does not compete with the office's.
    fields = {c.field: (c.office_value, c.pack_value) for c in alice.merge_conflicts()}
    assert fields == {"branch": ("South", "North"), "phone": ("", "07700 900555")}
    assert alice.open_member(office_dee.id).branch == "South"
    assert alice.verify().ok


def test_resolve_merge_conflicts_both_ways(office: People, world: World, clock: Clock,
                                           tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1001"])
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = laptop_alice.open_member(world.ann)
        laptop_alice.update_member(world.ann, ann.version,
                                   {"email": SURGERY_EMAIL, "phone": SURGERY_PHONE})
    finally:
        laptop_alice.close()
    ann = alice.open_member(world.ann)
    alice.update_member(world.ann, ann.version, {"email": OFFICE_EMAIL, "phone": "0161 496 0000"})
    alice.surgery_merge(pack, OFFICER_PASS)
    by_field = {c.field: c for c in alice.merge_conflicts()}
    assert set(by_field) == {"email", "phone"}
    version = alice.open_member(world.ann).version

    alice.resolve_merge_conflict(by_field["email"].id, "pack")
    alice.resolve_merge_conflict(by_field["phone"].id, "office")

    ann = alice.open_member(world.ann)
    assert (ann.email, ann.phone) == (SURGERY_EMAIL, "0161 496 0000")
    assert ann.version == version + 1
    assert alice.merge_conflicts() == []
    with pytest.raises(ValidationError, match="already resolved"):
        alice.resolve_merge_conflict(by_field["email"].id, "office")
    with pytest.raises(ValidationError):
        alice.resolve_merge_conflict(by_field["email"].id, "mine")
    rows = alice._conn().execute("SELECT field, resolution, resolved_by FROM merge_conflict"
                                 " ORDER BY field").fetchall()
    assert [tuple(r) for r in rows] == [("email", "pack", OFFICER), ("phone", "office", OFFICER)]
    kept = [r.summary for r in alice.audit_log(action="update") if r.entity_id == world.ann]
    assert "merge conflict on email: kept the pack value" in kept
    assert "merge conflict on phone: kept the office value" in kept
    assert alice.verify().ok
    # A caseworker without access to the member neither sees nor resolves them.
    assert office.sam.merge_conflicts() == []  # resolved already; nothing open


def test_merge_conflicts_are_listed_only_to_those_who_may_open_the_member(
        office: People, world: World, clock: Clock, tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1002"])
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ben = laptop_alice.open_member(world.ben)
        laptop_alice.update_member(world.ben, ben.version, {"language": "Polish"})
    finally:
        laptop_alice.close()
    ben = alice.open_member(world.ben)
    alice.update_member(world.ben, ben.version, {"language": "Welsh"})
    alice.surgery_merge(pack, OFFICER_PASS)
    (conflict,) = alice.merge_conflicts()
    assert office.bob.merge_conflicts() == []  # Ben's case is not bob's
    with pytest.raises(Exception):
        office.bob.resolve_merge_conflict(conflict.id, "pack")
    assert alice.open_member(world.ben).language == "Welsh"
    assert len(office.sam.merge_conflicts()) == 1  # supervisors may open any member


def test_a_purge_after_the_merge_removes_that_members_merge_conflicts(
        office: People, world: World, clock: Clock, tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1001", "A1002"])
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = laptop_alice.open_member(world.ann)
        laptop_alice.update_member(world.ann, ann.version, {"email": SURGERY_EMAIL})
        action = laptop_alice.plan_actions(world.ann_case)[0]
        laptop_alice.set_plan_action_done(action.id, action.version)
        consent = laptop_alice.member_consents(world.ann)[0]
        laptop_alice.withdraw_consent(consent.id, consent.version, withdrawn_on="2026-11-24",
                                      how="Told us at the surgery")
        ben = laptop_alice.open_member(world.ben)
        laptop_alice.update_member(world.ben, ben.version, {"language": "Polish"})
    finally:
        laptop_alice.close()
    clock.tick()
    ann = alice.open_member(world.ann)
    alice.update_member(world.ann, ann.version, {"email": OFFICE_EMAIL})
    action = alice.plan_actions(world.ann_case)[0]
    alice.set_plan_action_done(action.id, action.version)
    consent = alice.member_consents(world.ann)[0]
    alice.withdraw_consent(consent.id, consent.version, withdrawn_on="2026-11-25",
                           how="Emailed the office")
    ben = alice.open_member(world.ben)
    alice.update_member(world.ben, ben.version, {"language": "Welsh"})
    alice.surgery_merge(pack, OFFICER_PASS)
    open_ = {(c.entity, c.entity_id, c.field) for c in alice.merge_conflicts()}
    assert open_ == {("member", world.ann, "email"), ("plan_action", world.ann_action, "done_at"),
                     ("consent", world.ann_consent, "withdrawn_on"),
                     ("consent", world.ann_consent, "withdrawn_how"),
                     ("member", world.ben, "language")}

    request = alice.record_erasure_request(world.ann, "2026-11-25", "Letter from Ann")
    alice.purge_member(world.ann, "A1001", erasure_request_id=request.id)

    remaining = alice._conn().execute(
        "SELECT entity, entity_id, field, office_value, pack_value FROM merge_conflict"
    ).fetchall()
    assert [tuple(r) for r in remaining] == [("member", world.ben, "language", "Welsh",
                                              "Polish")]
    # Nor does the office's memory of what it took from the pack keep any of Ann.
    kept = {row[0] for row in alice._conn().execute("SELECT id FROM pack_base")}
    assert world.ben in kept
    assert kept.isdisjoint({world.ann, world.ann_case, world.ann_action, world.ann_consent})


def test_a_member_purged_at_the_office_meanwhile_does_not_come_back(
        office: People, world: World, clock: Clock, tmp_path: Path) -> None:
    alice = office.alice
    pack = alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                membership_numbers=["A1001", "A1002"])
    laptop_alice = Session.open(pack, OFFICER, OFFICER_PASS, clock=clock)
    try:
        ann = laptop_alice.open_member(world.ann)
        laptop_alice.update_member(world.ann, ann.version, {"phone": SURGERY_PHONE})
        laptop_alice.add_entry(world.ann_case, "general", "Ann at the surgery")
        case = laptop_alice.new_case(world.ann, "other", "A second matter")
        laptop_alice.add_entry(case.id, "general", "About the second matter")
        laptop_alice.record_consent(world.ann, purpose="Newsletter", recipient="Union office",
                                    method="verbal", wording="Send me news",
                                    given_on="2026-11-25")
        breach = laptop_alice.report_breach(discovered_at="2026-11-24T15:00",
                                            description="A list left behind",
                                            member_ids=[world.ann, world.ben])
        incident = laptop_alice.report_incident("member safety", "Worried about Ann",
                                                case_id=world.ann_case)
        laptop_alice.add_entry(world.ben_case, "general", "Ben at the surgery")
    finally:
        laptop_alice.close()
    # Ann asked to be erased while the pack was out; the office did so.
    request = alice.record_erasure_request(world.ann, "2026-11-25", "Letter from Ann")
    alice.purge_member(world.ann, "A1001", erasure_request_id=request.id)

    report = alice.surgery_merge(pack, OFFICER_PASS)

    assert report.purged == 1 and "1 member(s) purged" in report.summary()
    conn = alice._conn()
    assert conn.execute("SELECT count(*) FROM member WHERE id = ? OR membership_no = 'A1001'",
                        (world.ann,)).fetchone()[0] == 0
    for table in ("casefile", "consent", "disclosure", "access_grant"):
        assert conn.execute(f"SELECT count(*) FROM {table} WHERE member_id = ?",
                            (world.ann,)).fetchone()[0] == 0, table
    assert conn.execute("SELECT count(*) FROM entry WHERE case_id IN (?, ?)",
                        (world.ann_case, case.id)).fetchone()[0] == 0
    assert [m.id for m in alice.find_members("Ann")] == []
    assert [n.entry.body for n in alice.search_notes("surgery")] == ["Ben at the surgery"]
    # The reports stay (they are the office's business), without the erased member.
    assert conn.execute("SELECT member_id FROM breach_member WHERE breach_id = ?",
                        (breach.id,)).fetchall() == [(world.ben,)]
    merged_incident = next(i for i in office.sam.incidents() if i.id == incident.id)
    assert (merged_incident.member_id, merged_incident.case_id) == (None, None)
    kept = {row[0] for row in conn.execute("SELECT id FROM pack_base")}
    assert world.ben in kept
    assert kept.isdisjoint({world.ann, world.ann_case, case.id, world.ann_action,
                            world.ann_consent})
    assert alice.verify().ok


def test_two_merges_of_one_pack_at_once_take_it_once(office: People, world: World,
                                                     clock: Clock, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two terminals merge the same pack at the same moment: the second waits for the
    write lock, then sees the first one's mark and adds nothing."""
    pack = office.alice.surgery_export(laptop(tmp_path) / "p.db", OFFICER_PASS,
                                       membership_numbers=["A1001"])
    work_offline(pack, world, clock)
    first = Session.open(world.path, OFFICER, OFFICER_PASS)
    second = Session.open(world.path, OFFICER, OFFICER_PASS)
    entered = threading.Barrier(3, timeout=20)
    real = Session._merge_attached

    def merge_attached(self, conn, pack_id):
        entered.wait()
        return real(self, conn, pack_id)

    monkeypatch.setattr(Session, "_merge_attached", merge_attached)
    holder = office.alice._conn()
    holder.execute("BEGIN IMMEDIATE")  # another user saving: both merges queue behind it
    reports, errors = [], []

    def run(session: Session) -> None:
        try:
            reports.append(session.surgery_merge(pack, OFFICER_PASS))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    try:
        for thread in threads:
            thread.start()
        entered.wait()
        threading.Event().wait(0.3)
    finally:
        holder.execute("ROLLBACK")
        for thread in threads:
            thread.join(30)
        first.close()
        second.close()
    assert errors == []
    assert sorted(r.already_merged for r in reports) == [False, True]
    merged = next(r for r in reports if not r.already_merged)
    origin_rows = office.alice._conn().execute(
        "SELECT count(*) FROM audit WHERE origin = ?", (f"pack:{merged.pack_id}",)).fetchone()[0]
    assert origin_rows == merged.audit_rows
    assert office.alice.verify().ok


# ---- the command line -----------------------------------------------------------------


def run_cli(argv: list, stdin: str = "") -> tuple[int, str, str]:
    import io

    from uwu_tui import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run([str(a) for a in argv], stdin=io.StringIO(stdin), out=out, err=err,
                   prompt=None)
    return code, out.getvalue(), err.getvalue()


def as_user(vault: Path, username: str, *command: object) -> list:
    return ["--vault", vault, "--user", username, "--passphrase-file", "-", *command]


def test_cli_export_and_merge_with_delete(world: World, clock: Clock, tmp_path: Path) -> None:
    dest = laptop(tmp_path)
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "export", dest,
                                     "--members", "A1001, A1002"), OFFICER_PASS + "\n")
    assert code == 0, err
    (pack,) = dest.glob("*.db")
    assert f"Surgery pack written: {pack}" in out
    assert f"uwu --vault {pack}" in out and pack.with_suffix(".keys").name in out
    assert OFFICER_PASS not in out + err

    work_offline(pack, world, clock)
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "merge", pack,
                                     "--delete"), OFFICER_PASS + "\n")
    assert code == 0, err
    assert out.startswith("Pack ") and "added 1 breach" in out
    assert "1 conflict(s) to review" not in out  # Ann's email did not change at the office
    assert "The pack's files were removed." in out
    assert not pack.exists() and not pack.with_suffix(".keys").exists()

    # Gone: the vault error exit code, one line.
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "merge", pack),
                             OFFICER_PASS + "\n")
    assert code == 4 and err.startswith("uwu: ") and err.count("\n") == 1


def test_cli_refusals(world: World, tmp_path: Path) -> None:
    dest = laptop(tmp_path) / "p.db"
    # A caseworker without --mine.
    code, out, err = run_cli(as_user(world.path, CASEWORKER, "surgery", "export", dest,
                                     "--members", "A1001"), PASSES[CASEWORKER] + "\n")
    assert code == 1 and "--mine" in err and not dest.exists()
    # A wrong passphrase: authentication failed.
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "export", dest,
                                     "--members", "A1001"), PASSES[CASEWORKER] + "\n")
    assert code == 3 and not dest.exists()
    # Choosing members twice is a usage error.
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "export", dest,
                                     "--members", "A1001", "--mine"), OFFICER_PASS + "\n")
    assert code == 2
    # bob's pack is bob's to merge.
    code, out, err = run_cli(as_user(world.path, CASEWORKER, "surgery", "export", dest,
                                     "--mine"), PASSES[CASEWORKER] + "\n")
    assert code == 0, err
    code, out, err = run_cli(as_user(world.path, OFFICER, "surgery", "merge", dest,
                                     "--delete"), OFFICER_PASS + "\n")
    assert code == 1 and "another user" in err and dest.exists()
    code, out, err = run_cli(as_user(world.path, CASEWORKER, "surgery", "merge", dest),
                             PASSES[CASEWORKER] + "\n")
    assert code == 0 and "added nothing" in out


def test_offline_number_change_that_collides_becomes_a_conflict_not_a_crash(tmp_path: Path) -> None:
    """A membership number changed offline to one another office member now holds cannot
    be applied: it is listed for review and everything else merges."""
    office_path = tmp_path / "office" / "vault.db"
    office = Session.create(office_path, "alice", "Alice Example", PASS_COLLIDE)
    first = office.new_member({"membership_no": "CX-1", "given_name": "Ana", "family_name": "One"})
    pack = office.surgery_export(tmp_path, PASS_COLLIDE, membership_numbers=["CX-1"])
    office.close()
    offline = Session.open(pack, "alice", PASS_COLLIDE)
    offline.update_member(first.id, offline.open_member(first.id).version,
                          {"membership_no": "CX-2", "phone": "07700 900111"})
    offline.close()
    office = Session.open(office_path, "alice", PASS_COLLIDE)
    office.new_member({"membership_no": "CX-2", "given_name": "Bo", "family_name": "Two"})
    report = office.surgery_merge(pack, PASS_COLLIDE)
    assert report.conflicts == 1
    [item] = office.merge_conflicts()
    assert (item.field, item.office_value, item.pack_value) == ("membership_no", "CX-1", "CX-2")
    merged = office.open_member(first.id)
    assert merged.membership_no == "CX-1" and merged.phone == "07700 900111"
    assert office.verify().ok
    office.close()


PASS_COLLIDE = "granite harbour lantern 5"
