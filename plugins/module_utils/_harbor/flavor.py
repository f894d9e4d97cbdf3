# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Everything that differs between a plain distribution proxy and Harbor, in one place.

The warmer and the blob pool ask a flavour, never "is it Harbor?": which reads exclude each other (lock scope),
whether a HEAD can tell what is stored before a read (HEAD honesty), how soon to ask after a read (settle), what to
do when a read was not stored (re-read), how to fetch the top manifest (manifest order), which extra manifests an
index needs (attestations, complete_index), what check mode may send (dry run), and what was committed (commit),
of an image or of a single manifest beside it, a signature (committed_digest, manifest_pull, guards_tags,
answers_referrers, referrers_unreachable).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.api import Artifact, artifact
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import Commit, Pull, Timeline, expected, inspect, tag_job_ends
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.options import HarborOptions
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.version import HarborVersion, parse, read_version
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.waiting import commit_block
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Blob, Manifest
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.platform import ALL, Platform, _All, attestations, from_descriptor
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.reference import is_digest
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, RegistryError, Tally, repository_of
from ansible_collections.prewarm.harbor.plugins.module_utils._result import CACHED, WOULD_WARM, ImageResult, PlatformResult
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.rule import RuleMatch
from ansible_collections.prewarm.harbor.plugins.module_utils._rules.target import Target


