# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""The signatures an admission verifier fetches for an image, warmed with it (docs/harbor.md 12).

For each digest a verifier resolves (the tag's and every selected platform's), per kind asked:

* ``sig``, ``att``: cosign's tag ``sha256-<hex>.sig`` (``.att``) in the subject's repository. A HEAD through the
  cache says whether it exists (unsigned: that one 404, nothing more); where the cache has committed that digest
  under the tag, nothing else is sent; else a GET by tag, and its blobs through the run's blob pool. On a Harbor
  release that deletes its copy when a request by tag finds it gone upstream, the API is asked first and a tag it
  holds is never requested.
* ``referrers``: OCI 1.1 referrers, listed at the rule's upstream (Harbor's referrers API answers from its own
  database, never upstream), each GET by digest through the cache, with its blobs. Where the cache has no referrers
  API verifiers accept, they read the fallback tag ``sha256-<hex>``: fetched through a plain proxy too; on Harbor
  before v2.10 not warmed, and said so (flavor.referrers_unreachable).

Harbor stores these like any single manifest: the wait for its commit covers them (_harbor.waiting).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from ansible_collections.prewarm.harbor.plugins.module_utils._errors import ImageError
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.commit import Pull, Timeline, expected
from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.flavor import Distribution
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import INDEX_TYPES
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import RegistryError, Tally
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.referrers import list_referrers, signature_tag
from ansible_collections.prewarm.harbor.plugins.module_utils._result import (
    CACHED, FAILED, WARMED, WOULD_WARM, ImageResult, SignatureResult,
)
from ansible_collections.prewarm.harbor.plugins.module_utils._warm.blobs import BlobPool, BlobRead

TAGGED = ('sig', 'att')  # cosign's tag scheme; the other kind, REFERRERS, are listed
REFERRERS = 'referrers'
INDEX_NOTE = ('made on the upstream index digest: will not verify offline through Harbor, which stores the index '
              're-serialised under its own digest; sign platform digests, cosign sign --recursive')


@dataclass(frozen=True)
class Subject:
    """A digest a verifier resolves, the repository its signatures are in, and whether it is an index."""

    repo: Repository
    digest: str
    is_index: bool = False


@dataclass
class Found:
    """One signature manifest of a subject: its result entry, where it is pulled from (by tag, or a referrer by digest),
    and, once this run fetched it, its blob reads and what Harbor's commit of it needs."""

    entry: SignatureResult
    repo: Repository
    reference: str
    digest: str | None  # the signature manifest's, when known before its GET
    sent: bool = False  # a GET was sent: the cache was made to fetch it (a change, whatever came of it)
    reads: tuple[BlobRead, ...] = ()
    pull: Pull | None = None
    timeline: Timeline = field(default_factory=Timeline)
    due: float | None = None


