# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The shared blob pool: every (repository, blob) fetched once per run, one digest in flight at a time.

A cache links a blob only into the repository it was fetched through, so a base layer shared by two images is fetched
once per repository. Fetches of one digest that exclude each other (the flavour's lock scope: a whole plain proxy, one
Harbor repository) form a chain: each starts once the cache has stored the one before, even across processes.

A fetch is a read of every byte, verified, or, where the flavour says the cache stores a blob on its own (Harbor), a
trigger: the GET is closed at its status line and the cache's store is confirmed with HEADs. Triggered stores
awaiting confirmation are bounded by the pool's workers, so a large release never starts thousands of upstream
fetches inside the cache at once.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import Distribution
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Blob
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.digestlock import DigestLock
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.queue import LargestFirst


@dataclass(frozen=True)
class Settle:
    """How the pool waits for a cache to store what it read, in seconds (tests pass shorter ones).

    ``first``: the least wait before the first "is it stored?" HEAD; ``longest_poll``: the longest between two;
    ``patience``: how long to keep asking, plus three times the read's duration.
    """

    first: float = 0.02
    longest_poll: float = 2.0
    patience: float = 10.0
    trigger_poll: float = 0.05  # between two HEADs after a trigger's expected end (a HEAD costs Harbor a database row)
    longest_trigger_poll: float = 0.5
    steady_trigger_polls: float = 1.0  # seconds of HEADs every trigger_poll at least (a small blob's store is latency)
    latest_first_trigger_poll: float = 2.0  # however large the blob and slow the stores so far
    slowest_store: float = 1 << 20  # bytes per second: a triggered store slower than this is given up on


class StoreRate:
    """How fast the cache has been storing triggered blobs, in bytes per second (a moving average), so that the first
    "stored?" HEAD of the next one goes half-way through its expected store: few HEADs per blob, none late (a late
    HEAD holds a store slot idle; measured: first HEADs at 0.7 of a rate learned with the poll's lag in it left the
    slots idle half the time).

    Learned from every store of a blob of a MiB or more: one the first HEAD found done taught that it took no longer
    than that (a store found done at once, never learned from, left the rate at its slowest stores' and every first
    HEAD late), one found running is timed to the middle of its last poll. A small blob's time is the cache's latency,
    not its rate (a 600-byte config stored in 70 ms would have a 24 MB layer waited for over ten minutes)."""

    SMALLEST = 1 << 20  # bytes: the smallest store that is timed

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rate: float | None = None

    def expected(self, size: int) -> float | None:
        """Seconds a store of ``size`` bytes should take; None before any store was timed."""
        with self._lock:
            return size / self._rate if self._rate else None

    def observe(self, size: int, seconds: float) -> None:
        if size < self.SMALLEST:
            return
        sample = size / max(seconds, 1e-3)
        with self._lock:
            self._rate = sample if self._rate is None else 0.7 * self._rate + 0.3 * sample


class BlobStored:
    """What ensuring one blob found and cost, once the cache stored it.

    ``missing``: the cache did not hold it (always assumed on a plain proxy, which cannot tell);
    ``pulled``: bytes read over the network; ``at``: when the cache was seen holding it.
    """

    __slots__ = ('missing', 'pulled', 'at')

    def __init__(self, missing: bool, pulled: int = 0) -> None:
        self.missing = missing  # so this run made the cache store it
        self.pulled = pulled
        self.at = time.time()


@dataclass
class BlobRead:
    """One (repository, blob) to ensure, and its two moments: its bytes arrived (``read``: the content when ``keep``,
    else None; None too when the cache held it already), and the cache holds it (``stored``: a BlobStored)."""

    repo: Repository
    blob: Blob
    tally: Tally
    keep: bool = False
    probe: bool = True  # ask whether the cache holds it before reading
    triggered: bool = False  # fetched by a trigger (no byte read): its store holds a slot until confirmed
    read: Future[bytes | None] = field(default_factory=Future)
    stored: Future[BlobStored] = field(default_factory=Future)
    counted: bool = False  # its bytes are in some platform's bytes_pulled (BlobPool.count)

    def fail(self, exc: BaseException) -> None:
        for future in (self.read, self.stored):
            if not future.done():
                future.set_exception(exc)

    def stored_already(self, stored: BlobStored) -> None:
        """Nothing read: no content to give, and nothing to wait for."""
        self.read.set_result(None)
        self.stored.set_result(stored)


