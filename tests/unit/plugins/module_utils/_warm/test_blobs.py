# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The blob pool's scheduling, on a fake registry whose reads take a few milliseconds and whose stores lag them.

What no real registry can be made to do on demand: say exactly when each read ran, and store a blob a set time after
its read ended.
"""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.prewarm.harbor.plugins.module_utils._warm import digestlock as _digestlock
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import Distribution, Harbor
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import BlobHead
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.options import HarborOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import BlobPool, Settle, StoreRate
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.queue import LargestFirst
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Blob
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Tally

BASE = 'http://cache.example'
SHARED = Blob('sha256:' + 'a' * 64, 1000, 'layer')
OWN = Blob('sha256:' + 'b' * 64, 10, 'layer')
READ = 0.03  # seconds a read takes
STORE = 0.02  # seconds after a read until the cache holds the blob


class FakeCache:
    """Records every read as (repository, digest, start, end); holds a blob STORE s after its read ended."""

    def __init__(self, held=(), store=STORE):
        self.lock = threading.Lock()
        self.reads = []
        self.heads = []
        self.triggers = []  # (repository, digest, when, stores then still in progress, this one included)
        self.store = store  # seconds a triggered store takes (None: it never ends, as goharbor/harbor#23600)
        self.stored_at = dict(((repository, digest), 0.0) for repository, digest in held)

    def trigger_blob(self, repo, blob, tally=None):
        now = time.time()
        with self.lock:
            running = sum(1 for at in self.stored_at.values() if at > now) + 1
            self.triggers.append((repo.name, blob.digest, now, running))
            if self.store is not None and self.stored_at.get((repo.name, blob.digest), float('inf')) > now:
                self.stored_at[(repo.name, blob.digest)] = now + self.store

    def read_blob(self, repo, blob, tally=None, keep=False):
        repository = repo.name
        started = time.time()
        time.sleep(READ)
        with self.lock:
            self.reads.append((repository, blob.digest, started, time.time()))
            self.stored_at.setdefault((repository, blob.digest), time.time() + STORE)
        return blob.size, (b'{}' if keep else None)

    def blob_exists(self, repo, digest, tally=None):
        with self.lock:
            self.heads.append((repo.name, digest))
            return self.stored_at.get((repo.name, digest), float('inf')) <= time.time()

    def blob_head(self, repo, digest, tally=None):
        found = self.blob_exists(repo, digest, tally)
        return BlobHead(found, found)


@pytest.fixture(autouse=True)
def private_locks(tmp_path, monkeypatch):
    monkeypatch.setattr(_digestlock, 'lock_dir', lambda: str(tmp_path / 'locks'))


def warm(cache, wanted, workers, harbor, probe=True, settle=None, trigger=True):  # pylint: disable=too-many-arguments
    """Ensure every (repository, blob) of ``wanted`` and wait until all are stored; returns their outcomes."""
    pool = BlobPool(Harbor(cache, HarborOptions(trigger_blobs=trigger)) if harbor else Distribution(cache), workers, settle=settle)
    try:
        reads = [pool.ensure(Repository(BASE, repository), blob, Tally(), probe=probe) for repository, blob in wanted]
        return [read.stored.result(timeout=10) for read in reads]
    finally:
        pool.shutdown()


def overlapping(reads):
    spans = sorted((start, end) for _repository, _digest, start, end in reads)
    return any(start < previous_end for (start, _end), (_start, previous_end) in zip(spans[1:], spans))


def test_a_plain_proxy_reads_a_shared_digest_through_one_repository_at_a_time_each_after_the_last_is_stored():
    cache = FakeCache()
    warm(cache, [('app-%d' % n, SHARED) for n in range(3)], workers=3, harbor=False)
    reads = sorted(cache.reads, key=lambda read: read[2])
    assert sorted(read[0] for read in reads) == ['app-0', 'app-1', 'app-2']
    assert not overlapping(reads)
    for before, after in zip(reads, reads[1:]):
        assert after[2] >= before[3] + STORE  # the next link starts once the previous one is stored


def test_the_digest_lock_keeps_two_pools_from_reading_one_digest_at_once(tmp_path):
    """Two pools stand for two module processes (one per image in the playbook): the file lock orders them."""
    cache = FakeCache()
    pools = [BlobPool(Distribution(cache), 1, lock_dir=str(tmp_path / 'shared')) for _n in range(2)]
    try:
        reads = [pool.ensure(Repository(BASE, 'app-%d' % n), SHARED, Tally()) for n, pool in enumerate(pools)]
        assert all(read.stored.result(timeout=10).missing for read in reads)
    finally:
        for pool in pools:
            pool.shutdown()
    first, second = sorted(cache.reads, key=lambda read: read[2])
    assert second[2] >= first[3] + STORE  # the second process reads once the first read is stored
    assert not list((tmp_path / 'shared').iterdir())  # no lock file is left behind


def test_a_read_waiting_for_its_digest_holds_no_reader():
    """One reader: while the shared digest settles in app-0, app-1's own blob is read; the shared one waits."""
    cache = FakeCache()
    warm(cache, [('app-0', SHARED), ('app-1', SHARED), ('app-1', OWN)], workers=1, harbor=False)
    order = [(repository, digest) for repository, digest, _start, _end in sorted(cache.reads, key=lambda read: read[2])]
    assert order == [('app-0', SHARED.digest), ('app-1', OWN.digest), ('app-1', SHARED.digest)]


