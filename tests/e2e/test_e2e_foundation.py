"""The real `uwu` command in a real terminal: set-up -> unlock -> lock -> unlock -> quit.

tmux runs `python -m uwu_tui` from this checkout in an 80x24 window; keys go in with
send-keys and the screen comes back with capture-pane. Along the way: the passphrase
never appears on screen, in the process's argv or in the terminal title, and the lock
screen shows nothing of the home screen.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tmux_harness import Terminal, uwu_argv

USER = "olivia"
NAME = "Olivia Example"
PASSPHRASE = "lantern quarry velvet 93"


def pane_pid(term: Terminal) -> int:
    return int(term._tmux("display-message", "-p", "-t", term.session, "#{pane_pid}").stdout)


def pane_title(term: Terminal) -> str:
    return term._tmux("display-message", "-p", "-t", term.session, "#{pane_title}").stdout


def process_tree_cmdlines(root: int) -> list[str]:
    """argv of the pane's process and all its descendants, from /proc."""
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.split("\n"):
        if line.strip():
            pid, ppid = (int(x) for x in line.split())
            children.setdefault(ppid, []).append(pid)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            pass
        todo.extend(children.get(pid, []))
    return found


def test_setup_unlock_lock_unlock_quit(terminal: Terminal, e2e_home: Path) -> None:
    vault = e2e_home / ".local/share/uwu-tui/vault.db"
    terminal.start(uwu_argv())
    terminal.wait_for("Set up a new vault")
    assert "~/.local/share/uwu-tui/vault.db" in terminal.screen()
    assert not vault.exists()

    terminal.type(USER)
    terminal.send("Tab")
    terminal.type(NAME)
    terminal.send("Tab")
    terminal.type(PASSPHRASE)
    terminal.send("Tab")
    terminal.type(PASSPHRASE)
    terminal.send("C-s")
    home = terminal.wait_for("Signed in as", timeout=30)
    assert "Officer" in home
    assert vault.exists() and vault.with_suffix(".keys").exists()
    assert oct(vault.stat().st_mode & 0o777) == "0o600"

    # The passphrase is nowhere a co-worker could read it.
    cmdlines = process_tree_cmdlines(pane_pid(terminal))
    assert any("uwu_tui" in c for c in cmdlines)
    assert not any(PASSPHRASE in c for c in cmdlines)
    assert PASSPHRASE not in terminal.scrollback()
    assert PASSPHRASE not in pane_title(terminal) and NAME not in pane_title(terminal)

    # Lock: the lock screen shows who is locked, nothing of the home screen.
    terminal.send("C-l")
    locked = terminal.wait_for("Locked")
    assert "My cases" not in locked and "Inbox" not in locked
    terminal.type("wrong passphrase here")
    terminal.send("Enter")
    terminal.wait_for("Wrong passphrase")
    terminal.type(PASSPHRASE)
    terminal.send("Enter")
    back = terminal.wait_for("My cases", timeout=30)
    assert NAME in back

    terminal.send("C-q")
    assert terminal.exit_status() == 0
    assert PASSPHRASE not in terminal.scrollback()

    # The vault the TUI made opens from the command line, and the chain holds every step.
    result = subprocess.run(
        [*uwu_argv("--vault", str(vault), "--user", USER, "--passphrase-file", "-", "verify")],
        input=PASSPHRASE + "\n", capture_output=True, text=True, env=terminal.env, timeout=60,
        cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert "Audit chain intact" in result.stdout
    assert sys.executable  # the same interpreter ran both
