"""A caseworker's day with the real `uwu` command in a real terminal (issue 3).

tmux runs `python -m uwu_tui --vault … --user carys` from this checkout; keys go in with
send-keys and each step waits for its text on screen (no fixed sleeps). The vault is made
in the test process with Session: an officer, a supervisor, a caseworker (passphrase
already changed) and synthetic members, one of them with a case assigned to the
caseworker (need-to-know: that is what lets her open the record).

- At 80x24: unlock, find the member as you type, open her, open a new case (type Select,
  title, ctrl+s), write an interaction (refused without a channel, typing kept), amend it
  with a reason, find the amendment with note search and open the case at it; a second
  search finds the superseded original and opens the case with the highlight on that
  entry. Then lock and quit. Afterwards, with Session: the case, the entry and its
  amendment are in the vault, every open was audited as a view, and the chain verifies.
- At 120x40: a member she holds no case for needs break-glass: a short reason is refused,
  a real one opens the record read-only (new case shown disabled), supervisors are told,
  and the audit chain records it.

Both: exit status 0, the terminal restored (nothing of a member left in the pane or its
scrollback), and no member data in any file the program could have written (HOME, the
temp folder, the vault folder).
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path
from typing import Callable

import pytest

from tmux_harness import Terminal, terminal_env, uwu_argv
from uwu_tui.session import Session

OFFICER, OFFICER_PASS = "olivia", "lantern quarry velvet 93"
SUPERVISOR, SUPERVISOR_PASS = "sunil", "copper meadow signal 48"
CASEWORKER, CASEWORKER_PASS = "carys", "maple harbour evening light"
INITIAL = "initial granite window 77"

# Synthetic members, with words rare enough to scan for on screen and in files.
ASSIGNED = ("E2E-7101", "Zephyrine", "Quillfeather")  # carys holds a case for her
NEIGHBOUR = ("E2E-7102", "Ambrose", "Quillby")  # matches the first search too
STRANGER = ("E2E-7103", "Philippa", "Okonkwo-Brandt")  # no case: break-glass only
OLD_CASE = "Holiday pay arrears"

TITLE = "Night-shift rota"
ORIGINAL = "Spoke to the depot manager about the rota."
AMENDED = "Spoke to the site manager about the night rota at Pelican Yard."
REASON = "Wrong manager named"
BREAK_GLASS_REASON = "Covering for a colleague on leave today"

#: Text that must never be left behind: names, numbers, case title, entry words.
MEMBER_DATA = [*ASSIGNED, *NEIGHBOUR, *STRANGER, OLD_CASE, TITLE, "depot manager",
               "Pelican", REASON, BREAK_GLASS_REASON]


@pytest.fixture(scope="module")
def casework_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Made once per module (its Argon2id derivations cost seconds); each test gets a copy."""
    vault = tmp_path_factory.mktemp("casework-template") / "vault" / "vault.db"
    admin = Session.create(vault, OFFICER, "Olivia Officer", OFFICER_PASS)
    try:
        admin.add_user(CASEWORKER, "Carys Caseworker", "caseworker", INITIAL)
        admin.add_user(SUPERVISOR, "Sunil Supervisor", "supervisor", INITIAL)
        ids = {}
        for number, given, family in (ASSIGNED, NEIGHBOUR, STRANGER):
            member = admin.new_member({"membership_no": number, "given_name": given,
                                       "family_name": family, "branch": "North West"})
            ids[family] = member.id
        old = admin.new_case(ids[ASSIGNED[2]], "pay", OLD_CASE, CASEWORKER)
    finally:
        admin.close()
    for name, passphrase in ((CASEWORKER, CASEWORKER_PASS), (SUPERVISOR, SUPERVISOR_PASS)):
        first = Session.open(vault, name, INITIAL)
        first.change_passphrase(INITIAL, passphrase)
        first.close()
    return {"path": vault, "members": ids, "old_case": old.id}


@pytest.fixture
def casework_vault(casework_template: dict[str, object], tmp_path: Path) -> dict[str, object]:
    template = casework_template["path"]
    assert isinstance(template, Path)
    shutil.copytree(template.parent, tmp_path / "vault")
    return {**casework_template, "path": tmp_path / "vault" / template.name}


