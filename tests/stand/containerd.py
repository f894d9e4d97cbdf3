# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The second oracle: a private ``containerd`` (Debian's, as root) and ``ctr images pull``, which is how a node pulls.

containerd HEADs the tag, then GETs the index by digest, the platform's manifest and its blobs. Content sharing is
``isolated`` and every pull gets a fresh namespace, so nothing fetched earlier can hide a cold cache.
"""

import itertools
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse

from . import process
from .oracle import PullResult

_CONFIG = '''version = 2
root = "{root}"
state = "{state}"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                    "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "{socket}"
[ttrpc]
  address = "{socket}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.metadata.v1.bolt"]
  content_sharing_policy = "isolated"
'''


def _binary(name):
    path = shutil.which(name)
    if path is None:
        raise process.StandError(f'{name} not found (apt-get install containerd)')
    return path


class Containerd:
    """``start()``, ``pull(...)`` as often as needed, ``stop()``; its socket lives in a short /tmp path (108-byte limit)."""

    def __init__(self, workdir):
        self.workdir = workdir
        self._sockdir = None
        self._proc = None
        self._namespaces = itertools.count(1)

    @property
    def socket(self):
        """The gRPC socket."""
        return os.path.join(self._sockdir, 'c.sock')

    def start(self, timeout=20.0):
        """Start containerd with a private root, state and socket; wait for it to answer."""
        os.makedirs(self.workdir, exist_ok=True)
        self._sockdir = tempfile.mkdtemp(prefix='ctrd-')
        config = os.path.join(self.workdir, 'config.toml')
        with open(config, 'w', encoding='utf-8') as handle:
            handle.write(_CONFIG.format(root=os.path.join(self.workdir, 'root'), state=os.path.join(self._sockdir, 'state'),
                                        socket=self.socket))
        log_path = os.path.join(os.path.dirname(self.workdir), 'logs', 'containerd.log')
        with open(log_path, 'ab') as log:
            self._proc = subprocess.Popen([_binary('containerd'), '--config', config], stdin=subprocess.DEVNULL,  # pylint: disable=consider-using-with
                                          stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while self._ctr('version').returncode != 0:
            if self._proc.poll() is not None or time.monotonic() > deadline:
                raise process.StandError(f'containerd did not start:\n{process.tail(log_path)}')
            time.sleep(0.1)

    def _ctr(self, *args, namespace='default', timeout=60):
        return subprocess.run([_binary('ctr'), '-a', self.socket, '-n', namespace, *args], capture_output=True, text=True,
                              timeout=timeout, check=False)

    def pull(self, base_url, reference, platform, creds=None, ca_path=None, timeout=300, host=None):  # pylint: disable=too-many-arguments
        """``ctr images pull`` (and unpack) ``<host>/<reference>`` for ``platform`` into a fresh namespace.

        ``host``: the registry the reference names, when it is reached at ``base_url`` instead (a mirror, as a
        node's hosts.toml says; HTTPS only)."""
        url = urllib.parse.urlsplit(base_url)
        argv = ['images', 'pull', '--platform', platform, '--snapshotter', 'native']
        argv += ['--plain-http'] if url.scheme == 'http' else ['--hosts-dir', self._https_hosts(url.netloc, ca_path, host)]
        if creds:
            argv += ['--user', f'{creds[0]}:{creds[1]}']
        argv.append(f'{host or url.netloc}/{reference}')
        namespace = f'pull{next(self._namespaces)}'
        done = self._ctr(*argv, namespace=namespace, timeout=timeout)
        shown = tuple(f'{creds[0]}:***' if creds and arg == f'{creds[0]}:{creds[1]}' else arg for arg in ['ctr', '-n', namespace] + argv)
        return PullResult(done.returncode == 0, done.returncode, done.stdout, done.stderr, shown)

    def _https_hosts(self, netloc, ca_path, host=None):
        """A hosts directory naming ``https://<netloc>`` and its CA (for ``host``'s pulls, when given): without it,
        ctr 1.6 speaks plain HTTP to any localhost registry (``docker.MatchLocalhost``), whatever ``--tlscacert``
        says."""
        directory = os.path.join(self.workdir, 'hosts')
        os.makedirs(os.path.join(directory, host or netloc), exist_ok=True)
        with open(os.path.join(directory, host or netloc, 'hosts.toml'), 'w', encoding='utf-8') as handle:
            handle.write(f'server = "https://{host or netloc}"\n\n[host."https://{netloc}"]\n  capabilities = ["pull", "resolve"]\n'
                         f'  ca = "{ca_path or ""}"\n')
        return directory

    def stop(self):
        """Stop containerd and remove its state (its root stays under the work dir for a post-mortem)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)
        self._proc = None
        if self._sockdir:
            shutil.rmtree(self._sockdir, ignore_errors=True)
            self._sockdir = None