class BlobPool:
    """Blob reads on a bounded pool of threads, de-duplicated per (repository, digest).

    A read is done when the cache has stored the blob for that repository, not when the last byte arrived: the cache
    commits a little later (a distribution proxy even fetches its own copy in the background), and until then a read
    of the same digest through another repository is served without being stored. So the digest stays locked, off the
    reader threads, until the cache says it holds the blob.
    """

    def __init__(self, flavor: Distribution, workers: int, pull: bool = True, settle: Settle | None = None,
                 lock_dir: str | None = None) -> None:
        """``flavor``: the cache's (_harbor.flavor), which says what excludes what and what a HEAD means.

        ``pull``: read missing blobs; without it only their presence is checked (where it can be).
        ``settle``: a Settle; ``lock_dir``: where the digest locks live (digestlock's per-user directory by default).
        """
        self.flavor = flavor
        self.registry = flavor.registry
        self.pull = pull
        self.settle = settle or Settle()
        self._lock_dir = lock_dir
        self._readers = LargestFirst(workers)
        self._stores = threading.BoundedSemaphore(workers)  # triggered stores not yet confirmed
        self._store_rate = StoreRate()
        # Settling is mostly sleeping between HEADs: more threads, no more connections (the pool bounds those).
        self._settlers = ThreadPoolExecutor(max_workers=workers * 4, thread_name_prefix='settle')
        self._lock = threading.Lock()
        self._reads: dict[tuple[Repository, str], BlobRead] = {}
        self._chains: dict[tuple[str, str], deque[BlobRead]] = {}  # (lock scope, digest) in flight -> reads queued behind it

    def ensure(self, repo: Repository, blob: Blob, tally: Tally, keep: bool = False, probe: bool = True) -> BlobRead:
        """The BlobRead of ``blob`` in ``repo``, one per (repository, digest): its ``stored`` future is done once the
        cache holds it; with ``keep`` (a small config) its ``read`` future gives the content as soon as it was read.
        ``probe=False``: read without asking first (the repository holds nothing yet: the HEAD would be waste)."""
        key = (repo, blob.digest)
        with self._lock:
            read = self._reads.get(key)
            if read is None:
                read = self._reads[key] = BlobRead(repo, blob, tally, keep, probe)
                # A config is read first (its content is awaited), then the largest blobs: the warm ends sooner, and
                # a base layer shared by many repositories is read through several of them at once.
                self._readers.submit((not keep, -blob.size), self._start, read)
        return read

    def _chain(self, read: BlobRead) -> tuple[str, str]:
        return self.flavor.lock_scope(read.repo), read.blob.digest

    def _start(self, read: BlobRead) -> None:
        if not self.pull:
            try:
                read.stored_already(BlobStored(not self.flavor.holds_blob(read.repo, read.blob.digest, read.tally)))
            except Exception as exc:  # pylint: disable=broad-exception-caught
                read.fail(exc)
            return
        chain = self._chain(read)
        with self._lock:
            waiting = self._chains.get(chain)
            if waiting is not None:  # this digest is in flight here: queue behind it, holding no reader thread
                waiting.append(read)
                return
            self._chains[chain] = deque()
        self._link(read)

    def _link(self, read: BlobRead) -> None:
        """One read of a chain: under the digest's file lock (other processes), read unless stored, then settle."""
        lock = None
        try:
            lock = DigestLock(*self._chain(read), directory=self._lock_dir).acquire()
            # Under the lock: another reader may just have stored it.
            if read.probe and self.flavor.holds_blob(read.repo, read.blob.digest, read.tally):
                read.stored_already(BlobStored(False))
                return
            started = time.time()
            if self.flavor.triggers(read.keep):
                self._trigger(read)
                pulled, content = 0, None
            else:
                pulled, content = self.registry.read_blob(read.repo, read.blob, read.tally, keep=read.keep)
            read.read.set_result(content)
            self._settlers.submit(self._settle, read, lock, time.time() - started, BlobStored(True, pulled))
            lock = None  # the settler passes it on
        except Exception as exc:  # pylint: disable=broad-exception-caught
            read.fail(exc)
        finally:
            if lock is not None:
                self._pass_on(read, lock)

    def _trigger(self, read: BlobRead) -> None:
        """Take a store slot (waiting while the workers' worth of stores are unconfirmed) and trigger the blob."""
        self._stores.acquire()
        read.triggered = True
        try:
            self.registry.trigger_blob(read.repo, read.blob, read.tally)
        except BaseException:
            read.triggered = False
            self._stores.release()
            raise

    def _pass_on(self, read: BlobRead, lock: DigestLock) -> None:
        """Release the digest and start the next read queued behind it at once, on a settler thread: a chain is the
        critical path of a warm (a base layer shared by every image), so its links do not queue behind other reads."""
        lock.release()
        chain = self._chain(read)
        with self._lock:
            waiting = self._chains[chain]
            if not waiting:
                del self._chains[chain]
                return
            queued = waiting.popleft()
        self._settlers.submit(self._link, queued)

    def _settle(self, read: BlobRead, lock: DigestLock, read_seconds: float, stored: BlobStored) -> None:
        try:
            stored.pulled += self._wait_stored(read, read_seconds)
            stored.at = time.time()
            read.stored.set_result(stored)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            read.stored.set_exception(exc)
        finally:
            if read.triggered:
                self._stores.release()
            self._pass_on(read, lock)

    def _wait_stored(self, read: BlobRead, read_seconds: float) -> int:
        """Poll until the cache holds the blob in its repository; a fetch not stored in time is the flavour's to judge
        (fetch once more, fail, or leave as read). Returns the bytes read again."""
        again = 0
        for attempt in (1, 2):
            polled = self._poll_triggered(read) if read.triggered else self._poll_read(read, read_seconds)
            if polled:
                return again
            pulled = self.flavor.read_again(read.repo, read.blob, read.tally, attempt)
            if pulled is None:
                return again
            again += pulled
        return again  # not reached: the flavour fails a second read it did not see stored

    def _poll_read(self, read: BlobRead, read_seconds: float) -> bool:
        """After a read: HEADs with backoff, sooner when reads of the digest queue behind this one."""
        chain = self._chain(read)
        delay = max(self.settle.first, self.flavor.first_poll(read_seconds, self._queued_behind(chain)))
        deadline = time.time() + self.settle.patience + 3 * read_seconds
        while True:
            time.sleep(delay)
            if self.flavor.blob_stored(read.repo, read.blob.digest, read.tally):
                return True
            if time.time() > deadline:
                return False
            delay = min(delay * (1.5 if self._queued_behind(chain) else 2), self.settle.longest_poll)

    def _poll_triggered(self, read: BlobRead) -> bool:
        """After a trigger: the first HEAD half-way through the store's expected time (StoreRate), then every
        trigger_poll until twice that time (at least steady_trigger_polls) has passed, slowing down only beyond;
        given up on after patience plus the size at the slowest rate allowed. A store slot is held until the HEAD says stored: a late HEAD is a slot idle."""
        started = time.time()
        size = read.blob.size
        expected = self._store_rate.expected(size)
        delay = min(max(self.settle.first, 0.5 * expected), self.settle.latest_first_trigger_poll) if expected is not None \
            else self.settle.first
        steady = started + max(2 * (expected or 0.0), self.settle.steady_trigger_polls)  # until then, every trigger_poll
        deadline = started + self.settle.patience + size / self.settle.slowest_store
        first = True
        while True:
            time.sleep(delay)
            asked = time.time()
            if self.flavor.blob_stored(read.repo, read.blob.digest, read.tally):
                # Ended between the last two HEADs: timed to the middle; found at the first HEAD: no longer than that
                self._store_rate.observe(size, asked - started - (0.0 if first else delay / 2))
                return True
            if asked > deadline:
                return False
            delay = self.settle.trigger_poll if first or asked < steady else min(delay * 1.2, self.settle.longest_trigger_poll)
            first = False

    def count(self, read: BlobRead) -> BlobStored | None:
        """Wait until ``read`` is stored; its outcome the first time it is asked, then None: the bytes of a blob that
        several platforms or images share count once, for the first (so per-image figures add up to the run's)."""
        outcome = read.stored.result()
        with self._lock:
            if read.counted:
                return None
            read.counted = True
            return outcome

    def _queued_behind(self, chain: tuple[str, str]) -> bool:
        """Whether reads of this digest wait for this one (a layer shared by several repositories of a plain proxy)."""
        with self._lock:
            return bool(self._chains.get(chain))

    def shutdown(self) -> None:
        self._readers.shutdown()
        self._settlers.shutdown(wait=True)