class Pane(Terminal):
    """The harness's terminal, with a shorter settle after each awaited text (each step
    here waits for text drawn only once its screen is mounted and focused), and giving
    back the screen as it is after the settle: the first capture holding the needle can
    catch the terminal half way through drawing a frame."""

    def wait_for(self, needle: str, timeout: float = 20.0, settle: float = 0.1) -> str:
        first = super().wait_for(needle, timeout, settle)
        now = self.screen()
        return now if needle in now else first


def open_terminal(home: Path, width: int, height: int) -> Terminal:
    return Pane(home, terminal_env(home), width=width, height=height)


def sign_in(term: Terminal, vault: Path) -> None:
    term.start(uwu_argv("--vault", str(vault), "--user", CASEWORKER))
    screen = term.wait_for("Sign in", timeout=30)
    assert CASEWORKER in screen  # the username is filled in from --user
    term.type(CASEWORKER_PASS)
    term.send("Enter")
    home = term.wait_for("Signed in as", timeout=30)
    assert "Carys Caseworker" in home and "Caseworker" in home


def find_and_open(term: Terminal, first: str, more: str, title: str) -> str:
    """Members (m), type `first` then `more`, Enter on the single match."""
    term.send("m")
    term.wait_for("Type to search")
    term.type(first)
    term.wait_for("2 matches")
    term.type(more)
    term.wait_for("1 match.")
    term.send("Enter")
    record = term.wait_for("Disclosures")  # a tab of the member screen
    assert title in record
    return record


# ---- reading colours from the pane ------------------------------------------------------

SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def background_at(line: str, needle: str) -> str | None:
    """The background colour (as its SGR parameters) where `needle` starts on `line`,
    a line of `capture-pane -e` output; None for the terminal's default."""
    plain, backgrounds, bg = [], [], None
    pos = 0
    for match in SGR.finditer(line + "\x1b[m"):
        for char in line[pos:match.start()]:
            plain.append(char)
            backgrounds.append(bg)
        pos = match.end()
        params = match.group(1).replace(":", ";").split(";") if match.group(1) else ["0"]
        i = 0
        while i < len(params):
            p = params[i] or "0"
            if p == "0" or p == "49":
                bg = None
            elif p == "48" and i + 1 < len(params):
                width = 3 if params[i + 1] == "5" else 5
                bg = ";".join(params[i:i + width])
                i += width - 1
            elif p == "38" and i + 1 < len(params):
                i += (3 if params[i + 1] == "5" else 5) - 1
            elif p.isdigit() and (40 <= int(p) <= 47 or 100 <= int(p) <= 107):
                bg = p
            i += 1
    at = "".join(plain).find(needle)
    assert at >= 0, f"{needle!r} not on the line {''.join(plain)!r}"
    return backgrounds[at]


def backgrounds(term: Terminal, *needles: str) -> list[str | None]:
    """For each needle, the background where it is shown (the first line holding it)."""
    styled = term._tmux("capture-pane", "-e", "-p", "-t", term.session).stdout.split("\n")
    found = []
    for needle in needles:
        line = next((row for row in styled if needle in SGR.sub("", row)), None)
        assert line is not None, f"{needle!r} not on screen:\n{term.screen()}"
        found.append(background_at(line, needle))
    return found


def wait_backgrounds(term: Terminal, ok: Callable[[list[str | None]], bool], what: str,
                     timeout: float = 10.0) -> list[str | None]:
    """Poll the backgrounds of the amendment's and the original's text until `ok`."""
    deadline = time.monotonic() + timeout
    found = backgrounds(term, "Pelican Yard", ORIGINAL)
    while not ok(found):
        if time.monotonic() > deadline:
            raise AssertionError(f"the highlight is not on {what}: {found}\n{term.screen()}")
        time.sleep(0.1)
        found = backgrounds(term, "Pelican Yard", ORIGINAL)
    return found


# ---- after the run ------------------------------------------------------------------------


def quit_and_check_nothing_left(term: Terminal, *folders: Path) -> None:
    term.send("C-l")
    locked = term.wait_for("Locked")
    assert not [word for word in MEMBER_DATA if word in locked], locked
    term.send("C-q")
    assert term.exit_status() == 0, term.screen()
    # The app restores the terminal: nothing of a member stays in the pane or its history.
    left = term.screen() + term.scrollback()
    assert not [word for word in MEMBER_DATA + [CASEWORKER_PASS] if word in left], left
    # Nor in any file it could have written: HOME (config, cache, data), TMPDIR, the vault
    # folder (the vault itself is encrypted; its -wal is folded back on exit).
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                data = path.read_bytes()
                leaked = [word for word in MEMBER_DATA if word.encode() in data]
                assert not leaked, f"{path} holds {leaked}"


