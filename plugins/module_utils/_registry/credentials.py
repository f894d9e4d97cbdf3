# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Private to this collection: no compatibility promise for other collections.
"""Which credentials go to which registry: explicit ones everywhere, else the auth file's, per host.

The auth file is a Docker ``config.json`` or a containers ``auth.json``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from typing import Any

from urllib.parse import urlsplit

from ansible_collections.prewarm.harbor.plugins.module_utils._registry.auth import AuthError
from ansible_collections.prewarm.harbor.plugins.module_utils._errors import OptionError


class CredentialsError(OptionError):
    """Credentials given in a way that cannot work; the message says how to fix it."""


class Credentials:
    """A username and password; the password never appears in repr or messages."""

    __slots__ = ('username', 'password')

    def __init__(self, username: str, password: str) -> None:
        self.username = username
        self.password = password

    def basic(self) -> str:
        raw = ('%s:%s' % (self.username, self.password)).encode('utf-8')
        return 'Basic ' + base64.b64encode(raw).decode('ascii')

    def __repr__(self) -> str:
        return 'Credentials(%r, ***)' % self.username

    def __bool__(self) -> bool:
        return bool(self.username)


# Docker Hub's names: docker login writes https://index.docker.io/v1/, podman and skopeo docker.io, and the registry
# API answers at registry-1.docker.io (where a rule's replacement_upstream names it).
DOCKER_HUB = ('registry-1.docker.io', 'index.docker.io', 'docker.io')


def default_auth_file(environ: Mapping[str, str] | None = None) -> str:
    """Where skopeo/podman and docker look: REGISTRY_AUTH_FILE, $DOCKER_CONFIG, ~/.docker."""
    environ = os.environ if environ is None else environ
    if environ.get('REGISTRY_AUTH_FILE'):
        return environ['REGISTRY_AUTH_FILE']
    if environ.get('DOCKER_CONFIG'):
        return os.path.join(environ['DOCKER_CONFIG'], 'config.json')
    return os.path.expanduser('~/.docker/config.json')


def read_auths(path: str, explicit: bool = True) -> dict[str, Any]:
    """The ``auths`` mapping of the auth file at ``path``; {} for a missing file the user did not name (``explicit``)."""
    try:
        with open(path, 'rb') as handle:
            document = json.loads(handle.read().decode('utf-8'))
    except OSError as exc:
        if not explicit:
            return {}
        raise CredentialsError('cannot read auth_file %s: %s' % (path, exc.strerror or exc)) from exc
    except ValueError as exc:
        raise CredentialsError('auth_file %s is not valid JSON (%s): it should look like {"auths": {"host": {"auth": "..."}}}'
                               % (path, exc)) from exc
    auths = document.get('auths') if isinstance(document, dict) else None
    return auths if isinstance(auths, dict) else {}


def credentials_for(auths: dict[str, Any], path: str, host: str) -> tuple[str, str] | None:
    """(username, password) stored for ``host`` (host[:port]) in the ``auths`` read from ``path``, or None. An entry
    for the host itself wins; Docker Hub's entry, under any of its names, serves all of them."""
    hosts = [host] + ([name for name in DOCKER_HUB if name != host] if host in DOCKER_HUB else [])
    for wanted in hosts:
        for key, entry in auths.items():
            found = _decode(entry, path, key) if _host_of(key) == wanted and isinstance(entry, dict) else None
            if found:  # an entry without credentials (docker's credsStore keeps them elsewhere) is passed over
                return found
    return None


def _host_of(key: str) -> str:
    """Keys may be 'host', 'https://host/v1/' or (containers) 'host/namespace': compare the host."""
    key = key.split('://', 1)[-1]
    return key.split('/', 1)[0]


def _decode(entry: dict[str, Any], path: str, key: str) -> tuple[str, str] | None:
    if entry.get('username') and entry.get('password'):
        return entry['username'], entry['password']
    try:
        username, _sep, password = base64.b64decode(entry.get('auth') or '').decode('utf-8').partition(':')
    except (binascii.Error, UnicodeDecodeError) as exc:  # this host's images fail; other hosts' entries may be fine
        raise AuthError('auth_file %s: the "auth" value for %s is not base64 of user:password' % (path, key)) from exc
    return (username, password) if username else None


class CredentialSource:
    """Callable ``(origin) -> Credentials or None``, resolved once per host and remembered."""

    def __init__(self, username: str | None = None, password: str | None = None, auth_file: str | None = None) -> None:
        if username and password is None:
            raise CredentialsError('username "%s" was given without a password: set password (or HARBOR_PASSWORD / hPW)' % username)
        if password and not username:
            raise CredentialsError('a password was given without a username: set username (or HARBOR_USERNAME / hUSER)')
        # A username without a password was refused above: with one, there is a password.
        self._explicit = Credentials(username, password) if username and password is not None else None
        self._auth_file = auth_file or default_auth_file()
        if auth_file and not os.path.exists(auth_file):
            raise CredentialsError('auth_file %s does not exist: give the path of a Docker config.json or containers auth.json' % auth_file)
        # Read now, so that a broken file stops the task before any request rather than failing every image.
        self._auths: dict[str, Any] = {} if self._explicit else read_auths(self._auth_file, explicit=bool(auth_file))
        self._per_host: dict[str, Credentials | None] = {}

    def __call__(self, origin: str) -> Credentials | None:
        if self._explicit:
            return self._explicit
        host = urlsplit(origin).netloc
        if host not in self._per_host:
            found = credentials_for(self._auths, self._auth_file, host)
            self._per_host[host] = Credentials(*found) if found else None
        return self._per_host[host]


class CredentialsByHost:
    """Callable ``(origin) -> Credentials or None``: each application registry's own source for its host, the caches'
    source for every other host, so that the cache's credentials are never sent to an application registry."""

    def __init__(self, caches: CredentialSource, hosts: dict[str, CredentialSource] | None = None) -> None:
        self._caches = caches
        self._hosts = hosts or {}

    def __call__(self, origin: str) -> Credentials | None:
        return self._hosts.get(urlsplit(origin).netloc, self._caches)(origin)
