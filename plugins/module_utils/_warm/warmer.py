# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Warm images through a proxy cache: manifests, selected platforms, every blob; report per image.

Data flows one way: a Target (from _plan) -> registry reads -> its ImageResult (_result). One bad
image never stops the others: an ImageError becomes that image's result; any other exception is a bug
and ends the run with its traceback.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import BlobPool
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import CHECK_INTERVAL, Pull, Timeline, expected, inspect, wait
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.api import artifact
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import INDEX_TYPES
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import (
    ALL, attestations, from_descriptor, matches, platform_entries, select_manifests,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import is_digest
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, WARMED, WOULD_WARM, PlatformResult
from ansible_collections.prewarm.harbor.plugins.module_utils._summary import counts


class Warmer:
    """Warms many targets with ``jobs`` images in flight and one shared, bounded blob pool."""

    def __init__(self, registry, jobs, flavor='auto', check_mode=False, pull_blobs=True, harbor=None,  # pylint: disable=too-many-arguments
                 settle=None, lock_dir=None):
        """``harbor``: HarborOptions, for caches that are Harbor; ``settle`` and ``lock_dir``: the blob pools' (_blobs)."""
        self.registry = registry
        self.jobs = jobs
        self.flavor = flavor
        self.check_mode = check_mode
        self.pull_blobs = pull_blobs
        self.harbor = harbor or HarborOptions()
        self.settle = settle
        self.lock_dir = lock_dir
        self._pools = {}
        self._pending = {}  # image -> (Pull, when Harbor is due to commit it): warmed on Harbor, not yet committed

    def run(self, targets):
        """Targets in: (one serialised ImageResult per target in the same order, a summary).

        An image listed twice is warmed once and reported at each place.
        """
        started = time.time()
        unique = list({target.image: target for target in targets}.values())
        pools = {harbor: BlobPool(self.registry, self.jobs, harbor, self.pull_blobs, self.settle, self.lock_dir)
                 for harbor in (True, False)}
        self._pools = pools
        try:
            with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix='image') as images:
                # Reading an image only queues its blobs; its result waits until the cache has stored them, in a
                # second pass, so that no image slot idles while a cache commits and the readers never run dry.
                begun = list(images.map(self._one, unique))
                done = dict(zip((target.image for target in unique), images.map(self._settled, begun)))
        finally:
            for pool in pools.values():
                pool.shutdown()
        if self.harbor.wait and self._pending:
            self._wait_all(done)
        results = [done[target.image].as_dict() for target in targets]
        summary = counts(results)
        summary.update(seconds=round(time.time() - started, 3),
                       bytes_pulled=sum(pool.bytes_pulled for pool in pools.values()),
                       blobs_pulled=sum(pool.blobs_pulled for pool in pools.values()))
        return results, summary

    def is_harbor(self, base):
        if self.flavor == 'auto':
            return self.registry.is_harbor(base)
        return self.flavor == 'harbor'

    def _one(self, target):
        """First pass: manifests read, blobs queued; returns (target, result, its tally, the rest of its work, start)."""
        started = time.time()
        result = target.result()
        tally = Tally()
        rest = None
        if result.status is None:
            rest = self._attempt(target, result, self._dry_run if self.check_mode else self._warm, tally)
        return target, result, tally, rest, started

    def _settled(self, begun):
        """Second pass: the rest of an image's work (waiting for its blobs to be stored, Harbor's commit block)."""
        target, result, tally, rest, started = begun
        if rest is not None:
            self._attempt(target, result, rest, tally)
        if target.match is not None:
            result.retries = tally.retries
        result.seconds = round(time.time() - started, 3)
        return result

    @staticmethod
    def _attempt(target, result, work, tally):
        """``work(target, result, tally)``, with a problem of this image made its failure; returns what ``work`` did."""
        try:
            return work(target, result, tally)
        except ImageError as exc:
            result.fail('%s: %s' % (target.image, exc))
            return None

    # -- check mode --------------------------------------------------------------------------------------------

    def _dry_run(self, target, result, tally):
        """Change nothing in the cache: a plain proxy stores on any manifest request, so it gets none.

        Harbor answers a manifest HEAD without storing anything, and its artifacts API tells what it has committed.
        """
        result.finish(WOULD_WARM)
        result.platforms = [PlatformResult(str(platform), WOULD_WARM) for platform in target.platforms]
        match = target.match
        if not self.is_harbor(match.base_url):
            return
        head = self.registry.manifest_head(match.base_url, match.repository, match.reference, tally)
        if head is None:
            raise ImageError('manifest %s not found: check the tag or digest exists upstream' % target.match.manifest_url)
        digest, media_type, repository = head
        result.digest = digest
        stored = artifact(self.registry, match.base_url, repository, match.reference, tally)
        if stored is not None:
            result.platforms = committed_platforms(target.platforms, media_type in INDEX_TYPES, digest, stored)
        if result.platforms and all(entry.status == CACHED for entry in result.platforms):
            result.finish(CACHED)

    # -- warming -----------------------------------------------------------------------------------------------

    def _warm(self, target, result, tally):
        match = target.match
        harbor = self.is_harbor(match.base_url)
        pool = self._pools[harbor]
        timeline = Timeline()
        top = self._top_manifest(match, harbor, tally, timeline)
        result.digest = top.digest
        result.media_type = top.media_type
        missing = []
        if top.is_index:
            images, missing = self._children(target, top, tally, harbor, timeline)
        elif match.index_only:
            images = []
        else:
            timeline.child(top.digest, timeline.top)
            images = [(None, match.base_url, top.repository, top, None)]
        pull = Pull(match.base_url, top.repository, match.reference, top.digest, top.is_index,
                    [(str(image[0]), image[3].digest) for image in images]) if harbor else None
        # Only Harbor can tell that nothing was missing; reading through a plain proxy always counts as a change.
        before = inspect(self.registry, pull, tally) if harbor else None
        cached = before is not None and before.committed
        probe = harbor and not cached and self._holds_any(before, images, tally)
        queued = [self._platform(target, image, pool, tally, before if cached else None, probe) for image in images]

        def rest(target, result, tally):
            counted = set()  # a blob two platforms share is counted once, for the first
            result.platforms = [self._stored(entry, futures, timeline, counted) for entry, futures in queued]
            result.finish(CACHED if cached else WARMED)
            if harbor:
                pull.platforms = [(entry.platform, entry.digest) for entry in result.platforms]
                self._commit(result, pull, before if cached else inspect(self.registry, pull, tally), timeline, top)
            if missing:
                offered = ', '.join(str(from_descriptor(entry['platform'])) for entry in platform_entries(top.children))
                raise ImageError('%s not in index %s (it has %s)%s' % (
                    ', '.join(missing), top.digest, offered or 'no platforms',
                    '; warmed: ' + ', '.join(p.platform for p in result.platforms) if result.platforms else ''))
        return rest

    def _commit(self, result, pull, state, timeline, top):
        """The result's ``harbor`` block: what is committed, and when the rest is due."""
        held = set(digest for label, digest in pull.platforms if label in state.platforms)
        children = [entry.get('digest') for entry in top.children] if top.is_index else []
        due = None if state.committed or state.note else expected(pull, timeline, children, held, self.harbor.interval)
        result.harbor = commit_block(state, pull, due)
        if self.harbor.wait:
            result.harbor['waited'] = 0.0  # committed already, or never will: no wait (see _wait_one)
        if due is not None:
            self._pending[result.image] = (pull, due)

    def _wait_all(self, done):
        """Wait, all images at once, until Harbor has committed each warmed one or the deadline passes."""
        deadline = time.time() + self.harbor.wait
        pending = [(done[image], pull, due) for image, (pull, due) in self._pending.items() if done[image].status == WARMED]
        if not pending:
            return
        with ThreadPoolExecutor(max_workers=min(16, len(pending)), thread_name_prefix='commit') as waiters:
            list(waiters.map(lambda item: self._wait_one(deadline, *item), pending))

    def _wait_one(self, deadline, result, pull, due):
        started = time.time()
        tally = Tally()
        try:
            state = wait(self.registry, pull, deadline, due, self.harbor.interval, tally)
        except ImageError as exc:
            result.fail('%s: waiting for Harbor to commit it: %s' % (result.image, exc), changed=result.changed)
            return
        finally:
            result.retries += tally.retries
        result.harbor = commit_block(state, pull, due)
        result.harbor['waited'] = round(time.time() - started, 3)
        if not state.committed:  # the image was warmed (changed), but does not pull offline yet
            result.fail('%s: Harbor has not committed %s %.0f s after the warm%s: %s' % (
                result.image, state.missing(pull), self.harbor.wait,
                ' (its timers had it due at %s)' % _iso(due) if due and not state.note else '',
                state.note or 'check Harbor core\'s log for failed store jobs, or wait longer (wait_for_commit)'),
                changed=result.changed)

    def _top_manifest(self, match, harbor, tally, timeline):
        """The image's top manifest, fetched the way that makes Harbor keep the tag.

        Harbor never tags an index fetched by tag; after a HEAD by tag, an index fetched by digest gets the
        tag once Harbor has stored it (HARBOR.md 2.7). A single manifest fetched by tag is stored with its tag.
        """
        if harbor and not is_digest(match.reference):
            timeline.head = time.time()
            head = self.registry.manifest_head(match.base_url, match.repository, match.reference, tally)
            if head is not None and head[1] in INDEX_TYPES:
                timeline.top = time.time()
                return self.registry.manifest(match.base_url, match.repository, head[0], tally, expected_digest=head[0])
        timeline.top = time.time()
        return self.registry.manifest(match.base_url, match.repository, match.reference, tally)

    def _children(self, target, index, tally, harbor, timeline):
        """The child manifests of the selected platforms, fetched by digest (verified), each with its attestation
        manifest on Harbor: Harbor stores an index only once every child it lists is stored (HARBOR.md 2.6).

        With ``complete_index`` every other child manifest is read too (not its blobs), so that Harbor stores the
        index whole rather than trimmed.
        """
        if target.match.index_only:
            return [], []
        selected, missing = select_manifests(index.children, target.platforms)
        proofs = attestations(index.children) if harbor else {}
        images = []
        for platform, entry in selected:
            base, repository, child = self._child(target, entry['digest'], tally, timeline)
            if child.is_index:
                raise ImageError('platform %s of %s is itself an index: nested indexes are not supported' % (platform, index.digest))
            proof = self._child(target, proofs[entry['digest']], tally, timeline)[2] if entry['digest'] in proofs else None
            images.append((platform, base, repository, child, proof))
        if harbor and self.harbor.complete_index:
            for entry in index.children:
                if isinstance(entry, dict) and entry.get('digest') not in timeline.children:
                    self._child(target, entry['digest'], tally, timeline)
        return images, [str(p) for p in missing]

    def _child(self, target, digest, tally, timeline):
        """(base, repository, manifest) of an index entry, fetched by digest where the rule puts children."""
        base, repository, reference = target.match.arch_location(digest)
        timeline.child(digest, time.time())
        child = self.registry.manifest(base, repository, reference, tally, expected_digest=digest)
        return base, child.repository, child

    def _holds_any(self, state, images, tally):
        """Whether Harbor may hold some of the image's blobs already (then each is asked before it is read).

        On a cold repository a HEAD per blob is waste (about as costly as a small read on Harbor). Anything committed
        says yes; otherwise one HEAD of the first blob decides, which finds a warm that Harbor has not committed yet.
        """
        if state.digest or state.platforms:
            return True
        first = next((image for image in images if image[3].blobs), None)
        return first is not None and self.registry.blob_exists(first[1], first[2], first[3].blobs[0].digest, tally)

    def _platform(self, target, image, pool, tally, committed, probe=True):  # pylint: disable=too-many-arguments
        """Queue every blob of one platform's manifest (and of its attestation): (its result entry, (manifest, own
        futures), (attestation, futures)). A single-platform image's config is read first, to check its platform.
        ``committed`` (the Commit, when Harbor has committed the image) skips the blobs."""
        platform, base, repository, manifest, proof = image
        entry = PlatformResult(digest=manifest.digest)
        entry.blobs, entry.bytes = len(manifest.blobs), sum(blob.size for blob in manifest.blobs)
        entry.bytes_pulled = entry.blobs_pulled = 0
        if proof:
            entry.attestation = proof.digest
        if committed is not None:
            if platform is None:
                platform = self._single_platform(target, committed.platform or self._config(base, repository, manifest, tally))
            entry.platform = str(platform)
            return entry, ()
        own = list(manifest.blobs)
        if platform is None:  # single-platform image: its config says which platform it is
            content, config = pool.ensure(base, repository, manifest.config, tally, keep=True, probe=probe)
            content = content.result()  # read, maybe not yet stored; None when Harbor held it already
            platform = self._single_platform(target, content if content is not None else self._config(base, repository, manifest, tally))
            own = [config] + [pool.ensure(base, repository, blob, tally, probe=probe) for blob in own[1:]]
        else:
            own = [pool.ensure(base, repository, blob, tally, probe=probe) for blob in own]
        entry.platform = str(platform)
        proved = [pool.ensure(base, repository, blob, tally, probe=probe) for blob in (proof.blobs if proof else ())]
        return entry, ((manifest, own), (proof, proved))

    @staticmethod
    def _stored(entry, futures, timeline, counted):
        """Wait until the cache holds every queued blob of a platform; its entry, with what was pulled."""
        outcomes = []
        for manifest, waiting in futures:
            if manifest is None:
                continue
            stored = [future.result() for future in waiting]
            timeline.blobs_stored(manifest.digest, max([outcome.at for outcome in stored] or [time.time()]))
            outcomes += [future.result() for future in waiting if future not in counted]
            counted.update(waiting)
        entry.bytes_pulled = sum(outcome.pulled for outcome in outcomes)
        entry.blobs_pulled = sum(1 for outcome in outcomes if outcome.pulled)
        return entry

    def _config(self, base, repository, manifest, tally):
        """The config of a single-platform image, read from the cache (on Harbor from its own storage)."""
        return self.registry.read_blob(base, repository, manifest.config, tally, keep=True)[1]

    def _single_platform(self, target, config):
        """The platform of a single-platform image, from its config (bytes) or Harbor's record of it (a Platform)."""
        if isinstance(config, bytes):
            try:
                config = from_descriptor(json.loads(config.decode('utf-8')))
            except (ValueError, AttributeError) as exc:
                raise ImageError('the image config is not a JSON object: the cache or upstream serves a broken image') from exc
        described = {'os': config.os, 'architecture': config.architecture, 'variant': config.variant}
        if not any(matches(p, described) for p in target.platforms):
            raise ImageError('single-platform image built for %s, but %s was requested: nothing but its config '
                             'was read; warm it for its own platform or fix the platforms' % (
                                 config, ', '.join(str(p) for p in target.platforms)))
        return config