class Distribution:
    """A plain CNCF distribution pull-through cache: it stores what is read through it, and cannot say what it holds
    without fetching it from upstream (a HEAD on a manifest stores it, a HEAD on a blob may ask upstream)."""

    is_harbor = False

    def __init__(self, registry: Registry, options: HarborOptions | None = None) -> None:
        self.registry = registry
        self.options = options or HarborOptions()

    # -- blobs --------------------------------------------------------------------------------------------------

    def lock_scope(self, repo: Repository) -> str:
        """What one digest in flight excludes: the whole cache, which streams a digest already in flight without
        storing it, even for another repository."""
        return repo.base

    def holds_blob(self, repo: Repository, digest: str, tally: Tally) -> bool:
        """Whether the cache holds a blob, asked before reading it: a plain proxy cannot tell (a HEAD may fetch the
        blob from upstream), so it is always read."""
        return False

    def blob_stored(self, repo: Repository, digest: str, tally: Tally) -> bool:
        """After a read: the proxy answers a stored blob from its storage, an unstored one from upstream."""
        head = self.registry.blob_head(repo, digest, tally)
        return head.found and head.from_storage

    def first_poll(self, read_seconds: float, queued_behind: bool) -> float:
        """Seconds after a read before the first "stored?" HEAD. Each early HEAD costs a plain proxy an upstream fetch,
        thrown away, so a lone read waits twice its own time (measured: the waste falls from ~120 MB to ~15 MB per
        1 GB warmed, for ~3% time); a read others queue behind is the warm's critical path, so it asks sooner."""
        return read_seconds * (1 if queued_behind else 2)

    def read_again(self, repo: Repository, blob: Blob, tally: Tally, attempt: int) -> int | None:
        """A read the cache did not show stored in time (its ``attempt``): the bytes read once more, or None to stop.
        Nothing tells better on a plain proxy, so it is left as read."""
        return None

    def triggers(self, keep: bool) -> bool:
        """Whether a missing blob is fetched by a trigger (the GET closed at its status line; the cache stores it on its
        own) rather than read: never on a plain proxy. distribution v2.8 does finish its own store after the client
        closed, but a HEAD before that store ends streams the whole blob from upstream again, so confirming costs
        what the read saved (docs/harbor.md 4.8)."""
        return False

    # -- manifests ----------------------------------------------------------------------------------------------

    def top_manifest(self, target: Target, tally: Tally, timeline: Timeline) -> Manifest:
        """The image's first manifest, by the reference the rule made."""
        timeline.top = time.time()
        match = matched(target)
        return self.registry.manifest(match.repo, match.reference, tally)

    def attestations(self, index: Manifest) -> dict:
        """Platform manifest digest -> its attestation manifest's digest, for those the cache needs read."""
        return {}

    def read_whole_index(self) -> bool:
        """Whether every child manifest of an index is read, not only the selected platforms'."""
        return False

    # -- check mode and commit ------------------------------------------------------------------------------------

    def dry_run(self, target: Target, result: ImageResult, tally: Tally) -> Repository | None:
        """Check mode: a plain proxy stores on any manifest request, so it gets none; every platform would be warmed.
        Returns the repository the cache answered from, where more may be asked without storing anything (None here)."""
        result.finish(WOULD_WARM)
        result.platforms = [PlatformResult(str(platform), WOULD_WARM) for platform in target.platforms]
        return None

    def pull(self, target: Target, top: Manifest, platforms: list, timeline: Timeline) -> Pull | None:
        """What a pull of the image needs the cache to hold, where the cache can tell (Harbor): else None."""
        return None

    def committed(self, pull: Pull | None, tally: Tally, each_platform: bool = True) -> Commit | None:
        """What the cache has committed of ``pull``; None where nothing can tell, so a warm always counts as a change.
        ``each_platform``: see _harbor.commit.inspect."""
        return None

    def commit(self, result: ImageResult, pull: Pull, state: Commit, timeline: Timeline, top: Manifest) -> float | None:
        """The result's ``harbor`` block, where the cache tells what it committed; returns when the rest is due (None:
        nothing to wait for). Never asked of a plain proxy, which makes no Pull."""
        return None

    def holds_some(self, state: Commit | None, first: tuple | None, tally: Tally) -> bool:
        """Whether to ask before each blob read whether the cache holds it: never where no answer is honest."""
        return False

    # -- single manifests beside the image (signatures) -----------------------------------------------------------

    def guards_tags(self) -> bool:
        """Whether a tag the cache holds must not be requested (its copy would be deleted were the tag gone upstream)."""
        return False

    def answers_referrers(self) -> bool:
        """Whether the cache answers the referrers API from what it holds; else verifiers read OCI 1.1's fallback tag
        through it. distribution v2.8 has no referrers API."""
        return False

    def referrers_unreachable(self) -> str | None:
        """Where the cache answers no referrers API verifiers accept: why they will not find referrers through it
        however warm, or None where the fallback tag, fetched through it, leads them there (a plain proxy)."""
        return None

    def committed_digest(self, repo: Repository, reference: str, tally: Tally) -> str | None:
        """The digest the cache has committed under ``reference``, asked without fetching anything; None when it holds
        none, or cannot tell (a plain proxy)."""
        return None

    def manifest_pull(self, repo: Repository, reference: str, digest: str) -> Pull | None:
        """What a pull of one single manifest by ``reference`` needs the cache to hold, where it can tell (Harbor)."""
        return None


