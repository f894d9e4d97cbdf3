# -*- coding: utf-8 -*-
# Copyright (c) 2026 prewarm.harbor contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets: never printed, never sent in clear text off loopback unless asked to, never sent to another host.

The fault proxy in front of the emulated Harbor sees every Authorization header and every token issued,
so the test knows each secret value and greps every byte a run printed at -vvvv, and every result, for it.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import socket

import pytest

from ansible_collections.prewarm.harbor.tests.e2e.playbook import run_module
from ansible_collections.prewarm.harbor.tests.faults import verdict
from ansible_collections.prewarm.harbor.tests.faults.actions import corrupt_byte, redirect, rewrite_json, status
from ansible_collections.prewarm.harbor.tests.faults.plays import run_modules
from ansible_collections.prewarm.harbor.tests.faults.proxy import FaultProxy

WRONG = 'Wr0ng-S3cret-of-the-test'


def secrets_seen(stand, proxy, issued, passwords):
    """Every secret value of the runs: passwords, their Basic encodings, tokens issued and headers sent."""
    values = set(passwords) | set(token for token in issued if token)
    for password in passwords:
        values.add(base64.b64encode(('%s:%s' % (stand.robot_user, password)).encode()).decode())
    for seen in proxy.requests():
        header = seen.headers.get('authorization')
        if header:
            values.update([header, header.split(' ', 1)[-1]])
    return values


def auth_file(directory, host, user, password):
    path = directory / 'auth.json'
    encoded = base64.b64encode(('%s:%s' % (user, password)).encode()).decode()
    path.write_text(json.dumps({'auths': {host: {'auth': encoded}}}))
    return str(path)


@pytest.fixture(scope='module')
def verbose_runs(stand, tmp_path_factory):
    """Succeeding and failing calls at -vvvv: options, an auth file (not masked by no_log), a failure after auth.

    Returns the runs, every secret value involved, and what reached Harbor.
    """
    good = stand.push_image('secrets/good', '1.0')
    broken = stand.push_image('secrets/broken', '1.0')
    issued = []
    with FaultProxy(stand.harbor_url) as proxy:
        proxy.inject(rewrite_json(lambda document: issued.append(document.get('token'))), 'GET', '/service/token', times=None)
        proxy.inject(corrupt_byte(10), 'GET', '/blobs/%s' % broken.platforms[0].layers[0].digest, times=None)
        host = proxy.url.split('://', 1)[1]
        files = dict((name, auth_file(tmp_path_factory.mktemp(name), host, stand.robot_user, password))
                     for name, password in (('right', stand.robot_password), ('wrong', WRONG)))
        base = dict(image=verdict.reference(good.repository), proxy_caches=[verdict.rule(proxy.url, project=stand.private_project)])
        creds = dict(username=stand.robot_user, password=stand.robot_password)
        runs = run_modules([
            dict(base, **creds),
            dict(base, username=stand.robot_user, password=WRONG),
            dict(base, image=verdict.reference(broken.repository), retries=0, trigger_blobs=False, **creds),  # a read sees it
            dict(base, auth_file=files['right']),
            dict(base, auth_file=files['wrong']),
            dict(base, username=stand.robot_user, password=WRONG, fail_on_error=False),  # the failure as a warning
        ], verbosity=4)
    return runs, secrets_seen(stand, proxy, issued, [stand.robot_password, WRONG]), proxy.requests()


def test_runs_did_what_they_should(verbose_runs):
    runs, secrets, _seen = verbose_runs
    statuses = [run.images[0]['status'] for run in runs]
    assert statuses == ['warmed', 'failed', 'failed', 'cached', 'failed', 'failed'], runs[0]
    # Harbor gives wrong credentials an anonymous token, then 401 on the private project (docs/harbor.md 7.5).
    refused = '401 unauthorized: check username/password'
    assert refused in runs[1].images[0]['msg'] and refused in runs[4].images[0]['msg']
    assert any(refused in warning for warning in runs[5].result['warnings'])
    assert 'corrupted' in runs[2].images[0]['msg']
    assert len(secrets) > 6  # passwords, encodings and tokens were all captured: the grep below is not vacuous


