# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's read loop on a plain proxy, alone: what a verified read costs per GB, by chunk size.

Where the runner still reads every byte (a plain distribution proxy, or Harbor with ``trigger_blobs: false``), its
CPU per GB is the read loop's. This starts a stand, has the plain proxy store one large blob, then reads it from the
proxy's storage with the client's ``read_blob`` at each chunk size, with curl into /dev/null (no verification), and
times sha256 alone over as many bytes: the floor a verified read cannot go under. Best of ``--repeat`` each, CPU of
this process (the client) or of curl, printed as ratios to the sha256 floor.

    PYTHONPATH=build/collections .venv/bin/python -m ansible_collections.prewarm.harbor.bench.readloop [--mib 512]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import tempfile
import time

from ansible_collections.prewarm.harbor.bench import machine, wire
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.manifest import Blob
from ansible_collections.prewarm.harbor.plugins.module_utils._oci.repository import Repository
from ansible_collections.prewarm.harbor.plugins.module_utils._registry import client
from ansible_collections.prewarm.harbor.plugins.module_utils._registry.connection import Connection
from ansible_collections.prewarm.harbor.tests.stand import Stand

CHUNKS = (64 << 10, 256 << 10, 1 << 20, 4 << 20)
REPOSITORY = 'readloop/big'


def best(measure, repeat):
    """(wall, CPU) of the fastest of ``repeat`` runs of ``measure`` (which returns its CPU seconds)."""
    runs = []
    for _run in range(repeat):
        started = time.monotonic()
        cpu = measure()
        runs.append((time.monotonic() - started, cpu))
    return min(runs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mib', type=int, default=512, help='size of the blob in MiB (default 512)')
    parser.add_argument('--repeat', type=int, default=3, help='runs of each, the fastest kept (default 3)')
    options = parser.parse_args(argv)
    with Stand(tempfile.mkdtemp(prefix='readloop-')) as stand:
        layer = stand.push_image(REPOSITORY, '1', layer_bytes=options.mib << 20).platforms[0].blobs[-1]
        blob = Blob(layer.digest, layer.size, 'application/vnd.oci.image.layer.v1.tar')
        repo = Repository(stand.proxy_url, REPOSITORY)
        registry = client.Registry(lambda origin: None, Connection(timeout=60, retries=0))
        registry.read_blob(repo, blob)  # the proxy stores it; from now on it serves it from its storage
        time.sleep(2)
        rows = []
        for chunk in CHUNKS:
            client.CHUNK = chunk

            def read():
                before = time.process_time()
                registry.read_blob(repo, blob)
                return time.process_time() - before
            rows.append(('read_blob, %4d KiB chunks' % (chunk >> 10), best(read, options.repeat)))
        client.CHUNK = 1 << 20
        token = wire.fetch_tokens(stand.proxy_url, [REPOSITORY])[REPOSITORY]

        def curl():
            before = machine.children_cpu_seconds()
            done = subprocess.run(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code} %{size_download}',
                                   '-H', 'Authorization: Bearer ' + token, repo.blob_url(blob.digest)],
                                  check=True, capture_output=True, text=True)
            if done.stdout != '200 %d' % blob.size:
                raise RuntimeError('curl read %s, not 200 and %d bytes' % (done.stdout, blob.size))
            return machine.children_cpu_seconds() - before
        rows.append(('curl into /dev/null', best(curl, options.repeat)))
        data = os.urandom(16 << 20)

        def sha256():
            before = time.process_time()
            hasher = hashlib.sha256()
            for _part in range(blob.size // len(data)):
                hasher.update(data)
            return time.process_time() - before
        floor = best(sha256, options.repeat)[1]
        rows.append(('sha256 alone', (0.0, floor)))
    gigabytes = blob.size / 1e9
    print('A %d MB blob read from the plain proxy\'s storage, best of %d; ratio: CPU over sha256 alone' % (blob.size // 10**6, options.repeat))
    for name, (wall, cpu) in rows:
        print('  %-28s %7.3f s wall %7.3f CPU-s %6.2f CPU-s/GB  x %.2f' % (name, wall, cpu, cpu / gigabytes, cpu / floor))


if __name__ == '__main__':
    main()
