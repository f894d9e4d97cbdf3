# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A listening socket that only counts who connects: the proof that a refused input sent nothing.

Rules under test point at ``trap.url``; any request the code under test made would be a connection here.
Standard library only, so unit tests (run by ansible-test) can use it.
"""

import socket
import threading


class Trap:
    """``with Trap() as trap:`` ... ``assert trap.connections == 0``."""

    def __init__(self, host='127.0.0.1'):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind((host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._count = 0
        self._thread = threading.Thread(target=self._accept, name='trap', daemon=True)

    @property
    def url(self):
        host, port = self._sock.getsockname()[:2]
        return 'http://%s:%d' % (host, port)

    @property
    def connections(self):
        with self._lock:
            return self._count

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        self._thread.join(5)
        self._sock.close()

    def _accept(self):
        while not self._stop.is_set():
            try:
                conn, _peer = self._sock.accept()
            except TimeoutError:
                continue
            with self._lock:
                self._count += 1
            conn.close()


def fill(value, **names):
    """``{name}`` placeholders (the trap's URL, a temporary directory) filled in, through nested options.

    ``str.replace`` rather than ``str.format``: expected messages hold other braces (``${1}x``).
    """
    if isinstance(value, str):
        for key, text in names.items():
            value = value.replace('{%s}' % key, text)
        return value
    if isinstance(value, list):
        return [fill(item, **names) for item in value]
    if isinstance(value, dict):
        return dict((key, fill(item, **names)) for key, item in value.items())
    return value
