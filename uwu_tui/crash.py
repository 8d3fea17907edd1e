"""Crash reports that cannot contain member data.

A normal traceback prints the exception message (``KeyError('Jane Smith')``,
``sqlite3.IntegrityError: UNIQUE constraint failed ... 'AB123456C'``),
source lines, and with Rich's ``show_locals`` every local variable.  The
reports built here contain only exception *type* names and code locations
(file, line, function), which are properties of the program, not the data.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

from rich.traceback import Traceback as RichTraceback

__all__ = ["MAX_FRAMES", "FOOTER", "safe_report", "safe_report_from_rich"]

MAX_FRAMES = 8
FOOTER = (
    "Nothing was written to disk. "
    "Please report this to your administrator with the lines above."
)
_MAX_CHAIN = 4
_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGE_NAME = _PACKAGE_DIR.name


def safe_report(exc: BaseException) -> str:
    """Return a short report of `exc` without its message or any locals.

    Format::

        uwu: internal error: <ExceptionType>
          caused by: <ExceptionType>            (zero or more)
          at <location>:<line> in <function>    (up to MAX_FRAMES, innermost last)
        Nothing was written to disk. Please report ...

    ``caused by`` follows ``__cause__``, then an ``error`` attribute holding
    an exception (Textual's ``WorkerFailed`` wraps the worker's exception
    that way and has no traceback of its own), then ``__context__``.  Frames
    come from the first exception in that chain that has a traceback.  The
    location is a path relative to the package for ``uwu_tui`` files, else
    the module name, else the bare file name.  This function never raises.
    """
    try:
        chain = _exception_chain(exc)
        lines = [f"uwu: internal error: {_type_name(type(exc))}"]
        lines.extend(f"  caused by: {_type_name(type(e))}" for e in chain[1:])
        tb = next((e.__traceback__ for e in chain if e.__traceback__), None)
        lines.extend(_frame_lines(_tb_frames(tb)))
    except Exception:  # pragma: no cover - last-resort fallback
        lines = ["uwu: internal error"]
    lines.append(FOOTER)
    return "\n".join(lines)


def safe_report_from_rich(rich_traceback: RichTraceback) -> str:
    """Same as `safe_report`, for an already-built Rich ``Traceback``.

    Textual's input thread reports its own crashes with
    ``app.panic(rich.traceback.Traceback())``; this keeps only the type names
    and frame locations from its ``trace`` and drops values, notes and
    locals.  Never raises.
    """
    try:
        stacks = list(rich_traceback.trace.stacks)[: _MAX_CHAIN + 1]
        if not stacks:
            lines = ["uwu: internal error"]
        else:
            lines = [f"uwu: internal error: {stacks[0].exc_type}"]
            lines.extend(f"  caused by: {s.exc_type}" for s in stacks[1:])
            frames = next((s.frames for s in stacks if s.frames), [])
            lines.extend(
                _frame_lines((f.filename, f.lineno, f.name) for f in frames)
            )
    except Exception:  # pragma: no cover - last-resort fallback
        lines = ["uwu: internal error"]
    lines.append(FOOTER)
    return "\n".join(lines)


def _exception_chain(exc: BaseException) -> list[BaseException]:
    chain = [exc]
    current: BaseException | None = exc
    while current is not None and len(chain) <= _MAX_CHAIN:
        wrapped = getattr(current, "error", None)
        if current.__cause__ is not None:
            nxt: BaseException | None = current.__cause__
        elif isinstance(wrapped, BaseException):
            nxt = wrapped
        elif not current.__suppress_context__:
            nxt = current.__context__
        else:
            nxt = None
        if nxt is None or any(nxt is seen for seen in chain):
            break
        chain.append(nxt)
        current = nxt
    return chain


def _type_name(cls: type) -> str:
    module = getattr(cls, "__module__", None)
    name = getattr(cls, "__qualname__", None) or getattr(cls, "__name__", "?")
    if module in (None, "builtins", "__main__"):
        return str(name)
    return f"{module}.{name}"


def _tb_frames(tb: TracebackType | None) -> list[tuple[str, int | None, str]]:
    if tb is None:
        return []
    # What traceback.extract_tb does, made explicit: no locals captured and
    # no source lines read.
    summary = traceback.StackSummary.extract(
        traceback.walk_tb(tb), capture_locals=False, lookup_lines=False
    )
    return [(f.filename, f.lineno, f.name) for f in summary]


def _frame_lines(frames: Iterable[tuple[str, int | None, str]]) -> list[str]:
    frames = list(frames)[-MAX_FRAMES:]
    if not frames:
        return []
    modules = _modules_by_file()
    return [
        f"  at {_location(filename, modules)}:{lineno} in {name}"
        for filename, lineno, name in frames
    ]


def _modules_by_file() -> dict[str, str]:
    by_file: dict[str, str] = {}
    for name, module in list(sys.modules.items()):
        try:
            path = getattr(module, "__file__", None)
            if isinstance(path, str):
                by_file.setdefault(_normcase(path), name)
        except Exception:
            continue
    return by_file


def _normcase(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


def _location(filename: str, modules: dict[str, str]) -> str:
    try:
        if filename.startswith("<") and filename.endswith(">"):
            return filename  # "<string>", "<frozen importlib._bootstrap>"
        path = Path(filename).resolve()
        if path.is_relative_to(_PACKAGE_DIR):
            return f"{_PACKAGE_NAME}/{path.relative_to(_PACKAGE_DIR).as_posix()}"
        module = modules.get(_normcase(filename)) or modules.get(
            os.path.normcase(str(path))
        )
        if module:
            return module
        return Path(filename).name or "?"
    except Exception:
        return "?"
