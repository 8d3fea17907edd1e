"""Shared fixtures: every test runs with its own HOME, config and data folders."""

from __future__ import annotations

import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Iterator

import pytest
from hypothesis import HealthCheck, settings

# Property tests check behaviour, not speed: no per-example deadline (a loaded CI machine
# must not turn a slow example into a failure). Speed is measured in benchmarks/.
# `make test` is derandomized: the same examples on every run and machine, so a run's
# result never depends on luck. `make fuzz` (UWU_FUZZ=N) explores: random examples, N
# times as many per test.
FUZZ = max(1, int(os.environ.get("UWU_FUZZ") or 1))
settings.register_profile("uwu", max_examples=100 * FUZZ, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow],
                          derandomize="UWU_FUZZ" not in os.environ)
settings.load_profile("uwu")


def examples(count: int) -> int:
    """A property test's number of examples: `count` in `make test`, more in `make fuzz`."""
    return count * FUZZ

OFFICER = "alice"
OFFICER_NAME = "Alice Example"
OFFICER_PASS = "correct violet tractor lamp"
CASEWORKER = "bob"
CASEWORKER_NAME = "Bob Example"
CASEWORKER_INITIAL = "initial granite window 77"
CASEWORKER_PASS = "maple harbour evening light"
SUPERVISOR = "sam"
SUPERVISOR_NAME = "Sam Example"
SUPERVISOR_PASS = "quiet orchard morning rain"

FIXED_NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@contextlib.contextmanager
def memoised_kdf(cache: dict[tuple[str, str], bytes] | None = None
                 ) -> Iterator[pytest.MonkeyPatch]:
    """Argon2id is deterministic: remember each (passphrase, salt, cost) derivation, so
    signing in again to a copy of the same vault costs nothing. Only the speed changes.
    Yields the MonkeyPatch, for a module that patches more."""
    from uwu_tui.data import keyslots

    real = keyslots.derive_kek
    memory: dict[tuple[str, str], bytes] = {} if cache is None else cache

    def derive(passphrase: str, kdf: dict) -> bytes:
        key = (passphrase, json.dumps(kdf, sort_keys=True))
        if key not in memory:
            memory[key] = real(passphrase, kdf)
        return memory[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(keyslots, "derive_kek", derive)
        yield patch


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private HOME and XDG folders so no test reads or writes the real ones."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("UWU_CONFIG", str(home / "config.toml"))
    monkeypatch.setenv("UWU_SITE_CONFIG", str(home / "site-config.toml"))
    for name in ("UWU_VAULT", "UWU_USER", "UWU_IDLE_LOCK_MINUTES", "UWU_DEVELOPER"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    from uwu_tui.session import Session

    path = tmp_path / "vault" / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    return path


@pytest.fixture
def officer(vault_path: Path):
    from uwu_tui.session import Session

    session = Session.open(vault_path, OFFICER, OFFICER_PASS)
    yield session
    session.close()


@pytest.fixture
def staffed_vault(vault_path: Path) -> Path:
    """A vault with an officer, a caseworker and a supervisor, passphrases already changed."""
    from uwu_tui.session import Session

    admin = Session.open(vault_path, OFFICER, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.add_user(SUPERVISOR, SUPERVISOR_NAME, "supervisor", CASEWORKER_INITIAL)
    admin.close()
    for name, new in ((CASEWORKER, CASEWORKER_PASS), (SUPERVISOR, SUPERVISOR_PASS)):
        first = Session.open(vault_path, name, CASEWORKER_INITIAL)
        first.change_passphrase(CASEWORKER_INITIAL, new)
        first.close()
    return vault_path
