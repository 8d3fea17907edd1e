"""A real OpenSSH server on 127.0.0.1 for end-to-end tests, set up like docs/DEPLOY-SSH.md.

Everything lives in one temporary folder: a host key and a user key (ssh-keygen), an
``authorized_keys`` file, an ``sshd_config`` and a ``ForceCommand`` wrapper that runs this
checkout's ``uwu`` with the test's HOME, config files and site config (which names the
vault, so ``uwu`` runs with no flags, as on a shared server). ``sshd -D`` runs as a child
of the test on a free port and is stopped by the test (terminate, then kill, then wait),
together with the per-connection processes it forked.

The test connects as the current OS user. In CI that is root, hence
``PermitRootLogin prohibit-password`` (key only). On a real server every caseworker has
an OS account of their own and ``uwu`` takes the login name as the uwu username; here
all connections share one OS account, so the client sends ``UWU_USER`` (``SetEnv``) and
the server accepts only that variable (``AcceptEnv UWU_USER``).
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SSHD = Path("/usr/sbin/sshd")
INSTALL_HINT = (
    f"OpenSSH server not found at {SSHD}: the SSH end-to-end tests need it. "
    "Install it with 'apt-get install openssh-server' (.ci/run does this)."
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Every descendant of pid (from /proc), deepest last."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in parents.get(todo.pop(0), []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class SSHServer:
    """sshd on 127.0.0.1:port whose ForceCommand is this checkout's `uwu`."""

    def __init__(self, workdir: Path, uwu_env: dict[str, str]) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.dir, 0o700)
        self.uwu_env = uwu_env
        self.host_key = self.dir / "ssh_host_ed25519_key"
        self.user_key = self.dir / "id_ed25519"
        self.authorized_keys = self.dir / "authorized_keys"
        self.config = self.dir / "sshd_config"
        self.wrapper = self.dir / "uwu-forced"
        self.log = self.dir / "sshd.log"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._forked: set[int] = set()

    # ---- set-up --------------------------------------------------------------------

    def _keygen(self, path: Path, comment: str) -> None:
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment,
                        "-f", str(path)], check=True, capture_output=True, timeout=30)

    def _write_wrapper(self) -> None:
        """What ForceCommand runs: the environment, then exec the real `uwu` (no flags)."""
        lines = ["#!/bin/sh", "# ForceCommand for the e2e SSH test: this checkout's uwu."]
        for name, value in sorted(self.uwu_env.items()):
            lines.append(f"export {name}={shlex.quote(value)}")
        # The one variable the client may send (AcceptEnv): which uwu account signs in.
        lines.append('[ -n "${UWU_USER:-}" ] && export UWU_USER')
        lines.append(f"cd {shlex.quote(str(REPO))} || exit 1")
        lines.append(f"exec {shlex.quote(sys.executable)} -m uwu_tui")
        self.wrapper.write_text("\n".join(lines) + "\n")
        os.chmod(self.wrapper, 0o700)

    def _write_config(self) -> None:
        self.config.write_text("\n".join([
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.host_key}",
            f"AuthorizedKeysFile {self.authorized_keys}",
            f"PidFile {self.dir / 'sshd.pid'}",
            "UsePAM no",
            "StrictModes no",  # the temp folder is not a home folder sshd would trust
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "PermitTTY yes",
            "AllowTcpForwarding no",
            "AllowAgentForwarding no",
            "X11Forwarding no",
            "PermitTunnel no",
            "PermitUserRC no",
            "PrintMotd no",
            "PrintLastLog no",
            "AcceptEnv UWU_USER",
            "LogLevel VERBOSE",
            f"ForceCommand {self.wrapper}",
            "",
        ]))

    def start(self) -> None:
        if not SSHD.exists():
            raise AssertionError(INSTALL_HINT)
        if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
            # sshd run as root insists on its privilege-separation folder; the package's
            # service would make it, but the service is not running in CI.
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self._keygen(self.host_key, "uwu-e2e-host")
        self._keygen(self.user_key, "uwu-e2e-user")
        self.authorized_keys.write_text(self.user_key.with_suffix(".pub").read_text())
        self._write_wrapper()
        for _attempt in range(5):
            self.port = free_port()
            self._write_config()
            test = subprocess.run([str(SSHD), "-t", "-f", str(self.config)],
                                  capture_output=True, text=True, timeout=30)
            if test.returncode != 0:
                raise AssertionError(f"sshd rejected the test config: {test.stderr.strip()}")
            log = self.log.open("ab")
            self.process = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(self.config)],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
            log.close()
            if self._wait_listening():
                return
            self.stop()  # the port was taken in between: try another
        raise AssertionError(f"sshd did not start; its log:\n{self.log_text()}")

    def _wait_listening(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            if f"listening on 127.0.0.1 port {self.port}" in self.log_text():
                return True
            time.sleep(0.05)
        return False

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    # ---- clients -------------------------------------------------------------------

    def client_argv(self, uwu_user: str) -> list[str]:
        """An interactive client, as a caseworker would run it (a terminal is forced)."""
        return [
            "ssh", "-F", "/dev/null", "-tt",
            "-i", str(self.user_key), "-p", str(self.port),
            "-o", "IdentitiesOnly=yes",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR",
            "-o", f"SetEnv=UWU_USER={uwu_user}",
            "127.0.0.1",
        ]

    # ---- processes -------------------------------------------------------------------

    def server_side(self) -> list[int]:
        """Processes forked by this sshd (connection handlers, the uwu they run)."""
        if self.process is None:
            return []
        pids = children_of(self.process.pid)
        self._forked.update(pids)
        return pids

    def uwu_pids(self) -> list[int]:
        return [pid for pid in self.server_side() if "uwu_tui" in cmdline(pid)]

    def stop(self) -> None:
        """Stop sshd and everything it forked (only those: found through its pid)."""
        process, self.process = self.process, None
        if process is None:
            return
        forked = set(children_of(process.pid)) | self._forked
        if process.poll() is None:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        for pid in forked:
            if alive(pid) and ("sshd" in cmdline(pid) or "uwu" in cmdline(pid)):
                try:
                    os.kill(pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in forked):
            time.sleep(0.05)
        for pid in forked:
            if alive(pid) and ("sshd" in cmdline(pid) or "uwu" in cmdline(pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