class Harbor(Distribution):
    """A Harbor proxy-cache project (docs/harbor.md): a blob HEAD answers from its storage only; it stores on its own
    timers, per (repository, digest), and its artifacts API says what it has committed."""

    is_harbor = True

    def __init__(self, registry: Registry, options: HarborOptions | None = None, version: HarborVersion | None = None) -> None:
        super().__init__(registry, options)
        self.version = version or parse('')  # unknown: the newest's behaviour

    def lock_scope(self, repo: Repository) -> str:
        """Harbor stores per (repository, digest) (docs/harbor.md 4.5): only the same repository waits."""
        return '%s/%s' % (repo.base, repo.name)

    def holds_blob(self, repo: Repository, digest: str, tally: Tally) -> bool:
        return self.registry.blob_exists(repo, digest, tally)

    def blob_stored(self, repo: Repository, digest: str, tally: Tally) -> bool:
        return self.registry.blob_head(repo, digest, tally).found

    def first_poll(self, read_seconds: float, queued_behind: bool) -> float:
        """An early HEAD costs Harbor nothing: ask after the read's own time."""
        return read_seconds

    def read_again(self, repo: Repository, blob: Blob, tally: Tally, attempt: int) -> int | None:
        """Harbor must end up holding the blob: after a first fetch it did not store, fetch once more (a trigger will
        do: Harbor's store does not need this client's bytes); after a second, fail the image naming Harbor's own
        fetch (goharbor/harbor#23600)."""
        if attempt == 1:
            if self.triggers(False):
                self.registry.trigger_blob(repo, blob, tally)
                return 0
            return self.registry.read_blob(repo, blob, tally)[0]
        raise RegistryError('blob %s was fetched through %s twice, but Harbor did not store it: Harbor copies a blob '
                            'with its own second fetch from upstream, which it does not retry (goharbor/harbor#23600); '
                            'check Harbor core\'s log for the failed fetch or push, its upstream connection and its '
                            'storage, then warm again' % (blob.digest, repo.name))

    def triggers(self, keep: bool) -> bool:
        """Harbor stores a blob with a second upstream fetch of its own, started once its first fetch answers and
        independent of the client's connection (docs/harbor.md 4.3, 4.8), and its HEAD answers from storage only (5): a
        trigger and HEADs warm it with no byte crossing this runner. A config whose content is needed is read."""
        return self.options.trigger_blobs and not keep

    def top_manifest(self, target: Target, tally: Tally, timeline: Timeline) -> Manifest:
        """Harbor never tags an index fetched by tag; after a HEAD by tag, an index fetched by digest gets the tag once
        Harbor has stored it (docs/harbor.md 2.7). A single manifest fetched by tag is stored with its tag."""
        match = matched(target)
        if not is_digest(match.reference):
            stored = self._tag_kept(match, tally)
            if stored is not None and stored.digest:
                timeline.upstream_checked = False
                timeline.top = time.time()
                return self.registry.manifest(match.repo, stored.digest, tally, expected_digest=stored.digest)
            timeline.head = time.time()
            head = self.registry.manifest_head(match.repo, match.reference, tally)
            if head is not None and head.is_index:
                timeline.top = time.time()
                return self.registry.manifest(match.repo, head.digest, tally, expected_digest=head.digest)
        return super().top_manifest(target, tally, timeline)

    def _tag_kept(self, match: RuleMatch, tally: Tally) -> Artifact | None:
        """On a release that deletes its copy of a tag when a request by that tag finds it gone upstream (v2.14.0 to
        v2.15.0, goharbor/harbor#22175), the artifact Harbor holds under the tag: then nothing is asked by tag, only
        by digest, which Harbor answers from its storage without asking upstream. None elsewhere, or when Harbor holds
        no artifact under the tag (then a request by tag finds nothing to delete: it is safe)."""
        if not self.guards_tags():
            return None
        return artifact(self.registry, match.repo, match.reference, tally)

    def attestations(self, index: Manifest) -> dict:
        """Harbor stores an index only once every child it lists is stored (docs/harbor.md 2.6), attestations too."""
        return attestations(index.children)

    def read_whole_index(self) -> bool:
        return self.options.complete_index

    def dry_run(self, target: Target, result: ImageResult, tally: Tally) -> Repository | None:
        """Harbor answers a manifest HEAD without storing anything, and its artifacts API tells what it committed."""
        super().dry_run(target, result, tally)
        match = matched(target)
        served = match.repo
        kept = self._tag_kept(match, tally) if not is_digest(match.reference) else None
        if kept is not None and kept.digest:  # on a release that would delete it were the tag gone upstream: not asked by tag
            result.digest, result.media_type = kept.digest, kept.media_type
            result.platforms = committed_platforms(target.platforms, kept.is_index, kept.digest, kept)
        else:
            head = self.registry.manifest_head(match.repo, match.reference, tally)
            if head is None:
                raise ImageError('manifest %s not found: check the tag or digest exists upstream' % match.manifest_url)
            result.digest, result.media_type, served = head.digest, head.media_type, head.repository
            stored = artifact(self.registry, head.repository, match.reference, tally)
            if stored is not None:
                result.platforms = committed_platforms(target.platforms, head.is_index, head.digest, stored)
        if result.platforms and all(entry.status == CACHED for entry in result.platforms):
            result.finish(CACHED)
        return served

    def pull(self, target: Target, top: Manifest, platforms: list, timeline: Timeline) -> Pull | None:
        return Pull(repository_of(top), matched(target).reference, top.digest, top.is_index,
                    [(str(image.platform), image.manifest.digest) for image in platforms], timeline.upstream_checked,
                    tag_job_ends(timeline, self.options.interval))

    def committed(self, pull: Pull | None, tally: Tally, each_platform: bool = True) -> Commit | None:
        return inspect(self.registry, pull, tally, each_platform) if pull is not None else None

    def holds_some(self, state: Commit | None, first: tuple | None, tally: Tally) -> bool:
        """Anything committed says yes; otherwise one HEAD of the first blob decides, which finds a warm Harbor has not
        committed yet. On a cold repository a HEAD per blob is waste (about as costly as a small read on Harbor)."""
        if state is not None and (state.digest or state.platforms):
            return True
        return first is not None and self.registry.blob_exists(first[0], first[1], tally)

    def guards_tags(self) -> bool:
        """On v2.14.0 to v2.15.0 a request by a tag gone upstream deletes Harbor's copy (goharbor/harbor#22175)."""
        return self.version.deletes_on_upstream_not_found

    def answers_referrers(self) -> bool:
        """Harbor answers the referrers API from its database, never upstream (docs/harbor.md 12.3), with an OCI index
        from v2.10.0."""
        return self.version.answers_referrers_with_index

    def referrers_unreachable(self) -> str | None:
        """Before v2.10.0 verifiers read the fallback tag through Harbor, which this module does not warm there."""
        return ('Harbor %s answers the referrers API with JSON (v2.8, v2.9) or not at all (v2.7 and older), so verifiers '
                'read OCI 1.1\'s fallback tag instead, which is not warmed through Harbor: upgrade Harbor to v2.10 or '
                'later, or sign with cosign\'s .sig tags (signatures: [sig])' % self.version)

    def committed_digest(self, repo: Repository, reference: str, tally: Tally) -> str | None:
        stored = artifact(self.registry, repo, reference, tally)
        return stored.digest if stored is not None else None

    def manifest_pull(self, repo: Repository, reference: str, digest: str) -> Pull | None:
        """A single manifest is committed once Harbor holds ``digest`` under ``reference`` (its tag, or itself)."""
        return Pull(repo, reference, digest, False, [])

    def commit(self, result: ImageResult, pull: Pull, state: Commit, timeline: Timeline, top: Manifest) -> float | None:
        """The result's ``harbor`` block from what is committed; returns when the rest is due (None: nothing to wait for)."""
        held = set(digest for label, digest in pull.platforms if label in state.platforms)
        children = [entry.get('digest') for entry in top.children] if top.is_index else []
        due = None if state.committed else expected(pull, timeline, children, held, self.options.interval)
        if state.note and due is None:
            due = time.time()  # never, it seems: a wait confirms it an interval later (commit.wait), then fails the image
        result.harbor = commit_block(state, pull, due)
        if self.options.wait and due is None:
            result.harbor['waited'] = 0.0  # committed already: no wait (see waiting.wait_all)
        return due


def flavor_of(registry: Registry, base: str, flavor: str, options: HarborOptions) -> Distribution:
    """The flavour of the cache at ``base``: as the ``cache_flavor`` option says, or asked (``auto``); a Harbor's
    with its release."""
    is_harbor = registry.is_harbor(base) if flavor == 'auto' else flavor == 'harbor'
    if not is_harbor:
        return Distribution(registry, options)
    return Harbor(registry, options, registry.remember(('harbor version', base), lambda: read_version(registry, base)))


def matched(target: Target) -> RuleMatch:
    """The rule's match of a target being warmed: the warmer settles a target that has none before (Warmer._begin)."""
    if target.match is None:
        raise AssertionError('%s matched no rule: there is nothing to warm' % target.image)
    return target.match


def committed_platforms(wanted: Sequence[Platform | _All], is_index: bool, digest: str, stored: Artifact) -> list[PlatformResult]:
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
