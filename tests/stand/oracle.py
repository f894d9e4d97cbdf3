# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oracle: an independent client (skopeo) that proves an image can be pulled, e.g. from the cache alone."""

import base64
import dataclasses
import json
import os
import shutil
import subprocess
import tempfile
import urllib.parse

from . import model, process


@dataclasses.dataclass(frozen=True)
class PullResult:
    """What skopeo did: ``ok`` and its output (``command`` with the password masked)."""

    ok: bool
    returncode: int
    stdout: str
    stderr: str
    command: tuple


def skopeo_argv(base_url, reference, platform, creds=None, ca_dir=None, tmpdir=None, host=None):  # pylint: disable=too-many-arguments
    """The skopeo command copying ``docker://<host>/<reference>`` for ``platform`` (destination appended later);
    ``host``, when given, is the registry the reference names, reached at ``base_url`` (see ``mirror_conf``; its file
    goes to ``tmpdir``)."""
    skopeo = shutil.which('skopeo')
    if skopeo is None:
        raise process.StandError('skopeo not found (apt-get install skopeo)')
    url = urllib.parse.urlsplit(base_url)
    wanted = model.Platform.parse(platform)
    argv = [skopeo, '--insecure-policy', '--override-os', wanted.os, '--override-arch', wanted.architecture]
    if host:  # skopeo 1.9 reads no CONTAINERS_REGISTRIES_CONF; its (hidden) flag it does
        argv += ['--registries-conf', mirror_conf(os.path.join(tmpdir, 'registries.conf'), host, base_url)]
    if wanted.variant:
        argv += ['--override-variant', wanted.variant]
    if tmpdir:
        argv += ['--tmpdir', tmpdir]
    argv += ['copy', '--retry-times', '0']
    argv += _tls_flags(url, ca_dir, '--src-')
    if creds and host:  # skopeo never sends --src-creds to a rewritten location: an auth file for its host, as on a node
        argv += ['--src-authfile', _authfile(os.path.join(tmpdir, 'auth.json'), url.netloc, creds)]
    else:
        argv += _creds_flags(creds, '--src-')
    return argv + [f'docker://{host or url.netloc}/{reference}']


def _tls_flags(url, ca_dir, prefix):
    """skopeo's TLS flags for the registry at ``url`` (copy names its source's ``--src-...``, inspect's are bare)."""
    return [f'{prefix}tls-verify=false'] if url.scheme == 'http' else [f'{prefix}tls-verify=true', f'{prefix}cert-dir', ca_dir or '']


def _creds_flags(creds, prefix):
    return [f'{prefix}creds', f'{creds[0]}:{creds[1]}'] if creds else [f'{prefix}no-creds']


def _authfile(path, netloc, creds):
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w', encoding='utf-8') as handle:
        json.dump({'auths': {netloc: {'auth': base64.b64encode(f'{creds[0]}:{creds[1]}'.encode()).decode()}}}, handle)
    return path


def mirror_conf(path, host, base_url):
    """A registries.conf that sends every pull of ``host/...`` to ``base_url``'s host, as a node configured with a
    registry mirror does: the reference keeps the name the Pod spec writes."""
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(f'[[registry]]\nprefix = "{host}"\nlocation = "{urllib.parse.urlsplit(base_url).netloc}"\n')
    return path


def pull(base_url, reference, platform, creds=None, ca_dir=None, workdir=None, timeout=300, host=None):  # pylint: disable=too-many-arguments
    """Copy the image into a throw-away OCI layout; return a PullResult (never raises on a failed pull).

    ``host``: the registry the reference names, when it is reached at ``base_url`` instead (a mirror)."""
    with tempfile.TemporaryDirectory(prefix='oracle-', dir=workdir) as scratch:
        argv = skopeo_argv(base_url, reference, platform, creds, ca_dir, tmpdir=scratch, host=host)
        argv.append(f'oci:{os.path.join(scratch, "layout")}:pulled')
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    shown = tuple(f'{creds[0]}:***' if creds and a == f'{creds[0]}:{creds[1]}' else a for a in argv)
    return PullResult(done.returncode == 0, done.returncode, done.stdout, done.stderr, shown)


@dataclasses.dataclass(frozen=True)
class Copied:
    """A manifest skopeo copied as it is (``dir:``): ``ok``, the ``manifest`` (parsed), its ``blobs`` by digest."""

    ok: bool
    manifest: dict
    blobs: dict
    stderr: str


def copy(base_url, reference, creds=None, ca_dir=None, workdir=None, timeout=120):  # pylint: disable=too-many-arguments
    """Copy one manifest (a signature, a referrer: no platform to choose) and its blobs into a ``dir:`` layout, as a
    verifier fetches them; return a Copied (never raises on a failed copy)."""
    with tempfile.TemporaryDirectory(prefix='oracle-', dir=workdir) as scratch:
        argv = skopeo_argv(base_url, reference, 'linux/amd64', creds, ca_dir, tmpdir=scratch)
        target = os.path.join(scratch, 'copied')
        argv.append(f'dir:{target}')
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            return Copied(False, {}, {}, done.stderr)
        with open(os.path.join(target, 'manifest.json'), 'rb') as handle:
            manifest = json.loads(handle.read())
        blobs = {}
        for name in os.listdir(target):
            if len(name) == 64:  # skopeo's dir: names each blob by its hex digest
                with open(os.path.join(target, name), 'rb') as handle:
                    blobs['sha256:' + name] = handle.read()
        return Copied(True, manifest, blobs, done.stderr)


def raw(base_url, reference, creds=None, ca_dir=None, timeout=60):
    """The manifest ``reference`` names as ``base_url`` serves it, index or not (``skopeo inspect --raw``), as a verifier
    reads OCI 1.1's fallback tag: a Copied without blobs (never raises on a failed read)."""
    url = urllib.parse.urlsplit(base_url)
    argv = [shutil.which('skopeo') or 'skopeo', 'inspect', '--raw', '--retry-times', '0']
    argv += _tls_flags(url, ca_dir, '--') + _creds_flags(creds, '--')
    done = subprocess.run(argv + [f'docker://{url.netloc}/{reference}'], capture_output=True, text=True, timeout=timeout,
                          check=False)
    if done.returncode != 0:
        return Copied(False, {}, {}, done.stderr)
    return Copied(True, json.loads(done.stdout), {}, done.stderr)
