"""Tests for uwu_tui.devflags (environment hardening before Textual import)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from uwu_tui.devflags import DEVELOPER_FLAG, disable_core_dumps, sanitise_environment

CAPTURE = [
    "TEXTUAL",
    "TEXTUAL_LOG",
    "TEXTUAL_DEVTOOLS_HOST",
    "TEXTUAL_DEVTOOLS_PORT",
    "TEXTUAL_SCREENSHOT",
    "TEXTUAL_SCREENSHOT_LOCATION",
    "TEXTUAL_SCREENSHOT_FILENAME",
    "TEXTUAL_DRIVER",
    "TEXTUAL_PRESS",
    "TEXTUAL_DEBUG",
    "TEXTUAL_SHOW_RETURN",
]
KEEP = {
    "TEXTUAL_COLOR_SYSTEM": "truecolor",
    "TEXTUAL_THEME": "nord",
    "TEXTUAL_ANIMATIONS": "none",
    "NO_COLOR": "1",
    "PYTHONFAULTHANDLER": "1",
    "HOME": "/home/caseworker",
}


def make_env(**extra: str) -> dict[str, str]:
    env = {name: "x" for name in CAPTURE}
    env["TEXTUAL"] = "devtools,debug"
    env.update(KEEP)
    env.update(extra)
    return env


def test_developer_flag_name() -> None:
    assert DEVELOPER_FLAG == "UWU_DEVELOPER"


def test_removes_capture_variables_and_keeps_others() -> None:
    env = make_env()
    removed = sanitise_environment(env)
    assert sorted(removed) == sorted(CAPTURE)
    for name in CAPTURE:
        assert name not in env
    assert env == KEEP


def test_returns_only_what_was_present() -> None:
    env = {"TEXTUAL_LOG": "/tmp/log.txt", "NO_COLOR": "1"}
    assert sanitise_environment(env) == ["TEXTUAL_LOG"]
    assert env == {"NO_COLOR": "1"}


@pytest.mark.parametrize("value", ["0", "", "true", "yes", " 1"])
def test_developer_flag_must_be_exactly_1(value: str) -> None:
    env = make_env(UWU_DEVELOPER=value)
    sanitise_environment(env)
    assert not any(name in env for name in CAPTURE)


def test_developer_mode_removes_nothing() -> None:
    env = make_env(UWU_DEVELOPER="1")
    before = dict(env)
    assert sanitise_environment(env) == []
    assert env == before


def test_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UWU_DEVELOPER", raising=False)
    monkeypatch.setenv("TEXTUAL_LOG", "/tmp/textual.log")
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "256")
    assert "TEXTUAL_LOG" in sanitise_environment()
    assert "TEXTUAL_LOG" not in os.environ
    assert os.environ["TEXTUAL_COLOR_SYSTEM"] == "256"


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return result.stdout.strip()


def test_module_does_not_import_textual() -> None:
    out = run_python(
        "import sys, uwu_tui.devflags; print(any(m == 'textual' or m.startswith('textual.') for m in sys.modules))"
    )
    assert out == "False"


@pytest.mark.skipif(sys.platform == "win32", reason="no RLIMIT_CORE")
def test_disable_core_dumps() -> None:
    # In a child process: lowering the hard limit cannot be undone.
    out = run_python(
        "import resource\n"
        "from uwu_tui.devflags import disable_core_dumps\n"
        "disable_core_dumps()\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE))"
    )
    assert out == "(0, 0)"


def test_disable_core_dumps_tolerates_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    resource = pytest.importorskip("resource")

    def refuse(*args: object) -> None:
        raise OSError("not permitted")

    monkeypatch.setattr(resource, "setrlimit", refuse)
    disable_core_dumps()  # must not raise
