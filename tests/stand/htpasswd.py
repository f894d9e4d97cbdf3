# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The htpasswd file of the application registry: distribution's ``auth: htpasswd`` accepts bcrypt hashes only.

The hash comes from libxcrypt (``libcrypt.so.1``, in every Debian system: package ``libcrypt1``, essential), called
through ctypes, so the stand needs no bcrypt module nor ``apache2-utils``.
"""

import ctypes
import threading

from .process import StandError

# bcrypt's lowest cost: distribution checks the password with bcrypt on every request (no session), and the stand's
# password is random anyway.
COST = 4
_LOCK = threading.Lock()  # crypt() returns a static buffer


def _libcrypt():
    try:
        lib = ctypes.CDLL('libcrypt.so.1')
    except OSError as exc:
        raise StandError(f'libcrypt.so.1 not found (apt-get install libcrypt1): {exc}') from exc
    lib.crypt_gensalt.restype = ctypes.c_char_p
    lib.crypt_gensalt.argtypes = [ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_int]
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    return lib


def bcrypt_hash(password, cost=COST):
    """``$2b$<cost>$...`` for ``password`` (at most 72 bytes: bcrypt ignores the rest)."""
    if len(password.encode()) > 72:
        raise ValueError('bcrypt uses at most 72 bytes of a password')
    lib = _libcrypt()
    with _LOCK:
        salt = lib.crypt_gensalt(b'$2b$', cost, None, 0)  # random bytes from the OS
        hashed = lib.crypt(password.encode(), salt) if salt else None
        checked = lib.crypt(password.encode(), hashed) if hashed else None
    if not hashed or not hashed.startswith(b'$2b$') or checked != hashed:
        raise StandError('libcrypt could not make a bcrypt hash')
    return hashed.decode('ascii')


def write(path, user, password):
    """Write an htpasswd file with one user."""
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(f'{user}:{bcrypt_hash(password)}\n')
