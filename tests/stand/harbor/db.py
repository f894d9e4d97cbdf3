# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's database and redis, in memory (docs/harbor.md Appendix A, "State to keep").

* artifacts: one row per (repository, manifest digest), with the children of an index as ``references``;
* tags: (repository, name) -> artifact digest;
* blob rows: **global** digests (a row says nothing about which repository links the blob in the registry);
* the list cache ``cache:manifestlist:<repo>:<digest>`` (7 days) and ``cache:trimmedmanifestlist:<digest or ''>``;
* the in-flight set of pushes, keyed ``<repo>:<reference>`` (2.5).
"""

import dataclasses
import datetime
import itertools
import threading
import time

NEVER = '0001-01-01T00:00:00.000Z'


def timestamp(seconds):
    """Harbor's API time format."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%S.') + f'{moment.microsecond // 1000:03d}Z'


@dataclasses.dataclass
class Artifact:  # pylint: disable=too-many-instance-attributes
    """One artifact row."""

    artifact_id: int
    repository: str
    digest: str
    media_type: str
    size: int
    config_media_type: str
    push_time: float
    references: list = dataclasses.field(default_factory=list)  # index children kept when it was pushed
    extra_attrs: dict = dataclasses.field(default_factory=dict)  # an image's, from its config
    pull_time: float = 0.0


@dataclasses.dataclass
class Accessory:  # pylint: disable=too-many-instance-attributes
    """One ``artifact_accessory`` row: the accessory artifact, and its subject by digest (its id 0 until it exists)."""

    accessory_id: int
    artifact_id: int
    subject_repository: str
    subject_digest: str
    subject_id: int
    type: str
    digest: str
    size: int
    created: float


