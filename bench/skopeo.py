# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""(c) What a user would script instead: ``skopeo copy`` of each image into one shared OCI layout, P at a time.

``multi-arch`` mode: one ``skopeo copy --multi-arch all`` per image (the fleet's indexes hold exactly the
platforms asked for, so it copies the same set). ``per-platform`` mode: one ``--override-os/--override-arch``
copy per image and platform. Into the ``shared`` layout skopeo skips a blob the layout already holds, so a base
layer is read through the first repository only: less than a complete warm (see the ``complete`` column). A
``per-image`` layout makes skopeo read every blob through its own repository, as a complete warm must.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

MODES = ('multi-arch', 'per-platform')
LAYOUTS = ('shared', 'per-image')


def commands(base_url, references, platforms, root, mode, layout_kind='shared'):
    """The skopeo command lines, one per copy, into ``root`` (one layout) or ``root/<image>`` (per image)."""
    host = urllib.parse.urlsplit(base_url).netloc
    common = ['skopeo', 'copy', '--quiet', '--src-tls-verify=false', '--src-no-creds']
    result = []
    for reference in references:
        name = reference.replace('/', '-').replace(':', '-')
        layout = root if layout_kind == 'shared' else os.path.join(root, name)
        if mode == 'multi-arch':
            result.append(common + ['--multi-arch', 'all', f'docker://{host}/{reference}', f'oci:{layout}:{name}'])
            continue
        for platform in platforms:
            os_, arch, *variant = platform.split('/')
            extra = ['--override-variant', variant[0]] if variant else []
            result.append(common + ['--override-os', os_, '--override-arch', arch] + extra
                          + [f'docker://{host}/{reference}', f'oci:{layout}:{name}-{arch}'])
    return result


def _copy(argv, attempts=3):
    """One copy, tried again when it fails: concurrent skopeo processes race on the layout's index.json
    (``initializing destination ...: EOF``), which a user's script would have to survive too."""
    for attempt in range(1, attempts + 1):  # noqa: B007 (returned after the loop)
        proc = subprocess.run(argv, capture_output=True, text=True, check=False)
        if proc.returncode == 0:
            break
    return proc, attempt


def run(base_url, references, platforms, parallel, workdir, mode='multi-arch', layout_kind='shared'):
    """Copy every reference, ``parallel`` skopeo processes at a time, into fresh layouts; returns seconds and failures."""
    layout = os.path.join(workdir, 'oci-layout')
    shutil.rmtree(layout, ignore_errors=True)
    os.makedirs(layout)
    argvs = commands(base_url, references, platforms, layout, mode, layout_kind)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        done = list(pool.map(_copy, argvs))
    seconds = time.monotonic() - started
    failed = [proc for proc, _attempts in done if proc.returncode != 0]
    layout_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _s, files in os.walk(layout) for f in files)
    shutil.rmtree(layout, ignore_errors=True)
    return {'seconds': seconds, 'copies': len(argvs), 'failed': len(failed), 'mode': f'{mode}, {layout_kind} layout', 'layout_bytes': layout_bytes,
            'retried': sum(attempts - 1 for _proc, attempts in done),
            'first_error': failed[0].stderr.strip()[-300:] if failed else ''}