def test_no_secret_in_any_output(verbose_runs):
    runs, secrets, _seen = verbose_runs
    printed = runs[0].output  # every call's bytes, at -vvvv
    assert 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER' in printed  # the module arguments were printed, masked
    for secret in secrets:
        assert secret not in printed
        for run in runs:
            assert secret not in json.dumps(run.result)


def test_basic_credentials_over_plain_http_to_loopback(verbose_runs):
    """Plain http to 127.0.0.1 is allowed: the robot's Basic credentials went to the token endpoint and to Harbor's
    REST API (which takes no registry token, docs/harbor.md 6.3) only, never to a /v2 registry request."""
    _runs, _secrets, seen = verbose_runs
    paths = set(request.path.split('?')[0] for request in seen if request.auth_scheme == 'basic')
    assert {'/service/token'} <= paths and all(p == '/service/token' or p.startswith('/api/v2.0/') for p in paths), paths


def _loopback_name():
    """A host name /etc/hosts maps to 127.0.0.0/8 that does not look like loopback (not "localhost"), or None."""
    try:
        with open('/etc/hosts', encoding='utf-8') as handle:
            lines = [line.split('#')[0].split() for line in handle]
    except OSError:
        return None
    for fields in lines:
        if len(fields) < 2 or not fields[0].startswith('127.'):
            continue
        for name in fields[1:]:
            if 'localhost' not in name and name == socket.gethostname():
                return name
    return None


def test_basic_credentials_not_sent_over_plain_http_to_a_non_loopback_name(stand):
    """To http://<hostname> (which /etc/hosts maps to 127.x, so traffic stays local) only with the opt-in."""
    name = _loopback_name()
    if name is None:
        pytest.skip('no host name of this machine maps to a loopback address in /etc/hosts')
    assert ipaddress.ip_address(socket.gethostbyname(name)).is_loopback
    image = stand.push_image('secrets/plain-http', '1.0')
    with FaultProxy(stand.harbor_url) as proxy:
        base = 'http://%s:%d' % (name, proxy.port)
        args = dict(image=verdict.reference(image.repository), proxy_caches=[verdict.rule(base, project=stand.private_project)],
                    username=stand.robot_user, password=stand.robot_password)
        refused, allowed = run_modules([args, dict(args, allow_plain_http_credentials=True)])
        sent = [(seen.auth_scheme, seen.path) for seen in proxy.requests()]
    verdict.failed(refused, image.repository, 'refusing to send credentials over plain http to %s' % base,
                   'allow_plain_http_credentials: true')
    verdict.warmed(allowed, image.repository)
    # The opted-in call's one token request and its questions to Harbor's API; the refused call sent none.
    basic = [path for scheme, path in sent if scheme == 'basic']
    assert len([path for path in basic if not path.startswith('/api/v2.0/')]) == 1, sent


def test_no_credentials_to_the_host_a_blob_is_redirected_to(stand):
    """A blob GET sent to another host that answers 401 with its own challenge: nothing secret may go there."""
    image = stand.push_image('secrets/redirected', '1.0')
    with FaultProxy(stand.upstream_url, host='127.0.0.2') as other, FaultProxy(stand.harbor_url) as proxy:
        other.inject(status(401, headers=[('WWW-Authenticate', 'Bearer realm="%s/token",service="store"' % other.url)]), times=None)
        proxy.inject(redirect(lambda exchange: other.url + exchange.path), 'GET', '/blobs/', times=None)
        run = run_module(dict(image=verdict.reference(image.repository), username=stand.robot_user, password=stand.robot_password,
                              proxy_caches=[verdict.rule(proxy.url, project=stand.private_project)]))
        there = other.requests()
    verdict.failed(run, image.repository)
    assert there and [seen.auth_scheme for seen in there] == [None] * len(there), there
