# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""One image's warm, in two passes: ``read`` fetches its manifests and queues its blobs; ``settle`` waits until the
cache has stored them, then decides ``warmed`` or ``cached`` and, on Harbor, what is committed.

Two passes so that no image slot idles while a cache stores, and the blob readers never run dry.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import Commit, Pull, Timeline
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import Distribution, matched
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.waiting import Pending
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Manifest
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import (
    Platform, _All, from_descriptor, matches, platform_entries, select_manifests,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Tally, repository_of
from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, WARMED, ImageResult, PlatformResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import BlobPool, BlobRead
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.signatures import SignatureWarm, Subject


@dataclass
class PlatformImage:
    """One platform's image manifest to warm: its ``platform`` (None for a single-platform image until its config
    is read), the repository it was served from, and the attestation manifest Harbor needs with it, if any: its
    digest from the index, the ``attestation`` itself once fetched (only for a warm: a committed image needs none)."""

    platform: Platform | _All | None
    repo: Repository
    manifest: Manifest
    attestation_digest: str | None = None
    attestation: Manifest | None = None


@dataclass
class QueuedPlatform:
    """A platform's result entry and the blob reads it waits for: its own manifest's, then its attestation's."""

    entry: PlatformResult
    image: PlatformImage | None = None
    own: tuple[BlobRead, ...] = ()
    attestation: tuple[BlobRead, ...] = ()


class ImageWarm:
    """The warm of one matched target through the cache its ``flavor`` describes, sharing the run's blob ``pool``;
    with the ``signatures`` (kinds, _warm.signatures) of every digest it resolves to."""

    def __init__(self, target: Target, result: ImageResult, flavor: Distribution, pool: BlobPool, tally: Tally,  # pylint: disable=too-many-arguments
                 signatures: tuple[str, ...] = ()) -> None:
        self.target = target
        self.result = result
        self.flavor = flavor
        self.registry = flavor.registry
        self.pool = pool
        self.tally = tally
        self.timeline = Timeline()
        self.top: Manifest | None = None
        self.missing: list[str] = []  # selected platforms the index lacks
        self.pull: Pull | None = None  # what a pull needs the cache to hold, where it can tell (Harbor)
        self.before: Commit | None = None  # what the cache had committed before this warm
        self.queued: list[QueuedPlatform] = []
        self.pending: Pending | None = None  # Harbor's commit still due after settle
        self.signatures = SignatureWarm(flavor, pool, tally, signatures, matched(target).upstream)

    @property
    def cached(self) -> bool:
        """Only Harbor can tell that nothing was missing; reading through a plain proxy always counts as a change."""
        return self.before is not None and self.before.committed

    # -- first pass ---------------------------------------------------------------------------------------------------

    def read(self) -> None:
        """Fetch the manifests (in the order the flavour needs) and queue every blob the selected platforms need."""
        match = matched(self.target)
        top = self.top = self.flavor.top_manifest(self.target, self.tally, self.timeline)
        self.result.digest = top.digest
        self.result.media_type = top.media_type
        if top.is_index:
            images = self._children(top)
        elif match.index_only:
            images = []
        else:
            self.timeline.child(top.digest, self.timeline.top)
            images = [PlatformImage(None, repository_of(top), top)]
        self.pull = self.flavor.pull(self.target, top, images, self.timeline)
        self.before = self.flavor.committed(self.pull, self.tally, each_platform=False)  # cached or not: enough
        if not self.cached:
            self._index_extras(top, images)
        first = next(((image.repo, image.manifest.blobs[0].digest) for image in images if image.manifest.blobs), None)
        probe = not self.cached and self.flavor.holds_some(self.before, first, self.tally)
        self.queued = [self._queue(image, probe) for image in images]
        self.signatures.read([Subject(repository_of(top), top.digest, top.is_index)] +
                             [Subject(image.repo, image.manifest.digest) for image in images])

    def _children(self, index: Manifest) -> list[PlatformImage]:
        """The child manifests of the selected platforms, fetched by digest (verified), each with the digest of the
        attestation manifest the flavour needs (fetched once the warm is known to be needed: _index_extras)."""
        if matched(self.target).index_only:
            return []
        selected, missing = select_manifests(index.children, self.target.platforms)
        self.missing = [str(platform) for platform in missing]
        attestation_of = self.flavor.attestations(index)
        images = []
        for platform, entry in selected:
            child = self._child(entry['digest'])
            if child.is_index:
                raise ImageError('platform %s of %s is itself an index: nested indexes are not supported' % (platform, index.digest))
            images.append(PlatformImage(platform, repository_of(child), child, attestation_of.get(entry['digest'])))
        return images

    def _index_extras(self, top: Manifest, images: list[PlatformImage]) -> None:
        """What else of an index a warm needs the cache to read: each selected platform's attestation manifest and,
        with the flavour's whole-index reading, every other child (not its blobs). Harbor stores an index only once it
        holds every child (docs/harbor.md 2.6); one it has committed needs none of them read again."""
        if not top.is_index or matched(self.target).index_only:
            return
        for image in images:
            if image.attestation_digest:
                image.attestation = self._child(image.attestation_digest)
        if self.flavor.read_whole_index():
            for entry in top.children:
                if isinstance(entry, dict) and entry.get('digest') not in self.timeline.children:
                    self._child(entry['digest'])

    def _child(self, digest: str) -> Manifest:
        """An index entry's manifest, fetched by digest where the rule puts children."""
        repo, reference = matched(self.target).arch_repo(digest)
        self.timeline.child(digest, time.time())
        return self.registry.manifest(repo, reference, self.tally, expected_digest=digest)

    def _queue(self, image: PlatformImage, probe: bool) -> QueuedPlatform:
        """Queue every blob of one platform's manifest (and of its attestation). A single-platform image's config is
        read first, to check its platform. An image the cache has committed needs no blob."""
        manifest = image.manifest
        entry = PlatformResult(digest=manifest.digest)
        entry.blobs, entry.bytes = len(manifest.blobs), sum(blob.size for blob in manifest.blobs)
        entry.bytes_pulled = entry.blobs_pulled = entry.bytes_stored = entry.blobs_stored = 0
        if image.attestation_digest:
            entry.attestation = image.attestation_digest
        platform = image.platform
        if self.before is not None and self.before.committed:  # self.cached
            if platform is None:
                platform = self._single_platform(self.before.platform or self._config(image))
            entry.platform = str(platform)
            return QueuedPlatform(entry)
        config = self.pool.ensure(image.repo, manifest.config, self.tally, keep=platform is None, probe=probe)
        if platform is None:  # single-platform image: its config says which platform it is, before any layer is read
            content = config.read.result()  # read, maybe not yet stored; None when the cache held it already
            platform = self._single_platform(content if content is not None else self._config(image))
        entry.platform = str(platform)
        own = (config,) + tuple(self.pool.ensure(image.repo, blob, self.tally, probe=probe) for blob in manifest.blobs[1:])
        proved = tuple(self.pool.ensure(image.repo, blob, self.tally, probe=probe)
                       for blob in (image.attestation.blobs if image.attestation else ()))
        return QueuedPlatform(entry, image, own, proved)

    def _config(self, image: PlatformImage) -> bytes:
        """The config of a single-platform image, read from the cache (on Harbor from its own storage)."""
        content = self.registry.read_blob(image.repo, image.manifest.config, self.tally, keep=True)[1]
        return content if content is not None else b''  # never None: read with keep

    def _single_platform(self, config: bytes | Platform) -> Platform:
        """The platform of a single-platform image, from its config (bytes) or the cache's record of it (a Platform)."""
        if isinstance(config, bytes):
            try:
                config = from_descriptor(json.loads(config.decode('utf-8')))
            except (ValueError, AttributeError) as exc:
                raise ImageError('the image config is not a JSON object: the cache or upstream serves a broken image') from exc
        described = {'os': config.os, 'architecture': config.architecture, 'variant': config.variant}
        if not any(matches(p, described) for p in self.target.platforms):
            raise ImageError('single-platform image built for %s, but %s was requested: nothing but its config '
                             'was read; warm it for its own platform or fix the platforms' % (
                                 config, ', '.join(str(p) for p in self.target.platforms)))
        return config

    # -- second pass --------------------------------------------------------------------------------------------------

    def settle(self) -> None:
        """Wait until the cache holds every queued blob; then the status, and on Harbor the commit block."""
        self.result.platforms = [self._stored(queued) for queued in self.queued]
        self.signatures.settle()
        if self.signatures.kinds:
            self.result.signatures = self.signatures.entries
        self.result.finish(CACHED if self.cached and not self.signatures.fetched else WARMED)
        top = self.top
        if top is None:
            raise AssertionError('%s: settle() before read()' % self.target.image)
        if self.pull is not None:
            # Every entry has its platform and digest (_queue): the filter only says so to the type checker.
            self.pull.platforms = [(entry.platform, entry.digest) for entry in self.result.platforms
                                   if entry.platform is not None and entry.digest is not None]
            state = self.before if self.cached else self.flavor.committed(self.pull, self.tally)
            due = self.flavor.commit(self.result, self.pull, state, self.timeline, top) if state is not None else None
            if due is not None or self.signatures.pending:
                self.pending = Pending(self.result, self.pull, due, self.signatures.pending)
        if self.missing:
            offered = ', '.join(str(from_descriptor(entry['platform'])) for entry in platform_entries(top.children))
            raise ImageError('%s not in index %s (it has %s)%s' % (
                ', '.join(self.missing), top.digest, offered or 'no platforms',
                '; warmed: ' + ', '.join(p.platform for p in self.result.platforms if p.platform is not None)
                if self.result.platforms else ''))

    def _stored(self, queued: QueuedPlatform) -> PlatformResult:
        """A platform's entry once the cache holds its blobs, with what was pulled for it."""
        entry = queued.entry
        for manifest, reads in ((queued.image.manifest if queued.image else None, queued.own),
                                (queued.image.attestation if queued.image else None, queued.attestation)):
            if manifest is None:
                continue
            outcomes = [(read, self.pool.count(read)) for read in reads]
            self.timeline.blobs_stored(manifest.digest, max([read.stored.result().at for read in reads] or [time.time()]))
            entry.bytes_pulled = (entry.bytes_pulled or 0) + sum(outcome.pulled for _read, outcome in outcomes if outcome)
            entry.blobs_pulled = (entry.blobs_pulled or 0) + sum(1 for _read, outcome in outcomes if outcome and outcome.pulled)
            fetched = [read.blob.size for read, outcome in outcomes if outcome and outcome.missing]
            entry.bytes_stored = (entry.bytes_stored or 0) + sum(fetched)
            entry.blobs_stored = (entry.blobs_stored or 0) + len(fetched)
        return entry
