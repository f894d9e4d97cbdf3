# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The shared blob pool: every (repository, blob) read once per run, one digest in flight at a time.

A distribution proxy links a blob only into the repository it was read through, so a base
layer shared by two images is read once per repository. It also streams a blob that is already
in flight without storing it, so the same digest is never fetched twice at once, even for
two repositories: the second waits for the first and then reads from the cache.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor


class BlobOutcome:
    """What ensuring one blob found and cost.

    ``missing``: the cache did not hold it (always assumed on a plain proxy, which cannot tell);
    ``pulled``: bytes read over the network; ``content``: the bytes, when asked to keep them.
    """

    __slots__ = ('missing', 'pulled', 'content')

    def __init__(self, missing, pulled=0, content=None):
        self.missing = missing
        self.pulled = pulled
        self.content = content


class BlobPool:
    """Runs blob reads on a bounded pool of threads, de-duplicated per (base, repository, digest)."""

    def __init__(self, registry, workers, skip_local, pull=True):
        """``skip_local``: ask HEAD first and skip blobs the cache already holds (Harbor only).

        ``pull``: read missing blobs; without it only their presence is checked (where it can be).
        """
        self.registry = registry
        self.skip_local = skip_local
        self.pull = pull
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix='blob')
        self._lock = threading.Lock()
        self._futures = {}
        self._in_flight = {}
        self.bytes_pulled = 0
        self.blobs_pulled = 0

    def ensure(self, base, repository, blob, tally, keep=False):
        """A future of the BlobOutcome; the same (base, repository, digest) shares one future.

        ``keep`` returns the content too (a small config) when the blob had to be read.
        """
        key = (base, repository, blob.digest)
        with self._lock:
            future = self._futures.get(key)
            if future is None:
                future = self._executor.submit(self._ensure, base, repository, blob, tally, keep)
                self._futures[key] = future
            return future

    def _ensure(self, base, repository, blob, tally, keep):
        if self.skip_local and self.registry.blob_exists(base, repository, blob.digest, tally):
            return BlobOutcome(False)
        if not self.pull:
            return BlobOutcome(True)
        with self._digest_lock(blob.digest):
            pulled, content = self.registry.read_blob(base, repository, blob, tally, keep=keep)
        with self._lock:
            self.bytes_pulled += pulled
            self.blobs_pulled += 1
        return BlobOutcome(True, pulled, content)

    def _digest_lock(self, digest):
        with self._lock:
            return self._in_flight.setdefault(digest, threading.Lock())

    def shutdown(self):
        self._executor.shutdown(wait=True)
