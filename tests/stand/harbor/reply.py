# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a handler answers: status, headers, a body (bytes or a stream of chunks) and which backend served it."""

import dataclasses
import json


@dataclasses.dataclass
class Reply:
    """``body`` is bytes or an iterable of chunks; ``length`` is sent as Content-Length when not None.

    ``backend`` names who answered for the access log: ``local`` (Harbor's registry), ``upstream``, ``redis`` or ''.
    """

    status: int
    headers: list = dataclasses.field(default_factory=list)
    body: object = b''
    length: int = None
    backend: str = ''
    upstream_status: str = ''
    close: bool = False


def error(status, code, message, headers=()):
    """Harbor's error body ``{"errors": [{"code", "message"}]}``."""
    body = json.dumps({'errors': [{'code': code, 'message': message}]}).encode()
    return Reply(status, [('Content-Type', 'application/json; charset=utf-8')] + list(headers), body, len(body))


def json_reply(document, status=200):
    """A JSON document."""
    body = json.dumps(document).encode()
    return Reply(status, [('Content-Type', 'application/json')], body, len(body))


def from_response(response, backend, headers=('Content-Type', 'Docker-Content-Digest', 'Etag'), stream=False):
    """Pass a registry's answer on: its status, the named headers, its length and its body (streamed when asked)."""
    kept = [(name, response.headers[name]) for name in headers if name in response.headers]
    kept.append(('Docker-Distribution-Api-Version', 'registry/2.0'))
    length = response.headers.get('Content-Length')
    body = chunks(response) if stream else response.content
    if length is None and not stream:
        length = len(body)
    return Reply(response.status_code, kept, body, None if length is None else int(length), backend, str(response.status_code))


def chunks(response, size=1 << 20):
    """The body of a streamed requests response, closed when done."""
    try:
        yield from response.raw.stream(size, decode_content=False)
    finally:
        response.close()
