# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand's own small HTTP service, run as a thread: the plain proxy's token endpoint and the control API.

* ``GET /raw/token``: tokens for the plain pull-through proxy (anonymous pull on any repository).
* ``GET /control`` and ``POST /control/<action>`` (JSON keyword arguments): the stand's switches and actions;
  ``GET /control/harbor/state`` and ``POST /control/harbor/<action>`` are passed to the Harbor emulator.
"""

import http.server
import json
import threading
import time
import urllib.parse

import requests

from . import tokens

_JSON = 'application/json'


class StandServices:
    """Owns the HTTP server thread; ``actions`` maps control action names to callables."""

    def __init__(self, issuer, switches, actions, log_path):
        self.issuer = issuer
        self.switches = switches
        self.actions = dict(actions)
        self.harbor_control = None  # http://127.0.0.1:<port> of the emulator's control listener, once it runs
        self._log_lock = threading.Lock()
        self._log = open(log_path, 'a', encoding='utf-8')  # pylint: disable=consider-using-with
        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _handler_class(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), name='stand-services', daemon=True)

    @property
    def port(self):
        """Port the service listens on (127.0.0.1)."""
        return self._server.server_address[1]

    def start(self):
        """Serve in a background thread."""
        self._thread.start()

    def stop(self):
        """Stop serving and close the log."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        with self._log_lock:
            self._log.close()

    def log(self, line):
        """Append one line to the service log."""
        with self._log_lock:
            if not self._log.closed:
                self._log.write(f'{time.strftime("%H:%M:%S")} {line}\n')
                self._log.flush()

    def token(self, query):
        """Answer the raw token endpoint: (status, JSON body)."""
        if query.get('service', [tokens.SERVICE])[0] != tokens.SERVICE:
            return 400, {'errors': [{'code': 'BAD_REQUEST', 'message': 'unknown service'}]}
        scopes = [tokens.Scope.parse(text) for value in query.get('scope', []) for text in value.split(' ') if text]
        return 200, self.issuer.issue(scopes)

    def control(self, action, arguments):
        """Run a control action: (status, JSON body)."""
        if action not in self.actions:
            return 404, {'error': f'unknown action {action!r}', 'actions': sorted(self.actions)}
        try:
            result = self.actions[action](**arguments)
        except (TypeError, ValueError, RuntimeError) as exc:
            return 400, {'error': str(exc)}
        return 200, {'result': result, 'switches': self.switches.state()}

    def harbor(self, method, path, body):
        """Pass a ``/control/harbor/...`` request to the emulator: (status, JSON body)."""
        if self.harbor_control is None:
            return 503, {'error': 'the Harbor emulator is not running'}
        answer = requests.request(method, self.harbor_control + path, data=body, timeout=900)
        return answer.status_code, answer.json()


def _handler_class(services):
    """Bind the request handler to one StandServices instance."""

    class Handler(http.server.BaseHTTPRequestHandler):
        """Routes requests to StandServices; HTTP/1.1 so clients can keep connections alive."""

        protocol_version = 'HTTP/1.1'
        server_version = 'prewarm-stand'
        timeout = 900
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            services.log(format % args)

        def _send(self, status, body):
            data = json.dumps(body, indent=1).encode()
            self.send_response(status)
            self.send_header('Content-Type', _JSON)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)

        def _route(self):
            url = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
            if url.path == '/raw/token' and self.command == 'GET':
                self._send(*services.token(urllib.parse.parse_qs(url.query)))
            elif url.path.startswith('/control/harbor/'):
                self._send(*services.harbor(self.command, url.path[len('/control'):], body))
            elif url.path == '/control' and self.command == 'GET':
                self._send(200, {'switches': services.switches.state(), 'actions': sorted(services.actions)})
            elif url.path.startswith('/control/') and self.command == 'POST':
                try:
                    arguments = json.loads(body or b'{}')
                except ValueError:
                    arguments = None
                if not isinstance(arguments, dict):
                    self._send(400, {'error': 'body must be a JSON object'})
                    return
                self._send(*services.control(url.path[len('/control/'):], arguments))
            else:
                self._send(404, {'errors': [{'code': 'NOT_FOUND', 'message': url.path}]})

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _route

    return Handler
