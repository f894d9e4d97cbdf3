# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""One reader per (cache, digest) at a time, across threads and processes.

A distribution proxy keeps a blob "in flight" until it has stored it, and serves anyone else who
asks meanwhile straight from upstream without storing it for their repository. The playbook runs
one module process per image, so the lock is a file lock that every process on this machine sees.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError


def lock_dir() -> str:
    """Per user: a directory every user shares would be another user's (0755 after the umask) or could be
    squatted; locks need only exclude this user's own runs."""
    return os.path.join(tempfile.gettempdir(), 'prewarm-harbor-locks-%d' % os.getuid())


class LockError(ImageError):
    """The lock cannot be taken at all; a problem of this run's environment, reported per image."""


class DigestLock:
    """An exclusive flock on a file named after the cache and digest; release from any thread."""

    def __init__(self, cache: str, digest: str, directory: str | None = None) -> None:
        name = hashlib.sha256(('%s %s' % (cache, digest)).encode('utf-8')).hexdigest()[:32]
        self.directory = directory or lock_dir()
        self.path = os.path.join(self.directory, name + '.lock')
        self._fd: int | None = None

    def acquire(self) -> DigestLock:
        """Block until this process holds the lock; LockError when the lock directory is unusable."""
        while True:
            fd = self._open()
            fcntl.flock(fd, fcntl.LOCK_EX)  # each open() is its own lock holder, so threads exclude each other too
            # The holder before us removes the file as it releases: holding a lock on a file that is no longer
            # at the path excludes nobody, so start again on the current file.
            try:
                if os.fstat(fd).st_ino == os.stat(self.path).st_ino:
                    self._fd = fd
                    return self
            except OSError:
                pass
            os.close(fd)

    def _open(self) -> int:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
            if os.stat(self.directory).st_uid != os.getuid():
                raise OSError('owned by another user')
            return os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, 'O_NOFOLLOW', 0), 0o600)
        except OSError as exc:
            raise LockError('cannot use the lock directory %s (%s): set TMPDIR to a directory of your own' % (
                self.directory, exc.strerror or exc)) from exc

    def release(self) -> None:
        """Remove the file while still holding it (so none are left behind), then unlock."""
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.unlink(self.path)
            except OSError:
                pass
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
