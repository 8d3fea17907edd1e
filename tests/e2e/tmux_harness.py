"""Drive the real `uwu` command in a real terminal: tmux with send-keys and capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def tmux_available() -> bool:
    return shutil.which("tmux") is not None


class Terminal:
    """One tmux server (its own socket) running one command in an 80x24 window."""

    def __init__(self, workdir: Path, env: dict[str, str], width: int = 80, height: int = 24):
        self.socket = str(workdir / f"tmux-{uuid.uuid4().hex[:8]}.sock")
        self.env = env
        self.width, self.height = width, height
        self.session = "uwu"
        self.transcript: list[str] = []

    def _tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True,
                              text=True, check=check, env=self.env, timeout=30)

    def start(self, argv: list[str]) -> None:
        # The shell records the exit status itself: tmux 3.3 sometimes never reaps the
        # finished child, and then its pane_dead_status never fills in.
        self.status_file = Path(self.socket + ".status")
        command = (" ".join(shlex.quote(part) for part in argv)
                   + f"; echo $? > {shlex.quote(str(self.status_file))}")
        # Keep the pane after exit so the last screen and exit status can be read.
        self._tmux("-f", "/dev/null", "new-session", "-d", "-s", self.session,
                   "-x", str(self.width), "-y", str(self.height), "-c", str(REPO), command)
        self._tmux("set-option", "-t", self.session, "remain-on-exit", "on")

    def screen(self) -> str:
        text = self._tmux("capture-pane", "-p", "-t", self.session).stdout
        self.transcript.append(text)
        return text

    def scrollback(self) -> str:
        """Everything the pane holds, history included (for leak scans)."""
        return self._tmux("capture-pane", "-p", "-S", "-", "-E", "-", "-t", self.session).stdout

    #: Seconds after each send: a burst of keys faster than anyone types can arrive in
    #: one read, and a person never sends a Tab in the same millisecond as a word.
    PACE = 0.15

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", self.session, *keys)
        time.sleep(self.PACE)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)
        time.sleep(self.PACE)

    def wait_for(self, needle: str, timeout: float = 20.0, settle: float = 0.3) -> str:
        """Wait until `needle` is on screen, then `settle` seconds for focus and mounting."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if needle in text:
                time.sleep(settle)
                return text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} did not appear within {timeout}s; screen was:\n{text}")

    def wait_gone(self, needle: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if needle not in text:
                return text
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} still on screen after {timeout}s:\n{text}")

    def exit_status(self, timeout: float = 20.0) -> int:
        """The program's exit status, as the wrapping shell recorded it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                text = self.status_file.read_text().strip()
            except OSError:
                text = ""
            if text:
                return int(text)
            time.sleep(0.1)
        raise AssertionError(f"the program did not exit within {timeout}s:\n{self.screen()}")

    def close(self) -> None:
        self._tmux("kill-server", check=False)
        try:
            os.unlink(self.socket)
        except OSError:
            pass


def uwu_argv(*args: str) -> list[str]:
    """The real command, run from this checkout (the venv's python, -m uwu_tui)."""
    return [sys.executable, "-m", "uwu_tui", *args]


def terminal_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": str(REPO),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "TMPDIR": str(home / "tmp"),
        "UWU_CONFIG": str(home / "config.toml"),
        "UWU_SITE_CONFIG": str(home / "site-config.toml"),
    }
    (home / "tmp").mkdir(parents=True, exist_ok=True)
    env.update(extra)
    return env
