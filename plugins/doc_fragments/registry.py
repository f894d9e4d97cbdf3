# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How a plugin of this collection reaches a registry: credentials, TLS, timeouts and retries."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r'''
options:
  username:
    description:
      - User for the cache, for example a Harbor robot account V(robot$pull). Falls back to the environment variables
        E(HARBOR_USERNAME), then E(hUSER).
    type: str
  password:
    description:
      - Password or robot secret. Falls back to E(HARBOR_PASSWORD), then E(hPW). Never logged or returned.
    type: str
  auth_file:
    description:
      - A Docker C(config.json) or containers C(auth.json) to take credentials from when no O(username) is given.
      - Defaults to E(REGISTRY_AUTH_FILE), else C($DOCKER_CONFIG/config.json), else C(~/.docker/config.json), when it exists.
      - Entries are matched by host. Docker Hub's entry (C(https://index.docker.io/v1/) from C(docker login),
        C(docker.io) from podman) serves all its names, C(registry-1.docker.io) included, unless that name has its own.
      - Without any credentials pulls are anonymous (a public Harbor project).
    type: path
  allow_plain_http_credentials:
    description:
      - Send credentials over plain C(http://) to a host that is not a loopback address. Off by default, because
        anyone on the path could read them.
    type: bool
    default: false
  validate_certs:
    description: Verify the cache's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: A PEM file of CA certificates to verify the cache with, instead of the system's.
    type: path
  timeout:
    description: Seconds to wait to connect and between bytes read.
    type: int
    default: 60
  retries:
    description:
      - Retries of a request on 429, 5xx, a broken connection, a body cut short or a digest mismatch, with a backoff
        that honours C(Retry-After).
    type: int
    default: 3
'''
