"""Shared fixtures for the consent, disclosure, subject access and purge tests: an officer
and a caseworker in a template vault built once per module and copied per test, a clock
tests can move, and Argon2id memoised per module (same inputs, same key: only speed
changes)."""

from __future__ import annotations

import shutil
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
    memoised_kdf,
)
from uwu_tui.session import Session

PASSES = {OFFICER: OFFICER_PASS, CASEWORKER: "maple harbour chooses quietly"}


class Clock:
    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class People:
    def __init__(self, path: Path, clock: Clock) -> None:
        self.path, self.clock, self._open = path, clock, {}

    def __getitem__(self, username: str) -> Session:
        if username not in self._open:
            self._open[username] = Session.open(self.path, username, PASSES[username],
                                                clock=self.clock)
        return self._open[username]

    alice = property(lambda self: self[OFFICER])
    bob = property(lambda self: self[CASEWORKER])

    def close(self) -> None:
        for session in self._open.values():
            session.close()


@pytest.fixture(scope="module", autouse=True)
def memoised_argon2():
    with memoised_kdf():
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("staff-template") / "vault" / "vault.db"
    Session.create(path, OFFICER, OFFICER_NAME, OFFICER_PASS).close()
    admin = Session.open(path, OFFICER, OFFICER_PASS)
    admin.add_user(CASEWORKER, CASEWORKER_NAME, "caseworker", CASEWORKER_INITIAL)
    admin.close()
    first = Session.open(path, CASEWORKER, CASEWORKER_INITIAL)
    first.change_passphrase(CASEWORKER_INITIAL, PASSES[CASEWORKER])
    first.close()
    return path


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def people(template: Path, tmp_path: Path, clock: Clock):
    shutil.copytree(template.parent, tmp_path / "vault")
    crowd = People(tmp_path / "vault" / template.name, clock)
    yield crowd
    crowd.close()
