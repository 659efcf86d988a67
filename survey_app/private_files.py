"""Files with participants' data are for the app's own user only (mode 0600).

The database, its ``-wal`` and ``-shm`` files, backups and exports are
created 0600 whatever the umask: a checkout's usual umask 022 would make
them readable by every user of the machine, and systemd's ``UMask`` only
covers the services. SQLite gives a database's ``-wal``, ``-shm`` and
``-journal`` the mode of the database file, so creating that file 0600
first is what keeps them private; :func:`tighten` fixes files an older
version left readable.

Pure: no Flask, no database.
"""

from __future__ import annotations

import contextlib
import os

MODE = 0o600


def create(path: str | os.PathLike) -> None:
    """Create ``path`` empty with mode 0600; an existing file is left as it is."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE))


def tighten(*paths: str | os.PathLike) -> None:
    """Take every permission of group and others away from those of ``paths`` that exist.

    A file of another user that we may not change is left alone.
    """
    for path in paths:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            mode = os.stat(path).st_mode & 0o777
            if mode & 0o077:
                os.chmod(path, mode & 0o700)


def sqlite_files(path: str | os.PathLike) -> tuple[str, str, str]:
    """A database file and the ``-wal`` and ``-shm`` files SQLite keeps beside it."""
    path = os.fspath(path)
    return path, path + "-wal", path + "-shm"