class Database:
    """Thread-safe; every method takes the one lock."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.clear()

    def clear(self):
        """Forget everything (the stand's cold cache)."""
        with self._lock:
            self._artifacts = {}   # (repo, digest) -> Artifact
            self._tags = {}        # (repo, tag) -> (digest, push_time)
            self._blobs = set()
            self._list_cache = {}  # (repo, digest) -> (payload, content type, expiry)
            self._trimmed = {}     # request digest or '' -> trimmed digest
            self._inflight = set()
            self._accessories = []  # Accessory rows, oldest first

    # -- artifacts and tags --------------------------------------------------------------------------------------

    def artifact(self, repository, reference):
        """The artifact a tag or digest names in ``repository`` (the local lookup of 2.1 step 1), or None."""
        with self._lock:
            if not reference.startswith('sha256:'):
                tagged = self._tags.get((repository, reference))
                if tagged is None:
                    return None
                reference = tagged[0]
            return self._artifacts.get((repository, reference))

    def add_artifact(self, repository, digest, media_type, size, config_media_type, references=(), extra_attrs=None):  # pylint: disable=too-many-arguments
        """Record a manifest the registry has just stored (idempotent: the row keeps its id and push time); True when
        the row is new (``artifact.controller.ensureArtifact``'s ``created``, 11.1 step 2)."""
        with self._lock:
            if (repository, digest) in self._artifacts:
                return False
            self._artifacts[(repository, digest)] = Artifact(next(self._ids), repository, digest, media_type, size,
                                                             config_media_type, time.time(), list(references),
                                                             dict(extra_attrs or {}))
            return True

    def artifacts_of(self, repository):
        """``[(Artifact, [tag])]`` of one repository, oldest first."""
        with self._lock:
            rows = sorted((row for (repo, _d), row in self._artifacts.items() if repo == repository), key=lambda row: row.artifact_id)
            return [(row, sorted(name for (repo, name), (target, _t) in self._tags.items() if repo == repository and target == row.digest))
                    for row in rows]

    def repositories(self):
        """Every repository holding an artifact, sorted."""
        with self._lock:
            return sorted({repo for repo, _digest in self._artifacts})

    def delete_artifact(self, repository, digest):
        """``artifact.controller.deleteDeeply`` of a root artifact (11.7): refused (None) while an index references it;
        else its untagged children nobody else references go with it, then its tags and its row. Returns its tags.
        The manifests stay in the registry (Harbor's trash, emptied by GC, which is not emulated)."""
        with self._lock:
            row = self._artifacts.get((repository, digest))
            if row is None or self._parents(repository, digest):
                return None
            tags = sorted(name for (repo, name), (target, _t) in self._tags.items() if repo == repository and target == digest)
            del self._artifacts[(repository, digest)]
            for name in tags:
                del self._tags[(repository, name)]
            for child in row.references:
                self._delete_child(repository, child['child_digest'])
            return tags

    def _parents(self, repository, digest):
        return [row for (repo, _d), row in self._artifacts.items()
                if repo == repository and any(child['child_digest'] == digest for child in row.references)]

    def _delete_child(self, repository, digest):
        row = self._artifacts.get((repository, digest))
        tagged = any(repo == repository and target == digest for (repo, _name), (target, _t) in self._tags.items())
        if row is None or tagged or self._parents(repository, digest):
            return
        del self._artifacts[(repository, digest)]
        for child in row.references:
            self._delete_child(repository, child['child_digest'])

    def set_tag(self, repository, tag, digest):
        """Create or move a tag (tag.Ctl.Ensure); False when no artifact has ``digest`` in ``repository``."""
        with self._lock:
            if (repository, digest) not in self._artifacts:
                return False
            current = self._tags.get((repository, tag))
            if current is None or current[0] != digest:
                self._tags[(repository, tag)] = (digest, time.time())
            return True

    def tags_of(self, repository, digest=None):
        """``[(name, push_time)]`` of a repository, or of one artifact in it."""
        with self._lock:
            return sorted((name, pushed) for (repo, name), (target, pushed) in self._tags.items()
                          if repo == repository and digest in (None, target))

    def touch(self, repository, digest):
        """Pull-time bookkeeping of a local GET."""
        with self._lock:
            row = self._artifacts.get((repository, digest))
            if row is not None:
                row.pull_time = time.time()

    # -- accessories (accessories.py) ----------------------------------------------------------------------------

    def add_accessory(self, artifact_id, repository, subject_digest, kind, digest, size):  # pylint: disable=too-many-arguments
        """Record an accessory of ``subject_digest``; a second row for the same (artifact, subject) is ignored."""
        with self._lock:
            if any(row.artifact_id == artifact_id and row.subject_digest == subject_digest for row in self._accessories):
                return
            subject = self._artifacts.get((repository, subject_digest))
            self._accessories.append(Accessory(next(self._ids), artifact_id, repository, subject_digest,
                                               subject.artifact_id if subject else 0, kind, digest, size, time.time()))

    def backfill_accessories(self, repository, digest, artifact_id):
        """The rows waiting for ``digest`` in ``repository`` get its artifact id (subject.go, on every PUT)."""
        with self._lock:
            for row in self._accessories:
                if row.subject_repository == repository and row.subject_digest == digest and not row.subject_id:
                    row.subject_id = artifact_id

    def accessories_of(self, repository, subject_digest=None, subject_id=None):
        """Rows of a subject, by its digest (the referrers API) or by its artifact id (``with_accessory``)."""
        with self._lock:
            return [dataclasses.replace(row) for row in self._accessories if row.subject_repository == repository
                    and (subject_digest is None or row.subject_digest == subject_digest)
                    and (subject_id is None or row.subject_id == subject_id)]

    # -- blobs, redis, in-flight ---------------------------------------------------------------------------------

    def add_blob(self, digest):
        """The global blob row, made after the registry accepted an upload."""
        with self._lock:
            self._blobs.add(digest)

    def blob_known(self, digest):
        """A blob row exists, in any project."""
        with self._lock:
            return digest in self._blobs

    def cache_list(self, repository, digest, payload, content_type, ttl):
        """``cache:manifestlist:<repo>:<digest>`` and its ``:contenttype``."""
        with self._lock:
            self._list_cache[(repository, digest)] = (payload, content_type, time.time() + ttl)

    def cached_list(self, repository, digest):
        """(payload, content type) while the list cache entry lives, else None."""
        with self._lock:
            entry = self._list_cache.get((repository, digest))
            if entry is None or entry[2] < time.time():
                return None
            return entry[:2]

    def set_trimmed(self, request_digest, trimmed_digest):
        """``cache:trimmedmanifestlist:<request digest>``; a GET by tag writes the key with an empty suffix."""
        with self._lock:
            self._trimmed[request_digest] = trimmed_digest

    def trimmed(self, digest):
        """The trimmed digest recorded for ``digest``, or None."""
        with self._lock:
            return self._trimmed.get(digest)

    def begin(self, key):
        """Enter the in-flight set; False when ``key`` is already there (the caller then returns success at once)."""
        with self._lock:
            if key in self._inflight:
                return False
            self._inflight.add(key)
            return True

    def end(self, key):
        """Leave the in-flight set."""
        with self._lock:
            self._inflight.discard(key)

    # -- observation ---------------------------------------------------------------------------------------------

    def state(self, linked_blobs):
        """The JSON of ``GET <control_url>/harbor/state``; ``linked_blobs`` is {repo: [digest]} read from the registry."""
        with self._lock:
            repositories = {}
            for (repo, digest), row in sorted(self._artifacts.items()):
                entry = repositories.setdefault(repo, {'artifacts': [], 'tags': {}, 'blobs': []})
                entry['artifacts'].append({
                    'digest': digest, 'media_type': row.media_type, 'size': row.size, 'push_time': timestamp(row.push_time),
                    'references': [child['child_digest'] for child in row.references],
                    'tags': sorted(name for (r, name), (target, _t) in self._tags.items() if r == repo and target == digest)})
            for (repo, name), (target, _pushed) in sorted(self._tags.items()):
                repositories.setdefault(repo, {'artifacts': [], 'tags': {}, 'blobs': []})['tags'][name] = target
            for repo, digests in linked_blobs.items():
                repositories.setdefault(repo, {'artifacts': [], 'tags': {}, 'blobs': []})['blobs'] = sorted(digests)
            now = time.time()
            return {'repositories': repositories, 'blob_rows': sorted(self._blobs),
                    'list_cache': sorted(f'{repo}:{digest}' for (repo, digest), entry in self._list_cache.items() if entry[2] >= now),
                    'trimmed': dict(sorted(self._trimmed.items())), 'inflight': sorted(self._inflight)}
