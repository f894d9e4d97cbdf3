# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Warm many images through proxy caches: manifests, selected platforms, every blob; report per image.

Data flows one way: a Target (_rules.target) -> an ImageWarm (or, in check mode, the flavour's dry run) -> its
ImageResult (_result). One bad image never stops the others: an ImageError becomes that image's result; any other
exception is a bug and ends the run with its traceback.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import Distribution, Harbor, flavor_of, matched
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.retention import Retention, read_retention
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.waiting import wait_all
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, WARMED, ImageResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target
from ansible_collections.prewarm.harbor.plugins.module_utils._summary import blob_counts, counts
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.app_registry import applies, verify_all
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.delivery import Routes, deliver_all, find_routes
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import BlobPool, Settle
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.image import ImageWarm
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.options import WarmOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.signatures import SignatureWarm


UNKNOWN_RELEASE = ('Harbor %s did not name its release (its systeminfo API names it to authenticated callers only), so '
                   'the newest is assumed; on v2.14.0 to v2.15.0 a request by a tag deleted upstream makes Harbor delete '
                   'its copy (goharbor/harbor#22175), which the module avoids only knowing the release: give it valid '
                   'Harbor credentials (username and password)')


@dataclass
class Begun:
    """An image being warmed: its result, its requests' retries, its warm (None when nothing is left to do after its
    manifests: unmatched, failed, check mode) and when it started."""

    target: Target
    result: ImageResult
    tally: Tally
    warm: ImageWarm | None
    started: float


class Warmer:
    """Warms many targets with ``options.jobs`` images in flight and one shared, bounded blob pool per flavour."""

    def __init__(self, registry: Registry, options: WarmOptions, check_mode: bool = False,
                 settle: Settle | None = None, lock_dir: str | None = None) -> None:
        """``settle`` and ``lock_dir``: the blob pools' (_warm.blobs), for tests."""
        self.registry = registry
        self.options = options
        self.check_mode = check_mode
        self.settle = settle
        self.lock_dir = lock_dir
        self._pools: dict[bool, BlobPool] = {}  # per flavour: is_harbor -> its pool
        self._pools_lock = threading.Lock()
        self._flavors: dict[str, Distribution] = {}  # per cache (base URL): asked once per run
        self._flavors_lock = threading.Lock()
        self.warnings: list[str] = []  # said once per call (what may undo a delivery)

    def run(self, targets: list[Target]) -> tuple[list[dict], dict]:
        """Targets in: (one serialised ImageResult per target in the same order, a summary).

        An image listed twice is warmed once and reported at each place.
        """
        started = time.time()
        unique = list({target.image: target for target in targets}.values())
        routes = self._routes(unique) if self.options.app_registry.deliver else None
        try:
            # An image's manifests are read, its blobs queued, and its thread waits until the cache holds them. Twice
            # the jobs in images at once keeps the blob pool fed while some wait, yet reads no manifest far ahead of
            # its blobs: Harbor waits 10 store checks (200 s) after a manifest's read, then fetches the missing blobs
            # itself, skips one whose store is in flight, and its manifest push fails for good (docs/harbor.md 2.4
            # steps 3 to 5, 2.5); a release's last manifests must not wait behind all its blobs.
            with ThreadPoolExecutor(max_workers=2 * self.options.jobs, thread_name_prefix='image') as images:
                begun = list(images.map(self._warm, unique))
        finally:
            for pool in self._pools.values():
                pool.shutdown()
        pending = [item.warm.pending for item in begun if item.warm is not None and item.warm.pending is not None]
        if self.options.harbor.wait and pending:
            wait_all(self.registry, pending, self.options.harbor)
        app = self.options.app_registry
        # After Harbor's commit (replication copies what Harbor holds); the images looked for, by their rule or the call.
        verify_all(self.registry, [(item.target, item.result) for item in begun if applies(item.result)], app)
        if routes is not None:
            deliver_all(routes, {item.result.image: item.result for item in begun}, app, self.check_mode)
            self.warnings += routes.warnings
        by_image = {item.result.image: item.result.as_dict() for item in begun}
        results = [by_image[target.image] for target in targets]
        summary = counts(results)
        # Each image's bytes once, however often it is listed.
        summary.update(blob_counts(list(by_image.values())), seconds=round(time.time() - started, 3))
        harbors = {base: flavor.version for base, flavor in self._flavors.items() if isinstance(flavor, Harbor)}
        if harbors:
            summary['harbor_versions'] = {base: str(version) for base, version in harbors.items()}
            summary['harbor_retention'] = self._retention(begun, set(harbors), started)
        self.warnings += [UNKNOWN_RELEASE % base for base, version in harbors.items() if version.release is None]
        return results, summary

    def _retention(self, begun: list[Begun], harbors: set[str], pulled_at: float) -> dict[str, dict]:
        """Each Harbor project this run warmed or found cached: its retention policy and when it deletes the warm."""
        projects = sorted({(item.target.match.base_url, item.target.match.repository.split('/', 1)[0]) for item in begun
                           if item.target.match is not None and item.target.match.base_url in harbors
                           and item.result.status in (WARMED, CACHED)})
        return {'%s/%s' % (base, project): self._policy(base, project).block(pulled_at) for base, project in projects}

    def _policy(self, base: str, project: str) -> Retention:
        return self.registry.remember(('retention', base, project), lambda: read_retention(self.registry, base, project))

    def _routes(self, targets: list[Target]) -> Routes:
        """Each image's replication policy, found (and refused when it cannot work) before anything is warmed."""
        bases = {target.match.base_url for target in targets if target.match is not None}
        is_harbor = {base: self._flavor(base).is_harbor for base in bases}
        return find_routes(self.registry, targets, self.options.app_registry, is_harbor)

    def _flavor(self, base: str) -> Distribution:
        with self._flavors_lock:  # one probe per cache, however many images start at once
            if base not in self._flavors:
                self._flavors[base] = flavor_of(self.registry, base, self.options.flavor, self.options.harbor)
            return self._flavors[base]

    def _pool(self, flavor: Distribution) -> BlobPool:
        """One pool per flavour: its lock scope and HEADs are the flavour's (threads start on first use)."""
        with self._pools_lock:
            if flavor.is_harbor not in self._pools:
                self._pools[flavor.is_harbor] = BlobPool(flavor, self.options.jobs, self.options.pull_blobs, self.settle,
                                                         self.lock_dir)
            return self._pools[flavor.is_harbor]

    def _warm(self, target: Target) -> Begun:
        begun = self._begin(target)
        self._settle(begun)
        return begun

    def _begin(self, target: Target) -> Begun:
        """Manifests read, blobs queued (or, in check mode, the whole dry run)."""
        begun = Begun(target, target.result(), Tally(), None, time.time())
        if begun.result.status is not None:  # unmatched, or an invalid reference: settled by planning
            return begun
        flavor = self._flavor(matched(target).base_url)
        if self.check_mode:
            self._attempt(begun, lambda: self._dry_run(flavor, begun))
            return begun
        warm = ImageWarm(target, begun.result, flavor, self._pool(flavor), begun.tally, self.options.signatures)
        if self._attempt(begun, warm.read):
            begun.warm = warm
        return begun

    def _dry_run(self, flavor: Distribution, begun: Begun) -> None:
        """Check mode: what the cache would be sent, the image's then its signatures'."""
        served = flavor.dry_run(begun.target, begun.result, begun.tally)
        if self.options.signatures:
            SignatureWarm(flavor, None, begun.tally, self.options.signatures, matched(begun.target).upstream).dry_run(
                served, begun.result)

    def _settle(self, begun: Begun) -> None:
        """The rest of an image's work, once its blobs are queued: their stores, Harbor's commit block."""
        if begun.warm is not None:
            self._attempt(begun, begun.warm.settle)
        if begun.target.match is not None:
            begun.result.retries = begun.tally.retries
        begun.result.seconds = round(time.time() - begun.started, 3)

    @staticmethod
    def _attempt(begun: Begun, work: Callable[[], None]) -> bool:
        """``work()``, with a problem of this image made its failure; whether it succeeded."""
        try:
            work()
            return True
        except ImageError as exc:
            begun.result.fail('%s: %s' % (begun.target.image, exc))
            return False
