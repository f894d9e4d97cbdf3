# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Builds real images (layers, configs with matching diff_ids, manifests, indexes) and pushes them upstream.

Reusable for benchmarks: a layer spec is built once per builder; later uses mount it across repositories.
"""

import json

from . import layers, model
from .pusher import Pusher, sha256_digest

_CREATED = '2024-01-01T00:00:00Z'


def _dump(doc):
    return json.dumps(doc, indent=2).encode()


class ImageBuilder:
    """Pushes images into one registry; remembers every layer it pushed and where."""

    def __init__(self, base_url, session=None):
        self.pusher = Pusher(base_url, session)
        self._layers = {}    # LayerSpec -> layers.Layer
        self._homes = {}     # digest -> set of repositories holding it

    @staticmethod
    def layer(label, payload_bytes=0, seed='stand'):
        """A layer spec to pass as ``base_layers`` to several images (same spec, same blob)."""
        return layers.LayerSpec(label, payload_bytes, seed)

    def ensure_layer(self, repo, spec):
        """Make ``spec`` available in ``repo``: build and stream it the first time, mount it afterwards."""
        layer = self._layers.get(spec)
        if layer is None:
            layer = self.pusher.push_stream(repo, layers.LayerStream(spec))
            self._layers[spec] = layer
        else:
            homes = self._homes.get(layer.digest, set())
            if repo not in homes and not any(self.pusher.mount(repo, layer.digest, home) for home in sorted(homes)[:1]):
                self.pusher.push_stream(repo, layers.LayerStream(spec))
        self._homes.setdefault(layer.digest, set()).add(repo)
        return layer

    def _push_blob(self, repo, data, media_type):
        return model.BlobRef(self.pusher.push_bytes(repo, data), len(data), media_type)

    def _push_manifest(self, repo, doc, media_type, platform, tag=None):
        data = _dump(doc)
        digest = self.pusher.push_manifest(repo, tag or sha256_digest(data), data, media_type)
        config = model.BlobRef(doc['config']['digest'], doc['config']['size'], doc['config']['mediaType'])
        blobs = tuple(model.BlobRef(d['digest'], d['size'], d['mediaType']) for d in doc['layers'])
        return model.PlatformImage(str(platform), digest, media_type, len(data), config, blobs)

    def _image_manifest(self, repo, platform, specs, fmt, omit_media_type, tag):
        _index_type, manifest_type, config_type, layer_type = model.FORMATS[fmt]
        built = [self.ensure_layer(repo, spec) for spec in specs]
        config = dict(platform.as_json(), created=_CREATED,
                      config={'Env': ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], 'Cmd': ['/bin/sh'],
                              'Labels': {'org.opencontainers.image.title': repo}},
                      rootfs={'type': 'layers', 'diff_ids': [layer.diff_id for layer in built]},
                      history=[{'created': _CREATED, 'created_by': f'stand layer {spec.label}'} for spec in specs])
        config_ref = self._push_blob(repo, _dump(config), config_type)
        doc = {'schemaVersion': 2, 'mediaType': manifest_type,
               'config': {'mediaType': config_type, 'digest': config_ref.digest, 'size': config_ref.size},
               'layers': [{'mediaType': layer_type, 'digest': layer.digest, 'size': layer.size} for layer in built]}
        if omit_media_type:
            del doc['mediaType']
        return self._push_manifest(repo, doc, manifest_type, platform, tag)

    def _attestation(self, repo, subject):
        """A buildx-style attestation manifest (in-toto statement about ``subject``)."""
        statement = _dump({'_type': 'https://in-toto.io/Statement/v0.1', 'predicateType': 'https://slsa.dev/provenance/v0.2',
                           'subject': [{'name': repo, 'digest': {'sha256': subject.digest.split(':', 1)[1]}}],
                           'predicate': {'builder': {'id': 'prewarm-stand'}}})
        layer = self._push_blob(repo, statement, model.IN_TOTO)
        config = self._push_blob(repo, _dump({'architecture': 'unknown', 'os': 'unknown', 'config': {},
                                              'rootfs': {'type': 'layers', 'diff_ids': [layer.digest]}}), model.OCI_CONFIG)
        doc = {'schemaVersion': 2, 'mediaType': model.OCI_MANIFEST,
               'config': {'mediaType': config.media_type, 'digest': config.digest, 'size': config.size},
               'layers': [{'mediaType': layer.media_type, 'digest': layer.digest, 'size': layer.size,
                           'annotations': {'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2'}}]}
        return self._push_manifest(repo, doc, model.OCI_MANIFEST, 'unknown/unknown')

    def push_image(self, repo, tag, platforms=('linux/amd64',), fmt='oci', base_layers=(), layer_bytes=4096, own_layers=1,
                   index=None, attestations=False, omit_media_type=False):
        """Push ``repo:tag`` and return its SeededImage.

        Each platform gets ``base_layers`` (LayerSpecs, shared) plus ``own_layers`` distinct layers of
        ``layer_bytes`` pseudo-random bytes. ``fmt`` is ``oci`` or ``docker``. Several platforms (or ``index=True``)
        give an OCI index / Docker manifest list; ``attestations`` adds buildx-style attestation entries (OCI only).
        """
        if fmt not in model.FORMATS:
            raise ValueError(f'fmt must be one of {sorted(model.FORMATS)}')
        if attestations and fmt != 'oci':
            raise ValueError('attestation manifests need fmt=oci')
        single = not (index or len(platforms) > 1)
        children = []
        for name in platforms:
            platform = model.Platform.parse(name)
            own = [layers.LayerSpec(f'{repo}-{tag}-{platform}-{i}'.replace('/', '-'), layer_bytes, repo)
                   for i in range(own_layers)]
            children.append(self._image_manifest(repo, platform, list(base_layers) + own, fmt, omit_media_type, tag if single else None))
        if single:
            only = children[0]
            return model.SeededImage(repo, tag, only.digest, only.media_type, only.size, (only,))
        proofs = tuple(self._attestation(repo, child) for child in children) if attestations else ()
        index_type = model.FORMATS[fmt][0]
        entries = [{'mediaType': c.media_type, 'digest': c.digest, 'size': c.size,
                    'platform': model.Platform.parse(c.platform).as_json()} for c in children]
        entries += [{'mediaType': p.media_type, 'digest': p.digest, 'size': p.size,
                     'platform': {'architecture': 'unknown', 'os': 'unknown'},
                     'annotations': {'vnd.docker.reference.digest': c.digest, 'vnd.docker.reference.type': 'attestation-manifest'}}
                    for p, c in zip(proofs, children)]
        data = _dump({'schemaVersion': 2, 'mediaType': index_type, 'manifests': entries})
        digest = self.pusher.push_manifest(repo, tag, data, index_type)
        return model.SeededImage(repo, tag, digest, index_type, len(data), tuple(children), proofs)

    def push_fleet(self, count, total_bytes, prefix='bench/app', platforms=('linux/amd64',), bases=3, shared_fraction=0.5, fmt='oci'):
        """Push ``count`` images ``<prefix>-NNN:1.0`` of about ``total_bytes`` in all; return their SeededImages.

        ``bases`` base layers hold ``shared_fraction`` of the bytes (image n uses base n % bases); the rest is
        split into one own layer per image and platform.
        """
        shared = shared_fraction if bases else 0.0
        base_specs = [self.layer(f'fleet-base-{i}', int(total_bytes * shared / bases), prefix) for i in range(bases)]
        own_bytes = int(total_bytes * (1 - shared) / (count * len(platforms)))
        return [self.push_image(f'{prefix}-{n:03d}', '1.0', platforms=platforms, fmt=fmt, layer_bytes=own_bytes,
                                base_layers=(base_specs[n % bases],) if bases else ())
                for n in range(count)]
