# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Whether Harbor has committed what a pull of one image needs, when it will, and waiting for it.

Harbor serves a proxied pull at once but stores it later, on its own timers (docs/harbor.md 2.4-2.7, 9):
a platform manifest at the first 20-s check that finds its blobs, an index at the first check that
finds every child it lists (else, trimmed, at the 20th), the tag of an index at the next EnsureTag
tick after that. Until then, a pull with upstream down fails. The artifacts API tells what is
committed (_harbor_api); the timers tell when the rest is due.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Sequence
from typing import Any

from ansible_collections.prewarm.harbor.plugins.module_utils._harbor.api import Artifact, artifact
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.client import Registry, Tally

CHECK_INTERVAL = 20.0  # seconds: sleepIntervalSec, between a store job's checks
MANIFEST_CHECKS = 10  # maxManifestWait: then Harbor fetches the missing blobs itself
LIST_CHECKS = 20  # maxManifestListWait: then the index is stored with the children it has
TAG_TRIES = 60  # ensureTagMaxRetry: EnsureTag's tries, half an interval apart, after a HEAD by tag
ISSUE_20920 = 'goharbor/harbor#20920'


class Pull:
    """What a pull of one image by its reference needs Harbor to hold.

    ``platforms``: ``[(platform label, manifest digest)]`` selected; ``upstream_digest``: the top manifest's digest
    upstream (an index's differs from the one Harbor stores, which it re-serialises).
    """

    def __init__(self, repo: Repository, reference: str, upstream_digest: str, is_index: bool,  # pylint: disable=too-many-arguments
                 platforms: list[tuple[str, str]], upstream_checked: bool = True, tag_job_ends: float | None = None) -> None:
        self.repo = repo  # a Repository: where the pull is made
        self.reference = reference
        self.upstream_digest = upstream_digest  # Harbor's own when not upstream_checked
        self.upstream_checked = upstream_checked  # whether upstream was asked what the reference names
        self.is_index = is_index
        self.platforms = platforms
        self.tag_job_ends = tag_job_ends  # when the EnsureTag job our HEAD by tag started gives up (an index's)

    @property
    def by_digest(self) -> bool:
        return ':' in self.reference


class Commit:
    """What Harbor holds for a Pull now: the result's ``harbor`` block."""

    def __init__(self, committed: bool, top: Artifact | None, platforms: list[str], note: str | None = None) -> None:
        self.committed = committed  # a pull by the reference gets every selected platform with upstream down
        self.digest = top.digest if top else None  # what the reference resolves to in Harbor
        self.platform = top.platform if top else None  # a single-platform image's, as Harbor recorded it
        self.platforms = platforms  # labels of the selected platforms whose manifest is committed
        self.note = note  # why Harbor will not commit the rest (waiting cannot help), or None

    def missing(self, pull: Pull) -> str:
        """What is not committed yet, in words."""
        parts = [] if self.committed else ['%s %s' % ('digest' if pull.by_digest else 'tag', pull.reference)]
        parts += ['platform %s' % label for label, _digest in pull.platforms if label not in self.platforms]
        return ', '.join(parts)

    def block(self, pull: Pull) -> dict[str, Any]:
        return dict(committed=self.committed, digest=self.digest, platforms=list(self.platforms),
                    index_digest_offline=bool(pull.is_index and pull.upstream_checked and self.digest == pull.upstream_digest),
                    upstream_checked=pull.upstream_checked, note=self.note)


def inspect(registry: Registry, pull: Pull, tally: Tally | None = None, each_platform: bool = True) -> Commit:
    """Ask Harbor's artifacts API what it holds for ``pull``: a Commit. ``each_platform=False``: where the top is not
    committed, its platforms are not asked one by one (their ``held`` stays empty): before a warm, a missing top says
    enough (not cached), and one blob HEAD tells whether Harbor holds some of it (flavor.holds_some)."""
    top = artifact(registry, pull.repo, pull.reference, tally)
    kept = set(top.children) if top else set()
    held = []
    for label, digest in (pull.platforms if top is not None or each_platform else ()):
        if digest in kept or (top is not None and top.digest == digest) or \
                artifact(registry, pull.repo, digest, tally) is not None:
            held.append(label)
    if pull.is_index:
        committed = top is not None and all(digest in kept for _label, digest in pull.platforms)
    else:
        committed = top is not None and top.digest == pull.upstream_digest
    return Commit(committed, top, held, None if committed else _never(pull, top, held))


