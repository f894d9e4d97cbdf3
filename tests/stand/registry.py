# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``docker-registry`` (CNCF distribution 2.8) instances: configuration and process.

No ``cache:`` section anywhere, so a registry never answers from a stale in-memory descriptor (the stand wipes
storage trees under running tests). Upload purging is off, so nothing rewrites a storage tree behind a test's back.
"""

import dataclasses
import os
import secrets
import shutil

import yaml

from . import process, tokens

REGISTRY_BINARY = 'docker-registry'


@dataclasses.dataclass(frozen=True)
class TokenAuth:
    """``auth: token`` settings shared by all token-checking registries."""

    realm: str
    rootcertbundle: str


def render_config(port, root, auth=None, remote_url=None, tls=None, htpasswd=None):  # pylint: disable=too-many-arguments
    """Return the YAML configuration of one registry: ``auth`` a TokenAuth, ``tls`` (certificate, key) paths,
    ``htpasswd`` the path of a bcrypt htpasswd file (Basic authentication)."""
    config = {
        'version': 0.1,
        'log': {'level': 'info', 'formatter': 'text', 'accesslog': {'disabled': False}},
        'storage': {
            'filesystem': {'rootdirectory': root},
            'delete': {'enabled': True},
            'maintenance': {'uploadpurging': {'enabled': False}},
        },
        'http': {'addr': f'127.0.0.1:{port}', 'secret': secrets.token_hex(16), 'headers': {'X-Content-Type-Options': ['nosniff']}},
        'health': {'storagedriver': {'enabled': False}},
    }
    if auth is not None:
        config['auth'] = {'token': {'realm': auth.realm, 'service': tokens.SERVICE, 'issuer': tokens.ISSUER,
                                    'rootcertbundle': auth.rootcertbundle}}
    if remote_url is not None:
        config['proxy'] = {'remoteurl': remote_url}
    if tls is not None:
        config['http']['tls'] = {'certificate': tls[0], 'key': tls[1]}
    if htpasswd is not None:
        config['auth'] = {'htpasswd': {'realm': 'registry', 'path': htpasswd}}
    return yaml.safe_dump(config, sort_keys=False)


def binary():
    """Path of docker-registry, or a StandError saying it is missing."""
    path = shutil.which(REGISTRY_BINARY)
    if path is None:
        raise process.StandError('docker-registry not found (apt-get install docker-registry)')
    return path


def registry_process(name, workdir, root, ca_path=None, **config):
    """Write ``<workdir>/<name>.yml`` and return the (not yet started) registry process on a free port; with
    ``tls`` in ``config`` it serves HTTPS and is checked with ``ca_path``."""
    port = process.free_port()
    os.makedirs(root, exist_ok=True)
    config_path = os.path.join(workdir, f'{name}.yml')
    with open(config_path, 'w', encoding='utf-8') as handle:
        handle.write(render_config(port, root, **config))
    scheme = 'https' if config.get('tls') else 'http'
    return process.ManagedProcess(name, [binary(), 'serve', config_path], os.path.join(workdir, 'logs', f'{name}.log'),
                                  f'{scheme}://127.0.0.1:{port}/v2/', port, verify=ca_path or True)
