# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Harbor's HTTP front door: routing and middleware order (docs/harbor.md 1), the access log, HTTP and HTTPS listeners."""

import http.server
import json
import re
import ssl
import threading
import time
import urllib.parse

from . import auth
from . import reply as replies

_V2_PATH = re.compile(r'^/v2/(?P<name>.+)/(?P<kind>manifests|blobs|tags|referrers)/(?P<rest>.+)$')
_TAG = re.compile(r'^[\w][\w.-]{0,127}$')
_DIGEST = re.compile(r'^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$')


class AccessLog:
    """One JSON object per request, in the stand's access-log format (see ../accesslog.py); never a credential."""

    def __init__(self, path):
        self._lock = threading.Lock()
        self._handle = open(path, 'a', encoding='utf-8')  # pylint: disable=consider-using-with

    def write(self, **fields):
        """Append one entry."""
        line = json.dumps(fields, separators=(',', ':'))
        with self._lock:
            self._handle.write(line + '\n')
            self._handle.flush()


def auth_kind(authorization):
    """none, basic, bearer or other."""
    scheme = (authorization or '').split(' ', 1)[0].lower()
    return {'': 'none', 'basic': 'basic', 'bearer': 'bearer'}.get(scheme, 'other')


class Front:  # pylint: disable=too-many-instance-attributes
    """Decides every request; ``switches`` are the client-facing ones (429 for the next K requests, manifest delay)."""

    def __init__(self, settings, tokens, cache, api, switches, access_log):
        self.settings = settings
        self.tokens = tokens
        self.cache = cache
        self.api = api
        self.switches = switches
        self.access_log = access_log

    def handle(self, method, raw_path, headers, scheme, body=b''):  # pylint: disable=too-many-arguments
        """A Reply for one request (``body``: the request's, when small)."""
        url = urllib.parse.urlsplit(raw_path)
        query = urllib.parse.parse_qs(url.query)
        host = headers.get('Host') or f'127.0.0.1:{self.settings.http_port}'
        authorization = headers.get('Authorization')
        if url.path == '/service/token':
            if method != 'GET':
                return replies.error(405, 'METHOD_NOT_ALLOWED', 'method not allowed')
            if query.get('service', [''])[0] != auth.SERVICE:
                return replies.Reply(400, [('Content-Type', 'text/plain')], b'Unable to handle service', 24)
            scopes = [text for value in query.get('scope', []) for text in value.split(' ') if text]
            status, body = self.tokens.issue(authorization, scopes)
            return replies.json_reply(body) if body is not None else replies.Reply(401, [], b'', 0)
        if url.path.startswith('/api/v2.0/'):
            return self.api.handle(method, url.path, query, self.tokens.identify(authorization, False), f'{scheme}://{host}', body)
        if url.path == '/v2' or url.path.startswith('/v2/'):
            # The stand's client-facing switches act in front of Harbor, as a slow or rate-limiting load balancer would.
            retry_after = self.switches.take_rate_limit()
            if retry_after is not None:
                return replies.error(429, 'TOO_MANY_REQUEST', 'too many requests', [('Retry-After', str(retry_after))])
            if method == 'GET' and '/manifests/' in url.path:
                time.sleep(self.switches.manifest_delay)
            return self._registry(method, url, headers, scheme, host)
        return replies.error(404, 'NOT_FOUND', 'not found')

    def _registry(self, method, url, headers, scheme, host):
        authorization = headers.get('Authorization')
        identity = self.tokens.identify(authorization, True)
        if url.path in ('/v2', '/v2/'):
            if not identity.authenticated:
                return self._unauthorized(authorization, scheme, host, None, 'unauthorized')
            return replies.Reply(200, [('Content-Type', 'application/json'), ('Docker-Distribution-Api-Version', 'registry/2.0')],
                                 b'{}', 2)
        if url.path == '/v2/_catalog':
            return self._unauthorized('Basic', scheme, host, None, 'unauthorized to list catalog')
        found = _V2_PATH.match(url.path)
        if found is None:
            return replies.error(404, 'NOT_FOUND', 'not found')
        name, kind, rest = found.group('name'), found.group('kind'), found.group('rest')
        project_name, _sep, remote = name.partition('/')
        if not remote:
            return replies.error(400, 'BAD_REQUEST', 'repository name must have at least two path segments')
        if kind == 'manifests' and not (_TAG.match(rest) or _DIGEST.match(rest)):
            return replies.error(404, 'NOT_FOUND', 'invalid reference format')
        action = 'pull' if method in ('GET', 'HEAD') else 'push'
        if action == 'pull' and not authorization:  # always 401 first, even for public projects (#11271)
            return self._unauthorized(None, scheme, host, f'repository:{name}:pull', 'authorize header needed')
        project = self.settings.project(project_name)
        if project is None:
            return replies.error(401, 'UNAUTHORIZED', f'project {project_name} not found')
        if action not in identity.actions(project):
            scope = f'repository:{name}:{"pull" if action == "pull" else "pull,push"}'
            return self._unauthorized(authorization, scheme, host, scope, f'unauthorized to access repository: {name}, action: {action}')
        if action == 'push' or method == 'DELETE':
            return replies.error(403, 'DENIED', 'can not push artifact to a proxy project', [('Connection', 'close')])
        return self._proxy(method, project, name, remote, kind, rest, headers, url.query)

    def _unauthorized(self, authorization, scheme, host, scope, reason):
        challenge = auth.BASIC_CHALLENGE if authorization else auth.bearer_challenge(scheme, host, scope)
        return replies.error(401, 'UNAUTHORIZED', f'{reason}: {reason}',
                             [('Www-Authenticate', challenge), ('Docker-Distribution-Api-Version', 'registry/2.0')])

    def _proxy(self, method, project, name, remote, kind, rest, headers, query=''):  # pylint: disable=too-many-arguments,too-many-return-statements
        """1.6: the Docker Hub redirect first, then the per-kind handler."""
        redirect = project.registry_type == 'docker-hub' and '/' not in remote and not (kind == 'blobs' and method == 'HEAD')
        if redirect and kind != 'referrers':
            location = f'/v2/{project.name}/library/{remote}/{kind}/{rest.split("?", maxsplit=1)[0]}'
            return replies.Reply(301, [('Location', location), ('Content-Type', 'text/html; charset=utf-8')], b'', 0)
        if kind == 'manifests':
            return self.cache.manifest(method, project, name, remote, rest, headers.get('If-None-Match', '').strip('"'))
        if kind == 'blobs':
            if not _DIGEST.match(rest):
                return replies.error(404, 'NOT_FOUND', 'invalid digest')
            return self.cache.blob_head(name, rest) if method == 'HEAD' else self.cache.blob_get(name, remote, rest)
        if kind == 'tags' and rest == 'list':
            return self.cache.tags_list(name, remote)
        if kind == 'referrers' and method == 'GET':
            wanted = urllib.parse.parse_qs(query).get('artifactType', [None])[0]
            return self.cache.referrers(name, rest, wanted)
        return replies.error(404, 'NOT_FOUND', f'{kind} not supported by the emulator')


