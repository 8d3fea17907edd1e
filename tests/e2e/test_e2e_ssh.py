"""The real `uwu` over a real SSH connection, set up as in docs/DEPLOY-SSH.md.

An OpenSSH server runs on 127.0.0.1 (sshd_harness.SSHServer) with a ForceCommand that runs
this checkout's `uwu` with no flags: a site config file names the vault, which sits in a
setgid, group-rwx folder. Each SSH client runs in its own tmux pane (80x24).

- Two caseworkers at once: each signs in over SSH, makes a member, opens a case and
  saves an entry, the saves of both sent at the same moment (the entries while a third
  writer holds the write lock, so both really wait). Both land, the audit chain verifies,
  and neither pane ever shows "database is locked" or "busy".
- A dropped connection: a draft is being typed in the entry editor when the SSH client is
  killed. The server-side `uwu` gets SIGHUP, records "locked on hang-up signal" and closes
  the vault cleanly (no -wal left); the draft is nowhere in the vault.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import stat
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from sshd_harness import INSTALL_HINT, SSHD, SSHServer, alive, children_of, cmdline
from tmux_harness import Terminal, terminal_env, tmux_available
from uwu_tui.session import Session

OFFICER, OFFICER_PASS = "olivia", "lantern quarry velvet 93"
INITIAL = "initial granite window 77"
CASEWORKERS = {
    "amira": ("Amira Caseworker", "maple harbour evening light"),
    "bilal": ("Bilal Caseworker", "copper meadow signal 48"),
}
#: What each caseworker types: membership number, given name, family name, case title, entry.
WORK = {
    "amira": ("SSH-A-001", "Amelia", "Quarrington", "Night rota", "Met Amelia about the night rota"),
    "bilal": ("SSH-B-002", "Bartholomew", "Zylstra", "Locker keys", "Phoned Bartholomew re lockers"),
}
#: Nothing a user should ever see when two people save at once (WAL + busy timeout).
FORBIDDEN = re.compile(r"database is locked|\bbusy\b|locked by another", re.IGNORECASE)


# ---- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def shared_vault(tmp_path: Path) -> Path:
    """/srv/uwu in miniature: a 2770 folder; an officer and two caseworkers, passphrases set."""
    folder = tmp_path / "srv-uwu"
    folder.mkdir()
    os.chmod(folder, 0o2770)
    vault = folder / "vault.db"
    old = os.umask(0o077)
    try:
        admin = Session.create(vault, OFFICER, "Olivia Officer", OFFICER_PASS)
        for name, (full_name, _) in CASEWORKERS.items():
            admin.add_user(name, full_name, "caseworker", INITIAL)
        admin.close()
        for name, (_, passphrase) in CASEWORKERS.items():
            first = Session.open(vault, name, INITIAL)
            first.change_passphrase(INITIAL, passphrase)
            first.close()
    finally:
        os.umask(old)
    return vault


@pytest.fixture
def ssh_server(tmp_path: Path, e2e_home: Path, shared_vault: Path) -> Iterator[SSHServer]:
    if not SSHD.exists():
        pytest.fail(INSTALL_HINT)
    if shutil.which("ssh") is None or shutil.which("ssh-keygen") is None:
        pytest.fail("The OpenSSH client (ssh, ssh-keygen) is not installed: "
                    "'apt-get install openssh-client' (.ci/run does this).")
    if not tmux_available():
        pytest.fail("tmux is not installed: .ci/run installs it (apt-get install tmux)")
    env = terminal_env(e2e_home)
    # The site config names the vault, so the forced command is `uwu` with no flags.
    Path(env["UWU_SITE_CONFIG"]).write_text(f'vault = "{shared_vault}"\n')
    uwu_env = {name: value for name, value in env.items() if name != "TERM"}  # TERM: the client's
    server = SSHServer(tmp_path / "ssh", uwu_env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


class Watched:
    """Terminals whose screens are sampled in the background the whole time."""

    def __init__(self) -> None:
        self.terminals: dict[str, Terminal] = {}
        self.seen: list[tuple[str, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            for name, term in list(self.terminals.items()):
                try:
                    text = term._tmux("capture-pane", "-p", "-t", term.session, check=False).stdout
                except Exception:  # the server went away at the end: nothing to sample
                    continue
                self.seen.append((name, text))
            time.sleep(0.1)

    def problems(self) -> list[str]:
        found = []
        for name, term in self.terminals.items():
            screens = [(name, s) for s in term.transcript] + [(name, term.scrollback())]
            for who, text in screens + [item for item in list(self.seen) if item[0] == name]:
                if FORBIDDEN.search(text):
                    found.append(f"{who}:\n{text}")
        return found

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for term in self.terminals.values():
            term.close()


@pytest.fixture
def watched() -> Iterator[Watched]:
    panes = Watched()
    panes.start()
    yield panes
    panes.close()


class SSHTerminal(Terminal):
    """A pane running the ssh client; its exit status goes to a file when it ends.

    (tmux 3.3 can mark a pane dead and then never fill in #{pane_dead_status}, so the
    status is not read from tmux.)
    """

    def start_client(self, argv: list[str], status_file: Path) -> None:
        self.status_file = status_file
        command = f"{shlex.join(argv)}; echo $? > {shlex.quote(str(status_file))}"
        self.start(["sh", "-c", command])

    def client_exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.status_file.read_text() if self.status_file.exists() else ""
            if text.endswith("\n"):
                return int(text)
            time.sleep(0.1)
        raise AssertionError(f"the ssh client did not exit within {timeout}s:\n{self.screen()}")


def connect(server: SSHServer, watched: Watched, home: Path, user: str) -> SSHTerminal:
    term = SSHTerminal(home, terminal_env(home))
    term.start_client(server.client_argv(user), server.dir / f"client-{user}.status")
    watched.terminals[user] = term
    return term


# ---- steps, each taken in every terminal given -------------------------------------------


def each(terms: dict[str, Terminal], *keys: str) -> None:
    for term in terms.values():
        term.send(*keys)


def together(terms: dict[str, Terminal], key: str) -> None:
    """The same key in every pane at the same instant (one thread per pane)."""
    start = threading.Barrier(len(terms))

    def press(term: Terminal) -> None:
        start.wait()
        term._tmux("send-keys", "-t", term.session, key)

    threads = [threading.Thread(target=press, args=(term,)) for term in terms.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    time.sleep(Terminal.PACE)


def wait_all(terms: dict[str, Terminal], needle: str, timeout: float = 30) -> None:
    for term in terms.values():
        term.wait_for(needle, timeout=timeout)


def sign_in(terms: dict[str, Terminal], vault: Path) -> None:
    for user, term in terms.items():
        screen = term.wait_for("Sign in", timeout=30)
        # The vault is the one the site config names (no flags); the path may wrap.
        assert str(vault) in re.sub(r"[\s│]", "", screen)
        assert user in screen  # the username is filled in; only the passphrase is typed
    for user, term in terms.items():
        term.type(CASEWORKERS[user][1])
        term.send("Enter")
    wait_all(terms, "Signed in as")


def new_member(terms: dict[str, Terminal]) -> None:
    each(terms, "m")
    wait_all(terms, "Type to search")
    each(terms, "C-n")
    wait_all(terms, "Membership no")
    for user, term in terms.items():
        number, given, family = WORK[user][:3]
        term.type(number)
        term.send("Tab")
        term.type(given)
        term.send("Tab")
        term.type(family)
    together(terms, "C-s")  # both saves at the same moment
    for user, term in terms.items():
        term.wait_for("Member saved", timeout=30)


def new_case(terms: dict[str, Terminal]) -> None:
    each(terms, "c")
    wait_all(terms, "Choose the type")
    each(terms, "Enter")  # open the type list
    each(terms, "Down")
    each(terms, "Enter")  # Grievance
    each(terms, "Tab")
    for user, term in terms.items():
        term.type(WORK[user][3])
    together(terms, "C-s")
    for user, term in terms.items():
        term.wait_for(f"Grievance: {WORK[user][3]}", timeout=30)
    wait_all(terms, "Case opened")


def open_entry_editor(terms: dict[str, Terminal]) -> None:
    each(terms, "e")
    wait_all(terms, "Save entry")
    each(terms, "BTab")
    each(terms, "BTab")  # back to the channel
    each(terms, "Enter")
    each(terms, "Down")
    each(terms, "Enter")  # In person
    for term in terms.values():
        term.wait_for("In person")
    each(terms, "Tab")
    each(terms, "Tab")  # forward to the entry's text


def vault_files(vault: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in vault.parent.iterdir()}


def wait_exited(pids: list[int], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(pid) for pid in pids):
            return
        time.sleep(0.1)
    raise AssertionError(f"uwu still running on the server: {[cmdline(p) for p in pids]}")


# ---- the tests ------------------------------------------------------------------------------


def test_two_caseworkers_over_ssh_save_at_the_same_time(
    ssh_server: SSHServer, watched: Watched, e2e_home: Path, shared_vault: Path
) -> None:
    terms = {user: connect(ssh_server, watched, e2e_home, user) for user in CASEWORKERS}
    sign_in(terms, shared_vault)
    servers = ssh_server.uwu_pids()
    assert len(servers) == 2, [cmdline(p) for p in ssh_server.server_side()]
    # Nothing another user of the server could read in the process list.
    for pid in ssh_server.server_side():
        assert not any(secret in cmdline(pid) for _, secret in CASEWORKERS.values())

    new_member(terms)
    new_case(terms)
    open_entry_editor(terms)
    for user, term in terms.items():
        term.type(WORK[user][4])
    # A third writer is mid-transaction when both press Ctrl+S at the same instant: both
    # saves must queue behind it (busy timeout) and then go through, with no error shown.
    holder = Session.open(shared_vault, OFFICER, OFFICER_PASS)
    try:
        with holder._write("hold the write lock"):
            together(terms, "C-s")
            for term in terms.values():
                term.wait_for("Saving", timeout=10, settle=0)
            time.sleep(1.5)
            for term in terms.values():
                assert "Entry saved" not in term.screen()  # still waiting for the lock
    finally:
        holder.close()
    wait_all(terms, "Entry saved")
    for user, term in terms.items():
        assert WORK[user][4] in term.screen()  # on the case's timeline

    # Every vault file the two server-side processes made is the group's, 0660.
    modes = vault_files(shared_vault)
    assert {"vault.db-wal", "vault.db-shm"} <= set(modes)
    assert set(modes.values()) == {0o660}, {k: oct(v) for k, v in modes.items()}

    each(terms, "C-q")
    for term in terms.values():
        assert term.client_exit_code() == 0, term.screen()
    wait_exited(servers)
    assert not watched.problems(), "\n".join(watched.problems())

    # Both writes landed, each where it belongs.
    for user, (_, passphrase) in CASEWORKERS.items():
        number, given, family, title, body = WORK[user]
        session = Session.open(shared_vault, user, passphrase)
        try:
            found = [m for m in session.find_members(family) if m.membership_no == number]
            assert len(found) == 1, found
            cases = session.member_cases(found[0].id)
            assert [c.title for c in cases] == [title]
            assert [e.body for e in session.case_entries(cases[0].id)] == [body]
            assert [hit.entry.body for hit in session.search_notes(body.split()[0])] == [body]
        finally:
            session.close()
    officer = Session.open(shared_vault, OFFICER, OFFICER_PASS)
    try:
        assert officer.verify().ok
        creates = officer.audit_log(action="create", limit=50)
        for user in CASEWORKERS:
            kinds = sorted(row.entity for row in creates if row.username == user)
            assert kinds == ["case", "entry", "member"], kinds
    finally:
        officer.close()
    assert not (shared_vault.parent / "vault.db-wal").exists()


DRAFT = "Draftword unsaved quokka note about the grievance"


def test_dropped_ssh_connection_locks_and_closes_the_vault_and_keeps_no_draft(
    ssh_server: SSHServer, watched: Watched, e2e_home: Path, shared_vault: Path
) -> None:
    user = "amira"
    term = connect(ssh_server, watched, e2e_home, user)
    terms = {user: term}
    sign_in(terms, shared_vault)
    new_member(terms)
    new_case(terms)
    open_entry_editor(terms)
    term.type(DRAFT)
    term.wait_for("quokka")
    server_side = ssh_server.uwu_pids()
    assert len(server_side) == 1

    # The connection drops: kill the SSH client outright (like a lost network or a closed
    # window). sshd hangs up the terminal and the server-side uwu gets SIGHUP.
    pane = int(term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").stdout)
    clients = [pid for pid in [pane, *children_of(pane)] if cmdline(pid).startswith("ssh ")]
    assert len(clients) == 1, [cmdline(p) for p in [pane, *children_of(pane)]]
    os.kill(clients[0], signal.SIGKILL)
    wait_exited(server_side)

    # Closed cleanly: the write-ahead log folded back and removed, modes intact.
    modes = vault_files(shared_vault)
    assert "vault.db-wal" not in modes and "vault.db-shm" not in modes, modes
    assert set(modes.values()) == {0o660}
    for path in shared_vault.parent.iterdir():
        assert b"quokka" not in path.read_bytes()

    session = Session.open(shared_vault, user, CASEWORKERS[user][1])
    try:
        assert session.search_notes("quokka") == []
        member = [m for m in session.find_members(WORK[user][2])][0]
        cases = session.member_cases(member.id)
        assert len(cases) == 1 and session.case_entries(cases[0].id) == []
    finally:
        session.close()
    officer = Session.open(shared_vault, OFFICER, OFFICER_PASS)
    try:
        locks = [row for row in officer.audit_log(username=user, action="lock")]
        assert [row.summary for row in locks] == ["locked on hang-up signal"], locks
        assert officer.verify().ok
    finally:
        officer.close()
    assert not watched.problems(), "\n".join(watched.problems())