def test_harbor_reads_a_shared_digest_through_several_repositories_at_once_when_told_to_read():
    cache = FakeCache()
    outcomes = warm(cache, [('app-%d' % n, SHARED) for n in range(3)], workers=3, harbor=True, trigger=False)
    assert overlapping(cache.reads) and all(outcome.missing for outcome in outcomes)


def test_on_harbor_a_blob_is_triggered_not_read_and_confirmed_stored():
    cache = FakeCache()
    outcomes = warm(cache, [('app-%d' % n, SHARED) for n in range(3)], workers=3, harbor=True)
    assert cache.reads == [] and sorted(name for name, *_rest in cache.triggers) == ['app-0', 'app-1', 'app-2']
    assert all(outcome.missing and outcome.pulled == 0 for outcome in outcomes)
    assert all(outcome.at >= cache.stored_at[('app-0', SHARED.digest)] for outcome in outcomes[:1])


def test_on_harbor_no_more_stores_than_workers_await_confirmation():
    cache = FakeCache(store=0.05)
    blobs = [Blob('sha256:%064x' % n, 100, 'layer') for n in range(12)]
    warm(cache, [('app', blob) for blob in blobs], workers=3, harbor=True)
    assert len(cache.triggers) == 12 and max(running for *_rest, running in cache.triggers) <= 3, cache.triggers


def test_on_harbor_a_store_never_seen_is_triggered_once_more_then_fails_naming_harbor_s_own_fetch():
    cache = FakeCache(store=None)
    with pytest.raises(Exception, match=r'fetched through app twice, but Harbor did not store it.*goharbor/harbor#23600'):
        warm(cache, [('app', OWN)], workers=1, harbor=True, settle=Settle(patience=0.05, slowest_store=1e12))
    assert [name for name, *_rest in cache.triggers] == ['app', 'app'] and cache.reads == []


def test_on_harbor_a_config_whose_content_is_needed_is_read():
    cache = FakeCache()
    pool = BlobPool(Harbor(cache), 1)
    try:
        read = pool.ensure(Repository(BASE, 'app'), OWN, Tally(), keep=True)
        assert read.read.result(timeout=10) == b'{}' and read.stored.result(timeout=10).pulled == OWN.size
    finally:
        pool.shutdown()
    assert cache.triggers == [] and len(cache.reads) == 1


