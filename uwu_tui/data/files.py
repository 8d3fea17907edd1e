"""Careful file handling: private modes, atomic replacement, advisory locks.

Files are created 0600 and folders 0700. On a shared server the vault folder is
group-owned with the setgid bit and group rwx (docs/DEPLOY-SSH.md); files made in
such a folder are 0660 so that every caseworker's process can open the vault, and
still nobody outside the group.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path
from typing import Iterator

from uwu_tui.errors import StorageError, from_os_error


def is_shared_folder(folder: Path) -> bool:
    """A setgid, group-writable folder: the shared-server layout."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & stat.S_ISGID) and (mode & 0o070) == 0o070


def file_mode_for(folder: Path) -> int:
    return 0o660 if is_shared_folder(folder) else 0o600


def storage_error(error: OSError, what: str) -> StorageError:
    """Turn an OSError into a one-line message a caseworker can act on (errors.py maps)."""
    return from_os_error(error, what)


def make_private_folder(folder: Path) -> None:
    """Create folder (and parents) 0700 unless it exists; never loosens an existing one."""
    if folder.is_dir():
        return
    old = os.umask(0o077)
    try:
        folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    except OSError as error:
        raise storage_error(error, f"create the folder {folder}") from None
    finally:
        os.umask(old)


def create_private_file(path: Path) -> None:
    """Create an empty file with a private mode; fail if it already exists."""
    mode = file_mode_for(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    except FileExistsError:
        raise
    except OSError as error:
        raise storage_error(error, f"create {path.name}") from None
    try:
        os.fchmod(fd, mode)  # the umask may have removed group bits on a shared folder
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path so that readers see the old or the new file, never a mix.

    Temp file in the same folder, fsync, rename over, fsync the folder. The temp file
    is removed if anything fails, so a full disk leaves the old file as it was.
    """
    folder = path.parent
    mode = file_mode_for(folder)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_folder(folder)
    except OSError as error:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise storage_error(error, f"write {path.name}") from None


def fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def file_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """An advisory flock on a lock file beside the protected file.

    The protected file itself is replaced by rename, so the lock lives in its own file.
    If the folder is read-only the lock file cannot be made; readers then go without
    (nothing can write there either), writers get the storage error.
    """
    lock_path = path.with_name(path.name + ".lock")
    mode = file_mode_for(path.parent)
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    except OSError as error:
        if shared and error.errno in (errno.EACCES, errno.EROFS, errno.EPERM):
            yield
            return
        raise storage_error(error, f"lock {path.name}") from None
    try:
        # The umask may have removed the group bits a shared folder needs (as in
        # create_private_file); the lock file's owner puts them back, others cannot.
        if os.fstat(fd).st_uid == os.geteuid() and stat.S_IMODE(os.fstat(fd).st_mode) != mode:
            with contextlib.suppress(OSError):
                os.fchmod(fd, mode)
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
