# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's background goroutines: each job a thread, counted so the stand can wait until none is pending.

A reset (the stand's cold cache) ends every job at its next sleep, so no stale job writes into a fresh cache.
"""

import logging
import threading
import time

LOG = logging.getLogger('harbor')


class Cancelled(Exception):
    """The cache was reset while this job slept."""


class Jobs:
    """Spawn, sleep, quiesce, reset."""

    def __init__(self):
        self._cond = threading.Condition()
        self._pending = 0
        self._reset = threading.Event()
        self._local = threading.local()  # the reset event a job thread started under

    def spawn(self, name, target, *args):
        """Run ``target(*args)`` in a daemon thread; errors are only logged, like Harbor's."""
        with self._cond:
            self._pending += 1
            reset = self._reset
        thread = threading.Thread(target=self._run, args=(name, reset, target, args), name=name, daemon=True)
        thread.start()

    def _run(self, name, reset, target, args):
        self._local.reset = reset
        try:
            if not reset.is_set():
                target(*args)
        except Cancelled:
            LOG.info('%s: cancelled by a reset', name)
        except Exception:  # pylint: disable=broad-exception-caught
            LOG.exception('%s failed', name)
        finally:
            with self._cond:
                self._pending -= 1
                self._cond.notify_all()

    def sleep(self, seconds):
        """Sleep like a goroutine; raise Cancelled when the cache is reset meanwhile."""
        if self._job_reset().wait(seconds):
            raise Cancelled()

    def check(self):
        """Raise Cancelled when a reset happened since this thread's job started."""
        if self._job_reset().is_set():
            raise Cancelled()

    def _job_reset(self):
        reset = getattr(self._local, 'reset', None)
        if reset is None:
            with self._cond:
                reset = self._reset
        return reset

    @property
    def pending(self):
        """Jobs still running."""
        with self._cond:
            return self._pending

    def quiesce(self, timeout):
        """Wait until no job is pending; True when that happened within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def reset(self, timeout=60):
        """Cancel every job (at its next sleep or check) and wait for them to end; new jobs run normally."""
        with self._cond:
            old, self._reset = self._reset, threading.Event()
        old.set()  # jobs started before the reset hold it: they end at their next sleep or check
        return self.quiesce(timeout)
