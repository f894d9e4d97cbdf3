# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor core as the proxy's stores meet it (11.1), and the artifact deletion retention makes (11.7).

Every store is a manifest PUT into core's own /v2 (``local.go:PushManifest``). Core's ``putManifest`` passes the tag
to ``artifact.Ctl.Ensure`` only for a PUT by tag; Ensure creates the row, attaches the tag and queues PUSH_ARTIFACT
with that tag (or none). Which PUTs a store makes, and whether an existing artifact fires, depend on the release:

=========  ===========================================  ======================  ==========================
version    single manifest (11.1 step 3)                index                   event for an existing row
=========  ===========================================  ======================  ==========================
``2.14``   by digest, then by tag (a GET by tag)         by the trimmed digest   no (v2.13.0+, #21726)
``2.15.0`` as ``2.14``                                   as ``2.14``             no
``2.13``   by digest only                                by the trimmed digest   no
``2.9.1``  by the requested reference                    by the requested tag    yes (<= v2.11.0)
=========  ===========================================  ======================  ==========================

The emulator stores the manifest in L once, by digest; the PUTs are what the database and the events see.
``2.15.0`` stands for v2.14.0 - v2.14.4 and v2.15.0, which also delete a tag's artifact when upstream answers 404 to
a manifest request by that tag (10.1 item 10, goharbor/harbor#22175).
EnsureTag (3.2) attaches tags without any event.
"""

import dataclasses
import threading

from . import accessories
from . import events as artifact_events
from .config import VERSIONS


@dataclasses.dataclass(frozen=True)
class Rules:
    """What one release does (see the table above)."""

    image_puts: tuple
    index_by_tag: bool
    fire_existing: bool
    harbor_version: str  # systeminfo's; '' keeps the settings' (HEAD)
    deletes_on_not_found: bool = False  # goharbor/harbor#22175
    bundle_is_cosign: bool = True  # subject.go types a sigstore bundle signature.cosign (v2.15.0+)


RULES = {
    '2.14': Rules(('digest', 'tag'), False, False, ''),
    '2.15.0': Rules(('digest', 'tag'), False, False, 'v2.15.0-e2b5ce92', deletes_on_not_found=True),
    '2.13': Rules(('digest',), False, False, 'v2.13.3-d06ceb25', bundle_is_cosign=False),
    '2.9.1': Rules(('reference',), True, True, 'v2.9.1-5cbb1b01', bundle_is_cosign=False),
}
assert tuple(RULES) == VERSIONS


def _tag(reference):
    return '' if ':' in reference else reference


class Core:
    """The PUT of a proxy store and the artifact deletion, with the release's rules; ``events`` gets the events."""

    def __init__(self, settings, database, events):
        self.settings = settings
        self.db = database
        self.events = events
        self._lock = threading.Lock()
        self._version = ''
        self.set_version(settings.version)

    def set_version(self, version):
        """Follow another release's rules from now on."""
        if version not in RULES:
            raise ValueError(f'version must be one of {", ".join(VERSIONS)}')
        with self._lock:
            self._version = version

    @property
    def version(self):
        """One of VERSIONS."""
        with self._lock:
            return self._version

    @property
    def harbor_version(self):
        """What systeminfo reports."""
        return RULES[self.version].harbor_version or self.settings.harbor_version

    def image_tags(self, reference):
        """The tag of each PUT a single manifest's store makes ('' for a PUT by digest), in order."""
        tag, puts = _tag(reference), []
        for kind in RULES[self.version].image_puts:
            if kind == 'digest':
                puts.append('')
            elif kind == 'tag' and tag:
                puts.append(tag)
            elif kind == 'reference':
                puts.append(tag)
        return puts

    @property
    def deletes_on_not_found(self):
        """Whether a manifest request by tag that upstream answers 404 deletes the tag's local artifact (#22175)."""
        return RULES[self.version].deletes_on_not_found

    def index_tag(self, reference):
        """The tag of the trimmed index's PUT: the requested tag up to v2.9.1 (by tag), else ''."""
        return _tag(reference) if RULES[self.version].index_by_tag else ''

    def put(self, repository, digest, tag, row, payload=b''):  # pylint: disable=too-many-arguments
        """``putManifest`` + ``artifact.Ctl.Ensure`` (11.1 steps 1-2); ``row`` holds the artifact's columns; then the
        cosign and subject middlewares on the manifest's ``payload`` (accessories.py)."""
        created = self.db.add_artifact(repository, digest, **row)
        if tag:
            self.db.set_tag(repository, tag, digest)
        accessories.record(self.db, repository, digest, tag, payload, RULES[self.version].bundle_is_cosign)
        if created or RULES[self.version].fire_existing:
            self.events.publish(artifact_events.PUSH, repository, digest, [tag] if tag else [])
        return created

    def delete(self, repository, reference):
        """``DELETE /api/v2.0/projects/.../artifacts/{ref}`` as retention makes it (11.7): (status, message). Fires
        DELETE_ARTIFACT with the tags the artifact had (only for the root, as ``deleteDeeply`` does)."""
        artifact = self.db.artifact(repository, reference)
        if artifact is None:
            return 404, f'artifact {repository}:{reference} not found'
        tags = self.db.delete_artifact(repository, artifact.digest)
        if tags is None:
            return 412, 'the deleting artifact is referenced by others'
        self.events.publish(artifact_events.DELETE, repository, artifact.digest, tags)
        return 200, {'digest': artifact.digest, 'tags': tags}
