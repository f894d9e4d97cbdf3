# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Warm images through a proxy cache: manifests, selected platforms, every blob; report per image.

Data flows one way: a Target (from _plan) -> registry reads -> an ImageResult dict. One bad
image never stops the others: every failure becomes that image's result.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.prewarm.harbor.plugins.module_utils._auth import AuthError
from ansible_collections.prewarm.harbor.plugins.module_utils._blobs import BlobPool
from ansible_collections.prewarm.harbor.plugins.module_utils._manifest import INDEX_TYPES, ManifestError
from ansible_collections.prewarm.harbor.plugins.module_utils._platform import (
    attestations, from_descriptor, matches, platform_entries, select_manifests,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._reference import is_digest
from ansible_collections.prewarm.harbor.plugins.module_utils._registry import RegistryError, Tally

WARMED, CACHED, WOULD_WARM, UNMATCHED, FAILED = 'warmed', 'cached', 'would_warm', 'unmatched', 'failed'
STATUSES = (WARMED, CACHED, WOULD_WARM, UNMATCHED, FAILED)
# Problems that belong to one image; anything else is a bug and should show its traceback.
IMAGE_ERRORS = (RegistryError, AuthError, ManifestError, ValueError)


class ImageFailure(Exception):
    """This image cannot be (fully) warmed; the message says why and what to do."""


class Warmer:
    """Warms many targets with ``jobs`` images in flight and one shared, bounded blob pool."""

    def __init__(self, registry, jobs, flavor='auto', check_mode=False, pull_blobs=True):
        self.registry = registry
        self.jobs = jobs
        self.flavor = flavor
        self.check_mode = check_mode
        self.pull_blobs = pull_blobs
        self._pools = {}

    def run(self, targets):
        """Targets in: (one result dict per target in the same order, a summary).

        An image listed twice is warmed once and reported at each place.
        """
        started = time.time()
        unique = list(dict((target.image, target) for target in targets).values())
        pools = {True: BlobPool(self.registry, self.jobs, harbor=True, pull=self.pull_blobs),
                 False: BlobPool(self.registry, self.jobs, harbor=False, pull=self.pull_blobs)}
        self._pools = pools
        try:
            with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix='image') as images:
                done = dict(zip((target.image for target in unique), images.map(self._one, unique)))
        finally:
            for pool in pools.values():
                pool.shutdown()
        results = [dict(done[target.image]) for target in targets]
        summary = dict((status, 0) for status in STATUSES)
        for result in results:
            summary[result['status']] += 1
        summary.update(images=len(results), seconds=round(time.time() - started, 3),
                       bytes_pulled=sum(pool.bytes_pulled for pool in pools.values()),
                       blobs_pulled=sum(pool.blobs_pulled for pool in pools.values()))
        return results, summary

    def is_harbor(self, base):
        if self.flavor == 'auto':
            return self.registry.is_harbor(base)
        return self.flavor == 'harbor'

    def _one(self, target):
        started = time.time()
        result = target.result()
        if result['status'] is None:
            tally = Tally()
            try:
                if self.check_mode:
                    self._dry_run(target, result, tally)
                else:
                    self._warm(target, result, tally)
            except IMAGE_ERRORS + (ImageFailure,) as exc:
                result.update(status=FAILED, changed=False, msg='%s: %s' % (target.image, exc))
            result['retries'] = tally.retries
        result['seconds'] = round(time.time() - started, 3)
        return result

    def _dry_run(self, target, result, tally):
        """Change nothing in the cache: a plain proxy stores on any manifest request, so it gets none."""
        result.update(status=WOULD_WARM, changed=True)
        result['platforms'] = [{'platform': str(platform)} for platform in target.platforms]
        match = target.match
        if not self.is_harbor(match.base_url):
            return
        # Harbor answers HEAD on a manifest from upstream and stores nothing.
        head = self.registry.manifest_head(match.base_url, match.repository, match.reference, tally)
        if head is None:
            raise ImageFailure('manifest %s not found: check the tag or digest exists upstream' % target.match.manifest_url)
        result['digest'] = head[0]

    def _warm(self, target, result, tally):
        match = target.match
        harbor = self.is_harbor(match.base_url)
        pool = self._pools[harbor]
        top = self._top_manifest(match, harbor, tally)
        result['digest'] = top.digest
        result['media_type'] = top.media_type
        missing = []
        if top.is_index:
            images, missing = self._children(target, top, tally, harbor)
        elif match.index_only:
            images = []
        else:
            images = [(None, match.base_url, top.repository, top, None)]
        counted = set()  # a blob two platforms share is counted once, for the first
        platforms = [self._platform(target, image, pool, tally, counted) for image in images]
        result['platforms'] = platforms
        # Only Harbor's blob HEADs can tell that nothing was missing; without them (a plain proxy,
        # an index-only rule) reading through the cache counts as a change.
        missing_blobs = any(tuple(p.pop('missing') for p in platforms))
        result['changed'] = missing_blobs or not harbor or not platforms
        result['status'] = WARMED if result['changed'] else CACHED
        if missing:
            offered = ', '.join(str(from_descriptor(entry['platform'])) for entry in platform_entries(top.children))
            raise ImageFailure('%s not in index %s (it has %s)%s' % (
                ', '.join(missing), top.digest, offered or 'no platforms',
                '; warmed: ' + ', '.join(p['platform'] for p in platforms) if platforms else ''))

    def _top_manifest(self, match, harbor, tally):
        """The image's top manifest, fetched the way that makes Harbor keep the tag.

        Harbor never tags an index fetched by tag; after a HEAD by tag, an index fetched by digest gets the
        tag once Harbor has stored it (HARBOR.md 2.7). A single manifest fetched by tag is stored with its tag.
        """
        if harbor and not is_digest(match.reference):
            head = self.registry.manifest_head(match.base_url, match.repository, match.reference, tally)
            if head is not None and head[1] in INDEX_TYPES:
                return self.registry.manifest(match.base_url, match.repository, head[0], tally, expected_digest=head[0])
        return self.registry.manifest(match.base_url, match.repository, match.reference, tally)

    def _children(self, target, index, tally, harbor):
        """The child manifests of the selected platforms, fetched by digest (verified), each with its attestation
        manifest on Harbor: Harbor stores an index only once every child it lists is stored (HARBOR.md 2.6)."""
        if target.match.index_only:
            return [], []
        selected, missing = select_manifests(index.children, target.platforms)
        proofs = attestations(index.children) if harbor else {}
        images = []
        for platform, entry in selected:
            base, repository, child = self._child(target, entry['digest'], tally)
            if child.is_index:
                raise ImageFailure('platform %s of %s is itself an index: nested indexes are not supported' % (platform, index.digest))
            proof = self._child(target, proofs[entry['digest']], tally)[2] if entry['digest'] in proofs else None
            images.append((platform, base, repository, child, proof))
        return images, [str(p) for p in missing]

    def _child(self, target, digest, tally):
        """(base, repository, manifest) of an index entry, fetched by digest where the rule puts children."""
        base, repository, reference = target.match.arch_location(digest)
        child = self.registry.manifest(base, repository, reference, tally, expected_digest=digest)
        return base, child.repository, child

    def _platform(self, target, image, pool, tally, counted):
        """Ensure every blob of one platform's manifest (and of its attestation); a single-platform image is checked first."""
        platform, base, repository, manifest, proof = image
        blobs = manifest.blobs
        futures = []
        if platform is None:  # single-platform image: its config says which platform it is
            content, config = pool.ensure(base, repository, manifest.config, tally, keep=True)
            platform = self._single_platform(target, content.result())  # read, maybe not yet stored
            futures.append(config)
            blobs = blobs[1:]
        futures += [pool.ensure(base, repository, blob, tally) for blob in list(blobs) + list(proof.blobs if proof else ())]
        outcomes = [future.result() for future in futures if future not in counted]
        counted.update(futures)
        attestation = {'attestation': proof.digest} if proof else {}
        return dict(attestation, **{
            'platform': str(platform),
            'digest': manifest.digest,
            'blobs': len(manifest.blobs),
            'bytes': sum(blob.size for blob in manifest.blobs),
            'bytes_pulled': sum(outcome.pulled for outcome in outcomes),
            'blobs_pulled': sum(1 for outcome in outcomes if outcome.pulled),
            'missing': any(outcome.missing for outcome in outcomes),
        })

    def _single_platform(self, target, content):
        if content is None:  # Harbor held the config already: it was checked when it was warmed
            return 'unknown (config cached, not re-read)'
        try:
            config = json.loads(content.decode('utf-8'))
        except ValueError:
            raise ImageFailure('the image config is not valid JSON')
        found = from_descriptor(config)
        if not any(matches(p, config) for p in target.platforms):
            raise ImageFailure('single-platform image built for %s, but %s was requested: nothing but its config '
                               'was read; warm it for its own platform or fix the platforms' % (
                                   found, ', '.join(str(p) for p in target.platforms)))
        return found
