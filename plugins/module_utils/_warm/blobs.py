# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The shared blob pool: every (repository, blob) read once per run, one digest in flight at a time.

A cache links a blob only into the repository it was read through, so a base layer shared by two
images is read once per repository. A distribution proxy also streams a blob that is already in
flight without storing it, so there the same digest is never fetched twice at once, even for two
repositories or two processes: the second waits until the first is stored. Harbor stores per
(repository, digest) (HARBOR.md 4.5), so there only the same repository waits.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

from ansible_collections.prewarm.harbor.plugins.module_utils._warm.digestlock import DigestLock
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import RegistryError


class Settle:
    """How the pool waits for a cache to store what it read, in seconds (tests pass shorter ones).

    ``first``: the least wait before the first "is it stored?" HEAD; ``longest_poll``: the longest between two;
    ``patience``: how long to keep asking, plus three times the read's duration.
    """

    def __init__(self, first=0.02, longest_poll=2.0, patience=10.0):
        self.first = first
        self.longest_poll = longest_poll
        self.patience = patience


class BlobOutcome:
    """What ensuring one blob found and cost.

    ``missing``: the cache did not hold it (always assumed on a plain proxy, which cannot tell);
    ``pulled``: bytes read over the network; ``at``: when the cache was seen holding it.
    """

    __slots__ = ('missing', 'pulled', 'at')

    def __init__(self, missing, pulled=0):
        self.missing = missing
        self.pulled = pulled
        self.at = time.time()


class _Ensured:
    """The two moments of one (base, repository, digest): its bytes arrived, and the cache holds it."""

    __slots__ = ('read', 'stored', 'probe')

    def __init__(self, probe):
        self.read = Future()  # the content (when kept; else None), or None when the cache held the blob already
        self.stored = Future()  # the BlobOutcome
        self.probe = probe  # ask whether the cache holds it before reading

    def fail(self, exc):
        for future in (self.read, self.stored):
            if not future.done():
                future.set_exception(exc)


class LargestFirst:
    """``workers`` threads running submitted calls in priority order (lowest first), ties in submission order."""

    def __init__(self, workers):
        self._queue = queue.PriorityQueue()
        self._order = itertools.count()
        self._threads = [threading.Thread(target=self._work, name='blob-%d' % n, daemon=True) for n in range(workers)]
        for thread in self._threads:
            thread.start()

    def submit(self, priority, call, *args):
        """Run ``call(*args)`` on a worker; it must handle its own exceptions."""
        self._queue.put((priority, next(self._order), call, args))

    def _work(self):
        while True:
            _priority, _order, call, args = self._queue.get()
            if call is None:
                return
            call(*args)

    def shutdown(self):
        """Run what is queued, then stop the workers."""
        for _thread in self._threads:
            self._queue.put(((True, float('inf')), next(self._order), None, ()))
        for thread in self._threads:
            thread.join()