def test_on_harbor_a_held_blob_is_not_fetched_and_without_probing_nothing_is_asked_first():
    cache = FakeCache(held=[('app-0', SHARED.digest)])
    outcomes = warm(cache, [('app-0', SHARED)], workers=1, harbor=True)
    assert cache.reads == cache.triggers == [] and [outcome.missing for outcome in outcomes] == [False]
    cache = FakeCache()
    warm(cache, [('app-0', SHARED)], workers=1, harbor=True, probe=False)
    assert len(cache.triggers) == 1 and cache.heads[0] == ('app-0', SHARED.digest)  # the first HEAD is the store check
    assert len(cache.heads) <= 3


def test_largest_first_runs_in_priority_order_then_in_submission_order():
    ran, gate = [], threading.Event()
    workers = LargestFirst(1)
    workers.submit((False, 0), gate.wait)  # holds the only worker while the others queue
    for priority, name in (((True, -1), 'small'), ((True, -100), 'large'), ((False, -5), 'config'), ((True, -100), 'large-2')):
        workers.submit(priority, ran.append, name)
    gate.set()
    workers.shutdown()
    assert ran == ['config', 'large', 'large-2', 'small']


def test_the_store_rate_is_learned_from_large_stores_only_and_never_delays_a_first_head_past_its_cap():
    rate = StoreRate()
    rate.observe(600, 0.07)  # a config: its time is latency
    assert rate.expected(24 << 20) is None
    rate.observe(8 << 20, 0.5)
    assert rate.expected(16 << 20) == pytest.approx(1.0)
    cache = FakeCache(store=0.05)
    slow = Settle(latest_first_trigger_poll=0.2)
    pool = BlobPool(Harbor(cache), 1, settle=slow)
    pool._store_rate.observe(1 << 20, 1000.0)  # pylint: disable=protected-access  # as if stores had crawled
    try:
        started = time.time()
        pool.ensure(Repository(BASE, 'app'), Blob('sha256:' + 'c' * 64, 64 << 20, 'layer'), Tally()).stored.result(timeout=10)
        assert time.time() - started < 1.0  # the first HEAD at the cap, not after the 45 000 s the rate predicts
    finally:
        pool.shutdown()


def test_triggered_stores_are_timed_without_the_polls_lag_so_first_heads_do_not_drift_later():
    """Each learned store time feeds the next first HEAD; timed to the HEAD that saw it stored, the poll's lag would
    be learned too, and every store after it would hold its slot a little longer (measured on the stand: half the
    slots' time idle)."""
    cache = FakeCache(store=0.3)
    pool = BlobPool(Harbor(cache), 1)
    large = [Blob('sha256:%064x' % number, 4 << 20, 'layer') for number in range(6)]
    try:
        for blob in large:  # one at a time: each store's first HEAD comes from the rate the ones before taught
            pool.ensure(Repository(BASE, 'app'), blob, Tally()).stored.result(timeout=10)
        learned = pool._store_rate.expected(4 << 20)  # pylint: disable=protected-access
    finally:
        pool.shutdown()
    assert learned is not None
    assert learned == pytest.approx(0.3, abs=0.05)


def test_stores_found_done_at_the_first_head_teach_that_the_cache_got_faster():
    """A first HEAD that finds the store done says it took no longer: learning nothing from it kept the rate of the
    slowest stores (the cold start's), and every later first HEAD came late (measured on the stand: 0.3 to 0.5 s after
    stores of 0.15 s, each holding a store slot)."""
    cache = FakeCache(store=0.05)
    pool = BlobPool(Harbor(cache), 1)
    pool._store_rate.observe(4 << 20, 2.0)  # pylint: disable=protected-access  # as if the first stores had crawled
    try:
        for number in range(8):
            pool.ensure(Repository(BASE, 'app'), Blob('sha256:%064x' % number, 4 << 20, 'layer'), Tally()).stored.result(timeout=10)
        learned = pool._store_rate.expected(4 << 20)  # pylint: disable=protected-access
    finally:
        pool.shutdown()
    assert learned is not None and learned < 0.3