def _never(pull: Pull, top: Artifact | None, held: list[str]) -> str | None:
    """Why Harbor will not commit what the pull needs, however long one waits; None when it still may."""
    if pull.is_index and pull.by_digest:
        return ('Harbor stores an index under the digest of its own re-serialisation, never under upstream\'s %s: '
                'with upstream down this digest does not pull; pin a tag, or each platform\'s digest' % pull.upstream_digest)
    lacking = [label for label, digest in pull.platforms if label in held and digest not in (top.children if top else ())]
    if pull.is_index and top is not None and lacking:
        return ('tag %s points at index %s in Harbor, which lacks %s: Harbor does not add platforms to an index it has '
                'stored while its 7-day copy of the upstream index lives (%s); pull %s by digest, or delete that '
                'artifact and Harbor\'s redis key cache:manifestlist:%s:%s, then warm again' % (
                    pull.reference, top.digest, ', '.join(lacking), ISSUE_20920, ', '.join(lacking), pull.repo.name,
                    pull.upstream_digest))
    if pull.is_index and top is None and pull.tag_job_ends is not None and time.time() > pull.tag_job_ends:
        return ('Harbor ties an index\'s tag only in the job a HEAD by tag starts (EnsureTag, 60 tries), which ended '
                'before Harbor had stored the index; while its 7-day copy of the upstream index %s lives, Harbor answers '
                'every HEAD of tag %s from it and starts no other (docs/harbor.md 3.2), and its API refuses tags in a '
                'proxy project: each platform pulls by digest; to tie the tag, delete Harbor\'s redis key '
                'cache:manifestlist:%s:%s (or let it expire) and warm again' % (
                    pull.upstream_digest, pull.reference, pull.repo.name, pull.upstream_digest))
    return None


def tag_job_ends(timeline: Timeline, interval: float) -> float | None:
    """When the EnsureTag job of the run's HEAD by tag gives up (None when no HEAD was sent)."""
    return timeline.head + TAG_TRIES * interval / 2 if timeline.head is not None else None


class Timeline:
    """When each request that starts a Harbor store job was sent, and when the blobs it needs were stored."""

    def __init__(self) -> None:
        self.upstream_checked = True  # False: the tag was resolved by Harbor's artifacts API alone (flavor.Harbor._tag_kept)
        self.head: float | None = None  # the HEAD by tag: it starts EnsureTag
        self.top: float | None = None  # the GET of the top manifest
        self.children: dict[str, list[float | None]] = {}  # digest -> [requested at, its blobs stored at (None: not read)]

    def child(self, digest: str, requested: float | None) -> None:
        self.children.setdefault(digest, [requested, None])

    def blobs_stored(self, digest: str, at: float) -> None:
        entry = self.children.get(digest)
        if entry is not None:
            entry[1] = at if entry[1] is None else max(entry[1], at)


def expected(pull: Pull, timeline: Timeline, index_children: Sequence[str], held: Collection[str],
             interval: float = CHECK_INTERVAL) -> float | None:
    """When Harbor is due to commit what ``pull`` needs (an epoch time), from its timers; None when never.

    ``index_children``: every digest the index lists; ``held``: digests already committed.
    """
    def manifest(digest: str) -> float | None:
        if digest in held:
            return time.time()
        requested, stored = timeline.children.get(digest, (None, None))
        if requested is None:
            return None
        if stored is None:  # blobs not read: Harbor fetches them itself after its last check
            return requested + MANIFEST_CHECKS * interval
        checks = max(1, int(math.ceil((stored - requested) / interval)))
        return requested + min(checks, MANIFEST_CHECKS) * interval

    if not pull.is_index:
        return manifest(pull.upstream_digest)
    if pull.by_digest or timeline.head is None or timeline.top is None:
        return None
    children = [manifest(digest) for digest in index_children]
    if None in children:  # a child nobody read: the index waits for its 20th check, then is stored trimmed
        index = timeline.top + LIST_CHECKS * interval
    else:  # the first check after the last child (a check at the same moment runs before that child's push)
        last = max(due for due in children if due is not None)
        index = timeline.top + min(int((last - timeline.top) / interval) + 1, LIST_CHECKS) * interval
    tick = interval / 2  # EnsureTag, from the HEAD by tag
    return timeline.head + (int((index - timeline.head) / tick) + 1) * tick


def wait(registry: Registry, pull: Pull, deadline: float, due: float | None, interval: float = CHECK_INTERVAL,
         tally: Tally | None = None) -> Commit:
    """Poll the artifacts API until Harbor has committed ``pull``, it never will, or ``deadline`` passes.

    Sleeps until shortly before ``due`` (the expected time) first, then polls every quarter interval (at most 1 s),
    so the wait ends within that of Harbor's commit. Returns the last Commit.

    A note (Harbor will not commit it) is believed once the commit is an interval overdue: until then a store job
    started by this run may still replace what Harbor holds.
    """
    poll = min(1.0, interval / 4)
    while True:
        state = inspect(registry, pull, tally)
        now = time.time()
        if state.committed or now >= deadline or (state.note and (due is None or now > due + interval)):
            return state
        pause = (due - poll - now) if due and due - poll > now else poll
        time.sleep(max(0.0, min(pause, deadline - now)))