def _handler_class(front, scheme):

    class Handler(http.server.BaseHTTPRequestHandler):
        """HTTP/1.1 with keep-alive; bodies stream in 1 MiB chunks."""

        protocol_version = 'HTTP/1.1'
        server_version = 'harbor-emulator'
        disable_nagle_algorithm = True
        timeout = 300

        def setup(self):
            super().setup()
            if scheme == 'https':
                self.connection.do_handshake()  # here, in the request's thread, not in the accept loop

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            pass  # the access log says it all

        def _serve(self):
            started = time.time()
            length = int(self.headers.get('Content-Length') or 0)
            body = b''
            if length and self.command in ('POST', 'PUT', 'PATCH') and length < 1 << 20:
                body = self.rfile.read(length)
            answer = front.handle(self.command, self.path, self.headers, scheme, body)
            if self.headers.get('Transfer-Encoding') or length >= 1 << 20:
                answer.close = True  # an unread request body: do not reuse the connection

            def log(body_bytes, header_bytes):
                front.access_log.write(msec=round(time.time(), 3), scheme=scheme, remote_port=self.client_address[1],
                                       method=self.command, uri=self.path,
                                       status=answer.status, bytes_sent=header_bytes + body_bytes, body_bytes_sent=body_bytes,
                                       auth=auth_kind(self.headers.get('Authorization')), upstream_addr=answer.backend,
                                       upstream_status=answer.upstream_status, request_time=round(time.time() - started, 3))
            self._write(answer, log)

        def _write(self, answer, log):
            """Send the answer; ``log`` is called once, before the last bytes leave, so that a client that has its
            whole answer finds it in the access log."""
            self.send_response(answer.status)
            for header, value in answer.headers:
                self.send_header(header, value)
            if answer.length is not None:
                self.send_header('Content-Length', str(answer.length))
            if answer.close:
                self.send_header('Connection', 'close')
                self.close_connection = True
            header_bytes = sum(len(line) for line in self._headers_buffer)  # pylint: disable=no-member
            body = b'' if self.command == 'HEAD' else answer.body
            if isinstance(body, bytes):
                log(len(body), header_bytes)
                self.end_headers()
                self.wfile.write(body)
                return
            self.end_headers()
            sent, logged = 0, False
            try:
                chunks = iter(body)
                chunk = next(chunks, None)
                while chunk is not None:
                    following = next(chunks, None)
                    if following is None:
                        log(sent + len(chunk), header_bytes)
                        logged = True
                    self.wfile.write(chunk)
                    sent += len(chunk)
                    chunk = following
            except Exception:  # pylint: disable=broad-exception-caught
                self.close_connection = True  # the body breaks off short, as Harbor's io.CopyN leaves it
            finally:
                if hasattr(body, 'close'):
                    body.close()
            if not logged:
                log(sent, header_bytes)
            if answer.length is not None and sent != answer.length:
                self.close_connection = True

        do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """A client that hangs up (or refuses our certificate) is no error of the emulator's."""


def serve(front, host, port, tls=None):
    """Start a listener thread; ``tls`` is (cert_path, key_path) for HTTPS. Returns the server."""
    server = _Server((host, port), _handler_class(front, 'https' if tls else 'http'))
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(*tls)
        # The handshake happens in the request thread, not in the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    threading.Thread(target=server.serve_forever, args=(0.2,), name=f'serve-{port}', daemon=True).start()
    return server
