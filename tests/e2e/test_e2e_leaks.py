"""Leaks through the terminal (issue 7): the real `uwu` in tmux, member data on screen, then
lock and quit. Nothing of it stays in the pane's scrollback, its alternate screen, the
terminal title, or tmux's paste buffers (no clipboard copy), and the process runs with core
dumps off.

A vault is prepared through Session with canaries (``CANARY-<field>-<hex>``, short enough
for an 80-column screen; one with é and a CJK character) in a member's names, address,
communication needs and a case's title and record. The test opens the member and the case
so the canaries are on screen (which proves the captures can see them), tries the copy keys
in a field holding one, then locks (ctrl+l) and captures the pane with its whole history,
plain and with escapes, and the alternate screen; unlocks, quits (ctrl+q), and captures
again. tmux is set to accept OSC 52 clipboard writes into its buffers, and a control window
shows that a program's title and clipboard writes do reach `#{pane_title}` and
`list-buffers`, so both checks can fail.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import pytest

from tmux_harness import Terminal, uwu_argv
from tests.unit.leak_scenario import Canaries, Canary, files_under, scan

USER = "olivia"
PASSPHRASE = "lantern quarry velvet 93"


def short(canaries: Canaries, name: str, *, wide: bool = False) -> str:
    """A canary that fits an 80-column screen: CANARY-<name>-[é漢-]<8 hex>."""
    middle = "é漢-" if wide else ""
    return canaries._add(name, f"CANARY-{name}-{middle}{secrets.token_hex(4)}")


def token(canary: Canary) -> str:
    return canary.value.rsplit("-", 1)[-1]


def found_in(text: str, canaries: Canaries) -> list[str]:
    """Canaries whose value or random token is in `text` (case-folded too): a truncated
    or wrapped value still shows its token."""
    folded = text.lower()
    return sorted(c.name for c in canaries
                  if c.value.lower() in folded or token(c).lower() in folded)


@pytest.fixture
def canary_vault(e2e_home: Path) -> tuple[Path, Canaries]:
    from uwu_tui.session import Session

    canaries = Canaries()
    vault = e2e_home / ".local/share/uwu-tui/vault.db"  # the default place
    session = Session.create(vault, USER, "Olivia " + short(canaries, "fullname"), PASSPHRASE)
    try:
        member = session.new_member({
            "membership_no": "CN" + secrets.token_hex(4).upper(),
            "given_name": short(canaries, "given"),
            "family_name": short(canaries, "family"),
            "address": short(canaries, "ad", wide=True),
            "language": short(canaries, "language"),
            "adjustments": short(canaries, "adjust"),
        })
        case = session.new_case(member.id, "grievance", short(canaries, "title"))
        session.add_entry(case.id, "general", "Met the member. " + short(canaries, "body"))
    finally:
        session.close()
    return vault, canaries


def capture(term: Terminal, *flags: str) -> str:
    return term._tmux("capture-pane", "-p", *flags, "-t", term.session, check=False).stdout


def everything_shown(term: Terminal) -> dict[str, str]:
    """The pane as tmux holds it: history and screen, plain and with escapes, and the
    alternate screen; the title; the paste buffers."""
    return {
        "scrollback": capture(term, "-S", "-", "-E", "-"),
        "scrollback with escapes": capture(term, "-e", "-S", "-", "-E", "-"),
        "alternate screen": capture(term, "-a", "-q"),
        "title": pane_title(term),
        "buffers": buffers(term),
    }


def pane_title(term: Terminal, target: str | None = None) -> str:
    return term._tmux("display-message", "-p", "-t", target or term.session,
                      "#{pane_title}").stdout


def buffers(term: Terminal) -> str:
    return term._tmux("list-buffers", check=False).stdout


def uwu_pid(term: Terminal) -> int:
    """The pane's uwu process (the shell runs it as a child, or exec'd)."""
    out = term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").stdout
    todo, seen = [int(out)], []
    while todo:
        pid = todo.pop()
        seen.append(pid)
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            children = []
        todo.extend(int(c) for c in children)
    for pid in seen:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"-m" in argv and argv[argv.index(b"-m") + 1:][:1] == [b"uwu_tui"]:
            return pid  # python -m uwu_tui, not a shell whose command line names it
    raise AssertionError("no uwu process under the pane")


def core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    raise AssertionError("no core limit line")


def test_nothing_of_a_member_stays_in_the_terminal_after_lock_and_exit(
        terminal: Terminal, e2e_home: Path, canary_vault: tuple[Path, Canaries]) -> None:
    vault, canaries = canary_vault
    # Core dumps on as far as allowed when uwu starts: it must turn them off itself.
    terminal.start(["sh", "-c", 'ulimit -S -c "$(ulimit -H -c)"; exec "$@"', "sh",
                    *uwu_argv("--user", USER)])
    terminal._tmux("set-option", "-s", "set-clipboard", "on")  # OSC 52 -> a tmux buffer
    terminal._tmux("set-option", "-g", "history-limit", "5000")
    terminal.wait_for("Sign in", timeout=30)
    assert core_limit(uwu_pid(terminal)) == "0 0"

    terminal.type(PASSPHRASE)
    terminal.send("Enter")
    home = terminal.wait_for("My cases", timeout=30)
    seen = found_in(home, canaries)
    assert {"title", "family", "given"} <= set(seen), seen  # the capture sees canaries

    # The member, on screen with their address and communication needs.
    terminal.send("m")
    terminal.wait_for("Type to search")
    family = canaries.items["family"].value
    terminal.type(family[:13])
    terminal.wait_for(token(canaries.items["family"]))
    # The copy and cut keys, with text selected in the search field: nothing is copied
    # (the cut does remove the selection, so the keys really reached the field).
    terminal.send("S-Left", "S-Left", "S-Left")
    terminal.send("C-c")
    terminal.send("C-x")
    terminal.wait_for(family[:10] + " " * 20)  # the search field now holds "CANARY-fam"
    assert buffers(terminal) == ""
    terminal.send("Down")
    terminal.send("Enter")
    member = terminal.wait_for("Given name")
    assert {"given", "family", "ad", "language", "adjust"} <= set(
        found_in(member, canaries)), member
    titles = [pane_title(terminal)]

    # The case and its record.
    terminal.send("2")
    terminal.wait_for(token(canaries.items["title"]))
    terminal.send("Tab")  # from the tabs to the list of cases
    terminal.send("Enter")
    case = terminal.wait_for(token(canaries.items["body"]))
    assert "title" in found_in(case, canaries)
    titles.append(pane_title(terminal))

    # Lock: nothing of it anywhere tmux keeps.
    terminal.send("C-l")
    terminal.wait_for("Locked")
    time.sleep(0.5)
    after_lock = everything_shown(terminal)
    assert "Locked" in after_lock["scrollback"]
    leaks = {what: found_in(text, canaries) for what, text in after_lock.items()}
    assert all(not names for names in leaks.values()), leaks

    # Unlock: the case again (so the key and the screen really come back), then quit.
    terminal.type(PASSPHRASE)
    terminal.send("Enter")
    terminal.wait_for(token(canaries.items["body"]), timeout=30)
    terminal.send("C-q")
    assert terminal.exit_status() == 0
    time.sleep(0.3)
    after_exit = everything_shown(terminal)
    leaks = {what: found_in(text, canaries) for what, text in after_exit.items()}
    assert all(not names for names in leaks.values()), leaks
    assert not any(found_in(title, canaries) for title in titles), titles
    assert after_lock["buffers"] == after_exit["buffers"] == ""

    # Nor in any file under HOME (config, cache, data, state, the vault's folder, TMPDIR).
    assert not (vault.parent / "vault.db-wal").exists()
    hits = scan(files_under(e2e_home), list(canaries))
    assert hits == [], hits

    # The checks can fail: in the same tmux server a program's title and clipboard
    # writes do land in #{pane_title} and in a paste buffer.
    control = "CANARY-control-" + secrets.token_hex(4)
    script = (f"printf '\\033]2;%s\\033\\\\' {control}; "
              f"printf '\\033]52;c;%s\\a' $(printf %s {control} | base64); sleep 30")
    terminal._tmux("new-window", "-d", "-n", "control", script)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
            control in pane_title(terminal, "control") and control in buffers(terminal)):
        time.sleep(0.1)
    assert pane_title(terminal, "control").strip() == control
    assert control in buffers(terminal)
    assert re.search(r"buffer\d+: ", buffers(terminal))
