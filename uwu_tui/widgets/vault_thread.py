"""One long-lived thread for every Session call the TUI makes.

Why not a fresh ``@work(thread=True)`` per call: `Session` keeps one SQLCipher
connection per thread (``check_same_thread=True``) and closes them only on lock
or close. Every short-lived worker thread would leave a connection (three file
descriptors, a page cache, the key schedule) open until the next lock, and
``Session.lock()`` called from any other thread cannot checkpoint or close them.
Running every call on this one thread keeps one connection, lets lock and close
checkpoint and close it properly, and queues calls in the order they were made
(a lock asked for during a save runs after the save, never in the middle of it).

Screens use async workers (``@work(exclusive=True, exit_on_error=False)``) that
``await app.vault_thread.run(...)``: the UI loop never blocks on the database.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from uwu_tui.display import clean
from uwu_tui.errors import UwuError, VaultLocked, expected

if TYPE_CHECKING:
    from uwu_tui.app import UwuApp
    from uwu_tui.session import Session

__all__ = ["VaultAccess", "VaultThread", "one_line"]

T = TypeVar("T")


class VaultThread:
    """A single worker thread; calls run one at a time, in order."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="uwu-vault")

    async def run(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run `fn` on the vault thread and await its result (or its exception)."""
        return await asyncio.wrap_future(self._executor.submit(fn, *args, **kwargs))

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue `fn` without waiting (lock on idle or on a signal)."""
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._executor.shutdown(wait=True)


def one_line(error: BaseException) -> str:
    """The message a user sees for `error`: its one line, or a data-free fallback.

    A full disk, a read-only folder or a damaged page that reached the screen as a raw
    OSError or database error gets its clear message too (`errors.expected`)."""
    known = error if isinstance(error, UwuError) else expected(error, "finish")
    if known is not None:
        return clean(known.message)
    return (
        f"An unexpected error stopped this ({type(error).__name__}). "
        "Nothing was shown; please report it to your administrator."
    )


class VaultAccess:
    """Mixin for screens: the app's Session, and the vault thread to call it on."""

    @property
    def uwu(self) -> "UwuApp":
        return self.app  # type: ignore[attr-defined,return-value]

    @property
    def session(self) -> "Session":
        session = self.uwu.session
        if session is None:
            raise VaultLocked("You are signed out. Sign in to continue.")
        return session

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a Session method (or any blocking call) on the vault thread."""
        return await self.uwu.vault_thread.run(fn, *args, **kwargs)
