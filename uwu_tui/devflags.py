"""Process hardening that must happen before Textual is imported.

Textual reads most of its settings from the environment **at import time**:
``textual/constants.py`` evaluates ``TEXTUAL_LOG``, ``TEXTUAL_DEVTOOLS_*``,
``TEXTUAL_SCREENSHOT*``, ``TEXTUAL_DRIVER``, ``TEXTUAL_PRESS``,
``TEXTUAL_DEBUG`` and ``TEXTUAL_SHOW_RETURN`` into module-level ``Final``
constants the first time any part of ``textual`` is imported.  The feature
flags in ``TEXTUAL`` (``devtools``, ``debug``) are read later, in
``App.__init__``.  Either way, `sanitise_environment` must run before the
first ``import textual`` (directly or via any ``uwu_tui`` module that
imports it), otherwise removing the variables has no effect on the
constants.  This module therefore imports nothing from Textual.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

__all__ = [
    "DEVELOPER_FLAG",
    "CAPTURE_VARIABLES",
    "sanitise_environment",
    "disable_core_dumps",
]

DEVELOPER_FLAG = "UWU_DEVELOPER"
"""Set this environment variable to ``"1"`` to keep Textual's developer settings."""

CAPTURE_VARIABLES: tuple[str, ...] = (
    "TEXTUAL",  # feature flags: devtools, debug
    "TEXTUAL_LOG",  # log file on disk
    "TEXTUAL_DEVTOOLS_HOST",  # devtools console (receives logs, screens)
    "TEXTUAL_DEVTOOLS_PORT",
    "TEXTUAL_SCREENSHOT",  # automatic SVG screenshot after N seconds
    "TEXTUAL_SCREENSHOT_LOCATION",
    "TEXTUAL_SCREENSHOT_FILENAME",
    "TEXTUAL_DRIVER",  # arbitrary driver class (could record the screen)
    "TEXTUAL_PRESS",  # scripted key presses
    "TEXTUAL_DEBUG",
    "TEXTUAL_SHOW_RETURN",  # prints the app's return value on exit
)
"""Textual settings that could capture screens, keys or logs of a real vault.

Colour and theme settings (``TEXTUAL_COLOR_SYSTEM``, ``TEXTUAL_THEME``,
``TEXTUAL_ANIMATIONS``, ``NO_COLOR``) are deliberately kept.
"""


def sanitise_environment(
    environ: MutableMapping[str, str] = os.environ,
) -> list[str]:
    """Remove `CAPTURE_VARIABLES` from `environ`, unless in developer mode.

    Developer mode is ``environ[DEVELOPER_FLAG] == "1"``; then nothing is
    removed.  Must be called before Textual is imported (see the module
    docstring).

    Returns:
        The names that were removed, in `CAPTURE_VARIABLES` order.
    """
    if environ.get(DEVELOPER_FLAG) == "1":
        return []
    removed: list[str] = []
    for name in CAPTURE_VARIABLES:
        if name in environ:
            del environ[name]
            removed.append(name)
    return removed


def disable_core_dumps() -> None:
    """Stop the process writing a core file (which would hold decrypted data).

    Two locks: ``RLIMIT_CORE`` 0 (soft and hard), and on Linux the process made
    non-dumpable (``prctl(PR_SET_DUMPABLE, 0)``). The second matters where
    ``/proc/sys/kernel/core_pattern`` pipes cores to a helper (systemd-coredump,
    apport): the kernel hands a piped core over whatever ``RLIMIT_CORE`` says, but
    never dumps a non-dumpable process. It also stops other processes of the same
    user from attaching a debugger or reading ``/proc/PID/mem``.

    Silently does nothing where either is unavailable (Windows, macOS) or refused.
    """
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, AttributeError, ValueError, OSError):
        pass
    _not_dumpable()


#: From <linux/prctl.h>.
PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _not_dumpable() -> None:
    import sys

    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (ImportError, AttributeError, OSError):
        pass