class SignatureWarm:
    """The signatures of one image, through the cache its ``flavor`` describes, blobs in the run's ``pool``.

    ``upstream``: the image's repository at upstream (the rule's), where referrers are listed; None without one."""

    def __init__(self, flavor: Distribution, pool: BlobPool | None, tally: Tally, kinds: tuple[str, ...],
                 upstream: Repository | None = None) -> None:
        self.flavor = flavor
        self.registry = flavor.registry
        self.pool = pool
        self.tally = tally
        self.kinds = kinds
        self.upstream = upstream
        self.found: list[Found] = []

    @property
    def entries(self) -> list[SignatureResult]:
        return [found.entry for found in self.found]

    @property
    def fetched(self) -> bool:
        """Whether the cache was (or in check mode would be) made to fetch some signature: a change, so the image is
        not ``cached``. A signature that could not even be asked changed nothing (it is reported ``failed``)."""
        return any(found.sent or found.entry.status == WOULD_WARM for found in self.found)

    def dry_run(self, repo: Repository | None, result: ImageResult) -> None:
        """Check mode, after the flavour's dry run filled ``result`` and named the repository Harbor answered from
        (``repo``; None where a HEAD would store, on a plain proxy): the signatures of the digests known without a
        fetch (the tag's, and each platform Harbor has committed), found with HEADs and Harbor's API; a cached image
        with one to fetch would warm."""
        if repo is None or result.digest is None:
            return
        subjects = [Subject(repo, result.digest, result.media_type in INDEX_TYPES)]
        subjects += [Subject(repo, entry.digest) for entry in result.platforms if entry.digest]
        self.read(subjects, dry_run=True)
        result.signatures = self.entries
        if result.status == CACHED and self.fetched:
            result.finish(WOULD_WARM)

    def read(self, subjects: list[Subject], dry_run: bool = False) -> None:
        """Find each subject's signatures; fetch those the cache lacks (``dry_run``: only say it would)."""
        for subject in _unique(subjects):
            for kind in self.kinds:
                try:
                    if kind in TAGGED:
                        self._tagged(subject, kind, dry_run)
                    elif kind == REFERRERS:
                        self._referrers(subject, dry_run)
                except ImageError as exc:  # this signature's problem, not the image's: reported, and warned of
                    entry = SignatureResult(subject.digest, kind)
                    entry.fail('not warmed: %s' % exc)
                    self.found.append(Found(entry, subject.repo, '', None))

    def _tagged(self, subject: Subject, kind: str, dry_run: bool) -> None:
        tag = signature_tag(subject.digest, kind)
        guarded = self.flavor.guards_tags()
        if guarded:  # a request by a tag Harbor holds could delete it: ask its API first
            held = self.flavor.committed_digest(subject.repo, tag, self.tally)
            if held is not None:
                self._take(Found(self._entry(subject, kind, held), subject.repo, tag, held), held, dry_run)
                return
        head = self.registry.manifest_head(subject.repo, tag, self.tally)
        if head is None:
            return  # unsigned (for this kind): the one 404
        repo = head.repository  # where the cache answered (Docker Hub's library/ redirect): its API names it so
        digest = head.digest if ':' in head.digest else None  # a HEAD without Docker-Content-Digest: known after the GET
        held = None if guarded else self.flavor.committed_digest(repo, tag, self.tally)
        self._take(Found(self._entry(subject, kind, digest), repo, tag, digest), held, dry_run)

    def _referrers(self, subject: Subject, dry_run: bool) -> None:
        """Referrers as upstream lists them (the API, else OCI 1.1's fallback tag), each by digest through the cache;
        none without an upstream (planning refuses referrers for a rule that names none: _populate)."""
        if self.upstream is None:
            return
        listed = []
        for referrer in list_referrers(self.registry, self.upstream, subject.digest, self.tally):
            entry = self._entry(subject, REFERRERS, referrer.digest, referrer.artifact_type or None)
            held = self.flavor.committed_digest(subject.repo, referrer.digest, self.tally)
            listed.append(Found(entry, subject.repo, referrer.digest, referrer.digest))
            self._take(listed[-1], held, dry_run)
        if not listed or self.flavor.answers_referrers():
            return
        unreachable = self.flavor.referrers_unreachable()
        if unreachable:
            for found in listed:
                if found.entry.status != FAILED:
                    found.entry.verifies_offline, found.entry.note = False, unreachable
        elif not dry_run:
            self._fallback_tag(subject, listed)

    def _fallback_tag(self, subject: Subject, listed: list[Found]) -> None:
        """A cache without a referrers API (a plain distribution proxy): verifiers read OCI 1.1's fallback tag there,
        so it is fetched through the cache too, and must list each referrer warmed. Upstream keeps such a tag only
        where it has no referrers API itself; without it nothing through this cache leads a verifier to them."""
        tag = signature_tag(subject.digest)
        why = 'warmed by digest, but verifiers will not find it offline through this cache, which has no referrers API: '
        try:
            index = self.registry.manifest(subject.repo, tag, self.tally)
        except ImageError as exc:
            if isinstance(exc, RegistryError) and exc.status == 404:
                why += ('the cache has no fallback tag %s to serve (upstream keeps none where it lists referrers by its '
                        'API, or the cache\'s upstream is not the rule\'s replacement_upstream); pull through a Harbor '
                        'proxy project, whose referrers API answers offline' % tag)
            else:
                why += 'the fallback tag %s was not fetched: %s' % (tag, exc)
            self._fail_all(listed, why)
            return
        children = set(entry.get('digest') for entry in index.children if isinstance(entry, dict))
        self._fail_all([found for found in listed if found.digest not in children],
                       why + 'the fallback tag %s the cache serves does not list it' % tag)

    @staticmethod
    def _fail_all(listed: list[Found], note: str) -> None:
        for found in listed:
            if found.entry.status != FAILED:
                found.entry.fail(note)

    def _entry(self, subject: Subject, kind: str, digest: str | None, artifact_type: str | None = None) -> SignatureResult:
        """A found signature's result entry; on Harbor, one of an index says it cannot match offline."""
        entry = SignatureResult(subject.digest, kind, digest, artifact_type)
        if subject.is_index and self.flavor.is_harbor:
            entry.verifies_offline, entry.note = False, INDEX_NOTE
        return entry

    def _take(self, found: Found, held: str | None, dry_run: bool) -> None:
        """Record ``found``; fetch it unless the cache has committed it (``held``: the digest it holds there)."""
        entry = found.entry
        self.found.append(found)
        if held is not None and held == found.digest:
            entry.status, entry.committed = CACHED, True
            return
        entry.status = WOULD_WARM if dry_run else WARMED
        entry.committed = False if self.flavor.is_harbor else None  # a plain proxy cannot tell
        if dry_run or self.pool is None:
            return
        found.sent = True
        requested = time.time()
        try:
            manifest = self.registry.manifest(found.repo, found.reference, self.tally, expected_digest=found.digest)
            if manifest.is_index:
                raise ImageError('%s is an index: only image manifests are warmed as signatures' % found.reference)
            blobs = manifest.blobs
        except ImageError as exc:
            entry.fail('not warmed: %s' % exc)
            return
        found.digest = entry.digest = manifest.digest
        found.timeline.child(manifest.digest, requested)
        found.reads = tuple(self.pool.ensure(found.repo, blob, self.tally, probe=False) for blob in blobs)
        found.pull = self.flavor.manifest_pull(found.repo, found.reference, manifest.digest)

    def settle(self) -> None:
        """Once the cache holds every fetched signature's blobs: what Harbor has committed, and when the rest is due."""
        for found in self.found:
            if not found.sent or found.entry.status == FAILED or found.digest is None:
                continue
            try:
                stored = [read.stored.result() for read in found.reads]
                state = self.flavor.committed(found.pull, self.tally)  # None where the cache cannot tell
            except ImageError as exc:
                found.entry.fail('not warmed: %s' % exc)
                found.pull = None
                continue
            if found.pull is None:
                continue
            found.timeline.blobs_stored(found.digest, max([outcome.at for outcome in stored] or [time.time()]))
            found.entry.committed = bool(state and state.committed)
            if not found.entry.committed:
                found.due = expected(found.pull, found.timeline, [], (), self.flavor.options.interval)

    @property
    def pending(self) -> list[Found]:
        """The fetched signatures Harbor has not committed yet (each with its Pull)."""
        return [found for found in self.found if found.pull is not None and not found.entry.committed]


def _unique(subjects: list[Subject]) -> list[Subject]:
    return list({subject.digest: subject for subject in subjects}.values())