# ---- the tests ----------------------------------------------------------------------------


def test_find_open_case_entry_amend_search_in_a_real_terminal(
    casework_vault: dict[str, object], e2e_home: Path
) -> None:
    vault = casework_vault["path"]
    assert isinstance(vault, Path)
    member_id = casework_vault["members"][ASSIGNED[2]]  # type: ignore[index]
    term = open_terminal(e2e_home, 80, 24)
    try:
        sign_in(term, vault)
        assert OLD_CASE in term.screen()  # her case is on the home screen

        # find: search as you type; two match "quill", one "quillfeather"; Enter opens her
        member = find_and_open(term, "quill", "feather", "Quillfeather, Zephyrine")
        assert "E2E-7101" in member and "Details" in member

        # a new case: Type is a Select (Enter opens it, Down to Grievance, Enter), Tab, title
        term.send("c")
        term.wait_for("Choose the type")
        term.send("Enter")
        term.wait_for("Disciplinary")  # the list is open
        term.send("Down")
        term.send("Enter")
        term.wait_for("Type * Grievance")
        term.send("Tab")
        term.type(TITLE)
        term.wait_for(f"Title * {TITLE}")
        term.send("C-s")
        case = term.wait_for(f"Grievance: {TITLE}")
        assert "Status open" in case and "Quillfeather, Zephyrine" in case
        term.wait_for("Case opened")
        term.wait_for("Assigned Carys Caseworker")  # the full name, once the case has loaded

        # an entry: the text first; saving without a channel is refused and keeps it
        term.send("e")
        term.wait_for("Save entry")
        assert "Kind * Interaction" in term.screen()
        term.type(ORIGINAL)
        term.wait_for(ORIGINAL)
        term.send("C-s")
        refused = term.wait_for("Choose the channel of the interaction")
        assert ORIGINAL in refused and "New entry" in refused
        term.send("BTab")  # When
        term.send("BTab")  # Channel
        term.send("Enter")
        term.wait_for("In person")
        term.send("Down")  # How? -> In person
        term.send("Down")  # -> Phone
        term.send("Enter")
        term.wait_for("Channel * Phone")
        term.send("C-s")
        term.wait_for("Entry saved")
        saved = term.wait_for("Interaction · phone")  # on the timeline, reloaded
        assert ORIGINAL in saved and "New entry" not in saved

        # amend it: the reason first (focused), then the text replaced
        term.send("a")
        term.wait_for("Amend the entry of")
        assert "(kept from the original)" in term.screen()
        term.type(REASON)
        term.send("Tab")
        term.send("End")
        term.send("C-u")  # clear the line: the body is one line
        term.wait_gone(ORIGINAL)
        term.type(AMENDED)
        term.wait_for("Pelican Yard")
        term.send("C-s")
        term.wait_for("Amendment saved")
        amended = term.wait_for("[amended]")  # the timeline, reloaded
        assert "[amendment]" in amended
        assert f"Reason: {REASON}" in amended
        assert ORIGINAL in amended  # the original stays visible

        # back home (case -> member -> members -> home), then note search
        term.send("Escape")
        term.wait_for("Disclosures")
        term.send("Escape")
        term.wait_for("Enter opens the highlighted member")
        term.send("Escape")
        term.wait_for("Signed in as")
        term.send("n")
        term.wait_for("Type words to search")
        term.type("pelican")
        hits = term.wait_for("1 entry.")
        assert "Pelican" in hits and "[amended]" not in hits
        term.send("Enter")
        found = term.wait_for("[amendment]")
        assert f"Grievance: {TITLE}" in found and ORIGINAL in found
        # the hit's entry is highlighted: its background differs from the other entry's
        on_amendment = wait_backgrounds(term, lambda bg: bg[0] != bg[1], "the amendment")

        # the superseded original is found too, and the case opens at it
        term.send("Escape")
        term.wait_for("Enter opens the case at the entry")
        term.send("End")
        term.send("C-u")  # clear the query
        term.wait_for("Type words to search")
        term.type("depot")
        hits = term.wait_for("1 entry.")
        assert "[amended]" in hits
        term.send("Enter")
        term.wait_for("[amendment]")
        # now the original has the highlight's background, and the amendment the other one
        wait_backgrounds(term, lambda bg: bg == on_amendment[::-1], "the original")

        quit_and_check_nothing_left(term, e2e_home, vault.parent)
    finally:
        term.close()

    # The vault holds what was done, and the chain says who saw what.
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        cases = officer.member_cases(member_id)
        new = [c for c in cases if c.title == TITLE]
        assert [(c.case_type, c.assigned_to, c.status) for c in new] == [
            ("grievance", CASEWORKER, "open")]
        assert sorted(c.title for c in cases) == sorted([OLD_CASE, TITLE])
        entries = officer.case_entries(new[0].id)
        assert len(entries) == 2
        amendment, original = entries
        assert (original.body, original.kind, original.channel, original.author) == (
            ORIGINAL, "interaction", "phone", CASEWORKER)
        assert (amendment.body, amendment.amends, amendment.amend_reason) == (
            AMENDED, original.id, REASON)
        assert amendment.channel == "phone" and amendment.occurred_at == original.occurred_at

        result = officer.verify()
        assert result.ok, result
        mine = officer.audit_log(username=CASEWORKER, limit=200)
        views = [(r.entity, r.entity_id) for r in mine if r.action == "view"]
        assert ("member", member_id) in views
        # the new case: opened after creating it, then from each of the two note-search hits
        assert views.count(("case", new[0].id)) == 3, views
        done = {(r.action, r.entity) for r in mine}
        assert {("login", "user"), ("create", "case"), ("create", "entry"),
                ("amend", "entry"), ("lock", "user")} <= done, done
    finally:
        officer.close()


