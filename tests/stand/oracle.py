# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The oracle: an independent client (skopeo) that proves an image can be pulled, e.g. from the cache alone."""

import dataclasses
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


def skopeo_argv(base_url, reference, platform, creds=None, ca_dir=None, tmpdir=None):
    """The skopeo command copying ``docker://<host>/<reference>`` for ``platform`` (destination appended later)."""
    skopeo = shutil.which('skopeo')
    if skopeo is None:
        raise process.StandError('skopeo not found (apt-get install skopeo)')
    url = urllib.parse.urlsplit(base_url)
    wanted = model.Platform.parse(platform)
    argv = [skopeo, '--insecure-policy', '--override-os', wanted.os, '--override-arch', wanted.architecture]
    if wanted.variant:
        argv += ['--override-variant', wanted.variant]
    if tmpdir:
        argv += ['--tmpdir', tmpdir]
    argv += ['copy', '--retry-times', '0']
    argv += ['--src-tls-verify=false'] if url.scheme == 'http' else ['--src-tls-verify=true', '--src-cert-dir', ca_dir or '']
    argv += ['--src-creds', f'{creds[0]}:{creds[1]}'] if creds else ['--src-no-creds']
    return argv + [f'docker://{url.netloc}/{reference}']


def pull(base_url, reference, platform, creds=None, ca_dir=None, workdir=None, timeout=300):
    """Copy the image into a throw-away OCI layout; return a PullResult (never raises on a failed pull)."""
    with tempfile.TemporaryDirectory(prefix='oracle-', dir=workdir) as scratch:
        argv = skopeo_argv(base_url, reference, platform, creds, ca_dir, tmpdir=scratch)
        argv.append(f'oci:{os.path.join(scratch, "layout")}:pulled')
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    shown = tuple(f'{creds[0]}:***' if creds and a == f'{creds[0]}:{creds[1]}' else a for a in argv)
    return PullResult(done.returncode == 0, done.returncode, done.stdout, done.stderr, shown)
