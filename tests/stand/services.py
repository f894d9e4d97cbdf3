# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stand's own small HTTP service, run as a thread: Harbor's token endpoint, the front's gate, and a control API.

* ``GET /service/token`` (proxied by nginx): Harbor's token endpoint; ``GET /raw/token``: the same for the plain proxy.
* ``/gate``: nginx ``auth_request`` target for every /v2 request. It answers 204 (go on), 401 (Basic credentials
  wrong, or a token bound to another project or expired), or 403 (rate limited; nginx turns it into 429). It also
  applies the manifest delay and turns Basic credentials into a token, as Harbor accepts Basic auth on /v2.
* ``GET /control`` and ``POST /control/<action>`` (JSON keyword arguments): switches for shell users of ``up``.
"""

import http.server
import json
import threading
import time
import urllib.parse

from . import issuer as issuer_mod
from . import tokens

_JSON = 'application/json'


class StandServices:
    """Owns the HTTP server thread; ``actions`` maps control action names to callables."""

    def __init__(self, issuer, switches, actions, log_path):
        self.issuer = issuer
        self.switches = switches
        self.actions = dict(actions)
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

    def token(self, headers, query, raw):
        """Answer the token endpoint: (status, extra headers, JSON body)."""
        services = query.get('service', [tokens.SERVICE])
        if services[0] != tokens.SERVICE:
            return 400, {}, {'errors': [{'code': 'BAD_REQUEST', 'message': 'unknown service'}]}
        try:
            user = self.issuer.authenticate(headers.get('Authorization'))
        except issuer_mod.Unauthorized as exc:
            return 401, {}, {'errors': [{'code': 'UNAUTHORIZED', 'message': str(exc)}]}
        scopes = [tokens.Scope.parse(text) for value in query.get('scope', []) for text in value.split(' ') if text]
        return 200, {}, self.issuer.issue(user, scopes, raw=raw)

    def gate(self, headers):
        """Decide on one /v2 request forwarded by nginx: (status, extra headers)."""
        retry_after = self.switches.take_rate_limit()
        if retry_after is not None:
            return 403, {'X-Stand-Retry-After': str(retry_after)}
        project, repo = headers.get('X-Stand-Project', ''), headers.get('X-Stand-Repo', '')
        scheme, _sep, credentials = (headers.get('Authorization') or '').partition(' ')
        extra = {}
        if scheme.lower() == 'basic':
            try:
                token = self.issuer.bearer_for(self.issuer.authenticate(headers['Authorization']), project, repo)
            except issuer_mod.Unauthorized:
                token = None
            if token is None:
                return 401, {}
            extra['X-Stand-Authorization'] = 'Bearer ' + token
        elif scheme.lower() == 'bearer':
            claims = tokens.decode_claims(credentials.strip())
            if claims is not None and not _claims_allow(claims, project, repo):
                return 401, {}
        if headers.get('X-Stand-Method') == 'GET' and headers.get('X-Stand-Kind') == 'manifests':
            time.sleep(self.switches.manifest_delay)
        return 204, extra

    def control(self, action, arguments):
        """Run a control action: (status, JSON body)."""
        if action not in self.actions:
            return 404, {'error': f'unknown action {action!r}', 'actions': sorted(self.actions)}
        try:
            result = self.actions[action](**arguments)
        except (TypeError, ValueError, RuntimeError) as exc:
            return 400, {'error': str(exc)}
        return 200, {'result': result, 'switches': self.switches.state()}


def _claims_allow(claims, project, repo):
    """A token is good at the front until ``exp`` (no leeway) and only for the Harbor names it was issued for."""
    if not isinstance(claims.get('exp'), (int, float)) or claims['exp'] <= time.time():
        return False
    return not project or f'{project}/{repo}' in claims.get('stand_access', [])


def _handler_class(services):
    """Bind the request handler to one StandServices instance."""

    class Handler(http.server.BaseHTTPRequestHandler):
        """Routes requests to StandServices; HTTP/1.1 so nginx can keep connections alive."""

        protocol_version = 'HTTP/1.1'
        server_version = 'prewarm-stand'
        timeout = 120
        # Headers and body leave in two writes: with Nagle on, the second waits for the client's delayed ACK (40 ms).
        disable_nagle_algorithm = True

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            services.log(format % args)

        def _send(self, status, headers=None, body=None):
            data = b'' if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header('Content-Type', _JSON)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(data)

        def _route(self):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path in ('/service/token', '/raw/token') and self.command == 'GET':
                status, headers, body = services.token(self.headers, query, raw=url.path == '/raw/token')
                self._send(status, headers, body)
            elif url.path == '/gate':
                status, headers = services.gate(self.headers)
                self._send(status, headers)
            elif url.path == '/control' and self.command == 'GET':
                self._send(200, body={'switches': services.switches.state(), 'actions': sorted(services.actions)})
            elif url.path.startswith('/control/') and self.command == 'POST':
                length = int(self.headers.get('Content-Length') or 0)
                try:
                    arguments = json.loads(self.rfile.read(length) or b'{}')
                except ValueError:
                    arguments = None
                if not isinstance(arguments, dict):
                    self._send(400, body={'error': 'body must be a JSON object'})
                    return
                status, body = services.control(url.path[len('/control/'):], arguments)
                self._send(status, body=body)
            else:
                self._send(404, body={'errors': [{'code': 'NOT_FOUND', 'message': url.path}]})

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _route

    return Handler
