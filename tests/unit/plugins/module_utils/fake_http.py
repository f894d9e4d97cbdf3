# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A scripted HTTP server on loopback, for what no real registry can be made to do on demand.

Each request is answered by ``answer(request)`` -> (status, headers, body, bytes to send); the last lets a
response promise more bytes than it sends (a body cut short). Every request is kept in ``requests``.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Request:
    __slots__ = ('method', 'path', 'headers')

    def __init__(self, method, path, headers):
        self.method = method
        self.path = path
        self.headers = headers


class FakeHTTP:
    """Use as a context manager; ``url`` is http://127.0.0.1:<free port>."""

    def __init__(self, answer):
        self.answer = answer
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def handle_one_request(self):
                try:
                    super().handle_one_request()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def do_GET(self):  # pylint: disable=invalid-name
                self._reply()

            def do_HEAD(self):  # pylint: disable=invalid-name
                self._reply(head=True)

            def _reply(self, head=False):
                request = Request(self.command, self.path, dict(self.headers))
                outer.requests.append(request)
                status, headers, body, sent = outer.answer(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(body)))
                if sent < len(body):
                    self.send_header('Connection', 'close')
                    self.close_connection = True
                self.end_headers()
                if not head:
                    self.wfile.write(body[:sent])

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.01}, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()


def whole(status, body=b'', **headers):
    """An answer sending all of ``body``."""
    return status, headers, body, len(body)
