# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real image layers, produced as a stream: a tar archive, gzip-compressed, hashed on the fly.

Nothing is held in memory beyond one chunk, so a 1 GiB layer costs the same memory as a 1 KiB one. Content is
pseudo-random from a seed, so the same spec always gives the same digest (a shared base layer is one blob).
"""

import dataclasses
import hashlib
import random
import tarfile
import zlib

CHUNK = 1 << 20
_MTIME = 1700000000  # fixed, for reproducible digests


@dataclasses.dataclass(frozen=True)
class LayerSpec:
    """What a layer holds: a few small text files and ``payload_bytes`` of pseudo-random data."""

    label: str
    payload_bytes: int = 0
    seed: str = ''

    @property
    def gzip_level(self):
        """Random data does not compress: level 0 keeps big layers fast, level 6 keeps small ones realistic."""
        return 0 if self.payload_bytes > CHUNK else 6


@dataclasses.dataclass(frozen=True)
class Layer:
    """A built layer: digest and size of the gzip blob, ``diff_id`` of the tar inside."""

    digest: str
    size: int
    diff_id: str


def _member(name, size, is_dir=False):
    info = tarfile.TarInfo(name)
    info.mtime = _MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = 'root'
    info.type = tarfile.DIRTYPE if is_dir else tarfile.REGTYPE
    info.mode = 0o755 if is_dir else 0o644
    info.size = 0 if is_dir else size
    return info.tobuf(tarfile.USTAR_FORMAT, 'utf-8', 'surrogateescape')


def _random_chunks(seed, size):
    rng = random.Random(seed)
    while size > 0:
        step = min(CHUNK, size)
        yield rng.randbytes(step)
        size -= step


def tar_chunks(spec):
    """Yield the uncompressed tar archive of ``spec``."""
    base = f'opt/stand/{spec.label}'
    text = f'prewarm stand layer {spec.label}\nseed {spec.seed}\n'.encode()
    files = [(f'etc/stand-{spec.label}', len(text), [text]), (f'{base}/README', 4 * len(text), [text * 4])]
    if spec.payload_bytes:
        files.append((f'{base}/data.bin', spec.payload_bytes, _random_chunks(f'{spec.seed}/{spec.label}', spec.payload_bytes)))
    written = 0
    for directory in ('etc/', 'opt/', 'opt/stand/', f'{base}/'):
        yield _member(directory, 0, is_dir=True)
        written += tarfile.BLOCKSIZE
    for name, size, chunks in files:
        yield _member(name, size)
        yield from chunks
        padding = -size % tarfile.BLOCKSIZE
        yield b'\0' * padding
        written += tarfile.BLOCKSIZE + size + padding
    end = 2 * tarfile.BLOCKSIZE
    yield b'\0' * (end + (-(written + end) % tarfile.RECORDSIZE))


class LayerStream:
    """Iterate to get the gzip blob of a spec; after the last chunk, ``layer`` holds its digest, size and diff_id."""

    def __init__(self, spec):
        self.spec = spec
        self.layer = None

    def __iter__(self):
        diff = hashlib.sha256()
        blob = hashlib.sha256()
        size = 0
        compressor = zlib.compressobj(self.spec.gzip_level, zlib.DEFLATED, 31)  # 31: gzip framing
        for raw in tar_chunks(self.spec):
            diff.update(raw)
            out = compressor.compress(raw)
            if out:
                blob.update(out)
                size += len(out)
                yield out
        out = compressor.flush()
        blob.update(out)
        size += len(out)
        yield out
        self.layer = Layer('sha256:' + blob.hexdigest(), size, 'sha256:' + diff.hexdigest())