def test_break_glass_in_a_real_terminal(casework_vault: dict[str, object], e2e_home: Path) -> None:
    vault = casework_vault["path"]
    assert isinstance(vault, Path)
    stranger = casework_vault["members"][STRANGER[2]]  # type: ignore[index]
    term = open_terminal(e2e_home, 120, 40)
    try:
        sign_in(term, vault)
        term.send("m")
        term.wait_for("Type to search")
        term.type("okonkwo")
        term.wait_for("1 match.")
        term.send("Enter")
        dialog = term.wait_for("Break-glass access")
        assert "You hold no case for this member" in dialog
        assert "Quillfeather" not in dialog  # only the one asked for
        term.type("too short")
        term.send("Enter")
        term.wait_for("Give a reason of at least 10 characters")
        term.send("End")
        term.send("C-u")
        term.type(BREAK_GLASS_REASON)
        term.send("Enter")
        record = term.wait_for("(break-glass: read-only)")
        assert "Okonkwo-Brandt, Philippa" in record and "E2E-7103" in record

        # Read-only: "new case" is shown but disabled, so c opens nothing. Keys are handled
        # in order: once 2 has switched to the Cases tab, c has had its chance.
        term.send("c")
        term.send("2")
        cases_tab = term.wait_for("No cases yet")
        assert "Choose the type" not in cases_tab and "Assigned to" not in cases_tab

        term.send("Escape")
        term.wait_for("Enter opens the highlighted member")
        term.send("Escape")
        term.wait_for("Signed in as")
        quit_and_check_nothing_left(term, e2e_home, vault.parent)
    finally:
        term.close()

    supervisor = Session.open(vault, SUPERVISOR, SUPERVISOR_PASS)
    try:
        told = [i for i in supervisor.inbox_items() if i.kind == "break-glass"]
        assert [(i.entity, i.entity_id, i.from_user) for i in told] == [
            ("member", stranger, CASEWORKER)]
    finally:
        supervisor.close()
    officer = Session.open(vault, OFFICER, OFFICER_PASS)
    try:
        assert officer.verify().ok
        rows = officer.audit_log(username=CASEWORKER, limit=100)
        glass = [(r.action, r.entity_id, r.summary) for r in rows
                 if r.entity == "member" and r.entity_id == stranger]
        assert ("break-glass", stranger, "break-glass access for 8 h") in glass, glass
        assert ("view", stranger, "member record by break-glass") in glass, glass
        assert not [r for r in rows if r.action == "create"]  # nothing written
        # the reason is in the grant, never in the chain's summary
        assert not [r for r in rows if BREAK_GLASS_REASON in r.summary]
    finally:
        officer.close()
