# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accessories (signatures, attestations, referrers) as core records them on a manifest PUT, and the referrers API.

From Harbor's source at v2.14.0 (../shared/HARBOR.md 12; checked against v2.15.0 and v2.15.1):

* ``middleware/cosign/cosign.go:SignatureMiddleware``, on a 201 PUT **by tag** whose path matches
  ``sha256-<64 hex>.sig`` (the dot unescaped) and whose config or a layer is
  ``application/vnd.dev.cosign.simplesigning.v1+json``: a ``signature.cosign`` row for subject ``sha256:<hex>`` in
  the same repository, its subject id 0 while that artifact is not there; a duplicate is ignored.
* ``middleware/subject/subject.go``, on every 201 PUT of a manifest with a ``subject``: a row typed by
  ``artifactType``, else the config's media type (``TYPES``; v2.15.0+ also the sigstore bundle as
  ``signature.cosign``); then, on every 201 PUT, rows waiting for this digest in this repository get their subject id.
* ``registry/referrers.go``: every row of the subject digest and repository, any type, from the database alone
  (never upstream, for proxy projects too), 200 with an OCI index even when empty; ``artifactType`` filters.
* The artifacts API's ``with_accessory``: the rows whose subject id is the artifact's.

A proxy store's PUTs go through core's chain, so they are recorded like pushes (``local.go:PushManifest``).
"""

import json
import re

COSIGN_SIG_TAG = re.compile(r'^sha256-[a-f0-9]{64}.sig$')  # as cosign.go's pattern, whose '.' is not escaped
SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json'
SIGSTORE_BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json'
IMAGE_CONFIGS = ('application/vnd.oci.image.config.v1+json', 'application/vnd.docker.container.image.v1+json')
TYPES = {'application/vnd.cncf.notary.signature': 'signature.notation',
         'application/vnd.dev.cosign.artifact.sig.v1+json': 'signature.cosign',
         'application/vnd.goharbor.harbor.sbom.v1': 'sbom.harbor'}
# src/lib/icon/const.go (v2.14.0): DigestOfIconAcc*; a subject.accessory has none.
ICONS = {'signature.cosign': 'sha256:20401d5b3a0f6dbc607c8d732eb08471af4ae6b19811a4efce8c6a724aed2882',
         'signature.notation': 'sha256:3ac706e102bbe9362b400aa162df58135d35e66b9c3bee2165de92022d25fe34',
         'accelerator.nydus': 'sha256:dfcb6617cd9c144358dc1b305b87bbe34f0b619f1e329116e6aee2e41f2e34cf',
         'sbom.harbor': 'sha256:c19f80c357cd7e90d2a01b9ae3e2eb62ce447a2662bb590a19177d72d550bdae'}
OCI_INDEX = 'application/vnd.oci.image.index.v1+json'


def _document(payload):
    try:
        document = json.loads(payload)
    except (TypeError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _size(document, payload):
    """The artifact's size as Harbor's abstractor counts it: the manifest, its config and its layers."""
    blobs = [document.get('config') or {}] + list(document.get('layers') or [])
    return len(payload) + sum(int(blob.get('size') or 0) for blob in blobs if isinstance(blob, dict))


def _artifact_type(document):
    """A manifest's ``artifactType``, else its config's media type (subject.go and referrers.go alike)."""
    return document.get('artifactType') or (document.get('config') or {}).get('mediaType') or ''


def subject_type(document, bundle_is_cosign):
    """subject.go's type for a manifest with a subject."""
    kind = _artifact_type(document)
    if kind == SIGSTORE_BUNDLE and bundle_is_cosign:
        return 'signature.cosign'
    return TYPES.get(kind, 'subject.accessory')


def record(database, repository, digest, tag, payload, bundle_is_cosign):  # pylint: disable=too-many-arguments
    """What the cosign and subject middlewares record after a 201 PUT of ``digest`` (by ``tag``, or by digest)."""
    document = _document(payload)
    artifact = database.artifact(repository, digest)
    if artifact is None:
        return
    references = [document.get('config') or {}] + list(document.get('layers') or [])
    size = _size(document, payload)
    if tag and COSIGN_SIG_TAG.match(tag) and any(isinstance(r, dict) and r.get('mediaType') == SIMPLE_SIGNING for r in references):
        database.add_accessory(artifact.artifact_id, repository, 'sha256:' + tag[7:71], 'signature.cosign', digest, size)
    subject = document.get('subject')
    if isinstance(subject, dict) and subject.get('digest'):
        database.add_accessory(artifact.artifact_id, repository, subject['digest'], subject_type(document, bundle_is_cosign), digest, size)
    database.backfill_accessories(repository, digest, artifact.artifact_id)


def referrers_index(entries, artifact_type=None):
    """referrers.go's answer: (headers, body) for ``entries`` [(row, manifest bytes)], filtered by ``artifact_type``."""
    listed = []
    for _row, payload in entries:
        document = _document(payload)
        kind = _artifact_type(document)
        if artifact_type and kind != artifact_type:
            continue
        entry = {'mediaType': document.get('mediaType') or '', 'digest': _row.digest, 'size': len(payload)}
        if document.get('annotations'):
            entry['annotations'] = document['annotations']
        if kind:
            entry['artifactType'] = kind
        listed.append(entry)
    body = json.dumps({'schemaVersion': 2, 'mediaType': OCI_INDEX, 'manifests': listed}).encode() + b'\n'
    headers = [('Content-Type', OCI_INDEX), ('X-Total-Count', str(len(entries)))]
    if artifact_type:
        headers.append(('OCI-Filters-Applied', 'artifactType'))
    return headers, body