class BlobPool:
    """Blob reads on a bounded pool of threads, de-duplicated per (base, repository, digest).

    A read is done when the cache has stored the blob for that repository, not when the last byte
    arrived: the cache commits a little later (a distribution proxy even fetches its own copy in
    the background), and until then a read of the same digest through another repository is
    served without being stored. So the digest stays locked, off the reader threads, until the
    cache says it holds the blob.
    """

    def __init__(self, registry, workers, harbor, pull=True, settle=None, lock_dir=None):  # pylint: disable=too-many-arguments
        """``harbor``: the cache answers HEAD on a blob from its own storage, so cached blobs are skipped.

        ``pull``: read missing blobs; without it only their presence is checked (where it can be).
        ``settle``: a Settle; ``lock_dir``: where the digest locks live (_digestlock's per-user directory by default).
        """
        self.registry = registry
        self.harbor = harbor
        self.pull = pull
        self.settle = settle or Settle()
        self._lock_dir = lock_dir
        self._readers = LargestFirst(workers)
        # Settling is mostly sleeping between HEADs: more threads, no more connections (the pool bounds those).
        self._settlers = ThreadPoolExecutor(max_workers=workers * 4, thread_name_prefix='settle')
        self._lock = threading.Lock()
        self._futures = {}
        self._chains = {}  # (lock scope, digest) in flight -> reads queued behind it
        self.bytes_pulled = 0
        self.blobs_pulled = 0

    def ensure(self, base, repository, blob, tally, keep=False, probe=True):
        """A future of the BlobOutcome, done once the cache holds the blob; one per (base, repository, digest).

        With ``keep`` (a small config) the pair (future of the content, that future): the content is known as
        soon as it was read, before the cache has stored it; it is None when the cache held the blob already.
        ``probe=False``: read without asking Harbor first (its repository holds nothing yet: the HEAD would be waste).
        """
        key = (base, repository, blob.digest)
        with self._lock:
            ensured = self._futures.get(key)
            if ensured is None:
                ensured = self._futures[key] = _Ensured(probe)
                # A config is read first (its content is awaited), then the largest blobs: the warm ends sooner, and
                # a base layer shared by many repositories is read through several of them at once.
                self._readers.submit((not keep, -blob.size), self._read, base, repository, blob, tally, keep, ensured)
        return (ensured.read, ensured.stored) if keep else ensured.stored

    def _read(self, base, repository, blob, tally, keep, ensured):
        if not self.pull:
            try:
                self._done(ensured, BlobOutcome(not self._stored(base, repository, blob, tally)))
            except Exception as exc:  # pylint: disable=broad-exception-caught
                ensured.fail(exc)
            return
        chain = (self._lock_scope(base, repository), blob.digest)
        with self._lock:
            waiting = self._chains.get(chain)
            if waiting is not None:  # this digest is in flight here: queue behind it, holding no reader thread
                waiting.append((base, repository, blob, tally, keep, ensured))
                return
            self._chains[chain] = deque()
        self._link(chain, base, repository, blob, tally, keep, ensured)

    def _link(self, chain, base, repository, blob, tally, keep, ensured):  # pylint: disable=too-many-arguments
        """One read of a chain: under the digest's file lock (other processes), read unless stored, then settle."""
        lock = None
        try:
            lock = DigestLock(*chain, directory=self._lock_dir).acquire()
            if ensured.probe and self._stored(base, repository, blob, tally):  # under the lock: another reader may just have stored it
                self._done(ensured, BlobOutcome(False))
                return
            started = time.time()
            pulled, content = self.registry.read_blob(base, repository, blob, tally, keep=keep)
            ensured.read.set_result(content)
            with self._lock:
                self.bytes_pulled += pulled
                self.blobs_pulled += 1
            self._settlers.submit(self._settle, chain, base, repository, blob, tally, lock, time.time() - started,
                                  BlobOutcome(True, pulled), ensured.stored)
            lock = None  # the settler passes it on
        except Exception as exc:  # pylint: disable=broad-exception-caught
            ensured.fail(exc)
        finally:
            if lock is not None:
                self._pass_on(chain, lock)

    def _pass_on(self, chain, lock):
        """Release the digest and start the next read queued behind it at once, on a settler thread: a chain is the
        critical path of a warm (a base layer shared by every image), so its links do not queue behind other reads."""
        lock.release()
        with self._lock:
            waiting = self._chains[chain]
            if not waiting:
                del self._chains[chain]
                return
            queued = waiting.popleft()
        self._settlers.submit(self._link, chain, *queued)

    def _lock_scope(self, base, repository):
        """What one digest in flight excludes: the whole cache for a distribution proxy, one repository on Harbor."""
        return '%s/%s' % (base, repository) if self.harbor else base

    @staticmethod
    def _done(ensured, outcome):
        """Nothing read: no content to give, and nothing to wait for."""
        ensured.read.set_result(None)
        ensured.stored.set_result(outcome)

    def _stored(self, base, repository, blob, tally):
        """Only Harbor answers honestly before a read; a plain proxy would fetch the blob to answer."""
        return self.harbor and self.registry.blob_exists(base, repository, blob.digest, tally)

    def _settle(self, chain, base, repository, blob, tally, lock, read_seconds, outcome, future):  # pylint: disable=too-many-arguments
        try:
            self._wait_stored(chain, base, repository, blob, tally, read_seconds)
            outcome.at = time.time()
            future.set_result(outcome)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            future.set_exception(exc)
        finally:
            self._pass_on(chain, lock)

    def _wait_stored(self, chain, base, repository, blob, tally, read_seconds):  # pylint: disable=too-many-arguments
        """Poll HEAD with backoff until the cache holds the blob in ``repository``.

        A plain proxy fetches a blob from upstream to answer HEAD while it does not hold it, so the
        first poll waits a while, scaled on how long the read took. Harbor must end up holding the blob (one
        more read is tried); a plain proxy that never shows it stored is left as read, since
        nothing there can tell.
        """
        for attempt in (1, 2):
            delay = max(self.settle.first, read_seconds * (1 if self.harbor or self._queued_behind(chain) else 2))
            deadline = time.time() + self.settle.patience + 3 * read_seconds
            while True:
                time.sleep(delay)
                if self.registry.blob_stored(base, repository, blob.digest, self.harbor, tally):
                    return
                if time.time() > deadline:
                    break
                delay = min(delay * (1.5 if self._queued_behind(chain) else 2), self.settle.longest_poll)
            if not self.harbor:
                return
            if attempt == 1:
                self.registry.read_blob(base, repository, blob, tally)
        raise RegistryError('blob %s was read through %s twice, but Harbor did not store it: Harbor copies a blob '
                            'with its own second fetch from upstream, which it does not retry (goharbor/harbor#23600); '
                            'check Harbor core\'s log for the failed fetch or push, its upstream connection and its '
                            'storage, then warm again' % (blob.digest, repository))

    def _queued_behind(self, chain):
        """Whether reads of this digest wait for this one (a layer shared by several repositories of a plain proxy).

        Each early HEAD costs a plain proxy an upstream fetch, thrown away, so a lone read waits twice its own time
        before asking (measured: that cuts the waste from ~120 MB to ~15 MB per 1 GB warmed, for ~3% time); a chain is
        the warm's critical path, so its links ask after their read's time and more often.
        """
        with self._lock:
            return bool(self._chains.get(chain))

    def shutdown(self):
        self._readers.shutdown()
        self._settlers.shutdown(wait=True)
