# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Signatures in cosign's and OCI 1.1's public formats, made with the stand's own ECDSA P-256 key, and checked.

Three kinds, as verifiers at admission fetch them (../shared/HARBOR.md 12):

* ``sig``: cosign's tag scheme, ``sha256-<hex>.sig``: an OCI manifest whose one layer
  (``application/vnd.dev.cosign.simplesigning.v1+json``) is the simple-signing payload naming the identity and the
  signed ``docker-manifest-digest``; the layer's annotation ``dev.cosignproject.cosign/signature`` holds the base64
  ASN.1 ECDSA signature of that payload (SHA-256).
* ``att``: ``sha256-<hex>.att``: a layer ``application/vnd.dsse.envelope.v1+json`` holding a DSSE envelope of an
  in-toto statement about the digest, signed over DSSE's pre-authentication encoding.
* ``referrer``: an OCI 1.1 manifest with ``artifactType`` and ``subject`` (cosign v3's sigstore bundle, or a
  Notation signature's type), its one layer a DSSE envelope as above. Debian's distribution 2.8 has no referrers
  API, so the referrer is also listed in the fallback tag ``sha256-<hex>`` (an OCI index), as OCI 1.1 asks of a
  client pushing to such a registry.

The verifier reads only the public formats: a test proves a copied signature still verifies, and that its signed
digest is the one Harbor serves.
"""

import base64
import dataclasses
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from . import model
from .pusher import sha256_digest

SIMPLE_SIGNING = 'application/vnd.dev.cosign.simplesigning.v1+json'
SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature'
DSSE = 'application/vnd.dsse.envelope.v1+json'
BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json'
NOTATION = 'application/vnd.cncf.notary.signature'
EMPTY = 'application/vnd.oci.empty.v1+json'
EMPTY_BYTES = b'{}'
SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1'
PROVENANCE = 'https://slsa.dev/provenance/v0.2'
_ZERO_TIME = '0001-01-01T00:00:00Z'


def _dump(doc):
    return json.dumps(doc, separators=(',', ':')).encode()


def tag_of(digest, suffix=''):
    """cosign's tag for ``digest`` (``sha256:ab..`` -> ``sha256-ab...sig``); no suffix: OCI 1.1's fallback tag."""
    algorithm, _sep, hexdigest = digest.partition(':')
    return f'{algorithm}-{hexdigest}' + (f'.{suffix}' if suffix else '')


@dataclasses.dataclass(frozen=True)
class Signature:
    """One pushed signature manifest: ``kind`` sig, att or referrer; what it signs (``subject``, a manifest digest);
    where it is (``tag`` for the tag scheme, else None: a referrer is found by digest); its blobs."""

    kind: str
    subject: str
    digest: str
    media_type: str
    size: int
    tag: str | None
    artifact_type: str | None
    blobs: tuple  # model.BlobRef, config first

    def descriptor(self):
        """As an OCI index lists it (the referrers API and the fallback tag)."""
        entry = {'mediaType': self.media_type, 'digest': self.digest, 'size': self.size}
        if self.artifact_type:
            entry['artifactType'] = self.artifact_type
        return entry


class Signer:
    """The stand's signing key (ECDSA P-256, made at start) and the pushes of each kind of signature."""

    def __init__(self, pusher, identity_host):
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._pusher = pusher
        self._identity_host = identity_host
        self._fallback = {}  # (repo, subject digest) -> [Signature]: the referrers listed under the fallback tag

    @property
    def public_pem(self):
        return self._key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def _sign(self, data):
        return base64.b64encode(self._key.sign(data, ec.ECDSA(hashes.SHA256()))).decode('ascii')

    def simple_signing(self, repo, digest):
        """cosign's payload for ``digest`` of ``repo`` (the identity is the upstream name, as cosign signs it)."""
        return _dump({'critical': {'identity': {'docker-reference': f'{self._identity_host}/{repo}'},
                                   'image': {'docker-manifest-digest': digest}, 'type': 'cosign container image signature'},
                      'optional': None})

    def envelope(self, repo, digest, predicate_type):
        """A DSSE envelope of an in-toto statement about ``digest``, signed over the pre-authentication encoding."""
        statement = _dump({'_type': 'https://in-toto.io/Statement/v0.1', 'predicateType': predicate_type,
                           'subject': [{'name': f'{self._identity_host}/{repo}', 'digest': {'sha256': digest.partition(':')[2]}}],
                           'predicate': {'builder': {'id': 'prewarm-stand'}}})
        return _dump({'payloadType': model.IN_TOTO, 'payload': base64.b64encode(statement).decode('ascii'),
                      'signatures': [{'keyid': '', 'sig': self._sign(pae(model.IN_TOTO, statement))}]})

    # -- pushes ------------------------------------------------------------------------------------------------

    def sign(self, repo, subject):
        """cosign's ``.sig`` of ``subject`` (a manifest digest in ``repo``)."""
        payload = self.simple_signing(repo, subject)
        layer = {'mediaType': SIMPLE_SIGNING, 'annotations': {SIGNATURE_ANNOTATION: self._sign(payload)}}
        return self._push_tagged(repo, subject, 'sig', payload, layer)

    def attest(self, repo, subject):
        """cosign's ``.att`` of ``subject``: a DSSE envelope of an in-toto provenance statement."""
        layer = {'mediaType': DSSE, 'annotations': {SIGNATURE_ANNOTATION: '', 'predicateType': PROVENANCE}}
        return self._push_tagged(repo, subject, 'att', self.envelope(repo, subject, PROVENANCE), layer)

    def refer(self, repo, subject, subject_media_type, subject_size, artifact_type=BUNDLE):
        """An OCI 1.1 referrer of ``subject`` (``artifact_type``: cosign v3's bundle, or Notation's signature type),
        also listed under the fallback tag ``sha256-<hex>``."""
        content = self.envelope(repo, subject, SIGN_PREDICATE)
        empty = self._blob(repo, EMPTY_BYTES, EMPTY)
        layer = self._blob(repo, content, DSSE if artifact_type == BUNDLE else 'application/jose+json')
        doc = {'schemaVersion': 2, 'mediaType': model.OCI_MANIFEST, 'artifactType': artifact_type,
               'config': {'mediaType': EMPTY, 'digest': empty.digest, 'size': empty.size},
               'layers': [{'mediaType': layer.media_type, 'digest': layer.digest, 'size': layer.size}],
               'subject': {'mediaType': subject_media_type, 'digest': subject, 'size': subject_size},
               'annotations': {'org.opencontainers.image.created': '2024-01-01T00:00:00Z'}}
        data = _dump(doc)
        digest = self._pusher.push_manifest(repo, sha256_digest(data), data, model.OCI_MANIFEST)
        made = Signature('referrer', subject, digest, model.OCI_MANIFEST, len(data), None, artifact_type, (empty, layer))
        listed = self._fallback.setdefault((repo, subject), [])
        listed.append(made)
        index = _dump({'schemaVersion': 2, 'mediaType': model.OCI_INDEX, 'manifests': [s.descriptor() for s in listed]})
        self._pusher.push_manifest(repo, tag_of(subject), index, model.OCI_INDEX)
        return made

    def _blob(self, repo, data, media_type):
        return model.BlobRef(self._pusher.push_bytes(repo, data), len(data), media_type)

    def _push_tagged(self, repo, subject, suffix, content, layer):  # pylint: disable=too-many-arguments
        blob = self._blob(repo, content, layer['mediaType'])
        config = self._blob(repo, _dump({'architecture': '', 'created': _ZERO_TIME, 'history': [{'created': _ZERO_TIME}], 'os': '',
                                         'rootfs': {'type': 'layers', 'diff_ids': [blob.digest]}, 'config': {}}), model.OCI_CONFIG)
        doc = {'schemaVersion': 2, 'mediaType': model.OCI_MANIFEST,
               'config': {'mediaType': config.media_type, 'digest': config.digest, 'size': config.size},
               'layers': [dict(layer, digest=blob.digest, size=blob.size)]}
        data = _dump(doc)
        tag = tag_of(subject, suffix)
        digest = self._pusher.push_manifest(repo, tag, data, model.OCI_MANIFEST)
        return Signature(suffix, subject, digest, model.OCI_MANIFEST, len(data), tag, None, (config, blob))


def pae(payload_type, payload):
    """DSSE's pre-authentication encoding: what a DSSE signature signs."""
    kind = payload_type.encode()
    return b'DSSEv1 %d %s %d %s' % (len(kind), kind, len(payload), payload)


class Verdict:
    """What a verifier concludes from a signature it was served: ``verified`` (the signature is good for the key),
    and ``digest``, the manifest digest the signature vouches for (compare with what the registry serves)."""

    def __init__(self, verified, digest):
        self.verified = verified
        self.digest = digest

    def __repr__(self):
        return f'Verdict(verified={self.verified}, digest={self.digest})'


def verify(public_pem, manifest, blob):
    """Verify a served signature manifest (parsed JSON) with its one layer's bytes ``blob``, as cosign would with a
    key: a simple-signing layer's annotation over the payload, or a DSSE envelope's signature over its statement."""
    key = serialization.load_pem_public_key(public_pem)
    layer = manifest['layers'][0]
    try:
        if layer['mediaType'] == SIMPLE_SIGNING:
            key.verify(base64.b64decode(layer['annotations'][SIGNATURE_ANNOTATION]), blob, ec.ECDSA(hashes.SHA256()))
            return Verdict(True, json.loads(blob)['critical']['image']['docker-manifest-digest'])
        envelope = json.loads(blob)
        statement = base64.b64decode(envelope['payload'])
        key.verify(base64.b64decode(envelope['signatures'][0]['sig']), pae(envelope['payloadType'], statement),
                   ec.ECDSA(hashes.SHA256()))
        return Verdict(True, 'sha256:' + json.loads(statement)['subject'][0]['digest']['sha256'])
    except (InvalidSignature, KeyError, IndexError, ValueError):
        return Verdict(False, None)