class HarborOptions:
    """How to treat a cache that is Harbor: wait for its commit, read every child of an index, its timers."""

    def __init__(self, wait=0, complete_index=False, interval=CHECK_INTERVAL):
        self.wait = wait
        self.complete_index = complete_index
        self.interval = interval


def commit_block(state, pull, due):
    """The result's ``harbor`` block; ``due`` is shown only while Harbor may still commit."""
    due = None if state.committed or state.note else due
    block = state.block(pull)
    block.update(expected_at=_iso(due) if due else None, expected_in=round(max(0.0, due - time.time()), 1) if due else None)
    return block


def committed_platforms(wanted, is_index, digest, stored):
    """Check mode on Harbor: each wanted platform ``cached`` or ``would_warm`` from what Harbor committed (an Artifact)."""
    if not is_index:
        label = str(stored.platform or wanted[0])
        fits = stored.platform is None or any(p is ALL or p == stored.platform for p in wanted)
        status = CACHED if stored.digest == digest and fits else WOULD_WARM
        return [PlatformResult(label, status, stored.digest)]
    kept = [(child, from_descriptor(platform)) for child, platform in stored.child_platforms
            if platform.get('os') != 'unknown']
    if ALL in wanted:
        return [PlatformResult(str(platform), CACHED, child) for child, platform in kept]
    entries = []
    for platform in wanted:
        found = [child for child, offered in kept if offered == platform]
        entries.append(PlatformResult(str(platform), CACHED if found else WOULD_WARM, found[0] if found else None))
    return entries


def _iso(epoch):
    """UTC, to the millisecond (a test Harbor's timers are short)."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:23] + 'Z' if epoch else None
