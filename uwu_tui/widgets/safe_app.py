"""`SafeAppMixin`: crash output and clipboard behaviour for a member-data app.

Use it before `App` in the bases::

    class UwuApp(SafeAppMixin, App[None]): ...

What it changes (against Textual 8.2's private API in ``textual/app.py``):

* ``App._fatal_error`` renders ``rich.traceback.Traceback(show_locals=True)``
  to stderr on exit, i.e. the exception message and local variables of
  every frame.  Here it is replaced by `uwu_tui.crash.safe_report`.
* ``App._handle_exception`` hands exceptions that have ``__rich__`` to
  ``App.panic``, which would print whatever they render.  Here every
  unhandled exception goes through the safe report.
* ``App.panic`` is called with a ``rich.traceback.Traceback`` by Textual's
  input thread when it crashes (``drivers/linux_driver.py``); such
  tracebacks are replaced by `uwu_tui.crash.safe_report_from_rich`.  Other
  renderables passed to ``panic`` by our own code are shown unchanged.
* ``App.copy_to_clipboard`` (used by Input/TextArea copy and cut and by
  ``Screen.action_copy_text``) does nothing unless `clipboard_allowed`
  is true: no OSC 52 to the terminal and no ``app.clipboard`` copy.
* ``ALLOW_SELECT`` off: no app-wide mouse text selection.
* A full disk, a read-only folder or a damaged vault page that no screen handled
  (`uwu_tui.errors.expected` knows them) ends the app with its one clear line, not
  with an "internal error" report: it is the user's situation, not a bug.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from rich.console import RenderableType
from rich.text import Text
from rich.traceback import Traceback as RichTraceback

from uwu_tui.crash import FOOTER, safe_report, safe_report_from_rich
from uwu_tui.display import clean
from uwu_tui.errors import StorageError, UwuError, VaultError, expected

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[Any]
else:
    _Base = object

__all__ = ["SafeAppMixin"]


class SafeAppMixin(_Base):
    """Mixin for `textual.app.App` subclasses; must come before `App`."""

    ALLOW_SELECT: bool = False
    """No app-wide text selection (Input fields keep their own selection)."""

    clipboard_allowed: bool = False
    """Set to True (per instance or subclass) to let `copy_to_clipboard` work."""

    def copy_to_clipboard(self, text: str) -> None:
        """Copy `text` only if `clipboard_allowed`; otherwise do nothing."""
        if self.clipboard_allowed:
            super().copy_to_clipboard(text)

    def _handle_exception(self, error: Exception) -> None:
        """Like ``App._handle_exception``, but never renders the error itself."""
        self._return_code = 1
        # Keep Textual's bookkeeping: run_test() re-raises the first error.
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        self._exit_with_report(error)

    def _fatal_error(self) -> None:
        """Like ``App._fatal_error``, with a locals-free, message-free report."""
        self._exit_with_report(sys.exc_info()[1] or self._exception)

    def panic(self, *renderables: RenderableType) -> None:
        """Like ``App.panic``, with Rich tracebacks replaced by safe reports."""
        super().panic(
            *(
                Text(safe_report_from_rich(r)) if isinstance(r, RichTraceback) else r
                for r in renderables
            )
        )

    def _exit_with_report(self, error: BaseException | None) -> None:
        self.bell()
        known = _situation(error)
        if known is not None:  # a full disk or a damaged vault: say so, it is no bug
            report = f"uwu: {clean(known.message)}"
        elif error is not None:
            report = safe_report(error)
        else:
            report = f"uwu: internal error\n{FOOTER}"
        self._exit_renderables.append(Text(report))
        self._close_messages_no_wait()


def _situation(error: BaseException | None) -> UwuError | None:
    """A storage or vault failure (disk full, read-only, damaged page) that no screen
    handled: the user's situation, told in one clear line instead of a crash report."""
    if error is None:
        return None
    known = expected(error, "finish")
    return known if isinstance(known, (StorageError, VaultError)) else None
