# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Faults a FaultProxy can inject: each is a function of an ``Exchange`` (see proxy.py).

Answering faults never reach the target; stream faults relay the target's answer and break it on the way.
"""

import email.utils
import json
import time

SCHEMA1_TYPE = 'application/vnd.docker.distribution.manifest.v1+prettyjws'


def status(code, body=b'', headers=()):
    """Answer ``code`` at once (a 5xx burst is ``times=3`` of these, or one fault per code)."""
    def answer_status(exchange):
        exchange.respond(code, body, headers)
    answer_status.__name__ = 'status %d' % code
    return answer_status


def too_many_requests(seconds, as_date=False):
    """429 with ``Retry-After``: ``seconds``, or (``as_date``) the HTTP date that many seconds after the answer."""
    def rate_limited(exchange):
        # An HTTP date has whole seconds: round up, so the client never has a reason to come back early.
        value = email.utils.formatdate(int(time.time()) + 1 + seconds, usegmt=True) if as_date else str(seconds)
        exchange.respond(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
                         [('Retry-After', value), ('Content-Type', 'application/json')])
    rate_limited.__name__ = '429 Retry-After %s%s' % (seconds, ' as a date' if as_date else '')
    return rate_limited


def redirect(location, code=307):
    """Send the client elsewhere; ``location(exchange)`` builds the URL."""
    def redirected(exchange):
        exchange.respond(code, b'', [('Location', location(exchange))])
    return redirected


def _cut(keep, then):
    """Relay the headers (length unchanged) and ``keep(length)`` bytes of the body, then ``then(exchange)``."""
    def broken(exchange):
        with exchange.upstream() as response:
            length = int(response.headers['Content-Length'])
            after_bytes = keep(length)
            exchange.start(response.status_code, list(response.headers.items()), length)
            sent = 0
            for chunk in response.raw.stream(4096, decode_content=False):
                chunk = chunk[:max(0, after_bytes - sent)]
                exchange.write(chunk)
                sent += len(chunk)
                if sent >= after_bytes:
                    break
        then(exchange)
    return broken


def reset_after(after_bytes):
    """A TCP reset in the middle of the body."""
    broken = _cut(lambda length: after_bytes, lambda exchange: exchange.reset())
    broken.__name__ = 'reset after %d bytes' % after_bytes
    return broken


def cut_short(missing=1):
    """The body ends (cleanly closed) ``missing`` bytes before its Content-Length."""
    short = _cut(lambda length: length - missing, _close)
    short.__name__ = 'body %d bytes short' % missing
    return short


def _close(exchange):
    exchange.handler.close_connection = True


def shorter_body(missing=1):
    """A consistent but shorter answer: Content-Length says what is sent, the manifest says more."""
    def truncate(chunks):
        data = b''.join(chunks)
        yield data[:len(data) - missing]

    def shorter(exchange):
        exchange.relay(truncate)
    shorter.__name__ = 'body %d bytes shorter than the manifest says' % missing
    return shorter


def corrupt_byte(offset=0):
    """Flip one bit of the byte at ``offset`` (same length, wrong digest)."""
    def flip(chunks):
        data = bytearray(b''.join(chunks))
        data[min(offset, len(data) - 1)] ^= 0x01
        yield bytes(data)

    def corrupted(exchange):
        exchange.relay(flip)
    corrupted.__name__ = 'corrupt byte %d' % offset
    return corrupted


def stall(seconds, after_bytes=None):
    """Say nothing for ``seconds``: before the headers (None), or after ``after_bytes`` of the body."""
    def give_up(exchange):
        exchange.hang(seconds)
        exchange.reset()
    stalled = give_up if after_bytes is None else _cut(lambda length: after_bytes, give_up)
    stalled.__name__ = 'stall %ss' % seconds
    return stalled


def delay(seconds):
    """Relay unchanged, ``seconds`` late (a slow cache: something else can happen meanwhile, e.g. a token expire)."""
    def delayed(exchange):
        exchange.hang(seconds)
        exchange.relay()
    delayed.__name__ = 'delay %ss' % seconds
    return delayed


def signed(headers):
    """Relay with ``headers(exchange)`` added, as an object store behind a presigned URL reads with its own right."""
    def relayed(exchange):
        exchange.relay(extra_headers=headers(exchange))
    relayed.__name__ = 'signed'
    return relayed


def serve(body, content_type, code=200):
    """Answer with a document of our own (a malformed, schema1 or oversized manifest)."""
    def served(exchange):
        exchange.respond(code, body, [('Content-Type', content_type)])
    served.__name__ = 'serve %d bytes of %s' % (len(body), content_type)
    return served


def rewrite_json(change):
    """Relay a JSON answer after ``change(document)`` edits it in place (e.g. a token's ``expires_in``)."""
    def rewritten(exchange):
        response, data = exchange.body_of_upstream()
        document = json.loads(data)
        change(document)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != 'content-encoding']
        exchange.respond(response.status_code, json.dumps(document).encode(), headers)
    return rewritten


def schema1_manifest(repository, tag):
    """A signed-shape Docker schema1 manifest, as an old registry still serves it."""
    return json.dumps({
        'schemaVersion': 1, 'name': repository, 'tag': tag, 'architecture': 'amd64',
        'fsLayers': [{'blobSum': 'sha256:' + 'a' * 64}], 'history': [{'v1Compatibility': '{}'}],
        'signatures': [{'header': {'alg': 'ES256'}, 'signature': 'c2ln', 'protected': 'cHJvdA'}],
    }).encode()


def oversized_manifest(size):
    """A valid-looking OCI manifest padded with an annotation to ``size`` bytes."""
    head = b'{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"pad":"'
    tail = b'"},"config":{},"layers":[]}'
    return head + b'x' * (size - len(head) - len(tail)) + tail
