# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A relaying HTTP proxy on loopback that breaks chosen requests on purpose.

It sits in front of one base URL (Harbor, or upstream behind a second cache), keeps the client's Host
header (so Harbor's challenge realm points back at the proxy and token requests come through it too) and
records every request. Faults (see ``actions``) match on method and path and fire a number of times.

A small own proxy rather than mitmproxy: it starts in milliseconds on a free port inside the test process,
its faults are plain Python functions with exact control over bytes and timing (a reset after N bytes, a
stall, a short body), and what it saw is a list the test reads directly, without a script or an IPC channel.
"""

import http.server
import re
import socket
import struct
import sys
import threading
import time

import requests

# Never relayed: they describe one connection, not the message.
HOP_BY_HOP = frozenset(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
                        'transfer-encoding', 'upgrade', 'content-length'])
CHUNK = 64 * 1024


class Seen:
    """One request as it reached the proxy, and what was done with it."""

    __slots__ = ('method', 'path', 'headers', 'time', 'fault', 'status')

    def __init__(self, method, path, headers):
        self.method = method
        self.path = path
        self.headers = headers
        self.time = time.monotonic()
        self.fault = None
        self.status = None

    @property
    def auth_scheme(self):
        """'basic', 'bearer', other scheme, or None: enough for most assertions without the secret."""
        value = self.headers.get('authorization')
        return value.split(' ', 1)[0].lower() if value else None

    def __repr__(self):
        return 'Seen(%s %s -> %s%s)' % (self.method, self.path, self.status, ' [%s]' % self.fault if self.fault else '')


class Fault:
    """``action`` for requests matching ``method`` and the ``path`` regex (searched), ``times`` times (None: always).

    ``authorized``: only requests with (True) or without (False) an Authorization header; None: any. Registry
    clients send a repository's first request anonymously to learn the challenge, so a fault meant for the
    real read skips that probe with ``authorized=True``.
    """

    def __init__(self, action, method=None, path='', times=1, name=None, authorized=None):
        self.action = action
        self.method = method
        self.path = re.compile(path)
        self.times = times
        self.name = name or getattr(action, '__name__', 'fault')
        self.authorized = authorized
        self.hits = 0

    def take(self, seen):
        """True (and counted) when this fault fires for the request."""
        if self.method not in (None, seen.method) or not self.path.search(seen.path):
            return False
        if self.authorized is not None and self.authorized != (seen.auth_scheme is not None):
            return False
        if self.times is not None and self.hits >= self.times:
            return False
        self.hits += 1
        return True


class Exchange:
    """One request being answered: the tools an action uses."""

    def __init__(self, handler, proxy, seen, body):
        self.handler = handler
        self.proxy = proxy
        self.seen = seen
        self.body = body
        self.method = seen.method
        self.path = seen.path

    def upstream(self, extra_headers=None):
        """The target's streamed answer to this request (redirects are passed on, not followed)."""
        message = self.handler.headers  # repeated fields (a registry client's several Accept lines) joined
        headers = dict((k, ', '.join(message.get_all(k))) for k in set(message.keys()) if k.lower() not in HOP_BY_HOP)
        headers.update(extra_headers or {})
        return self.proxy.session().request(self.method, self.proxy.target + self.path, headers=headers, data=self.body or None,
                                            stream=True, allow_redirects=False, timeout=30)

    def start(self, status, headers, length=None):
        """Send the status line and headers; ``length`` becomes Content-Length (None: body ends at close)."""
        self.seen.status = status
        self.handler.send_response_only(status)  # the target's own Date and Server headers are relayed
        for key, value in headers:
            if key.lower() not in HOP_BY_HOP:
                self.handler.send_header(key, value)
        if length is None:
            self.handler.close_connection = True
            self.handler.send_header('Connection', 'close')
        else:
            self.handler.send_header('Content-Length', str(length))
        self.handler.end_headers()

    def write(self, data):
        self.handler.wfile.write(data)

    def respond(self, status, body=b'', headers=()):
        self.start(status, list(headers), len(body))
        if self.method != 'HEAD':
            self.write(body)

    def reset(self):
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing peer or middlebox does."""
        self.handler.close_connection = True
        sock = self.handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        sock.close()

    def hang(self, seconds):
        """Wait without answering (cut short when the proxy stops)."""
        self.proxy.stopping.wait(seconds)

    def relay(self, transform=None, extra_headers=None):
        """Pass the target's answer on; ``transform(chunks)`` may rewrite the body stream (same length, or not)."""
        with self.upstream(extra_headers) as response:
            headers = list(response.headers.items())
            length = response.headers.get('Content-Length')
            chunks = response.raw.stream(CHUNK, decode_content=False) if self.method != 'HEAD' else iter(())
            if transform is None and length is not None:
                self.start(response.status_code, headers, int(length))
            else:  # a rewritten or chunked body is sent whole, with its own length
                data = b''.join(transform(chunks) if transform else chunks)
                self.start(response.status_code, headers, len(data))
                chunks = [data]
            for chunk in chunks:
                self.write(chunk)

    def body_of_upstream(self):
        """(response, whole body) of the target's answer, for actions that rewrite a small document."""
        with self.upstream() as response:
            return response, response.content


class FaultProxy:
    """``with FaultProxy(target) as proxy:`` ... ``proxy.url``; ``proxy.inject(action, method, path, times)``."""

    def __init__(self, target, host='127.0.0.1'):
        if not host.startswith('127.'):
            raise ValueError('the fault proxy listens on loopback only, not %s' % host)
        self.target = target.rstrip('/')
        self.seen = []
        self.faults = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions = []
        self._server = _Server((host, 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name='fault-proxy', daemon=True)

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return 'http://%s:%d' % (host, port)

    @property
    def port(self):
        return self._server.server_address[1]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        with self._lock:
            for session in self._sessions:  # no idle keep-alive connection to the target outlives the proxy
                session.close()

    def inject(self, action, method=None, path='', times=1, name=None, authorized=None):
        """Add a fault (first match wins, in the order added); returns it, so a test can read ``hits``."""
        fault = Fault(action, method, path, times, name, authorized)
        with self._lock:
            self.faults.append(fault)
        return fault

    def disarm(self):
        """Drop every fault (what was seen is kept)."""
        with self._lock:
            self.faults = []

    def clear(self):
        """Drop every fault and forget what was seen."""
        with self._lock:
            self.faults = []
            self.seen = []

    def requests(self, method=None, path=''):
        """What reached the proxy, optionally filtered like a fault."""
        pattern = re.compile(path)
        with self._lock:
            return [s for s in self.seen if method in (None, s.method) and pattern.search(s.path)]

    def session(self):
        """One requests session per handler thread: connections to the target are reused, not shared."""
        if not hasattr(self._local, 'session'):
            self._local.session = requests.Session()
            self._local.session.trust_env = False  # never an environment proxy: loopback only
            with self._lock:
                self._sessions.append(self._local.session)
        return self._local.session

    def handle(self, handler):
        """Answer one request: its first matching fault, or a plain relay."""
        length = int(handler.headers.get('Content-Length') or 0)
        body = handler.rfile.read(length) if length else b''
        seen = Seen(handler.command, handler.path, dict((k.lower(), v) for k, v in handler.headers.items()))
        with self._lock:
            self.seen.append(seen)
            fault = next((f for f in self.faults if f.take(seen)), None)
        exchange = Exchange(handler, self, seen, body)
        if fault is None:
            exchange.relay()
            return
        seen.fault = fault.name
        fault.action(exchange)


class _Server(http.server.ThreadingHTTPServer):
    """Quiet about clients that hang up (faults make them do that); anything else is a bug worth a traceback."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def _handler_class(proxy):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'  # keep-alive, as registries speak

        def _any(self):
            try:
                proxy.handle(self)
            except (OSError, requests.RequestException):
                self.close_connection = True  # the client or the target went away: nothing left to answer

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            """Quiet: the test reads ``proxy.seen`` instead."""

    return Handler
